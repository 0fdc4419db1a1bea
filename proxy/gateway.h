/*
 * gateway.h — the running gateway: the context every module reaches
 * through an explicit pointer (there are no globals).
 *
 * It owns the event base's listeners, the registry of local nodes, the two
 * TLS contexts and one struct peer per [peer] section, and counts every
 * open connection against max_connections.
 */
#ifndef DISTGATE_GATEWAY_H
#define DISTGATE_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct config;
struct event_base;
struct event;
struct listener;
struct peer;
struct registry;
struct conn;

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
	unsigned nconns;		/* every connection, all kinds */
	struct conn *conns;		/* distribution conns, newest first */
	unsigned long refused;		/* refused for max_connections */
	struct event *sigev[3];
};

/*
 * Sets up everything for CFG on BASE: TLS contexts, registry, listeners,
 * peers, signal handlers (SIGINT/SIGTERM stop the loop; SIGPIPE ignored).
 * Returns 0, or -1 with a reason in ERR (then gateway_fini() cleans up).
 */
int gateway_init(struct gateway *gw, struct event_base *base,
    const struct config *cfg, char *err, size_t errlen);

/* Closes every distribution conn (each logs its summary line) and frees
 * what gateway_init() made; safe after a failed init. */
void gateway_fini(struct gateway *gw);

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

/* Returns the struct peer of CFG peer index I. */
struct peer *gateway_peer(struct gateway *gw, size_t i);

#endif
