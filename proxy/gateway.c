/* gateway.c — the shared context: ids, the connection cap, cookies, the
 * audit line.  See gateway.h. */
#include "proxy/gateway.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"

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
gateway_audit(struct gateway *gw, int quiet, enum reason code,
    const char *fmt, ...)
{
	char line[2048], cls[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (reason_info(code)->verdict != VERDICT_OK &&
	    (unsigned)code < RC_NREASONS)
		gw->refusals[code]++;
	if (quiet)
		log_debug("%s", line);
	else if (reason_info(code)->verdict == VERDICT_OK)
		log_info("%s", line);
	else {
		snprintf(cls, sizeof(cls), "audit %s %s",
		    reason_verdict(code), reason_code(code));
		log_limited(LOG_LVL_INFO, cls, "%s", line);
	}
	if (gw->audit != NULL && !quiet) {
		fprintf(gw->audit, "%s\n", line);
		fflush(gw->audit);
	}
}

uint64_t
gateway_next_id(struct gateway *gw)
{
	return ++gw->next_id;
}

void
gateway_refused(struct gateway *gw, const char *limit, unsigned cap,
    const char *src)
{
	static time_t last;
	time_t now = time(NULL);

	gw->refused++;
	if (now != last) {
		last = now;
		log_warnx("%s refused: %s (%u) reached; %lu refused so far",
		    src, limit, cap, gw->refused);
	}
}

int
gateway_admit(struct gateway *gw, int remote, const char *what)
{
	unsigned *n = remote ? &gw->nremote : &gw->nlocal;
	unsigned cap = remote ? gw->max_remote : gw->max_local;

	if (*n < cap) {
		(*n)++;
		gw->nconns++;
		return 0;
	}
	gateway_refused(gw, remote ? "max_connections" :
	    "max_local_connections", cap, what);
	return -1;
}

void
gateway_release(struct gateway *gw, int remote)
{
	if (remote)
		gw->nremote--;
	else
		gw->nlocal--;
	gw->nconns--;
}

static unsigned
min_u(unsigned a, unsigned long b)
{
	return b < a ? (unsigned)b : a;
}

int
gateway_budgets(struct gateway *gw, unsigned long nofile, unsigned reserve)
{
	const struct config *cfg = gw->cfg;
	unsigned long avail = nofile > reserve ? nofile - reserve : 0;
	unsigned long need = 2UL * cfg->max_local_connections +
	    2UL * cfg->max_connections;

	gw->max_local = cfg->max_local_connections;
	gw->max_remote = cfg->max_connections;
	if (need > avail) {
		/* Local nodes keep up to half of what there is; remote
		 * connections get the rest. */
		unsigned long left;

		gw->max_local = min_u(gw->max_local, avail / 4 ? avail / 4 : 1);
		left = avail > 2UL * gw->max_local ?
		    avail - 2UL * gw->max_local : 0;
		gw->max_remote = min_u(gw->max_remote, left / 2 ? left / 2 : 1);
	}
	gw->max_pending = min_u(cfg->max_pending, gw->max_remote);
	gw->max_pending_src = min_u(cfg->max_pending_per_source,
	    gw->max_pending);
	return need > avail;
}

int
gateway_failure(struct gateway *gw, const char *key)
{
	if (lockout_failure(gw->lockout, key, clock_ms()) == 0)
		return 0;
	if (gw->nbanq < GATEWAY_BANQ)
		snprintf(gw->banq[gw->nbanq++], LOCKOUT_KEY_MAX, "%s", key);
	else
		log_warnx("lockout key=%s: too many bans at once: its open "
		    "connections are not closed now", key);
	return 1;
}

struct peer *
gateway_peer(struct gateway *gw, size_t i)
{
	return i < gw->npeers ? gw->peers[i] : NULL;
}

void
gateway_tls_result(struct gateway *gw, int client, int ok, uint64_t start_ms)
{
	uint64_t now = clock_ms();

	client = client != 0;
	if (!ok) {
		gw->tls_failed[client]++;
		return;
	}
	gw->tls_ok[client]++;
	prom_hist_observe(&gw->tls_hs, now >= start_ms ?
	    (double)(now - start_ms) / 1000.0 : 0.0);
}
