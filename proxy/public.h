/*
 * public.h — the public side for native inet_tls_dist nodes: one pinned
 * TLS port per exposed local node, on the public EPMD's address.
 *
 * When an exposed node registers, its pinned port opens (the [node] tls_port,
 * else a port from public_ports: the one remembered in state_file, else one
 * derived from the name, so it stays the same across restarts); when the
 * node goes away the port closes.  A connection to a pinned port carries
 * no gateway request: after TLS and the identity check it is bridged to
 * that node.
 */
#ifndef DISTGATE_PUBLIC_H
#define DISTGATE_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

struct gateway;
struct public;

/* Sets up the table for GW (NULL when the public EPMD is off, or on
 * error with a reason in ERR: check gw->cfg->public_epmd.len). */
struct public *public_new(struct gateway *gw, char *err, size_t errlen);
void public_free(struct public *pub);

/* A node registered / went away.  Opens or closes its pinned port when the
 * node is exposed.  Failures are logged. */
void public_node_up(struct public *pub, const char *name);
void public_node_down(struct public *pub, const char *name);

/*
 * Bastion: returns the pinned port for inside node ALIVE of [peer PEER]
 * (kept as "ALIVE@PEER", allocated and remembered as local nodes' are),
 * opening it when needed; a connection to it is bridged to FULL (the
 * node's full name) through bastion routing.  It stays open: the inside
 * host's nodes come and go unseen.  Returns 0 when no port is free or
 * the listener fails (logged).
 */
uint16_t public_inside_port(struct public *pub, const char *alive,
    const char *peer, const char *full);

/* Closes every pinned port (the gateway drains); none opens again.  NULL
 * is a no-op. */
void public_stop_listening(struct public *pub);

/* Returns the pinned port open for NAME, or 0. */
uint16_t public_port(const struct public *pub, const char *name);

#endif
