/*
 * config_peer.c — [peer] keys that depend on other peers or on the kind
 * of peer (address, kind, via, reach), and the rules that resolve them
 * once the whole file is read; see config_int.h.
 */
#include "config/config_int.h"
#include "proxy/util/sockaddr.h"

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
	}
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
