/*
 * epmd.h — distgate's EPMD: the host's own (local nodes register and look
 * each other up) and one alias EPMD per [peer] (lookups of the peer's
 * nodes, answered through the peer's gateway).
 *
 * One request per connection, then close — except a successful ALIVE2,
 * whose connection is the registration: it stays open and silent, and its
 * EOF (or any byte from the node) unregisters the node.
 */
#ifndef DISTGATE_EPMD_H
#define DISTGATE_EPMD_H

#include <sys/socket.h>

struct reg_node;

/* Listener callback for the local EPMD; ARG is the struct gateway. */
void epmd_accept_local(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);
/* Listener callback for the public EPMD (native TLS nodes of other hosts
 * look up exposed local nodes' pinned TLS ports); ARG is the gateway. */
void epmd_accept_public(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);
/* Listener callback for a peer's alias EPMD; ARG is the struct peer. */
void epmd_accept_alias(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);

/*
 * Fills SA with the loopback address a registered node listens on: the
 * family it registered from (127.0.0.1 or ::1) and its port.  Returns the
 * address length.
 */
socklen_t epmd_node_addr(const struct reg_node *node,
    struct sockaddr_storage *sa);

#endif
