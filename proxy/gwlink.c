/* gwlink.c — client links to peer gateways.  See gwlink.h. */
#include "proxy/gwlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config/config.h"
#include "crypto/ident.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/half.h"
#include "proxy/netutil.h"
#include "proxy/peer.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/gwproto.h"

#define LINK_IDLE_MS	25000	/* below the server's 30 s request idle */
#define LINK_IDLE_SLACK	50	/* a timer this close to the end ends it */
#define LINK_RBUF	(GWPROTO_HDR + GWPROTO_MAX_BODY)

enum link_state { LINK_CONNECTING = 0, LINK_TLS, LINK_READY, LINK_IDLE,
    LINK_NSTATES };

struct gwlink {
	struct conn c;
	struct peer *p;
	uint8_t *rbuf;
	size_t rlen;
	uint8_t wbuf[GWPROTO_HDR + GWPROTO_MAX_NAME + 8];
	size_t wlen;
	uint8_t req_type;
	int direct;		/* TLS straight to a node: no request */
	int spare;		/* opened by gwlink_warm(): pool it when up */
	int pinging;		/* a PING is out (LINK_READY, no requester) */
	int tls_done;		/* its TLS handshake is done */
	uint64_t tls_ms;	/* when it started (monotonic) */
	uint64_t ping_us;	/* when the PING went out (monotonic) */
	uint64_t idle_since;	/* when its last request ended */
	gwlink_cb *cb;
	void *arg;
};

static void link_io(evutil_socket_t, short, void *);

static const char *const state_names[LINK_NSTATES] = {
	"connecting", "tls", "ready", "idle",
};

static int
transition_ok(int from, int to)
{
	switch (to) {
	case LINK_TLS:
		return from == LINK_CONNECTING;
	case LINK_READY:
		return from == LINK_TLS || from == LINK_IDLE;
	case LINK_IDLE:
		return from == LINK_READY;
	default:
		return 0;
	}
}

/* Milliseconds left of L's idle life: LINK_IDLE_MS from its last
 * request (PINGs do not count), so that the server, whose request timer
 * is 30 s, never closes it first even when it does not know PING. */
static unsigned
idle_left(const struct gwlink *l)
{
	uint64_t idle = clock_ms() - l->idle_since;

	return idle >= LINK_IDLE_MS ? 0 : (unsigned)(LINK_IDLE_MS - idle);
}

/* The idle timer: the next PING (link_ping_interval, unless the peer
 * does not know PING) or the end of the idle life, whichever comes
 * first. */
static unsigned
idle_timer_ms(const struct gwlink *l)
{
	unsigned left = idle_left(l);
	unsigned every = l->c.gw->cfg->link_ping_interval_ms;

	if (every != 0 && !l->p->no_ping && every < left)
		return every;
	return left > 0 ? left : 1;
}

static unsigned
timeout_ms(const struct conn *c)
{
	const struct config *cfg = c->gw->cfg;

	switch (c->state) {
	case LINK_CONNECTING:
		return cfg->connect_timeout_ms + cfg->tls_timeout_ms;
	case LINK_READY:
		return cfg->resolve_timeout_ms;	/* a reply, or a PONG */
	case LINK_IDLE:
		return idle_timer_ms((const struct gwlink *)c);
	default:
		return CONN_TIMER_KEEP;
	}
}

static void ping(struct gwlink *l);

static void
on_timeout(struct conn *c)
{
	struct gwlink *l = (struct gwlink *)c;

	if (c->state == LINK_IDLE) {
		if (idle_left(l) <= LINK_IDLE_SLACK)
			conn_close(c, RC_OK, "idle");
		else
			ping(l);
		return;
	}
	if (l->pinging) {
		(void)conn_fail(c, RC_TIMEOUT, "no PONG within %u ms, peer "
		    "presumed dead", c->gw->cfg->resolve_timeout_ms);
		conn_close_failed(c);
		return;
	}
	conn_close(c, RC_TIMEOUT, c->state == LINK_READY ? "reply timeout" :
	    "connect/TLS timeout");
}

/*
 * An ordinary end (RC_OK: pool eviction, idle, handed over, requester gone)
 * is logged at debug level; anything else is a failure: logged, and the
 * pending request (if any) fails with the reason.
 */
static void
release(struct conn *c, enum reason code, const char *why)
{
	struct gwlink *l = (struct gwlink *)c;
	gwlink_cb *cb = l->cb;
	char desc[320];

	c->code = code;		/* for gwlink_code() in the callback */
	if (code != RC_OK && code != RC_SHUTDOWN) {
		if (c->state == LINK_TLS && !l->tls_done)
			gateway_tls_result(c->gw, 1, 0, 0);
		/* A link that never came up, or a peer gone silent. */
		if (c->state < LINK_READY || l->pinging || code == RC_TIMEOUT ||
		    code == RC_IO_ERROR || code == RC_LINK_FAILED)
			l->p->link_state = PEER_LINK_DOWN;
	}
	if (code == RC_OK || code == RC_SHUTDOWN)
		log_debug("link=%llu peer=%s closed: %s",
		    (unsigned long long)c->id, l->p->cfg->name, why);
	else if (cb != NULL)
		log_warnx("link=%llu peer=%s addr=%s closed: %s",
		    (unsigned long long)c->id, l->p->cfg->name,
		    l->p->cfg->address, why);
	else {
		/* No requester to carry it: the link's own audit line. */
		ident_describe(c->h.ssl ? SSL_get0_peer_certificate(c->h.ssl) :
		    NULL, desc, sizeof(desc));
		gateway_audit(c->gw, 0, code, "audit link=%llu dir=out peer=%s "
		    "addr=%s %s verdict=%s code=%s reason=\"%s\"",
		    (unsigned long long)c->id, l->p->cfg->name,
		    l->p->cfg->address, desc, reason_verdict(code),
		    reason_code(code), why);
	}
	if (c->state == LINK_IDLE)
		peer_forget_idle(l->p, l);
	if (l->p->warming == l)
		l->p->warming = NULL;
	l->cb = NULL;
	if (cb != NULL && code != RC_OK)
		cb(l, -1, NULL, why, l->arg);
	free(l->rbuf);
}

static const struct conn_ops link_ops = {
	.kind = "link",
	.states = state_names,
	.nstates = LINK_NSTATES,
	.transition_ok = transition_ok,
	.timeout_ms = timeout_ms,
	.timeout = on_timeout,
	.release = release,
};

void
gwlink_close(struct gwlink *l, const char *reason)
{
	l->cb = NULL;
	conn_close(&l->c, RC_OK, reason);
}

struct peer *
gwlink_peer(const struct conn *c)
{
	return ((const struct gwlink *)c)->p;
}

void
gwlink_cancel(struct gwlink *l)
{
	gwlink_close(l, "requester gone");
}

static struct gwlink *
link_new(struct peer *p, const struct sockaddr *sa, socklen_t salen)
{
	struct gateway *gw = p->gw;
	struct gwlink *l;
	int fd;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	/* Not counted: a link serves one counted requester at a time (a
	 * local node's lookup or dial, or a peer's bastion request), or
	 * waits in its peer's pool of PEER_IDLE_LINKS. */
	if (conn_init(&l->c, gw, CONN_KIND_LINK, &link_ops, CONN_UNCOUNTED,
	    NULL) == -1) {
		free(l);
		return NULL;
	}
	l->p = p;
	conn_rearm(&l->c);
	if ((fd = net_connect(sa, salen)) == -1) {
		log_warn("link=%llu peer=%s connect %s",
		    (unsigned long long)l->c.id, p->cfg->name, p->cfg->address);
		gwlink_close(l, "connect failed");
		return NULL;
	}
	if (net_dead_peer(fd, gw->cfg->dead_peer_timeout_ms) == -1)
		log_warn("link=%llu peer=%s keepalive options",
		    (unsigned long long)l->c.id, p->cfg->name);
	/* The half owns FD from here on, even when half_open() fails. */
	if (half_open(&l->c.h, gw->base, fd, NULL, link_io, l) == -1 ||
	    half_want(&l->c.h, 0, 1) == -1) {
		gwlink_close(l, "event setup failed");
		return NULL;
	}
	log_debug("link=%llu peer=%s connecting to %s",
	    (unsigned long long)l->c.id, p->cfg->name, p->cfg->address);
	return l;
}

struct gwlink *
gwlink_direct(struct peer *p, const struct sockaddr *sa, socklen_t len,
    gwlink_cb *cb, void *arg)
{
	struct gwlink *l = link_new(p, sa, len);

	if (l == NULL)
		return NULL;
	l->direct = 1;
	l->cb = cb;
	l->arg = arg;
	return l;
}

void
gwlink_warm(struct peer *p)
{
	struct gwlink *l;

	if (p->nidle > 0 || p->warming != NULL || p->cfg->kind !=
	    PEER_KIND_GATEWAY)
		return;
	l = link_new(p, (const struct sockaddr *)&p->cfg->addr.ss,
	    p->cfg->addr.len);
	if (l == NULL)
		return;
	l->spare = 1;
	p->warming = l;
}

struct gwlink *
gwlink_request(struct peer *p, uint8_t type, const char *name, gwlink_cb *cb,
    void *arg)
{
	struct gwlink *l = peer_take_idle(p);

	if (l != NULL)
		conn_set_state(&l->c, LINK_READY);
	else if ((l = link_new(p, (const struct sockaddr *)&p->cfg->addr.ss,
	    p->cfg->addr.len)) == NULL)
		return NULL;
	l->wlen = gw_encode_request(l->wbuf, sizeof(l->wbuf), type, name);
	if (l->wlen == 0) {
		gwlink_close(l, "request does not fit");
		return NULL;
	}
	l->req_type = type;
	l->cb = cb;
	l->arg = arg;
	if (type == GW_ROUTE)
		gwlink_warm(p);		/* this link becomes a tunnel */
	if (l->c.state == LINK_READY) {
		if (half_want(&l->c.h, 1, 1) == -1) {
			gwlink_close(l, "event setup failed");
			return NULL;
		}
	}
	return l;
}

/* TLS is up: the peer's certificate must carry the [peer]'s identity.
 * Returns RC_OK or the refusal's code with WHY. */
static int
check_server(struct gwlink *l, char *why, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(l->c.h.ssl);
	char desc[256];

	switch (tls_peer_verify(l->c.h.ssl, why, len)) {
	case TLS_PEER_NO_CERT:
		snprintf(why, len, "peer sent no certificate");
		return RC_BAD_CERTIFICATE;
	case TLS_PEER_BAD:
		return RC_BAD_CERTIFICATE;
	}
	if (!ident_match(cert, l->p->cfg->identity)) {
		snprintf(why, len, "peer certificate lacks identity %s: %s",
		    l->p->cfg->identity, ident_describe(cert, desc,
		    sizeof(desc)));
		return RC_IDENTITY_NOT_ALLOWED;
	}
	return RC_OK;
}

static int
start_tls(struct gwlink *l, char *why, size_t len)
{
	int err = net_connect_result(l->c.h.fd);

	if (err != 0) {
		snprintf(why, len, "connect %s: %s", l->p->cfg->address,
		    strerror(err));
		return -1;
	}
	/* SNI and the expected identity are the peer's identity; the app
	 * data lets peer_session_cb() keep the session for the next link. */
	l->c.h.ssl = tls_client_new(l->p->gw->cli_ctx, l->c.h.fd,
	    l->p->cfg->identity, l->p->cfg->min_version, l->p->session, l->p);
	if (l->c.h.ssl == NULL) {
		snprintf(why, len, "TLS setup failed");
		return -1;
	}
	l->tls_ms = clock_ms();
	conn_set_state(&l->c, LINK_TLS);
	return 0;
}

/* Offers L to its peer's idle pool, after a request (FRESH: its idle life
 * starts now) or a PING.  Returns 0, or 1 if L was freed. */
static int
pool(struct gwlink *l, int fresh)
{
	if (peer_put_idle(l->p, l) == -1) {
		gwlink_close(l, "pool full");
		return 1;
	}
	if (fresh)
		l->idle_since = clock_ms();
	conn_set_state(&l->c, LINK_IDLE);
	(void)half_want(&l->c.h, 1, 0);
	return 0;
}

/*
 * The answer to a PING is in rbuf.  PONG: back to the pool.  An error (a
 * distgate older than PING answers ERROR bad_request, and closes): that
 * peer's links are not pinged again; TCP keepalive still watches them.
 * Returns 1 if L was freed.
 */
static int
pong(struct gwlink *l, const struct gw_msg *m)
{
	struct gw_reply r;
	const char *why = NULL;

	if ((m->type != GW_PONG && m->type != GW_ERROR) ||
	    gw_decode_reply(m, &r, &why) == -1) {
		conn_close(&l->c, RC_LINK_FAILED, why ? why :
		    "unexpected reply to PING");
		return 1;
	}
	if (m->type == GW_ERROR || r.status != GW_OK) {
		if (!l->p->no_ping)
			log_info("peer=%s answers PING with %s (%s): an older "
			    "distgate?  Its idle links are no longer pinged",
			    l->p->cfg->name, gw_status_name(r.status),
			    r.reason);
		l->p->no_ping = 1;
		gwlink_close(l, "PING refused");
		return 1;
	}
	if (l->rlen != m->consumed) {
		conn_close(&l->c, RC_LINK_FAILED, "bytes after PONG");
		return 1;
	}
	l->p->rtt_us = clock_us() - l->ping_us;
	l->p->rtt_at_ms = clock_ms();
	l->p->link_state = PEER_LINK_UP;
	log_debug("link=%llu peer=%s PONG after %lluus",
	    (unsigned long long)l->c.id, l->p->cfg->name,
	    (unsigned long long)l->p->rtt_us);
	l->pinging = 0;
	l->rlen = 0;
	free(l->rbuf);
	l->rbuf = NULL;
	return pool(l, 0);
}

/* A whole reply is in rbuf: deliver it.  Returns 1 if L was freed. */
static int
deliver(struct gwlink *l, const struct gw_msg *m)
{
	struct gw_reply r;
	const char *why = NULL;
	gwlink_cb *cb = l->cb;
	uint8_t type = l->req_type;

	if (l->pinging)
		return pong(l, m);
	if ((m->version != GWPROTO_VERSION && m->type != GW_ERROR) ||
	    (m->type != (type | 0x80) && m->type != GW_ERROR) ||
	    gw_decode_reply(m, &r, &why) == -1) {
		conn_close(&l->c, RC_LINK_FAILED, why ? why : "unexpected reply");
		return 1;
	}
	l->cb = NULL;
	if (type == GW_ROUTE) {
		if (r.status == GW_OK) {
			cb(l, r.status, m, NULL, l->arg);	/* hands over */
			return 1;
		}
		cb(l, r.status, m, r.reason, l->arg);
		gwlink_close(l, "route refused");
		return 1;
	}
	cb(l, r.status, m, r.reason, l->arg);
	if (m->type == GW_ERROR || l->rlen != m->consumed) {
		gwlink_close(l, "error reply");
		return 1;
	}
	l->rlen = 0;
	free(l->rbuf);
	l->rbuf = NULL;
	return pool(l, 1);
}

/* LINK_READY: write the request, read the reply.  Returns 1 if freed. */
static int
exchange(struct gwlink *l)
{
	struct gw_msg m;
	const char *why = NULL;
	ssize_t n;

	while (l->wlen > 0) {
		n = half_write(&l->c.h, l->wbuf, l->wlen);
		if (n == HALF_AGAIN)
			break;
		if (n == HALF_ERR) {
			conn_close(&l->c, conn_io_reason(&l->c.h), l->c.h.err);
			return 1;
		}
		l->c.bytes_out += (uint64_t)n;
		memmove(l->wbuf, l->wbuf + n, l->wlen - (size_t)n);
		l->wlen -= (size_t)n;
	}
	if (l->rbuf == NULL && (l->rbuf = malloc(LINK_RBUF)) == NULL) {
		conn_close(&l->c, RC_INTERNAL, "out of memory");
		return 1;
	}
	for (;;) {
		switch (gw_parse(l->rbuf, l->rlen, &m, &why)) {
		case GW_PARSE_BAD:
			conn_close(&l->c, RC_LINK_FAILED, why);
			return 1;
		case GW_PARSE_DONE:
			if (l->cb == NULL && !l->pinging) {
				conn_close(&l->c, RC_LINK_FAILED, "unsolicited reply");
				return 1;
			}
			return deliver(l, &m);
		case GW_PARSE_NEED_MORE:
			break;
		}
		if (l->rlen == LINK_RBUF) {
			conn_close(&l->c, RC_LINK_FAILED, "reply too long");
			return 1;
		}
		n = half_read(&l->c.h, l->rbuf + l->rlen, LINK_RBUF - l->rlen);
		if (n == HALF_AGAIN)
			break;
		if (n == HALF_ERR || n == 0) {
			conn_close(&l->c, n == 0 ? RC_LINK_FAILED :
			    conn_io_reason(&l->c.h),
			    n == 0 ? "peer closed the link" : l->c.h.err);
			return 1;
		}
		l->rlen += (size_t)n;
		l->c.bytes_in += (uint64_t)n;
	}
	(void)half_want(&l->c.h, 1, l->wlen > 0);
	return 0;
}

static void
link_io(evutil_socket_t fd, short what, void *arg)
{
	struct gwlink *l = arg;
	char why[320];
	uint8_t b;
	int r;

	(void)fd;
	(void)what;
	switch (l->c.state) {
	case LINK_CONNECTING:
		if (start_tls(l, why, sizeof(why)) == -1) {
			conn_close(&l->c, RC_LINK_FAILED, why);
			return;
		}
		/* FALLTHROUGH */
	case LINK_TLS:
		r = half_handshake(&l->c.h);
		if (r == HALF_AGAIN) {
			(void)half_want(&l->c.h, 0, 0);
			return;
		}
		if (r == HALF_ERR) {
			const char *v = tls_verify_failure(l->c.h.ssl);
			snprintf(why, sizeof(why), "TLS handshake failed: %s%s%s",
			    l->c.h.err, v ? ": certificate verify failed: " : "",
			    v ? v : "");
			conn_close(&l->c, v != NULL ||
			    tls_error_no_cert(l->c.h.sslerr) ?
			    RC_BAD_CERTIFICATE : RC_TLS_FAILED, why);
			return;
		}
		l->tls_done = 1;
		gateway_tls_result(l->c.gw, 1, 1, l->tls_ms);
		if ((r = check_server(l, why, sizeof(why))) != RC_OK) {
			conn_close(&l->c, (enum reason)r, why);
			return;
		}
		log_debug("link=%llu peer=%s TLS %s %s%s",
		    (unsigned long long)l->c.id, l->p->cfg->name,
		    SSL_get_version(l->c.h.ssl), SSL_get_cipher_name(l->c.h.ssl),
		    SSL_session_reused(l->c.h.ssl) ? " resumed" : "");
		conn_set_state(&l->c, LINK_READY);
		l->p->link_state = PEER_LINK_UP;
		if (l->spare && l->cb == NULL) {
			l->p->warming = NULL;
			(void)pool(l, 1);
			return;
		}
		if (l->direct) {
			gwlink_cb *cb = l->cb;
			l->cb = NULL;
			cb(l, 0, NULL, NULL, l->arg);	/* hands over */
			return;
		}
		/* FALLTHROUGH */
	case LINK_READY:
		(void)exchange(l);
		return;
	case LINK_IDLE:
		/* The server speaks only when asked: EOF or junk ends it,
		 * and so does keepalive giving up on a dead peer. */
		r = (int)half_read(&l->c.h, &b, 1);
		if (r == HALF_AGAIN)
			return;
		if (r == HALF_ERR && conn_io_reason(&l->c.h) == RC_TIMEOUT)
			conn_close(&l->c, RC_TIMEOUT, l->c.h.err);
		else
			gwlink_close(l, r == 0 ? "peer closed idle link" :
			    r == HALF_ERR ? l->c.h.err :
			    "unexpected bytes on idle link");
		return;
	}
}

enum reason
gwlink_code(const struct gwlink *l)
{
	return l->c.code;
}

/* Sends a PING on idle link L, out of the pool until its PONG comes
 * (within resolve_timeout, or L is closed as dead). */
static void
ping(struct gwlink *l)
{
	peer_forget_idle(l->p, l);
	conn_set_state(&l->c, LINK_READY);
	l->wlen = gw_encode_request(l->wbuf, sizeof(l->wbuf), GW_PING, NULL);
	l->req_type = GW_PING;
	l->pinging = 1;
	l->ping_us = clock_us();
	log_debug("link=%llu peer=%s PING", (unsigned long long)l->c.id,
	    l->p->cfg->name);
	(void)exchange(l);
}

int
gwlink_handover(struct gwlink *l, struct half *dst, struct event_base *base,
    void (*cb)(int, short, void *), void *arg, uint8_t *leftover, size_t cap,
    size_t *n)
{
	struct gw_msg m;
	const char *why = NULL;
	int r = 0;

	*n = 0;
	if (gw_parse(l->rbuf, l->rlen, &m, &why) == GW_PARSE_DONE) {
		size_t extra = l->rlen - m.consumed;
		if (extra > cap)
			r = -1;
		else {
			memcpy(leftover, l->rbuf + m.consumed, extra);
			*n = extra;
		}
	}
	if (half_move(dst, &l->c.h, base, cb, arg) == -1)
		r = -1;
	gwlink_close(l, "handed over");
	return r;
}

long
gwlink_peer_index(const struct gwlink *l)
{
	return (long)l->p->idx;
}

int
gwlink_is_idle(const struct gwlink *l)
{
	return l->c.state == LINK_IDLE;
}
