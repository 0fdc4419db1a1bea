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

/* The files and minimum version both contexts are made from. */
struct tls_files {
	const char *cert;	/* PEM chain; required */
	const char *key;	/* PEM key; required */
	const char *ca;		/* PEM CA bundle; required */
	const char *crl;	/* PEM CRLs, or NULL */
	int min_version;	/* TLS1_2_VERSION, TLS1_3_VERSION; 0 = 1.3 */
};

/*
 * Returns a new context or NULL with a reason in ERR (OpenSSL's error
 * queue drained into it).  NEW_SESSION (client, may be NULL) receives
 * each new session for resumption, in place of OpenSSL's internal cache:
 * it returns 1 when it keeps the session (see SSL_CTX_sess_set_new_cb).
 */
SSL_CTX *tls_server_ctx_new(const struct tls_files *f, char *err,
    size_t errlen);
SSL_CTX *tls_client_ctx_new(const struct tls_files *f,
    int (*new_session)(SSL *, SSL_SESSION *), char *err, size_t errlen);

/*
 * Returns a new client SSL on the connected socket FD: SNI (when not
 * NULL), MIN_VERSION (0: the context's), a session to RESUME (or NULL),
 * APP as its app data (for the NEW_SESSION callback).  NULL on failure.
 * The SSL does not own FD.
 */
SSL *tls_client_new(SSL_CTX *ctx, int fd, const char *sni, int min_version,
    SSL_SESSION *resume, void *app);

/* Returns a new server SSL on the accepted socket FD (MIN_VERSION 0: the
 * context's), or NULL.  The SSL does not own FD. */
SSL *tls_server_new(SSL_CTX *ctx, int fd, int min_version);

/*
 * Settings for a tunnel's TLS leg once the handshake is done: record
 * buffers released when idle, read-ahead into an RBUF-byte buffer, and a
 * bare FIN taken as an ordinary end (OTP 25 nodes send no close_notify).
 */
void tls_tune_stream(SSL *ssl, int rbuf);

#define TLS_PEER_NO_CERT	1
#define TLS_PEER_BAD		2

/* After the handshake: returns 0 when the peer sent a certificate that
 * verified, TLS_PEER_NO_CERT or TLS_PEER_BAD with a reason in WHY. */
int tls_peer_verify(SSL *ssl, char *why, size_t len);

/* Returns the verify failure's text after a failed handshake, or NULL
 * when the chain did not fail verification. */
const char *tls_verify_failure(SSL *ssl);

/* Returns 1 if E (an OpenSSL error code) says the peer sent no
 * certificate where one was required. */
int tls_error_no_cert(unsigned long e);

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
