/*
 * config_peer.c — [peer] keys that depend on other peers or on the kind
 * of peer (address, kind, via, reach), and the rules that resolve them
 * once the whole file is read; see config_int.h.
 */
#include "config/config_int.h"
#include "proxy/util/sockaddr.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = {
	[PEER_KIND_GATEWAY] = "gateway",
	[PEER_KIND_NATIVE] = "native",
	[PEER_KIND_PLAIN] = "plain",
};

#define NKINDS	(sizeof(kind_names) / sizeof(kind_names[0]))

const char *
config_peer_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= NKINDS)
		return "?";
	return kind_names[kind];
}

/* Returns 1 if S can be a peer NAME. */
static int
valid_peer_name(const char *s)
{
	return config_valid_name(s) && strlen(s) <= CONFIG_PEER_NAME_MAX;
}

int
config_set_peer_address(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	struct config_sockaddr sa;
	char host[256];
	uint16_t port = 0;
	size_t n = strlen(v);

	(void)k;
	if (strchr(v, ':') == NULL && n < sizeof(host))
		memcpy(host, v, n + 1);		/* HOST */
	else if (v[0] == '[' && v[n - 1] == ']' && n > 2 &&
	    n - 2 < sizeof(host) && memchr(v + 1, ']', n - 2) == NULL) {
		memcpy(host, v + 1, n - 2);	/* [ADDR] */
		host[n - 2] = '\0';
	} else if (config_parse_hostport(v, host, sizeof(host), &port) == -1)
		return config_why(ctx->why, ctx->whylen, "\"%s\" is not HOST:PORT"
		    " ([ADDR]:PORT for IPv6) with PORT 1..65535", v);
	if (config_resolve(host, &sa, ctx->why, ctx->whylen) == -1)
		return -1;
	sa_set_port((struct sockaddr *)&sa.ss, port);
	if ((ctx->peer->address = strdup(v)) == NULL)
		return config_why(ctx->why, ctx->whylen, "out of memory");
	ctx->peer->addr = sa;
	return 0;
}

int
config_set_peer_kind(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	(void)k;
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(v, kind_names[i]) == 0) {
			ctx->peer->kind = (int)i;
			return 0;
		}
	return config_why(ctx->why, ctx->whylen, "\"%s\" is not gateway, native or"
	    " plain", v);
}

int
config_set_peer_via(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	(void)k;
	if (!valid_peer_name(v))
		return config_why(ctx->why, ctx->whylen, "invalid peer name \"%s\" (at"
		    " most %d letters, digits, '-', '.', '_')", v,
		    CONFIG_PEER_NAME_MAX);
	if ((ctx->peer->via = strdup(v)) == NULL)
		return config_why(ctx->why, ctx->whylen, "out of memory");
	return 0;
}

int
config_set_peer_reach(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	char **items;
	size_t n;

	(void)k;
	if (config_split_list(v, &items, &n) == -1)
		return config_why(ctx->why, ctx->whylen, "out of memory");
	if (n == 0)
		return config_why(ctx->why, ctx->whylen, "empty list");
	for (size_t i = 0; i < n; i++) {
		if (!valid_peer_name(items[i])) {
			config_why(ctx->why, ctx->whylen, "invalid peer name \"%s\""
			    " (at most %d letters, digits, '-', '.', '_')",
			    items[i], CONFIG_PEER_NAME_MAX);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(items[i], items[j]) == 0) {
				config_why(ctx->why, ctx->whylen, "\"%s\" listed"
				    " twice", items[i]);
				goto fail;
			}
	}
	ctx->peer->reach = items;
	ctx->peer->nreach = n;
	return 0;
fail:
	config_free_list(items, n);
	return -1;
}

int
config_set_peer_inside_alias(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	struct config_sockaddr sa;
	struct sockaddr_in *sin = (struct sockaddr_in *)&sa.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa.ss;

	(void)k;
	memset(&sa, 0, sizeof(sa));
	if (inet_pton(AF_INET, v, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sa.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, v, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sa.len = sizeof(*sin6);
	} else
		return config_why(ctx->why, ctx->whylen, "\"%s\" is not an IP"
		    " address (no port: the EPMD is on epmd_port)", v);
	if (sa_is_wildcard((struct sockaddr *)&sa.ss) ||
	    sa_is_loopback((struct sockaddr *)&sa.ss))
		return config_why(ctx->why, ctx->whylen, "\"%s\" must be an"
		    " address of this host on the inside network (not"
		    " loopback, not a wildcard)", v);
	ctx->peer->inside_alias = sa;
	return 0;
}

/* Index of the peer called NAME (in any case), or -1. */
static long
peer_index(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcasecmp(cfg->peers[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Makes *NAME spell peer J's NAME exactly; returns 0, or -1 when memory
   runs out (*NAME then unchanged). */
static int
respell(const struct config *cfg, long j, char **name)
{
	char *s;

	if (strcmp(*name, cfg->peers[j].name) == 0)
		return 0;
	if ((s = strdup(cfg->peers[j].name)) == NULL)
		return -1;
	free(*name);
	*name = s;
	return 0;
}

/* The via checks of config_rule_peer_links() for peer I. */
static int
check_via(struct config *cfg, size_t i, char *whybuf, size_t whylen)
{
	struct config_peer *p = &cfg->peers[i];
	const struct config_peer *v;
	long j = peer_index(cfg, p->via);

	if (j == (long)i)
		return config_why(whybuf, whylen, "[peer %s] cannot be reached through"
		    " itself", p->name);
	if (j == -1)
		return config_why(whybuf, whylen, "no [peer %s] in this file", p->via);
	v = &cfg->peers[j];
	if (p->kind != PEER_KIND_GATEWAY)
		return config_why(whybuf, whylen, "a kind %s peer cannot have via"
		    " (only kind gateway)", config_peer_kind_name(p->kind));
	if (p->address != NULL)
		return config_why(whybuf, whylen, "a peer with via uses the address of"
		    " [peer %s]; remove address", v->name);
	if (v->kind != PEER_KIND_GATEWAY)
		return config_why(whybuf, whylen, "[peer %s] is kind %s; via must name"
		    " a kind gateway peer", v->name,
		    config_peer_kind_name(v->kind));
	if (v->via != NULL)
		return config_why(whybuf, whylen, "[peer %s] has via itself; via must"
		    " name a peer reached directly", v->name);
	if (respell(cfg, j, &p->via) == -1)
		return config_why(whybuf, whylen, "out of memory");
	p->via_idx = j;
	return 0;
}

/* The reach checks of config_rule_peer_links() for peer I. */
static int
check_reach(struct config *cfg, size_t i, char *whybuf, size_t whylen)
{
	struct config_peer *p = &cfg->peers[i];
	const struct config_peer *t;

	for (size_t r = 0; r < p->nreach; r++) {
		long j = peer_index(cfg, p->reach[r]);

		if (j == (long)i)
			return config_why(whybuf, whylen, "[peer %s] cannot reach"
			    " itself", p->name);
		if (j == -1)
			return config_why(whybuf, whylen, "no [peer %s] in this file",
			    p->reach[r]);
		if (respell(cfg, j, &p->reach[r]) == -1)
			return config_why(whybuf, whylen, "out of memory");
		t = &cfg->peers[j];
		if (p->kind == PEER_KIND_PLAIN && t->kind == PEER_KIND_PLAIN)
			return config_why(whybuf, whylen, "[peer %s] is kind plain"
			    " too: plain hosts reach each other directly",
			    t->name);
		if (p->kind == PEER_KIND_PLAIN && t->inside_alias.len == 0)
			return config_why(whybuf, whylen, "[peer %s] has no"
			    " inside_alias: kind plain nodes reach other hosts"
			    " only through the address inside_alias names",
			    t->name);
	}
	if (p->kind == PEER_KIND_NATIVE && p->nreach > 0 &&
	    (cfg->public_epmd.len == 0 || cfg->public_port_lo == 0))
		return config_why(whybuf, whylen, "kind native nodes reach %s"
		    " through the public EPMD: set public_epmd and"
		    " public_ports in [gateway]", p->reach[0]);
	return 0;
}

/* Returns 1 if some kind plain peer has peer I in its reach. */
static int
reached_from_inside(const struct config *cfg, size_t i)
{
	for (size_t j = 0; j < cfg->npeers; j++) {
		const struct config_peer *q = &cfg->peers[j];
		if (q->kind != PEER_KIND_PLAIN)
			continue;
		for (size_t r = 0; r < q->nreach; r++)
			if (strcasecmp(q->reach[r], cfg->peers[i].name) == 0)
				return 1;
	}
	return 0;
}

/* The inside_alias checks of config_rule_peer_links() for peer I. */
static int
check_inside_alias(struct config *cfg, size_t i, char *whybuf,
    size_t whylen)
{
	const struct config_peer *p = &cfg->peers[i];
	const struct sockaddr *a = (const struct sockaddr *)&p->inside_alias.ss;
	const struct sockaddr *pe = (const struct sockaddr *)&cfg->public_epmd.ss;

	if (p->kind == PEER_KIND_PLAIN)
		return config_why(whybuf, whylen, "a kind plain peer is inside:"
		    " inside_alias belongs in the [peer] sections of the hosts"
		    " its nodes reach");
	if (p->via != NULL)
		return config_why(whybuf, whylen, "a peer with via is reached"
		    " through another gateway, not from this one's inside");
	if (!reached_from_inside(cfg, i))
		return config_why(whybuf, whylen, "no kind plain [peer] has %s in"
		    " its reach: nothing would use this address", p->name);
	for (size_t j = 0; j < i; j++)
		if (cfg->peers[j].inside_alias.len != 0 && sa_same_addr(a,
		    (const struct sockaddr *)&cfg->peers[j].inside_alias.ss))
			return config_why(whybuf, whylen, "[peer %s] has the same"
			    " inside_alias", cfg->peers[j].name);
	for (size_t j = 0; j < cfg->nepmd_listen; j++)
		if (sa_same_addr(a, (const struct sockaddr *)
		    &cfg->epmd_listen[j].ss))
			return config_why(whybuf, whylen, "the local EPMD listens"
			    " there (epmd_listen)");
	if (cfg->public_epmd.len != 0 && sa_port(pe) == cfg->epmd_port &&
	    (sa_same_addr(a, pe) || sa_is_wildcard(pe)))
		return config_why(whybuf, whylen, "the public EPMD listens"
		    " there (public_epmd)");
	return 0;
}

int
config_rule_peer_links(struct config *cfg, size_t *where, const char **key,
    char *whybuf, size_t whylen)
{
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct config_peer *p = &cfg->peers[i];

		*where = i;
		p->via_idx = -1;
		if (p->via != NULL) {
			*key = "via";
			if (check_via(cfg, i, whybuf, whylen) == -1)
				return -1;
		} else if (p->address != NULL && p->kind == PEER_KIND_GATEWAY &&
		    sa_port((struct sockaddr *)&p->addr.ss) == 0) {
			*key = "address";
			return config_why(whybuf, whylen, "\"%s\" has no port (HOST"
			    " alone is for kind native or plain)", p->address);
		}
		*key = "reach";
		if (check_reach(cfg, i, whybuf, whylen) == -1)
			return -1;
	}
	/* After every reach list is spelt as its peer's NAME. */
	for (size_t i = 0; i < cfg->npeers; i++) {
		*where = i;
		*key = "inside_alias";
		if (cfg->peers[i].inside_alias.len != 0 &&
		    check_inside_alias(cfg, i, whybuf, whylen) == -1)
			return -1;
	}
	return 0;
}

int
config_rule_peer_fill(struct config *cfg, char *whybuf, size_t whylen)
{
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct config_peer *p = &cfg->peers[i];
		struct sockaddr *a = (struct sockaddr *)&p->addr.ss;

		if (p->via == NULL && p->address != NULL && sa_port(a) == 0)
			sa_set_port(a, cfg->epmd_port);
		if (p->min_version == 0)
			p->min_version = p->kind == PEER_KIND_NATIVE ?
			    TLS1_2_VERSION : cfg->min_version;
	}
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct config_peer *p = &cfg->peers[i];
		const struct config_peer *v;

		if (p->via == NULL)
			continue;
		v = &cfg->peers[p->via_idx];
		if (v->address == NULL)
			return config_why(whybuf, whylen, "[peer %s] has no address",
			    v->name);
		if ((p->address = strdup(v->address)) == NULL)
			return config_why(whybuf, whylen, "out of memory");
		p->addr = v->addr;
		if (p->identity == NULL && (p->identity = strdup(v->identity !=
		    NULL ? v->identity : v->name)) == NULL)
			return config_why(whybuf, whylen, "out of memory");
	}
	return 0;
}
