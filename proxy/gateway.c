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
		log_warnx("%s=new refused: max_connections (%u) "
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
