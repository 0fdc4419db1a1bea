/*
 * gateway.h — the running gateway's shared context: what every module
 * reaches through an explicit pointer (there are no globals).
 *
 * It holds the event base, the frozen configuration, the registry of local
 * nodes, the two TLS contexts, one struct peer per [peer] section, the
 * cookies, the lockout table and the list of every open connection
 * (conn.h), and counts connections against max_connections.  Start-up and
 * teardown are gateway_start.h's.
 */
#ifndef DISTGATE_GATEWAY_H
#define DISTGATE_GATEWAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "proxy/wire/reason.h"

struct config;
struct event_base;
struct event;
struct listener;
struct peer;
struct registry;
struct conn;
struct cookie;
struct lockout;
struct public;

struct gateway {
	struct event_base *base;
	const struct config *cfg;
	struct registry *reg;
	SSL_CTX *srv_ctx;
	SSL_CTX *cli_ctx;
	struct listener **listeners;	/* local EPMD + TLS */
	size_t nlisteners;
	struct peer **peers;		/* parallel to cfg->peers */
	size_t npeers;
	uint64_t next_id;
	unsigned nconns;		/* counted connections, all kinds */
	struct conn *conns;		/* every open conn, newest first */
	unsigned long refused;		/* refused for max_connections */
	struct event *sigev[3];
	struct cookie *cookie;		/* [gateway] cookie_file, or NULL */
	struct cookie **peer_cookie;	/* per [peer], NULL entries */
	struct cookie **node_cookie;	/* per [node] */
	struct lockout *lockout;
	struct event *sweep;		/* lockout sweep, every second */
	FILE *audit;			/* audit_file, or NULL */
	struct public *pub;		/* pinned node ports, or NULL */
};

/* Returns a new connection id (1, 2, ...). */
uint64_t gateway_next_id(struct gateway *gw);

/*
 * Counts one connection against max_connections.  Returns 0, or -1 when
 * the cap is reached (the caller closes the socket; a warning is logged at
 * most once a second).
 */
int gateway_admit(struct gateway *gw, const char *what);
/* Releases what gateway_admit() counted. */
void gateway_release(struct gateway *gw);

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

/* Returns the struct peer of CFG peer index I. */
struct peer *gateway_peer(struct gateway *gw, size_t i);

#endif
