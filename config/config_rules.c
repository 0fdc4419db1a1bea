/*
 * config_rules.c — rules that tie several keys together, run once over a
 * parsed struct config; queries on the frozen config; config_free().  See
 * config.h.
 */
#include "config/config.h"
#include "crypto/cookie.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int
config_rule_ports(struct config *cfg, char *whybuf, size_t whylen)
{
	const struct config_sockaddr *l = &cfg->listen;

	for (size_t i = 0; i < cfg->nepmd_listen; i++) {
		config_sockaddr_set_port(&cfg->epmd_listen[i], cfg->epmd_port);
		if (config_sa_port(l) == cfg->epmd_port &&
		    (config_sa_wildcard(l) || config_sa_same(l, &cfg->epmd_listen[i])))
			return config_why(whybuf, whylen, "port %u is the EPMD port"
			    " of an epmd_listen address", config_sa_port(l));
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
	free(cfg->cert);
	free(cfg->key);
	free(cfg->ca);
	free(cfg->crl);
	free(cfg);
}

const struct config_peer *
config_peer_by_alias(const struct config *cfg, struct in_addr addr)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (cfg->peers[i].alias.s_addr == addr.s_addr)
			return &cfg->peers[i];
	return NULL;
}

int
config_check_secret_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return config_why(err, errlen, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config_why(err, errlen, "not a regular file");
	if (st.st_mode & (S_IRGRP | S_IROTH))
		return config_why(err, errlen, "readable by group/other");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return config_why(err, errlen, "writable by group/other");
	return 0;
}

/* Returns 1 if PATH holds only white space (or nothing). */
static int
file_is_blank(const char *path)
{
	char b[256];
	ssize_t n;
	int fd, blank = 1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return 0;
	while (blank && (n = read(fd, b, sizeof(b))) > 0)
		for (ssize_t i = 0; i < n && blank; i++)
			blank = b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
			    b[i] == '\n';
	OPENSSL_cleanse(b, sizeof(b));
	close(fd);
	return blank;
}

int
config_check_cookie_file(const char *path, char *err, size_t errlen)
{
	/* The same rules the gateway applies when it reads the cookie at
	 * start-up, so that -t and start-up agree. */
	char buf[512];
	struct cookie *c;
	const char *r;

	if (config_check_secret_file(path, err, errlen) == -1)
		return -1;
	if ((c = cookie_load(path, buf, sizeof(buf))) != NULL) {
		cookie_free(c);
		return 0;
	}
	/* cookie_load() names the path first; keep only its reason. */
	r = strstr(buf, ": ");
	r = r != NULL ? r + 2 : buf;
	if (strncmp(r, "cookie must hold 1..", 20) == 0 &&
	    file_is_blank(path))
		r = "cookie file is empty";
	return config_why(err, errlen, "%s", r);
}

int
config_check_audit_file(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int rc = -1;

	if (slash == NULL || slash[1] == '\0')
		return config_why(err, errlen, "not a file name");
	if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return config_why(err, errlen, "out of memory");
	if (stat(dir, &st) == -1)
		config_why(err, errlen, "directory %s: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		config_why(err, errlen, "%s is not a directory", dir);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		config_why(err, errlen, "is a directory");
	else
		rc = 0;
	free(dir);
	return rc;
}
