/*
 * netutil.h — small socket helpers shared by the listeners and connections.
 */
#ifndef DISTGATE_NETUTIL_H
#define DISTGATE_NETUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Sets O_NONBLOCK and FD_CLOEXEC.  Returns 0 or -1 (errno set). */
int net_nonblock(int fd);
/* Sets TCP_NODELAY (and keeps errors quiet).  Returns 0 or -1. */
int net_nodelay(int fd);

/*
 * Opens a listening TCP socket on SA (SO_REUSEADDR, IPV6_V6ONLY for v6,
 * non-blocking, close-on-exec).  Returns the fd or -1 (errno set).
 */
int net_listen(const struct sockaddr *sa, socklen_t len, int backlog);

/*
 * Starts a non-blocking connect to SA with TCP_NODELAY set.  Returns the fd
 * (the connect may still be in progress: wait for writability and check
 * net_connect_result) or -1 with errno.
 */
int net_connect(const struct sockaddr *sa, socklen_t len);
/* Returns 0 if the pending connect on FD succeeded, else the errno. */
int net_connect_result(int fd);

/*
 * Dead-peer detection on FD, a TCP socket whose far end is another host
 * (loopback sockets need none).  With TIMEOUT_MS > 0: SO_KEEPALIVE with
 * TCP_KEEPIDLE = TIMEOUT/2 and TCP_KEEPINTVL = TIMEOUT/8 (whole seconds,
 * at least 1), TCP_KEEPCNT probes to cover the rest of TIMEOUT, and
 * TCP_USER_TIMEOUT = TIMEOUT_MS.  So a silent peer is dropped about
 * TIMEOUT (at most TIMEOUT + TIMEOUT/8) after it last answered, and data
 * left unacknowledged for TIMEOUT_MS ends the connection; either way the
 * next read or write on FD fails with ETIMEDOUT.  A healthy idle peer
 * answers the probes and is kept.  TIMEOUT_MS 0 sets nothing.  Returns 0
 * or -1 (errno set; the options before the failing one stay set).
 */
int net_dead_peer(int fd, unsigned timeout_ms);


/*
 * Looks up TCP listening sockets on PORT in /proc/net/tcp and tcp6 of this
 * network namespace.  Returns 1 if one listens beyond loopback (wildcard or
 * a routable address), 0 if all are on loopback, -1 if none was found or
 * the files could not be read.  ROOT (default /proc/self, which works
 * under procfs subset=pid too) may name another directory holding
 * net/tcp and net/tcp6 (tests).
 */
int net_port_exposed(uint16_t port, const char *root);

#endif
