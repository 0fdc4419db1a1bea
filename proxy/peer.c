/* peer.c — a remote host's state: its nodes, link pool and TLS session.
 * See peer.h. */
#include "proxy/peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/listener.h"
#include "proxy/util/log.h"

struct peer *
peer_new(struct gateway *gw, size_t idx, char *err, size_t errlen)
{
	return peer_new_in(gw, idx, &gw->cfg->peers[idx], err, errlen);
}

struct peer *
peer_new_in(struct gateway *gw, size_t idx, const struct config_peer *pc,
    char *err, size_t errlen)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->gw = gw;
	p->idx = idx;
	p->cfg = pc;
	return p;
}

void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	/* Links are conns: the gateway closed them, which emptied the
	 * pool, before peers are freed. */
	for (size_t i = 0; i < p->nnodes; i++) {
		listener_free(p->nodes[i]->l);
		listener_free(p->nodes[i]->il);
		free(p->nodes[i]->name);
		free(p->nodes[i]);
	}
	free(p->nodes);
	listener_free(p->epmd);
	listener_free(p->inside_epmd);
	if (p->session != NULL)
		SSL_SESSION_free(p->session);
	free(p);
}

void
peer_stop_listening(struct peer *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nnodes; i++) {
		listener_free(p->nodes[i]->l);
		p->nodes[i]->l = NULL;
		listener_free(p->nodes[i]->il);
		p->nodes[i]->il = NULL;
	}
	listener_free(p->epmd);
	p->epmd = NULL;
	listener_free(p->inside_epmd);
	p->inside_epmd = NULL;
}

struct peer_node *
peer_node_find(const struct peer *p, const char *name)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (strcmp(p->nodes[i]->name, name) == 0)
			return p->nodes[i];
	return NULL;
}

struct peer_node *
peer_node_add(struct peer *p, const char *name, uint16_t remote_port)
{
	struct peer_node *pn;

	if (p->nnodes == PEER_MAX_NODES) {
		log_warnx("peer=%s too many remote nodes (%d)", p->cfg->name,
		    PEER_MAX_NODES);
		return NULL;
	}
	if (p->nnodes == p->capnodes) {
		size_t cap = p->capnodes ? p->capnodes * 2 : 8;
		struct peer_node **n = realloc(p->nodes, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		p->nodes = n;
		p->capnodes = cap;
	}
	if ((pn = calloc(1, sizeof(*pn))) == NULL ||
	    (pn->name = strdup(name)) == NULL) {
		free(pn);
		return NULL;
	}
	pn->peer = p;
	pn->remote_port = remote_port;
	p->nodes[p->nnodes++] = pn;
	return pn;
}

void
peer_node_drop(struct peer *p, struct peer_node *pn)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		if (p->nodes[i] == pn) {
			p->nodes[i] = p->nodes[--p->nnodes];
			break;
		}
	}
	listener_free(pn->l);
	listener_free(pn->il);
	free(pn->name);
	free(pn);
}

void
peer_node_seen(struct peer *p, const char *name, uint8_t node_type,
    uint16_t high, uint16_t low, uint64_t now)
{
	struct peer_node *pn = peer_node_find(p, name);

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
	const struct peer_node *pn = peer_node_find(p, name);

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
