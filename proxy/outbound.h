/*
 * outbound.h — the outbound flow: a local node dials a node of a peer
 * host.
 *
 * 1. The node resolves the peer's host name to the peer's alias address
 *    (inetrc) and asks the alias EPMD there for the remote node.
 * 2. The alias EPMD asks the peer — its gateway (RESOLVE over a pooled
 *    link) or, for a native peer, its epmd — and answers with a port that
 *    this gateway listens on, on the alias address, for that remote node.
 * 3. The node connects to that port: a tunnel opens, asks the peer's
 *    gateway for a ROUTE to the node (or dials a native node in TLS), and
 *    hands the link's TLS socket to the splice.
 *
 * On a bastion, a peer with inside_alias gets a second alias EPMD and
 * node ports on that address: the same flow for the nodes of inside
 * hosts (kind plain) whose reach lists the peer; connections from any
 * other address are refused (node_not_exposed).
 */
#ifndef DISTGATE_OUTBOUND_H
#define DISTGATE_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

struct peer;

/* Opens P's alias EPMD listener (kinds gateway and native), and its
 * inside alias EPMD when inside_alias is set.  Returns 0, or -1 with a
 * reason in ERR. */
int outbound_peer_start(struct peer *p, char *err, size_t errlen);

/*
 * Returns in *port the alias port for remote node NAME of P (INSIDE: its
 * port on P's inside alias), opening its listener on first use;
 * REMOTE_PORT (native peers: the node's own TLS port as its epmd gave it;
 * else 0) is remembered for the dial.  Returns 0 or -1 (logged).
 */
int outbound_node_port(struct peer *p, const char *name,
    uint16_t remote_port, int inside, uint16_t *port);

#endif
