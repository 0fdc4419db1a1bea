/*
 * statusc.h — `distgate status`: the client of the status endpoint
 * (status.h).  Blocking, for the command line only, never inside the
 * gateway.
 */
#ifndef DISTGATE_STATUSC_H
#define DISTGATE_STATUSC_H

#include <stddef.h>
#include <stdio.h>

struct config;

#define STATUSC_TIMEOUT_MS	5000		/* the whole exchange */
#define STATUSC_MAX_REPLY	(16u << 20)	/* bytes read at most */

/*
 * GETs PATH ("/status", "/status.txt") from CFG's status_listen and
 * writes the reply's body to OUT.  Returns 0, or -1 with a reason in ERR
 * (the endpoint is off, unreachable, slower than STATUSC_TIMEOUT_MS, or
 * did not answer 200).
 */
int statusc_get(const struct config *cfg, const char *path, FILE *out,
    char *err, size_t errlen);

/*
 * Splits an HTTP/1.x response of LEN bytes at BUF: stores its status code
 * and where its body starts.  Returns 0, or -1 when BUF is not a whole
 * response head.  Pure (no I/O).
 */
int statusc_parse(const char *buf, size_t len, int *code, size_t *body);

#endif
