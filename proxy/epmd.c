/* epmd.c — EPMD server connections, the local registry and the public
 * EPMD.  See epmd.h. */
#include "proxy/epmd.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "proxy/epmdc.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/netutil.h"
#include "proxy/public.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/registry.h"

#define EPMD_OUT_MAX	(256 * 1024)	/* NAMES/DUMP reply bound */

static const char *const state_names[E_NSTATES] = {
	"read", "wait", "write", "registered",
};

static int
transition_ok(int from, int to)
{
	switch (to) {
	case E_WAIT:
	case E_REGISTERED:
		return from == E_READ;
	case E_WRITE:
		return from == E_READ || from == E_WAIT;
	default:
		return 0;
	}
}

static unsigned
timeout_ms(const struct conn *c)
{
	switch (c->state) {
	case E_READ:
		return c->gw->cfg->epmd_timeout_ms;
	case E_REGISTERED:
		return 0;
	default:
		return CONN_TIMER_KEEP;	/* one bound for the whole request */
	}
}

static void
on_timeout(struct conn *c)
{
	conn_close(c, RC_TIMEOUT, c->state == E_WAIT ?
	    "no answer from peer in time" : "no complete request in time");
}

/* WHY NULL: an ordinary end, not logged. */
static void
release(struct conn *c, enum reason code, const char *why)
{
	struct epmd_conn *e = (struct epmd_conn *)c;

	if (c->state == E_REGISTERED && e->node != NULL) {
		log_info("epmd=%llu node %s unregistered (%s)",
		    (unsigned long long)c->id, e->name, why ? why :
		    reason_code(code));
		registry_remove(c->gw->reg, e->name);
		public_node_down(c->gw->pub, e->name);
	} else if (why != NULL) {
		char cls[64];

		/* Anyone who reaches a public EPMD can make these lines:
		 * rate-limited per verdict and code. */
		snprintf(cls, sizeof(cls), "epmd %s %s",
		    reason_verdict(code), reason_code(code));
		log_limited(LOG_LVL_WARN, cls, "epmd=%llu client=%s closed: %s",
		    (unsigned long long)c->id, e->addr, why);
	}
	if (e->link != NULL)
		gwlink_cancel(e->link);
	if (e->query != NULL)
		epmdc_cancel(e->query);
	free(e->out);
}

static const struct conn_ops epmd_ops = {
	.kind = "epmd",
	.states = state_names,
	.nstates = E_NSTATES,
	.transition_ok = transition_ok,
	.timeout_ms = timeout_ms,
	.timeout = on_timeout,
	.release = release,
};

static void epmd_io(evutil_socket_t, short, void *);

/* REMOTE: a client of the public EPMD on another host: counted against
 * max_connections and holding a pending slot of its address until it
 * ends (it never authenticates; epmd_timeout bounds it).  REMOTE 2: the
 * same, for an inside host on a bastion's inside alias (e->inside). */
static void
accept_conn(struct gateway *gw, int fd, const struct sockaddr *sa,
    const struct sockaddr *local, epmd_handler *handle, void *arg,
    int remote)
{
	struct epmd_conn *e;
	char ip[PENDING_SRC_MAX];

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		close(fd);
		return;
	}
	if (remote)
		sa_fmt_ip(sa, ip, sizeof(ip));
	if (conn_init(&e->c, gw, CONN_KIND_EPMD, &epmd_ops, remote ?
	    CONN_REMOTE : CONN_LOCAL, remote ? ip : NULL) == -1) {
		free(e);
		close(fd);
		return;
	}
	e->inside = remote == 2;
	e->bsrc = e->bpeer = -1;
	e->handle = handle;
	e->arg = arg;
	e->family = sa->sa_family;
	e->local_client = sa_is_loopback(sa) || sa_same_addr(sa, local);
	sa_fmt(sa, e->addr, sizeof(e->addr));
	conn_rearm(&e->c);
	if (half_open(&e->c.h, gw->base, fd, NULL, epmd_io, e) == -1 ||
	    half_want(&e->c.h, 1, 0) == -1)
		conn_close(&e->c, RC_INTERNAL, "event setup failed");
}

void
epmd_accept(struct gateway *gw, int fd, const struct sockaddr *sa,
    const struct sockaddr *local, epmd_handler *handle, void *arg)
{
	accept_conn(gw, fd, sa, local, handle, arg, 0);
}

void
epmd_accept_inside(struct gateway *gw, int fd, const struct sockaddr *sa,
    const struct sockaddr *local, epmd_handler *handle, void *arg)
{
	accept_conn(gw, fd, sa, local, handle, arg, 2);
}

/* Makes room for LEN more reply bytes.  Returns 0 or -1. */
static int
out_reserve(struct epmd_conn *e, size_t len)
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

int
epmd_put(struct epmd_conn *e, const uint8_t *buf, size_t len)
{
	if (len == 0 || out_reserve(e, len) == -1)
		return -1;
	memcpy(e->out + e->outlen, buf, len);
	e->outlen += len;
	return 0;
}

void
epmd_put_names_header(struct epmd_conn *e, uint16_t port)
{
	uint8_t hdr[4];

	(void)epmd_put(e, hdr, epmd_names_header(hdr, sizeof(hdr), port));
}

/* Writes what is queued.  Returns 1 when all is written, 0 to wait, -1. */
static int
flush_out(struct epmd_conn *e)
{
	while (e->outoff < e->outlen) {
		ssize_t n = half_write(&e->c.h, e->out + e->outoff,
		    e->outlen - e->outoff);
		if (n == HALF_AGAIN)
			return half_want(&e->c.h, 0, 1) == -1 ? -1 : 0;
		if (n == HALF_ERR)
			return -1;
		e->outoff += (size_t)n;
		e->c.bytes_out += (uint64_t)n;
	}
	return 1;
}

void
epmd_audit_lookup(const struct epmd_conn *e, const char *peer,
    enum reason code, const char *why)
{
	gateway_audit(e->c.gw, 0, code, "audit epmd=%llu dir=out peer=%s node=%s "
	    "verdict=%s code=%s reason=\"%s\"", (unsigned long long)e->c.id,
	    peer, e->name[0] ? e->name : "-", reason_verdict(code),
	    reason_code(code), why);
}

void
epmd_wait(struct epmd_conn *e)
{
	conn_set_state(&e->c, E_WAIT);
}

void
epmd_finish(struct epmd_conn *e)
{
	int r;

	conn_set_state(&e->c, E_WRITE);
	if ((r = flush_out(e)) != 0)
		conn_close(&e->c, r == 1 ? RC_OK : RC_IO_ERROR,
		    r == 1 ? NULL : "write failed");
}

struct names_walk {
	struct epmd_conn *e;
	int dump;
	int full;
};

static int
names_line(const struct reg_node *n, void *arg)
{
	struct names_walk *w = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	const struct epmd_conn *owner = n->owner;
	size_t len = w->dump ? epmd_dump_line(line, sizeof(line), n->name,
	    n->port, owner ? owner->c.h.fd : -1) :
	    epmd_names_line(line, sizeof(line), n->name, n->port);

	if (epmd_put(w->e, line, len) == -1) {
		w->full = 1;
		return 1;
	}
	return 0;
}

static void
answer_local_names(struct epmd_conn *e, int dump)
{
	struct names_walk w = { e, dump, 0 };

	epmd_put_names_header(e, e->c.gw->cfg->epmd_port);
	registry_foreach(e->c.gw->reg, names_line, &w);
	if (w.full)
		log_warnx("epmd=%llu names reply truncated",
		    (unsigned long long)e->c.id);
	epmd_finish(e);
}

static void
handle_alive2(struct epmd_conn *e, const struct epmd_req *req)
{
	uint8_t out[8];
	const struct config *cfg = e->c.gw->cfg;
	const char *refuse = req->refuse;
	int exposed;

	if (!e->local_client) {
		conn_close(&e->c, RC_BAD_REQUEST, "registration from a "
		    "non-local address refused");
		return;
	}
	exposed = net_port_exposed(req->port, NULL);
	if (refuse == NULL && exposed == 1) {
		log_warnx("epmd=%llu node %s listens on port %u beyond "
		    "loopback: start it with -kernel inet_dist_use_interface "
		    "'{127,0,0,1}'%s", (unsigned long long)e->c.id, req->name,
		    req->port, cfg->strict_loopback ? " (refused: "
		    "strict_loopback)" : "");
		if (cfg->strict_loopback)
			refuse = "node listens beyond loopback";
	}
	if (refuse == NULL) {
		switch (registry_add(e->c.gw->reg, req->name, req->port,
		    req->node_type, req->protocol, req->high, req->low,
		    e->family == AF_INET6, e, time(NULL), &e->node)) {
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
		    (unsigned long long)e->c.id, req->name, refuse);
		(void)epmd_put(e, out, epmd_alive2_reply(out, sizeof(out),
		    req->high, 1, 0));
		epmd_finish(e);
		return;
	}
	snprintf(e->name, sizeof(e->name), "%s", req->name);
	log_info("epmd=%llu node %s registered port=%u creation=%u "
	    "versions=%u-%u", (unsigned long long)e->c.id, e->name, req->port,
	    e->node->creation, req->low, req->high);
	/* One write: OTP takes a short first chunk for garbage. */
	(void)epmd_put(e, out, epmd_alive2_reply(out, sizeof(out), req->high,
	    0, e->node->creation));
	conn_set_state(&e->c, E_REGISTERED);
	public_node_up(e->c.gw->pub, e->name);
	if (flush_out(e) == -1) {
		conn_close(&e->c, RC_IO_ERROR, "write failed");
		return;
	}
	(void)half_want(&e->c.h, 1, e->outoff < e->outlen);
}

static int
public_line(const struct reg_node *n, void *arg)
{
	struct epmd_conn *e = arg;
	uint8_t line[EPMD_MAX_NAME + 64];
	uint16_t port = public_port(e->c.gw->pub, n->name);

	if (port != 0 && epmd_put(e, line, epmd_names_line(line, sizeof(line),
	    n->name, port)) == -1)
		return 1;
	return 0;
}

/* The public EPMD: only lookups of exposed nodes' pinned TLS ports. */
static void
handle_public(struct epmd_conn *e, const struct epmd_req *req)
{
	const struct config *cfg = e->c.gw->cfg;
	uint8_t out[EPMD_MAX_NAME + 32];
	const struct reg_node *n;
	uint16_t port;

	switch (req->tag) {
	case EPMD_PORT_PLEASE2_REQ:
		n = registry_find(e->c.gw->reg, req->name);
		port = n ? public_port(e->c.gw->pub, req->name) : 0;
		if (port == 0 && e->c.gw->public_miss != NULL &&
		    e->c.gw->public_miss(e, req->name) == 0)
			return;
		log_debug("epmd=%llu public lookup %s from %s: %u",
		    (unsigned long long)e->c.id, req->name, e->addr, port);
		if (port != 0)
			(void)epmd_put(e, out, epmd_port2_reply(out,
			    sizeof(out), port, n->node_type, 0, n->high, n->low,
			    n->name, NULL, 0));
		else
			(void)epmd_put(e, out, epmd_port2_notfound(out,
			    sizeof(out)));
		epmd_finish(e);
		return;
	case EPMD_NAMES_REQ:
		epmd_put_names_header(e,
		    sa_port((const struct sockaddr *)&cfg->public_epmd.ss));
		if (cfg->public_names)
			registry_foreach(e->c.gw->reg, public_line, e);
		epmd_finish(e);
		return;
	default:
		conn_close(&e->c, RC_BAD_REQUEST, "request refused on the "
		    "public EPMD (lookups only)");
		return;
	}
}

void
epmd_refuse(struct epmd_conn *e, const struct epmd_req *req)
{
	switch (req->tag) {
	case EPMD_KILL_REQ:
		log_warnx("epmd=%llu client=%s KILL refused: distgate is not "
		    "stopped through EPMD", (unsigned long long)e->c.id,
		    e->addr);
		(void)epmd_put(e, (const uint8_t *)"NO", 2);
		epmd_finish(e);
		return;
	case EPMD_STOP_REQ:
		conn_close(&e->c, RC_BAD_REQUEST, "STOP refused: distgate does "
		    "not unregister nodes through EPMD");
		return;
	case EPMD_ALIVE2_REQ:
		conn_close(&e->c, RC_BAD_REQUEST, "registration on an alias "
		    "address refused");
		return;
	case EPMD_DUMP_REQ:
		conn_close(&e->c, RC_BAD_REQUEST, "DUMP from a non-local client "
		    "refused");
		return;
	default:
		conn_close(&e->c, RC_BAD_REQUEST, "request refused");
		return;
	}
}

/* The host's own EPMD. */
static void
handle_local(struct epmd_conn *e, const struct epmd_req *req)
{
	uint8_t out[EPMD_MAX_NAME + 32];
	const struct reg_node *n;

	switch (req->tag) {
	case EPMD_ALIVE2_REQ:
		handle_alive2(e, req);
		return;
	case EPMD_PORT_PLEASE2_REQ:
		if ((n = registry_find(e->c.gw->reg, req->name)) != NULL)
			(void)epmd_put(e, out, epmd_port2_reply(out,
			    sizeof(out), n->port, n->node_type, n->protocol,
			    n->high, n->low, n->name, NULL, 0));
		else
			(void)epmd_put(e, out, epmd_port2_notfound(out,
			    sizeof(out)));
		epmd_finish(e);
		return;
	case EPMD_NAMES_REQ:
		answer_local_names(e, 0);
		return;
	case EPMD_DUMP_REQ:
		if (!e->local_client) {
			conn_close(&e->c, RC_BAD_REQUEST, "DUMP from a "
			    "non-local client refused");
			return;
		}
		answer_local_names(e, 1);
		return;
	default:
		epmd_refuse(e, req);
		return;
	}
}

void
epmd_accept_local(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	epmd_accept(arg, fd, sa, local, handle_local, NULL);
}

void
epmd_accept_public(int fd, const struct sockaddr *sa,
    const struct sockaddr *local, void *arg)
{
	/* A process of this host on the host's own address is local. */
	accept_conn(arg, fd, sa, local, handle_public, NULL,
	    !(sa_is_loopback(sa) || sa_same_addr(sa, local)));
}

static void
epmd_io(evutil_socket_t fd, short what, void *arg)
{
	struct epmd_conn *e = arg;
	struct epmd_req req;
	const char *why = NULL;
	ssize_t n;
	uint8_t b;
	int r;

	(void)fd;
	(void)what;
	switch (e->c.state) {
	case E_READ:
		n = half_read(&e->c.h, e->in + e->inlen, sizeof(e->in) -
		    e->inlen);
		if (n == HALF_AGAIN)
			return;
		if (n == HALF_ERR || n == 0) {
			conn_close(&e->c, n == 0 ? (e->inlen ? RC_BAD_REQUEST :
			    RC_OK) : RC_IO_ERROR, n == 0 ? (e->inlen ?
			    "truncated request" : NULL) : e->c.h.err);
			return;
		}
		e->inlen += (size_t)n;
		e->c.bytes_in += (uint64_t)n;
		switch (epmd_parse_request(e->in, e->inlen, &req, &why)) {
		case EPMD_NEED_MORE:
			return;
		case EPMD_BAD:
			conn_close(&e->c, RC_BAD_REQUEST, why);
			return;
		case EPMD_DONE:
			(void)half_want(&e->c.h, 0, 0);
			e->handle(e, &req);
			return;
		}
		return;
	case E_WAIT:
		return;
	case E_WRITE:
		if ((r = flush_out(e)) != 0)
			conn_close(&e->c, r == 1 ? RC_OK : RC_IO_ERROR,
			    r == 1 ? NULL : "write failed");
		return;
	case E_REGISTERED:
		if (e->outoff < e->outlen) {
			if ((r = flush_out(e)) == -1) {
				conn_close(&e->c, RC_IO_ERROR, "write failed");
				return;
			}
			(void)half_want(&e->c.h, 1, r == 0);
		}
		n = half_read(&e->c.h, &b, 1);
		if (n == HALF_AGAIN)
			return;
		conn_close(&e->c, n == 0 ? RC_OK : n > 0 ? RC_BAD_REQUEST :
		    RC_IO_ERROR, n == 0 ? "registration closed" : n > 0 ?
		    "unexpected byte on registration" : e->c.h.err);
		return;
	}
}
