/*
 * test_tls.c — TLS contexts (crypto/tls.c).
 *
 * The group setup builds a throw-away PKI in a mkdtemp directory: a CA, an
 * "other" CA, P-256 leaves signed by each, and CRLs.  The tests then run
 * real handshakes in memory between a server and a client SSL joined by a
 * BIO pair.  Nothing here touches the network; the directory is removed
 * at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto/tls.h"

enum file {
	F_CA, F_OCA, F_SRV, F_SRVKEY, F_CLI, F_CLIKEY, F_OSRV, F_OSRVKEY,
	F_OCLI, F_OCLIKEY, F_CRL, F_CRL_NONE, F_CRL_OTHER, F_LOG, F_COUNT
};

static const char *const names[F_COUNT] = {
	"ca.pem", "other-ca.pem", "server.pem", "server.key", "client.pem",
	"client.key", "other-server.pem", "other-server.key",
	"other-client.pem", "other-client.key", "crl.pem", "crl-none.pem",
	"crl-other.pem", "log.txt",
};

#define CLIENT_SERIAL	1002

struct pki {
	char dir[64];
	char path[F_COUNT][128];
	int made[F_COUNT];
};

enum hs { HS_OK, HS_SERVER_FAILED, HS_CLIENT_FAILED, HS_STUCK };

struct pair {
	SSL *srv;
	SSL *cli;
};

/* ---- building the PKI ------------------------------------------------ */

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* ISSUER NULL: self-signed CA.  Otherwise a leaf for client and server. */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, long serial, X509 *issuer,
    EVP_PKEY *ikey)
{
	X509 *x;
	X509_NAME *name;
	char san[128];

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
	    name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    !X509_set_pubkey(x, key))
		goto fail;
	if (issuer == NULL) {
		if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
		    add_ext(x, x, NID_key_usage,
		    "critical,keyCertSign,cRLSign") ||
		    add_ext(x, x, NID_subject_key_identifier, "hash"))
			goto fail;
	} else {
		(void)snprintf(san, sizeof(san), "DNS:%s", cn);
		if (add_ext(x, issuer, NID_basic_constraints, "CA:FALSE") ||
		    add_ext(x, issuer, NID_key_usage,
		    "critical,digitalSignature") ||
		    add_ext(x, issuer, NID_ext_key_usage,
		    "serverAuth,clientAuth") ||
		    add_ext(x, issuer, NID_subject_alt_name, san) ||
		    add_ext(x, issuer, NID_authority_key_identifier, "keyid"))
			goto fail;
	}
	if (X509_sign(x, issuer ? ikey : key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* CRL from ISSUER revoking SERIAL (0: nothing). */
static X509_CRL *
make_crl(X509 *issuer, EVP_PKEY *ikey, long serial)
{
	X509_CRL *crl;
	X509_REVOKED *rev = NULL;
	ASN1_TIME *now = NULL, *next = NULL;
	ASN1_INTEGER *sn = NULL;

	if ((crl = X509_CRL_new()) == NULL ||
	    (now = X509_gmtime_adj(NULL, -60)) == NULL ||
	    (next = X509_gmtime_adj(NULL, 86400)) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) ||
	    !X509_CRL_set1_lastUpdate(crl, now) ||
	    !X509_CRL_set1_nextUpdate(crl, next))
		goto fail;
	if (serial != 0) {
		if ((rev = X509_REVOKED_new()) == NULL ||
		    (sn = ASN1_INTEGER_new()) == NULL ||
		    !ASN1_INTEGER_set(sn, serial) ||
		    !X509_REVOKED_set_serialNumber(rev, sn) ||
		    !X509_REVOKED_set_revocationDate(rev, now) ||
		    !X509_CRL_add0_revoked(crl, rev))
			goto fail;
		rev = NULL;
	}
	if (!X509_CRL_sort(crl) || X509_CRL_sign(crl, ikey, EVP_sha256()) <= 0)
		goto fail;
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return crl;
fail:
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return NULL;
}

/* Creates the file with MODE; returns a stdio stream or NULL. */
static FILE *
create(struct pki *p, enum file f, mode_t mode)
{
	int fd;
	FILE *fp;

	fd = open(p->path[f], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return NULL;
	p->made[f] = 1;
	if ((fp = fdopen(fd, "w")) == NULL)
		close(fd);
	return fp;
}

static int
write_pem(struct pki *p, enum file f, X509 *x, EVP_PKEY *key, X509_CRL *crl)
{
	FILE *fp = create(p, f, key ? 0600 : 0644);
	int ok;

	if (fp == NULL)
		return -1;
	if (key != NULL)
		ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	else if (crl != NULL)
		ok = PEM_write_X509_CRL(fp, crl);
	else
		ok = PEM_write_X509(fp, x);
	return (fclose(fp) == 0 && ok) ? 0 : -1;
}

/* Leaf key and certificate into files CERT and CERT + 1. */
static int
write_leaf(struct pki *p, enum file cert, const char *cn, long serial,
    X509 *ca, EVP_PKEY *cakey)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? make_cert(key, cn, serial, ca, cakey) : NULL;
	int rc = -1;

	if (x != NULL && write_pem(p, cert, x, NULL, NULL) == 0 &&
	    write_pem(p, cert + 1, NULL, key, NULL) == 0)
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int
teardown_pki(void **state)
{
	struct pki *p = *state;

	if (p == NULL)
		return 0;
	for (int f = 0; f < F_COUNT; f++)
		if (p->made[f])
			(void)unlink(p->path[f]);
	(void)rmdir(p->dir);
	free(p);
	return 0;
}

static int
setup_pki(void **state)
{
	struct pki *p;
	EVP_PKEY *cakey = NULL, *ocakey = NULL;
	X509 *ca = NULL, *oca = NULL;
	X509_CRL *crl[3] = { NULL, NULL, NULL };
	int rc = -1;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	*state = p;
	(void)snprintf(p->dir, sizeof(p->dir), "/tmp/test_tls.XXXXXX");
	if (mkdtemp(p->dir) == NULL) {
		free(p);
		*state = NULL;
		return -1;
	}
	for (int f = 0; f < F_COUNT; f++)
		(void)snprintf(p->path[f], sizeof(p->path[f]), "%s/%s",
		    p->dir, names[f]);
	if ((cakey = EVP_EC_gen("P-256")) == NULL ||
	    (ocakey = EVP_EC_gen("P-256")) == NULL ||
	    (ca = make_cert(cakey, "Test CA", 1, NULL, NULL)) == NULL ||
	    (oca = make_cert(ocakey, "Other CA", 1, NULL, NULL)) == NULL ||
	    write_pem(p, F_CA, ca, NULL, NULL) ||
	    write_pem(p, F_OCA, oca, NULL, NULL) ||
	    write_leaf(p, F_SRV, "hostA.test", 1001, ca, cakey) ||
	    write_leaf(p, F_CLI, "hostB.test", CLIENT_SERIAL, ca, cakey) ||
	    write_leaf(p, F_OSRV, "hostA.test", 1001, oca, ocakey) ||
	    write_leaf(p, F_OCLI, "hostB.test", CLIENT_SERIAL, oca, ocakey) ||
	    (crl[0] = make_crl(ca, cakey, CLIENT_SERIAL)) == NULL ||
	    (crl[1] = make_crl(ca, cakey, 0)) == NULL ||
	    (crl[2] = make_crl(oca, ocakey, CLIENT_SERIAL)) == NULL ||
	    write_pem(p, F_CRL, NULL, NULL, crl[0]) ||
	    write_pem(p, F_CRL_NONE, NULL, NULL, crl[1]) ||
	    write_pem(p, F_CRL_OTHER, NULL, NULL, crl[2]))
		goto out;
	rc = 0;
out:
	for (int i = 0; i < 3; i++)
		X509_CRL_free(crl[i]);
	X509_free(ca);
	X509_free(oca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(ocakey);
	if (rc == -1)
		(void)teardown_pki(state);
	return rc;
}

/* ---- handshakes ------------------------------------------------------ */

#define NO_CRL	F_COUNT

/* A server context and a client context built by tls.c. */
struct duo {
	SSL_CTX *srv;
	SSL_CTX *cli;
};

static void
cfg_init(struct tls_files *cfg, struct pki *p, enum file cert, int minv,
    enum file crl)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cert = p->path[cert];
	cfg->key = p->path[cert + 1];
	cfg->ca = p->path[F_CA];
	cfg->crl = crl == NO_CRL ? NULL : p->path[crl];
	cfg->min_version = minv;
}

/* Server with SCERT and SMIN, client with CCERT and CMIN, both with CRL. */
static void
duo_init(struct duo *d, struct pki *pk, enum file scert, int smin,
    enum file ccert, int cmin, enum file crl)
{
	struct tls_files cfg;
	char err[512];

	cfg_init(&cfg, pk, scert, smin, crl);
	if ((d->srv = tls_server_ctx_new(&cfg, err, sizeof(err))) == NULL)
		fail_msg("server ctx: %s", err);
	cfg_init(&cfg, pk, ccert, cmin, crl);
	if ((d->cli = tls_client_ctx_new(&cfg, NULL, err, sizeof(err))) == NULL)
		fail_msg("client ctx: %s", err);
}

static void
duo_free(struct duo *d)
{
	SSL_CTX_free(d->srv);
	SSL_CTX_free(d->cli);
}

static void
pair_init(struct pair *p, SSL_CTX *sctx, SSL_CTX *cctx)
{
	BIO *sb, *cb;

	p->srv = SSL_new(sctx);
	p->cli = SSL_new(cctx);
	assert_non_null(p->srv);
	assert_non_null(p->cli);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(p->srv, sb, sb);
	SSL_set_bio(p->cli, cb, cb);
	SSL_set_accept_state(p->srv);
	SSL_set_connect_state(p->cli);
}

static void
pair_free(struct pair *p)
{
	SSL_free(p->srv);
	SSL_free(p->cli);
}

/* One handshake step; returns 1 done, 0 pending, -1 failed (*REASON). */
static int
step(SSL *ssl, int *reason)
{
	int r, e;

	ERR_clear_error();
	if ((r = SSL_do_handshake(ssl)) == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	*reason = ERR_GET_REASON(ERR_peek_error());
	ERR_clear_error();
	return -1;
}

/*
 * Drives both sides until both are done or one fails; *REASON is the
 * failing side's OpenSSL reason code.  In TLS 1.3 the client finishes
 * before the server has judged its certificate, so a refused client
 * shows up as HS_SERVER_FAILED.
 */
static enum hs
handshake(struct pair *p, int *reason)
{
	int cdone = 0, sdone = 0;

	*reason = 0;
	for (int round = 0; round < 50; round++) {
		if (!cdone && (cdone = step(p->cli, reason)) == -1)
			return HS_CLIENT_FAILED;
		if (!sdone && (sdone = step(p->srv, reason)) == -1)
			return HS_SERVER_FAILED;
		if (cdone && sdone)
			return HS_OK;
	}
	return HS_STUCK;
}

/*
 * Fresh SSLs from D, client capped at MAXV (0: no cap) and limited to
 * CIPHERS and GROUPS when not NULL; then the handshake.
 */
static enum hs
run(struct duo *d, struct pair *p, int maxv, const char *ciphers,
    const char *groups, int *reason)
{
	pair_init(p, d->srv, d->cli);
	if (maxv != 0)
		assert_int_equal(SSL_set_max_proto_version(p->cli, maxv), 1);
	if (ciphers != NULL)
		assert_int_equal(SSL_set_cipher_list(p->cli, ciphers), 1);
	if (groups != NULL)
		assert_int_equal(SSL_set1_groups_list(p->cli, groups), 1);
	return handshake(p, reason);
}

/*
 * Moves N bytes each way at once with SSL_write/SSL_read, in slices
 * bigger than the BIO pair so that partial writes happen; what arrives
 * lands in SRV_IN and CLI_IN.
 */
static void
pump(struct pair *p, const unsigned char *c2s, const unsigned char *s2c,
    size_t n, unsigned char *srv_in, unsigned char *cli_in)
{
	size_t cw = 0, sw = 0, cr = 0, sr = 0;
	size_t got;

	for (int round = 0; round < 10000 && (cr < n || sr < n); round++) {
		ERR_clear_error();
		if (cw < n && SSL_write_ex(p->cli, c2s + cw, n - cw, &got))
			cw += got;
		if (sw < n && SSL_write_ex(p->srv, s2c + sw, n - sw, &got))
			sw += got;
		if (sr < n && SSL_read_ex(p->srv, srv_in + sr, n - sr, &got))
			sr += got;
		if (cr < n && SSL_read_ex(p->cli, cli_in + cr, n - cr, &got))
			cr += got;
		assert_int_equal(ERR_peek_error(), 0);
	}
	assert_int_equal(sr, n);
	assert_int_equal(cr, n);
}

/* ---- cases ----------------------------------------------------------- */

static void
test_same_ca_tls13(void **state)
{
	struct duo d;
	struct pair p;
	X509 *peer;
	int reason;

	duo_init(&d, *state, F_SRV, TLS1_3_VERSION, F_CLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason), HS_OK);
	assert_int_equal(SSL_version(p.srv), TLS1_3_VERSION);
	assert_int_equal(SSL_version(p.cli), TLS1_3_VERSION);
	assert_int_equal(SSL_get_negotiated_group(p.cli), NID_X25519);
	assert_int_equal(SSL_get_negotiated_group(p.srv), NID_X25519);
	assert_string_equal(SSL_get_cipher_name(p.cli),
	    "TLS_AES_128_GCM_SHA256");
	assert_int_equal(SSL_get_verify_result(p.srv), X509_V_OK);
	assert_int_equal(SSL_get_verify_result(p.cli), X509_V_OK);
	assert_int_equal(SSL_session_reused(p.cli), 0);
	peer = SSL_get1_peer_certificate(p.srv);
	assert_non_null(peer);
	assert_int_equal(X509_check_host(peer, "hostB.test", 0, 0, NULL), 1);
	X509_free(peer);
	pair_free(&p);
	duo_free(&d);
}

/* Context settings that no handshake below would notice if lost. */
static void
test_ctx_settings(void **state)
{
	struct duo d;
	const uint64_t opts = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE;
	const long modes = SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;

	duo_init(&d, *state, F_SRV, 0, F_CLI, 0, NO_CRL);
	for (int i = 0; i < 2; i++) {
		SSL_CTX *ctx = i == 0 ? d.srv : d.cli;

		assert_int_equal(SSL_CTX_get_min_proto_version(ctx),
		    TLS1_3_VERSION);
		assert_int_equal(SSL_CTX_get_max_proto_version(ctx),
		    TLS1_3_VERSION);
		assert_int_equal(SSL_CTX_get_options(ctx) & opts, opts);
		assert_int_equal(SSL_CTX_get_mode(ctx) & modes, modes);
		assert_int_equal(SSL_CTX_get_verify_depth(ctx), 4);
		assert_int_equal(SSL_CTX_get_max_early_data(ctx), 0);
	}
	assert_int_equal(SSL_CTX_get_verify_mode(d.srv),
	    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
	assert_int_equal(SSL_CTX_get_verify_mode(d.cli), SSL_VERIFY_PEER);
	assert_int_equal(SSL_CTX_get_num_tickets(d.srv), 2);
	assert_int_equal(SSL_CTX_get_session_cache_mode(d.cli),
	    SSL_SESS_CACHE_CLIENT);
	duo_free(&d);

	duo_init(&d, *state, F_SRV, TLS1_2_VERSION, F_CLI, TLS1_2_VERSION,
	    NO_CRL);
	assert_int_equal(SSL_CTX_get_min_proto_version(d.srv), TLS1_2_VERSION);
	assert_int_equal(SSL_CTX_get_min_proto_version(d.cli), TLS1_2_VERSION);
	duo_free(&d);
}

/* Each side trusts only CA: the other CA's leaf is refused. */
static void
test_other_ca(void **state)
{
	struct duo d;
	struct pair p;
	int reason;

	duo_init(&d, *state, F_SRV, 0, F_OCLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason),
	    HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
	assert_int_equal(SSL_get_verify_result(p.srv),
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	pair_free(&p);
	duo_free(&d);

	duo_init(&d, *state, F_OSRV, 0, F_CLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason),
	    HS_CLIENT_FAILED);
	assert_int_equal(reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
	assert_int_equal(SSL_get_verify_result(p.cli),
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	pair_free(&p);
	duo_free(&d);
}

static void
test_client_without_cert(void **state)
{
	struct pki *pk = *state;
	struct duo d;
	struct pair p;
	SSL_CTX *bare;
	int reason;

	duo_init(&d, pk, F_SRV, 0, F_CLI, 0, NO_CRL);
	/* A client that trusts the CA but has nothing to present. */
	assert_non_null(bare = SSL_CTX_new(TLS_client_method()));
	assert_int_equal(SSL_CTX_load_verify_locations(bare, pk->path[F_CA],
	    NULL), 1);
	SSL_CTX_set_verify(bare, SSL_VERIFY_PEER, NULL);
	SSL_CTX_free(d.cli);
	d.cli = bare;
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason),
	    HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
	pair_free(&p);
	duo_free(&d);
}

static void
test_tls12(void **state)
{
	struct duo d;
	struct pair p;
	int reason;

	duo_init(&d, *state, F_SRV, TLS1_2_VERSION, F_CLI, TLS1_2_VERSION,
	    NO_CRL);
	assert_int_equal(run(&d, &p, TLS1_2_VERSION, NULL, NULL, &reason),
	    HS_OK);
	assert_int_equal(SSL_version(p.srv), TLS1_2_VERSION);
	assert_string_equal(SSL_get_cipher_name(p.srv),
	    "ECDHE-ECDSA-AES128-GCM-SHA256");
	assert_int_equal(SSL_get_negotiated_group(p.srv), NID_X25519);
	assert_int_equal(SSL_get_verify_result(p.srv), X509_V_OK);
	pair_free(&p);

	/* OTP 25 inet_tls_dist's pick. */
	assert_int_equal(run(&d, &p, TLS1_2_VERSION,
	    "ECDHE-ECDSA-AES256-GCM-SHA384", NULL, &reason), HS_OK);
	assert_string_equal(SSL_get_cipher_name(p.srv),
	    "ECDHE-ECDSA-AES256-GCM-SHA384");
	pair_free(&p);

	/* Not AEAD, or not ECDHE: refused. */
	assert_int_equal(run(&d, &p, TLS1_2_VERSION,
	    "ECDHE-ECDSA-AES256-SHA384", NULL, &reason), HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_NO_SHARED_CIPHER);
	pair_free(&p);
	assert_int_equal(run(&d, &p, TLS1_2_VERSION, "AES128-GCM-SHA256", NULL,
	    &reason), HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_NO_SHARED_CIPHER);
	pair_free(&p);
	duo_free(&d);
}

static void
test_tls12_client_refused_by_default(void **state)
{
	struct duo d;
	struct pair p;
	int reason;

	duo_init(&d, *state, F_SRV, 0, F_CLI, TLS1_2_VERSION, NO_CRL);
	assert_int_equal(run(&d, &p, TLS1_2_VERSION, NULL, NULL, &reason),
	    HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_UNSUPPORTED_PROTOCOL);
	pair_free(&p);
	duo_free(&d);
}

static void
test_groups(void **state)
{
	struct duo d;
	struct pair p;
	int reason;

	duo_init(&d, *state, F_SRV, 0, F_CLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, "P-256", &reason), HS_OK);
	assert_int_equal(SSL_get_negotiated_group(p.srv), NID_X9_62_prime256v1);
	pair_free(&p);
	assert_int_equal(run(&d, &p, 0, NULL, "P-384", &reason),
	    HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_NO_SUITABLE_KEY_SHARE);
	pair_free(&p);
	duo_free(&d);
}

/* Handshake with CRL on both sides; returns it, with the server's verdict. */
static enum hs
run_crl(struct pki *pk, enum file crl, int *reason, long *verify)
{
	struct duo d;
	struct pair p;
	enum hs r;

	duo_init(&d, pk, F_SRV, 0, F_CLI, 0, crl);
	r = run(&d, &p, 0, NULL, NULL, reason);
	*verify = SSL_get_verify_result(p.srv);
	pair_free(&p);
	duo_free(&d);
	return r;
}

static void
test_crl(void **state)
{
	int reason;
	long verify;

	assert_int_equal(run_crl(*state, F_CRL, &reason, &verify),
	    HS_SERVER_FAILED);
	assert_int_equal(reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
	assert_int_equal(verify, X509_V_ERR_CERT_REVOKED);

	/* A CRL that revokes nothing lets the same client in. */
	assert_int_equal(run_crl(*state, F_CRL_NONE, &reason, &verify), HS_OK);
	assert_int_equal(verify, X509_V_OK);

	/* Leaf CRL checking needs a CRL from the leaf's own CA: the client
	 * checks the server first and gives up. */
	assert_int_equal(run_crl(*state, F_CRL_OTHER, &reason, &verify),
	    HS_CLIENT_FAILED);
	assert_int_equal(reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
}

static void
test_resume(void **state)
{
	struct duo d;
	struct pair p;
	SSL_SESSION *sess;
	const unsigned char *sid;
	unsigned int sidlen;
	unsigned char b[16];
	size_t got;
	int reason;

	duo_init(&d, *state, F_SRV, 0, F_CLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason), HS_OK);
	/* Reading on the client takes in the NewSessionTickets. */
	ERR_clear_error();
	assert_int_equal(SSL_read_ex(p.cli, b, sizeof(b), &got), 0);
	assert_int_equal(SSL_get_error(p.cli, 0), SSL_ERROR_WANT_READ);
	assert_non_null(sess = SSL_get1_session(p.cli));
	assert_int_equal(SSL_SESSION_is_resumable(sess), 1);
	assert_int_equal(SSL_SESSION_get_max_early_data(sess), 0);
	sid = SSL_SESSION_get0_id_context(SSL_get_session(p.srv), &sidlen);
	assert_int_equal(sidlen, 8);
	assert_memory_equal(sid, "distgate", 8);
	/* Freed without close_notify, OpenSSL would void the session. */
	assert_int_equal(SSL_shutdown(p.cli), 0);
	pair_free(&p);
	assert_int_equal(SSL_SESSION_is_resumable(sess), 1);

	pair_init(&p, d.srv, d.cli);
	assert_int_equal(SSL_set_session(p.cli, sess), 1);
	assert_int_equal(handshake(&p, &reason), HS_OK);
	assert_int_equal(SSL_session_reused(p.cli), 1);
	assert_int_equal(SSL_session_reused(p.srv), 1);
	pair_free(&p);
	SSL_SESSION_free(sess);
	duo_free(&d);
}

static void
test_data(void **state)
{
	struct duo d;
	struct pair p;
	const size_t n = 200000;
	unsigned char *buf[4];
	int reason;

	for (int i = 0; i < 4; i++)
		assert_non_null(buf[i] = calloc(1, n));
	for (size_t i = 0; i < n; i++) {
		buf[0][i] = (unsigned char)(i * 7 + (i >> 8));
		buf[1][i] = (unsigned char)(i * 13 + 1);
	}
	duo_init(&d, *state, F_SRV, 0, F_CLI, 0, NO_CRL);
	assert_int_equal(run(&d, &p, 0, NULL, NULL, &reason), HS_OK);
	pump(&p, buf[0], buf[1], n, buf[2], buf[3]);
	assert_memory_equal(buf[2], buf[0], n);
	assert_memory_equal(buf[3], buf[1], n);
	pair_free(&p);
	duo_free(&d);
	for (int i = 0; i < 4; i++)
		free(buf[i]);
}

/*
 * Both constructors fail with an err starting with WANT (and containing
 * ALSO), leave OpenSSL's queue empty, and truncate safely.
 */
static void
expect_ctx_error(const struct tls_files *cfg, const char *want,
    const char *also)
{
	char err[512];

	for (int i = 0; i < 2; i++) {
		memset(err, 'x', sizeof(err));
		assert_null(i == 0 ? tls_server_ctx_new(cfg, err, sizeof(err)) :
		    tls_client_ctx_new(cfg, NULL, err, sizeof(err)));
		assert_memory_equal(err, want, strlen(want));
		if (also != NULL && strstr(err, also) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err, also);
		assert_int_equal(ERR_peek_error(), 0);
	}
	memset(err, 'x', sizeof(err));
	assert_null(tls_server_ctx_new(cfg, err, 6));
	assert_int_equal(strlen(err), 5);
	assert_null(tls_server_ctx_new(cfg, NULL, 0));
	assert_int_equal(ERR_peek_error(), 0);
}

static void
test_bad_files(void **state)
{
	struct pki *pk = *state;
	struct tls_files cfg;
	char want[256], missing[160];

	(void)snprintf(missing, sizeof(missing), "%s/missing.pem", pk->dir);
	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.cert = missing;
	(void)snprintf(want, sizeof(want), "cert %s: ", missing);
	expect_ctx_error(&cfg, want, "No such file or directory");

	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.key = pk->path[F_CLIKEY];
	(void)snprintf(want, sizeof(want), "key %s: key values mismatch",
	    pk->path[F_CLIKEY]);
	expect_ctx_error(&cfg, want, NULL);

	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.ca = missing;
	(void)snprintf(want, sizeof(want), "ca %s: ", missing);
	expect_ctx_error(&cfg, want, "No such file or directory");

	/* A file holding no CRL at all. */
	cfg_init(&cfg, pk, F_SRV, 0, F_CA);
	(void)snprintf(want, sizeof(want), "crl %s: no start line",
	    pk->path[F_CA]);
	expect_ctx_error(&cfg, want, NULL);

	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.crl = missing;
	(void)snprintf(want, sizeof(want), "crl %s: ", missing);
	expect_ctx_error(&cfg, want, "No such file or directory");

	cfg_init(&cfg, pk, F_SRV, TLS1_1_VERSION, NO_CRL);
	expect_ctx_error(&cfg, "min_version: unsupported value 0x302", NULL);

	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.ca = NULL;
	expect_ctx_error(&cfg, "ca: not set", NULL);
}

/* Copies the file SRC to DST (new) with MODE. */
static void
copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[8192];
	ssize_t n;
	int in, out;

	assert_true((in = open(src, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_true((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	assert_int_equal(fchmod(out, mode), 0);
	assert_int_equal(close(out), 0);
	assert_int_equal(close(in), 0);
}

/*
 * The key is opened once with O_NOFOLLOW and checked on its descriptor
 * (crypto/secfile.c): a symbolic link, a key group/other can read, one
 * owned by another user (as root: uid 65534) and a directory are refused
 * with "key PATH: reason"; a key that is not PEM gets OpenSSL's reason.
 */
static void
test_key_file_checks(void **state)
{
	struct pki *pk = *state;
	struct tls_files cfg;
	char link[160], open_key[160], nobody[160], junk[160], want[320];

	(void)snprintf(link, sizeof(link), "%s/link.key", pk->dir);
	(void)snprintf(open_key, sizeof(open_key), "%s/open.key", pk->dir);
	(void)snprintf(nobody, sizeof(nobody), "%s/nobody.key", pk->dir);
	(void)snprintf(junk, sizeof(junk), "%s/junk.key", pk->dir);
	(void)unlink(link);
	(void)unlink(open_key);
	(void)unlink(nobody);
	(void)unlink(junk);
	assert_int_equal(symlink(pk->path[F_SRVKEY], link), 0);
	copy_file(pk->path[F_SRVKEY], open_key, 0640);
	copy_file(pk->path[F_SRVKEY], nobody, 0600);
	copy_file(pk->path[F_CA], junk, 0600);

	cfg_init(&cfg, pk, F_SRV, 0, NO_CRL);
	cfg.key = link;
	(void)snprintf(want, sizeof(want), "key %s: is a symbolic link", link);
	expect_ctx_error(&cfg, want, NULL);
	cfg.key = open_key;
	(void)snprintf(want, sizeof(want), "key %s: readable by group/other",
	    open_key);
	expect_ctx_error(&cfg, want, NULL);
	cfg.key = pk->dir;
	(void)snprintf(want, sizeof(want), "key %s: not a regular file",
	    pk->dir);
	expect_ctx_error(&cfg, want, NULL);
	cfg.key = junk;
	(void)snprintf(want, sizeof(want), "key %s: ", junk);
	expect_ctx_error(&cfg, want, NULL);
	if (geteuid() == 0) {
		assert_int_equal(chown(nobody, 65534, (gid_t)-1), 0);
		cfg.key = nobody;
		(void)snprintf(want, sizeof(want), "key %s: owned by uid 65534 "
		    "(must be root or the running user)", nobody);
		expect_ctx_error(&cfg, want, NULL);
	}
	/* the same bytes, as a plain file of ours, are fine */
	assert_int_equal(chown(nobody, geteuid(), (gid_t)-1), 0);
	cfg.key = nobody;
	{
		char err[256];
		SSL_CTX *ctx = tls_server_ctx_new(&cfg, err, sizeof(err));

		if (ctx == NULL)
			fail_msg("%s", err);
		SSL_CTX_free(ctx);
	}
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(open_key), 0);
	assert_int_equal(unlink(nobody), 0);
	assert_int_equal(unlink(junk), 0);
}

static void
test_key_modes(void **state)
{
	struct pki *pk = *state;
	struct stat st;

	for (int f = F_SRVKEY; f <= F_OCLIKEY; f += 2) {
		assert_int_equal(stat(pk->path[f], &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

static void
test_error_strings(void **state)
{
	struct pki *pk = *state;
	char buf[128], line[512];
	const char *a, *b;
	FILE *fp;
	int saved, lines = 0;
	size_t n;

	ERR_clear_error();
	assert_string_equal(tls_error_string(buf, sizeof(buf)), "unknown");
	ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
	ERR_raise_data(ERR_LIB_PEM, PEM_R_NO_START_LINE, "x=%d", 1);
	assert_string_equal(tls_error_string(buf, sizeof(buf)),
	    "cert already in hash table");
	assert_int_equal(ERR_peek_error(), 0);
	ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
	assert_string_equal(tls_error_string(buf, 5), "cert");
	assert_int_equal(ERR_peek_error(), 0);

	/* tls_log_errors, with stderr sent to a file. */
	assert_non_null(fp = create(pk, F_LOG, 0600));
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) >= 0);
	assert_true(dup2(fileno(fp), STDERR_FILENO) >= 0);
	ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
	ERR_raise_data(ERR_LIB_PEM, PEM_R_NO_START_LINE, "x=%d", 1);
	assert_int_equal(tls_log_errors(7, "accept"), 2);
	assert_int_equal(tls_log_errors(7, "accept"), 0);
	ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
	assert_int_equal(tls_log_errors(0, "reload"), 1);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	fclose(fp);
	assert_non_null(fp = fopen(pk->path[F_LOG], "r"));
	n = fread(line, 1, sizeof(line) - 1, fp);
	line[n] = '\0';
	fclose(fp);
	a = strstr(line, " distgate warn: conn=7 accept: "
	    "cert already in hash table; no start line (x=1)\n");
	b = strstr(line, " distgate warn: reload: "
	    "cert already in hash table\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	/* Exactly two lines: the empty queue logged nothing. */
	for (const char *q = line; *q != '\0'; q++)
		lines += *q == '\n';
	assert_int_equal(lines, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_modes),
		cmocka_unit_test(test_same_ca_tls13),
		cmocka_unit_test(test_ctx_settings),
		cmocka_unit_test(test_other_ca),
		cmocka_unit_test(test_client_without_cert),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_tls12_client_refused_by_default),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_key_file_checks),
		cmocka_unit_test(test_error_strings),
	};

	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
