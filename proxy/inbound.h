/*
 * inbound.h — the inbound flow: tunnels arriving on the pinned TLS port.
 *
 * TLS handshake as server (certificate chain checked by OpenSSL against
 * the CA), then the peer's identity: the certificate must carry the
 * identity of one [peer].  Then gateway requests (gwproto.h): RESOLVE and
 * NAMES answered from the registry, ROUTE connects to the named local node
 * and hands the tunnel to the splice with the peer as initiator; a full
 * node name ALIVE@HOST goes to bastion routing (bastion.h).
 */
#ifndef DISTGATE_INBOUND_H
#define DISTGATE_INBOUND_H

#include <sys/socket.h>

struct gateway;

/* The TLS listener's callback (listener_cb); ARG is the struct gateway. */
void inbound_accept(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);

/*
 * Callback body for a pinned node port (public.c): like inbound_accept(),
 * but the connection is a native inet_tls_dist node's, bridged to local
 * node NAME right after TLS and the identity check, with no gateway
 * request.
 */
void inbound_accept_direct(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, struct gateway *gw, const char *name);

#endif
