/*
 * policy.h — who may reach what, as pure functions over the frozen
 * configuration: node-name patterns and bastion routes.
 */
#ifndef DISTGATE_POLICY_H
#define DISTGATE_POLICY_H

#include <stddef.h>

struct config;
struct sockaddr;

/* Returns 1 if NAME matches one of the N fnmatch patterns PAT, else 0. */
int policy_match(char *const *pat, size_t n, const char *name);

/* Returns 1 if peer PEER (index into cfg->peers) may reach local node
 * ALIVE: its local_nodes patterns, else the gateway's expose list. */
int policy_exposed(const struct config *cfg, size_t peer, const char *alive);

/* Returns 1 if local node ALIVE is in the gateway's expose list. */
int policy_exposed_public(const struct config *cfg, const char *alive);

/*
 * Bastion: returns the index of the peer whose host names include HOST
 * and that peer SRC may reach (its `reach` list), or -1.
 */
long policy_reach(const struct config *cfg, size_t src, const char *host);

/* Returns 1 if peer SRC has peer TARGET in its `reach` list. */
int policy_reaches(const struct config *cfg, size_t src, size_t target);

/*
 * Bastion, inside alias of peer TARGET: returns the index of the kind
 * plain peer whose address is SA's (the port is not compared) and that
 * has TARGET in its `reach`, or -1: only those may use the alias.
 */
long policy_inside_source(const struct config *cfg, size_t target,
    const struct sockaddr *sa);

/*
 * Splits a full node name ALIVE@HOST: copies ALIVE into ALIVE_OUT (CAP
 * bytes) and returns a pointer to HOST inside FULL, or NULL when FULL has
 * no '@' or an empty alive part.
 */
const char *policy_split_name(const char *full, char *alive_out, size_t cap);

#endif
