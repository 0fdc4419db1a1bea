/*
 * reload.c — the live reload: a new state built beside the running one,
 * the open connections judged against it, then the swap.  See reload.h.
 */
#include "proxy/reload.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "crypto/certcheck.h"
#include "crypto/cookie.h"
#include "crypto/ident.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/epmd.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/inbound.h"
#include "proxy/listener.h"
#include "proxy/outbound.h"
#include "proxy/peer.h"
#include "proxy/tunnel.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/hs_verify.h"
#include "proxy/wire/revoke.h"

#define NO_PEER		((size_t)-1)
#define REVOKE_WHY	160

/* Everything a reload builds before it touches the running gateway. */
struct next {
	struct config *cfg;
	SSL_CTX *srv_ctx, *cli_ctx;
	struct cookie *cookie;
	struct cookie **peer_cookie;	/* per new [peer] */
	struct cookie **node_cookie;	/* per new [node] */
	size_t npc, nnc;		/* their lengths */
	struct peer **peers;		/* the new gw->peers: NULL where an
					   old one moves in */
	size_t npeers;
	struct listener *tls;		/* the TLS listener, when it moved */
	size_t *map;			/* old peer index -> new, or NO_PEER */
	size_t nold;
};

/* A connection to close after the judgement. */
struct doomed {
	uint64_t id;
	enum conn_kind kind;
	enum reason code;
	char why[REVOKE_WHY];
};

struct verdicts {
	struct gateway *gw;
	struct next *nx;
	struct doomed *d;
	size_t n, cap;
	int oom;
};

static void
next_free(struct next *nx)
{
	SSL_CTX_free(nx->srv_ctx);
	SSL_CTX_free(nx->cli_ctx);
	cookie_free(nx->cookie);
	for (size_t i = 0; nx->peer_cookie && i < nx->npc; i++)
		cookie_free(nx->peer_cookie[i]);
	for (size_t i = 0; nx->node_cookie && i < nx->nnc; i++)
		cookie_free(nx->node_cookie[i]);
	free(nx->peer_cookie);
	free(nx->node_cookie);
	for (size_t i = 0; nx->peers && i < nx->npeers; i++)
		peer_free(nx->peers[i]);
	free(nx->peers);
	listener_free(nx->tls);
	free(nx->map);
	config_free(nx->cfg);
	memset(nx, 0, sizeof(*nx));
}

/* Loads the TLS contexts and cookies of CFG into NX.  Returns 0 or -1 with
 * "file: key: reason" in ERR. */
static int
load_files(struct next *nx, const struct config *cfg, char *err,
    size_t errlen)
{
	const struct tls_files files = {
		.cert = cfg->cert, .key = cfg->key, .ca = cfg->ca,
		.crl = cfg->crl, .min_version = cfg->min_version,
	};
	char why[512];

	if ((nx->srv_ctx = tls_server_ctx_new(&files, why, sizeof(why))) ==
	    NULL || (nx->cli_ctx = tls_client_ctx_new(&files, peer_session_cb,
	    why, sizeof(why))) == NULL)
		goto fail;
	nx->peer_cookie = calloc(cfg->npeers + 1, sizeof(*nx->peer_cookie));
	nx->node_cookie = calloc(cfg->nnodes + 1, sizeof(*nx->node_cookie));
	if (nx->peer_cookie == NULL || nx->node_cookie == NULL) {
		snprintf(why, sizeof(why), "load: out of memory");
		goto fail;
	}
	nx->npc = cfg->npeers;
	nx->nnc = cfg->nnodes;
	if (cfg->cookie_file != NULL && (nx->cookie = cookie_load(
	    cfg->cookie_file, why, sizeof(why))) == NULL)
		goto cookie;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (cfg->peers[i].cookie_file != NULL &&
		    (nx->peer_cookie[i] = cookie_load(cfg->peers[i].cookie_file,
		    why, sizeof(why))) == NULL)
			goto cookie;
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].cookie_file != NULL &&
		    (nx->node_cookie[i] = cookie_load(cfg->nodes[i].cookie_file,
		    why, sizeof(why))) == NULL)
			goto cookie;
	return 0;
cookie:
	snprintf(err, errlen, "%s: cookie_file: %s", cfg->path, why);
	return -1;
fail:
	snprintf(err, errlen, "%s: %s", cfg->path, why);
	return -1;
}

int
reload_check_files(const struct config *cfg, char *err, size_t errlen)
{
	struct next nx;
	int rc;

	memset(&nx, 0, sizeof(nx));
	rc = load_files(&nx, cfg, err, errlen);
	next_free(&nx);
	return rc;
}

static void
note_restart(const char *key, void *arg)
{
	(void)arg;
	log_warnx("reload: %s changed: it takes effect at a restart; the "
	    "running value is kept", key);
}

/* 1 if new peer NP must be a new struct peer rather than old OP moved:
 * what its listeners and request paths were set up from changed. */
static int
replaced(const struct config_peer *op, const struct config_peer *np)
{
	if (op->kind != np->kind || op->alias.s_addr != np->alias.s_addr)
		return 1;
	if ((op->via == NULL) != (np->via == NULL))
		return 1;
	return op->via != NULL && strcmp(op->via, np->via) != 0;
}

/* Builds NX: the configuration, its files, the peer map, the TLS listener
 * when `listen` moved.  Returns 0 or -1 with ERR set. */
static int
prepare(struct gateway *gw, struct next *nx, char *err, size_t errlen)
{
	const struct config *old = gw->cfg;
	char why[256];

	if (config_load(old->path, &nx->cfg, err, errlen) == -1)
		return -1;
	if (config_reload_fit(nx->cfg, old, note_restart, NULL, err,
	    errlen) == -1)
		return -1;
	if (load_files(nx, nx->cfg, err, errlen) == -1)
		return -1;
	nx->nold = old->npeers;
	if ((nx->map = calloc(old->npeers + 1, sizeof(*nx->map))) == NULL) {
		snprintf(err, errlen, "%s: reload: out of memory", old->path);
		return -1;
	}
	nx->npeers = nx->cfg->npeers;
	if ((nx->peers = calloc(nx->npeers + 1, sizeof(*nx->peers))) == NULL) {
		snprintf(err, errlen, "%s: reload: out of memory", old->path);
		return -1;
	}
	for (size_t i = 0; i < old->npeers; i++) {
		nx->map[i] = NO_PEER;
		for (size_t j = 0; j < nx->cfg->npeers; j++)
			if (strcmp(old->peers[i].name, nx->cfg->peers[j].name) ==
			    0 && !replaced(&old->peers[i], &nx->cfg->peers[j]))
				nx->map[i] = j;
	}
	/* Peers that are new (or replaced) are made now: the swap cannot
	 * fail half-way. */
	for (size_t j = 0; j < nx->npeers; j++) {
		int moves = 0;

		for (size_t i = 0; i < old->npeers; i++)
			moves |= nx->map[i] == j;
		if (!moves && (nx->peers[j] = peer_new_in(gw, j,
		    &nx->cfg->peers[j], why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: [peer %s]: %s", old->path,
			    nx->cfg->peers[j].name, why);
			return -1;
		}
	}
	if (nx->cfg->listen.len != old->listen.len || memcmp(&nx->cfg->listen.ss,
	    &old->listen.ss, old->listen.len) != 0) {
		nx->tls = listener_new(gw->base,
		    (const struct sockaddr *)&nx->cfg->listen.ss,
		    nx->cfg->listen.len, "tls", inbound_accept, gw, why,
		    sizeof(why));
		if (nx->tls == NULL) {
			snprintf(err, errlen, "%s: listen: %s", old->path, why);
			return -1;
		}
		listener_set_dead_peer(nx->tls, nx->cfg->dead_peer_timeout_ms);
	}
	return 0;
}

static void
doom(struct verdicts *v, const struct conn *c, enum reason code,
    const char *why)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct doomed *d = realloc(v->d, cap * sizeof(*d));

		if (d == NULL) {
			v->oom = 1;
			return;
		}
		v->d = d;
		v->cap = cap;
	}
	v->d[v->n].id = c->id;
	v->d[v->n].kind = c->kind;
	v->d[v->n].code = code;
	snprintf(v->d[v->n].why, REVOKE_WHY, "%s", why);
	v->n++;
}

/* The new section of old peer index I, or NULL when it is gone. */
static const struct config_peer *
new_peer(const struct next *nx, long i)
{
	if (i < 0 || (size_t)i >= nx->nold || nx->map[i] == NO_PEER)
		return NULL;
	return &nx->cfg->peers[nx->map[i]];
}

/* Checks the certificate of TLS half H (done with its handshake) against
 * the new CA and CRL, and its identity against NP's when NP is set.
 * Returns 0, or -1 with WHY set. */
static int
judge_cert(const struct next *nx, const struct half *h,
    const struct config_peer *np, char *why, size_t len)
{
	char r[128];

	if (h->ssl == NULL || !SSL_is_init_finished(h->ssl))
		return 0;
	if (certcheck_peer(nx->srv_ctx, h->ssl, r, sizeof(r)) == -1) {
		snprintf(why, len, "certificate: %s", r);
		return -1;
	}
	if (np != NULL && !ident_match(SSL_get0_peer_certificate(h->ssl),
	    np->identity)) {
		snprintf(why, len, "certificate no longer peer %s's identity "
		    "%s", np->name, np->identity);
		return -1;
	}
	return 0;
}

static void
judge_tunnel(struct verdicts *v, struct tunnel *t)
{
	const struct config *old = v->gw->cfg;
	const struct config_peer *np;
	struct revoke_conn rc;
	char why[REVOKE_WHY];

	if (t->peer_idx < 0)
		return;		/* no peer yet: judged as it authenticates */
	np = new_peer(v->nx, t->peer_idx);
	rc.peer = old->peers[t->peer_idx].name;
	rc.inbound = !t->outbound;
	rc.hidden = t->hidden;
	rc.remote = t->outbound ? t->acceptor : t->initiator;
	if (revoke_judge(np, &rc, why, sizeof(why)) != RC_OK)
		goto revoke;
	if (t->bpeer >= 0 && new_peer(v->nx, t->bpeer) == NULL) {
		snprintf(why, sizeof(why), "peer %s removed (or its kind or via changed) by reload",
		    old->peers[t->bpeer].name);
		goto revoke;
	}
	if (judge_cert(v->nx, &t->c.h, np, why, sizeof(why)) == -1 ||
	    judge_cert(v->nx, &t->local, NULL, why, sizeof(why)) == -1)
		goto revoke;
	return;
revoke:
	doom(v, &t->c, RC_REVOKED, why);
}

/* Old peer index of struct peer P, or -1. */
static long
old_index(const struct gateway *gw, const struct peer *p)
{
	for (size_t i = 0; i < gw->npeers; i++)
		if (gw->peers[i] == p)
			return (long)i;
	return -1;
}

static void
judge_one(struct conn *c, void *arg)
{
	struct verdicts *v = arg;
	const struct config_peer *np;
	struct epmd_conn *e;
	char why[REVOKE_WHY];
	long i;

	switch (c->kind) {
	case CONN_KIND_TUNNEL:
		judge_tunnel(v, (struct tunnel *)c);
		break;
	case CONN_KIND_LINK:
		i = old_index(v->gw, gwlink_peer(c));
		if ((np = new_peer(v->nx, i)) == NULL) {
			snprintf(why, sizeof(why), "peer %s removed (or its kind or via changed) by reload",
			    i >= 0 ? v->gw->cfg->peers[i].name : "?");
			doom(v, c, RC_REVOKED, why);
		} else if (judge_cert(v->nx, &c->h, np, why, sizeof(why)) == -1)
			doom(v, c, RC_REVOKED, why);
		break;
	case CONN_KIND_EPMD:
		/* An alias EPMD's client: its peer must stay; so must the
		 * native peer and reach host of a public inside lookup
		 * (bastion_pub.h). */
		e = (struct epmd_conn *)c;
		i = old_index(v->gw, e->arg);
		if (i < 0 && e->bsrc >= 0)
			i = new_peer(v->nx, e->bsrc) == NULL ? e->bsrc :
			    e->bpeer >= 0 && new_peer(v->nx, e->bpeer) ==
			    NULL ? e->bpeer : -1;
		if (i >= 0 && new_peer(v->nx, i) == NULL) {
			snprintf(why, sizeof(why), "peer %s removed (or its kind or via changed) by reload",
			    v->gw->cfg->peers[i].name);
			doom(v, c, RC_REVOKED, why);
		}
		break;
	default:
		break;		/* epmdc: its requester decides */
	}
}

/* Closes the doomed, requesters first (as gateway_stop does). */
static unsigned
close_doomed(struct gateway *gw, struct verdicts *v)
{
	static const enum conn_kind order[] = { CONN_KIND_TUNNEL,
	    CONN_KIND_EPMD, CONN_KIND_LINK, CONN_KIND_EPMDC };
	unsigned n = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < v->n; i++) {
			struct conn *c;

			if (v->d[i].kind != order[k])
				continue;
			/* A close may close others: look it up each time. */
			for (c = gw->conns; c != NULL && c->id != v->d[i].id;
			    c = c->next)
				;
			if (c == NULL)
				continue;
			log_info("reload: conn=%llu %s closed: %s",
			    (unsigned long long)c->id, c->ops->kind,
			    v->d[i].why);
			conn_close(c, v->d[i].code, v->d[i].why);
			n++;
		}
	return n;
}

/* Old peer P stays as new peer J: links made for its old address or
 * identity leave the pool, and the next link verifies afresh. */
static void
peer_refresh(struct peer *p, const struct config_peer *np)
{
	struct gwlink *l;
	int moved = strcmp(p->cfg->address, np->address) != 0 ||
	    strcmp(p->cfg->identity, np->identity) != 0 ||
	    p->cfg->min_version != np->min_version;

	if (moved) {
		while ((l = peer_take_idle(p)) != NULL)
			gwlink_close(l, "peer changed by reload");
		if (p->warming != NULL)
			gwlink_close(p->warming, "peer changed by reload");
	}
	/* A resumed session would skip the new CA and CRL. */
	if (p->session != NULL) {
		SSL_SESSION_free(p->session);
		p->session = NULL;
	}
}

static void
remap_tunnel(struct conn *c, void *arg)
{
	struct next *nx = arg;
	struct tunnel *t = (struct tunnel *)c;
	const struct config_peer *np;

	if (c->kind == CONN_KIND_EPMD) {
		/* A public inside lookup: judged, so both peers stay. */
		struct epmd_conn *e = (struct epmd_conn *)c;
		if (e->bsrc >= 0)
			e->bsrc = (long)nx->map[e->bsrc];
		if (e->bpeer >= 0)
			e->bpeer = (long)nx->map[e->bpeer];
		return;
	}
	if (c->kind != CONN_KIND_TUNNEL)
		return;
	if (t->bpeer >= 0)
		t->bpeer = new_peer(nx, t->bpeer) != NULL ?
		    (long)nx->map[t->bpeer] : -1;
	if (t->peer_idx < 0)
		return;
	/* Judged: every tunnel left has a peer in the new configuration. */
	np = new_peer(nx, t->peer_idx);
	t->peer_idx = np != NULL ? (long)nx->map[t->peer_idx] : -1;
	if (t->hv != NULL && np != NULL) {
		t->hv->pol.names = np->nodes;
		t->hv->pol.nnames = np->nnodes;
		t->hv->pol.allow_hidden = np->allow_hidden;
	}
}

#define SWAP(a, b) do { __typeof__(a) tmp_ = (a); (a) = (b); (b) = tmp_; } \
	while (0)

/* Puts NX in force.  What was running ends up in NX, freed by the
 * caller.  Returns the number of peers added. */
static size_t
swap(struct gateway *gw, struct next *nx)
{
	struct config *nc = nx->cfg;
	struct peer **peers = nx->peers;
	size_t added = 0;
	char err[256];

	for (size_t i = 0; i < gw->npeers; i++) {
		struct peer *p = gw->peers[i];

		gw->peers[i] = NULL;
		if (nx->map[i] == NO_PEER) {
			log_info("reload: peer=%s removed", p->cfg->name);
			peer_free(p);	/* its conns were closed */
			continue;
		}
		peer_refresh(p, &nc->peers[nx->map[i]]);
		peers[nx->map[i]] = p;
	}
	conn_foreach(gw, remap_tunnel, nx);
	for (size_t j = 0; j < nc->npeers; j++) {
		peers[j]->idx = j;
		peers[j]->cfg = &nc->peers[j];
	}
	nx->peers = gw->peers;		/* every entry NULL now */
	nx->npeers = gw->npeers;
	gw->peers = peers;
	gw->npeers = nc->npeers;
	/* The running state goes into NX, to be freed with it. */
	nx->npc = gw->cfg->npeers;
	nx->nnc = gw->cfg->nnodes;
	nx->cfg = gw->cfg_owned;
	gw->cfg_owned = nc;
	gw->cfg = nc;
	SWAP(gw->srv_ctx, nx->srv_ctx);
	SWAP(gw->cli_ctx, nx->cli_ctx);
	SWAP(gw->cookie, nx->cookie);
	SWAP(gw->peer_cookie, nx->peer_cookie);
	SWAP(gw->node_cookie, nx->node_cookie);
	if (nx->tls != NULL) {
		/* gateway_start() put the TLS listener after the EPMDs. */
		size_t k = nc->nepmd_listen;

		SWAP(gw->listeners[k], nx->tls);
		log_info("reload: listening tls on %s (the old listener "
		    "closes; open connections stay)", sa_fmt(
		    (const struct sockaddr *)&nc->listen.ss, err, sizeof(err)));
	}
	for (size_t j = 0; j < nc->npeers; j++) {
		int moved = 0;

		for (size_t i = 0; i < nx->nold; i++)
			moved |= nx->map[i] == j;
		if (moved)
			continue;
		if (outbound_peer_start(peers[j], err, sizeof(err)) == -1)
			log_warnx("reload: peer=%s: %s (its nodes are not "
			    "reachable until a restart)", nc->peers[j].name,
			    err);
		log_info("reload: peer=%s added address=%s identity=%s "
		    "alias=%s", nc->peers[j].name, nc->peers[j].address,
		    nc->peers[j].identity, inet_ntoa(nc->peers[j].alias));
		added++;
	}
	return added;
}

int
reload_run(struct gateway *gw)
{
	struct next nx;
	struct verdicts v;
	char err[1024];
	size_t added;
	unsigned closed;

	memset(&nx, 0, sizeof(nx));
	memset(&v, 0, sizeof(v));
	gw->reloads.last = time(NULL);
	log_info("reload: reading %s", gw->cfg->path);
	if (prepare(gw, &nx, err, sizeof(err)) == -1) {
		log_error("reload failed, running configuration kept: %s", err);
		next_free(&nx);
		gw->reloads.failed++;
		return -1;
	}
	v.gw = gw;
	v.nx = &nx;
	conn_foreach(gw, judge_one, &v);
	if (v.oom) {
		log_error("reload failed, running configuration kept: out of "
		    "memory");
		free(v.d);
		next_free(&nx);
		gw->reloads.failed++;
		return -1;
	}
	closed = close_doomed(gw, &v);
	free(v.d);
	added = swap(gw, &nx);
	/* NX now holds the previous state; its cfg is the one a previous
	 * reload loaded (NULL for the caller's, which the caller frees). */
	next_free(&nx);
	gw->reloads.ok++;
	gw->reloads.revoked += closed;
	log_info("reload: configuration from %s in force: %zu peer(s), %u "
	    "connection(s) closed as revoked", gw->cfg->path, gw->cfg->npeers,
	    closed);
	if (added > 0)
		log_warnx("reload: %zu peer(s) added: nodes need the new "
		    "`distgate inetrc` to reach them", added);
	reload_cert_check(gw);
	return 0;
}
