/*
 * tunnel_fixture.h — a real gateway built by hand, for unit tests of the
 * data path (conn, tunnel, splice, half) without root, network
 * namespaces or Erlang.
 *
 * The group setup (fx_pki_setup) makes a throw-away PKI in a mkdtemp
 * directory (a CA and two P-256 leaves: this gateway "hostB.test" and its
 * peer "hostA.test") and the four TLS contexts built by crypto/tls.c.
 * Each test's setup (fx_setup) builds a struct gateway on a fresh event
 * base with a hand-filled struct config (one [peer hostA] whose nodes are
 * "*@hostA.test"), a lockout table, cookie arrays and an audit file
 * (tmpfile) whose lines the tests read back.
 *
 * fx_tunnel() makes a tunnel whose two halves are socketpairs: the test
 * holds the other ends, playing the local node (f->lfd) and the remote
 * side (f->rfd, with its own SSL f->rssl when the remote leg is TLS; the
 * TLS handshake is completed before the half is opened).  The tests write
 * distribution handshake messages into their ends, pump the event loop a
 * bounded number of times and read what came out of the other end.
 *
 * Everything here is static and lives in this header because the Makefile
 * makes one binary per tests/unit/test_*.c.  Include it after <cmocka.h>.
 */
#ifndef DISTGATE_TUNNEL_FIXTURE_H
#define DISTGATE_TUNNEL_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config/config.h"
#include "crypto/cookie.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/half.h"
#include "proxy/splice.h"
#include "proxy/tunnel.h"
#include "proxy/util/bytes.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/lockout.h"
#include "proxy/wire/trust.h"

/* Not every test file uses every helper. */
#define FX	static __attribute__((unused))

#define FX_PUMP_TURNS	16		/* loop turns per fx_pump() */
#define FX_RIP		"192.0.2.7"	/* the remote source address */
#define FX_PEER		"hostA"		/* the [peer] section */
#define FX_PEER_ID	"hostA.test"	/* its certificate identity */
#define FX_COOKIE	"Fx-cookie-Q7w"
#define FX_REMOTE	"a1@hostA.test"	/* the node behind the peer */
#define FX_LOCAL	"b1@hostB.test"	/* the node on this host */

/* OTP 25 flags of a normal node; PUBLISHED clear for a hidden one. */
#define FX_FLAGS	0x0000000d07df7fbdULL
#define FX_FLAGS_HIDDEN	(FX_FLAGS & ~0x1ULL)
#define FX_CHAL_A	4225247449U	/* the initiator's challenge */
#define FX_CHAL_B	324884179U	/* the acceptor's challenge */

enum { FX_LOCAL_SIDE = 0, FX_REMOTE_SIDE = 1 };
enum { FX_OPEN = 0, FX_EOF, FX_EOF_DIRTY };	/* fx_read() results */

/* ---- the PKI and TLS contexts (group state) ------------------------- */

enum fx_file { FXF_CA, FXF_GW, FXF_GWKEY, FXF_PEER, FXF_PEERKEY, FXF_N };

struct fx_pki {
	char dir[64];
	char path[FXF_N][128];
	int made[FXF_N];
	SSL_CTX *gw_srv, *gw_cli;	/* this gateway's, from tls.c */
	SSL_CTX *peer_srv, *peer_cli;	/* the test's end of a TLS leg */
};

FX int
fx_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
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

/* ISSUER NULL: a self-signed CA; else a leaf for client and server. */
FX X509 *
fx_make_cert(EVP_PKEY *key, const char *cn, long serial, X509 *issuer,
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
		if (fx_add_ext(x, x, NID_basic_constraints,
		    "critical,CA:TRUE") ||
		    fx_add_ext(x, x, NID_key_usage,
		    "critical,keyCertSign,cRLSign") ||
		    fx_add_ext(x, x, NID_subject_key_identifier, "hash"))
			goto fail;
	} else {
		(void)snprintf(san, sizeof(san), "DNS:%s", cn);
		if (fx_add_ext(x, issuer, NID_basic_constraints, "CA:FALSE") ||
		    fx_add_ext(x, issuer, NID_key_usage,
		    "critical,digitalSignature") ||
		    fx_add_ext(x, issuer, NID_ext_key_usage,
		    "serverAuth,clientAuth") ||
		    fx_add_ext(x, issuer, NID_subject_alt_name, san) ||
		    fx_add_ext(x, issuer, NID_authority_key_identifier,
		    "keyid"))
			goto fail;
	}
	if (X509_sign(x, issuer ? ikey : key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* Writes X (or KEY) as PEM into file F of P. */
FX int
fx_write_pem(struct fx_pki *p, enum fx_file f, X509 *x, EVP_PKEY *key)
{
	int fd, ok;
	FILE *fp;

	fd = open(p->path[f], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    key ? 0600 : 0644);
	if (fd == -1)
		return -1;
	p->made[f] = 1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	ok = key ? PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_X509(fp, x);
	return (fclose(fp) == 0 && ok) ? 0 : -1;
}

/* A leaf for CN signed by CA into files CERT and CERT + 1 (its key). */
FX int
fx_write_leaf(struct fx_pki *p, enum fx_file cert, const char *cn,
    long serial, X509 *ca, EVP_PKEY *cakey)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? fx_make_cert(key, cn, serial, ca, cakey) : NULL;
	int rc = -1;

	if (x != NULL && fx_write_pem(p, cert, x, NULL) == 0 &&
	    fx_write_pem(p, cert + 1, NULL, key) == 0)
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

FX int
fx_pki_teardown(void **state)
{
	struct fx_pki *p = *state;

	if (p == NULL)
		return 0;
	SSL_CTX_free(p->gw_srv);
	SSL_CTX_free(p->gw_cli);
	SSL_CTX_free(p->peer_srv);
	SSL_CTX_free(p->peer_cli);
	for (int f = 0; f < FXF_N; f++)
		if (p->made[f])
			(void)unlink(p->path[f]);
	(void)rmdir(p->dir);
	free(p);
	*state = NULL;
	return 0;
}

/* Fills F with the files of P for the gateway's (GW) or the peer's leaf. */
FX void
fx_files(struct tls_files *f, const struct fx_pki *p, int gw)
{
	memset(f, 0, sizeof(*f));
	f->cert = p->path[gw ? FXF_GW : FXF_PEER];
	f->key = p->path[gw ? FXF_GWKEY : FXF_PEERKEY];
	f->ca = p->path[FXF_CA];
}

/* Group setup: the PKI and the four contexts; *state is the struct fx_pki. */
FX int
fx_pki_setup(void **state)
{
	static const char *const names[FXF_N] = {
		"ca.pem", "gw.pem", "gw.key", "peer.pem", "peer.key",
	};
	struct fx_pki *p;
	struct tls_files tf;
	EVP_PKEY *cakey = NULL;
	X509 *ca = NULL;
	char err[256];
	int rc = -1;

	/* Audit lines are read back from the audit file, not the log;
	 * DG_TEST_DEBUG=1 shows everything. */
	log_init(getenv("DG_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN, 0);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	*state = p;
	(void)snprintf(p->dir, sizeof(p->dir), "/tmp/test_dp.XXXXXX");
	if (mkdtemp(p->dir) == NULL) {
		free(p);
		*state = NULL;
		return -1;
	}
	for (int f = 0; f < FXF_N; f++)
		(void)snprintf(p->path[f], sizeof(p->path[f]), "%s/%s",
		    p->dir, names[f]);
	if ((cakey = EVP_EC_gen("P-256")) == NULL ||
	    (ca = fx_make_cert(cakey, "Test CA", 1, NULL, NULL)) == NULL ||
	    fx_write_pem(p, FXF_CA, ca, NULL) ||
	    fx_write_leaf(p, FXF_GW, "hostB.test", 1001, ca, cakey) ||
	    fx_write_leaf(p, FXF_PEER, FX_PEER_ID, 1002, ca, cakey))
		goto out;
	fx_files(&tf, p, 1);
	if ((p->gw_srv = tls_server_ctx_new(&tf, err, sizeof(err))) == NULL ||
	    (p->gw_cli = tls_client_ctx_new(&tf, NULL, err,
	    sizeof(err))) == NULL)
		goto out;
	fx_files(&tf, p, 0);
	if ((p->peer_srv = tls_server_ctx_new(&tf, err, sizeof(err))) == NULL ||
	    (p->peer_cli = tls_client_ctx_new(&tf, NULL, err,
	    sizeof(err))) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "fixture PKI: %s\n", err);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	if (rc == -1)
		(void)fx_pki_teardown(state);
	return rc;
}

/* ---- the gateway (per-test state) ----------------------------------- */

struct fx {
	struct fx_pki *pki;
	struct event_base *base;
	struct config cfg;
	struct config_peer peer;
	char *patterns[1];
	struct gateway gw;
	struct tunnel *t;	/* the test's tunnel while it is open */
	int lfd;		/* the local node's end of t->local */
	int rfd;		/* the remote side's end of t->c.h */
	SSL *rssl;		/* its TLS (NULL: a plain remote leg) */
	int sockbuf;		/* SO_SNDBUF, SO_RCVBUF of new pairs */
	long audit_off;		/* audit lines read so far end here */
};

/*
 * Per-test setup: the gateway with its defaults (buffer 64 KiB, generous
 * timers, budgets of 64, no pending slots table, lockout after 1 failure,
 * no cookie, no audit line yet).  Tests change f->cfg fields before
 * making tunnels (budgets: then call gateway_budgets() again).
 */
FX int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->pki = *state;
	f->lfd = f->rfd = -1;
	f->patterns[0] = (char *)"*@hostA.test";
	f->peer.name = (char *)FX_PEER;
	f->peer.address = (char *)"192.0.2.7:4370";
	f->peer.identity = (char *)FX_PEER_ID;
	f->peer.nodes = f->patterns;
	f->peer.nnodes = 1;
	f->peer.allow_hidden = 0;
	f->peer.via_idx = -1;
	f->cfg.buffer_size = 65536;
	f->cfg.max_connections = 64;
	f->cfg.max_local_connections = 64;
	f->cfg.max_pending = 64;
	f->cfg.max_pending_per_source = 64;
	f->cfg.tls_timeout_ms = 5000;
	f->cfg.connect_timeout_ms = 5000;
	f->cfg.handshake_timeout_ms = 10000;
	f->cfg.epmd_timeout_ms = 10000;
	f->cfg.resolve_timeout_ms = 3000;
	f->cfg.idle_timeout_ms = 0;
	f->cfg.lockout_failures = 1;
	f->cfg.lockout_window_ms = 60000;
	f->cfg.lockout_ban_ms = 60000;
	f->cfg.peers = &f->peer;
	f->cfg.npeers = 1;
	f->gw.cfg = &f->cfg;
	(void)gateway_budgets(&f->gw, 1UL << 20, 0);
	if ((f->base = event_base_new()) == NULL)
		goto fail;
	f->gw.base = f->base;
	f->gw.srv_ctx = f->pki != NULL ? f->pki->gw_srv : NULL;
	f->gw.cli_ctx = f->pki != NULL ? f->pki->gw_cli : NULL;
	if ((f->gw.lockout = lockout_new(f->cfg.lockout_failures,
	    f->cfg.lockout_window_ms, f->cfg.lockout_ban_ms)) == NULL ||
	    (f->gw.peer_cookie = calloc(1, sizeof(struct cookie *))) == NULL ||
	    (f->gw.node_cookie = calloc(1, sizeof(struct cookie *))) == NULL ||
	    (f->gw.audit = tmpfile()) == NULL)
		goto fail;
	*state = f;
	return 0;
fail:
	lockout_free(f->gw.lockout);
	free(f->gw.peer_cookie);
	free(f->gw.node_cookie);
	if (f->base != NULL)
		event_base_free(f->base);
	free(f);
	return -1;
}

FX int
fx_teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	conn_close_all(&f->gw, CONN_NKINDS, RC_SHUTDOWN, "test over");
	SSL_free(f->rssl);
	if (f->lfd != -1)
		close(f->lfd);
	if (f->rfd != -1)
		close(f->rfd);
	cookie_free(f->gw.peer_cookie[0]);
	cookie_free(f->gw.cookie);
	free(f->gw.peer_cookie);
	free(f->gw.node_cookie);
	lockout_free(f->gw.lockout);
	trust_free(f->gw.trust);
	fclose(f->gw.audit);
	event_base_free(f->base);
	free(f);
	*state = NULL;
	return 0;
}

/* Sets the cookie of the peer (digests are then checked). */
FX void
fx_cookie(struct fx *f, const char *text)
{
	cookie_free(f->gw.peer_cookie[0]);
	f->gw.peer_cookie[0] = cookie_new(text, strlen(text));
	assert_non_null(f->gw.peer_cookie[0]);
}

/*
 * Runs the loop FX_PUMP_TURNS turns without blocking.  EVLOOP_NONBLOCK
 * alone returns only once a turn finds nothing ready, which never happens
 * when a socket stays readable and nobody reads it; with EVLOOP_ONCE each
 * call is one turn, so a data path that spins fails the test instead of
 * hanging it.
 */
FX void
fx_pump(struct fx *f)
{
	for (int i = 0; i < FX_PUMP_TURNS; i++)
		(void)event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

FX void
fx_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * Runs the loop, blocking for timers, until the test's tunnel has closed
 * or MS milliseconds have passed (a guard timer wakes the loop then, so a
 * timer that never fires fails the test instead of hanging it).  Returns
 * the milliseconds it ran.
 */
FX uint64_t
fx_run_until_closed(struct fx *f, unsigned ms)
{
	struct event *guard = evtimer_new(f->base, fx_guard_cb, NULL);
	struct timeval tv = clock_tv(ms);
	uint64_t t0 = clock_ms();

	assert_non_null(guard);
	assert_int_equal(evtimer_add(guard, &tv), 0);
	while (conn_count(&f->gw, CONN_KIND_TUNNEL) > 0 &&
	    clock_ms() - t0 < ms)
		(void)event_base_loop(f->base, EVLOOP_ONCE);
	event_free(guard);
	return clock_ms() - t0;
}

/* 1 while the test's tunnel is open (then f->t is valid); else clears
 * f->t and returns 0. */
FX int
fx_alive(struct fx *f)
{
	if (conn_count(&f->gw, CONN_KIND_TUNNEL) > 0)
		return 1;
	f->t = NULL;
	return 0;
}

/* ---- the test's ends ------------------------------------------------- */

/* One TLS handshake step: 1 done, 0 pending; fails the test on error. */
FX int
fx_tls_step(SSL *ssl, const char *who)
{
	int r, e;

	ERR_clear_error();
	if ((r = SSL_do_handshake(ssl)) == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	char buf[256];
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	fail_msg("%s TLS handshake failed: %s", who, buf);
	return -1;
}

FX void
fx_set_bufs(int fd, int size)
{
	if (size <= 0)
		return;
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size,
	    sizeof(size)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size)), 0);
}

/*
 * Makes f->t: a tunnel (OUTBOUND: a local node dialled out) with its local
 * half and its remote half (TLS when TLS) over socketpairs, moved through
 * the legal states up to the one before the splice, peer 0, then
 * splice_start() as outbound.c / inbound.c call it.  Returns the result
 * of splice_start() (-1: the tunnel is already closed).
 */
FX int
fx_tunnel(struct fx *f, int outbound, int tls)
{
	int lp[2], rp[2];
	SSL *gs = NULL;
	struct tunnel *t;

	assert_null(f->t);
	assert_int_equal(f->lfd, -1);
	t = tunnel_new(&f->gw, outbound);
	assert_non_null(t);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, lp), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, rp), 0);
	for (int i = 0; i < 2; i++) {
		fx_set_bufs(lp[i], f->sockbuf);
		fx_set_bufs(rp[i], f->sockbuf);
	}
	if (tls) {
		/* Outbound the gateway dials the peer; inbound it accepts. */
		if (outbound) {
			gs = tls_client_new(f->pki->gw_cli, rp[0], FX_PEER_ID,
			    0, NULL, NULL);
			f->rssl = tls_server_new(f->pki->peer_srv, rp[1], 0);
		} else {
			gs = tls_server_new(f->pki->gw_srv, rp[0], 0);
			f->rssl = tls_client_new(f->pki->peer_cli, rp[1],
			    "hostB.test", 0, NULL, NULL);
		}
		assert_non_null(gs);
		assert_non_null(f->rssl);
		int gdone = 0, tdone = 0;
		for (int i = 0; i < 100 && !(gdone && tdone); i++) {
			if (!gdone)
				gdone = fx_tls_step(gs, "gateway");
			if (!tdone)
				tdone = fx_tls_step(f->rssl, "test");
		}
		assert_true(gdone && tdone);
	}
	assert_int_equal(half_open(&t->local, f->base, lp[0], NULL, tunnel_io,
	    t), 0);
	assert_int_equal(half_open(&t->c.h, f->base, rp[0], gs, tunnel_io, t),
	    0);
	f->lfd = lp[1];
	f->rfd = rp[1];
	f->t = t;
	t->peer_idx = 0;
	(void)snprintf(t->rip, sizeof(t->rip), "%s", FX_RIP);
	(void)snprintf(t->raddr, sizeof(t->raddr), "%s:4370", FX_RIP);
	if (outbound) {
		/* The local node asked for a1 on hostA. */
		(void)snprintf(t->target, sizeof(t->target), "a1");
		conn_set_state(&t->c, TUN_ROUTE);
	} else {
		(void)snprintf(t->target, sizeof(t->target), "b1");
		conn_set_state(&t->c, TUN_TLS_ACCEPT);
		conn_set_state(&t->c, TUN_REQUESTS);
		conn_set_state(&t->c, TUN_NODE_CONNECT);
	}
	if (splice_start(t, outbound) == -1) {
		conn_close_failed(&t->c);
		f->t = NULL;
		return -1;
	}
	return 0;
}

/* Closes the test's ends of the last tunnel (before making another). */
FX void
fx_drop_ends(struct fx *f)
{
	SSL_free(f->rssl);
	f->rssl = NULL;
	if (f->lfd != -1)
		close(f->lfd);
	if (f->rfd != -1)
		close(f->rfd);
	f->lfd = f->rfd = -1;
}

/* Writes all N bytes of P into SIDE's end (pumping while it is full). */
FX void
fx_write(struct fx *f, int side, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t off = 0;
	int tries = 0;

	while (off < n) {
		assert_true(tries++ < 1000);
		if (side == FX_REMOTE_SIDE && f->rssl != NULL) {
			size_t w = 0;
			ERR_clear_error();
			if (SSL_write_ex(f->rssl, b + off, n - off, &w) == 1) {
				off += w;
				continue;
			}
			int e = SSL_get_error(f->rssl, 0);
			assert_true(e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ);
		} else {
			ssize_t w = write(side == FX_LOCAL_SIDE ? f->lfd :
			    f->rfd, b + off, n - off);
			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			assert_true(w == -1 && errno == EAGAIN);
		}
		fx_pump(f);
	}
}

/*
 * Reads what SIDE's end holds now into BUF at *LEN (up to CAP).  Returns
 * FX_OPEN, FX_EOF (FIN; TLS: close_notify, SSL_ERROR_ZERO_RETURN) or
 * FX_EOF_DIRTY (TLS: the stream ended or broke without close_notify).
 */
FX int
fx_read(struct fx *f, int side, uint8_t *buf, size_t cap, size_t *len)
{
	while (*len < cap) {
		if (side == FX_REMOTE_SIDE && f->rssl != NULL) {
			size_t got = 0;
			ERR_clear_error();
			if (SSL_read_ex(f->rssl, buf + *len, cap - *len,
			    &got) == 1) {
				*len += got;
				continue;
			}
			int e = SSL_get_error(f->rssl, 0);
			if (e == SSL_ERROR_WANT_READ)
				return FX_OPEN;
			ERR_clear_error();
			return e == SSL_ERROR_ZERO_RETURN ? FX_EOF :
			    FX_EOF_DIRTY;
		}
		ssize_t n = read(side == FX_LOCAL_SIDE ? f->lfd : f->rfd,
		    buf + *len, cap - *len);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		if (n == 0)
			return FX_EOF;
		assert_true(errno == EAGAIN);
		return FX_OPEN;
	}
	return FX_OPEN;
}

/* Reads SIDE's end and fails unless it holds nothing and is still open. */
FX void
fx_expect_nothing(struct fx *f, int side)
{
	uint8_t b[256];
	size_t n = 0;

	assert_int_equal(fx_read(f, side, b, sizeof(b), &n), FX_OPEN);
	assert_int_equal(n, 0);
}

/* ---- the audit file --------------------------------------------------- */

/* Reads the next audit line into LINE; fails the test if there is none. */
FX void
fx_audit_next(struct fx *f, char *line, size_t cap)
{
	assert_int_equal(fseek(f->gw.audit, f->audit_off, SEEK_SET), 0);
	assert_non_null(fgets(line, (int)cap, f->gw.audit));
	assert_non_null(strchr(line, '\n'));
	f->audit_off = ftell(f->gw.audit);
}

/* Reads the next audit line into LINE; fails the test unless it is the
 * only one written since the last read. */
FX void
fx_audit(struct fx *f, char *line, size_t cap)
{
	char extra[64];

	fx_audit_next(f, line, cap);
	if (fgets(extra, sizeof(extra), f->gw.audit) != NULL)
		fail_msg("more than one audit line: %s", extra);
}

/* Copies the value of field KEY of an audit LINE into OUT (a quoted
 * value without its quotes).  Fails the test if the field is missing. */
FX const char *
fx_field(const char *line, const char *key, char *out, size_t cap)
{
	char pat[40];
	const char *p, *end;

	(void)snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(line, pat)) == NULL)
		fail_msg("no %s= in audit line %s", key, line);
	p += strlen(pat);
	if (*p == '"')
		end = strchr(++p, '"');
	else
		end = p + strcspn(p, " \n");
	assert_non_null(end);
	assert_true((size_t)(end - p) < cap);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return out;
}

/* Reads the one new audit line and checks its verdict and code. */
FX void
fx_expect_close(struct fx *f, const char *verdict, const char *code,
    char *line, size_t cap)
{
	char v[64];

	assert_int_equal(fx_alive(f), 0);
	fx_audit(f, line, cap);
	assert_string_equal(fx_field(line, "code", v, sizeof(v)), code);
	assert_string_equal(fx_field(line, "verdict", v, sizeof(v)), verdict);
}

/* ---- distribution handshake messages ----------------------------------- */

#define FX_MSG_MAX	2048

/* send_name 'N': flags, creation, name. */
FX size_t
fx_msg_name(uint8_t *p, uint64_t flags, const char *name)
{
	size_t n = strlen(name);

	p[0] = 'N';
	put32(p + 1, (uint32_t)(flags >> 32));
	put32(p + 5, (uint32_t)flags);
	put32(p + 9, 1002);
	put16(p + 13, (uint16_t)n);
	memcpy(p + 15, name, n);
	return 15 + n;
}

FX size_t
fx_msg_status(uint8_t *p, const char *text)
{
	size_t n = strlen(text);

	p[0] = 's';
	memcpy(p + 1, text, n);
	return 1 + n;
}

/* send_challenge 'N': flags, challenge, creation, name. */
FX size_t
fx_msg_challenge(uint8_t *p, uint64_t flags, uint32_t challenge,
    const char *name)
{
	size_t n = strlen(name);

	p[0] = 'N';
	put32(p + 1, (uint32_t)(flags >> 32));
	put32(p + 5, (uint32_t)flags);
	put32(p + 9, challenge);
	put32(p + 13, 1003);
	put16(p + 17, (uint16_t)n);
	memcpy(p + 19, name, n);
	return 19 + n;
}

/* The digest of CHALLENGE under cookie TEXT (all zeroes when NULL). */
FX void
fx_digest(const char *text, uint32_t challenge, uint8_t d[16])
{
	memset(d, 0, 16);
	if (text != NULL) {
		struct cookie *ck = cookie_new(text, strlen(text));
		assert_non_null(ck);
		assert_int_equal(cookie_digest(ck, challenge, d), 0);
		cookie_free(ck);
	}
}

/* challenge_reply 'r': the initiator's challenge and the digest of the
 * acceptor's one under COOKIE. */
FX size_t
fx_msg_reply(uint8_t *p, uint32_t chal_a, uint32_t chal_b,
    const char *cookie)
{
	p[0] = 'r';
	put32(p + 1, chal_a);
	fx_digest(cookie, chal_b, p + 5);
	return 21;
}

/* challenge_ack 'a': the digest of the initiator's challenge. */
FX size_t
fx_msg_ack(uint8_t *p, uint32_t chal_a, const char *cookie)
{
	p[0] = 'a';
	fx_digest(cookie, chal_a, p + 1);
	return 17;
}

/* Frames payload P (N bytes) with a PREFIX-byte length into OUT. */
FX size_t
fx_frame(uint8_t *out, unsigned prefix, const uint8_t *p, size_t n)
{
	if (prefix == 2)
		put16(out, (uint16_t)n);
	else
		put32(out, (uint32_t)n);
	memcpy(out + prefix, p, n);
	return prefix + n;
}

/* Writes payload P framed for SIDE's leg (local 2, remote TLS 4). */
FX void
fx_send(struct fx *f, int side, const uint8_t *p, size_t n)
{
	uint8_t b[4 + FX_MSG_MAX];
	unsigned prefix = side == FX_REMOTE_SIDE && f->rssl != NULL ? 4 : 2;

	fx_write(f, side, b, fx_frame(b, prefix, p, n));
}

/*
 * Reads SIDE's end and checks it received exactly payload P (N bytes)
 * framed for its leg.
 */
FX void
fx_recv(struct fx *f, int side, const uint8_t *p, size_t n)
{
	uint8_t want[4 + FX_MSG_MAX], got[4 + FX_MSG_MAX + 16];
	unsigned prefix = side == FX_REMOTE_SIDE && f->rssl != NULL ? 4 : 2;
	size_t wn = fx_frame(want, prefix, p, n), gn = 0;

	(void)fx_read(f, side, got, sizeof(got), &gn);
	assert_int_equal(gn, wn);
	assert_memory_equal(got, want, wn);
}

#endif
