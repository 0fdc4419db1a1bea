/* inbound.c — the pinned TLS port's side of the tunnel.  See inbound.h. */
#include "proxy/inbound.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config/config.h"
#include "crypto/ident.h"
#include "proxy/conn.h"
#include "proxy/epmd.h"
#include "proxy/epmdc.h"
#include "proxy/gwlink.h"
#include "proxy/peer.h"
#include "proxy/gateway.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/lockout.h"
#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/registry.h"
#include "proxy/splice.h"

#define MAX_REQUEST_BODY	(GWPROTO_MAX_NAME + 1)

static void
accept_common(int fd, const struct sockaddr *peer, struct gateway *gw,
    const char *direct)
{
	struct conn *c;
	SSL *ssl;

	if ((c = conn_new(gw, 0)) == NULL) {
		close(fd);
		return;
	}
	if (direct != NULL) {
		c->direct = 1;
		snprintf(c->target, sizeof(c->target), "%s", direct);
	}
	sa_fmt(peer, c->raddr, sizeof(c->raddr));
	sa_fmt_ip(peer, c->rip, sizeof(c->rip));
	if ((ssl = SSL_new(gw->srv_ctx)) == NULL ||
	    SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		close(fd);
		conn_close(c, "internal", "TLS setup failed");
		return;
	}
	SSL_set_accept_state(ssl);
	if (direct != NULL)
		(void)SSL_set_min_proto_version(ssl,
		    gw->cfg->public_min_version);
	if (half_open(&c->remote, gw->base, fd, ssl, conn_io, c) == -1) {
		conn_close(c, "internal", "event setup failed");
		return;
	}
	{
		char key[LOCKOUT_KEY_MAX];
		snprintf(key, sizeof(key), "addr:%s", c->rip);
		if (lockout_banned(gw->lockout, key, gateway_now_ms())) {
			conn_close(c, "locked_out", "source address is "
			    "locked out");
			return;
		}
	}
	log_debug("conn=%llu accepted from %s%s%s", (unsigned long long)c->id,
	    c->raddr, direct ? " for node " : "", direct ? direct : "");
	conn_set_state(c, CONN_TLS_ACCEPT);
	conn_io(fd, 0, c);
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
check_identity(struct conn *c)
{
	const struct config *cfg = c->gw->cfg;
	X509 *cert = SSL_get0_peer_certificate(c->remote.ssl);
	char desc[256];

	if (cert == NULL)
		return conn_fail(c, "bad_certificate", "no client certificate");
	if (SSL_get_verify_result(c->remote.ssl) != X509_V_OK)
		return conn_fail(c, "bad_certificate",
		    "certificate verify failed: %s",
		    X509_verify_cert_error_string(
		    SSL_get_verify_result(c->remote.ssl)));
	for (size_t i = 0; i < cfg->npeers; i++) {
		if (ident_match(cert, cfg->peers[i].identity)) {
			c->peer_idx = (long)i;
			snprintf(c->ident, sizeof(c->ident), "%s",
			    cfg->peers[i].identity);
			char key[LOCKOUT_KEY_MAX];
			snprintf(key, sizeof(key), "id:%s", c->ident);
			if (lockout_banned(c->gw->lockout, key,
			    gateway_now_ms()))
				return conn_fail(c, "locked_out", "identity "
				    "%s is locked out", c->ident);
			log_debug("conn=%llu TLS %s %s peer=%s",
			    (unsigned long long)c->id,
			    SSL_get_version(c->remote.ssl),
			    SSL_get_cipher_name(c->remote.ssl),
			    cfg->peers[i].name);
			return 0;
		}
	}
	ident_describe(cert, desc, sizeof(desc));
	return conn_fail(c, "identity_not_allowed",
	    "certificate identity not allowed: %s", desc);
}

/* Queues a reply for the peer; the pump flushes it. */
static int
reply(struct conn *c, const uint8_t *buf, size_t len)
{
	if (len == 0 || splice_queue(c, 1, buf, len) == -1)
		return conn_fail(c, "internal", "reply does not fit");
	return 0;
}

/* Queues an error reply; with THEN_CLOSE the conn ends with CODE once it
 * is sent. */
static int
reply_status(struct conn *c, uint8_t type, uint8_t status,
    const char *reason, int then_close, const char *code)
{
	uint8_t out[GWPROTO_HDR + 1 + GWPROTO_MAX_REASON];

	if (then_close) {
		c->close_after_flush = 1;
		conn_fail(c, code, "refused %s: %s", gw_status_name(status),
		    reason);
	}
	return reply(c, out, gw_encode_status(out, sizeof(out), type, status,
	    reason));
}

struct names_ctx {
	const struct conn *c;
	const char **names;
	size_t n, max;
};

/* Returns 1 if peers of C may reach local node ALIVE (expose and the
 * peer's local_nodes patterns). */
static int
exposed(const struct conn *c, const char *alive)
{
	const struct config *cfg = c->gw->cfg;
	const struct config_peer *p = &cfg->peers[c->peer_idx];
	char *const *pat = p->nlocal_nodes ? p->local_nodes : cfg->expose;
	size_t n = p->nlocal_nodes ? p->nlocal_nodes : cfg->nexpose;

	for (size_t i = 0; i < n; i++)
		if (fnmatch(pat[i], alive, 0) == 0)
			return 1;
	return 0;
}

static int
collect_name(const struct reg_node *node, void *arg)
{
	struct names_ctx *nc = arg;

	if (nc->n == nc->max)
		return 1;
	if (exposed(nc->c, node->name))
		nc->names[nc->n++] = node->name;
	return 0;
}

static int
answer_names(struct conn *c)
{
	static uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY];
	const char *names[256];
	struct names_ctx nc = { c, names, 0, 256 };
	size_t len;

	registry_foreach(c->gw->reg, collect_name, &nc);
	while ((len = gw_encode_names(out, sizeof(out), names, nc.n)) == 0 &&
	    nc.n > 0)
		nc.n--;		/* keep what fits in one reply */
	return reply(c, out, len);
}

/* ROUTE: connect to the local node and wait for the connect to finish. */
static int
start_route(struct conn *c, const char *name)
{
	const struct reg_node *node = registry_find(c->gw->reg, name);
	struct sockaddr_storage sa;
	socklen_t len;
	int fd;

	snprintf(c->target, sizeof(c->target), "%.*s",
	    (int)sizeof(c->target) - 1, name);
	if (!exposed(c, name))
		return reply_status(c, GW_ROUTE_REPLY, GW_NOT_ALLOWED,
		    "node not exposed to this peer", 1, "node_not_exposed");
	if (node == NULL)
		return reply_status(c, GW_ROUTE_REPLY, GW_NO_SUCH_NODE,
		    "no such node", 1, "no_such_node");
	len = epmd_node_addr(node, &sa);
	if ((fd = net_connect((struct sockaddr *)&sa, len)) == -1)
		return reply_status(c, GW_ROUTE_REPLY, GW_UNREACHABLE,
		    strerror(errno), 1, "unreachable");
	if (half_open(&c->local, c->gw->base, fd, NULL, conn_io, c) == -1) {
		close(fd);
		return conn_fail(c, "internal", "event setup failed");
	}
	conn_set_state(c, CONN_NODE_CONNECT);
	return half_want(&c->local, 0, 1) == -1 ?
	    conn_fail(c, "internal", "event setup failed") : 0;
}

/* ---- bastion routing: full node names to hosts this peer may reach ---- */

static int requests_step(struct conn *c);

/* Delivers what a bastion lookup left: closes C if that fails. */
static void
bastion_resume(struct conn *c)
{
	c->waiting = 0;
	if (c->state == CONN_REQUESTS && requests_step(c) == -1)
		conn_close(c, c->code ? c->code : "internal", c->why);
}

static void
bastion_link(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct conn *c = arg;
	struct gw_reply r;
	const char *why = NULL;
	uint8_t out[64];
	size_t n;

	c->link = NULL;
	if (c->btype == GW_RESOLVE) {
		if (status == GW_OK && gw_decode_reply(msg, &r, &why) == 0)
			(void)reply(c, out, gw_encode_resolve_ok(out,
			    sizeof(out), r.high, r.low, r.node_type));
		else
			(void)reply_status(c, GW_RESOLVE_REPLY, GW_NO_SUCH_NODE,
			    "no such node", 0, NULL);
		bastion_resume(c);
		return;
	}
	if (status != GW_OK) {
		(void)reply_status(c, GW_ROUTE_REPLY, status == -1 ?
		    GW_UNREACHABLE : (uint8_t)status, reason ? reason :
		    "refused inside", 1, status == -1 ? "link_failed" :
		    "route_refused");
		bastion_resume(c);
		return;
	}
	if (c->down.hs == NULL && (c->down.hs = malloc(CONN_HS_CAP)) == NULL) {
		gwlink_cancel(link);
		conn_close(c, "internal", "out of memory");
		return;
	}
	/* The inside leg is TLS too; nothing can follow a ROUTE reply from
	 * an inside gateway before we speak, so leftovers are refused. */
	if (gwlink_handover(link, &c->local, c->gw->base, conn_io, c, out,
	    sizeof(out), &n) == -1 || n != 0) {
		conn_close(c, "internal", "handover failed");
		return;
	}
	if (reply(c, out, gw_encode_status(out, sizeof(out), GW_ROUTE_REPLY,
	    GW_OK, NULL)) == -1 || splice_start(c, 0) == -1) {
		conn_close(c, c->code ? c->code : "internal", c->why);
		return;
	}
	log_info("conn=%llu bastion route peer=%s node=%s via=%s",
	    (unsigned long long)c->id, c->gw->cfg->peers[c->peer_idx].name,
	    c->target, c->gw->cfg->peers[c->bpeer].name);
}

static void
bastion_epmd(void *arg, uint16_t port, uint8_t type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct conn *c = arg;
	const struct config_peer *t = &c->gw->cfg->peers[c->bpeer];
	struct sockaddr_storage ss = t->addr.ss;
	uint8_t out[64];
	int fd;

	(void)text;
	(void)len;
	c->query = NULL;
	if (c->btype == GW_RESOLVE) {
		if (port != 0)
			(void)reply(c, out, gw_encode_resolve_ok(out,
			    sizeof(out), high, low, type));
		else
			(void)reply_status(c, GW_RESOLVE_REPLY, GW_NO_SUCH_NODE,
			    "no such node", 0, NULL);
		bastion_resume(c);
		return;
	}
	if (port == 0) {
		(void)reply_status(c, GW_ROUTE_REPLY, GW_NO_SUCH_NODE,
		    reason ? reason : "no such node", 1, "no_such_node");
		bastion_resume(c);
		return;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	if (t->kind == PEER_KIND_NATIVE) {
		c->link = gwlink_direct(gateway_peer(c->gw, (size_t)c->bpeer),
		    (struct sockaddr *)&ss, t->addr.len, bastion_link, c);
		if (c->link == NULL) {
			(void)reply_status(c, GW_ROUTE_REPLY, GW_UNREACHABLE,
			    "cannot reach the node", 1, "unreachable");
			bastion_resume(c);
		}
		return;
	}
	/* A plain inside host: TCP to the node, as the node's own peers do. */
	if ((fd = net_connect((struct sockaddr *)&ss, t->addr.len)) == -1 ||
	    half_open(&c->local, c->gw->base, fd, NULL, conn_io, c) == -1) {
		if (fd != -1 && c->local.fd == -1)
			close(fd);
		(void)reply_status(c, GW_ROUTE_REPLY, GW_UNREACHABLE,
		    strerror(errno), 1, "unreachable");
		bastion_resume(c);
		return;
	}
	c->waiting = 0;
	conn_set_state(c, CONN_NODE_CONNECT);
	if (half_want(&c->local, 0, 1) == -1)
		conn_close(c, "internal", "event setup failed");
}

/*
 * A RESOLVE or ROUTE for ALIVE@HOST: allowed only towards the hosts this
 * peer's `reach` names; answered through that host's gateway or epmd.
 */
static int
bastion_request(struct conn *c, uint8_t type, const char *full)
{
	const struct config *cfg = c->gw->cfg;
	const struct config_peer *src = &cfg->peers[c->peer_idx];
	const char *at = strchr(full, '@');
	char alive[GWPROTO_MAX_NAME + 1];
	long t = -1;

	snprintf(alive, sizeof(alive), "%.*s", (int)(at - full), full);
	for (size_t i = 0; i < src->nreach && t < 0; i++) {
		for (size_t j = 0; j < cfg->npeers && t < 0; j++) {
			if (strcmp(cfg->peers[j].name, src->reach[i]) != 0)
				continue;
			for (size_t k = 0; k < cfg->peers[j].nhostnames; k++)
				if (strcasecmp(cfg->peers[j].hostnames[k],
				    at + 1) == 0)
					t = (long)j;
		}
	}
	if (type == GW_ROUTE)
		snprintf(c->target, sizeof(c->target), "%.*s",
		    (int)sizeof(c->target) - 1, full);
	if (t < 0 || alive[0] == '\0') {
		log_info("conn=%llu %s %s refused: no route to that host for "
		    "peer %s (node_not_exposed)", (unsigned long long)c->id,
		    type == GW_ROUTE ? "route" : "resolve", full, src->name);
		return reply_status(c, type | 0x80, type == GW_ROUTE ?
		    GW_NOT_ALLOWED : GW_NO_SUCH_NODE, "no route to that host "
		    "for this peer", type == GW_ROUTE, "node_not_exposed");
	}
	const struct config_peer *tp = &cfg->peers[t];
	c->btype = type;
	c->bpeer = t;
	c->waiting = 1;
	if (tp->kind == PEER_KIND_GATEWAY)
		c->link = gwlink_request(gateway_peer(c->gw, (size_t)t), type,
		    alive, bastion_link, c);
	else
		c->query = epmdc_port_please(c->gw->base,
		    (const struct sockaddr *)&tp->addr.ss, tp->addr.len, alive,
		    cfg->resolve_timeout_ms, bastion_epmd, c);
	if (c->link != NULL || c->query != NULL)
		return 0;
	c->waiting = 0;
	return reply_status(c, type | 0x80, GW_UNREACHABLE, "inside host "
	    "unreachable", type == GW_ROUTE, "unreachable");
}

/* Handles one whole request.  Returns 0 or -1 with c->why. */
static int
handle_request(struct conn *c, const struct gw_msg *m)
{
	char name[GWPROTO_MAX_NAME + 1];
	const char *why = NULL;
	uint8_t out[64];

	if (m->version != GWPROTO_VERSION)
		return reply_status(c, GW_ERROR, GW_UNSUPPORTED_VERSION,
		    "unsupported protocol version", 1, "bad_request");
	switch (m->type) {
	case GW_NAMES:
		if (m->body_len != 0)
			return reply_status(c, GW_NAMES_REPLY, GW_BAD_REQUEST,
			    "NAMES takes no body", 1, "bad_request");
		return answer_names(c);
	case GW_RESOLVE:
	case GW_ROUTE:
		if (gw_body_name(m, name, sizeof(name), &why) == -1)
			return reply_status(c, m->type | 0x80, GW_BAD_REQUEST,
			    why, 1, "bad_request");
		if (strchr(name, '@') != NULL)
			return bastion_request(c, m->type, name);
		if (m->type == GW_ROUTE)
			return start_route(c, name);
		const struct reg_node *node = exposed(c, name) ?
		    registry_find(c->gw->reg, name) : NULL;
		log_debug("conn=%llu resolve %s: %s", (unsigned long long)c->id,
		    name, node ? "found" : "no such node");
		if (node == NULL)
			return reply_status(c, GW_RESOLVE_REPLY,
			    GW_NO_SUCH_NODE, "no such node", 0, NULL);
		return reply(c, out, gw_encode_resolve_ok(out, sizeof(out),
		    node->high, node->low, node->node_type));
	default:
		return reply_status(c, GW_ERROR, GW_BAD_REQUEST,
		    "unknown request type", 1, "bad_request");
	}
}

static int
read_requests(struct conn *c)
{
	struct dir *d = &c->down;	/* requests arrive from the remote */
	struct gw_msg m;
	const char *why = NULL;
	ssize_t n;

	if (d->hs == NULL && (d->hs = malloc(CONN_HS_CAP)) == NULL)
		return conn_fail(c, "internal", "out of memory");
	for (;;) {
		if (c->close_after_flush || c->waiting ||
		    c->state != CONN_REQUESTS)
			return 0;
		switch (gw_parse(d->hs, d->hslen, &m, &why)) {
		case GW_PARSE_BAD:
			(void)reply_status(c, GW_ERROR, GW_BAD_REQUEST, why, 1,
			    "bad_request");
			return conn_fail(c, "bad_request",
			    "bad gateway request: %s", why);
		case GW_PARSE_DONE:
			if (handle_request(c, &m) == -1)
				return -1;
			memmove(d->hs, d->hs + m.consumed, d->hslen -
			    m.consumed);
			d->hslen -= m.consumed;
			if (c->state == CONN_REQUESTS)
				conn_rearm(c);	/* idle timer restarts */
			continue;
		case GW_PARSE_NEED_MORE:
			if (d->hslen >= GWPROTO_HDR &&
			    ((size_t)d->hs[4] << 8 | d->hs[5]) >
			    MAX_REQUEST_BODY) {
				(void)reply_status(c, GW_ERROR, GW_BAD_REQUEST,
				    "request too long", 1, "bad_request");
				return conn_fail(c, "bad_request",
				    "request too long");
			}
			break;
		}
		n = half_read(&c->remote, d->hs + d->hslen,
		    CONN_HS_CAP - d->hslen);
		if (n == HALF_AGAIN)
			return 0;
		if (n == HALF_ERR)
			return conn_fail(c, "io_error", "remote read: %s",
			    c->remote.err);
		if (n == 0) {
			c->quiet = d->hslen == 0;	/* idle link ended */
			return conn_fail(c, d->hslen ? "bad_request" : "ok",
			    d->hslen ? "peer closed mid-request" :
			    "peer closed");
		}
		d->hslen += (size_t)n;
	}
}

/* CONN_REQUESTS: read and answer requests, flush the replies. */
static int
requests_step(struct conn *c)
{
	if (read_requests(c) == -1 && !c->close_after_flush)
		return -1;
	if (c->state == CONN_NODE_CONNECT)
		return 0;
	if (splice_flush_up(c) == -1)
		return -1;
	if (c->close_after_flush)
		return c->up.len == 0 ? -1 : 0;	/* reply sent: close */
	return half_want(&c->remote, 1, c->up.len > 0) == -1 ?
	    conn_fail(c, "internal", "event setup failed") : 0;
}

/* CONN_NODE_CONNECT: the node's port answered (or refused). */
static int
node_connected(struct conn *c)
{
	uint8_t out[GWPROTO_HDR + 1];
	int r;

	if ((r = net_connect_result(c->local.fd)) != 0) {
		half_clear(&c->local);
		c->state = CONN_REQUESTS;	/* only to flush the reply */
		if (reply_status(c, GW_ROUTE_REPLY, GW_UNREACHABLE,
		    strerror(r), 1, "unreachable") == -1)
			return -1;
		return requests_step(c);
	}
	if (!c->direct && reply(c, out, gw_encode_status(out, sizeof(out),
	    GW_ROUTE_REPLY, GW_OK, NULL)) == -1)
		return -1;
	log_info("conn=%llu route peer=%s node=%s", (unsigned long long)c->id,
	    c->gw->cfg->peers[c->peer_idx].name, c->target);
	return splice_start(c, 0);
}

int
inbound_step(struct conn *c)
{
	int r;

	switch (c->state) {
	case CONN_TLS_ACCEPT:
		r = half_handshake(&c->remote);
		if (r == HALF_AGAIN)
			return half_want(&c->remote, 0, 0) == -1 ?
			    conn_fail(c, "internal", "event setup failed") : 0;
		if (r == HALF_ERR) {
			long v = SSL_get_verify_result(c->remote.ssl);
			if (v != X509_V_OK)
				return conn_fail(c, "bad_certificate",
				    "certificate verify failed: %s",
				    X509_verify_cert_error_string(v));
			return conn_fail(c, "tls_failed",
			    "TLS handshake failed: %s", c->remote.err);
		}
		if (check_identity(c) == -1)
			return -1;
		conn_set_state(c, CONN_REQUESTS);
		if (c->direct) {
			/* A native node: no request, straight to the node. */
			char name[CONN_NAME_MAX];
			snprintf(name, sizeof(name), "%s", c->target);
			if (start_route(c, name) == -1)
				return -1;
			if (c->close_after_flush)
				return -1;	/* refused: nothing to reply */
			return 0;
		}
		return requests_step(c);
	case CONN_REQUESTS:
		return requests_step(c);
	case CONN_NODE_CONNECT:
		return node_connected(c);
	default:
		return 0;
	}
}
