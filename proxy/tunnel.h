/*
 * tunnel.h — one distribution connection through the gateway: a conn
 * (conn.h) of kind CONN_KIND_TUNNEL.
 *
 * A tunnel has two halves: c.h, the remote one (mutual TLS to the peer's
 * gateway or a native node, or plain TCP to an inside host behind a
 * bastion), and `local` (plain TCP to a node on this host, or the inside
 * leg of a bastion), and two directions: `up` (local -> remote) and
 * `down` (remote -> local).  Its life is an explicit state machine; every
 * waiting state has a timer.  Inbound tunnels start in TUN_TLS_ACCEPT and
 * read gateway requests (inbound.c, bastion.c); outbound tunnels start in
 * TUN_ROUTE and wait for a link to the peer (outbound.c); both end in the
 * splice (splice.c): the distribution handshake re-framed between 2-byte
 * and 4-byte lengths, then a bounded byte pipe.
 *
 * Whoever moves a tunnel into a state also sets t->step, the function an
 * event on either half (or a kick) runs; when it returns -1 the tunnel is
 * closed with the code and reason it recorded (conn_fail).
 *
 * Closing logs the one audit line (docs/audit.md) and counts a refusal of
 * an inbound tunnel against its source address and identity (lockout).
 */
#ifndef DISTGATE_TUNNEL_H
#define DISTGATE_TUNNEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proxy/conn.h"

struct gateway;
struct gwlink;
struct hs_verify;
struct epmdc;
struct event;

enum tunnel_state {
	TUN_NEW = 0,
	TUN_TLS_ACCEPT,		/* inbound: TLS handshake as server */
	TUN_REQUESTS,		/* inbound: reading gateway requests */
	TUN_NODE_CONNECT,	/* inbound: connecting to the local node */
	TUN_ROUTE,		/* outbound: waiting for a link and ROUTE */
	TUN_HANDSHAKE,		/* distribution handshake being relayed */
	TUN_ESTABLISHED,	/* byte pipe */
	TUN_CLOSING,		/* ended by the gateway (splice_end): write
				   sides shut, reads discarded until both
				   far ends close */
	TUN_NSTATES
};

#define TUNNEL_HS_CAP	(4 + 2048 + 64)	/* handshake staging per direction */
#define TUNNEL_NAME_MAX	128		/* node names kept for logs */
#define TUNNEL_FULL	1		/* tunnel_reserve(): no room yet */
#define TUNNEL_LINGER_MS 2000		/* TUN_CLOSING: wait for the far ends */

struct dir {
	uint8_t *buf;		/* bytes waiting for the destination */
	size_t cap, off, len;
	uint8_t *hs;		/* raw source bytes not yet re-framed */
	size_t hslen;
	unsigned nmsg;		/* handshake messages passed so far */
	unsigned src_prefix, dst_prefix;
	unsigned from_initiator:1;
	unsigned handshake:1;	/* still re-framing */
	unsigned eof:1;		/* source ended */
	unsigned shut_sent:1;	/* close_notify / FIN queued */
	unsigned shut:1;	/* destination's write side ended */
};

struct tunnel {
	struct conn c;			/* c.h is the remote half */
	struct half local;
	struct dir up;			/* local -> remote */
	struct dir down;		/* remote -> local */
	int (*step)(struct tunnel *t);	/* the current state's work */
	struct event *kick;		/* re-run step without I/O */
	unsigned outbound:1;		/* a local node dialled out */
	unsigned hidden:1;		/* PUBLISHED clear in send_name */
	unsigned close_after_flush:1;	/* inbound: reply, then close */
	unsigned quiet:1;		/* an ordinary end: log at debug */
	unsigned direct:1;		/* inbound on a pinned node port: no
					   gateway request */
	unsigned waiting:1;		/* inbound: a bastion lookup runs */
	unsigned proved:1;		/* inbound: established, the initiator's
					   cookie checked (guard.h) */
	unsigned tls_done:1;		/* inbound: its TLS handshake is done */
	unsigned local_done:1;		/* TUN_CLOSING: local half read to its
					   end (or failed) */
	unsigned remote_done:1;		/* ... and the remote half */
	uint8_t btype;			/* its request: GW_RESOLVE/GW_ROUTE */
	long bpeer;			/* its target peer index */
	struct epmdc *query;		/* bastion: pending epmd lookup */
	struct gwlink *link;		/* link we wait on */
	long peer_idx;			/* index into cfg->peers, -1 unknown */
	time_t last_io;			/* for idle_timeout */
	struct hs_verify *hv;		/* during the handshake */
	char raddr[64];			/* remote gateway address */
	char rip[48];			/* its IP alone (lockout key) */
	char ident[96];			/* verified certificate identity */
	char target[TUNNEL_NAME_MAX];	/* node asked for in ROUTE */
	char initiator[TUNNEL_NAME_MAX];
	char acceptor[TUNNEL_NAME_MAX];
};

/* Returns a new tunnel in TUN_NEW, counted against max_local_connections
 * (OUTBOUND: a local node dialled out) or max_connections (NULL when the
 * budget is spent or memory is short; nothing else to undo). */
struct tunnel *tunnel_new(struct gateway *gw, int outbound);

/* Returns a new outbound tunnel that an inside host's node opened on a
 * bastion's inside alias: counted against max_connections (NULL when
 * refused). */
struct tunnel *tunnel_new_inside(struct gateway *gw);

/* Returns a new inbound tunnel from source address SRC, not yet
 * authenticated: counted against max_connections and holding a pending
 * slot of SRC (conn_init) until conn_authenticated().  NULL when refused. */
struct tunnel *tunnel_new_pending(struct gateway *gw, const char *src);

/* The libevent callback of both halves: runs t->step and closes the
 * tunnel if it fails. */
void tunnel_io(int fd, short what, void *arg);

/* Schedules t->step to run once without waiting for I/O. */
void tunnel_kick(struct tunnel *t);

/* Runs t->step now (after a reply it waited for arrived); closes T if
 * that fails.  T must not be used afterwards. */
void tunnel_resume(struct tunnel *t);

/*
 * Makes sure direction D has a buffer with NEED bytes of room at its end
 * (compacting when that suffices).  Returns 0, TUNNEL_FULL when it cannot
 * hold them yet, or -1 when memory is short.
 */
int tunnel_reserve(struct tunnel *t, struct dir *d, size_t need);

/* Appends LEN bytes to the up (UP) or down direction.  Returns 0 or -1
 * with the failure recorded (conn_fail). */
int tunnel_queue(struct tunnel *t, int up, const void *buf, size_t len);

/*
 * Writes the audit line of a request refused on T while T goes on (a
 * lookup link): request REQ ("resolve") for NODE, CODE and WHY.
 */
void tunnel_audit_request(struct tunnel *t, const char *req,
    const char *node, enum reason code, const char *why);

/*
 * Takes the TLS socket of LINK (a ROUTE answered OK, or a direct link up)
 * as T's remote half (REMOTE 1: bytes read past the reply become the
 * first handshake bytes from the remote) or as its local half (a
 * bastion's inside leg: nothing may follow the reply there).  LINK is
 * gone either way.  Returns 0 or -1 with the failure recorded.
 */
int tunnel_adopt(struct tunnel *t, struct gwlink *link, int remote);

/*
 * Queues a gateway-protocol status reply of TYPE for the peer.  With
 * THEN_CLOSE the tunnel ends with CODE once the reply is sent.  Returns 0
 * or -1 with the failure recorded.
 */
int tunnel_refuse(struct tunnel *t, uint8_t type, uint8_t status,
    const char *reason, int then_close, enum reason code);

#endif
