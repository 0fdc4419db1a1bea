/* bastion.c — routing full node names to inside hosts.  See bastion.h. */
#include "proxy/bastion.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/netutil.h"
#include "proxy/splice.h"
#include "proxy/tunnel.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/epmd_proto.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/policy.h"

/* The inside host answered: go on with the requests (closes T on
 * failure). */
static void
resume(struct tunnel *t)
{
	t->waiting = 0;
	if (t->c.state == TUN_REQUESTS)
		tunnel_resume(t);
}

/* A ROUTE failed: refuse it (a reply, then close), or for a native node
 * on a pinned port (no gateway protocol there) just close. */
static void
route_refused(struct tunnel *t, uint8_t status, const char *reason,
    enum reason code)
{
	if (t->direct) {
		conn_close(&t->c, code, reason);
		return;
	}
	(void)tunnel_refuse(t, GW_ROUTE_REPLY, status, reason, 1, code);
	resume(t);
}

/* Names of an inside host, for one NAMES_REPLY. */
struct names {
	const char *name[256];
	char buf[GWPROTO_MAX_BODY];
	size_t n, used;
};

static void
names_add(const char *name, void *arg)
{
	struct names *nm = arg;
	size_t len = strlen(name) + 1;

	if (nm->n == 256 || nm->used + len > sizeof(nm->buf))
		return;
	nm->name[nm->n++] = memcpy(nm->buf + nm->used, name, len);
	nm->used += len;
}

/* Queues NM as T's NAMES_REPLY (what fits), and reads on. */
static void
names_reply(struct tunnel *t, struct names *nm)
{
	static uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY];
	size_t len;

	while ((len = gw_encode_names(out, sizeof(out), nm->name, nm->n)) ==
	    0 && nm->n > 0)
		nm->n--;
	(void)tunnel_queue(t, 1, out, len);
	resume(t);
}

static void
on_link(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct tunnel *t = arg;
	struct gw_reply r;
	const char *why = NULL;
	uint8_t out[64];

	t->link = NULL;
	if (t->btype == GW_NAMES) {
		struct names nm = { .n = 0 };
		if (status != GW_OK || gw_decode_names(msg, names_add, &nm,
		    &why) == -1)
			log_warnx("conn=%llu names of %s: %s",
			    (unsigned long long)t->c.id, t->target, status !=
			    GW_OK ? (reason ? reason : "refused") : why);
		names_reply(t, &nm);
		return;
	}
	if (t->btype == GW_RESOLVE) {
		if (status == GW_OK && gw_decode_reply(msg, &r, &why) == 0)
			(void)tunnel_queue(t, 1, out, gw_encode_resolve_ok(out,
			    sizeof(out), r.high, r.low, r.node_type));
		else {
			tunnel_audit_request(t, "resolve", t->target,
			    status == -1 ? RC_LINK_FAILED : RC_NO_SUCH_NODE,
			    status == -1 ? (reason ? reason : "link failed") :
			    "no such node inside");
			(void)tunnel_refuse(t, GW_RESOLVE_REPLY,
			    GW_NO_SUCH_NODE, "no such node", 0, RC_NO_SUCH_NODE);
		}
		resume(t);
		return;
	}
	if (status != GW_OK) {
		route_refused(t, status == -1 ? GW_UNREACHABLE :
		    (uint8_t)status, reason ? reason : "refused inside",
		    status == -1 ? RC_LINK_FAILED : RC_ROUTE_REFUSED);
		return;
	}
	/* The inside leg is TLS too. */
	if (tunnel_adopt(t, link, 0) == -1) {
		conn_close_failed(&t->c);
		return;
	}
	t->waiting = 0;
	if ((!t->direct && tunnel_queue(t, 1, out, gw_encode_status(out,
	    sizeof(out), GW_ROUTE_REPLY, GW_OK, NULL)) == -1) ||
	    splice_start(t, 0) == -1) {
		conn_close_failed(&t->c);
		return;
	}
	log_info("conn=%llu bastion route peer=%s node=%s via=%s",
	    (unsigned long long)t->c.id, t->c.gw->cfg->peers[t->peer_idx].name,
	    t->target, t->c.gw->cfg->peers[t->bpeer].name);
}

static void
on_epmd(void *arg, uint16_t port, uint8_t type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct tunnel *t = arg;
	const struct config_peer *tp = &t->c.gw->cfg->peers[t->bpeer];
	struct sockaddr_storage ss = tp->addr.ss;
	uint8_t out[64];
	int fd;

	t->query = NULL;
	if (t->btype == GW_NAMES) {
		struct names nm = { .n = 0 };
		char name[GWPROTO_MAX_NAME + 1];
		uint16_t np;
		size_t off = 0;
		int r;
		while (text != NULL && (r = epmd_names_next(text, len, &off,
		    name, sizeof(name), &np)) != -1)
			if (r == 1)
				names_add(name, &nm);
		if (text == NULL)
			log_warnx("conn=%llu names of %s: %s",
			    (unsigned long long)t->c.id, t->target,
			    reason ? reason : "no answer");
		names_reply(t, &nm);
		return;
	}
	if (t->btype == GW_RESOLVE) {
		if (port != 0)
			(void)tunnel_queue(t, 1, out, gw_encode_resolve_ok(out,
			    sizeof(out), high, low, type));
		else {
			tunnel_audit_request(t, "resolve", t->target,
			    reason == NULL || strcmp(reason, "not found") == 0 ?
			    RC_NO_SUCH_NODE : RC_UNREACHABLE,
			    reason ? reason : "no such node inside");
			(void)tunnel_refuse(t, GW_RESOLVE_REPLY,
			    GW_NO_SUCH_NODE, "no such node", 0, RC_NO_SUCH_NODE);
		}
		resume(t);
		return;
	}
	if (port == 0) {
		route_refused(t, GW_NO_SUCH_NODE, reason ? reason :
		    "no such node", RC_NO_SUCH_NODE);
		return;
	}
	sa_set_port((struct sockaddr *)&ss, port);
	if (tp->kind == PEER_KIND_NATIVE) {
		t->link = gwlink_direct(gateway_peer(t->c.gw, (size_t)t->bpeer),
		    (struct sockaddr *)&ss, tp->addr.len, on_link, t);
		if (t->link == NULL)
			route_refused(t, GW_UNREACHABLE,
			    "cannot reach the node", RC_UNREACHABLE);
		return;
	}
	/* A plain inside host: TCP to the node, as the node's own peers do.
	 * The half owns FD from here on, even when half_open() fails. */
	if ((fd = net_connect((struct sockaddr *)&ss, tp->addr.len)) == -1 ||
	    half_open(&t->local, t->c.gw->base, fd, NULL, tunnel_io, t) == -1) {
		route_refused(t, GW_UNREACHABLE, strerror(errno),
		    RC_UNREACHABLE);
		return;
	}
	/* A leg between hosts: watched for a dead peer. */
	if (net_dead_peer(fd, t->c.gw->cfg->dead_peer_timeout_ms) == -1)
		log_warn("conn=%llu keepalive options",
		    (unsigned long long)t->c.id);
	t->waiting = 0;
	conn_set_state(&t->c, TUN_NODE_CONNECT);
	if (half_want(&t->local, 0, 1) == -1)
		conn_close(&t->c, RC_INTERNAL, "event setup failed");
}

/*
 * Asks inside peer TARGET for TYPE (RESOLVE or ROUTE of alive NAME, or
 * NAMES, NAME then the host name a via peer needs, else NULL): its
 * gateway over a link, else its epmd.  T waits for the answer (on_link or
 * on_epmd).  Returns 0, or -1 when no request could start.
 */
static int
ask_inside(struct tunnel *t, uint8_t type, long target, const char *name)
{
	const struct config *cfg = t->c.gw->cfg;
	const struct config_peer *tp = &cfg->peers[target];
	const struct sockaddr *sa = (const struct sockaddr *)&tp->addr.ss;

	t->btype = type;
	t->bpeer = target;
	t->waiting = 1;
	if (tp->kind == PEER_KIND_GATEWAY)
		t->link = gwlink_request(gateway_peer(t->c.gw, (size_t)target),
		    type, name, on_link, t);
	else if (type == GW_NAMES)
		t->query = epmdc_names(t->c.gw, sa, tp->addr.len,
		    cfg->resolve_timeout_ms, on_epmd, t);
	else
		t->query = epmdc_port_please(t->c.gw, sa, tp->addr.len, name,
		    cfg->resolve_timeout_ms, on_epmd, t);
	if (t->link != NULL || t->query != NULL)
		return 0;
	t->waiting = 0;
	return -1;
}

int
bastion_request(struct tunnel *t, uint8_t type, const char *full)
{
	const struct config *cfg = t->c.gw->cfg;
	char alive[GWPROTO_MAX_NAME + 1];
	const char *host = policy_split_name(full, alive, sizeof(alive));
	long target = host ? policy_reach(cfg, (size_t)t->peer_idx, host) : -1;

	snprintf(t->target, sizeof(t->target), "%.*s",
	    (int)sizeof(t->target) - 1, full);
	if (target < 0) {
		/* A ROUTE ends with its audit line; a RESOLVE gets its own. */
		if (type == GW_RESOLVE)
			tunnel_audit_request(t, "resolve", full,
			    RC_NODE_NOT_EXPOSED, "no route to that host for "
			    "this peer");
		return tunnel_refuse(t, type | 0x80, type == GW_ROUTE ?
		    GW_NOT_ALLOWED : GW_NO_SUCH_NODE, "no route to that host "
		    "for this peer", type == GW_ROUTE, RC_NODE_NOT_EXPOSED);
	}
	if (ask_inside(t, type, target, alive) == 0)
		return 0;
	return tunnel_refuse(t, type | 0x80, GW_UNREACHABLE, "inside host "
	    "unreachable", type == GW_ROUTE, RC_UNREACHABLE);
}

int
bastion_names(struct tunnel *t, const char *host)
{
	const struct config *cfg = t->c.gw->cfg;
	long target = policy_reach(cfg, (size_t)t->peer_idx, host);

	snprintf(t->target, sizeof(t->target), "@%.*s",
	    (int)sizeof(t->target) - 2, host);
	if (target < 0) {
		tunnel_audit_request(t, "names", host, RC_NODE_NOT_EXPOSED,
		    "no route to that host for this peer");
		return tunnel_refuse(t, GW_NAMES_REPLY, GW_NOT_ALLOWED,
		    "no route to that host for this peer", 0,
		    RC_NODE_NOT_EXPOSED);
	}
	if (ask_inside(t, GW_NAMES, target, cfg->peers[target].via != NULL ?
	    cfg->peers[target].hostnames[0] : NULL) == 0)
		return 0;
	return tunnel_refuse(t, GW_NAMES_REPLY, GW_UNREACHABLE, "inside host "
	    "unreachable", 0, RC_UNREACHABLE);
}
