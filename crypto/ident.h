/*
 * ident.h — certificate identities.
 *
 * A certificate's identities are its subjectAltName DNS names and URIs;
 * when it has neither, its subject CN.  A [peer]'s "identity" key names
 * one of them.  DNS names compare case-insensitively, URIs exactly; no
 * wildcards.
 */
#ifndef DISTGATE_IDENT_H
#define DISTGATE_IDENT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

/* Returns 1 if EXPECTED is one of CERT's identities, 0 if not. */
int ident_match(X509 *cert, const char *expected);

/*
 * Returns 1 if the certificate in PEM file PATH is valid for host name
 * HOST as a TLS client checks a server's (X509_check_host: SAN DNS names,
 * wildcards as OpenSSL allows them), 0 if not, -1 if PATH holds no
 * readable certificate.
 */
int ident_file_names_host(const char *path, const char *host);

/*
 * Writes a one-line description for logs into BUF:
 * subject="CN=hostB" san="DNS:hostB.test,URI:spiffe://x" (truncated to
 * LEN, always NUL-terminated).  Returns BUF.  CERT NULL -> "subject=- san=-".
 */
char *ident_describe(X509 *cert, char *buf, size_t len);

/*
 * Writes CERT's primary identity (first SAN DNS, else first SAN URI, else
 * CN) into BUF.  Returns 0, or -1 if it has none.
 */
int ident_primary(X509 *cert, char *buf, size_t len);

#endif
