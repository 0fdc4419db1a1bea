/* test_ident.c — certificate identities (crypto/ident.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/ident.h"

/* One subjectAltName entry; LEN 0 means strlen(VALUE). */
struct san {
	int type;		/* GEN_DNS, GEN_URI or GEN_IPADD */
	const char *value;
	size_t len;
};

/* One subject attribute; LEN 0 means strlen(VALUE). */
struct rdn {
	const char *field;
	const char *value;
	size_t len;
};

/* Adds one subjectAltName extension (a second one when called twice). */
static int
add_san(X509 *x, const struct san *sans, size_t nsans)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn;
	ASN1_OCTET_STRING *s;
	int rc = -1;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return -1;
	for (size_t i = 0; i < nsans; i++) {
		size_t len = sans[i].len ? sans[i].len : strlen(sans[i].value);

		if (sans[i].type == GEN_IPADD)
			s = ASN1_OCTET_STRING_new();
		else
			s = ASN1_IA5STRING_new();
		if (s == NULL)
			goto out;
		if (!ASN1_STRING_set(s, sans[i].value, (int)len) ||
		    (gn = GENERAL_NAME_new()) == NULL) {
			ASN1_STRING_free(s);
			goto out;
		}
		GENERAL_NAME_set0_value(gn, sans[i].type, s);
		if (!sk_GENERAL_NAME_push(gens, gn)) {
			GENERAL_NAME_free(gn);
			goto out;
		}
	}
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_APPEND) == 1)
		rc = 0;
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

/*
 * Builds a self-signed P-256 certificate with the given subject and SANs,
 * then round-trips it through DER so that every field is parsed back as a
 * peer's certificate would be.
 */
static X509 *
make_cert(EVP_PKEY *key, const struct rdn *rdns, size_t nrdns,
    const struct san *sans, size_t nsans)
{
	X509 *x, *out = NULL;
	X509_NAME *name;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	for (size_t i = 0; i < nrdns; i++) {
		size_t vlen = rdns[i].len ? rdns[i].len : strlen(rdns[i].value);

		if (!X509_NAME_add_entry_by_txt(name, rdns[i].field,
		    MBSTRING_UTF8, (const unsigned char *)rdns[i].value,
		    (int)vlen, -1, 0))
			goto out;
	}
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 42) ||
	    !X509_set_issuer_name(x, name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    !X509_set_pubkey(x, key))
		goto out;
	if (nsans > 0 && add_san(x, sans, nsans) == -1)
		goto out;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	if ((len = i2d_X509(x, &der)) <= 0)
		goto out;
	p = der;
	out = d2i_X509(NULL, &p, len);
	OPENSSL_free(der);
out:
	X509_free(x);
	return out;
}

static int
setup_key(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	if (key == NULL)
		return -1;
	*state = key;
	return 0;
}

static int
teardown_key(void **state)
{
	EVP_PKEY_free(*state);
	return 0;
}

#define CERT(key, r, s) \
	make_cert((key), (r), sizeof(r) / sizeof((r)[0]), (s), \
	    sizeof(s) / sizeof((s)[0]))
#define CERT_NOSAN(key, r) \
	make_cert((key), (r), sizeof(r) / sizeof((r)[0]), NULL, 0)

static void
test_san_dns_match(void **state)
{
	static const struct rdn r[] = { { "CN", "cn-name", 0 } };
	static const struct san s[] = {
		{ GEN_DNS, "hostB.test", 0 },
		{ GEN_DNS, "Other.Example", 0 },
	};
	X509 *c = CERT(*state, r, s);

	assert_non_null(c);
	assert_int_equal(ident_match(c, "hostB.test"), 1);
	assert_int_equal(ident_match(c, "HOSTB.TEST"), 1);
	assert_int_equal(ident_match(c, "hostb.test"), 1);
	assert_int_equal(ident_match(c, "other.example"), 1);
	assert_int_equal(ident_match(c, "hostB.tes"), 0);
	assert_int_equal(ident_match(c, "hostB.test."), 0);
	assert_int_equal(ident_match(c, "xhostB.test"), 0);
	assert_int_equal(ident_match(c, "*.test"), 0);
	assert_int_equal(ident_match(c, "cn-name"), 0);
	assert_int_equal(ident_match(c, ""), 0);
	assert_int_equal(ident_match(c, NULL), 0);
	assert_int_equal(ident_match(NULL, "hostB.test"), 0);
	X509_free(c);
}

static void
test_san_dns_no_wildcard(void **state)
{
	static const struct rdn r[] = { { "CN", "x", 0 } };
	static const struct san s[] = { { GEN_DNS, "*.test", 0 } };
	X509 *c = CERT(*state, r, s);

	assert_non_null(c);
	assert_int_equal(ident_match(c, "hostB.test"), 0);
	assert_int_equal(ident_match(c, "*.test"), 1);
	X509_free(c);
}

static void
test_san_uri_match(void **state)
{
	static const struct rdn r[] = { { "CN", "hostC", 0 } };
	static const struct san s[] = {
		{ GEN_URI, "spiffe://cluster/ns/Node", 0 },
	};
	X509 *c = CERT(*state, r, s);

	assert_non_null(c);
	assert_int_equal(ident_match(c, "spiffe://cluster/ns/Node"), 1);
	assert_int_equal(ident_match(c, "spiffe://cluster/ns/node"), 0);
	assert_int_equal(ident_match(c, "SPIFFE://cluster/ns/Node"), 0);
	assert_int_equal(ident_match(c, "spiffe://cluster/ns/Node/"), 0);
	assert_int_equal(ident_match(c, "spiffe://cluster/ns/Nod"), 0);
	/* A URI SAN disables the CN. */
	assert_int_equal(ident_match(c, "hostC"), 0);
	X509_free(c);
}

static void
test_cn_without_san(void **state)
{
	static const struct rdn r[] = {
		{ "O", "Acme", 0 },
		{ "CN", "hostA", 0 },
	};
	/* Only an IP SAN: no DNS/URI, so the CN still counts. */
	static const struct san s[] = { { GEN_IPADD, "\x0a\x00\x00\x01", 4 } };
	X509 *c = CERT_NOSAN(*state, r);
	X509 *ip = CERT(*state, r, s);

	assert_non_null(c);
	assert_non_null(ip);
	assert_int_equal(ident_match(c, "hostA"), 1);
	assert_int_equal(ident_match(c, "HOSTA"), 1);
	assert_int_equal(ident_match(c, "hostB"), 0);
	assert_int_equal(ident_match(c, "host"), 0);
	assert_int_equal(ident_match(c, "Acme"), 0);
	assert_int_equal(ident_match(ip, "hostA"), 1);
	X509_free(c);
	X509_free(ip);
}

static void
test_cn_ignored_with_san(void **state)
{
	static const struct rdn r[] = { { "CN", "hostA", 0 } };
	static const struct san s[] = { { GEN_DNS, "hostB.test", 0 } };
	X509 *c = CERT(*state, r, s);

	assert_non_null(c);
	assert_int_equal(ident_match(c, "hostA"), 0);
	assert_int_equal(ident_match(c, "hostB.test"), 1);
	X509_free(c);
}

static void
test_last_cn_counts(void **state)
{
	static const struct rdn r[] = {
		{ "CN", "first", 0 },
		{ "CN", "second", 0 },
	};
	X509 *c = CERT_NOSAN(*state, r);
	char buf[64];

	assert_non_null(c);
	assert_int_equal(ident_match(c, "second"), 1);
	assert_int_equal(ident_match(c, "first"), 0);
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "second");
	X509_free(c);
}

static void
test_no_identity(void **state)
{
	static const struct rdn r[] = { { "O", "Acme", 0 } };
	X509 *c = CERT_NOSAN(*state, r);
	char buf[64];

	assert_non_null(c);
	assert_int_equal(ident_match(c, "Acme"), 0);
	assert_int_equal(ident_match(c, "O=Acme"), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(ident_primary(NULL, buf, sizeof(buf)), -1);
	assert_string_equal(ident_describe(c, buf, sizeof(buf)),
	    "subject=\"O=Acme\" san=-");
	X509_free(c);
}

static void
test_nul_san_ignored(void **state)
{
	static const struct rdn r[] = { { "CN", "good.test", 0 } };
	static const struct san s[] = {
		{ GEN_DNS, "good.test\0evil.test", 19 },
		{ GEN_URI, "spiffe://good\0/evil", 19 },
	};
	static const struct san s2[] = {
		{ GEN_DNS, "good.test\0evil.test", 19 },
		{ GEN_DNS, "fine.test", 0 },
	};
	X509 *c = CERT(*state, r, s);
	X509 *c2 = CERT(*state, r, s2);
	char buf[128];

	assert_non_null(c);
	assert_non_null(c2);
	/* Neither the prefix nor the suffix matches, and the SAN entries
	 * still switch the CN off. */
	assert_int_equal(ident_match(c, "good.test"), 0);
	assert_int_equal(ident_match(c, "evil.test"), 0);
	assert_int_equal(ident_match(c, "spiffe://good"), 0);
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), -1);
	assert_string_equal(ident_describe(c, buf, sizeof(buf)),
	    "subject=\"CN=good.test\" "
	    "san=\"DNS:good.test?evil.test,URI:spiffe://good?/evil\"");

	assert_int_equal(ident_match(c2, "fine.test"), 1);
	assert_int_equal(ident_match(c2, "good.test"), 0);
	assert_int_equal(ident_primary(c2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fine.test");
	X509_free(c);
	X509_free(c2);
}

static void
test_nul_cn_ignored(void **state)
{
	static const struct rdn r[] = { { "CN", "good\0evil", 9 } };
	static const struct rdn ctl[] = { { "CN", "good\nevil", 0 } };
	static const struct rdn utf8[] = { { "CN", "h\xc3\xa9st", 0 } };
	X509 *c = CERT_NOSAN(*state, r);
	X509 *c2 = CERT_NOSAN(*state, ctl);
	X509 *c3 = CERT_NOSAN(*state, utf8);
	char buf[64];

	assert_non_null(c);
	assert_non_null(c2);
	assert_non_null(c3);
	assert_int_equal(ident_match(c, "good"), 0);
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), -1);
	/* Control bytes would end up in log lines: refused. */
	assert_int_equal(ident_match(c2, "good\nevil"), 0);
	assert_int_equal(ident_primary(c2, buf, sizeof(buf)), -1);
	/* UTF-8 is fine in a CN. */
	assert_int_equal(ident_match(c3, "h\xc3\xa9st"), 1);
	assert_int_equal(ident_primary(c3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "h\xc3\xa9st");
	X509_free(c);
	X509_free(c2);
	X509_free(c3);
}

/* SAN values must be printable ASCII (IA5, no controls). */
static void
test_unclean_san_ignored(void **state)
{
	static const struct rdn r[] = { { "CN", "hostA", 0 } };
	static const struct san s[] = {
		{ GEN_DNS, "host\nB.test", 0 },
		{ GEN_URI, "spiffe://h\xc3\xa9", 0 },
		{ GEN_URI, "spiffe://ok", 0 },
	};
	X509 *c = CERT(*state, r, s);
	char buf[64];

	assert_non_null(c);
	assert_int_equal(ident_match(c, "host\nB.test"), 0);
	assert_int_equal(ident_match(c, "spiffe://h\xc3\xa9"), 0);
	assert_int_equal(ident_match(c, "hostA"), 0);
	assert_int_equal(ident_match(c, "spiffe://ok"), 1);
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "spiffe://ok");
	X509_free(c);
}

/* Two SAN extensions: OpenSSL decodes neither, and nothing may match. */
static void
test_repeated_san(void **state)
{
	static const struct rdn r[] = { { "CN", "hostA", 0 } };
	static const struct san s[] = { { GEN_DNS, "hostA", 0 } };
	X509 *x, *c;
	unsigned char *der = NULL;
	const unsigned char *p;
	char buf[128];
	int len;

	/* make_cert() adds one SAN; add the second by hand and re-sign. */
	x = CERT(*state, r, s);
	assert_non_null(x);
	assert_int_equal(add_san(x, s, 1), 0);
	assert_true(X509_sign(x, *state, EVP_sha256()) > 0);
	assert_true((len = i2d_X509(x, &der)) > 0);
	p = der;
	c = d2i_X509(NULL, &p, len);
	OPENSSL_free(der);
	X509_free(x);
	assert_non_null(c);
	assert_int_equal(X509_get_ext_count(c), 2);
	assert_int_equal(ident_match(c, "hostA"), 0);
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), -1);
	assert_string_equal(ident_describe(c, buf, sizeof(buf)),
	    "subject=\"CN=hostA\" san=invalid");
	X509_free(c);
}

static void
test_describe(void **state)
{
	static const struct rdn r[] = {
		{ "C", "DE", 0 },
		{ "O", "Acme, Inc.", 0 },
		{ "CN", "hostB", 0 },
	};
	static const struct san s[] = {
		{ GEN_DNS, "hostB.test", 0 },
		{ GEN_IPADD, "\x7f\x00\x00\x01", 4 },
		{ GEN_URI, "spiffe://x", 0 },
		{ GEN_DNS, "ctl\x01\x7f\xc3\xa9", 0 },
	};
	static const struct rdn r2[] = { { "CN", "h\xc3\xa9" "st", 0 } };
	static const char want[] = "subject=\"CN=hostB,O=Acme\\, Inc.,C=DE\" "
	    "san=\"DNS:hostB.test,URI:spiffe://x,DNS:ctl????\"";
	X509 *c = CERT(*state, r, s);
	X509 *c2 = CERT_NOSAN(*state, r2);
	char buf[256], small[12];

	assert_non_null(c);
	assert_non_null(c2);
	assert_ptr_equal(ident_describe(c, buf, sizeof(buf)), buf);
	assert_string_equal(buf, want);

	/* Truncation keeps a prefix and the terminator. */
	memset(small, 'x', sizeof(small));
	assert_ptr_equal(ident_describe(c, small, sizeof(small)), small);
	assert_string_equal(small, "subject=\"CN");
	memset(small, 'x', sizeof(small));
	ident_describe(c, small, 1);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');
	for (size_t n = 1; n <= sizeof(want); n++) {
		ident_describe(c, buf, n);
		assert_int_equal(strlen(buf), n - 1);
		assert_memory_equal(buf, want, n - 1);
	}

	/* RFC 2253 escapes UTF-8 bytes, so only printable ASCII comes out. */
	assert_string_equal(ident_describe(c2, buf, sizeof(buf)),
	    "subject=\"CN=h\\C3\\A9st\" san=-");
	assert_string_equal(ident_describe(NULL, buf, sizeof(buf)),
	    "subject=- san=-");
	X509_free(c);
	X509_free(c2);
}

static void
test_primary_order(void **state)
{
	static const struct rdn r[] = { { "CN", "cn-host", 0 } };
	static const struct san uri_first[] = {
		{ GEN_URI, "spiffe://a", 0 },
		{ GEN_DNS, "first.test", 0 },
		{ GEN_DNS, "second.test", 0 },
	};
	static const struct san uris[] = {
		{ GEN_IPADD, "\x0a\x00\x00\x02", 4 },
		{ GEN_URI, "spiffe://one", 0 },
		{ GEN_URI, "spiffe://two", 0 },
	};
	X509 *a = CERT(*state, r, uri_first);
	X509 *b = CERT(*state, r, uris);
	X509 *c = CERT_NOSAN(*state, r);
	char buf[64];

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(ident_primary(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "first.test");
	assert_int_equal(ident_primary(b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "spiffe://one");
	assert_int_equal(ident_primary(c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cn-host");

	/* Exactly fits, then one byte short: no truncated identity. */
	assert_int_equal(ident_primary(a, buf, 11), 0);
	assert_string_equal(buf, "first.test");
	assert_int_equal(ident_primary(a, buf, 10), -1);
	assert_string_equal(buf, "");
	assert_int_equal(ident_primary(c, buf, 0), -1);
	X509_free(a);
	X509_free(b);
	X509_free(c);
}

/* xorshift64: deterministic, state on the caller's stack. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
flip_case(int c)
{
	if (c >= 'a' && c <= 'z')
		return c - ('a' - 'A');
	if (c >= 'A' && c <= 'Z')
		return c + ('a' - 'A');
	return c;
}

/* A SAN value the reference model accepts: printable ASCII only. */
static int
is_clean(const struct san *s)
{
	for (size_t i = 0; i < s->len; i++)
		if ((unsigned char)s->value[i] < 0x20 ||
		    (unsigned char)s->value[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * The reference model: does STR name one of the identities of a cert with
 * SANS and subject CN?  Clean DNS entries compare case-insensitively,
 * clean URIs exactly, the CN only without DNS/URI entries.
 */
static int
expect_match(const struct san *sans, size_t nsans, const char *cn,
    const char *str)
{
	size_t len = strlen(str);

	if (len == 0)
		return 0;
	if (nsans == 0)
		return strcasecmp(cn, str) == 0;
	for (size_t i = 0; i < nsans; i++) {
		if (sans[i].len != len || !is_clean(&sans[i]))
			continue;
		if (sans[i].type == GEN_DNS ?
		    strncasecmp(sans[i].value, str, len) == 0 :
		    memcmp(sans[i].value, str, len) == 0)
			return 1;
	}
	return 0;
}

/* The reference model for ident_primary(); NULL when there is none. */
static const char *
expect_primary(const struct san *sans, size_t nsans, const char *cn)
{
	const char *uri = NULL;

	if (nsans == 0)
		return cn;
	for (size_t i = 0; i < nsans; i++) {
		if (!is_clean(&sans[i]))
			continue;
		if (sans[i].type == GEN_DNS)
			return sans[i].value;
		if (uri == NULL)
			uri = sans[i].value;
	}
	return uri;
}

/*
 * Random SAN bytes (NULs, controls, high bytes) and CNs: describe always
 * yields printable, terminated text within its buffer; ident_match and
 * ident_primary agree with the reference model above for every SAN value
 * (as is, up to its first NUL, and case-flipped) and for the CN.
 */
static void
test_fuzz(void **state)
{
	static const char alpha[] = "aZ.-:/\0\x01\x7f\xff" "09";
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char vals[3][41], probe[41], buf[300];
	struct san s[3];
	struct rdn r[1];
	char cn[17];
	const char *want;
	unsigned hits = 0, misses = 0;

	for (int iter = 0; iter < 2000; iter++) {
		size_t nsans = rnd(&seed) % 4, cnlen = 1 + rnd(&seed) % 16;
		X509 *c;

		for (size_t i = 0; i < cnlen; i++)
			cn[i] = alpha[rnd(&seed) % 6];
		cn[cnlen] = '\0';
		r[0] = (struct rdn){ "CN", cn, 0 };
		for (size_t i = 0; i < nsans; i++) {
			size_t len = 1 + rnd(&seed) % 40;

			for (size_t j = 0; j < len; j++)
				vals[i][j] = alpha[rnd(&seed) % 12];
			vals[i][len] = '\0';
			s[i] = (struct san){ rnd(&seed) % 2 ? GEN_DNS : GEN_URI,
			    vals[i], len };
		}
		c = make_cert(*state, r, 1, s, nsans);
		assert_non_null(c);

		size_t blen = 1 + rnd(&seed) % sizeof(buf);
		ident_describe(c, buf, blen);
		assert_true(strlen(buf) < blen);
		for (const char *p = buf; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);

		for (size_t i = 0; i < nsans; i++) {
			/* Up to the first NUL, so a dirty entry probes with
			 * its prefix, which must not match (unless another
			 * entry equals it). */
			memcpy(probe, vals[i], s[i].len + 1);
			assert_int_equal(ident_match(c, probe),
			    expect_match(s, nsans, cn, probe));
			for (size_t j = 0; probe[j] != '\0'; j++)
				probe[j] = (char)flip_case(probe[j]);
			assert_int_equal(ident_match(c, probe),
			    expect_match(s, nsans, cn, probe));
		}
		assert_int_equal(ident_match(c, cn),
		    expect_match(s, nsans, cn, cn));
		want = expect_primary(s, nsans, cn);
		if (ident_primary(c, buf, sizeof(buf)) == 0) {
			assert_non_null(want);
			assert_string_equal(buf, want);
			assert_int_equal(ident_match(c, buf), 1);
			hits++;
		} else {
			assert_null(want);
			misses++;
		}
		X509_free(c);
	}
	/* Both outcomes were exercised. */
	assert_true(hits > 300 && misses > 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_san_dns_match,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_san_dns_no_wildcard,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_san_uri_match,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_cn_without_san,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_cn_ignored_with_san,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_last_cn_counts,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_no_identity,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_nul_san_ignored,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_nul_cn_ignored,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_unclean_san_ignored,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_repeated_san,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_describe,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_primary_order,
		    setup_key, teardown_key),
		cmocka_unit_test_setup_teardown(test_fuzz,
		    setup_key, teardown_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
