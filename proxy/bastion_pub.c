/* bastion_pub.c — the public EPMD's lookups of inside nodes for native
 * peers.  See bastion_pub.h. */
#include "proxy/bastion_pub.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "proxy/epmd.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/public.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/epmd_proto.h"
#include "proxy/wire/gwproto.h"
#include "proxy/wire/policy.h"

static void ask_next(struct epmd_conn *e);

/* Returns the index of the kind native peer at E's client address that
 * reaches any peer, or -1. */
static long
native_source(const struct epmd_conn *e)
{
	const struct config *cfg = e->c.gw->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(e->c.h.fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct config_peer *p = &cfg->peers[i];
		if (p->kind == PEER_KIND_NATIVE && p->nreach > 0 &&
		    sa_same_addr((struct sockaddr *)&ss,
		    (const struct sockaddr *)&p->addr.ss))
			return (long)i;
	}
	return -1;
}

/* Inside node e->name was found on reach target TARGET: pin its port and
 * answer. */
static void
found(struct epmd_conn *e, long target, uint8_t type, uint16_t high,
    uint16_t low)
{
	const struct config_peer *tp = &e->c.gw->cfg->peers[target];
	uint8_t out[EPMD_MAX_NAME + 32];
	char full[EPMD_MAX_NAME + 300];
	uint16_t port;

	snprintf(full, sizeof(full), "%s@%s", e->name, tp->hostnames[0]);
	port = public_inside_port(e->c.gw->pub, e->name, tp->name, full);
	log_debug("epmd=%llu public lookup %s from %s: inside %s port %u",
	    (unsigned long long)e->c.id, e->name, e->addr, full, port);
	if (port != 0)
		(void)epmd_put(e, out, epmd_port2_reply(out, sizeof(out), port,
		    type, 0, high, low, e->name, NULL, 0));
	else {
		epmd_audit_lookup(e, tp->name, RC_INTERNAL, "no pinned port");
		(void)epmd_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	}
	epmd_finish(e);
}

static void
on_link(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct epmd_conn *e = arg;
	struct gw_reply r;
	const char *why = NULL;

	(void)link;
	(void)reason;
	e->link = NULL;
	if (status == GW_OK && gw_decode_reply(msg, &r, &why) == 0) {
		found(e, e->bpeer, r.node_type, r.high, r.low);
		return;
	}
	ask_next(e);
}

static void
on_epmd(void *arg, uint16_t port, uint8_t type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct epmd_conn *e = arg;

	(void)text;
	(void)len;
	(void)reason;
	e->query = NULL;
	if (port != 0) {
		found(e, e->bpeer, type, high, low);
		return;
	}
	ask_next(e);
}

/* Asks the next host of the native peer's reach list for e->name; at the
 * end of the list, answers "not found". */
static void
ask_next(struct epmd_conn *e)
{
	const struct config *cfg = e->c.gw->cfg;
	const struct config_peer *sp = &cfg->peers[e->bsrc];
	uint8_t out[4];

	while (e->bnext < sp->nreach) {
		long j = -1;
		for (size_t i = 0; i < cfg->npeers && j < 0; i++)
			if (strcmp(cfg->peers[i].name,
			    sp->reach[e->bnext]) == 0)
				j = (long)i;
		e->bnext++;
		if (j < 0)
			continue;
		const struct config_peer *tp = &cfg->peers[j];
		e->bpeer = j;
		if (tp->kind == PEER_KIND_GATEWAY) {
			char full[EPMD_MAX_NAME + 300];
			snprintf(full, sizeof(full), "%s@%s", e->name,
			    tp->hostnames[0]);
			e->link = gwlink_request(gateway_peer(e->c.gw,
			    (size_t)j), GW_RESOLVE, tp->via != NULL ? full :
			    e->name, on_link, e);
			if (e->link != NULL)
				return;
		} else {
			e->query = epmdc_port_please(e->c.gw,
			    (const struct sockaddr *)&tp->addr.ss,
			    tp->addr.len, e->name, cfg->resolve_timeout_ms,
			    on_epmd, e);
			if (e->query != NULL)
				return;
		}
	}
	epmd_audit_lookup(e, sp->name, RC_NO_SUCH_NODE, "no such node on the "
	    "hosts this peer reaches");
	(void)epmd_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	epmd_finish(e);
}

int
bastion_pub_lookup(struct epmd_conn *e, const char *alive)
{
	long src = native_source(e);

	if (src < 0)
		return -1;
	snprintf(e->name, sizeof(e->name), "%s", alive);
	e->bsrc = src;
	e->bnext = 0;
	epmd_wait(e);
	ask_next(e);
	return 0;
}
