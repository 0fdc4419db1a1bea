/*
 * listener.h — a TCP listener on the event loop.
 *
 * Accepts non-blocking, close-on-exec sockets with TCP_NODELAY set (and,
 * when asked, dead-peer detection) and hands each to the callback, which owns the fd from then on.  On EMFILE or
 * ENFILE the listener pauses for a second instead of spinning.
 */
#ifndef DISTGATE_LISTENER_H
#define DISTGATE_LISTENER_H

#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct listener;

/*
 * Called once per accepted connection.  PEER is the remote address, LOCAL
 * the address the connection arrived on.  The callback owns FD.
 */
typedef void listener_cb(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg);

/*
 * Listens on SA.  WHAT names the listener in logs ("epmd", "tls", ...).
 * Returns the listener, or NULL with a reason in ERR.
 */
struct listener *listener_new(struct event_base *base,
    const struct sockaddr *sa, socklen_t len, const char *what,
    listener_cb *cb, void *arg, char *err, size_t errlen);

/* Sockets accepted from now on get net_dead_peer(fd, TIMEOUT_MS): for
 * listeners that other hosts connect to.  0 (the default) sets nothing. */
void listener_set_dead_peer(struct listener *l, unsigned timeout_ms);

/* Returns the port actually bound (useful after binding port 0). */
uint16_t listener_port(const struct listener *l);

/* Closes the socket and frees; NULL is a no-op. */
void listener_free(struct listener *l);

#endif
