/*
 * status.h — the status endpoint: a small HTTP server (libevent's evhttp)
 * on status_listen, a loopback address or a unix socket, off by default.
 *
 * GET (or HEAD) of /metrics answers the Prometheus text format, /status
 * the status as JSON, /status.txt the same as a table for people
 * (report.h); any other path is 404, any other method 501 (evhttp's
 * answer).  Every request is bounded: headers (STATUS_MAX_HEADERS), body
 * (none accepted), a connection's idle time (STATUS_TIMEOUT_S) and the
 * reply (STATUS_MAX_REPLY; 500 when it would be larger).  Replies are
 * built on the event loop from the gateway's own state: nothing is cached
 * and nothing waits.  evhttp in libevent 2.1 has no cap on connections:
 * keep the endpoint on loopback or a unix socket.
 */
#ifndef DISTGATE_STATUS_H
#define DISTGATE_STATUS_H

#include <stddef.h>

struct gateway;
struct status;

#define STATUS_MAX_HEADERS	8192		/* bytes of request headers */
#define STATUS_TIMEOUT_S	5		/* a connection's idle limit */
#define STATUS_MAX_REPLY	(16u << 20)	/* bytes of one reply */

/*
 * Opens the endpoint on GW's status_listen and stores it in gw->status
 * (nothing when status_listen is unset).  A unix socket replaces a stale
 * socket at its path (not any other kind of file) and is created with
 * mode 0660.  Returns 0, or -1 with a reason in ERR.
 */
int status_start(struct gateway *gw, char *err, size_t errlen);

/* Closes the endpoint (and removes its unix socket); NULL is a no-op. */
void status_free(struct status *s);

#endif
