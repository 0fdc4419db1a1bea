/*
 * conn.h — the one connection model: every object that owns a socket.
 *
 * A struct conn is the base of each kind: the distribution tunnel
 * (tunnel.h), the EPMD server connection (epmd.h), the link to a peer
 * gateway (gwlink.h) and the EPMD client (epmdc.h).  Each kind embeds a
 * struct conn as its first member and describes itself with a struct
 * conn_ops: its state names and allowed transitions, the timer of each
 * state, what a timeout means, and how its own parts are released.
 *
 * The base holds what every kind has: an id, its kind, its half (fd and
 * TLS; a tunnel has a second one of its own), a timer, a state changed
 * only through conn_set_state(), its place in the gateway's list, bytes
 * each way and its start time.  The gateway can walk the list
 * (conn_foreach) and close any or all of them (conn_close, conn_close_all)
 * with a reason code from one table (wire/reason.h).
 *
 * Closing: conn_close() is the only way a conn ends.  It runs the kind's
 * release hook (which logs the kind's summary line and frees what the
 * kind added), closes the half, leaves the list and frees the object.
 * Only a top-level callback (an event on the conn, or a reply delivered
 * to it) calls it; functions below it return -1 and let their caller
 * close, so nothing touches a freed conn.
 *
 * Bans act at once: when a close counts a failure that starts a lockout
 * ban (gateway_failure), the outermost conn_close() then closes every
 * open conn under the banned key (the kind's under_key hook) with
 * RC_LOCKED_OUT, whatever its state: not only new connections are
 * refused, but open ones and their pending requests end too.
 */
#ifndef DISTGATE_CONN_H
#define DISTGATE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/half.h"
#include "proxy/wire/pending.h"
#include "proxy/wire/reason.h"

struct gateway;
struct event;
struct conn;

enum conn_kind {
	CONN_KIND_TUNNEL = 0,	/* a distribution connection */
	CONN_KIND_EPMD,		/* a client of one of our EPMDs */
	CONN_KIND_LINK,		/* our TLS link to a peer gateway or node */
	CONN_KIND_EPMDC,	/* our query to another host's epmd */
	CONN_NKINDS
};

#define CONN_TIMER_KEEP	(~0u)	/* timeout_ms: leave the timer as it is */

/* Which budget a conn is held against (gateway.h). */
enum conn_budget {
	CONN_UNCOUNTED = 0,	/* made for a conn that is counted (a link,
				   an epmd query), or pooled per peer */
	CONN_LOCAL,		/* opened by this host's nodes:
				   max_local_connections */
	CONN_REMOTE		/* opened by another host: max_connections */
};

struct conn_ops {
	const char *kind;		/* "tunnel", "epmd", "link", "epmdc" */
	const char *const *states;	/* names, indexed by state */
	int nstates;
	/* 1 if the kind may move from FROM to TO. */
	int (*transition_ok)(int from, int to);
	/* The timer of C's current state in ms: 0 = none, CONN_TIMER_KEEP
	 * = leave a running timer alone. */
	unsigned (*timeout_ms)(const struct conn *c);
	/* The timer fired: close C (or re-arm it). */
	void (*timeout)(struct conn *c);
	/* Called by conn_close() first: log the summary line, cancel what C
	 * waits on, free the kind's own parts (not the half, timer or C). */
	void (*release)(struct conn *c, enum reason code, const char *why);
	/* 1 if C is under lockout key KEY ("addr:IP", "id:IDENTITY",
	 * "node:IDENTITY/NAME"; guard.h): a ban of KEY closes it.  NULL: no
	 * key applies to the kind. */
	int (*under_key)(const struct conn *c, const char *key);
};

struct conn {
	uint64_t id;
	enum conn_kind kind;
	const struct conn_ops *ops;
	struct gateway *gw;
	struct conn *prev, *next;	/* the gateway's list, newest first */
	int state;			/* the kind's enum; 0 at birth */
	struct half h;			/* its socket (a tunnel: the remote) */
	struct event *timer;
	uint64_t bytes_out;		/* sent towards the far side */
	uint64_t bytes_in;		/* delivered to this host's side */
	uint64_t start_ms;		/* monotonic */
	enum reason code;		/* set by conn_fail() */
	const char *why;		/* set by conn_fail() */
	char whybuf[160];
	enum conn_budget budget;
	int pending;			/* holds a slot for SRC: not yet
					   authenticated */
	char src[PENDING_SRC_MAX];	/* its source address, for that */
};

/*
 * Sets up C (zeroed by the caller, of OPS's kind) on GW: an id, the list,
 * the timer, the start time.  Counts it against BUDGET.  With SRC (an
 * address, for a connection another host opened that has not
 * authenticated yet), it also takes one of the slots of max_pending and
 * max_pending_per_source; when all are taken, the oldest unauthenticated
 * conn of the source holding most is closed (code evicted) if that
 * source holds more than SRC; when SRC's are, its own oldest is, if it
 * has waited a second or more.  Returns 0, or -1 (a budget reached or no
 * memory; logged at most once a second; nothing to undo, C not in the
 * list).
 */
int conn_init(struct conn *c, struct gateway *gw, enum conn_kind kind,
    const struct conn_ops *ops, enum conn_budget budget, const char *src);

/* C has authenticated: gives back its pending slot (if it holds one). */
void conn_authenticated(struct conn *c);

/* Moves C to STATE, checking the transition (a bad one is a programming
 * error) and arming the state's timer.  Traced at debug level. */
void conn_set_state(struct conn *c, int state);

/* Re-arms the current state's timer from now (activity seen). */
void conn_rearm(struct conn *c);

/* Arms the timer for MS milliseconds from now (0: stops it). */
void conn_arm(struct conn *c, unsigned ms);

/*
 * Records CODE and a formatted reason in C and returns -1, for
 * "return conn_fail(c, RC_..., ...)"; the caller's caller closes C with
 * them.
 */
int conn_fail(struct conn *c, enum reason code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The reason code of a failed read or write on H (HALF_ERR): RC_TIMEOUT
 * when the kernel gave up on a dead peer (ETIMEDOUT: keepalive or
 * TCP_USER_TIMEOUT, see net_dead_peer()), else RC_IO_ERROR.
 */
enum reason conn_io_reason(const struct half *h);

/* Closes C with the code and reason conn_fail() recorded. */
void conn_close_failed(struct conn *c);

/*
 * Ends C: the kind's release hook, then the half, the timer, the list,
 * the cap, and C itself.  C must not be used afterwards.  If a ban
 * started meanwhile, the open conns under its key are closed next (any
 * conn other than C may be gone when it returns: callers hold no other).
 */
void conn_close(struct conn *c, enum reason code, const char *why);

/* Closes every conn of GW (of any kind when KIND is CONN_NKINDS) with
 * CODE; closes that close others are fine. */
void conn_close_all(struct gateway *gw, enum conn_kind kind,
    enum reason code, const char *why);

/* Calls FN for each open conn, newest first; FN must not close any. */
void conn_foreach(struct gateway *gw, void (*fn)(struct conn *c, void *arg),
    void *arg);

/* Returns the name of C's state, for logs. */
const char *conn_state_name(const struct conn *c);

/* Returns how many conns of KIND are open (all when CONN_NKINDS). */
size_t conn_count(const struct gateway *gw, enum conn_kind kind);

#endif
