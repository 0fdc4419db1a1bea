/* tunnel.c — a distribution connection: states, timers, buffers, the
 * audit line.  See tunnel.h. */
#include "proxy/tunnel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config/config.h"
#include "crypto/ident.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/guard.h"
#include "proxy/gwlink.h"
#include "proxy/peer.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/hs_verify.h"

#define REQUEST_IDLE_MS	30000	/* inbound: silence allowed between requests */

static const char *const state_names[TUN_NSTATES] = {
	"new", "tls_accept", "requests", "node_connect", "route",
	"handshake", "established", "closing",
};

static int
transition_ok(int from, int to)
{
	switch (to) {
	case TUN_TLS_ACCEPT:
	case TUN_ROUTE:
		return from == TUN_NEW;
	case TUN_REQUESTS:
		/* NODE_CONNECT: the node refused; the refusal is flushed. */
		return from == TUN_TLS_ACCEPT || from == TUN_NODE_CONNECT;
	case TUN_NODE_CONNECT:
		return from == TUN_REQUESTS;
	case TUN_HANDSHAKE:
		/* REQUESTS: a bastion's inside leg came up through a link. */
		return from == TUN_NODE_CONNECT || from == TUN_ROUTE ||
		    from == TUN_REQUESTS;
	case TUN_ESTABLISHED:
		return from == TUN_HANDSHAKE;
	case TUN_CLOSING:
		return from == TUN_ESTABLISHED;
	default:
		return 0;
	}
}

static unsigned
timeout_ms(const struct conn *c)
{
	const struct config *cfg = c->gw->cfg;

	switch (c->state) {
	case TUN_TLS_ACCEPT:
		return cfg->tls_timeout_ms;
	case TUN_REQUESTS:
		return REQUEST_IDLE_MS;
	case TUN_NODE_CONNECT:
		return cfg->connect_timeout_ms;
	case TUN_ROUTE:
		return cfg->connect_timeout_ms + cfg->tls_timeout_ms;
	case TUN_HANDSHAKE:
		return cfg->handshake_timeout_ms;
	case TUN_ESTABLISHED:
		/* Checked every half period against last_io. */
		return cfg->idle_timeout_ms / 2;
	case TUN_CLOSING:
		return TUNNEL_LINGER_MS;
	default:
		return 0;
	}
}

static void
on_timeout(struct conn *c)
{
	struct tunnel *t = (struct tunnel *)c;
	const struct config *cfg = c->gw->cfg;

	if (c->state == TUN_ESTABLISHED) {
		uint64_t idle = (clock_ms() / 1000 - (uint64_t)t->last_io) *
		    1000;
		if (idle < cfg->idle_timeout_ms) {
			conn_arm(c, cfg->idle_timeout_ms / 2);
			return;
		}
		conn_close(c, RC_TIMEOUT, "idle timeout");
		return;
	}
	if (c->state == TUN_CLOSING) {
		/* Keeps the code splice_end() gave. */
		conn_close(c, c->code, "the far ends did not close in time "
		    "after the gateway ended the connection");
		return;
	}
	if (c->state == TUN_TLS_ACCEPT) {
		/* Counted for lockout: a source that keeps connecting and
		 * stalling is banned like one that fails. */
		conn_close(c, RC_TLS_TIMEOUT, "TLS handshake timeout");
		return;
	}
	conn_close(c, RC_TIMEOUT,
	    c->state == TUN_REQUESTS ? "no request in time" :
	    c->state == TUN_NODE_CONNECT ? "node connect timeout" :
	    c->state == TUN_ROUTE ? "route timeout" :
	    c->state == TUN_HANDSHAKE ? "distribution handshake timeout" :
	    "timeout");
}

static void
copy_name(char *dst, const char *src)
{
	snprintf(dst, TUNNEL_NAME_MAX, "%.*s", TUNNEL_NAME_MAX - 1, src);
}

/* What the lockout model knows of inbound tunnel T. */
static void
subject(const struct tunnel *t, struct guard_subject *s)
{
	s->ip = t->rip;
	s->identity = t->peer_idx >= 0 ?
	    t->c.gw->cfg->peers[t->peer_idx].identity : NULL;
	s->initiator = t->initiator;
	s->settled = t->c.state == TUN_ESTABLISHED;
}

/* Counts a refusal of an inbound tunnel (lockout; guard.h). */
static void
count_failure(struct tunnel *t, enum reason code)
{
	struct guard_subject s;

	if (t->outbound)
		return;
	subject(t, &s);
	guard_count(t->c.gw, &s, code);
}

/* Whether a ban of KEY closes inbound tunnel C (guard.h). */
static int
under_key(const struct conn *c, const char *key)
{
	const struct tunnel *t = (const struct tunnel *)c;
	struct guard_subject s;

	if (t->outbound)
		return 0;
	subject(t, &s);
	return guard_under(c->gw, &s, key);
}

static void
release(struct conn *c, enum reason code, const char *why)
{
	struct tunnel *t = (struct tunnel *)c;
	struct gateway *gw = c->gw;
	const struct config *cfg = gw->cfg;
	const char *peer = t->peer_idx >= 0 ?
	    cfg->peers[t->peer_idx].name : "-";
	X509 *cert = c->h.ssl ? SSL_get0_peer_certificate(c->h.ssl) : NULL;
	uint64_t ms = clock_ms() - c->start_ms;
	char desc[320];

	if (t->hv != NULL) {
		if (t->initiator[0] == '\0')
			copy_name(t->initiator, t->hv->initiator);
		if (t->acceptor[0] == '\0')
			copy_name(t->acceptor, t->hv->acceptor);
	}
	ident_describe(cert, desc, sizeof(desc));
	gateway_audit(gw, t->quiet, code,
	    "audit conn=%llu dir=%s peer=%s addr=%s %s initiator=%s "
	    "acceptor=%s hidden=%s verdict=%s code=%s reason=\"%s\" "
	    "bytes_out=%llu bytes_in=%llu duration=%llu.%03llus",
	    (unsigned long long)c->id, t->outbound ? "out" : "in", peer,
	    t->raddr, desc, t->initiator[0] ? t->initiator : "-",
	    t->acceptor[0] ? t->acceptor : "-", t->hidden ? "yes" : "no",
	    reason_verdict(code), reason_code(code), why,
	    (unsigned long long)c->bytes_out, (unsigned long long)c->bytes_in,
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	count_failure(t, code);
	if (!t->outbound && c->state == TUN_TLS_ACCEPT && !t->tls_done &&
	    code != RC_SHUTDOWN)
		gateway_tls_result(gw, 0, 0, 0);
	if (t->peer_idx >= 0 && gateway_peer(gw, (size_t)t->peer_idx)) {
		struct peer *p = gateway_peer(gw, (size_t)t->peer_idx);

		p->bytes_out += c->bytes_out;
		p->bytes_in += c->bytes_in;
		p->tunnels_done += c->state == TUN_ESTABLISHED;
	}
	if (t->proved)		/* known good from its end, too */
		guard_proved(gw, cfg->peers[t->peer_idx].identity,
		    t->initiator);
	free(t->hv);
	if (t->link != NULL)
		gwlink_cancel(t->link);
	if (t->query != NULL)
		epmdc_cancel(t->query);
	half_clear(&t->local);
	free(t->up.buf);
	free(t->down.buf);
	free(t->up.hs);
	free(t->down.hs);
	if (t->kick != NULL)
		event_free(t->kick);
	/* While draining, the loop stops once no tunnel is left (drain.h). */
	if (gw->drain_check != NULL)
		event_active(gw->drain_check, EV_TIMEOUT, 0);
}

static const struct conn_ops tunnel_ops = {
	.kind = "conn",
	.states = state_names,
	.nstates = TUN_NSTATES,
	.transition_ok = transition_ok,
	.timeout_ms = timeout_ms,
	.timeout = on_timeout,
	.release = release,
	.under_key = under_key,
};

static int
no_step(struct tunnel *t)
{
	(void)t;
	return 0;
}

static void
kicked(evutil_socket_t fd, short what, void *arg)
{
	tunnel_io(fd, what, arg);
}

static struct tunnel *
tunnel_make(struct gateway *gw, int outbound, int budget, const char *src)
{
	struct tunnel *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (conn_init(&t->c, gw, CONN_KIND_TUNNEL, &tunnel_ops, budget,
	    src) == -1) {
		free(t);
		return NULL;
	}
	t->outbound = outbound != 0;
	t->peer_idx = -1;
	t->bpeer = -1;
	if (src != NULL)
		snprintf(t->rip, sizeof(t->rip), "%s", src);
	t->step = no_step;
	half_init(&t->local);
	t->last_io = (time_t)(t->c.start_ms / 1000);
	snprintf(t->raddr, sizeof(t->raddr), "-");
	snprintf(t->ident, sizeof(t->ident), "-");
	if ((t->kick = event_new(gw->base, -1, 0, kicked, t)) == NULL) {
		conn_close(&t->c, RC_INTERNAL, "out of memory");
		return NULL;
	}
	return t;
}

struct tunnel *
tunnel_new(struct gateway *gw, int outbound)
{
	return tunnel_make(gw, outbound, outbound ? CONN_LOCAL : CONN_REMOTE,
	    NULL);
}

struct tunnel *
tunnel_new_pending(struct gateway *gw, const char *src)
{
	return tunnel_make(gw, 0, CONN_REMOTE, src);
}

struct tunnel *
tunnel_new_inside(struct gateway *gw)
{
	return tunnel_make(gw, 1, CONN_REMOTE, NULL);
}

void
tunnel_io(int fd, short what, void *arg)
{
	struct tunnel *t = arg;
	struct half *h = fd == t->local.fd ? &t->local :
	    fd == t->c.h.fd ? &t->c.h : NULL;

	if (h != NULL && ((what & EV_READ) ||
	    ((what & EV_WRITE) && h->rd_needs_w)))
		h->rd_ready = 1;
	if (t->step(t) == -1)
		conn_close_failed(&t->c);
}

void
tunnel_kick(struct tunnel *t)
{
	event_active(t->kick, EV_TIMEOUT, 0);
}

void
tunnel_resume(struct tunnel *t)
{
	if (t->step(t) == -1)
		conn_close_failed(&t->c);
}

int
tunnel_reserve(struct tunnel *t, struct dir *d, size_t need)
{
	if (d->buf == NULL) {
		d->cap = t->c.gw->cfg->buffer_size;
		if ((d->buf = malloc(d->cap)) == NULL)
			return -1;
		d->off = d->len = 0;
	}
	if (d->len == 0)
		d->off = 0;
	if (d->cap - d->off - d->len >= need)
		return 0;
	if (d->cap - d->len < need)
		return TUNNEL_FULL;
	memmove(d->buf, d->buf + d->off, d->len);
	d->off = 0;
	return 0;
}

int
tunnel_queue(struct tunnel *t, int up, const void *buf, size_t len)
{
	struct dir *d = up ? &t->up : &t->down;

	if (len == 0 || tunnel_reserve(t, d, len) != 0)
		return conn_fail(&t->c, RC_INTERNAL, "reply does not fit");
	memcpy(d->buf + d->off + d->len, buf, len);
	d->len += len;
	return 0;
}

void
tunnel_audit_request(struct tunnel *t, const char *req, const char *node,
    enum reason code, const char *why)
{
	struct gateway *gw = t->c.gw;

	gateway_audit(gw, 0, code, "audit conn=%llu dir=in peer=%s addr=%s req=%s "
	    "node=%s verdict=%s code=%s reason=\"%s\"",
	    (unsigned long long)t->c.id, t->peer_idx >= 0 ?
	    gw->cfg->peers[t->peer_idx].name : "-", t->raddr, req, node,
	    reason_verdict(code), reason_code(code), why);
}

int
tunnel_adopt(struct tunnel *t, struct gwlink *link, int remote)
{
	struct dir *d = remote ? &t->down : &t->up;
	size_t n = 0;

	if (d->hs == NULL && (d->hs = malloc(TUNNEL_HS_CAP)) == NULL) {
		gwlink_cancel(link);
		return conn_fail(&t->c, RC_INTERNAL, "out of memory");
	}
	if (gwlink_handover(link, remote ? &t->c.h : &t->local, t->c.gw->base,
	    tunnel_io, t, d->hs + d->hslen, TUNNEL_HS_CAP - d->hslen,
	    &n) == -1 || (!remote && n != 0))
		return conn_fail(&t->c, RC_INTERNAL, "handover failed");
	d->hslen += n;
	return 0;
}

int
tunnel_refuse(struct tunnel *t, uint8_t type, uint8_t status,
    const char *reason, int then_close, enum reason code)
{
	uint8_t out[GWPROTO_HDR + 1 + GWPROTO_MAX_REASON];

	if (then_close) {
		t->close_after_flush = 1;
		(void)conn_fail(&t->c, code, "refused %s: %s",
		    gw_status_name(status), reason);
	}
	return tunnel_queue(t, 1, out, gw_encode_status(out, sizeof(out),
	    type, status, reason));
}
