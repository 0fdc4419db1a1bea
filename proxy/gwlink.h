/*
 * gwlink.h — a TLS link from this gateway to a peer gateway's pinned port.
 *
 * A link connects, runs the TLS handshake as client (SNI and the expected
 * identity are the peer's identity), and then carries one gateway request
 * at a time.  After a RESOLVE or NAMES reply the link goes back to its
 * peer's idle pool (peer.h) and can serve the next request, including the
 * ROUTE that turns it into a distribution tunnel: pooling saves a TCP and
 * TLS handshake on the connection-setup path.  A pooled link lives 25 s
 * after its last request; meanwhile it sends a PING every
 * link_ping_interval and is closed as dead when no PONG comes within
 * resolve_timeout (a peer that answers PING with an error, an older
 * distgate, is not pinged again).  Every phase has a timer.
 */
#ifndef DISTGATE_GWLINK_H
#define DISTGATE_GWLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/wire/reason.h"

struct conn;
struct gw_msg;
struct gwlink;
struct half;
struct peer;
struct event_base;

/*
 * The reply to a request.  STATUS is a gw_status, or -1 when the link
 * failed (REASON says why; MSG is NULL).  MSG points into the link's buffer
 * and is valid only during the call.  The callee must forget its pointer
 * to the link first thing (the link is no longer cancellable).  After a
 * GW_ROUTE reply with status
 * GW_OK the callee must gwlink_handover() the link before returning; in
 * every other case the link has already been released or closed and must
 * not be used.
 */
typedef void gwlink_cb(struct gwlink *link, int status,
    const struct gw_msg *msg, const char *reason, void *arg);

/*
 * Sends request TYPE (GW_RESOLVE, GW_ROUTE, GW_NAMES) for NAME (NULL for
 * NAMES) to peer P, over an idle pooled link or a new one.  CB fires once,
 * later (never from inside this call).  Returns the link (to cancel), or
 * NULL if none could be started (then CB never fires).
 */
struct gwlink *gwlink_request(struct peer *p, uint8_t type, const char *name,
    gwlink_cb *cb, void *arg);

/*
 * Opens a TLS connection straight to a node's port at SA (a native
 * inet_tls_dist node, or a node port a bastion reaches) as a client of
 * peer P: same certificate and identity checks, P's TLS minimum, no
 * gateway request.  CB fires once with GW_OK when TLS is up (the callee
 * must then gwlink_handover()) or -1 with a reason.  Returns the link or
 * NULL.
 */
struct gwlink *gwlink_direct(struct peer *p, const struct sockaddr *sa,
    socklen_t len, gwlink_cb *cb, void *arg);

/*
 * Keeps one spare link to gateway peer P ready: when P's pool is empty and
 * no spare is being opened, opens one that joins the pool once its TLS is
 * up, so the next lookup or route skips the TCP and TLS handshakes.
 */
void gwlink_warm(struct peer *p);

/* Inside a callback with status -1: the code the link failed with
 * (bad_certificate, identity_not_allowed, tls_failed, timeout, ...). */
enum reason gwlink_code(const struct gwlink *link);

/* The requester is gone: CB will not fire; the link is closed. */
void gwlink_cancel(struct gwlink *link);

/*
 * After a GW_ROUTE reply with GW_OK: moves the TLS socket into DST (with
 * events calling CB(ARG)), copies bytes read past the reply into LEFTOVER
 * (at most CAP; *n set) and frees the link.  Returns 0 or -1 (DST then
 * holds whatever was moved; the link is freed either way).
 */
int gwlink_handover(struct gwlink *link, struct half *dst,
    struct event_base *base, void (*cb)(int, short, void *), void *arg,
    uint8_t *leftover, size_t cap, size_t *n);

/* For reports: the index of LINK's peer in the config / 1 if LINK is
 * pooled idle. */
long gwlink_peer_index(const struct gwlink *link);
int gwlink_is_idle(const struct gwlink *link);
/* Returns the peer of link C (a conn of kind CONN_KIND_LINK). */
struct peer *gwlink_peer(const struct conn *c);

/* Closes an idle link (pool eviction, shutdown). */
void gwlink_close(struct gwlink *link, const char *reason);

#endif
