/* gateway.c — start-up and teardown of the running gateway.  See gateway.h. */
#include "proxy/gateway.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config/config.h"
#include "crypto/tls.h"
#include "proxy/conn.h"
#include "proxy/epmd.h"
#include "proxy/inbound.h"
#include "proxy/listener.h"
#include "proxy/log.h"
#include "proxy/netutil.h"
#include "proxy/peer.h"
#include "proxy/registry.h"

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
	    net_fmt((const struct sockaddr *)&sa->ss, a, sizeof(a)));
	return 0;
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
	if ((gw->reg = registry_new(REGISTRY_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gw->listeners = calloc(cfg->nepmd_listen + 1, sizeof(*gw->listeners));
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
	for (size_t i = 0; i < cfg->npeers; i++) {
		if ((gw->peers[i] = peer_new(gw, i, err, errlen)) == NULL)
			return -1;
		gw->npeers++;
		log_info("peer=%s address=%s identity=%s alias=%s",
		    cfg->peers[i].name, cfg->peers[i].address,
		    cfg->peers[i].identity, inet_ntoa(cfg->peers[i].alias));
	}
	if (cfg->cookie_file == NULL)
		log_info("no cookie_file: connections are checked by "
		    "certificate and identity only, not by cookie digest");
	return 0;
}

void
gateway_fini(struct gateway *gw)
{
	while (gw->conns != NULL)
		conn_close(gw->conns, "gateway stopping");
	for (size_t i = 0; i < gw->npeers; i++)
		peer_free(gw->peers[i]);
	free(gw->peers);
	for (size_t i = 0; i < gw->nlisteners; i++)
		listener_free(gw->listeners[i]);
	free(gw->listeners);
	registry_free(gw->reg);
	SSL_CTX_free(gw->srv_ctx);
	SSL_CTX_free(gw->cli_ctx);
	for (size_t i = 0; i < 3; i++)
		if (gw->sigev[i] != NULL)
			event_free(gw->sigev[i]);
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
