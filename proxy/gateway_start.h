/*
 * gateway_start.h — bringing the gateway up and down.
 */
#ifndef DISTGATE_GATEWAY_START_H
#define DISTGATE_GATEWAY_START_H

#include <stddef.h>

struct config;
struct event_base;
struct gateway;

/*
 * Sets up everything for CFG on BASE: TLS contexts, cookies, lockout,
 * registry, listeners (local EPMD, TLS, public EPMD), peers and their
 * alias EPMDs, signal handlers (SIGTERM drains, drain.h; SIGINT stops
 * the loop at once; SIGHUP reloads, reload.h; SIGPIPE ignored).  Returns 0, or -1 with a reason in ERR (then
 * gateway_stop() cleans up).
 */
int gateway_start(struct gateway *gw, struct event_base *base,
    const struct config *cfg, char *err, size_t errlen);

/* Closes every connection (each with its summary line, code shutdown) and
 * frees what gateway_start() made; safe after a failed start. */
void gateway_stop(struct gateway *gw);

#endif
