/* report_status.c — the status as JSON and as a table.  See report.h. */
#include "proxy/report.h"
#include "proxy/report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/peer.h"
#include "proxy/tunnel.h"
#include "proxy/util/clock.h"
#include "proxy/util/strbuf.h"
#include "proxy/wire/lockout.h"
#include "proxy/wire/registry.h"

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

	if (!report_is_dist(c))
		return;
	report_tunnel_names(t, &ini, &acc);
	sb_printf(w->sb, "%s\n    {\"id\": %llu, \"dir\": \"%s\", \"peer\": ",
	    w->n++ ? "," : "", (unsigned long long)c->id,
	    t->outbound ? "out" : "in");
	sb_json_str(w->sb, report_tunnel_peer(c->gw, t));
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

	if (report_snapshot(gw, &s) == -1)
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
		    report_peer_kind(p->cfg));
		sb_json_str(sb, p->cfg->address);
		sb_printf(sb, ", \"link\": \"%s\", \"links_open\": %u, "
		    "\"links_idle\": %u, \"rtt_ms\": ",
		    report_link_state(p, &s.peers[i]), s.peers[i].links,
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

	if (!report_is_dist(c))
		return;
	report_tunnel_names(t, &ini, &acc);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
	human_age(w->now - c->start_ms, age, sizeof(age));
	human_bytes(c->bytes_out, out, sizeof(out));
	human_bytes(c->bytes_in, in, sizeof(in));
	row[0] = id;
	row[1] = t->outbound ? "out" : "in";
	row[2] = *report_tunnel_peer(c->gw, t) ? report_tunnel_peer(c->gw, t) : "-";
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

	if (report_snapshot(gw, &s) == -1)
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
		row[1] = report_peer_kind(p->cfg);
		row[2] = p->cfg->address;
		row[3] = report_link_state(p, &s.peers[i]);
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
