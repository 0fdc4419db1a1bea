/* policy.c — see policy.h. */
#include "proxy/wire/policy.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "proxy/util/sockaddr.h"

int
policy_match(char *const *pat, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pat[i], name, 0) == 0)
			return 1;
	return 0;
}

int
policy_exposed(const struct config *cfg, size_t peer, const char *alive)
{
	const struct config_peer *p = &cfg->peers[peer];

	if (p->nlocal_nodes > 0)
		return policy_match(p->local_nodes, p->nlocal_nodes, alive);
	return policy_match(cfg->expose, cfg->nexpose, alive);
}

int
policy_exposed_public(const struct config *cfg, const char *alive)
{
	return policy_match(cfg->expose, cfg->nexpose, alive);
}

long
policy_reach(const struct config *cfg, size_t src, const char *host)
{
	const struct config_peer *sp = &cfg->peers[src];

	for (size_t i = 0; i < sp->nreach; i++) {
		for (size_t j = 0; j < cfg->npeers; j++) {
			const struct config_peer *p = &cfg->peers[j];
			if (strcmp(p->name, sp->reach[i]) != 0)
				continue;
			for (size_t k = 0; k < p->nhostnames; k++)
				if (strcasecmp(p->hostnames[k], host) == 0)
					return (long)j;
		}
	}
	return -1;
}

int
policy_reaches(const struct config *cfg, size_t src, size_t target)
{
	const struct config_peer *sp = &cfg->peers[src];

	for (size_t i = 0; i < sp->nreach; i++)
		if (strcmp(sp->reach[i], cfg->peers[target].name) == 0)
			return 1;
	return 0;
}

long
policy_inside_source(const struct config *cfg, size_t target,
    const struct sockaddr *sa)
{
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct config_peer *p = &cfg->peers[i];
		if (p->kind == PEER_KIND_PLAIN && sa_same_addr(sa,
		    (const struct sockaddr *)&p->addr.ss) &&
		    policy_reaches(cfg, i, target))
			return (long)i;
	}
	return -1;
}

const char *
policy_split_name(const char *full, char *alive_out, size_t cap)
{
	const char *at = strchr(full, '@');

	if (at == NULL || at == full)
		return NULL;
	snprintf(alive_out, cap, "%.*s", (int)(at - full), full);
	return at + 1;
}
