/*
 * splice.h — the data path of a tunnel: the relayed distribution
 * handshake, then a bounded, back-pressured byte pipe in both directions.
 *
 * Each direction owns one buffer of cfg->buffer_size bytes, allocated
 * when first needed (tunnel_reserve()) and released when it drains while
 * the link is idle.  A
 * source is read only while its direction's buffer has room, so a slow
 * receiver stops the reading of the sender's socket and busy_dist_port
 * reaches the sending VM as on a direct link.  On EOF a direction flushes
 * what it holds, then ends the other half's write side (TLS close_notify
 * or shutdown(SHUT_WR)); the tunnel is closed when both directions ended.
 * The gateway may end a tunnel itself (splice_end()), just as orderly.
 */
#ifndef DISTGATE_SPLICE_H
#define DISTGATE_SPLICE_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/wire/reason.h"

struct tunnel;

/*
 * Enters TUN_HANDSHAKE and makes splice_pump() the tunnel's step.  LOCAL_INITIATOR says which side dialled: 1 when
 * the node behind the local half is the initiator (outbound), 0 when the
 * peer side is (inbound).  Bytes already in t->down.hs / t->up.buf (a
 * leftover read, a queued ROUTE reply) are kept.  Returns 0 or -1 with
 * the failure recorded (conn_fail).
 */
int splice_start(struct tunnel *t, int local_initiator);

/* Moves bytes both ways until nothing more can move, then declares the
 * halves' interest.  Returns 0, or -1 with the failure recorded (caller closes). */
int splice_pump(struct tunnel *t);

/*
 * Ends T on the gateway's initiative with CODE and WHY (kept for the audit
 * line).  An established tunnel ends in order, so that no node sees a
 * reset: what it holds is dropped, both write sides end (FIN, or TLS
 * close_notify), and what the far ends still send is read and dropped
 * until both close (TUN_CLOSING, at most TUNNEL_LINGER_MS); a tunnel in
 * any other state is closed now.  T may be gone on return.
 */
void splice_end(struct tunnel *t, enum reason code, const char *why);

/* Flushes t->up to the remote half (used before the splice starts, for
 * gateway replies).  Returns 0 or -1 with the failure recorded. */
int splice_flush_up(struct tunnel *t);

#endif
