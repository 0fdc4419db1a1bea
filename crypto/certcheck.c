/* certcheck.c — peer chains re-verified, expiry dates.  See certcheck.h. */
#include "crypto/certcheck.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

int
certcheck_peer(SSL_CTX *ctx, SSL *ssl, char *why, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509_STORE_CTX *vc;
	int rc = -1;

	if (cert == NULL) {
		(void)snprintf(why, len, "no peer certificate");
		return -1;
	}
	ERR_clear_error();
	if ((vc = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(vc, SSL_CTX_get_cert_store(ctx), cert,
	    chain)) {
		(void)snprintf(why, len, "out of memory");
		goto done;
	}
	/* The peer is a TLS client or server: either purpose would do, the
	 * handshake checked it; the chain, CRL and dates are what count. */
	(void)X509_STORE_CTX_set_default(vc, "ssl_client");
	if (X509_verify_cert(vc) == 1)
		rc = 0;
	else
		(void)snprintf(why, len, "%s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(vc)));
done:
	X509_STORE_CTX_free(vc);
	ERR_clear_error();
	return rc;
}

/* ASN1_TIME to seconds since the epoch (UTC). */
static int
to_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int
certcheck_expiry(const char *path, int first, time_t *not_after, char *why,
    size_t len)
{
	FILE *f;
	X509 *x;
	time_t t, best = 0;
	int n = 0;

	if ((f = fopen(path, "re")) == NULL) {
		(void)snprintf(why, len, "%s: cannot open", path);
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		int ok = to_time(X509_get0_notAfter(x), &t) == 0;

		X509_free(x);
		if (!ok)
			continue;
		if (n++ == 0 || t < best)
			best = t;
		if (first)
			break;
	}
	ERR_clear_error();
	(void)fclose(f);
	if (n == 0) {
		(void)snprintf(why, len, "%s: no certificate", path);
		return -1;
	}
	*not_after = best;
	return 0;
}

int
certcheck_warn_due(time_t now, time_t not_after, unsigned days, char *left,
    size_t len)
{
	long long d = (long long)not_after - (long long)now;

	if (d >= 0)
		(void)snprintf(left, len, "in %lld day%s", d / 86400,
		    d / 86400 == 1 ? "" : "s");
	else
		(void)snprintf(left, len, "%lld day%s ago", -d / 86400,
		    -d / 86400 == 1 ? "" : "s");
	return days != 0 && d < (long long)days * 86400;
}
