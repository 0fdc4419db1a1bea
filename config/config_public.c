/*
 * config_public.c — the public EPMD for native TLS nodes (public_epmd,
 * public_ports) and the [node] tls_port rules; see config_int.h.
 */
#include "config/config_int.h"
#include "proxy/util/sockaddr.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PUBLIC_PORTS_MAX	10000

int
config_set_public_epmd(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	char host[INET6_ADDRSTRLEN];
	struct config_sockaddr sa;
	uint16_t port;

	(void)k;
	if (v[0] == '\0')
		return 0;
	if (config_parse_hostport(v, host, sizeof(host), &port) == -1 ||
	    config_parse_ip(host, &sa) == -1)
		return config_why(ctx->why, ctx->whylen, "\"%s\" is not ADDR:PORT with"
		    " a numeric ADDR ([ADDR]:PORT for IPv6) and PORT 1..65535",
		    v);
	if (sa_is_loopback((const struct sockaddr *)&sa.ss))
		return config_why(ctx->why, ctx->whylen, "must name this host's"
		    " external address");
	sa_set_port((struct sockaddr *)&sa.ss, port);
	ctx->cfg->public_epmd = sa;
	return 0;
}

int
config_set_public_ports(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	uint16_t lo, hi;

	(void)k;
	if (v[0] == '\0')
		return 0;
	if (config_parse_port_range(v, &lo, &hi) == -1)
		return config_why(ctx->why, ctx->whylen, "\"%s\" is not LO-HI with"
		    " ports 1..65535 and LO <= HI", v);
	if (hi - lo + 1 > PUBLIC_PORTS_MAX)
		return config_why(ctx->why, ctx->whylen, "%s holds %u ports (at most"
		    " %d)", v, (unsigned)(hi - lo + 1), PUBLIC_PORTS_MAX);
	ctx->cfg->public_port_lo = lo;
	ctx->cfg->public_port_hi = hi;
	return 0;
}

int
config_rule_nodes(const struct config *cfg, size_t *where, const char **key,
    char *whybuf, size_t whylen)
{
	uint16_t lport = sa_port((const struct sockaddr *)&cfg->listen.ss);
	uint16_t pport = cfg->public_epmd.len != 0 ?
	    sa_port((const struct sockaddr *)&cfg->public_epmd.ss) : 0;

	for (size_t i = 0; i < cfg->nnodes; i++) {
		const struct config_node *n = &cfg->nodes[i];

		*where = i;
		*key = NULL;
		if (n->cookie_file == NULL && n->tls_port == 0)
			return config_why(whybuf, whylen, "needs cookie_file or"
			    " tls_port");
		if (n->tls_port == 0)
			continue;
		*key = "tls_port";
		if (n->tls_port == cfg->epmd_port)
			return config_why(whybuf, whylen, "%u is epmd_port",
			    n->tls_port);
		if (n->tls_port == lport)
			return config_why(whybuf, whylen, "%u is the port of listen",
			    n->tls_port);
		if (n->tls_port == pport)
			return config_why(whybuf, whylen, "%u is the port of"
			    " public_epmd", n->tls_port);
		for (size_t j = 0; j < i; j++)
			if (cfg->nodes[j].tls_port == n->tls_port)
				return config_why(whybuf, whylen, "%u is already the"
				    " tls_port of [node %s]", n->tls_port,
				    cfg->nodes[j].name);
	}
	return 0;
}

/* Returns 1 if public_ports holds PORT. */
static int
in_range(const struct config *cfg, uint16_t port)
{
	return cfg->public_port_lo != 0 && port >= cfg->public_port_lo &&
	    port <= cfg->public_port_hi;
}

int
config_rule_public(const struct config *cfg, const char **key,
    char *whybuf, size_t whylen)
{
	const struct sockaddr *pe = (const struct sockaddr *)&cfg->public_epmd.ss;
	const struct sockaddr *l = (const struct sockaddr *)&cfg->listen.ss;
	int has_pe = cfg->public_epmd.len != 0;
	uint16_t pport = has_pe ? sa_port(pe) : 0;
	uint16_t lport = sa_port(l);
	unsigned lo = cfg->public_port_lo, hi = cfg->public_port_hi;
	int pinned = 0;

	*key = "public_epmd";
	if (has_pe && sa_is_wildcard(pe) && pport == cfg->epmd_port)
		return config_why(whybuf, whylen, "must name this host's external"
		    " address");
	if (has_pe && pport == lport && (sa_same_addr(pe, l) ||
	    sa_is_wildcard(pe) || sa_is_wildcard(l)))
		return config_why(whybuf, whylen, "port %u is the port of listen on"
		    " the same address", pport);
	*key = "public_ports";
	if (in_range(cfg, cfg->epmd_port))
		return config_why(whybuf, whylen, "%u-%u holds epmd_port %u", lo, hi,
		    cfg->epmd_port);
	if (in_range(cfg, lport))
		return config_why(whybuf, whylen, "%u-%u holds port %u of listen", lo,
		    hi, lport);
	if (pport != 0 && in_range(cfg, pport))
		return config_why(whybuf, whylen, "%u-%u holds port %u of"
		    " public_epmd", lo, hi, pport);
	*key = "public_epmd";
	for (size_t i = 0; i < cfg->nnodes; i++)
		pinned |= cfg->nodes[i].tls_port != 0;
	if (has_pe && lo == 0 && !pinned)
		return config_why(whybuf, whylen, "needs public_ports or a [node]"
		    " tls_port");
	return 0;
}
