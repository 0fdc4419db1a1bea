/*
 * inetrc.h — the Erlang inetrc for this host's nodes.
 *
 * Nodes read it through ERL_INETRC: this host's names resolve to
 * 127.0.0.1 (local nodes meet through the local EPMD) and each peer's host
 * names to the peer's alias address, where distgate answers EPMD and
 * accepts the distribution connections.  {lookup, [file, native]} makes
 * Erlang consult these entries before the system resolver.
 */
#ifndef DISTGATE_INETRC_H
#define DISTGATE_INETRC_H

#include <stdio.h>

struct config;

/* Writes the inetrc terms for CFG to F.  Returns 0 or -1 (write error). */
int inetrc_write(FILE *f, const struct config *cfg);

#endif
