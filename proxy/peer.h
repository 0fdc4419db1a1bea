/*
 * peer.h — one remote host (a [peer] section) as seen from this gateway.
 *
 * Holds the peer's alias EPMD listener and one listener per remote node
 * on the alias address (both opened by outbound.c, freed here), the
 * remote nodes' last answers, the pool of idle links to the peer's
 * gateway (the links themselves are conns, gwlink.h) and the TLS session
 * the next link resumes.
 */
#ifndef DISTGATE_PEER_H
#define DISTGATE_PEER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct gateway;
struct config_peer;
struct listener;
struct gwlink;

#define PEER_IDLE_LINKS		4	/* pooled links per peer */
#define PEER_MAX_NODES		1024	/* remote nodes with a port */

struct peer_node {
	struct peer *peer;
	char *name;
	struct listener *l;
	uint16_t port;		/* ours, on the alias address */
	struct listener *il;	/* on the peer's inside_alias, or NULL */
	uint16_t iport;		/* ... and its port */
	uint16_t remote_port;	/* native peers: the node's TLS port */
	uint64_t seen_ms;	/* last time the peer said it exists */
	uint16_t high, low;	/* ... with these versions and type */
	uint8_t node_type;
};

#define PEER_RESOLVE_CACHE_MS	5000	/* a positive answer is reused */

struct peer {
	struct gateway *gw;
	const struct config_peer *cfg;
	size_t idx;
	struct listener *epmd;
	struct listener *inside_epmd;	/* on inside_alias, or NULL */
	struct peer_node **nodes;
	size_t nnodes, capnodes;
	struct gwlink *idle[PEER_IDLE_LINKS];
	size_t nidle;
	struct gwlink *warming;		/* a spare link being opened */
	int no_ping;			/* answered PING with an error (a
					   distgate older than PING): its
					   idle links are not pinged */
	SSL_SESSION *session;	/* for resumption on the next link */
	/* For the status endpoint (report.h). */
	uint64_t bytes_out, bytes_in;	/* of its tunnels closed so far */
	uint64_t tunnels_done;		/* its tunnels closed once established */
	int link_state;			/* PEER_LINK_*: how its last link went */
	uint64_t rtt_us;		/* last PING round trip, 0 none yet */
	uint64_t rtt_at_ms;		/* when it was measured (monotonic) */
};

#define PEER_LINK_UNKNOWN	0	/* no link has come up or failed yet */
#define PEER_LINK_UP		1	/* the last link came up */
#define PEER_LINK_DOWN		2	/* the last one failed, or a PING went
					   unanswered */

/* Sets up peer IDX of GW's config.  Returns the peer or NULL with a
 * reason in ERR. */
struct peer *peer_new(struct gateway *gw, size_t idx, char *err,
    size_t errlen);

/* The same for section PC at index IDX of a configuration not yet in
 * force (a reload; the caller points p->cfg at it once it is). */
struct peer *peer_new_in(struct gateway *gw, size_t idx,
    const struct config_peer *pc, char *err, size_t errlen);

/* Closes listeners and frees; NULL is a no-op.  Its links must be closed
 * first (they leave the pool as they close). */
void peer_free(struct peer *p);

/* Closes P's alias EPMD and alias node ports (the gateway drains): its
 * remote nodes stay known, their ports closed; none opens again. */
void peer_stop_listening(struct peer *p);

/* Returns the remote node NAME, or NULL. */
struct peer_node *peer_node_find(const struct peer *p, const char *name);

/* Adds remote node NAME (no listener yet).  Returns it, or NULL (logged
 * when the table is full). */
struct peer_node *peer_node_add(struct peer *p, const char *name,
    uint16_t remote_port);

/* Removes and frees PN (and its listener). */
void peer_node_drop(struct peer *p, struct peer_node *pn);

/*
 * Remembers that the peer confirmed remote node NAME (versions and type)
 * at NOW / returns the remembered answer when it is younger than
 * PEER_RESOLVE_CACHE_MS, else NULL.  Only positive answers are kept: a
 * lookup of a node that is not there always asks the peer.
 */
void peer_node_seen(struct peer *p, const char *name, uint8_t node_type,
    uint16_t high, uint16_t low, uint64_t now);
const struct peer_node *peer_node_fresh(const struct peer *p,
    const char *name, uint64_t now);

/* Writes the name a gateway request uses for remote node ALIVE: ALIVE
 * itself, or ALIVE@HOST for a peer reached through a bastion (via). */
void peer_request_name(const struct peer *p, const char *alive, char *out,
    size_t cap);

/* OpenSSL's new-session callback for the client context: keeps the
 * newest session of the peer whose link it is (SSL app data), for
 * resumption by the next link.  Returns 1 (the session is kept). */
int peer_session_cb(SSL *ssl, SSL_SESSION *sess);

/* Pool: takes an idle link (NULL if none) / offers one back (0 pooled,
 * -1 pool full: the caller closes it) / forgets one being closed. */
struct gwlink *peer_take_idle(struct peer *p);
int peer_put_idle(struct peer *p, struct gwlink *link);
void peer_forget_idle(struct peer *p, struct gwlink *link);

#endif
