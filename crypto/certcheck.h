/*
 * certcheck.h — certificates checked outside a handshake: an open
 * connection's peer chain against a (new) context, and the expiry dates
 * of this host's certificate and CA, for reload and the expiry warning
 * (proxy/reload.h).
 */
#ifndef DISTGATE_CERTCHECK_H
#define DISTGATE_CERTCHECK_H

#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

/*
 * Verifies the certificate the peer of SSL presented (with the chain it
 * sent) against CTX's trust store and its flags (CA, CRL), at the current
 * time.  Returns 0 when it verifies, -1 with the reason in WHY ("no peer
 * certificate", or OpenSSL's verify error: "certificate revoked",
 * "certificate has expired", ...).  SSL and CTX are not changed.
 */
int certcheck_peer(SSL_CTX *ctx, SSL *ssl, char *why, size_t len);

/*
 * Reads the PEM certificates in PATH and stores in *NOT_AFTER the end of
 * validity of the first one (FIRST 1: a chain's leaf) or the earliest of
 * them (FIRST 0: a CA bundle).  Returns 0, or -1 with a reason in WHY.
 */
int certcheck_expiry(const char *path, int first, time_t *not_after,
    char *why, size_t len);

/*
 * Returns 1 when NOT_AFTER is within DAYS days of NOW (or past), so a
 * warning is due, else 0; DAYS 0 never warns.  Writes how far it is into
 * LEFT ("in 12 days", "2 days ago").  Pure.
 */
int certcheck_warn_due(time_t now, time_t not_after, unsigned days,
    char *left, size_t len);

#endif
