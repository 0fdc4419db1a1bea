/* report.c — metrics, status JSON and the status table.  See report.h. */
#include "proxy/report.h"

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

#define MAX_STATES	16	/* states of any one conn kind */

static const char *const kind_names[CONN_NKINDS] = {
	"tunnel", "epmd", "link", "epmdc",
};

/* Per peer, what its open conns add up to. */
struct peer_live {
	unsigned tunnels;		/* open, any state */
	unsigned established;
	uint64_t bytes_out, bytes_in;	/* of its open tunnels */
	unsigned links, idle;		/* open links; of those, pooled */
};

/* One walk of the conn list. */
struct snapshot {
	struct gateway *gw;
	struct peer_live *peers;	/* parallel to gw->peers */
	unsigned count[CONN_NKINDS][MAX_STATES];
	const struct conn_ops *ops[CONN_NKINDS];
};

/* 1 if tunnel C carries (or is setting up) a distribution connection:
 * outbound ones always, inbound ones once routed to a node (before that
 * an inbound TLS connection serves lookups as a peer's link). */
static int
is_dist(const struct conn *c)
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
		s->peers[p].tunnels += is_dist(c);
		s->peers[p].established += c->state == TUN_ESTABLISHED;
		s->peers[p].bytes_out += c->bytes_out;
		s->peers[p].bytes_in += c->bytes_in;
	} else {
		s->peers[p].links++;
		s->peers[p].idle += gwlink_is_idle((const struct gwlink *)c);
	}
}

static int
snapshot(struct gateway *gw, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->gw = gw;
	s->peers = calloc(gw->npeers + 1, sizeof(*s->peers));
	if (s->peers == NULL)
		return -1;
	conn_foreach(gw, snap_one, s);
	return 0;
}

static const char *
link_state(const struct peer *p, const struct peer_live *l)
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

static const char *
peer_kind(const struct config_peer *cp)
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
		const char *st = link_state(gw->peers[i], &s->peers[i]);

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
	prom_sample(sb, "distgate_reloads_total", (double)gw->reloads_ok,
	    "result", "success", NULL);
	prom_sample(sb, "distgate_reloads_total", (double)gw->reloads_failed,
	    "result", "failure", NULL);
	prom_family(sb, "distgate_last_reload_timestamp_seconds", "gauge",
	    "When the last reload was tried (0: never since start).");
	prom_sample(sb, "distgate_last_reload_timestamp_seconds",
	    (double)gw->last_reload, NULL);
	prom_family(sb, "distgate_last_reload_successful", "gauge",
	    "0 when the last reload failed (the old configuration is in"
	    " force), else 1.");
	prom_sample(sb, "distgate_last_reload_successful",
	    !gw->last_reload_failed, NULL);
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

	if (snapshot(gw, &s) == -1)
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

/* ---- the status, as JSON and as a table ---- */

/* The node names of tunnel T so far ("" unknown). */
static void
tunnel_names(const struct tunnel *t, const char **ini, const char **acc)
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

static const char *
tunnel_peer(const struct gateway *gw, const struct tunnel *t)
{
	return t->peer_idx >= 0 && (size_t)t->peer_idx < gw->cfg->npeers ?
	    gw->cfg->peers[t->peer_idx].name : "";
}

/* Walks conns calling FN for each tunnel (conn_foreach's order). */
struct tun_walk {
	struct strbuf *sb;
	unsigned n;
	uint64_t now;
};

static void
json_tunnel(struct conn *c, void *arg)
{
	struct tun_walk *w = arg;
	const struct tunnel *t = (const struct tunnel *)c;
	const char *ini, *acc;

	if (!is_dist(c))
		return;
	tunnel_names(t, &ini, &acc);
	sb_printf(w->sb, "%s\n    {\"id\": %llu, \"dir\": \"%s\", \"peer\": ",
	    w->n++ ? "," : "", (unsigned long long)c->id,
	    t->outbound ? "out" : "in");
	sb_json_str(w->sb, tunnel_peer(c->gw, t));
	sb_puts(w->sb, ", \"initiator\": ");
	sb_json_str(w->sb, ini);
	sb_puts(w->sb, ", \"acceptor\": ");
	sb_json_str(w->sb, acc);
	sb_printf(w->sb, ", \"state\": \"%s\", \"age_seconds\": %.3f, "
	    "\"bytes_out\": %llu, \"bytes_in\": %llu}", conn_state_name(c),
	    (double)(w->now - c->start_ms) / 1000.0,
	    (unsigned long long)c->bytes_out, (unsigned long long)c->bytes_in);
}

static int
json_node(const struct reg_node *n, void *arg)
{
	struct tun_walk *w = arg;

	sb_printf(w->sb, "%s\n    {\"name\": ", w->n++ ? "," : "");
	sb_json_str(w->sb, n->name);
	sb_printf(w->sb, ", \"port\": %u, \"hidden\": %s, \"creation\": %u}",
	    n->port, n->node_type == 72 ? "true" : "false", n->creation);
	return w->sb->failed;
}

static void
json_ban(const char *key, uint64_t left, void *arg)
{
	struct tun_walk *w = arg;

	sb_printf(w->sb, "%s\n    {\"key\": ", w->n++ ? "," : "");
	sb_json_str(w->sb, key);
	sb_printf(w->sb, ", \"seconds_left\": %llu}",
	    (unsigned long long)(left + 999) / 1000);
}

int
report_status_json(struct gateway *gw, struct strbuf *sb)
{
	struct tun_walk w = { sb, 0, clock_ms() };
	struct snapshot s;

	if (snapshot(gw, &s) == -1)
		return -1;
	sb_puts(sb, "{\n  \"gateway\": {\"name\": ");
	sb_json_str(sb, gw->cfg->name);
	sb_printf(sb, ", \"version\": \"%s\", \"started\": %lld, "
	    "\"draining\": %s, \"connections\": %zu},\n  \"nodes\": [",
	    DISTGATE_VERSION, (long long)gw->started,
	    gw->draining ? "true" : "false", conn_count(gw, CONN_NKINDS));
	registry_foreach(gw->reg, json_node, &w);
	sb_puts(sb, w.n ? "\n  ],\n  \"peers\": [" : "],\n  \"peers\": [");
	for (size_t i = 0; i < gw->npeers; i++) {
		const struct peer *p = gw->peers[i];

		sb_printf(sb, "%s\n    {\"name\": ", i ? "," : "");
		sb_json_str(sb, p->cfg->name);
		sb_printf(sb, ", \"kind\": \"%s\", \"address\": ",
		    peer_kind(p->cfg));
		sb_json_str(sb, p->cfg->address);
		sb_printf(sb, ", \"link\": \"%s\", \"links_open\": %u, "
		    "\"links_idle\": %u, \"rtt_ms\": ",
		    link_state(p, &s.peers[i]), s.peers[i].links,
		    s.peers[i].idle);
		if (p->rtt_at_ms != 0)
			sb_printf(sb, "%.3f", (double)p->rtt_us / 1000.0);
		else
			sb_puts(sb, "null");
		sb_printf(sb, ", \"tunnels\": %u, \"bytes_out\": %llu, "
		    "\"bytes_in\": %llu}", s.peers[i].tunnels,
		    (unsigned long long)(p->bytes_out + s.peers[i].bytes_out),
		    (unsigned long long)(p->bytes_in + s.peers[i].bytes_in));
	}
	sb_puts(sb, gw->npeers ? "\n  ],\n  \"tunnels\": [" :
	    "],\n  \"tunnels\": [");
	w.n = 0;
	conn_foreach(gw, json_tunnel, &w);
	sb_puts(sb, w.n ? "\n  ],\n  \"bans\": [" : "],\n  \"bans\": [");
	w.n = 0;
	(void)lockout_foreach_ban(gw->lockout, w.now, json_ban, &w);
	sb_puts(sb, w.n ? "\n  ]\n}\n" : "]\n}\n");
	free(s.peers);
	return sb->failed ? -1 : 0;
}

/* A table of text cells, padded to each column's widest when written. */
#define TABLE_COLS	10

struct table {
	size_t ncol;
	size_t w[TABLE_COLS];
	char **cell;		/* row-major */
	size_t n, cap;
	int failed;
};

/* Adds one row of T->ncol cells (printf-free: the caller formats). */
static void
table_row(struct table *t, const char *const *cells)
{
	if (t->failed)
		return;
	if (t->n + t->ncol > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **p = realloc(t->cell, cap * sizeof(*p));
		if (p == NULL) {
			t->failed = 1;
			return;
		}
		t->cell = p;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncol; i++) {
		size_t len = strlen(cells[i]);
		if ((t->cell[t->n + i] = strdup(cells[i])) == NULL) {
			t->failed = 1;
			for (size_t j = 0; j < i; j++)
				free(t->cell[t->n + j]);
			return;
		}
		if (len > t->w[i])
			t->w[i] = len;
	}
	t->n += t->ncol;
}

/* Writes T under TITLE (with its row count) and frees its cells. */
static void
table_write(struct strbuf *sb, const char *title, struct table *t)
{
	size_t rows = t->n / t->ncol;

	sb_printf(sb, "\n%s (%zu)\n", title, rows ? rows - 1 : 0);
	for (size_t i = 0; i < t->n; i++) {
		size_t col = i % t->ncol;
		int last = col == t->ncol - 1;

		sb_printf(sb, "%s%-*s%s", col ? "  " : "  ",
		    last ? 0 : (int)t->w[col], t->cell[i], last ? "\n" : "");
		free(t->cell[i]);
	}
	if (rows <= 1)
		sb_puts(sb, "  (none)\n");
	free(t->cell);
	if (t->failed)
		sb->failed = 1;
}

/* Bytes for people: 512B, 1.5KiB, 3.2MiB, 1.1GiB. */
static void
human_bytes(uint64_t b, char *out, size_t cap)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		snprintf(out, cap, "%lluB", (unsigned long long)b);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, "%.1f%s", v, unit[u]);
}

/* Durations for people: 850ms, 42s, 3m07s, 5h02m, 3d04h. */
static void
human_age(uint64_t ms, char *out, size_t cap)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(out, cap, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(out, cap, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, cap, "%llum%02llus", (unsigned long long)s / 60,
		    (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(out, cap, "%lluh%02llum", (unsigned long long)s / 3600,
		    (unsigned long long)(s / 60) % 60);
	else
		snprintf(out, cap, "%llud%02lluh", (unsigned long long)s / 86400,
		    (unsigned long long)(s / 3600) % 24);
}

static int
text_node(const struct reg_node *n, void *arg)
{
	struct table *t = arg;
	char port[8];
	const char *row[3];

	snprintf(port, sizeof(port), "%u", n->port);
	row[0] = n->name;
	row[1] = port;
	row[2] = n->node_type == 72 ? "hidden" : "normal";
	table_row(t, row);
	return t->failed;
}

struct text_walk {
	struct table *t;
	uint64_t now;
};

static void
text_tunnel(struct conn *c, void *arg)
{
	struct text_walk *w = arg;
	const struct tunnel *t = (const struct tunnel *)c;
	char id[24], age[24], out[24], in[24];
	const char *ini, *acc, *row[9];

	if (!is_dist(c))
		return;
	tunnel_names(t, &ini, &acc);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
	human_age(w->now - c->start_ms, age, sizeof(age));
	human_bytes(c->bytes_out, out, sizeof(out));
	human_bytes(c->bytes_in, in, sizeof(in));
	row[0] = id;
	row[1] = t->outbound ? "out" : "in";
	row[2] = *tunnel_peer(c->gw, t) ? tunnel_peer(c->gw, t) : "-";
	row[3] = *ini ? ini : "-";
	row[4] = *acc ? acc : "-";
	row[5] = conn_state_name(c);
	row[6] = age;
	row[7] = out;
	row[8] = in;
	table_row(w->t, row);
}

static void
text_ban(const char *key, uint64_t left, void *arg)
{
	struct table *t = arg;
	char l[24];
	const char *row[2];

	human_age(left, l, sizeof(l));
	row[0] = key;
	row[1] = l;
	table_row(t, row);
}

int
report_status_text(struct gateway *gw, struct strbuf *sb)
{
	static const char *const nh[] = { "NAME", "PORT", "TYPE" };
	static const char *const ph[] = { "PEER", "KIND", "ADDRESS", "LINK",
	    "RTT", "LINKS", "TUNNELS", "OUT", "IN" };
	static const char *const th[] = { "ID", "DIR", "PEER", "INITIATOR",
	    "ACCEPTOR", "STATE", "AGE", "OUT", "IN" };
	static const char *const bh[] = { "KEY", "LEFT" };
	struct table t;
	struct snapshot s;
	struct text_walk w;
	char up[24];
	time_t now = time(NULL);

	if (snapshot(gw, &s) == -1)
		return -1;
	human_age(now > gw->started ? (uint64_t)(now - gw->started) * 1000 :
	    0, up, sizeof(up));
	sb_printf(sb, "distgate %s %s, up %s, %zu connections%s\n",
	    gw->cfg->name, DISTGATE_VERSION, up, conn_count(gw, CONN_NKINDS),
	    gw->draining ? ", DRAINING" : "");

	memset(&t, 0, sizeof(t));
	t.ncol = 3;
	table_row(&t, nh);
	registry_foreach(gw->reg, text_node, &t);
	table_write(sb, "NODES", &t);

	memset(&t, 0, sizeof(t));
	t.ncol = 9;
	table_row(&t, ph);
	for (size_t i = 0; i < gw->npeers; i++) {
		const struct peer *p = gw->peers[i];
		char rtt[24], links[24], tun[16], out[24], in[24];
		const char *row[9];

		if (p->rtt_at_ms != 0)
			snprintf(rtt, sizeof(rtt), "%.2fms",
			    (double)p->rtt_us / 1000.0);
		else
			snprintf(rtt, sizeof(rtt), "-");
		snprintf(links, sizeof(links), "%u (%u idle)",
		    s.peers[i].links, s.peers[i].idle);
		snprintf(tun, sizeof(tun), "%u", s.peers[i].tunnels);
		human_bytes(p->bytes_out + s.peers[i].bytes_out, out,
		    sizeof(out));
		human_bytes(p->bytes_in + s.peers[i].bytes_in, in, sizeof(in));
		row[0] = p->cfg->name;
		row[1] = peer_kind(p->cfg);
		row[2] = p->cfg->address;
		row[3] = link_state(p, &s.peers[i]);
		row[4] = rtt;
		row[5] = links;
		row[6] = tun;
		row[7] = out;
		row[8] = in;
		table_row(&t, row);
	}
	table_write(sb, "PEERS", &t);

	memset(&t, 0, sizeof(t));
	t.ncol = 9;
	table_row(&t, th);
	w.t = &t;
	w.now = clock_ms();
	conn_foreach(gw, text_tunnel, &w);
	table_write(sb, "TUNNELS", &t);

	memset(&t, 0, sizeof(t));
	t.ncol = 2;
	table_row(&t, bh);
	(void)lockout_foreach_ban(gw->lockout, w.now, text_ban, &t);
	table_write(sb, "BANS", &t);
	free(s.peers);
	return sb->failed ? -1 : 0;
}
