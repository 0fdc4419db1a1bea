/*
 * config_rules.c — rules that tie several keys together, run once over a
 * parsed struct config; queries on the frozen config; config_free().  See
 * config_int.h and config.h.
 */
#include "config/config_int.h"
#include "crypto/ident.h"
#include "proxy/util/sockaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
config_rule_ports(struct config *cfg, char *whybuf, size_t whylen)
{
	const struct sockaddr *l = (const struct sockaddr *)&cfg->listen.ss;

	for (size_t i = 0; i < cfg->nepmd_listen; i++) {
		struct sockaddr *e = (struct sockaddr *)&cfg->epmd_listen[i].ss;

		sa_set_port(e, cfg->epmd_port);
		if (sa_port(l) == cfg->epmd_port &&
		    (sa_is_wildcard(l) || sa_same_addr(l, e)))
			return config_why(whybuf, whylen, "port %u is the EPMD"
			    " port of an epmd_listen address", sa_port(l));
	}
	return 0;
}

int
config_rule_peer_nodes(struct config *cfg, char *whybuf, size_t whylen)
{
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct config_peer *peer = &cfg->peers[i];

		if (peer->nnodes != 0 || peer->nhostnames == 0)
			continue;
		peer->nodes = calloc(peer->nhostnames, sizeof(*peer->nodes));
		if (peer->nodes == NULL)
			return config_why(whybuf, whylen, "out of memory");
		for (; peer->nnodes < peer->nhostnames; peer->nnodes++)
			if (asprintf(&peer->nodes[peer->nnodes], "*@%s",
			    peer->hostnames[peer->nnodes]) == -1)
				return config_why(whybuf, whylen, "out of memory");
	}
	return 0;
}

/* Owner 0 is [gateway], owner o > 0 is peers[o - 1]. */
static void
owner(const struct config *cfg, size_t o, char ***names, size_t *n)
{
	*names = o ? cfg->peers[o - 1].hostnames : cfg->hostnames;
	*n = o ? cfg->peers[o - 1].nhostnames : cfg->nhostnames;
}

int
config_rule_hostnames(const struct config *cfg, size_t *where,
    char *whybuf, size_t whylen)
{
	char **v, **w;
	size_t n, m;

	for (size_t o = 1; o <= cfg->npeers; o++) {
		owner(cfg, o, &v, &n);
		for (size_t i = 0; i < n; i++)
			for (size_t q = 0; q < o; q++) {
				owner(cfg, q, &w, &m);
				for (size_t j = 0; j < m; j++) {
					if (strcasecmp(v[i], w[j]) != 0)
						continue;
					*where = o - 1;
					if (q == 0)
						return config_why(whybuf, whylen,
						    "\"%s\" is already a host"
						    " name of [gateway]", v[i]);
					return config_why(whybuf, whylen, "\"%s\" is"
					    " already a host name of [peer %s]",
					    v[i], cfg->peers[q - 1].name);
				}
			}
	}
	return 0;
}

/* Returns 1 if host-order address A is an IPv4 epmd_listen address. */
static int
is_epmd_addr(const struct config *cfg, uint32_t a)
{
	for (size_t i = 0; i < cfg->nepmd_listen; i++)
		if (cfg->epmd_listen[i].ss.ss_family == AF_INET &&
		    ntohl(((const struct sockaddr_in *)&cfg->epmd_listen[i].ss)->
		    sin_addr.s_addr) == a)
			return 1;
	return 0;
}

/* Returns 1 if host-order address A may not become an automatic alias. */
static int
alias_taken(const struct config *cfg, uint32_t a)
{
	if (a == INADDR_LOOPBACK || is_epmd_addr(cfg, a))
		return 1;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (ntohl(cfg->peers[i].alias.s_addr) == a)
			return 1;
	return 0;
}

int
config_rule_aliases(struct config *cfg, size_t *where, int *explicit_alias,
    char *whybuf, size_t whylen)
{
	uint32_t net = ntohl(cfg->alias_network.s_addr);
	uint32_t last = (1u << (32 - cfg->alias_prefix)) - 1, next = 1;
	char buf[INET_ADDRSTRLEN];

	for (size_t j = 0; j < cfg->npeers; j++) {
		struct in_addr a = cfg->peers[j].alias;

		if (a.s_addr == 0)
			continue;
		*where = j;
		*explicit_alias = 1;
		inet_ntop(AF_INET, &a, buf, sizeof(buf));
		for (size_t q = 0; q < j; q++)
			if (cfg->peers[q].alias.s_addr == a.s_addr)
				return config_why(whybuf, whylen, "%s is already the"
				    " alias of [peer %s]", buf,
				    cfg->peers[q].name);
		if (is_epmd_addr(cfg, ntohl(a.s_addr)))
			return config_why(whybuf, whylen, "%s is an epmd_listen"
			    " address", buf);
	}
	for (size_t j = 0; j < cfg->npeers; j++) {
		if (cfg->peers[j].alias.s_addr != 0)
			continue;
		while (next < last && alias_taken(cfg, net + next))
			next++;
		if (next >= last) {
			*where = j;
			*explicit_alias = 0;
			inet_ntop(AF_INET, &cfg->alias_network, buf,
			    sizeof(buf));
			return config_why(whybuf, whylen, "no free address left in"
			    " alias_network %s/%u", buf, cfg->alias_prefix);
		}
		cfg->peers[j].alias.s_addr = htonl(net + next++);
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct config_peer *peer = &cfg->peers[i];

		free(peer->name);
		free(peer->address);
		config_free_list(peer->hostnames, peer->nhostnames);
		free(peer->identity);
		free(peer->cookie_file);
		config_free_list(peer->nodes, peer->nnodes);
		config_free_list(peer->local_nodes, peer->nlocal_nodes);
		free(peer->via);
		config_free_list(peer->reach, peer->nreach);
	}
	free(cfg->peers);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		free(cfg->nodes[i].name);
		free(cfg->nodes[i].cookie_file);
	}
	free(cfg->nodes);
	free(cfg->path);
	free(cfg->name);
	config_free_list(cfg->hostnames, cfg->nhostnames);
	free(cfg->epmd_listen);
	free(cfg->cookie_file);
	config_free_list(cfg->expose, cfg->nexpose);
	free(cfg->audit_file);
	free(cfg->state_file);
	free(cfg->pid_file);
	free(cfg->user);
	free(cfg->group);
	free(cfg->cert);
	free(cfg->key);
	free(cfg->ca);
	free(cfg->crl);
	free(cfg);
}

int
config_cookie_gap(const struct config *cfg, size_t i, char *msg, size_t len)
{
	const struct config_peer *p = &cfg->peers[i];
	size_t off = 0, nodes = 0;
	int n;

	if (cfg->cookie_file != NULL || p->cookie_file != NULL)
		return 0;
	n = snprintf(msg, len, "peer %s has no cookie (cookie_file in "
	    "[gateway] or [peer %s]): the edge cannot check the cookie "
	    "digests of connections with its nodes", p->name, p->name);
	off = n > 0 && (size_t)n < len ? (size_t)n : len;
	for (size_t k = 0; k < cfg->nnodes && off < len; k++) {
		if (cfg->nodes[k].cookie_file == NULL)
			continue;
		n = snprintf(msg + off, len - off, "%s%s", nodes++ ? ", " :
		    " except those of local nodes with a [node] cookie_file: ",
		    cfg->nodes[k].name);
		off = n > 0 && off + (size_t)n < len ? off + (size_t)n : len;
	}
	return 1;
}

int
config_native_gap(const struct config *cfg, size_t i, char *msg, size_t len)
{
	const struct config_peer *p = &cfg->peers[i];

	if (p->kind != PEER_KIND_NATIVE)
		return 0;
	for (size_t r = 0; r < p->nreach; r++) {
		const struct config_peer *t = NULL;
		int named = 0;
		for (size_t j = 0; j < cfg->npeers; j++)
			if (strcmp(cfg->peers[j].name, p->reach[r]) == 0)
				t = &cfg->peers[j];
		if (t == NULL)
			continue;
		for (size_t h = 0; h < t->nhostnames && !named; h++)
			named = ident_file_names_host(cfg->cert,
			    t->hostnames[h]) == 1;
		if (!named) {
			snprintf(msg, len, "peer %s reaches %s through the "
			    "public EPMD, but [tls] cert names none of %s's "
			    "host names: native nodes that check host names "
			    "(OTP's default) will refuse it", p->name, t->name,
			    t->name);
			return 1;
		}
	}
	return 0;
}

const struct config_peer *
config_peer_by_alias(const struct config *cfg, struct in_addr addr)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (cfg->peers[i].alias.s_addr == addr.s_addr)
			return &cfg->peers[i];
	return NULL;
}
