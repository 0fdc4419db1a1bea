/*
 * config_keys.c — the {section, key, setter} table and most of its
 * setters (the rest are in config_peer.c, config_public.c and
 * config_files.c); see config_int.h.  Each setter validates one value on
 * its own; rules that tie several keys together run from config.c once
 * the whole file is read.
 */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"

#define TIMEOUT_MIN_MS	100
#define TIMEOUT_MAX_MS	(10 * 60 * 1000)
#define NET_TICKTIME_MS	60000
#define DEAD_PEER_MIN_MS	2000	/* keepalive idle is half: 1 s at least */
#define PING_MIN_MS	1000
#define PING_MAX_MS	20000	/* a pooled link lives 25 s idle (gwlink.c) */
#define DRAIN_MIN_MS	1000
#define BUFFER_MIN	4096
#define BUFFER_MAX	(16 * 1024 * 1024)
#define CONN_MAX	1000000
#define IDENTITY_MAX	255
#define LOCKOUT_MAX	1000	/* = LOCKOUT_MAX_FAILURES: a time kept per failure */
#define LOCKOUT_MIN_MS	1000
#define WINDOW_MAX_MS	(60 * 60 * 1000)
#define BAN_MAX_MS	(24 * 60 * 60 * 1000)
#define GUESSES_MAX	1000	/* = TRUST_MAX_GUESSES */
#define GOOD_MAX_MS	(720U * 60 * 60 * 1000)	/* 30 days */

static int why(const struct config_setctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
why(const struct config_setctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, ctx->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns 1 if A is in 127.0.0.0/8: sa_is_loopback() on an in_addr. */
static int
in_loopback(struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	return sa_is_loopback((const struct sockaddr *)&sin);
}

void *
config_key_field(const struct config_key *k, const struct config_setctx *ctx)
{
	if (strcmp(k->section, "peer") == 0)
		return (char *)ctx->peer + k->off;
	if (strcmp(k->section, "node") == 0)
		return (char *)ctx->node + k->off;
	return (char *)ctx->cfg + k->off;
}

static int
set_gw_name(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	(void)k;
	if (!config_valid_name(v))
		return why(ctx, "invalid name \"%s\" (letters, digits, '-',"
		    " '.', '_')", v);
	if ((ctx->cfg->name = strdup(v)) == NULL)
		return why(ctx, "out of memory");
	return 0;
}

static int
set_gw_hostnames(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	(void)k;
	return config_parse_hostnames(v, &ctx->cfg->hostnames,
	    &ctx->cfg->nhostnames, ctx->why, ctx->whylen);
}

static int
set_port(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	unsigned long port;

	if (config_parse_uint(v, 1, 65535, &port) == -1)
		return why(ctx, "\"%s\" is not a port number 1..65535", v);
	*(uint16_t *)config_key_field(k, ctx) = (uint16_t)port;
	return 0;
}

/*
 * Returns 1 if SA can be an EPMD listen address: loopback, but not a
 * v4-mapped ::ffff:127.x.y.z, which sa_is_loopback() accepts.  The
 * gateway's IPv6 listeners are IPV6_V6ONLY (proxy/netutil.c), and bind()
 * refuses a v4-mapped address on them (EINVAL): refused here, it fails at
 * load time with a line number instead of at start-up.
 */
static int
epmd_listen_ok(const struct config_sockaddr *sa)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;

	if (!sa_is_loopback((const struct sockaddr *)&sa->ss))
		return 0;
	return sa->ss.ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
}

static int
set_epmd_listen(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	struct config_sockaddr *sa = NULL;
	char **items;
	size_t n;

	(void)k;
	if (config_split_list(v, &items, &n) == -1)
		return why(ctx, "out of memory");
	if (n == 0) {
		why(ctx, "empty list");
		goto fail;
	}
	if ((sa = calloc(n, sizeof(*sa))) == NULL) {
		why(ctx, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (config_parse_ip(items[i], &sa[i]) == -1) {
			why(ctx, "\"%s\" is not a numeric IP address", items[i]);
			goto fail;
		}
		if (!epmd_listen_ok(&sa[i])) {
			why(ctx, "\"%s\" is not a loopback address"
			    " (127.0.0.0/8 or ::1)", items[i]);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (sa[j].len == sa[i].len &&
			    memcmp(&sa[j].ss, &sa[i].ss, sa[i].len) == 0) {
				why(ctx, "\"%s\" listed twice", items[i]);
				goto fail;
			}
	}
	config_free_list(items, n);
	ctx->cfg->epmd_listen = sa;
	ctx->cfg->nepmd_listen = n;
	return 0;
fail:
	free(sa);
	config_free_list(items, n);
	return -1;
}

static int
set_listen(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	char host[INET6_ADDRSTRLEN];
	struct config_sockaddr sa;
	uint16_t port;

	(void)k;
	if (config_parse_hostport(v, host, sizeof(host), &port) == -1 ||
	    config_parse_ip(host, &sa) == -1)
		return why(ctx, "\"%s\" is not ADDR:PORT with a numeric ADDR"
		    " ([ADDR]:PORT for IPv6) and PORT 1..65535", v);
	sa_set_port((struct sockaddr *)&sa.ss, port);
	ctx->cfg->listen = sa;
	return 0;
}

static int
set_log_level(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	int level = log_level_parse(v);

	(void)k;
	if (level == -1)
		return why(ctx, "\"%s\" is not one of error, warn, info,"
		    " debug", v);
	ctx->cfg->log_level = level;
	return 0;
}

static int
set_bool(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	if (config_parse_bool(v, config_key_field(k, ctx)) == -1)
		return why(ctx, "\"%s\" is not yes/no, true/false, on/off or"
		    " 1/0", v);
	return 0;
}

/* user and group: an account name, looked up only at start-up (proxy/priv.c). */
static int
set_account(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	char **field = config_key_field(k, ctx);
	size_t n = strlen(v);

	if (n == 0 || n > 32 || v[0] == '-' || !config_valid_name(v))
		return why(ctx, "invalid account name \"%s\" (letters, digits,"
		    " '-', '.', '_'; at most 32; not starting with '-')", v);
	free(*field);
	if ((*field = strdup(v)) == NULL)
		return why(ctx, "out of memory");
	return 0;
}

static int
set_alias_network(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	struct in_addr net;
	unsigned prefix;

	(void)k;
	if (config_parse_cidr4(v, &net, &prefix) == -1)
		return why(ctx, "\"%s\" is not an IPv4 network a.b.c.d/N", v);
	if (!in_loopback(net))
		return why(ctx, "%s is not inside 127.0.0.0/8", v);
	if (prefix < 8 || prefix > 30)
		return why(ctx, "prefix /%u is not in 8..30", prefix);
	uint32_t mask = 0xffffffffu << (32 - prefix);
	if ((ntohl(net.s_addr) & ~mask) != 0)
		return why(ctx, "%s has host bits set", v);
	ctx->cfg->alias_network = net;
	ctx->cfg->alias_prefix = prefix;
	return 0;
}

static int
set_max_connections(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	unsigned long n;

	(void)k;
	if (config_parse_uint(v, 1, CONN_MAX, &n) == -1)
		return why(ctx, "\"%s\" is not a number 1..%d", v, CONN_MAX);
	ctx->cfg->max_connections = (unsigned)n;
	return 0;
}

/* A connection count 1..CONN_MAX into K's field. */
static int
set_conn_count(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	unsigned long n;

	if (config_parse_uint(v, 1, CONN_MAX, &n) == -1)
		return why(ctx, "\"%s\" is not a number 1..%d", v, CONN_MAX);
	*(unsigned *)config_key_field(k, ctx) = (unsigned)n;
	return 0;
}

static int
set_buffer_size(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	size_t n;

	(void)k;
	if (config_parse_size(v, &n) == -1)
		return why(ctx, "\"%s\" is not a size (bytes, or with a k or m"
		    " suffix)", v);
	if (n < BUFFER_MIN || n > BUFFER_MAX)
		return why(ctx, "%s is not in 4k..16m", v);
	ctx->cfg->buffer_size = n;
	return 0;
}

/* Stores duration V, in MIN..MAX ms (RANGE as the reader writes it), in
   K's field. */
static int
set_duration_in(const struct config_key *k, const struct config_setctx *ctx,
    const char *v, unsigned min, unsigned max, const char *range)
{
	unsigned ms;

	if (config_parse_duration(v, &ms) == -1)
		return why(ctx, "\"%s\" is not a duration (250ms, 10s, 2m)", v);
	if (ms < min || ms > max)
		return why(ctx, "%s is not in %s", v, range);
	*(unsigned *)config_key_field(k, ctx) = ms;
	return 0;
}

static int
set_timeout(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	return set_duration_in(k, ctx, v, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS,
	    "100ms..10m");
}

static int
set_lockout_window(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	return set_duration_in(k, ctx, v, LOCKOUT_MIN_MS, WINDOW_MAX_MS,
	    "1s..1h");
}

static int
set_lockout_ban(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	return set_duration_in(k, ctx, v, LOCKOUT_MIN_MS, BAN_MAX_MS,
	    "1s..24h");
}

static int
set_lockout_failures(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	unsigned long n;

	(void)k;
	if (config_parse_uint(v, 0, LOCKOUT_MAX, &n) == -1)
		return why(ctx, "\"%s\" is not a number 0..%d", v, LOCKOUT_MAX);
	ctx->cfg->lockout_failures = (unsigned)n;
	return 0;
}

static int
set_cert_warn_days(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	unsigned long n;

	(void)k;
	if (config_parse_uint(v, 0, 3650, &n) == -1)
		return why(ctx, "\"%s\" is not a number of days 0..3650", v);
	ctx->cfg->cert_warn_days = (unsigned)n;
	return 0;
}

static int
set_lockout_guesses(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	unsigned long n;

	(void)k;
	if (config_parse_uint(v, 0, GUESSES_MAX, &n) == -1)
		return why(ctx, "\"%s\" is not a number 0..%d", v, GUESSES_MAX);
	ctx->cfg->lockout_guesses = (unsigned)n;
	return 0;
}

static int
set_known_good(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	return set_duration_in(k, ctx, v, LOCKOUT_MIN_MS, GOOD_MAX_MS,
	    "1s..720h");
}

static int
set_expose(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	(void)k;
	return config_parse_patterns(v, 0, &ctx->cfg->expose,
	    &ctx->cfg->nexpose, ctx->why, ctx->whylen);
}

static int
set_idle_timeout(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	unsigned ms;

	(void)k;
	if (config_parse_duration(v, &ms) == -1)
		return why(ctx, "\"%s\" is not a duration (250ms, 10s, 2m)", v);
	if (ms != 0 && ms <= NET_TICKTIME_MS)
		return why(ctx, "%s must be 0 (none) or more than 60s, since"
		    " net_ticktime is 60s", v);
	ctx->cfg->idle_timeout_ms = ms;
	return 0;
}

/* Like set_duration_in(), where a zero duration also means "off". */
static int
set_duration_or_off(const struct config_key *k,
    const struct config_setctx *ctx, const char *v, unsigned min,
    unsigned max, const char *range)
{
	unsigned ms;

	if (config_parse_duration(v, &ms) == -1)
		return why(ctx, "\"%s\" is not a duration (250ms, 10s, 2m)", v);
	if (ms == 0) {
		*(unsigned *)config_key_field(k, ctx) = 0;
		return 0;
	}
	return set_duration_in(k, ctx, v, min, max, range);
}

/* proxy/netutil.c derives the keepalive timers from it. */
static int
set_dead_peer_timeout(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	return set_duration_or_off(k, ctx, v, DEAD_PEER_MIN_MS,
	    TIMEOUT_MAX_MS, "0 (off) or 2s..10m");
}

/* proxy/gwlink.c pings idle pooled links this often. */
static int
set_link_ping_interval(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	return set_duration_or_off(k, ctx, v, PING_MIN_MS, PING_MAX_MS,
	    "0 (off) or 1s..20s");
}

/* proxy/drain.c: how long SIGTERM lets established tunnels run. */
static int
set_drain_timeout(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	return set_duration_or_off(k, ctx, v, DRAIN_MIN_MS, TIMEOUT_MAX_MS,
	    "0 (stop at once) or 1s..10m");
}

static int
set_min_version(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	if (strcmp(v, "1.2") == 0)
		*(int *)config_key_field(k, ctx) = TLS1_2_VERSION;
	else if (strcmp(v, "1.3") == 0)
		*(int *)config_key_field(k, ctx) = TLS1_3_VERSION;
	else
		return why(ctx, "\"%s\" is not 1.2 or 1.3", v);
	return 0;
}

static int
set_peer_hostnames(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	(void)k;
	return config_parse_hostnames(v, &ctx->peer->hostnames,
	    &ctx->peer->nhostnames, ctx->why, ctx->whylen);
}

static int
set_peer_alias(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	struct in_addr a;

	(void)k;
	if (v[0] == '\0')
		return 0;
	if (inet_pton(AF_INET, v, &a) != 1)
		return why(ctx, "\"%s\" is not an IPv4 address", v);
	if (!in_loopback(a))
		return why(ctx, "%s is not inside 127.0.0.0/8", v);
	uint32_t h = ntohl(a.s_addr);
	if (h == INADDR_LOOPBACK)
		return why(ctx, "127.0.0.1 is this host's own address");
	if ((h & 0x00ffffffu) == 0 || (h & 0x00ffffffu) == 0x00ffffffu)
		return why(ctx, "%s is the network or broadcast address of"
		    " 127.0.0.0/8", v);
	ctx->peer->alias = a;
	return 0;
}

static int
set_peer_identity(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	size_t n = 0;

	(void)k;
	for (; v[n] != '\0'; n++)
		if ((unsigned char)v[n] <= ' ' || (unsigned char)v[n] >= 0x7f)
			return why(ctx, "identity must be printable ASCII"
			    " without spaces");
	if (n > IDENTITY_MAX)
		return why(ctx, "identity is longer than %d characters",
		    IDENTITY_MAX);
	if ((ctx->peer->identity = strdup(v)) == NULL)
		return why(ctx, "out of memory");
	return 0;
}

static int
set_peer_nodes(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	(void)k;
	return config_parse_patterns(v, 1, &ctx->peer->nodes,
	    &ctx->peer->nnodes, ctx->why, ctx->whylen);
}

static int
set_peer_local_nodes(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	(void)k;
	return config_parse_patterns(v, 0, &ctx->peer->local_nodes,
	    &ctx->peer->nlocal_nodes, ctx->why, ctx->whylen);
}

#define OFF(f)	offsetof(struct config, f)
#define OFFP(f)	offsetof(struct config_peer, f)
#define OFFN(f)	offsetof(struct config_node, f)
#define COOKIE	(CONFIG_KEY_SECRET | CONFIG_KEY_COOKIE)
#define REQ	CONFIG_KEY_REQUIRED
#define EMPTY	CONFIG_KEY_EMPTY_OK
#define SECRET	CONFIG_KEY_SECRET
#define VIA	CONFIG_KEY_VIA_FILLS

const struct config_key config_keys[] = {
	{ "gateway", "name", NULL, 0, 0, set_gw_name },
	{ "gateway", "hostnames", NULL, REQ, 0, set_gw_hostnames },
	{ "gateway", "epmd_port", "4369", 0, OFF(epmd_port), set_port },
	{ "gateway", "epmd_listen", "127.0.0.1 ::1", 0, 0, set_epmd_listen },
	{ "gateway", "listen", "0.0.0.0:4370", 0, 0, set_listen },
	{ "gateway", "log_level", "info", 0, 0, set_log_level },
	{ "gateway", "syslog", "no", 0, OFF(syslog), set_bool },
	{ "gateway", "cookie_file", NULL, EMPTY | COOKIE, OFF(cookie_file),
	    config_set_file },
	{ "gateway", "strict_loopback", "no", 0, OFF(strict_loopback),
	    set_bool },
	{ "gateway", "alias_network", "127.0.1.0/24", 0, 0,
	    set_alias_network },
	{ "gateway", "max_connections", "1024", 0, 0, set_max_connections },
	{ "gateway", "max_local_connections", "1024", 0,
	    OFF(max_local_connections), set_conn_count },
	{ "gateway", "max_pending", "256", 0, OFF(max_pending),
	    set_conn_count },
	{ "gateway", "max_pending_per_source", "16", 0,
	    OFF(max_pending_per_source), set_conn_count },
	{ "gateway", "buffer_size", "64k", 0, 0, set_buffer_size },
	{ "gateway", "epmd_timeout", "10s", 0, OFF(epmd_timeout_ms),
	    set_timeout },
	{ "gateway", "tls_timeout", "5s", 0, OFF(tls_timeout_ms),
	    set_timeout },
	{ "gateway", "connect_timeout", "5s", 0, OFF(connect_timeout_ms),
	    set_timeout },
	{ "gateway", "handshake_timeout", "10s", 0, OFF(handshake_timeout_ms),
	    set_timeout },
	{ "gateway", "resolve_timeout", "3s", 0, OFF(resolve_timeout_ms),
	    set_timeout },
	{ "gateway", "idle_timeout", "0", 0, 0, set_idle_timeout },
	{ "gateway", "dead_peer_timeout", "20s", 0, OFF(dead_peer_timeout_ms),
	    set_dead_peer_timeout },
	{ "gateway", "link_ping_interval", "10s", 0,
	    OFF(link_ping_interval_ms), set_link_ping_interval },
	{ "gateway", "drain_timeout", "30s", 0, OFF(drain_timeout_ms),
	    set_drain_timeout },
	{ "gateway", "expose", "*", 0, 0, set_expose },
	{ "gateway", "lockout_failures", "10", 0, 0, set_lockout_failures },
	{ "gateway", "lockout_window", "60s", 0, OFF(lockout_window_ms),
	    set_lockout_window },
	{ "gateway", "lockout_ban", "5m", 0, OFF(lockout_ban_ms),
	    set_lockout_ban },
	{ "gateway", "lockout_guesses", "10", 0, 0, set_lockout_guesses },
	{ "gateway", "lockout_known_good", "24h", 0,
	    OFF(lockout_known_good_ms), set_known_good },
	{ "gateway", "audit_file", NULL, EMPTY, OFF(audit_file),
	    config_set_new_file },
	{ "gateway", "public_epmd", NULL, EMPTY, 0, config_set_public_epmd },
	{ "gateway", "public_names", "no", 0, OFF(public_names), set_bool },
	{ "gateway", "public_ports", NULL, EMPTY, 0, config_set_public_ports },
	{ "gateway", "public_min_version", "1.2", 0, OFF(public_min_version),
	    set_min_version },
	{ "gateway", "state_file", NULL, EMPTY, OFF(state_file),
	    config_set_new_file },
	{ "gateway", "status_listen", NULL, EMPTY, 0,
	    config_set_status_listen },
	{ "gateway", "status_allow_remote", "no", 0, OFF(status_allow_remote),
	    set_bool },
	{ "gateway", "pid_file", NULL, EMPTY, OFF(pid_file),
	    config_set_new_file },
	{ "gateway", "cert_warn_days", "30", 0, 0, set_cert_warn_days },
	{ "gateway", "user", NULL, 0, OFF(user), set_account },
	{ "gateway", "group", NULL, 0, OFF(group), set_account },
	{ "gateway", "run_as_root", "no", 0, OFF(run_as_root), set_bool },
	{ "tls", "cert", NULL, REQ, OFF(cert), config_set_file },
	{ "tls", "key", NULL, REQ | SECRET, OFF(key), config_set_file },
	{ "tls", "ca", NULL, REQ, OFF(ca), config_set_file },
	{ "tls", "crl", NULL, EMPTY, OFF(crl), config_set_file },
	{ "tls", "min_version", "1.3", 0, OFF(min_version), set_min_version },
	{ "peer", "kind", "gateway", 0, 0, config_set_peer_kind },
	{ "peer", "address", NULL, REQ | VIA, 0, config_set_peer_address },
	{ "peer", "via", NULL, 0, 0, config_set_peer_via },
	{ "peer", "hostnames", NULL, REQ, 0, set_peer_hostnames },
	{ "peer", "alias", NULL, EMPTY, 0, set_peer_alias },
	{ "peer", "identity", NULL, 0, 0, set_peer_identity },
	{ "peer", "cookie_file", NULL, EMPTY | COOKIE, OFFP(cookie_file),
	    config_set_file },
	{ "peer", "nodes", NULL, 0, 0, set_peer_nodes },
	{ "peer", "allow_hidden", "no", 0, OFFP(allow_hidden), set_bool },
	{ "peer", "local_nodes", NULL, 0, 0, set_peer_local_nodes },
	{ "peer", "reach", NULL, 0, 0, config_set_peer_reach },
	{ "peer", "inside_alias", NULL, 0, 0, config_set_peer_inside_alias },
	{ "peer", "min_version", NULL, 0, OFFP(min_version), set_min_version },
	{ "node", "cookie_file", NULL, COOKIE, OFFN(cookie_file),
	    config_set_file },
	{ "node", "tls_port", NULL, 0, OFFN(tls_port), set_port },
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <=
    CONFIG_MAX_KEYS, "raise CONFIG_MAX_KEYS");

size_t
config_key_index(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			break;
	return i;
}
