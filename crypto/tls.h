/*
 * tls.h — OpenSSL contexts for the tunnel.
 *
 * One server context (the pinned port) and one client context (dialing
 * peer gateways), both mutual: each presents the configured certificate
 * and requires the other's, verified against the configured CA (and CRL
 * when set).  TLS 1.3 by default (min_version may lower it to 1.2),
 * groups X25519 and P-256, session tickets on, no 0-RTT, no compression,
 * no renegotiation.  Identity checks against [peer] sections are the
 * caller's (ident.h), after the handshake.
 */
#ifndef DISTGATE_TLS_H
#define DISTGATE_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

struct config;

/* Returns a new context or NULL with a reason in ERR (OpenSSL's error
 * queue drained into it). */
SSL_CTX *tls_server_ctx_new(const struct config *cfg, char *err,
    size_t errlen);
SSL_CTX *tls_client_ctx_new(const struct config *cfg, char *err,
    size_t errlen);

/*
 * Drains OpenSSL's error queue into one log line at warn level:
 * "conn=ID CONTEXT: reason; reason".  ID 0 omits the conn field.
 * Returns the number of errors drained.
 */
int tls_log_errors(unsigned long long id, const char *context);

/* Copies the first queued OpenSSL error (or "unknown") into BUF and clears
 * the queue.  Returns BUF. */
char *tls_error_string(char *buf, size_t len);

#endif
