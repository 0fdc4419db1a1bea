/* gateway.c — start-up and teardown of the running gateway.  See gateway.h. */
#include "proxy/gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config/config.h"
#include "crypto/cookie.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/epmd.h"
#include "proxy/inbound.h"
#include "proxy/listener.h"
#include "proxy/wire/lockout.h"
#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/util/sockaddr.h"
#include "proxy/peer.h"
#include "proxy/public.h"
#include "proxy/wire/registry.h"

#define REGISTRY_MAX	4096

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gateway *gw = arg;

	(void)what;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopexit(gw->base, NULL);
}

static int
add_listener(struct gateway *gw, const struct config_sockaddr *sa,
    const char *what, listener_cb *cb, char *err, size_t errlen)
{
	struct listener *l;
	char a[64];

	l = listener_new(gw->base, (const struct sockaddr *)&sa->ss, sa->len,
	    what, cb, gw, err, errlen);
	if (l == NULL)
		return -1;
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
	(void)lockout_sweep(gw->lockout, gateway_now_ms());
}

uint64_t
gateway_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Loads every configured cookie; they are wiped in gateway_fini(). */
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

const struct cookie *
gateway_cookie_for(const struct gateway *gw, long peer_idx,
    const char *local_alive, const char *remote_alive)
{
	const struct config *cfg = gw->cfg;

	for (int pass = 0; pass < 2; pass++) {
		const char *n = pass == 0 ? local_alive : remote_alive;
		if (n == NULL || *n == '\0')
			continue;
		for (size_t i = 0; i < cfg->nnodes; i++)
			if (gw->node_cookie[i] != NULL &&
			    strcmp(cfg->nodes[i].name, n) == 0)
				return gw->node_cookie[i];
	}
	if (peer_idx >= 0 && (size_t)peer_idx < cfg->npeers &&
	    gw->peer_cookie[peer_idx] != NULL)
		return gw->peer_cookie[peer_idx];
	return gw->cookie;
}

void
gateway_audit(struct gateway *gw, int quiet, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (quiet)
		log_debug("%s", line);
	else
		log_info("%s", line);
	if (gw->audit != NULL && !quiet) {
		fprintf(gw->audit, "%s\n", line);
		fflush(gw->audit);
	}
}

int
gateway_init(struct gateway *gw, struct event_base *base,
    const struct config *cfg, char *err, size_t errlen)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	memset(gw, 0, sizeof(*gw));
	gw->base = base;
	gw->cfg = cfg;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < 3; i++) {
		gw->sigev[i] = evsignal_new(base, sigs[i], on_signal, gw);
		if (gw->sigev[i] == NULL || evsignal_add(gw->sigev[i], NULL)) {
			snprintf(err, errlen, "signal setup failed");
			return -1;
		}
	}
	if ((gw->srv_ctx = tls_server_ctx_new(cfg, err, errlen)) == NULL ||
	    (gw->cli_ctx = tls_client_ctx_new(cfg, err, errlen)) == NULL)
		return -1;
	/* Links resume the peer's last session: connection setup skips the
	 * certificate exchange. */
	(void)SSL_CTX_set_session_cache_mode(gw->cli_ctx,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(gw->cli_ctx, peer_session_cb);
	if (load_cookies(gw, err, errlen) == -1)
		return -1;
	gw->lockout = lockout_new(cfg->lockout_failures,
	    cfg->lockout_window_ms, cfg->lockout_ban_ms);
	gw->sweep = event_new(base, -1, EV_PERSIST, on_sweep, gw);
	if (gw->lockout == NULL || gw->sweep == NULL) {
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
		    epmd_accept_local, err, errlen) == -1)
			return -1;
	if (add_listener(gw, &cfg->listen, "tls", inbound_accept, err,
	    errlen) == -1)
		return -1;
	if (cfg->public_epmd.len != 0) {
		if ((gw->pub = public_new(gw, err, errlen)) == NULL)
			return -1;
		if (add_listener(gw, &cfg->public_epmd, "public-epmd",
		    epmd_accept_public, err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < cfg->npeers; i++) {
		if ((gw->peers[i] = peer_new(gw, i, err, errlen)) == NULL)
			return -1;
		gw->npeers++;
		log_info("peer=%s address=%s identity=%s alias=%s",
		    cfg->peers[i].name, cfg->peers[i].address,
		    cfg->peers[i].identity, inet_ntoa(cfg->peers[i].alias));
	}
	if (cfg->cookie_file == NULL) {
		size_t with = 0;
		for (size_t i = 0; i < cfg->npeers; i++)
			with += cfg->peers[i].cookie_file != NULL;
		for (size_t i = 0; i < cfg->nnodes; i++)
			with += cfg->nodes[i].cookie_file != NULL;
		if (with == 0)
			log_info("no cookie configured: connections are "
			    "checked by certificate, identity and node name, "
			    "not by cookie digest");
	} else
		log_info("cookie digests are checked at the edge");
	return 0;
}

void
gateway_fini(struct gateway *gw)
{
	while (gw->conns != NULL)
		conn_close(gw->conns, "shutdown", "gateway stopping");
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
	if (gw->sweep != NULL)
		event_free(gw->sweep);
	if (gw->audit != NULL)
		fclose(gw->audit);
	memset(gw, 0, sizeof(*gw));
}

uint64_t
gateway_next_id(struct gateway *gw)
{
	return ++gw->next_id;
}

int
gateway_admit(struct gateway *gw, const char *what)
{
	static time_t last;
	time_t now;

	if (gw->nconns < gw->cfg->max_connections) {
		gw->nconns++;
		return 0;
	}
	gw->refused++;
	now = time(NULL);
	if (now != last) {
		last = now;
		log_warnx("%s connection refused: max_connections (%u) "
		    "reached; %lu refused so far", what,
		    gw->cfg->max_connections, gw->refused);
	}
	return -1;
}

void
gateway_release(struct gateway *gw)
{
	gw->nconns--;
}

struct peer *
gateway_peer(struct gateway *gw, size_t i)
{
	return i < gw->npeers ? gw->peers[i] : NULL;
}
