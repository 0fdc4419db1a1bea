/* outbound.c — a local node dials a remote one: alias EPMD lookup, route,
 * splice.  See outbound.h. */
#include "proxy/outbound.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "proxy/epmd.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/listener.h"
#include "proxy/netutil.h"
#include "proxy/peer.h"
#include "proxy/splice.h"
#include "proxy/tunnel.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/epmd_proto.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/policy.h"

static void
alias_sockaddr(const struct peer *p, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr = p->cfg->alias;
	sa_set_port((struct sockaddr *)sin, port);
}

/* ---- step 3: the node dials the alias port; route, then splice ---- */

/* The code a failed link reports to its requester. */
static enum reason
link_code(const struct gwlink *link)
{
	enum reason code = gwlink_code(link);

	return code == RC_OK || code == RC_SHUTDOWN ? RC_LINK_FAILED : code;
}

/* ROUTE answered: on success the link becomes the tunnel's TLS half. */
static void
route_reply(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct tunnel *t = arg;

	(void)msg;
	t->link = NULL;
	if (status != GW_OK) {
		char why[300];
		snprintf(why, sizeof(why), "route refused: %s%s%s",
		    status == -1 ? "link failed" : gw_status_name(status),
		    reason && *reason ? ": " : "", reason ? reason : "");
		/* A link that failed says how (bad_certificate, ...). */
		conn_close(&t->c, status != -1 ? RC_ROUTE_REFUSED :
		    link_code(link), why);
		return;
	}
	if (tunnel_adopt(t, link, 1) == -1) {
		conn_close_failed(&t->c);
		return;
	}
	log_info("conn=%llu route peer=%s node=%s",
	    (unsigned long long)t->c.id,
	    t->c.gw->cfg->peers[t->peer_idx].name, t->target);
	if (splice_start(t, 1) == -1)
		conn_close_failed(&t->c);
}

/* A node dialled port FD of remote node PN: tunnel T (new) routes it. */
static void
dial(struct tunnel *t, struct peer_node *pn, int fd)
{
	struct peer *p = pn->peer;

	t->peer_idx = (long)p->idx;
	snprintf(t->raddr, sizeof(t->raddr), "%s", p->cfg->address);
	snprintf(t->ident, sizeof(t->ident), "%s", p->cfg->identity);
	snprintf(t->target, sizeof(t->target), "%s", pn->name);
	if (half_open(&t->local, p->gw->base, fd, NULL, tunnel_io, t) == -1) {
		conn_close(&t->c, RC_INTERNAL, "event setup failed");
		return;
	}
	conn_set_state(&t->c, TUN_ROUTE);
	if (p->cfg->kind == PEER_KIND_NATIVE) {
		/* A native inet_tls_dist node: TLS straight to its port. */
		struct sockaddr_storage ss = p->cfg->addr.ss;
		sa_set_port((struct sockaddr *)&ss, pn->remote_port);
		sa_fmt((struct sockaddr *)&ss, t->raddr, sizeof(t->raddr));
		t->link = gwlink_direct(p, (struct sockaddr *)&ss,
		    p->cfg->addr.len, route_reply, t);
	} else {
		char rname[GWPROTO_MAX_NAME + 1];
		peer_request_name(p, pn->name, rname, sizeof(rname));
		t->link = gwlink_request(p, GW_ROUTE, rname, route_reply, t);
	}
	if (t->link == NULL)
		conn_close(&t->c, RC_LINK_FAILED, "no link to peer");
}

/* A local node dialled the alias port of a remote node. */
static void
node_accept(int fd, const struct sockaddr *sa, const struct sockaddr *local,
    void *arg)
{
	struct peer_node *pn = arg;
	struct tunnel *t;

	(void)sa;
	(void)local;
	if ((t = tunnel_new(pn->peer->gw, 1)) == NULL) {
		close(fd);
		return;
	}
	dial(t, pn, fd);
}

/* An inside host's node dialled a remote node's port on the peer's
 * inside alias (a bastion): only the hosts whose reach lists the peer. */
static void
inside_node_accept(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	struct peer_node *pn = arg;
	struct peer *p = pn->peer;
	struct tunnel *t;
	long src = policy_inside_source(p->gw->cfg, p->idx, sa);

	(void)local;
	if ((t = tunnel_new_inside(p->gw)) == NULL) {
		close(fd);
		return;
	}
	if (src < 0) {
		char a[64];
		close(fd);
		t->peer_idx = (long)p->idx;
		snprintf(t->target, sizeof(t->target), "%s", pn->name);
		sa_fmt(sa, a, sizeof(a));
		conn_close(&t->c, RC_NODE_NOT_EXPOSED, src == -1 ?
		    "source is no inside host whose reach lists this peer" :
		    "refused");
		log_warnx("peer=%s inside alias: connection from %s refused "
		    "(no kind plain [peer] there has %s in reach)",
		    p->cfg->name, a, p->cfg->name);
		return;
	}
	/* A leg between hosts: watched for a dead peer. */
	if (net_dead_peer(fd, p->gw->cfg->dead_peer_timeout_ms) == -1)
		log_warn("conn=%llu keepalive options",
		    (unsigned long long)t->c.id);
	dial(t, pn, fd);
}

/* Opens PN's port on the peer's inside alias.  Returns 0 or -1 (logged). */
static int
inside_port(struct peer_node *pn)
{
	struct peer *p = pn->peer;
	struct config_sockaddr sa = p->cfg->inside_alias;
	char err[256], a[64];

	if (pn->il != NULL)
		return 0;
	if (p->gw->draining)
		return -1;
	sa_set_port((struct sockaddr *)&sa.ss, 0);
	pn->il = listener_new(p->gw->base, (struct sockaddr *)&sa.ss, sa.len,
	    "inside-node", inside_node_accept, pn, err, sizeof(err));
	if (pn->il == NULL) {
		log_warnx("peer=%s node=%s inside alias: %s", p->cfg->name,
		    pn->name, err);
		return -1;
	}
	pn->iport = listener_port(pn->il);
	sa_fmt_ip((struct sockaddr *)&sa.ss, a, sizeof(a));
	log_info("peer=%s node=%s listening on inside alias %s port %u",
	    p->cfg->name, pn->name, a, pn->iport);
	return 0;
}

int
outbound_node_port(struct peer *p, const char *name, uint16_t remote_port,
    int inside, uint16_t *port)
{
	struct sockaddr_in sin;
	struct peer_node *pn;
	char err[256];

	if ((pn = peer_node_find(p, name)) == NULL) {
		if (p->gw->draining) {
			log_info("peer=%s node=%s: no alias port while "
			    "draining", p->cfg->name, name);
			return -1;
		}
		if ((pn = peer_node_add(p, name, remote_port)) == NULL)
			return -1;
		alias_sockaddr(p, 0, &sin);
		pn->l = listener_new(p->gw->base, (struct sockaddr *)&sin,
		    sizeof(sin), "node", node_accept, pn, err, sizeof(err));
		if (pn->l == NULL) {
			log_warnx("peer=%s node=%s: %s", p->cfg->name, name,
			    err);
			peer_node_drop(p, pn);
			return -1;
		}
		pn->port = listener_port(pn->l);
		log_info("peer=%s node=%s listening on %s:%u", p->cfg->name,
		    name, inet_ntoa(p->cfg->alias), pn->port);
	} else if (remote_port != 0)
		pn->remote_port = remote_port;
	if (inside && inside_port(pn) == -1)
		return -1;
	*port = inside ? pn->iport : pn->port;
	return 0;
}

/* ---- steps 1 and 2: the alias EPMD asks the peer ---- */

/* The peer gateway answered a RESOLVE or NAMES for an alias client. */
static void
alias_names_one(const char *name, void *arg)
{
	struct epmd_conn *e = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	uint16_t port;

	if (outbound_node_port(e->arg, name, 0, e->inside, &port) == 0)
		(void)epmd_put(e, line, epmd_names_line(line, sizeof(line),
		    name, port));
}

static void
alias_reply(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct epmd_conn *e = arg;
	struct peer *p = e->arg;
	uint8_t out[EPMD_MAX_NAME + 32];
	const char *why = NULL;
	uint16_t port;

	(void)link;
	e->link = NULL;
	if (e->name[0] == '\0') {		/* NAMES */
		epmd_put_names_header(e, e->c.gw->cfg->epmd_port);
		if (status == GW_OK &&
		    gw_decode_names(msg, alias_names_one, e, &why) == -1)
			log_warnx("epmd=%llu peer=%s bad names reply: %s",
			    (unsigned long long)e->c.id, p->cfg->name, why);
		epmd_finish(e);
		return;
	}
	if (status == GW_OK) {
		struct gw_reply r;
		(void)gw_decode_reply(msg, &r, &why);
		if (outbound_node_port(p, e->name, 0, e->inside, &port) == 0) {
			peer_node_seen(p, e->name, r.node_type, r.high, r.low,
			    clock_ms());
			log_debug("epmd=%llu peer=%s node=%s -> alias port %u",
			    (unsigned long long)e->c.id, p->cfg->name, e->name,
			    port);
			(void)epmd_put(e, out, epmd_port2_reply(out,
			    sizeof(out), port, r.node_type, 0, r.high, r.low,
			    e->name, NULL, 0));
			epmd_finish(e);
			return;
		}
	}
	epmd_audit_lookup(e, p->cfg->name, status == -1 ? link_code(link) :
	    status == GW_OK ? RC_INTERNAL :
	    status == GW_NO_SUCH_NODE ? RC_NO_SUCH_NODE :
	    status == GW_NOT_ALLOWED ? RC_NODE_NOT_EXPOSED :
	    status == GW_UNREACHABLE ? RC_UNREACHABLE : RC_ROUTE_REFUSED,
	    status == -1 ? (reason ? reason : "link failed") :
	    reason && *reason ? reason : gw_status_name(status));
	(void)epmd_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	epmd_finish(e);
}

/* A native peer's epmd answered (PORT_PLEASE2 or NAMES). */
static void
native_reply(void *arg, uint16_t rport, uint8_t type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct epmd_conn *e = arg;
	struct peer *p = e->arg;
	uint8_t out[EPMD_MAX_NAME + 64];
	char name[EPMD_MAX_NAME + 1];
	uint16_t port, np;
	size_t off = 0;
	int r;

	e->query = NULL;
	if (e->name[0] == '\0') {		/* NAMES */
		epmd_put_names_header(e, e->c.gw->cfg->epmd_port);
		while (text != NULL && (r = epmd_names_next(text, len, &off,
		    name, sizeof(name), &np)) != -1)
			if (r == 1 && outbound_node_port(p, name, np,
			    e->inside, &port) == 0)
				(void)epmd_put(e, out, epmd_names_line(out,
				    sizeof(out), name, port));
		epmd_finish(e);
		return;
	}
	if (rport != 0 && outbound_node_port(p, e->name, rport, e->inside,
	    &port) == 0)
		(void)epmd_put(e, out, epmd_port2_reply(out, sizeof(out), port,
		    type, 0, high, low, e->name, NULL, 0));
	else {
		epmd_audit_lookup(e, p->cfg->name, reason == NULL ||
		    strcmp(reason, "not found") == 0 ? RC_NO_SUCH_NODE :
		    RC_UNREACHABLE, reason ? reason : "no port");
		(void)epmd_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	}
	epmd_finish(e);
}

static void
ask_peer(struct epmd_conn *e, uint8_t type, const char *name)
{
	struct peer *p = e->arg;
	const struct config_peer *pc = p->cfg;
	unsigned ms = e->c.gw->cfg->resolve_timeout_ms;
	char rname[GWPROTO_MAX_NAME + 1];
	uint8_t out[4];

	epmd_wait(e);
	if (pc->kind == PEER_KIND_NATIVE) {
		const struct sockaddr *sa = (const struct sockaddr *)&pc->addr.ss;
		e->query = type == GW_NAMES ?
		    epmdc_names(e->c.gw, sa, pc->addr.len, ms, native_reply,
		    e) :
		    epmdc_port_please(e->c.gw, sa, pc->addr.len, name, ms,
		    native_reply, e);
		if (e->query != NULL)
			return;
	} else {
		/* Through a bastion: NAMES names the host, RESOLVE the
		 * full node name. */
		if (name != NULL)
			peer_request_name(p, name, rname, sizeof(rname));
		e->link = gwlink_request(p, type, name ? rname : type ==
		    GW_NAMES && pc->via != NULL ? pc->hostnames[0] : NULL,
		    alias_reply, e);
		if (e->link != NULL)
			return;
	}
	if (type == GW_NAMES)
		epmd_put_names_header(e, e->c.gw->cfg->epmd_port);
	else {
		epmd_audit_lookup(e, pc->name, pc->kind == PEER_KIND_NATIVE ?
		    RC_UNREACHABLE : RC_LINK_FAILED, "no link to the peer");
		(void)epmd_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	}
	epmd_finish(e);
}

/* A request on a peer's alias EPMD: only lookups of that peer's nodes. */
static void
alias_request(struct epmd_conn *e, const struct epmd_req *req)
{
	struct peer *p = e->arg;
	uint8_t out[EPMD_MAX_NAME + 32];
	const struct peer_node *pn;
	uint16_t port;

	switch (req->tag) {
	case EPMD_PORT_PLEASE2_REQ:
		snprintf(e->name, sizeof(e->name), "%s", req->name);
		/* Answered a moment ago: skip the round trip. */
		pn = peer_node_fresh(p, req->name, clock_ms());
		if (pn != NULL && p->cfg->kind == PEER_KIND_GATEWAY &&
		    outbound_node_port(p, req->name, 0, e->inside,
		    &port) == 0) {
			(void)epmd_put(e, out, epmd_port2_reply(out,
			    sizeof(out), port, pn->node_type, 0, pn->high,
			    pn->low, pn->name, NULL, 0));
			epmd_finish(e);
			return;
		}
		ask_peer(e, GW_RESOLVE, req->name);
		return;
	case EPMD_NAMES_REQ:
		ask_peer(e, GW_NAMES, NULL);
		return;
	default:
		epmd_refuse(e, req);
		return;
	}
}

static void
alias_accept(int fd, const struct sockaddr *sa, const struct sockaddr *local,
    void *arg)
{
	struct peer *p = arg;

	epmd_accept(p->gw, fd, sa, local, alias_request, p);
}

/* A request on a peer's inside alias (a bastion): as on the alias, from
 * an inside host whose reach lists the peer. */
static void
inside_request(struct epmd_conn *e, const struct epmd_req *req)
{
	struct peer *p = e->arg;

	if (req->tag == EPMD_PORT_PLEASE2_REQ || req->tag == EPMD_NAMES_REQ) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getpeername(e->c.h.fd, (struct sockaddr *)&ss, &len) == -1 ||
		    policy_inside_source(e->c.gw->cfg, p->idx,
		    (struct sockaddr *)&ss) < 0) {
			if (req->tag == EPMD_PORT_PLEASE2_REQ)
				snprintf(e->name, sizeof(e->name), "%s",
				    req->name);
			epmd_audit_lookup(e, p->cfg->name, RC_NODE_NOT_EXPOSED,
			    "source is no inside host whose reach lists this "
			    "peer");
			conn_close(&e->c, RC_NODE_NOT_EXPOSED, "inside alias: "
			    "source may not reach this peer");
			return;
		}
	}
	alias_request(e, req);
}

static void
inside_accept(int fd, const struct sockaddr *sa, const struct sockaddr *local,
    void *arg)
{
	struct peer *p = arg;

	epmd_accept_inside(p->gw, fd, sa, local, inside_request, p);
}

int
outbound_peer_start(struct peer *p, char *err, size_t errlen)
{
	struct sockaddr_in sin;

	if (p->cfg->kind == PEER_KIND_PLAIN)
		return 0;	/* reached only through bastion routing */
	alias_sockaddr(p, p->gw->cfg->epmd_port, &sin);
	p->epmd = listener_new(p->gw->base, (struct sockaddr *)&sin,
	    sizeof(sin), "alias-epmd", alias_accept, p, err, errlen);
	if (p->epmd == NULL)
		return -1;
	if (p->cfg->inside_alias.len != 0) {
		struct config_sockaddr sa = p->cfg->inside_alias;
		sa_set_port((struct sockaddr *)&sa.ss, p->gw->cfg->epmd_port);
		p->inside_epmd = listener_new(p->gw->base,
		    (struct sockaddr *)&sa.ss, sa.len, "inside-epmd",
		    inside_accept, p, err, errlen);
		if (p->inside_epmd == NULL)
			return -1;
		listener_set_dead_peer(p->inside_epmd,
		    p->gw->cfg->dead_peer_timeout_ms);
	}
	return 0;
}
