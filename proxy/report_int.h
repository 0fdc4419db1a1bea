/*
 * report_int.h — what report.c (the metrics) and report_status.c (the
 * status as JSON and as a table) share: one walk of the conn list that
 * adds up, per peer, what its open connections hold, and a few names.
 * For those two files only.
 */
#ifndef DISTGATE_REPORT_INT_H
#define DISTGATE_REPORT_INT_H

#include <stdint.h>

#include "proxy/conn.h"

struct gateway;
struct peer;
struct config_peer;
struct tunnel;

#define MAX_STATES	16	/* states of any one conn kind */

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
 * outbound ones always, inbound ones once routed to a node. */
int report_is_dist(const struct conn *c);

/* Walks GW's conns into S (S->peers is the caller's to free).  Returns 0,
 * or -1 when memory is short. */
int report_snapshot(struct gateway *gw, struct snapshot *s);

/* "up", "down" or "unknown": peer P's links, as L and the last PING say. */
const char *report_link_state(const struct peer *p,
    const struct peer_live *l);

/* "gateway", "native" or "plain". */
const char *report_peer_kind(const struct config_peer *cp);

/* The node names of tunnel T so far ("" unknown). */
void report_tunnel_names(const struct tunnel *t, const char **ini,
    const char **acc);

/* The name of T's peer, or "". */
const char *report_tunnel_peer(const struct gateway *gw,
    const struct tunnel *t);

#endif
