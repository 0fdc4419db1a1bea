/* tls.c — see tls.h. */
#include "crypto/tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/secfile.h"
#include "proxy/util/log.h"

#define TLS_GROUPS		"X25519:P-256"
#define TLS_CIPHERSUITES	"TLS_AES_128_GCM_SHA256:" \
				"TLS_AES_256_GCM_SHA384:" \
				"TLS_CHACHA20_POLY1305_SHA256"
/* TLS 1.2: ECDHE with AEAD only.  Includes OTP 25's inet_tls_dist picks
 * (ECDHE-{ECDSA,RSA}-AES256-GCM-SHA384). */
#define TLS_CIPHERS12		"ECDHE-ECDSA-AES128-GCM-SHA256:" \
				"ECDHE-RSA-AES128-GCM-SHA256:" \
				"ECDHE-ECDSA-AES256-GCM-SHA384:" \
				"ECDHE-RSA-AES256-GCM-SHA384:" \
				"ECDHE-ECDSA-CHACHA20-POLY1305:" \
				"ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_VERIFY_DEPTH	4
#define TLS_NUM_TICKETS		2
#define TLS_SID_CTX		"distgate"

/*
 * Appends S to BUF (LEN bytes, text so far OFF bytes long), replacing
 * non-printable bytes with '?'.  Never writes past LEN - 1; keeps BUF
 * NUL-terminated.  Returns the new length.
 */
static size_t
append(char *buf, size_t len, size_t off, const char *s)
{
	if (len == 0)
		return 0;
	for (; *s != '\0' && off + 1 < len; s++, off++) {
		unsigned char c = (unsigned char)*s;
		buf[off] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[off] = '\0';
	return off;
}

/*
 * True for OpenSSL's "X lib" reasons: a layer saying that the layer below
 * failed, which adds nothing when that lower error is also queued.
 */
static int
is_wrapper(unsigned long e)
{
	unsigned long r;

	if (ERR_SYSTEM_ERROR(e))
		return 0;
	r = (unsigned long)ERR_GET_REASON(e);
	return (r & ERR_RFLAG_COMMON) != 0 &&
	    (r & ~(unsigned long)(ERR_RFLAGS_MASK << ERR_RFLAGS_OFFSET)) <
	    ERR_LIB_USER;
}

/*
 * Pops one error off OpenSSL's queue and appends "reason (data)" to BUF,
 * unless it is a wrapper and other errors were or will be written.
 * Returns 0 when the queue was empty, 1 when it wrote, 2 when it skipped;
 * *OFF is updated.
 */
static int
append_one_error(char *buf, size_t len, size_t *off, int written)
{
	unsigned long e;
	const char *data = NULL, *reason;
	int flags = 0;
	char code[32];

	if ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) == 0)
		return 0;
	if (is_wrapper(e) && (written || ERR_peek_error() != 0))
		return 2;
	if (ERR_SYSTEM_ERROR(e))
		reason = strerror(ERR_GET_REASON(e));
	else
		reason = ERR_reason_error_string(e);
	if (reason == NULL) {
		(void)snprintf(code, sizeof(code), "error:%08lX", e);
		reason = code;
	}
	*off = append(buf, len, *off, reason);
	if (data != NULL && *data != '\0' && (flags & ERR_TXT_STRING)) {
		*off = append(buf, len, *off, " (");
		*off = append(buf, len, *off, data);
		*off = append(buf, len, *off, ")");
	}
	return 1;
}

/*
 * Drains the whole queue into BUF after OFF bytes as "reason; reason".
 * Returns the number of errors drained.
 */
static int
drain_errors(char *buf, size_t len, size_t off)
{
	int n = 0, written = 0, r;

	for (;;) {
		size_t mark = off;

		if (written > 0)
			off = append(buf, len, off, "; ");
		if ((r = append_one_error(buf, len, &off, written)) == 0) {
			if (len > 0)
				buf[mark] = '\0';
			break;
		}
		if (r == 2) {
			off = mark;
			if (len > 0)
				buf[mark] = '\0';
		} else
			written++;
		n++;
	}
	return n;
}

/*
 * Writes "WHAT[ PATH]: reasons" into ERR, draining OpenSSL's queue.  An
 * empty queue reads "unknown error".
 */
static void
set_err(char *err, size_t errlen, const char *what, const char *path)
{
	size_t off;

	if (err == NULL || errlen == 0) {
		ERR_clear_error();
		return;
	}
	err[0] = '\0';
	off = append(err, errlen, 0, what);
	if (path != NULL) {
		off = append(err, errlen, off, " ");
		off = append(err, errlen, off, path);
	}
	off = append(err, errlen, off, ": ");
	if (drain_errors(err, errlen, off) == 0)
		(void)append(err, errlen, off, "unknown error");
}

/* Writes "WHAT: MSG" into ERR without touching OpenSSL's queue. */
static void
set_errx(char *err, size_t errlen, const char *what, const char *msg)
{
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s: %s", what, msg);
}

/*
 * Loads every PEM CRL in PATH into CTX's store and turns on leaf CRL
 * checking.  Returns 0 or -1 with ERR set.
 */
static int
load_crls(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	X509_CRL *crl;
	BIO *bio;
	unsigned long e;
	int n = 0;

	if ((bio = BIO_new_file(path, "r")) == NULL)
		goto fail;
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		if (!X509_STORE_add_crl(store, crl)) {
			X509_CRL_free(crl);
			goto fail1;
		}
		X509_CRL_free(crl);
		n++;
	}
	/* The end of the file shows up as "no start line". */
	e = ERR_peek_last_error();
	if (n == 0 || ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		goto fail1;
	ERR_clear_error();
	BIO_free(bio);
	if (!X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK))
		goto fail;
	return 0;

fail1:
	BIO_free(bio);
fail:
	set_err(err, errlen, "crl", path);
	return -1;
}

/*
 * Loads the PEM private key at PATH into CTX: the file is opened once and
 * checked on its descriptor (secfile.h), read into memory, parsed from
 * there (with CTX's passphrase callback, as SSL_CTX_use_PrivateKey_file
 * would) and the copy wiped.  Returns 0 or -1 with ERR set ("key PATH:
 * reason").
 */
static int
load_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	unsigned char *pem;
	char why[128];
	EVP_PKEY *pkey = NULL;
	size_t len;
	BIO *bio;
	int rc = -1;

	if ((pem = secfile_read(path, SECFILE_MAX, &len, why,
	    sizeof(why))) == NULL) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "key %s: %s", path, why);
		return -1;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL,
		    SSL_CTX_get_default_passwd_cb(ctx),
		    SSL_CTX_get_default_passwd_cb_userdata(ctx));
		BIO_free(bio);
	}
	if (pkey != NULL && SSL_CTX_use_PrivateKey(ctx, pkey) == 1)
		rc = 0;
	else
		set_err(err, errlen, "key", path);
	EVP_PKEY_free(pkey);
	secfile_free(pem, len);
	return rc;
}

/* Loads certificate chain, key and CA into CTX.  Returns 0 or -1. */
static int
load_files(SSL_CTX *ctx, const struct tls_files *cfg, char *err, size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
		set_err(err, errlen, "cert", cfg->cert);
		return -1;
	}
	if (load_key(ctx, cfg->key, err, errlen) == -1)
		return -1;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		set_err(err, errlen, "key", cfg->key);
		return -1;
	}
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca, NULL) != 1) {
		set_err(err, errlen, "ca", cfg->ca);
		return -1;
	}
	if (cfg->crl != NULL && load_crls(ctx, cfg->crl, err, errlen) == -1)
		return -1;
	return 0;
}

/* Settings shared by both ends.  Returns 0 or -1 with ERR set. */
static int
ctx_common(SSL_CTX *ctx, const struct tls_files *cfg, char *err, size_t errlen)
{
	int minv = cfg->min_version != 0 ? cfg->min_version : TLS1_3_VERSION;
	char msg[64];

	if (minv != TLS1_2_VERSION && minv != TLS1_3_VERSION) {
		(void)snprintf(msg, sizeof(msg), "unsupported value 0x%x",
		    (unsigned)minv);
		set_errx(err, errlen, "min_version", msg);
		return -1;
	}
	if (cfg->cert == NULL || cfg->key == NULL || cfg->ca == NULL) {
		set_errx(err, errlen, cfg->cert == NULL ? "cert" :
		    cfg->key == NULL ? "key" : "ca", "not set");
		return -1;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, minv) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		set_err(err, errlen, "min_version", NULL);
		return -1;
	}
	if (SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
		set_err(err, errlen, "groups", NULL);
		return -1;
	}
	if (SSL_CTX_set_ciphersuites(ctx, TLS_CIPHERSUITES) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS12) != 1) {
		set_err(err, errlen, "ciphers", NULL);
		return -1;
	}
	(void)SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_set_max_early_data(ctx, 0) != 1) {
		set_err(err, errlen, "early data", NULL);
		return -1;
	}
	if (load_files(ctx, cfg, err, errlen) == -1)
		return -1;
	SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	return 0;
}

SSL_CTX *
tls_server_ctx_new(const struct tls_files *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		set_err(err, errlen, "server context", NULL);
		goto fail;
	}
	if (ctx_common(ctx, cfg, err, errlen) == -1)
		goto fail1;
	SSL_CTX_set_verify(ctx,
	    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	if (SSL_CTX_set_num_tickets(ctx, TLS_NUM_TICKETS) != 1 ||
	    SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)TLS_SID_CTX, strlen(TLS_SID_CTX)) != 1) {
		set_err(err, errlen, "session tickets", NULL);
		goto fail1;
	}
	(void)SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	return ctx;

fail1:
	SSL_CTX_free(ctx);
fail:
	return NULL;
}

SSL_CTX *
tls_client_ctx_new(const struct tls_files *cfg,
    int (*new_session)(SSL *, SSL_SESSION *), char *err, size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		set_err(err, errlen, "client context", NULL);
		goto fail;
	}
	if (ctx_common(ctx, cfg, err, errlen) == -1)
		goto fail1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (new_session != NULL) {
		/* Sessions are kept by the caller's callback (one per peer),
		 * not in OpenSSL's internal cache. */
		(void)SSL_CTX_set_session_cache_mode(ctx,
		    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, new_session);
	} else
		(void)SSL_CTX_set_session_cache_mode(ctx,
		    SSL_SESS_CACHE_CLIENT);
	return ctx;

fail1:
	SSL_CTX_free(ctx);
fail:
	return NULL;
}

SSL *
tls_client_new(SSL_CTX *ctx, int fd, const char *sni, int min_version,
    SSL_SESSION *resume, void *app)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    (sni != NULL && SSL_set_tlsext_host_name(ssl, sni) != 1) ||
	    (min_version != 0 &&
	    SSL_set_min_proto_version(ssl, min_version) != 1) ||
	    (resume != NULL && SSL_set_session(ssl, resume) != 1)) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_connect_state(ssl);
	SSL_set_app_data(ssl, app);
	return ssl;
}

SSL *
tls_server_new(SSL_CTX *ctx, int fd, int min_version)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    (min_version != 0 &&
	    SSL_set_min_proto_version(ssl, min_version) != 1)) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

void
tls_tune_stream(SSL *ssl, int rbuf)
{
	(void)SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	SSL_set_read_ahead(ssl, 1);
	SSL_set_default_read_buffer_len(ssl, (size_t)rbuf);
	(void)SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

int
tls_peer_verify(SSL *ssl, char *why, size_t len)
{
	long v;

	if (SSL_get0_peer_certificate(ssl) == NULL) {
		(void)snprintf(why, len, "no certificate");
		return TLS_PEER_NO_CERT;
	}
	if ((v = SSL_get_verify_result(ssl)) != X509_V_OK) {
		(void)snprintf(why, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
		return TLS_PEER_BAD;
	}
	return 0;
}

const char *
tls_verify_failure(SSL *ssl)
{
	long v = SSL_get_verify_result(ssl);

	return v == X509_V_OK ? NULL : X509_verify_cert_error_string(v);
}

int
tls_error_no_cert(unsigned long e)
{
	return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
}

/* An empty queue logs nothing and returns 0. */
int
tls_log_errors(unsigned long long id, const char *context)
{
	char msg[1024];
	int n;

	msg[0] = '\0';
	if ((n = drain_errors(msg, sizeof(msg), 0)) == 0)
		return 0;
	if (context == NULL)
		context = "tls";
	if (id != 0)
		log_warnx("conn=%llu %s: %s", id, context, msg);
	else
		log_warnx("%s: %s", context, msg);
	return n;
}

char *
tls_error_string(char *buf, size_t len)
{
	size_t off = 0;
	int r;

	if (len == 0) {
		ERR_clear_error();
		return buf;
	}
	buf[0] = '\0';
	while ((r = append_one_error(buf, len, &off, 0)) == 2)
		;
	if (r == 0)
		(void)append(buf, len, 0, "unknown");
	ERR_clear_error();
	return buf;
}
