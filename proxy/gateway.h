/*
 * gateway.h — the running gateway's shared context: what every module
 * reaches through an explicit pointer (there are no globals).
 *
 * It holds the event base, the frozen configuration, the registry of local
 * nodes, the two TLS contexts, one struct peer per [peer] section, the
 * cookies, the lockout table and the list of every open connection
 * (conn.h).  It keeps the budgets: connections this host's nodes open
 * (local) and those other hosts open (remote) are counted apart, so that
 * remote load never takes what local nodes need, and remote connections
 * not yet authenticated hold slots capped per source address and in
 * total (wire/pending.h).  Start-up and teardown are gateway_start.h's.
 */
#ifndef DISTGATE_GATEWAY_H
#define DISTGATE_GATEWAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/ssl.h>

#include "proxy/util/prom.h"
#include "proxy/wire/reason.h"
#include "proxy/wire/lockout.h"

struct config;
struct event_base;
struct event;
struct listener;
struct peer;
struct registry;
struct conn;
struct epmd_conn;
struct cookie;
struct pending;
struct public;
struct trust;
struct status;

#define GATEWAY_BANQ	8	/* bans started by one close, at most */

struct gateway {
	struct event_base *base;
	const struct config *cfg;
	struct registry *reg;
	SSL_CTX *srv_ctx;
	SSL_CTX *cli_ctx;
	struct listener **listeners;	/* the local EPMD's first (one per
					   cfg->epmd_listen), then TLS and
					   the public EPMD */
	size_t nlisteners;
	struct peer **peers;		/* parallel to cfg->peers */
	size_t npeers;
	uint64_t next_id;
	unsigned nconns;		/* counted connections, both budgets */
	unsigned nlocal, nremote;	/* held against each budget */
	unsigned max_local, max_remote;	/* the budgets in force */
	unsigned max_pending, max_pending_src;
	struct pending *pending;	/* slots of unauthenticated ones */
	struct conn *conns;		/* every open conn, newest first */
	unsigned long refused;		/* refused for a budget */
	struct event *sigev[3];
	struct cookie *cookie;		/* [gateway] cookie_file, or NULL */
	struct cookie **peer_cookie;	/* per [peer], NULL entries */
	struct cookie **node_cookie;	/* per [node] */
	struct lockout *lockout;
	struct trust *trust;		/* known good, guesses (guard.h) */
	struct event *sweep;		/* lockout sweep, every second */
	/* Keys whose ban started while a conn was closing: conn_close()
	 * closes their open conns once the outermost close is done. */
	char banq[GATEWAY_BANQ][LOCKOUT_KEY_MAX];
	unsigned nbanq;
	unsigned closing;		/* conn_close() nesting depth */
	FILE *audit;			/* audit_file, or NULL */
	struct public *pub;		/* pinned node ports, or NULL */
	/* Asked when the public EPMD has no exposed local node by that
	 * name: a bastion's inside lookups (bastion_pub.h), or NULL.
	 * Returns 0 when it answers E itself, later; else -1. */
	int (*public_miss)(struct epmd_conn *e, const char *alive);

	/* What the status endpoint reports (status.h, report.h). */
	struct status *status;		/* the endpoint, or NULL (off) */
	time_t started;			/* Unix time of start */
	uint64_t tls_ok[2];		/* handshakes done: [0] as server */
	uint64_t tls_failed[2];		/* ... failed; [1] as client */
	struct prom_hist tls_hs;	/* seconds of each one done */
	uint64_t refusals[RC_NREASONS];	/* audit lines, verdict not ok */
	/* Graceful stop (drain.h): set by the first SIGTERM. */
	int draining;			/* 1 while draining */
	uint64_t drain_start_ms;	/* monotonic, when it began */
	unsigned drain_tunnels;		/* tunnels open when it began */
	struct event *drain_timer;	/* drain_timeout, then the linger */
	struct event *drain_check;	/* a tunnel closed: any left? */
	/* Reload and certificate lifecycle (reload.h).  For metrics: */
	struct {
		unsigned long ok;	/* reloads applied */
		unsigned long failed;	/* refused: running config kept */
		time_t last;		/* time of the last attempt, or 0 */
		unsigned long revoked;	/* conns closed by reloads */
		int last_failed;	/* 1 if the last one was refused */
	} reloads;
	time_t cert_expiry;		/* notAfter of [tls] cert, or 0 */
	time_t ca_expiry;		/* earliest notAfter in [tls] ca */
	struct config *cfg_owned;	/* cfg, when a reload loaded it (freed
					   by the next reload or at stop);
					   NULL: the caller's */
	struct event *certtick;		/* the daily expiry check */
};

/* Returns a new connection id (1, 2, ...). */
uint64_t gateway_next_id(struct gateway *gw);

/*
 * Counts one connection against max_connections.  Returns 0, or -1 when
 * the cap is reached (the caller closes the socket; a warning is logged at
 * most once a second).  REMOTE 1: against max_connections (opened by
 * another host), 0: against max_local_connections (opened by a local
 * node).
 */
int gateway_admit(struct gateway *gw, int remote, const char *what);
/* Releases what gateway_admit() counted against the same budget. */
void gateway_release(struct gateway *gw, int remote);

/*
 * Sets the budgets in force from the configuration, fitted to NOFILE
 * file descriptors (the process's limit): a counted connection may hold
 * two, and RESERVE more are kept for listeners, links and logs.  When
 * NOFILE is too small for the configured budgets, the remote ones shrink
 * first (down to what is left after the local one), then the local one;
 * returns 1 then (the caller logs it), else 0.  Pending caps are at most
 * the remote budget.
 */
int gateway_budgets(struct gateway *gw, unsigned long nofile,
    unsigned reserve);

/* Logs (at most once a second, with a running count) that a connection
 * from SRC was refused for LIMIT, and counts it. */
void gateway_refused(struct gateway *gw, const char *limit, unsigned cap,
    const char *src);

/*
 * Returns the cookie for a connection between local node LOCAL_ALIVE and
 * remote node REMOTE_ALIVE through peer PEER_IDX: [node LOCAL], else
 * [node REMOTE], else the peer's cookie_file, else the gateway's; NULL
 * when none is configured (digests are then not checked).
 */
const struct cookie *gateway_cookie_for(const struct gateway *gw,
    long peer_idx, const char *local_alive, const char *remote_alive);

/*
 * Writes one audit line, for a connection closed with CODE: appended to
 * audit_file when it is set (every line, unless QUIET), and to the log at
 * debug level when QUIET, else at info.  In the log, lines whose verdict
 * is not ok are rate-limited per verdict and code (class "audit refused
 * tls_failed"; see log.h); the audit file is not.
 */
void gateway_audit(struct gateway *gw, int quiet, enum reason code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Counts one failure of lockout KEY now.  When it starts a ban, KEY is
 * queued so that every open conn under it is closed (code locked_out)
 * right after the conn being closed now (conn.h).  Returns 1 if a ban
 * started, else 0.
 */
int gateway_failure(struct gateway *gw, const char *key);

/*
 * Counts the end of a TLS handshake as server (CLIENT 0: an inbound
 * connection) or client (1: a link): OK 1 with its duration since
 * START_MS (monotonic ms) in the histogram, else a failure.
 */
void gateway_tls_result(struct gateway *gw, int client, int ok,
    uint64_t start_ms);

/* Returns the struct peer of CFG peer index I. */
struct peer *gateway_peer(struct gateway *gw, size_t i);

#endif
