/* report.c — the metrics, and the walk of the conn list the status
 * shares (report_int.h).  See report.h. */
#include "proxy/report.h"
#include "proxy/report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "config/config.h"
#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/gwlink.h"
#include "proxy/peer.h"
#include "proxy/tunnel.h"
#include "proxy/util/clock.h"
#include "proxy/util/prom.h"
#include "proxy/util/strbuf.h"
#include "proxy/wire/hs_verify.h"
#include "proxy/wire/registry.h"

static const char *const kind_names[CONN_NKINDS] = {
	"tunnel", "epmd", "link", "epmdc",
};

/* 1 if tunnel C carries (or is setting up) a distribution connection:
 * outbound ones always, inbound ones once routed to a node (before that
 * an inbound TLS connection serves lookups as a peer's link). */
int
report_is_dist(const struct conn *c)
{
	const struct tunnel *t = (const struct tunnel *)c;

	return c->kind == CONN_KIND_TUNNEL && (t->outbound ||
	    c->state == TUN_NODE_CONNECT || c->state == TUN_HANDSHAKE ||
	    c->state == TUN_ESTABLISHED);
}

/* Returns the struct peer a conn belongs to, or -1. */
static long
conn_peer(const struct conn *c)
{
	if (c->kind == CONN_KIND_TUNNEL)
		return ((const struct tunnel *)c)->peer_idx;
	if (c->kind == CONN_KIND_LINK)
		return gwlink_peer_index((const struct gwlink *)c);
	return -1;
}

static void
snap_one(struct conn *c, void *arg)
{
	struct snapshot *s = arg;
	long p = conn_peer(c);

	s->ops[c->kind] = c->ops;
	if (c->state >= 0 && c->state < MAX_STATES)
		s->count[c->kind][c->state]++;
	if (p < 0 || (size_t)p >= s->gw->npeers)
		return;
	if (c->kind == CONN_KIND_TUNNEL) {
		s->peers[p].tunnels += report_is_dist(c);
		s->peers[p].established += c->state == TUN_ESTABLISHED;
		s->peers[p].bytes_out += c->bytes_out;
		s->peers[p].bytes_in += c->bytes_in;
	} else {
		s->peers[p].links++;
		s->peers[p].idle += gwlink_is_idle((const struct gwlink *)c);
	}
}

int
report_snapshot(struct gateway *gw, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->gw = gw;
	s->peers = calloc(gw->npeers + 1, sizeof(*s->peers));
	if (s->peers == NULL)
		return -1;
	conn_foreach(gw, snap_one, s);
	return 0;
}

const char *
report_link_state(const struct peer *p, const struct peer_live *l)
{
	if (l->links > 0 && p->link_state != PEER_LINK_DOWN)
		return "up";
	switch (p->link_state) {
	case PEER_LINK_UP:
		return "up";
	case PEER_LINK_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

const char *
report_peer_kind(const struct config_peer *cp)
{
	return cp->kind == PEER_KIND_NATIVE ? "native" :
	    cp->kind == PEER_KIND_PLAIN ? "plain" : "gateway";
}

/* ---- /metrics ---- */

static void
metrics_conns(struct strbuf *sb, const struct snapshot *s)
{
	char st[16];

	prom_family(sb, "distgate_connections", "gauge",
	    "Open connections by kind and state (kinds with none open are"
	    " listed with state \"-\").");
	for (int k = 0; k < CONN_NKINDS; k++) {
		const struct conn_ops *ops = s->ops[k];

		if (ops == NULL) {
			prom_sample(sb, "distgate_connections", 0, "kind",
			    kind_names[k], "state", "-", NULL);
			continue;
		}
		for (int i = 0; i < ops->nstates && i < MAX_STATES; i++) {
			snprintf(st, sizeof(st), "%s", ops->states[i]);
			prom_sample(sb, "distgate_connections",
			    s->count[k][i], "kind", kind_names[k], "state", st,
			    NULL);
		}
	}
}

static void
metrics_budgets(struct strbuf *sb, const struct gateway *gw)
{
	prom_family(sb, "distgate_budget_used", "gauge",
	    "Connections held against each budget (local: opened by this"
	    " host's nodes; remote: by other hosts).");
	prom_sample(sb, "distgate_budget_used", gw->nlocal, "budget", "local",
	    NULL);
	prom_sample(sb, "distgate_budget_used", gw->nremote, "budget",
	    "remote", NULL);
	prom_family(sb, "distgate_budget_limit", "gauge",
	    "Each budget in force (max_local_connections, max_connections,"
	    " fitted to the file descriptor limit).");
	prom_sample(sb, "distgate_budget_limit", gw->max_local, "budget",
	    "local", NULL);
	prom_sample(sb, "distgate_budget_limit", gw->max_remote, "budget",
	    "remote", NULL);
	prom_family(sb, "distgate_budget_refusals_total", "counter",
	    "Connections closed at accept because a budget was spent.");
	prom_sample(sb, "distgate_budget_refusals_total", gw->refused, NULL);
}

static void
metrics_peers(struct strbuf *sb, const struct snapshot *s)
{
	const struct gateway *gw = s->gw;

	prom_family(sb, "distgate_tunnels_open", "gauge",
	    "Distribution connections open through each peer (being set up"
	    " or established).");
	for (size_t i = 0; i < gw->npeers; i++)
		prom_sample(sb, "distgate_tunnels_open", s->peers[i].tunnels,
		    "peer", gw->peers[i]->cfg->name, NULL);
	prom_family(sb, "distgate_tunnels_established_total", "counter",
	    "Distribution connections through each peer that were"
	    " established (open and closed).");
	for (size_t i = 0; i < gw->npeers; i++)
		prom_sample(sb, "distgate_tunnels_established_total",
		    (double)(gw->peers[i]->tunnels_done +
		    s->peers[i].established), "peer",
		    gw->peers[i]->cfg->name, NULL);
	prom_family(sb, "distgate_tunnel_bytes_total", "counter",
	    "Bytes carried by distribution connections of each peer: out"
	    " towards the peer, in from it.");
	for (size_t i = 0; i < gw->npeers; i++) {
		const char *n = gw->peers[i]->cfg->name;

		prom_sample(sb, "distgate_tunnel_bytes_total",
		    (double)(gw->peers[i]->bytes_out + s->peers[i].bytes_out),
		    "peer", n, "direction", "out", NULL);
		prom_sample(sb, "distgate_tunnel_bytes_total",
		    (double)(gw->peers[i]->bytes_in + s->peers[i].bytes_in),
		    "peer", n, "direction", "in", NULL);
	}
	prom_family(sb, "distgate_peer_link_up", "gauge",
	    "1 when the last link to the peer came up (or answered a PING),"
	    " 0 when it failed; absent before any link was tried.");
	for (size_t i = 0; i < gw->npeers; i++) {
		const char *st = report_link_state(gw->peers[i], &s->peers[i]);

		if (strcmp(st, "unknown") != 0)
			prom_sample(sb, "distgate_peer_link_up",
			    strcmp(st, "up") == 0, "peer",
			    gw->peers[i]->cfg->name, NULL);
	}
	prom_family(sb, "distgate_peer_link_rtt_seconds", "gauge",
	    "Round trip of the last PING on a pooled link to the peer.");
	for (size_t i = 0; i < gw->npeers; i++)
		if (gw->peers[i]->rtt_at_ms != 0)
			prom_sample(sb, "distgate_peer_link_rtt_seconds",
			    (double)gw->peers[i]->rtt_us / 1e6, "peer",
			    gw->peers[i]->cfg->name, NULL);
}

static void
metrics_tls(struct strbuf *sb, const struct gateway *gw)
{
	static const char *const side[2] = { "server", "client" };

	prom_family(sb, "distgate_tls_handshakes_total", "counter",
	    "TLS handshakes by side (server: connections other hosts open;"
	    " client: links to peers) and result.");
	for (int i = 0; i < 2; i++) {
		prom_sample(sb, "distgate_tls_handshakes_total",
		    (double)gw->tls_ok[i], "side", side[i], "result", "ok",
		    NULL);
		prom_sample(sb, "distgate_tls_handshakes_total",
		    (double)gw->tls_failed[i], "side", side[i], "result",
		    "failed", NULL);
	}
	prom_hist_write(sb, "distgate_tls_handshake_duration_seconds",
	    "Duration of each TLS handshake that succeeded.", &gw->tls_hs);
	prom_family(sb, "distgate_cert_expiry_timestamp_seconds", "gauge",
	    "Earliest notAfter of the certificates in [tls] cert (host) and"
	    " [tls] ca (ca), as read at start.");
	if (gw->cert_expiry != 0)
		prom_sample(sb, "distgate_cert_expiry_timestamp_seconds",
		    (double)gw->cert_expiry, "cert", "host", NULL);
	if (gw->ca_expiry != 0)
		prom_sample(sb, "distgate_cert_expiry_timestamp_seconds",
		    (double)gw->ca_expiry, "cert", "ca", NULL);
}

static void
metrics_refusals(struct strbuf *sb, const struct gateway *gw)
{
	prom_family(sb, "distgate_refusals_total", "counter",
	    "Audit lines whose verdict is not ok, by reason code"
	    " (docs/audit.md).");
	for (int r = 0; r < RC_NREASONS; r++)
		if (reason_info((enum reason)r)->verdict != VERDICT_OK)
			prom_sample(sb, "distgate_refusals_total",
			    (double)gw->refusals[r], "code",
			    reason_code((enum reason)r), "verdict",
			    reason_verdict((enum reason)r), NULL);
	prom_family(sb, "distgate_bans_active", "gauge",
	    "Lockout keys (addresses, identities, node names) banned now.");
	prom_sample(sb, "distgate_bans_active", (double)lockout_foreach_ban(
	    gw->lockout, clock_ms(), NULL, NULL), NULL);
	prom_family(sb, "distgate_bans_total", "counter",
	    "Lockout bans started.");
	prom_sample(sb, "distgate_bans_total",
	    (double)lockout_bans(gw->lockout), NULL);
}

static void
metrics_process(struct strbuf *sb, const struct gateway *gw)
{
	prom_family(sb, "distgate_local_nodes", "gauge",
	    "Nodes registered with this host's EPMD.");
	prom_sample(sb, "distgate_local_nodes",
	    (double)registry_count(gw->reg), NULL);
	prom_family(sb, "distgate_reloads_total", "counter",
	    "Configuration reloads by result.");
	prom_sample(sb, "distgate_reloads_total", (double)gw->reloads.ok,
	    "result", "success", NULL);
	prom_sample(sb, "distgate_reloads_total", (double)gw->reloads.failed,
	    "result", "failure", NULL);
	prom_family(sb, "distgate_last_reload_timestamp_seconds", "gauge",
	    "When the last reload was tried (0: never since start).");
	prom_sample(sb, "distgate_last_reload_timestamp_seconds",
	    (double)gw->reloads.last, NULL);
	prom_family(sb, "distgate_last_reload_successful", "gauge",
	    "0 when the last reload failed (the old configuration is in"
	    " force), else 1.");
	prom_sample(sb, "distgate_last_reload_successful",
	    !gw->reloads.last_failed, NULL);
	prom_family(sb, "distgate_draining", "gauge",
	    "1 while the gateway drains before it stops.");
	prom_sample(sb, "distgate_draining", gw->draining != 0, NULL);
	prom_family(sb, "distgate_start_time_seconds", "gauge",
	    "When the gateway started (Unix time).");
	prom_sample(sb, "distgate_start_time_seconds", (double)gw->started,
	    NULL);
	prom_family(sb, "distgate_build_info", "gauge",
	    "Always 1; the labels say what was built and linked.");
	prom_sample(sb, "distgate_build_info", 1, "version", DISTGATE_VERSION,
	    "openssl", OpenSSL_version(OPENSSL_VERSION), "libevent",
	    event_get_version(), NULL);
}

int
report_metrics(struct gateway *gw, struct strbuf *sb)
{
	struct snapshot s;

	if (report_snapshot(gw, &s) == -1)
		return -1;
	metrics_conns(sb, &s);
	metrics_budgets(sb, gw);
	metrics_peers(sb, &s);
	metrics_tls(sb, gw);
	metrics_refusals(sb, gw);
	metrics_process(sb, gw);
	free(s.peers);
	return sb->failed ? -1 : 0;
}

/* The node names of tunnel T so far ("" unknown). */
void
report_tunnel_names(const struct tunnel *t, const char **ini, const char **acc)
{
	*ini = t->initiator;
	*acc = t->acceptor;
	if (t->hv != NULL) {
		if (**ini == '\0')
			*ini = t->hv->initiator;
		if (**acc == '\0')
			*acc = t->hv->acceptor;
	}
}

const char *
report_tunnel_peer(const struct gateway *gw, const struct tunnel *t)
{
	return t->peer_idx >= 0 && (size_t)t->peer_idx < gw->cfg->npeers ?
	    gw->cfg->peers[t->peer_idx].name : "";
}

