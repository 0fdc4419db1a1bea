/* ident.c — see ident.h. */
#include "crypto/ident.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/*
 * Rules beyond ident.h:
 * - A SAN DNS or URI entry with an embedded NUL, or any byte outside
 *   printable ASCII, is ignored, but it still counts as "the certificate
 *   has SAN names", so the CN is not consulted.  A CN with a NUL or a
 *   control byte is ignored too (UTF-8 is fine there).  So an identity
 *   that matches or comes out of ident_primary() is always safe to log.
 * - When the subject holds several CNs, only the last (most specific) one
 *   counts.  CNs compare like DNS names (ASCII case-insensitively).
 * - So does a subjectAltName extension that is repeated or cannot be
 *   decoded: such a certificate has no identity at all.
 * - ident_primary() fails rather than truncate an identity.
 */

/* ASCII-only case folding: no locale can change what matches. */
static int
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int
eq_nocase(const unsigned char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int
eq_exact(const unsigned char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * Returns CERT's SAN names (free with GENERAL_NAMES_free), or NULL.  Sets
 * *BROKEN when the extension is there but repeated or undecodable.
 */
static GENERAL_NAMES *
san_get(X509 *cert, int *broken)
{
	GENERAL_NAMES *gens;
	int crit = -1;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	*broken = gens == NULL && crit != -1;
	return gens;
}

/*
 * True if P holds no NUL or control byte, and (unless HIGH_OK) nothing
 * beyond ASCII.
 */
static int
clean(const unsigned char *p, size_t n, int high_ok)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f || (p[i] > 0x7f && !high_ok))
			return 0;
	return 1;
}

/*
 * Returns the value of a SAN DNS or URI entry through *DATA and *LEN, or
 * -1 for other types.  Unclean entries come back with *DATA NULL.
 */
static int
san_value(const GENERAL_NAME *gn, const unsigned char **data, size_t *len)
{
	const ASN1_IA5STRING *s;
	int n;

	switch (gn->type) {
	case GEN_DNS:
		s = gn->d.dNSName;
		break;
	case GEN_URI:
		s = gn->d.uniformResourceIdentifier;
		break;
	default:
		return -1;
	}
	*data = NULL;
	*len = 0;
	if (s == NULL || (n = ASN1_STRING_length(s)) < 0)
		return gn->type;
	*data = ASN1_STRING_get0_data(s);
	*len = (size_t)n;
	if (*data == NULL || !clean(*data, *len, 0))
		*data = NULL;
	return gn->type;
}

/*
 * Returns the last subject CN as a new UTF-8 string (free with
 * OPENSSL_free) in *OUT and its length, or -1 when there is none or it
 * holds a NUL or a control byte.
 */
static int
subject_cn(X509 *cert, unsigned char **out)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	const X509_NAME_ENTRY *ent;
	int i = -1, last = -1, n;

	*out = NULL;
	if (name == NULL)
		return -1;
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0 || (ent = X509_NAME_get_entry(name, last)) == NULL)
		return -1;
	n = ASN1_STRING_to_UTF8(out,
	    X509_NAME_ENTRY_get_data(ent));
	if (n < 0 || *out == NULL)
		return -1;
	if (!clean(*out, (size_t)n, 1)) {
		OPENSSL_free(*out);
		*out = NULL;
		return -1;
	}
	return n;
}

int
ident_match(X509 *cert, const char *expected)
{
	GENERAL_NAMES *gens;
	const unsigned char *data;
	unsigned char *cn;
	size_t elen, len;
	int have_san = 0, found = 0, n;

	if (cert == NULL || expected == NULL || *expected == '\0')
		return 0;
	elen = strlen(expected);
	gens = san_get(cert, &have_san);
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && !found; i++) {
		switch (san_value(sk_GENERAL_NAME_value(gens, i), &data, &len)) {
		case GEN_DNS:
			have_san = 1;
			found = data != NULL &&
			    eq_nocase(data, len, expected, elen);
			break;
		case GEN_URI:
			have_san = 1;
			found = data != NULL &&
			    eq_exact(data, len, expected, elen);
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
	if (found || have_san)
		return found;
	if ((n = subject_cn(cert, &cn)) < 0)
		return 0;
	found = eq_nocase(cn, (size_t)n, expected, elen);
	OPENSSL_free(cn);
	return found;
}

/* Output cursor: writes at most len - 1 bytes, always NUL-terminated. */
struct out {
	char *buf;
	size_t len;
	size_t off;
};

static void
out_bytes(struct out *o, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && o->off + 1 < o->len; i++)
		o->buf[o->off++] = (p[i] >= 0x20 && p[i] < 0x7f) ?
		    (char)p[i] : '?';
	o->buf[o->off] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, (const unsigned char *)s, strlen(s));
}

/* Appends the RFC 2253 subject, or "-" when it cannot be printed. */
static void
out_subject(struct out *o, X509 *cert)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	const unsigned char *p;
	BIO *bio;
	long n;

	if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL) {
		out_str(o, "-");
		return;
	}
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0 ||
	    (n = BIO_get_mem_data(bio, &p)) < 0) {
		out_str(o, "-");
	} else {
		out_str(o, "\"");
		out_bytes(o, p, (size_t)n);
		out_str(o, "\"");
	}
	BIO_free(bio);
}

/*
 * Appends "DNS:a,URI:b" in certificate order, "-" when there is none, or
 * "invalid" for a repeated or undecodable extension.
 */
static void
out_san(struct out *o, X509 *cert)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	const ASN1_IA5STRING *s;
	int count = 0, broken;

	if ((gens = san_get(cert, &broken)) == NULL && broken) {
		out_str(o, "invalid");
		return;
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type == GEN_DNS)
			s = gn->d.dNSName;
		else if (gn->type == GEN_URI)
			s = gn->d.uniformResourceIdentifier;
		else
			continue;
		out_str(o, count++ == 0 ? "\"" : ",");
		out_str(o, gn->type == GEN_DNS ? "DNS:" : "URI:");
		/* Embedded NULs are written too, as '?'. */
		if (s != NULL && ASN1_STRING_length(s) > 0)
			out_bytes(o, ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
	}
	GENERAL_NAMES_free(gens);
	out_str(o, count > 0 ? "\"" : "-");
}

char *
ident_describe(X509 *cert, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (buf == NULL || len == 0)
		return buf;
	buf[0] = '\0';
	if (cert == NULL) {
		out_str(&o, "subject=- san=-");
		return buf;
	}
	out_str(&o, "subject=");
	out_subject(&o, cert);
	out_str(&o, " san=");
	out_san(&o, cert);
	return buf;
}

/* Copies N bytes of P into BUF as a string.  Returns 0, or -1 if too long. */
static int
copy_ident(char *buf, size_t len, const unsigned char *p, size_t n)
{
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

int
ident_primary(X509 *cert, char *buf, size_t len)
{
	GENERAL_NAMES *gens;
	const unsigned char *data, *dns = NULL, *uri = NULL;
	unsigned char *cn;
	size_t dlen = 0, ulen = 0, n;
	int have_san = 0, rc = -1, cnlen;

	if (buf == NULL || len == 0)
		return -1;
	buf[0] = '\0';
	if (cert == NULL)
		return -1;
	gens = san_get(cert, &have_san);
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && dns == NULL; i++) {
		switch (san_value(sk_GENERAL_NAME_value(gens, i), &data, &n)) {
		case GEN_DNS:
			have_san = 1;
			if (data != NULL && n > 0) {
				dns = data;
				dlen = n;
			}
			break;
		case GEN_URI:
			have_san = 1;
			if (data != NULL && n > 0 && uri == NULL) {
				uri = data;
				ulen = n;
			}
			break;
		default:
			break;
		}
	}
	if (dns != NULL)
		rc = copy_ident(buf, len, dns, dlen);
	else if (uri != NULL)
		rc = copy_ident(buf, len, uri, ulen);
	GENERAL_NAMES_free(gens);
	if (have_san)
		return rc;
	if ((cnlen = subject_cn(cert, &cn)) < 0)
		return -1;
	rc = copy_ident(buf, len, cn, (size_t)cnlen);
	OPENSSL_free(cn);
	return rc;
}

int
ident_file_names_host(const char *path, const char *host)
{
	X509 *cert = NULL;
	BIO *b;
	int r = -1;

	if ((b = BIO_new_file(path, "r")) != NULL &&
	    (cert = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		r = X509_check_host(cert, host, strlen(host), 0, NULL) == 1;
	X509_free(cert);
	BIO_free(b);
	ERR_clear_error();
	return r;
}
