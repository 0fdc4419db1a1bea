/*
 * conn.h — one distribution connection through the gateway.
 *
 * A conn has two halves: `local` (plain TCP to a node on this host) and
 * `remote` (mutual TLS to the peer's gateway), and two directions: `up`
 * (local -> remote) and `down` (remote -> local).  Its life is an explicit
 * state machine; every waiting state has a timer.  Inbound conns start in
 * CONN_TLS_ACCEPT and read gateway requests (inbound.c); outbound conns
 * start in CONN_ROUTE and wait for a link to the peer (peer.c); both end
 * in the splice (splice.c): the distribution handshake re-framed between
 * 2-byte and 4-byte lengths, then a bounded byte pipe.
 *
 * Closing: only conn_close() frees a conn, and only a top-level callback
 * (an event on the conn itself, or a reply delivered to it) calls it; the
 * functions below return -1 with c->why set and leave the close to their
 * caller, so nothing touches a freed conn.
 */
#ifndef DISTGATE_CONN_H
#define DISTGATE_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proxy/half.h"

struct gateway;
struct gwlink;
struct hs_verify;
struct epmdc;
struct event;

enum conn_state {
	CONN_NEW = 0,
	CONN_TLS_ACCEPT,	/* inbound: TLS handshake as server */
	CONN_REQUESTS,		/* inbound: reading gateway requests */
	CONN_NODE_CONNECT,	/* inbound: connecting to the local node */
	CONN_ROUTE,		/* outbound: waiting for a link and ROUTE */
	CONN_HANDSHAKE,		/* distribution handshake being relayed */
	CONN_ESTABLISHED,	/* byte pipe */
	CONN_CLOSED,
};

#define CONN_HS_CAP	(4 + 2048 + 64)	/* handshake staging per direction */
#define CONN_NAME_MAX	128		/* node names kept for logs */

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
	uint64_t bytes;		/* delivered to the destination */
};

struct conn {
	uint64_t id;
	struct conn *prev, *next;	/* the gateway's list of conns */
	struct gateway *gw;
	enum conn_state state;
	unsigned outbound:1;		/* a local node dialled out */
	unsigned hidden:1;		/* PUBLISHED clear in send_name */
	unsigned close_after_flush:1;	/* inbound: reply, then close */
	unsigned quiet:1;		/* an ordinary end: log at debug */
	unsigned direct:1;		/* inbound on a pinned node port: no
					   gateway request */
	unsigned waiting:1;		/* inbound: a bastion lookup runs */
	uint8_t btype;			/* its request: GW_RESOLVE/GW_ROUTE */
	long bpeer;			/* its target peer index */
	struct epmdc *query;		/* bastion: pending epmd lookup */
	long peer_idx;			/* index into cfg->peers, -1 unknown */
	struct half local;
	struct half remote;
	struct dir up;			/* local -> remote */
	struct dir down;		/* remote -> local */
	struct event *timer;
	struct event *kick;		/* re-run the pump without I/O */
	struct gwlink *link;		/* outbound: link we wait on */
	struct timespec t0;
	time_t last_io;			/* for idle_timeout */
	const char *code;		/* code handed to conn_close() */
	const char *why;		/* reason handed to conn_close() */
	char whybuf[160];
	char raddr[64];			/* remote gateway address */
	char rip[48];			/* its IP alone (lockout key) */
	struct hs_verify *hv;		/* during the handshake */
	char ident[96];			/* verified certificate identity */
	char target[CONN_NAME_MAX];	/* node asked for in ROUTE */
	char initiator[CONN_NAME_MAX];
	char acceptor[CONN_NAME_MAX];
};

/*
 * Returns a new conn in CONN_NEW, counted against max_connections (NULL
 * when the cap is reached or memory is short; nothing else to undo).
 */
struct conn *conn_new(struct gateway *gw, int outbound);

/* Moves to STATE, checking the transition (a bad one is a programming
 * error) and arming the state's timer.  Traced at debug level. */
void conn_set_state(struct conn *c, enum conn_state state);

/* Re-arms the current state's timer from now (activity seen). */
void conn_rearm(struct conn *c);

/*
 * Sets c->code (a static reason code, see docs/audit.md) and c->why from a
 * format, and returns -1, for "return conn_fail(...)".
 */
int conn_fail(struct conn *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Logs the one audit line (id, direction, peer, address, certificate
 * subject and SAN, node names, hidden, verdict, CODE, REASON, bytes each
 * way, duration), counts a refusal of an inbound conn against its source
 * address and identity (lockout), releases everything and frees C.  C must
 * not be used afterwards.
 */
void conn_close(struct conn *c, const char *code, const char *reason);

/* The libevent callback of both halves: runs the step of c's state and
 * closes it if that step fails. */
void conn_io(int fd, short what, void *arg);

/* Schedules conn_io() to run once without waiting for I/O. */
void conn_kick(struct conn *c);

/* Returns "name" of a state, for logs. */
const char *conn_state_name(enum conn_state s);

#endif
