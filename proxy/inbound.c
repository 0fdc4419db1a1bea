/* inbound.c — the pinned TLS port's side of the tunnel.  See inbound.h. */
#include "proxy/inbound.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "config/config.h"
#include "crypto/ident.h"
#include "crypto/tls.h"
#include "proxy/bastion.h"
#include "proxy/gateway.h"
#include "proxy/guard.h"
#include "proxy/netutil.h"
#include "proxy/splice.h"
#include "proxy/tunnel.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/lockout.h"
#include "proxy/wire/policy.h"
#include "proxy/wire/registry.h"

#define MAX_REQUEST_BODY	(GWPROTO_MAX_NAME + 1)

static int inbound_step(struct tunnel *t);

/*
 * A connection to the TLS port or a pinned node port.  A banned source is
 * closed at once (before any TLS) unless a peer's certificate came from
 * it recently (guard.h); any other holds one of its address's
 * pending slots (conn_init) until its certificate names a [peer], for at
 * most tls_timeout.
 */
static void
accept_common(int fd, const struct sockaddr *peer, struct gateway *gw,
    const char *direct)
{
	char ip[PENDING_SRC_MAX];
	struct tunnel *t;
	int banned;
	SSL *ssl;

	sa_fmt_ip(peer, ip, sizeof(ip));
	banned = guard_refuse_addr(gw, ip);
	if ((t = banned ? tunnel_new(gw, 0) : tunnel_new_pending(gw, ip)) ==
	    NULL) {
		close(fd);
		return;
	}
	if (direct != NULL) {
		t->direct = 1;
		snprintf(t->target, sizeof(t->target), "%s", direct);
	}
	sa_fmt(peer, t->raddr, sizeof(t->raddr));
	snprintf(t->rip, sizeof(t->rip), "%s", ip);
	if (banned) {
		close(fd);
		conn_close(&t->c, RC_LOCKED_OUT, "source address is locked out");
		return;
	}
	/* The half owns FD (and the SSL) from here on, even on failure. */
	ssl = tls_server_new(gw->srv_ctx, fd, direct != NULL ?
	    gw->cfg->public_min_version : 0);
	if (half_open(&t->c.h, gw->base, fd, ssl, tunnel_io, t) == -1 ||
	    ssl == NULL) {
		conn_close(&t->c, RC_INTERNAL, ssl == NULL ? "TLS setup failed" :
		    "event setup failed");
		return;
	}
	log_debug("conn=%llu accepted from %s%s%s", (unsigned long long)t->c.id,
	    t->raddr, direct ? " for node " : "", direct ? direct : "");
	conn_set_state(&t->c, TUN_TLS_ACCEPT);
	t->step = inbound_step;
	/* The handshake starts with the client's first bytes: until then
	 * OpenSSL has allocated no buffers for it (a silent connection
	 * costs a few kB, not ~47). */
	if (half_want(&t->c.h, 1, 0) == -1)
		conn_close(&t->c, RC_INTERNAL, "event setup failed");
}

void
inbound_accept(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg)
{
	(void)local;
	accept_common(fd, peer, arg, NULL);
}

void
inbound_accept_direct(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, struct gateway *gw, const char *name)
{
	(void)local;
	accept_common(fd, peer, gw, name);
}

/* After the TLS handshake: map the certificate to a [peer]. */
static int
check_identity(struct tunnel *t)
{
	const struct config *cfg = t->c.gw->cfg;
	X509 *cert = SSL_get0_peer_certificate(t->c.h.ssl);
	char key[LOCKOUT_KEY_MAX], why[200], desc[256];

	switch (tls_peer_verify(t->c.h.ssl, why, sizeof(why))) {
	case TLS_PEER_NO_CERT:
		return conn_fail(&t->c, RC_BAD_CERTIFICATE,
		    "no client certificate");
	case TLS_PEER_BAD:
		return conn_fail(&t->c, RC_BAD_CERTIFICATE, "%s", why);
	}
	for (size_t i = 0; i < cfg->npeers; i++) {
		if (!ident_match(cert, cfg->peers[i].identity))
			continue;
		t->peer_idx = (long)i;
		snprintf(t->ident, sizeof(t->ident), "%s",
		    cfg->peers[i].identity);
		snprintf(key, sizeof(key), "id:%s", t->ident);
		if (lockout_banned(t->c.gw->lockout, key, clock_ms()))
			return conn_fail(&t->c, RC_LOCKED_OUT, "identity %s is "
			    "locked out", t->ident);
		log_debug("conn=%llu TLS %s %s peer=%s",
		    (unsigned long long)t->c.id, SSL_get_version(t->c.h.ssl),
		    SSL_get_cipher_name(t->c.h.ssl), cfg->peers[i].name);
		conn_authenticated(&t->c);
		guard_addr_proved(t->c.gw, t->rip);
		return 0;
	}
	ident_describe(cert, desc, sizeof(desc));
	return conn_fail(&t->c, RC_IDENTITY_NOT_ALLOWED,
	    "certificate identity not allowed: %s", desc);
}

/* Returns 1 if T's peer may reach local node ALIVE. */
static int
exposed(const struct tunnel *t, const char *alive)
{
	return policy_exposed(t->c.gw->cfg, (size_t)t->peer_idx, alive);
}

struct names_ctx {
	const struct tunnel *t;
	const char **names;
	size_t n, max;
};

static int
collect_name(const struct reg_node *node, void *arg)
{
	struct names_ctx *nc = arg;

	if (nc->n == nc->max)
		return 1;
	if (exposed(nc->t, node->name))
		nc->names[nc->n++] = node->name;
	return 0;
}

static int
answer_names(struct tunnel *t)
{
	static uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY];
	const char *names[256];
	struct names_ctx nc = { t, names, 0, 256 };
	size_t len;

	registry_foreach(t->c.gw->reg, collect_name, &nc);
	while ((len = gw_encode_names(out, sizeof(out), names, nc.n)) == 0 &&
	    nc.n > 0)
		nc.n--;		/* keep what fits in one reply */
	return tunnel_queue(t, 1, out, len);
}

/* ROUTE: connect to the local node and wait for the connect to finish. */
static int
start_route(struct tunnel *t, const char *name)
{
	const struct reg_node *node = registry_find(t->c.gw->reg, name);
	struct sockaddr_storage sa;
	socklen_t len;
	int fd;

	snprintf(t->target, sizeof(t->target), "%.*s",
	    (int)sizeof(t->target) - 1, name);
	if (!exposed(t, name))
		return tunnel_refuse(t, GW_ROUTE_REPLY, GW_NOT_ALLOWED,
		    "node not exposed to this peer", 1, RC_NODE_NOT_EXPOSED);
	if (node == NULL)
		return tunnel_refuse(t, GW_ROUTE_REPLY, GW_NO_SUCH_NODE,
		    "no such node", 1, RC_NO_SUCH_NODE);
	len = registry_node_addr(node, &sa);
	if ((fd = net_connect((struct sockaddr *)&sa, len)) == -1)
		return tunnel_refuse(t, GW_ROUTE_REPLY, GW_UNREACHABLE,
		    strerror(errno), 1, RC_UNREACHABLE);
	/* The half owns FD from here on, even when half_open() fails. */
	if (half_open(&t->local, t->c.gw->base, fd, NULL, tunnel_io, t) == -1)
		return conn_fail(&t->c, RC_INTERNAL, "event setup failed");
	conn_set_state(&t->c, TUN_NODE_CONNECT);
	return half_want(&t->local, 0, 1) == -1 ?
	    conn_fail(&t->c, RC_INTERNAL, "event setup failed") : 0;
}

/* Handles one whole request.  Returns 0 or -1 with the failure recorded. */
static int
handle_request(struct tunnel *t, const struct gw_msg *m)
{
	char name[GWPROTO_MAX_NAME + 1];
	const struct reg_node *node;
	const char *why = NULL;
	uint8_t out[64];

	if (m->version != GWPROTO_VERSION)
		return tunnel_refuse(t, GW_ERROR, GW_UNSUPPORTED_VERSION,
		    "unsupported protocol version", 1, RC_BAD_REQUEST);
	switch (m->type) {
	case GW_NAMES:
		if (m->body_len == 0)
			return answer_names(t);
		/* A host behind us (bastion): its nodes. */
		if (gw_body_name(m, name, sizeof(name), &why) == -1)
			return tunnel_refuse(t, GW_NAMES_REPLY,
			    GW_BAD_REQUEST, why, 1, RC_BAD_REQUEST);
		return bastion_names(t, name);
	case GW_PING:
		/* An idle client link checks we are alive; answering
		 * restarts our request timer too. */
		if (m->body_len != 0)
			return tunnel_refuse(t, GW_PONG, GW_BAD_REQUEST,
			    "PING takes no body", 1, RC_BAD_REQUEST);
		return tunnel_queue(t, 1, out, gw_encode_status(out,
		    sizeof(out), GW_PONG, GW_OK, NULL));
	case GW_RESOLVE:
	case GW_ROUTE:
		if (gw_body_name(m, name, sizeof(name), &why) == -1)
			return tunnel_refuse(t, m->type | 0x80, GW_BAD_REQUEST,
			    why, 1, RC_BAD_REQUEST);
		if (strchr(name, '@') != NULL)
			return bastion_request(t, m->type, name);
		if (m->type == GW_ROUTE)
			return start_route(t, name);
		if (!exposed(t, name)) {
			/* Answered as "no such node": what is not exposed
			 * does not exist for this peer. */
			tunnel_audit_request(t, "resolve", name,
			    RC_NODE_NOT_EXPOSED, "node not exposed to this peer");
			return tunnel_refuse(t, GW_RESOLVE_REPLY,
			    GW_NO_SUCH_NODE, "no such node", 0, RC_NO_SUCH_NODE);
		}
		if ((node = registry_find(t->c.gw->reg, name)) == NULL) {
			tunnel_audit_request(t, "resolve", name, RC_NO_SUCH_NODE,
			    "no such node");
			return tunnel_refuse(t, GW_RESOLVE_REPLY,
			    GW_NO_SUCH_NODE, "no such node", 0, RC_NO_SUCH_NODE);
		}
		log_debug("conn=%llu resolve %s: found",
		    (unsigned long long)t->c.id, name);
		return tunnel_queue(t, 1, out, gw_encode_resolve_ok(out,
		    sizeof(out), node->high, node->low, node->node_type));
	default:
		return tunnel_refuse(t, GW_ERROR, GW_BAD_REQUEST,
		    "unknown request type", 1, RC_BAD_REQUEST);
	}
}

static int
read_requests(struct tunnel *t)
{
	struct dir *d = &t->down;	/* requests arrive from the remote */
	struct gw_msg m;
	const char *why = NULL;
	ssize_t n;

	if (d->hs == NULL && (d->hs = malloc(TUNNEL_HS_CAP)) == NULL)
		return conn_fail(&t->c, RC_INTERNAL, "out of memory");
	for (;;) {
		if (t->close_after_flush || t->waiting ||
		    t->c.state != TUN_REQUESTS)
			return 0;
		switch (gw_parse(d->hs, d->hslen, &m, &why)) {
		case GW_PARSE_BAD:
			(void)tunnel_refuse(t, GW_ERROR, GW_BAD_REQUEST, why,
			    1, RC_BAD_REQUEST);
			return conn_fail(&t->c, RC_BAD_REQUEST,
			    "bad gateway request: %s", why);
		case GW_PARSE_DONE:
			if (handle_request(t, &m) == -1)
				return -1;
			memmove(d->hs, d->hs + m.consumed, d->hslen -
			    m.consumed);
			d->hslen -= m.consumed;
			if (t->c.state == TUN_REQUESTS)
				conn_rearm(&t->c);	/* idle timer restarts */
			continue;
		case GW_PARSE_NEED_MORE:
			if (gw_announced_body(d->hs, d->hslen) >
			    MAX_REQUEST_BODY) {
				(void)tunnel_refuse(t, GW_ERROR,
				    GW_BAD_REQUEST, "request too long", 1,
				    RC_BAD_REQUEST);
				return conn_fail(&t->c, RC_BAD_REQUEST,
				    "request too long");
			}
			break;
		}
		n = half_read(&t->c.h, d->hs + d->hslen,
		    TUNNEL_HS_CAP - d->hslen);
		if (n == HALF_AGAIN)
			return 0;
		if (n == HALF_ERR)
			return conn_fail(&t->c, conn_io_reason(&t->c.h),
			    "remote read: %s", t->c.h.err);
		if (n == 0) {
			t->quiet = d->hslen == 0;	/* idle link ended */
			return conn_fail(&t->c, d->hslen ? RC_BAD_REQUEST : RC_OK,
			    d->hslen ? "peer closed mid-request" :
			    "peer closed");
		}
		d->hslen += (size_t)n;
		t->c.bytes_in += (uint64_t)n;
	}
}

/* TUN_REQUESTS: read and answer requests, flush the replies. */
static int
requests_step(struct tunnel *t)
{
	if (read_requests(t) == -1 && !t->close_after_flush)
		return -1;
	if (t->c.state == TUN_NODE_CONNECT)
		return 0;
	if (splice_flush_up(t) == -1)
		return -1;
	if (t->close_after_flush)
		return t->up.len == 0 ? -1 : 0;	/* reply sent: close */
	/* While a bastion lookup waits, requests are not read: asking for
	 * readability then would wake us at once, again and again. */
	return half_want(&t->c.h, !t->waiting, t->up.len > 0) == -1 ?
	    conn_fail(&t->c, RC_INTERNAL, "event setup failed") : 0;
}

/* TUN_NODE_CONNECT: the node's port answered (or refused). */
static int
node_connected(struct tunnel *t)
{
	uint8_t out[GWPROTO_HDR + 1];
	int r;

	if ((r = net_connect_result(t->local.fd)) != 0) {
		half_clear(&t->local);
		if (t->direct)	/* a native node: no reply to send */
			return conn_fail(&t->c, RC_UNREACHABLE,
			    "node connect: %s", strerror(r));
		conn_set_state(&t->c, TUN_REQUESTS);	/* to flush the reply */
		if (tunnel_refuse(t, GW_ROUTE_REPLY, GW_UNREACHABLE,
		    strerror(r), 1, RC_UNREACHABLE) == -1)
			return -1;
		return requests_step(t);
	}
	if (!t->direct && tunnel_queue(t, 1, out, gw_encode_status(out,
	    sizeof(out), GW_ROUTE_REPLY, GW_OK, NULL)) == -1)
		return -1;
	log_info("conn=%llu route peer=%s node=%s", (unsigned long long)t->c.id,
	    t->c.gw->cfg->peers[t->peer_idx].name, t->target);
	return splice_start(t, 0);
}

/* The step of an inbound tunnel in TUN_TLS_ACCEPT, TUN_REQUESTS or
 * TUN_NODE_CONNECT. */
static int
inbound_step(struct tunnel *t)
{
	const char *v;
	int r;

	switch (t->c.state) {
	case TUN_TLS_ACCEPT:
		r = half_handshake(&t->c.h);
		if (r == HALF_AGAIN)
			return half_want(&t->c.h, 0, 0) == -1 ?
			    conn_fail(&t->c, RC_INTERNAL,
			    "event setup failed") : 0;
		if (r == HALF_ERR) {
			if ((v = tls_verify_failure(t->c.h.ssl)) != NULL)
				return conn_fail(&t->c, RC_BAD_CERTIFICATE,
				    "certificate verify failed: %s", v);
			if (tls_error_no_cert(t->c.h.sslerr))
				return conn_fail(&t->c, RC_BAD_CERTIFICATE,
				    "no client certificate");
			return conn_fail(&t->c, RC_TLS_FAILED,
			    "TLS handshake failed: %s", t->c.h.err);
		}
		t->tls_done = 1;
		gateway_tls_result(t->c.gw, 0, 1, t->c.start_ms);
		if (check_identity(t) == -1)
			return -1;
		conn_set_state(&t->c, TUN_REQUESTS);
		if (t->direct) {
			/* A native node: no request, straight to the node
			 * (a bastion's inside node: by bastion routing). */
			char name[TUNNEL_NAME_MAX];
			snprintf(name, sizeof(name), "%s", t->target);
			if ((strchr(name, '@') != NULL ?
			    bastion_request(t, GW_ROUTE, name) :
			    start_route(t, name)) == -1)
				return -1;
			if (t->close_after_flush)
				return -1;	/* refused: nothing to reply */
			return 0;
		}
		return requests_step(t);
	case TUN_REQUESTS:
		return requests_step(t);
	case TUN_NODE_CONNECT:
		return node_connected(t);
	default:
		return 0;
	}
}
