/*
 * config_status.c — the status endpoint's keys (status_listen,
 * status_allow_remote) and their rule; see config_int.h.
 */
#include "config/config_int.h"
#include "proxy/util/sockaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#define UNIX_PREFIX	"unix:"

/* "unix:/ABSOLUTE/PATH" into SA. */
static int
set_unix(const struct config_setctx *ctx, const char *path,
    struct config_sockaddr *sa)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&sa->ss;
	char why[256];

	if (path[0] != '/')
		return config_why(ctx->why, ctx->whylen, "unix socket path"
		    " \"%s\" is not absolute", path);
	if (strlen(path) >= sizeof(un->sun_path))
		return config_why(ctx->why, ctx->whylen, "unix socket path is"
		    " longer than %zu characters", sizeof(un->sun_path) - 1);
	if (config_check_audit_file(path, why, sizeof(why)) == -1)
		return config_why(ctx->why, ctx->whylen, "%s: %s", path, why);
	memset(sa, 0, sizeof(*sa));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, strlen(path) + 1);
	sa->len = (socklen_t)sizeof(*un);
	return 0;
}

int
config_set_status_listen(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	char host[INET6_ADDRSTRLEN];
	struct config_sockaddr sa;
	uint16_t port;

	(void)k;
	if (v[0] == '\0')
		return 0;
	if (strncmp(v, UNIX_PREFIX, strlen(UNIX_PREFIX)) == 0) {
		if (set_unix(ctx, v + strlen(UNIX_PREFIX), &sa) == -1)
			return -1;
		ctx->cfg->status_listen = sa;
		return 0;
	}
	if (config_parse_hostport(v, host, sizeof(host), &port) == -1 ||
	    config_parse_ip(host, &sa) == -1)
		return config_why(ctx->why, ctx->whylen, "\"%s\" is not ADDR:PORT"
		    " with a numeric ADDR ([ADDR]:PORT for IPv6) and PORT"
		    " 1..65535, nor unix:/PATH", v);
	sa_set_port((struct sockaddr *)&sa.ss, port);
	ctx->cfg->status_listen = sa;
	return 0;
}

int
config_rule_status(const struct config *cfg, char *whybuf, size_t whylen)
{
	const struct sockaddr *sa =
	    (const struct sockaddr *)&cfg->status_listen.ss;

	if (cfg->status_listen.len == 0 || sa->sa_family == AF_UNIX ||
	    sa_is_loopback(sa) || cfg->status_allow_remote)
		return 0;
	return config_why(whybuf, whylen, "not a loopback address: the status"
	    " endpoint has no authentication; set status_allow_remote = yes"
	    " to serve it beyond this host");
}
