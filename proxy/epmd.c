/* epmd.c — the EPMD server: local registry and per-peer aliases.  See epmd.h. */
#include "proxy/epmd.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "proxy/wire/epmd_proto.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/wire/gwproto.h"
#include "proxy/half.h"
#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/util/sockaddr.h"
#include "proxy/peer.h"
#include "proxy/public.h"
#include "proxy/wire/registry.h"

#define EPMD_OUT_MAX	(256 * 1024)	/* NAMES/DUMP reply bound */

enum econn_state { E_READ, E_WAIT, E_WRITE, E_REGISTERED };

struct econn {
	uint64_t id;
	struct gateway *gw;
	struct peer *peer;		/* alias EPMD; NULL for the local one */
	struct half h;
	struct event *timer;
	enum econn_state state;
	int family;			/* of the client: AF_INET / AF_INET6 */
	int local_client;		/* epmd's "local peer" rule */
	int public;			/* the public EPMD */
	struct gwlink *link;		/* pending resolve / names */
	struct epmdc *query;		/* pending native lookup */
	const struct reg_node *node;	/* registration */
	uint8_t in[2 + EPMD_MAX_PACKET + 1];
	size_t inlen;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	char addr[64];
	char name[EPMD_MAX_NAME + 1];
};

static void epmd_io(evutil_socket_t, short, void *);

static void
econn_close(struct econn *e, const char *reason)
{
	if (e->state == E_REGISTERED && e->node != NULL) {
		log_info("epmd=%llu node %s unregistered (%s)",
		    (unsigned long long)e->id, e->name, reason);
		registry_remove(e->gw->reg, e->name);
		public_node_down(e->gw->pub, e->name);
	} else if (reason != NULL)
		log_warnx("epmd=%llu client=%s closed: %s",
		    (unsigned long long)e->id, e->addr, reason);
	if (e->link != NULL)
		gwlink_cancel(e->link);
	if (e->query != NULL)
		epmdc_cancel(e->query);
	half_clear(&e->h);
	if (e->timer != NULL)
		event_free(e->timer);
	free(e->out);
	gateway_release(e->gw);
	free(e);
}

static void
epmd_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct econn *e = arg;

	(void)fd;
	(void)what;
	econn_close(e, e->state == E_WAIT ? "no answer from peer in time" :
	    "no complete request in time");
}

static void
accept_common(int fd, const struct sockaddr *sa, const struct sockaddr *local,
    struct gateway *gw, struct peer *peer, int public)
{
	struct econn *e;
	unsigned ms = gw->cfg->epmd_timeout_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (gateway_admit(gw, "epmd") == -1) {
		close(fd);
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		gateway_release(gw);
		close(fd);
		return;
	}
	e->id = gateway_next_id(gw);
	e->gw = gw;
	e->peer = peer;
	e->public = public;
	e->family = sa->sa_family;
	e->local_client = sa_is_loopback(sa) || sa_same_addr(sa, local);
	sa_fmt(sa, e->addr, sizeof(e->addr));
	half_init(&e->h);
	if (half_open(&e->h, gw->base, fd, NULL, epmd_io, e) == -1 ||
	    (e->timer = evtimer_new(gw->base, epmd_timeout, e)) == NULL ||
	    evtimer_add(e->timer, &tv) == -1 || half_want(&e->h, 1, 0) == -1) {
		if (e->h.fd == -1)
			close(fd);
		econn_close(e, "event setup failed");
		return;
	}
}

void
epmd_accept_local(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	accept_common(fd, sa, local, arg, NULL, 0);
}

void
epmd_accept_public(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	accept_common(fd, sa, local, arg, NULL, 1);
}

void
epmd_accept_alias(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	struct peer *p = arg;

	accept_common(fd, sa, local, p->gw, p, 0);
}

socklen_t
epmd_node_addr(const struct reg_node *node, struct sockaddr_storage *ss)
{
	const struct econn *e = node->owner;

	memset(ss, 0, sizeof(*ss));
	if (e != NULL && e->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(node->port);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4->sin_port = htons(node->port);
	return sizeof(*s4);
}

/* Makes room for LEN more reply bytes.  Returns 0 or -1. */
static int
out_reserve(struct econn *e, size_t len)
{
	if (e->outlen + len <= e->outcap)
		return 0;
	size_t cap = e->outcap ? e->outcap : 512;
	while (cap < e->outlen + len)
		cap *= 2;
	if (cap > EPMD_OUT_MAX)
		return -1;
	uint8_t *n = realloc(e->out, cap);
	if (n == NULL)
		return -1;
	e->out = n;
	e->outcap = cap;
	return 0;
}

static int
out_put(struct econn *e, const uint8_t *buf, size_t len)
{
	if (len == 0 || out_reserve(e, len) == -1)
		return -1;
	memcpy(e->out + e->outlen, buf, len);
	e->outlen += len;
	return 0;
}

/* Writes what is queued.  Returns 1 when all is written, 0 to wait, -1. */
static int
flush_out(struct econn *e)
{
	while (e->outoff < e->outlen) {
		ssize_t n = half_write(&e->h, e->out + e->outoff,
		    e->outlen - e->outoff);
		if (n == HALF_AGAIN)
			return half_want(&e->h, 0, 1) == -1 ? -1 : 0;
		if (n == HALF_ERR)
			return -1;
		e->outoff += (size_t)n;
	}
	return 1;
}

/* Sends the queued reply and closes, or waits for writability. */
static void
reply_and_close(struct econn *e)
{
	int r;

	e->state = E_WRITE;
	if ((r = flush_out(e)) != 0)
		econn_close(e, r == 1 ? NULL : "write failed");
}

struct names_walk {
	struct econn *e;
	int dump;
	int full;
};

static int
names_line(const struct reg_node *n, void *arg)
{
	struct names_walk *w = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	const struct econn *owner = n->owner;
	size_t len = w->dump ? epmd_dump_line(line, sizeof(line), n->name,
	    n->port, owner ? owner->h.fd : -1) :
	    epmd_names_line(line, sizeof(line), n->name, n->port);

	if (out_put(w->e, line, len) == -1) {
		w->full = 1;
		return 1;
	}
	return 0;
}

static void
answer_local_names(struct econn *e, int dump)
{
	uint8_t hdr[4];
	struct names_walk w = { e, dump, 0 };

	(void)out_put(e, hdr, epmd_names_header(hdr, sizeof(hdr),
	    e->gw->cfg->epmd_port));
	registry_foreach(e->gw->reg, names_line, &w);
	if (w.full)
		log_warnx("epmd=%llu names reply truncated",
		    (unsigned long long)e->id);
	reply_and_close(e);
}

static void
handle_alive2(struct econn *e, const struct epmd_req *req)
{
	uint8_t out[8];
	const struct config *cfg = e->gw->cfg;
	const char *refuse = req->refuse;
	int exposed;

	if (e->peer != NULL || !e->local_client) {
		econn_close(e, e->peer ? "registration on an alias address "
		    "refused" : "registration from a non-local address "
		    "refused");
		return;
	}
	exposed = net_port_exposed(req->port, NULL);
	if (refuse == NULL && exposed == 1) {
		log_warnx("epmd=%llu node %s listens on port %u beyond "
		    "loopback: start it with -kernel inet_dist_use_interface "
		    "'{127,0,0,1}'%s", (unsigned long long)e->id, req->name,
		    req->port, cfg->strict_loopback ? " (refused: "
		    "strict_loopback)" : "");
		if (cfg->strict_loopback)
			refuse = "node listens beyond loopback";
	}
	if (refuse == NULL) {
		switch (registry_add(e->gw->reg, req->name, req->port,
		    req->node_type, req->protocol, req->high, req->low, e,
		    time(NULL), &e->node)) {
		case REGISTRY_OK:
			break;
		case REGISTRY_DUPLICATE:
			refuse = "name already registered";
			break;
		case REGISTRY_FULL:
			refuse = "registry full";
			break;
		default:
			refuse = "out of memory";
			break;
		}
	}
	if (refuse != NULL) {
		log_warnx("epmd=%llu registration of %s refused: %s",
		    (unsigned long long)e->id, req->name, refuse);
		(void)out_put(e, out, epmd_alive2_reply(out, sizeof(out),
		    req->high, 1, 0));
		reply_and_close(e);
		return;
	}
	snprintf(e->name, sizeof(e->name), "%s", req->name);
	log_info("epmd=%llu node %s registered port=%u creation=%u "
	    "versions=%u-%u", (unsigned long long)e->id, e->name, req->port,
	    e->node->creation, req->low, req->high);
	/* One write: OTP takes a short first chunk for garbage. */
	(void)out_put(e, out, epmd_alive2_reply(out, sizeof(out), req->high,
	    0, e->node->creation));
	e->state = E_REGISTERED;
	(void)evtimer_del(e->timer);
	public_node_up(e->gw->pub, e->name);
	if (flush_out(e) == -1) {
		econn_close(e, "write failed");
		return;
	}
	(void)half_want(&e->h, 1, e->outoff < e->outlen);
}

/* The peer gateway answered a RESOLVE or NAMES for an alias client. */
static void
alias_reply(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg);

static void
alias_names_one(const char *name, void *arg)
{
	struct econn *e = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	uint16_t port;

	if (peer_node_port(e->peer, name, 0, &port) == 0)
		(void)out_put(e, line, epmd_names_line(line, sizeof(line),
		    name, port));
}

static void
alias_reply(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct econn *e = arg;
	uint8_t out[EPMD_MAX_NAME + 32];
	const char *why = NULL;
	uint16_t port;

	(void)link;
	e->link = NULL;
	if (e->name[0] == '\0') {		/* NAMES */
		(void)out_put(e, out, epmd_names_header(out, sizeof(out),
		    e->gw->cfg->epmd_port));
		if (status == GW_OK &&
		    gw_decode_names(msg, alias_names_one, e, &why) == -1)
			log_warnx("epmd=%llu peer=%s bad names reply: %s",
			    (unsigned long long)e->id, e->peer->cfg->name,
			    why);
		reply_and_close(e);
		return;
	}
	if (status == GW_OK) {
		struct gw_reply r;
		(void)gw_decode_reply(msg, &r, &why);
		if (peer_node_port(e->peer, e->name, 0, &port) == 0) {
			peer_node_seen(e->peer, e->name, r.node_type, r.high,
			    r.low, gateway_now_ms());
			log_debug("epmd=%llu peer=%s node=%s -> alias port %u",
			    (unsigned long long)e->id, e->peer->cfg->name,
			    e->name, port);
			(void)out_put(e, out, epmd_port2_reply(out,
			    sizeof(out), port, r.node_type, 0, r.high, r.low,
			    e->name, NULL, 0));
			reply_and_close(e);
			return;
		}
	}
	log_info("epmd=%llu peer=%s node=%s not found: %s",
	    (unsigned long long)e->id, e->peer->cfg->name, e->name,
	    status == -1 ? (reason ? reason : "link failed") :
	    gw_status_name(status));
	(void)out_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	reply_and_close(e);
}

/* A native peer's epmd answered (PORT_PLEASE2 or NAMES). */
static void
native_reply(void *arg, uint16_t rport, uint8_t type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct econn *e = arg;
	uint8_t out[EPMD_MAX_NAME + 64];
	uint16_t port;

	e->query = NULL;
	if (e->name[0] == '\0') {		/* NAMES */
		char name[EPMD_MAX_NAME + 1];
		unsigned p;
		int used;
		(void)out_put(e, out, epmd_names_header(out, sizeof(out),
		    e->gw->cfg->epmd_port));
		for (size_t off = 0; text != NULL && off < len;) {
			const char *nl = memchr(text + off, '\n', len - off);
			size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
			char line[EPMD_MAX_NAME + 64];
			if (ll < sizeof(line)) {
				memcpy(line, text + off, ll);
				line[ll] = '\0';
				if (sscanf(line, "name %1020s at port %u%n", name,
				    &p, &used) == 2 && p > 0 && p < 65536 &&
				    peer_node_port(e->peer, name, (uint16_t)p,
				    &port) == 0)
					(void)out_put(e, out, epmd_names_line(out,
					    sizeof(out), name, port));
			}
			off += ll + 1;
		}
		reply_and_close(e);
		return;
	}
	if (rport != 0 && peer_node_port(e->peer, e->name, rport, &port) == 0)
		(void)out_put(e, out, epmd_port2_reply(out, sizeof(out), port,
		    type, 0, high, low, e->name, NULL, 0));
	else {
		log_info("epmd=%llu peer=%s node=%s not found: %s",
		    (unsigned long long)e->id, e->peer->cfg->name, e->name,
		    reason ? reason : "no port");
		(void)out_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	}
	reply_and_close(e);
}

static void
ask_peer(struct econn *e, uint8_t type, const char *name)
{
	const struct config_peer *pc = e->peer->cfg;
	unsigned ms = e->gw->cfg->resolve_timeout_ms;
	char rname[GWPROTO_MAX_NAME + 1];
	uint8_t out[4];

	e->state = E_WAIT;
	if (pc->kind == PEER_KIND_NATIVE) {
		const struct sockaddr *sa = (const struct sockaddr *)&pc->addr.ss;
		e->query = type == GW_NAMES ?
		    epmdc_names(e->gw->base, sa, pc->addr.len, ms, native_reply,
		    e) :
		    epmdc_port_please(e->gw->base, sa, pc->addr.len, name, ms,
		    native_reply, e);
		if (e->query != NULL)
			return;
	} else if (type == GW_NAMES && pc->via != NULL) {
		/* The bastion lists its own nodes, not this host's. */
	} else {
		if (name != NULL)
			peer_request_name(e->peer, name, rname, sizeof(rname));
		e->link = gwlink_request(e->peer, type, name ? rname : NULL,
		    alias_reply, e);
		if (e->link != NULL)
			return;
	}
	if (type == GW_NAMES)
		(void)out_put(e, out, epmd_names_header(out, sizeof(out),
		    e->gw->cfg->epmd_port));
	else
		(void)out_put(e, out, epmd_port2_notfound(out, sizeof(out)));
	reply_and_close(e);
}

static int
public_line(const struct reg_node *n, void *arg)
{
	struct econn *e = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	uint16_t port = public_port(e->gw->pub, n->name);

	if (port != 0 && out_put(e, line, epmd_names_line(line, sizeof(line),
	    n->name, port)) == -1)
		return 1;
	return 0;
}

/* The public EPMD: only lookups of exposed nodes' pinned TLS ports. */
static void
handle_public(struct econn *e, const struct epmd_req *req)
{
	const struct config *cfg = e->gw->cfg;
	uint8_t out[EPMD_MAX_NAME + 32];
	const struct reg_node *n;
	uint16_t port;

	switch (req->tag) {
	case EPMD_PORT_PLEASE2_REQ:
		n = registry_find(e->gw->reg, req->name);
		port = n ? public_port(e->gw->pub, req->name) : 0;
		log_debug("epmd=%llu public lookup %s from %s: %u",
		    (unsigned long long)e->id, req->name, e->addr, port);
		if (port != 0)
			(void)out_put(e, out, epmd_port2_reply(out,
			    sizeof(out), port, n->node_type, 0, n->high, n->low,
			    n->name, NULL, 0));
		else
			(void)out_put(e, out, epmd_port2_notfound(out,
			    sizeof(out)));
		reply_and_close(e);
		return;
	case EPMD_NAMES_REQ:
		(void)out_put(e, out, epmd_names_header(out, sizeof(out),
		    sa_port((const struct sockaddr *)&cfg->public_epmd.ss)));
		if (cfg->public_names)
			registry_foreach(e->gw->reg, public_line, e);
		reply_and_close(e);
		return;
	default:
		econn_close(e, "request refused on the public EPMD "
		    "(lookups only)");
		return;
	}
}

static void
handle_request(struct econn *e, const struct epmd_req *req)
{
	uint8_t out[EPMD_MAX_NAME + 32];
	const struct reg_node *n;

	(void)half_want(&e->h, 0, 0);
	if (e->public) {
		handle_public(e, req);
		return;
	}
	switch (req->tag) {
	case EPMD_ALIVE2_REQ:
		handle_alive2(e, req);
		return;
	case EPMD_PORT_PLEASE2_REQ:
		snprintf(e->name, sizeof(e->name), "%s", req->name);
		if (e->peer != NULL) {
			/* Answered a moment ago: skip the round trip. */
			const struct peer_node *pn = peer_node_fresh(e->peer,
			    req->name, gateway_now_ms());
			if (pn != NULL && e->peer->cfg->kind ==
			    PEER_KIND_GATEWAY) {
				(void)out_put(e, out, epmd_port2_reply(out,
				    sizeof(out), pn->port, pn->node_type, 0,
				    pn->high, pn->low, pn->name, NULL, 0));
				reply_and_close(e);
				return;
			}
			ask_peer(e, GW_RESOLVE, req->name);
			return;
		}
		if ((n = registry_find(e->gw->reg, req->name)) != NULL)
			(void)out_put(e, out, epmd_port2_reply(out,
			    sizeof(out), n->port, n->node_type, n->protocol,
			    n->high, n->low, n->name, NULL, 0));
		else
			(void)out_put(e, out, epmd_port2_notfound(out,
			    sizeof(out)));
		reply_and_close(e);
		return;
	case EPMD_NAMES_REQ:
		if (e->peer != NULL)
			ask_peer(e, GW_NAMES, NULL);
		else
			answer_local_names(e, 0);
		return;
	case EPMD_DUMP_REQ:
		if (e->peer != NULL || !e->local_client) {
			econn_close(e, "DUMP from a non-local client refused");
			return;
		}
		answer_local_names(e, 1);
		return;
	case EPMD_KILL_REQ:
		log_warnx("epmd=%llu client=%s KILL refused: distgate is not "
		    "stopped through EPMD", (unsigned long long)e->id, e->addr);
		(void)out_put(e, (const uint8_t *)"NO", 2);
		reply_and_close(e);
		return;
	default:
		econn_close(e, "STOP refused: distgate does not unregister "
		    "nodes through EPMD");
		return;
	}
}

static void
epmd_io(evutil_socket_t fd, short what, void *arg)
{
	struct econn *e = arg;
	struct epmd_req req;
	const char *why = NULL;
	ssize_t n;
	uint8_t b;
	int r;

	(void)fd;
	(void)what;
	switch (e->state) {
	case E_READ:
		n = half_read(&e->h, e->in + e->inlen, sizeof(e->in) -
		    e->inlen);
		if (n == HALF_AGAIN)
			return;
		if (n == HALF_ERR || n == 0) {
			econn_close(e, n == 0 ? (e->inlen ? "truncated request"
			    : NULL) : e->h.err);
			return;
		}
		e->inlen += (size_t)n;
		switch (epmd_parse_request(e->in, e->inlen, &req, &why)) {
		case EPMD_NEED_MORE:
			return;
		case EPMD_BAD:
			econn_close(e, why);
			return;
		case EPMD_DONE:
			handle_request(e, &req);
			return;
		}
		return;
	case E_WAIT:
		return;
	case E_WRITE:
		if ((r = flush_out(e)) != 0)
			econn_close(e, r == 1 ? NULL : "write failed");
		return;
	case E_REGISTERED:
		if (e->outoff < e->outlen) {
			if ((r = flush_out(e)) == -1) {
				econn_close(e, "write failed");
				return;
			}
			(void)half_want(&e->h, 1, r == 0);
		}
		n = half_read(&e->h, &b, 1);
		if (n == HALF_AGAIN)
			return;
		econn_close(e, n == 0 ? "registration closed" :
		    n > 0 ? "unexpected byte on registration" : e->h.err);
		return;
	}
}
