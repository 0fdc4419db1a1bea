/*
 * bastion.h — bastion routing: a gateway request for a full node name
 * ALIVE@HOST, from a peer whose `reach` lets it into HOST, is answered
 * through HOST's own gateway (a link), its native node (TLS) or its epmd
 * and a plain TCP connection to the node.
 */
#ifndef DISTGATE_BASTION_H
#define DISTGATE_BASTION_H

#include <stdint.h>

struct tunnel;

/*
 * Handles RESOLVE or ROUTE (TYPE) for FULL (ALIVE@HOST) on inbound tunnel
 * T in TUN_REQUESTS.  Refused at once (logged, answered) when T's peer
 * may not reach HOST; else T waits (t->waiting) for the inside host's
 * answer, which is queued to the peer and, for a ROUTE, turns T into the
 * splice.  Returns 0 or -1 with the failure recorded.
 */
int bastion_request(struct tunnel *t, uint8_t type, const char *full);

/*
 * Handles NAMES for inside host HOST on inbound tunnel T in TUN_REQUESTS:
 * when T's peer may reach HOST, T waits for HOST's list (its gateway's
 * NAMES, or its epmd's) and queues it as the reply; else the reply is
 * not_allowed (audited node_not_exposed).  Returns 0 or -1 with the
 * failure recorded.
 */
int bastion_names(struct tunnel *t, const char *host);

#endif
