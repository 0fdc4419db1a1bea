/* gateway_start.c — start-up and teardown of the running gateway.  See
 * gateway_start.h. */
#include "proxy/gateway_start.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <event2/event.h>

#include "config/config.h"
#include "crypto/cookie.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/drain.h"
#include "proxy/epmd.h"
#include "proxy/bastion_pub.h"
#include "proxy/gateway.h"
#include "proxy/inbound.h"
#include "proxy/listener.h"
#include "proxy/notify.h"
#include "proxy/outbound.h"
#include "proxy/peer.h"
#include "proxy/public.h"
#include "proxy/status.h"
#include "proxy/reload.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "crypto/ident.h"
#include "proxy/wire/lockout.h"
#include "proxy/wire/pending.h"
#include "proxy/wire/trust.h"
#include "proxy/wire/registry.h"

#define REGISTRY_MAX	4096

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gateway *gw = arg;

	(void)what;
	switch (sig) {
	case SIGTERM:		/* drains; a second one stops at once */
		notify_stopping();
		drain_start(gw);
		return;
	case SIGINT:
		notify_stopping();
		drain_stop_now(gw, "SIGINT");
		return;
	case SIGHUP:
		notify_reloading();
		(void)reload_run(gw);	/* logs and counts its outcome */
		notify_ready();
		return;
	default:
		log_info("signal %d: stopping", (int)sig);
		notify_stopping();
		event_base_loopexit(gw->base, NULL);
	}
}

/* Opens listener WHAT on SA; DEAD_PEER_MS > 0 for one that other hosts
 * connect to (net_dead_peer() on what it accepts). */
static int
add_listener(struct gateway *gw, const struct config_sockaddr *sa,
    const char *what, listener_cb *cb, unsigned dead_peer_ms, char *err,
    size_t errlen)
{
	struct listener *l;
	char a[64];

	l = listener_new(gw->base, (const struct sockaddr *)&sa->ss, sa->len,
	    what, cb, gw, err, errlen);
	if (l == NULL)
		return -1;
	listener_set_dead_peer(l, dead_peer_ms);
	gw->listeners[gw->nlisteners++] = l;
	log_info("listening %s on %s", what,
	    sa_fmt((const struct sockaddr *)&sa->ss, a, sizeof(a)));
	return 0;
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;

	(void)fd;
	(void)what;
	(void)lockout_sweep(gw->lockout, clock_ms());
	(void)trust_sweep(gw->trust, clock_ms());
}

/*
 * The budgets, fitted to the file descriptor limit: raises the soft limit
 * towards the hard one as far as the budgets need, and when even that is
 * short, shrinks the budgets (remote first) so that remote load can never
 * exhaust the descriptors local nodes need (a listener would pause on
 * EMFILE, the local EPMD's too).
 */
static int
set_budgets(struct gateway *gw, char *err, size_t errlen)
{
	const struct config *cfg = gw->cfg;
	/* Listeners (EPMDs, TLS, public, one alias EPMD per peer, pinned
	 * ports), pooled links (PEER_IDLE_LINKS + 1 per peer), logs. */
	unsigned reserve = 64 + 8 * (unsigned)cfg->npeers +
	    (unsigned)cfg->nnodes + (unsigned)cfg->nepmd_listen;
	rlim_t need = (rlim_t)reserve + 2 * (rlim_t)cfg->max_local_connections +
	    2 * (rlim_t)cfg->max_connections;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(err, errlen, "getrlimit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rlim_t was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit NOFILE %llu",
			    (unsigned long long)rl.rlim_cur);
			rl.rlim_cur = was;
		} else
			log_info("file descriptor limit raised from %llu to "
			    "%llu", (unsigned long long)was,
			    (unsigned long long)rl.rlim_cur);
	}
	if (gateway_budgets(gw, rl.rlim_cur == RLIM_INFINITY ? (unsigned long)
	    need : (unsigned long)rl.rlim_cur, reserve))
		log_warnx("file descriptor limit %llu (hard %llu) is below the "
		    "%llu the budgets need: max_local_connections %u, "
		    "max_connections %u in force (raise ulimit -n)",
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, (unsigned long long)need,
		    gw->max_local, gw->max_remote);
	if ((gw->pending = pending_new(gw->max_pending,
	    gw->max_pending_src)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_info("budgets: local=%u remote=%u pending=%u (per source %u) "
	    "tls_timeout=%ums", gw->max_local, gw->max_remote,
	    gw->max_pending, gw->max_pending_src, cfg->tls_timeout_ms);
	return 0;
}

/* Loads every configured cookie; they are wiped in gateway_stop(). */
static int
load_cookies(struct gateway *gw, char *err, size_t errlen)
{
	const struct config *cfg = gw->cfg;
	char why[512];

	gw->peer_cookie = calloc(cfg->npeers + 1, sizeof(*gw->peer_cookie));
	gw->node_cookie = calloc(cfg->nnodes + 1, sizeof(*gw->node_cookie));
	if (gw->peer_cookie == NULL || gw->node_cookie == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cfg->cookie_file != NULL &&
	    (gw->cookie = cookie_load(cfg->cookie_file, why,
	    sizeof(why))) == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (cfg->peers[i].cookie_file != NULL &&
		    (gw->peer_cookie[i] = cookie_load(
		    cfg->peers[i].cookie_file, why, sizeof(why))) == NULL)
			goto fail;
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].cookie_file != NULL &&
		    (gw->node_cookie[i] = cookie_load(cfg->nodes[i].cookie_file,
		    why, sizeof(why))) == NULL)
			goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cookie_file %s", why);
	return -1;
}

int
gateway_start(struct gateway *gw, struct event_base *base,
    const struct config *cfg, char *err, size_t errlen)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	const struct tls_files files = {
		.cert = cfg->cert, .key = cfg->key, .ca = cfg->ca,
		.crl = cfg->crl, .min_version = cfg->min_version,
	};

	memset(gw, 0, sizeof(*gw));
	gw->base = base;
	gw->cfg = cfg;
	gw->started = time(NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < 3; i++) {
		gw->sigev[i] = evsignal_new(base, sigs[i], on_signal, gw);
		if (gw->sigev[i] == NULL || evsignal_add(gw->sigev[i], NULL)) {
			snprintf(err, errlen, "signal setup failed");
			return -1;
		}
	}
	/* Links resume the peer's last session (peer_session_cb): connection
	 * setup skips the certificate exchange. */
	if ((gw->srv_ctx = tls_server_ctx_new(&files, err, errlen)) == NULL ||
	    (gw->cli_ctx = tls_client_ctx_new(&files, peer_session_cb, err,
	    errlen)) == NULL)
		return -1;
	if (load_cookies(gw, err, errlen) == -1 ||
	    set_budgets(gw, err, errlen) == -1)
		return -1;
	gw->lockout = lockout_new(cfg->lockout_failures,
	    cfg->lockout_window_ms, cfg->lockout_ban_ms);
	gw->trust = trust_new(cfg->lockout_guesses, 3600 * 1000,
	    cfg->lockout_known_good_ms);
	gw->sweep = event_new(base, -1, EV_PERSIST, on_sweep, gw);
	if (gw->lockout == NULL || gw->trust == NULL || gw->sweep == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	{
		struct timeval one = { 1, 0 };
		(void)event_add(gw->sweep, &one);
	}
	if (cfg->audit_file != NULL &&
	    (gw->audit = fopen(cfg->audit_file, "ae")) == NULL) {
		snprintf(err, errlen, "audit_file %s: %s", cfg->audit_file,
		    strerror(errno));
		return -1;
	}
	if ((gw->reg = registry_new(REGISTRY_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gw->listeners = calloc(cfg->nepmd_listen + 2, sizeof(*gw->listeners));
	gw->peers = calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*gw->peers));
	if (gw->listeners == NULL || gw->peers == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->nepmd_listen; i++)
		if (add_listener(gw, &cfg->epmd_listen[i], "epmd",
		    epmd_accept_local, 0, err, errlen) == -1)
			return -1;
	if (add_listener(gw, &cfg->listen, "tls", inbound_accept,
	    cfg->dead_peer_timeout_ms, err, errlen) == -1)
		return -1;
	if (cfg->public_epmd.len != 0) {
		if ((gw->pub = public_new(gw, err, errlen)) == NULL)
			return -1;
		/* A bastion's native peers may reach inside nodes (when
		 * one has reach; a reload may add it). */
		gw->public_miss = bastion_pub_lookup;
		if (add_listener(gw, &cfg->public_epmd, "public-epmd",
		    epmd_accept_public, cfg->dead_peer_timeout_ms, err,
		    errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < cfg->npeers; i++) {
		if ((gw->peers[i] = peer_new(gw, i, err, errlen)) == NULL)
			return -1;
		gw->npeers++;
		if (outbound_peer_start(gw->peers[i], err, errlen) == -1)
			return -1;
		log_info("peer=%s address=%s identity=%s alias=%s",
		    cfg->peers[i].name, cfg->peers[i].address,
		    cfg->peers[i].identity, inet_ntoa(cfg->peers[i].alias));
	}
	{
		size_t gaps = 0;
		char msg[512];
		for (size_t i = 0; i < cfg->npeers; i++)
			if (config_cookie_gap(cfg, i, msg, sizeof(msg))) {
				log_warnx("%s", msg);
				gaps++;
			}
		for (size_t i = 0; i < cfg->npeers; i++)
			if (config_native_gap(cfg, i, msg, sizeof(msg)))
				log_warnx("%s", msg);
		if (gaps == 0)
			log_info("cookie digests are checked at the edge");
	}
	/* For the status endpoint: when the certificates stop working. */
	if (status_start(gw, err, errlen) == -1)
		return -1;
	return 0;
}

void
gateway_stop(struct gateway *gw)
{
	/* Requesters first, so links and queries end as "shutdown" rather
	 * than failing their requester. */
	static const enum conn_kind order[] = { CONN_KIND_TUNNEL,
	    CONN_KIND_EPMD, CONN_KIND_LINK, CONN_KIND_EPMDC };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		conn_close_all(gw, order[i], RC_SHUTDOWN, "gateway stopping");
	status_free(gw->status);
	drain_free(gw);
	for (size_t i = 0; i < gw->npeers; i++)
		peer_free(gw->peers[i]);
	free(gw->peers);
	for (size_t i = 0; i < gw->nlisteners; i++)
		listener_free(gw->listeners[i]);
	free(gw->listeners);
	public_free(gw->pub);
	registry_free(gw->reg);
	SSL_CTX_free(gw->srv_ctx);
	SSL_CTX_free(gw->cli_ctx);
	for (size_t i = 0; i < 3; i++)
		if (gw->sigev[i] != NULL)
			event_free(gw->sigev[i]);
	cookie_free(gw->cookie);
	for (size_t i = 0; gw->peer_cookie && i < gw->cfg->npeers; i++)
		cookie_free(gw->peer_cookie[i]);
	for (size_t i = 0; gw->node_cookie && i < gw->cfg->nnodes; i++)
		cookie_free(gw->node_cookie[i]);
	free(gw->peer_cookie);
	free(gw->node_cookie);
	lockout_free(gw->lockout);
	trust_free(gw->trust);
	pending_free(gw->pending);
	if (gw->sweep != NULL)
		event_free(gw->sweep);
	if (gw->audit != NULL)
		fclose(gw->audit);
	memset(gw, 0, sizeof(*gw));
}
