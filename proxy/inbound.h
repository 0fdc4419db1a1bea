/*
 * inbound.h — connections arriving on the pinned TLS port.
 *
 * TLS handshake as server (certificate chain checked by OpenSSL against
 * the CA), then the peer's identity: the certificate must carry the
 * identity of one [peer].  Then gateway requests (gwproto.h): RESOLVE and
 * NAMES answered from the registry, ROUTE connects to the named local node
 * and hands the conn to the splice with the peer as initiator.
 */
#ifndef DISTGATE_INBOUND_H
#define DISTGATE_INBOUND_H

#include <sys/socket.h>

struct conn;

/* The TLS listener's callback (listener_cb); ARG is the struct gateway. */
void inbound_accept(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);

/*
 * Callback body for a pinned node port (public.c): like inbound_accept(),
 * but the connection is a native inet_tls_dist node's, bridged to local
 * node NAME right after TLS and the identity check, with no gateway
 * request.
 */
struct gateway;
void inbound_accept_direct(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, struct gateway *gw, const char *name);

/* Runs the step of an inbound conn in CONN_TLS_ACCEPT, CONN_REQUESTS or
 * CONN_NODE_CONNECT.  Returns 0, or -1 with c->why (caller closes). */
int inbound_step(struct conn *c);

#endif
