/* drain.c — the graceful stop.  See drain.h. */
#include "proxy/drain.h"

#include <stddef.h>

#include <event2/event.h>

#include "config/config.h"
#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/listener.h"
#include "proxy/peer.h"
#include "proxy/public.h"
#include "proxy/splice.h"
#include "proxy/tunnel.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"

/* After drain_timeout, how long ending tunnels may take before the loop
 * stops anyway (each has its own, shorter, TUNNEL_LINGER_MS). */
#define DRAIN_LINGER_MS	(TUNNEL_LINGER_MS + 1000)

static void
stop(struct gateway *gw)
{
	(void)event_base_loopexit(gw->base, NULL);
}

static unsigned
ntunnels(const struct gateway *gw)
{
	return (unsigned)conn_count(gw, CONN_KIND_TUNNEL);
}

static unsigned long long
elapsed(const struct gateway *gw)
{
	return (unsigned long long)(clock_ms() - gw->drain_start_ms);
}

/* A tunnel that carries no node's connection yet: an inbound TLS
 * connection before its request (most are a peer's idle pooled links). */
static int
unstarted(const struct conn *c)
{
	return c->kind == CONN_KIND_TUNNEL && (c->state == TUN_TLS_ACCEPT ||
	    c->state == TUN_REQUESTS);
}

/* A tunnel that splice_end() has not ended yet. */
static int
not_ending(const struct conn *c)
{
	return c->kind == CONN_KIND_TUNNEL && c->state != TUN_CLOSING;
}

/* The first conn of GW for which PRED holds, or NULL. */
static struct conn *
first(struct gateway *gw, int (*pred)(const struct conn *))
{
	for (struct conn *c = gw->conns; c != NULL; c = c->next)
		if (pred(c))
			return c;
	return NULL;
}

/* Closes every listener that accepts new connections, except the local
 * EPMD's, and the pooled links that carry nothing. */
static void
stop_accepting(struct gateway *gw)
{
	size_t keep = gw->cfg->nepmd_listen;
	struct gwlink *l;

	for (size_t i = keep; i < gw->nlisteners; i++)
		listener_free(gw->listeners[i]);
	if (gw->nlisteners > keep)
		gw->nlisteners = keep;
	public_stop_listening(gw->pub);
	for (size_t i = 0; i < gw->npeers; i++) {
		peer_stop_listening(gw->peers[i]);
		while ((l = peer_take_idle(gw->peers[i])) != NULL)
			gwlink_close(l, "gateway draining");
	}
}

static void
on_check(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;

	(void)fd;
	(void)what;
	if (gw->draining == DRAIN_NONE || ntunnels(gw) > 0)
		return;
	log_info("drained: no tunnel left after %llu ms; stopping",
	    elapsed(gw));
	stop(gw);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;
	struct timeval tv = clock_tv(DRAIN_LINGER_MS);
	struct conn *c;
	unsigned n = ntunnels(gw);

	(void)fd;
	(void)what;
	if (gw->draining == DRAIN_CLOSING) {
		log_warnx("drain: %u tunnel%s still closing %u ms after "
		    "drain_timeout; stopping", n, n == 1 ? "" : "s",
		    DRAIN_LINGER_MS);
		stop(gw);
		return;
	}
	gw->draining = DRAIN_CLOSING;
	log_info("drain_timeout (%ums) reached: ending %u tunnel%s",
	    gw->cfg->drain_timeout_ms, n, n == 1 ? "" : "s");
	/* An end may close other conns (a tunnel's link): search from the
	 * head each time. */
	while ((c = first(gw, not_ending)) != NULL)
		splice_end((struct tunnel *)c, RC_SHUTDOWN,
		    "drain_timeout reached");
	if (ntunnels(gw) == 0) {
		log_info("drained: every tunnel ended after %llu ms; stopping",
		    elapsed(gw));
		stop(gw);
		return;
	}
	(void)evtimer_add(gw->drain_timer, &tv);
}

void
drain_start(struct gateway *gw)
{
	const struct config *cfg = gw->cfg;
	struct timeval tv = clock_tv(cfg->drain_timeout_ms);
	struct conn *c;
	unsigned n;

	if (gw->draining != DRAIN_NONE) {
		drain_stop_now(gw, "SIGTERM while draining");
		return;
	}
	if (cfg->drain_timeout_ms == 0) {
		drain_stop_now(gw, "SIGTERM (drain_timeout 0)");
		return;
	}
	gw->drain_timer = evtimer_new(gw->base, on_timer, gw);
	gw->drain_check = event_new(gw->base, -1, 0, on_check, gw);
	if (gw->drain_timer == NULL || gw->drain_check == NULL) {
		drain_stop_now(gw, "SIGTERM (no memory to drain)");
		return;
	}
	gw->draining = DRAIN_RUNNING;
	gw->drain_start_ms = clock_ms();
	stop_accepting(gw);
	while ((c = first(gw, unstarted)) != NULL)
		conn_close(c, RC_SHUTDOWN, "gateway draining");
	gw->drain_tunnels = n = ntunnels(gw);
	log_info("draining: %u tunnel%s, up to %u.%03us; new connections "
	    "refused, the local EPMD still answers; a second SIGTERM or a "
	    "SIGINT stops at once", n, n == 1 ? "" : "s",
	    cfg->drain_timeout_ms / 1000, cfg->drain_timeout_ms % 1000);
	if (n == 0) {
		log_info("drained: no tunnel open; stopping");
		stop(gw);
		return;
	}
	(void)evtimer_add(gw->drain_timer, &tv);
}

void
drain_stop_now(struct gateway *gw, const char *why)
{
	if (gw->draining != DRAIN_NONE)
		log_info("%s: stopping now, %u tunnel%s still open after %llu "
		    "ms of draining", why, ntunnels(gw),
		    ntunnels(gw) == 1 ? "" : "s", elapsed(gw));
	else
		log_info("%s: stopping now", why);
	stop(gw);
}

void
drain_free(struct gateway *gw)
{
	if (gw->drain_timer != NULL)
		event_free(gw->drain_timer);
	if (gw->drain_check != NULL)
		event_free(gw->drain_check);
	gw->drain_timer = gw->drain_check = NULL;
}
