/* peer.c — a remote host: alias EPMD, per-node ports, link pool.  See peer.h. */
#include "proxy/peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "proxy/conn.h"
#include "proxy/epmd.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/wire/gwproto.h"
#include "proxy/listener.h"
#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/util/sockaddr.h"
#include "proxy/splice.h"

static void
alias_sockaddr(const struct peer *p, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr = p->cfg->alias;
	sin->sin_port = htons(port);
}

struct peer *
peer_new(struct gateway *gw, size_t idx, char *err, size_t errlen)
{
	struct peer *p;
	struct sockaddr_in sin;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->gw = gw;
	p->idx = idx;
	p->cfg = &gw->cfg->peers[idx];
	if (p->cfg->kind == PEER_KIND_PLAIN)
		return p;	/* reached only through bastion routing */
	alias_sockaddr(p, gw->cfg->epmd_port, &sin);
	p->epmd = listener_new(gw->base, (struct sockaddr *)&sin, sizeof(sin),
	    "alias-epmd", epmd_accept_alias, p, err, errlen);
	if (p->epmd == NULL) {
		peer_free(p);
		return NULL;
	}
	return p;
}

void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	while (p->nidle > 0)
		gwlink_close(p->idle[p->nidle - 1], "shutdown");
	for (size_t i = 0; i < p->nnodes; i++) {
		listener_free(p->nodes[i]->l);
		free(p->nodes[i]->name);
		free(p->nodes[i]);
	}
	free(p->nodes);
	listener_free(p->epmd);
	if (p->session != NULL)
		SSL_SESSION_free(p->session);
	free(p);
}

/* ROUTE answered: on success the link becomes the conn's TLS half. */
static void
route_reply(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct conn *c = arg;
	size_t n = 0;

	(void)msg;
	c->link = NULL;
	if (status != GW_OK) {
		char why[300];
		snprintf(why, sizeof(why), "route refused: %s%s%s",
		    status == -1 ? "link failed" : gw_status_name(status),
		    reason && *reason ? ": " : "", reason ? reason : "");
		conn_close(c, status == -1 ? "link_failed" : "route_refused",
		    why);
		return;
	}
	if (c->down.hs == NULL && (c->down.hs = malloc(CONN_HS_CAP)) == NULL) {
		gwlink_cancel(link);
		conn_close(c, "internal", "out of memory");
		return;
	}
	if (gwlink_handover(link, &c->remote, c->gw->base, conn_io, c,
	    c->down.hs, CONN_HS_CAP, &n) == -1) {
		conn_close(c, "internal", "handover failed");
		return;
	}
	c->down.hslen = n;
	log_info("conn=%llu route peer=%s node=%s", (unsigned long long)c->id,
	    c->gw->cfg->peers[c->peer_idx].name, c->target);
	if (splice_start(c, 1) == -1)
		conn_close(c, c->code ? c->code : "internal", c->why);
}

/* A local node dialled the alias port of a remote node. */
static void
node_accept(int fd, const struct sockaddr *sa, const struct sockaddr *local,
    void *arg)
{
	struct peer_node *pn = arg;
	struct peer *p = pn->peer;
	struct conn *c;

	(void)sa;
	(void)local;
	if ((c = conn_new(p->gw, 1)) == NULL) {
		close(fd);
		return;
	}
	c->peer_idx = (long)p->idx;
	snprintf(c->raddr, sizeof(c->raddr), "%s", p->cfg->address);
	snprintf(c->ident, sizeof(c->ident), "%s", p->cfg->identity);
	snprintf(c->target, sizeof(c->target), "%s", pn->name);
	if (half_open(&c->local, p->gw->base, fd, NULL, conn_io, c) == -1) {
		conn_close(c, "internal", "event setup failed");
		return;
	}
	conn_set_state(c, CONN_ROUTE);
	if (p->cfg->kind == PEER_KIND_NATIVE) {
		/* A native inet_tls_dist node: TLS straight to its port. */
		struct sockaddr_storage ss = p->cfg->addr.ss;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port =
			    htons(pn->remote_port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons(pn->remote_port);
		sa_fmt((struct sockaddr *)&ss, c->raddr, sizeof(c->raddr));
		c->link = gwlink_direct(p, (struct sockaddr *)&ss,
		    p->cfg->addr.len, route_reply, c);
	} else {
		char rname[GWPROTO_MAX_NAME + 1];
		peer_request_name(p, pn->name, rname, sizeof(rname));
		c->link = gwlink_request(p, GW_ROUTE, rname, route_reply, c);
	}
	if (c->link == NULL)
		conn_close(c, "link_failed", "no link to peer");
}

static struct peer_node *
node_find(const struct peer *p, const char *name)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (strcmp(p->nodes[i]->name, name) == 0)
			return p->nodes[i];
	return NULL;
}

void
peer_node_seen(struct peer *p, const char *name, uint8_t node_type,
    uint16_t high, uint16_t low, uint64_t now)
{
	struct peer_node *pn = node_find(p, name);

	if (pn == NULL)
		return;
	pn->seen_ms = now;
	pn->node_type = node_type;
	pn->high = high;
	pn->low = low;
}

const struct peer_node *
peer_node_fresh(const struct peer *p, const char *name, uint64_t now)
{
	const struct peer_node *pn = node_find(p, name);

	if (pn == NULL || pn->seen_ms == 0 ||
	    now - pn->seen_ms > PEER_RESOLVE_CACHE_MS)
		return NULL;
	return pn;
}

void
peer_request_name(const struct peer *p, const char *alive, char *out,
    size_t cap)
{
	if (p->cfg->via != NULL)
		snprintf(out, cap, "%s@%s", alive, p->cfg->hostnames[0]);
	else
		snprintf(out, cap, "%s", alive);
}

int
peer_node_port(struct peer *p, const char *name, uint16_t remote_port,
    uint16_t *port)
{
	struct sockaddr_in sin;
	struct peer_node *pn;
	char err[256];

	for (size_t i = 0; i < p->nnodes; i++) {
		if (strcmp(p->nodes[i]->name, name) == 0) {
			if (remote_port != 0)
				p->nodes[i]->remote_port = remote_port;
			*port = p->nodes[i]->port;
			return 0;
		}
	}
	if (p->nnodes == PEER_MAX_NODES) {
		log_warnx("peer=%s too many remote nodes (%d)", p->cfg->name,
		    PEER_MAX_NODES);
		return -1;
	}
	if (p->nnodes == p->capnodes) {
		size_t cap = p->capnodes ? p->capnodes * 2 : 8;
		struct peer_node **n = realloc(p->nodes, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		p->nodes = n;
		p->capnodes = cap;
	}
	if ((pn = calloc(1, sizeof(*pn))) == NULL ||
	    (pn->name = strdup(name)) == NULL) {
		free(pn);
		return -1;
	}
	pn->peer = p;
	pn->remote_port = remote_port;
	alias_sockaddr(p, 0, &sin);
	pn->l = listener_new(p->gw->base, (struct sockaddr *)&sin, sizeof(sin),
	    "node", node_accept, pn, err, sizeof(err));
	if (pn->l == NULL) {
		log_warnx("peer=%s node=%s: %s", p->cfg->name, name, err);
		free(pn->name);
		free(pn);
		return -1;
	}
	pn->port = listener_port(pn->l);
	p->nodes[p->nnodes++] = pn;
	log_info("peer=%s node=%s listening on %s:%u", p->cfg->name, name,
	    inet_ntoa(p->cfg->alias), pn->port);
	*port = pn->port;
	return 0;
}

int
peer_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct peer *p = SSL_get_app_data(ssl);

	if (p == NULL)
		return 0;
	if (p->session != NULL)
		SSL_SESSION_free(p->session);
	p->session = sess;
	return 1;
}

struct gwlink *
peer_take_idle(struct peer *p)
{
	if (p->nidle == 0)
		return NULL;
	return p->idle[--p->nidle];
}

int
peer_put_idle(struct peer *p, struct gwlink *link)
{
	if (p->nidle == PEER_IDLE_LINKS)
		return -1;
	p->idle[p->nidle++] = link;
	return 0;
}

void
peer_forget_idle(struct peer *p, struct gwlink *link)
{
	for (size_t i = 0; i < p->nidle; i++) {
		if (p->idle[i] == link) {
			p->idle[i] = p->idle[--p->nidle];
			return;
		}
	}
}
