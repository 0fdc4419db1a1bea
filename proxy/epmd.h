/*
 * epmd.h — distgate's EPMD server connections: a conn (conn.h) of kind
 * CONN_KIND_EPMD.
 *
 * Three listeners make them: the host's own EPMD (local nodes register
 * and look each other up; handled here), the public EPMD (native TLS nodes
 * of other hosts look up exposed nodes' pinned ports; handled here) and
 * one alias EPMD per [peer] (lookups of the peer's nodes, answered through
 * the peer: outbound.c hands its own handler to epmd_accept()).
 *
 * One request per connection, then close — except a successful ALIVE2,
 * whose connection is the registration: it stays open and silent, and its
 * EOF (or any byte from the node) unregisters the node.
 */
#ifndef DISTGATE_EPMD_H
#define DISTGATE_EPMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/conn.h"
#include "proxy/wire/epmd_proto.h"

struct gateway;
struct gwlink;
struct epmdc;
struct reg_node;
struct epmd_conn;

enum epmd_state {
	E_READ = 0,		/* reading the request */
	E_WAIT,			/* asking elsewhere (alias lookups) */
	E_WRITE,		/* sending the reply, then close */
	E_REGISTERED,		/* the connection is the registration */
	E_NSTATES
};

/* Handles one whole request; must reply (epmd_put, epmd_finish), wait
 * (epmd_wait) or close the connection. */
typedef void epmd_handler(struct epmd_conn *e, const struct epmd_req *req);

struct epmd_conn {
	struct conn c;
	epmd_handler *handle;
	void *arg;			/* the handler's (alias: the peer) */
	int family;			/* of the client: AF_INET / AF_INET6 */
	int local_client;		/* epmd's "local peer" rule */
	int inside;			/* on a peer's inside_alias: node
					   ports there, not on the alias */
	struct gwlink *link;		/* pending resolve / names */
	struct epmdc *query;		/* pending native lookup */
	long bsrc;			/* public lookup of an inside node
					   (bastion_pub.h): the native peer, */
	long bpeer;			/* the reach host asked, */
	size_t bnext;			/* the next in its reach list */
	const struct reg_node *node;	/* registration */
	uint8_t in[2 + EPMD_MAX_PACKET + 1];
	size_t inlen;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	char addr[64];
	char name[EPMD_MAX_NAME + 1];	/* registered or asked for */
};

/* Listener callback for the local EPMD; ARG is the struct gateway. */
void epmd_accept_local(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);
/* Listener callback for the public EPMD; ARG is the struct gateway. */
void epmd_accept_public(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);

/*
 * Makes an EPMD server connection on accepted FD (owned from now on,
 * closed on failure) whose requests go to HANDLE with ARG in e->arg.  It
 * is a local node's (max_local_connections): the local and alias EPMDs
 * listen on loopback only.
 */
void epmd_accept(struct gateway *gw, int fd, const struct sockaddr *peer,
    const struct sockaddr *local, epmd_handler *handle, void *arg);

/* The same for a peer's inside alias on a bastion (outbound.c): the
 * client is an inside host (max_connections, a pending slot of its
 * address) and e->inside is set. */
void epmd_accept_inside(struct gateway *gw, int fd, const struct sockaddr *peer,
    const struct sockaddr *local, epmd_handler *handle, void *arg);

/* Appends LEN reply bytes (bounded).  Returns 0 or -1. */
int epmd_put(struct epmd_conn *e, const uint8_t *buf, size_t len);

/* Appends a NAMES reply header naming PORT. */
void epmd_put_names_header(struct epmd_conn *e, uint16_t port);

/* Answers what an alias EPMD does not serve: KILL ("NO"), STOP, ALIVE2
 * and DUMP are refused (closed, logged). */
void epmd_refuse(struct epmd_conn *e, const struct epmd_req *req);

/* Writes the audit line of a lookup of E's node (e->name) through peer
 * PEER that failed with CODE and WHY. */
void epmd_audit_lookup(const struct epmd_conn *e, const char *peer,
    enum reason code, const char *why);

/* Enters E_WAIT: the reply comes later (the timer keeps running). */
void epmd_wait(struct epmd_conn *e);

/* Sends what was put and closes (epmd closes after every reply but
 * ALIVE2's).  E must not be used afterwards. */
void epmd_finish(struct epmd_conn *e);

#endif
