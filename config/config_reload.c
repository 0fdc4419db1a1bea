/*
 * config_reload.c — fitting a newly loaded configuration to the running
 * one for a live reload: aliases that stay put, and the keys that only a
 * restart applies.  See config.h.
 */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns OLD's peer named NAME, or NULL. */
static const struct config_peer *
old_peer(const struct config *old, const char *name)
{
	for (size_t i = 0; i < old->npeers; i++)
		if (strcmp(old->peers[i].name, name) == 0)
			return &old->peers[i];
	return NULL;
}

/* 1 if host-order A is an epmd_listen address of CFG. */
static int
epmd_addr(const struct config *cfg, uint32_t a)
{
	for (size_t i = 0; i < cfg->nepmd_listen; i++) {
		const struct sockaddr_in *s =
		    (const struct sockaddr_in *)&cfg->epmd_listen[i].ss;

		if (s->sin_family == AF_INET && ntohl(s->sin_addr.s_addr) == a)
			return 1;
	}
	return 0;
}

/* 1 if network-order A is the alias of a peer of CFG other than SKIP. */
static int
alias_used(const struct config *cfg, size_t skip, uint32_t a)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (i != skip && cfg->peers[i].alias.s_addr == a)
			return 1;
	return 0;
}

static int
fit_aliases(struct config *nw, const struct config *old, char *err,
    size_t errlen)
{
	uint32_t net = ntohl(nw->alias_network.s_addr);
	uint32_t last = (1u << (32 - nw->alias_prefix)) - 1, next = 1;
	char buf[INET_ADDRSTRLEN];

	/* Peers that run now keep the alias they have. */
	for (size_t j = 0; j < nw->npeers; j++) {
		const struct config_peer *o = old_peer(old, nw->peers[j].name);

		if (o != NULL)
			nw->peers[j].alias = o->alias;
	}
	for (size_t j = 0; j < nw->npeers; j++) {
		struct config_peer *p = &nw->peers[j];
		uint32_t a = p->alias.s_addr;

		if (old_peer(old, p->name) != NULL)
			continue;
		if (!alias_used(nw, j, a))
			continue;
		/* A new peer given a running peer's alias: another one. */
		while (next < last && (htonl(net + next) == htonl(
		    INADDR_LOOPBACK) || epmd_addr(nw, net + next) ||
		    alias_used(nw, j, htonl(net + next))))
			next++;
		if (next >= last) {
			inet_ntop(AF_INET, &nw->alias_network, buf, sizeof(buf));
			return config_why(err, errlen, "%s: [peer %s]: alias: no "
			    "free address left in alias_network %s/%u beside "
			    "the running peers'", nw->path, p->name, buf,
			    nw->alias_prefix);
		}
		p->alias.s_addr = htonl(net + next++);
	}
	/* Two running peers may not share one (an explicit alias moved). */
	for (size_t j = 0; j < nw->npeers; j++)
		if (alias_used(nw, j, nw->peers[j].alias.s_addr)) {
			inet_ntop(AF_INET, &nw->peers[j].alias, buf, sizeof(buf));
			return config_why(err, errlen, "%s: [peer %s]: alias: %s "
			    "is a running peer's alias (aliases move only at a "
			    "restart)", nw->path, nw->peers[j].name, buf);
		}
	return 0;
}

/* Replaces *DST (NW's) with a copy of SRC (OLD's).  Returns 0 or -1. */
static int
keep_str(char **dst, const char *src)
{
	char *c = NULL;

	if (src != NULL && (c = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* *NW takes *OLD's address when they differ, and NOTE hears of KEY. */
static void
keep_addr(struct config_sockaddr *nw, const struct config_sockaddr *old,
    const char *key, void (*note)(const char *key, void *arg), void *arg)
{
	if (nw->len == old->len && memcmp(&nw->ss, &old->ss, old->len) == 0)
		return;
	*nw = *old;
	if (note != NULL)
		note(key, arg);
}

/* The keys only a restart applies: NW takes OLD's value of each, and
 * NOTE hears of each that differed.  Returns 0 or -1 (out of memory). */
static int
keep_restart_keys(struct config *nw, const struct config *old,
    void (*note)(const char *key, void *arg), void *arg)
{
#define KEEP(field, key) do {						\
		if (nw->field != old->field) {				\
			nw->field = old->field;				\
			if (note != NULL)				\
				note(key, arg);				\
		}							\
	} while (0)
#define KEEP_STR(field, key) do {					\
		if (str_differs(nw->field, old->field)) {		\
			if (keep_str(&nw->field, old->field) == -1)	\
				return -1;				\
			if (note != NULL)				\
				note(key, arg);				\
		}							\
	} while (0)
	KEEP(epmd_port, "epmd_port");
	KEEP(max_connections, "max_connections");
	KEEP(max_local_connections, "max_local_connections");
	KEEP(max_pending, "max_pending");
	KEEP(max_pending_per_source, "max_pending_per_source");
	KEEP(lockout_failures, "lockout_failures");
	KEEP(lockout_window_ms, "lockout_window");
	KEEP(lockout_ban_ms, "lockout_ban");
	KEEP(lockout_guesses, "lockout_guesses");
	KEEP(lockout_known_good_ms, "lockout_known_good");
	KEEP(log_level, "log_level");
	KEEP(syslog, "syslog");
	KEEP(public_port_lo, "public_ports");
	KEEP(public_port_hi, "public_ports");
	KEEP_STR(audit_file, "audit_file");
	KEEP_STR(state_file, "state_file");
	KEEP_STR(pid_file, "pid_file");
	KEEP(status_allow_remote, "status_allow_remote");
#undef KEEP
#undef KEEP_STR
	keep_addr(&nw->public_epmd, &old->public_epmd, "public_epmd", note,
	    arg);
	keep_addr(&nw->status_listen, &old->status_listen, "status_listen",
	    note, arg);
	/* A running peer's inside alias listens where it did. */
	for (size_t j = 0; j < nw->npeers; j++) {
		const struct config_peer *o = old_peer(old, nw->peers[j].name);

		if (o != NULL)
			keep_addr(&nw->peers[j].inside_alias, &o->inside_alias,
			    "inside_alias", note, arg);
	}
	if (nw->nepmd_listen != old->nepmd_listen ||
	    memcmp(nw->epmd_listen, old->epmd_listen,
	    old->nepmd_listen * sizeof(*old->epmd_listen)) != 0) {
		struct config_sockaddr *c = calloc(old->nepmd_listen + 1,
		    sizeof(*c));

		if (c == NULL)
			return -1;
		memcpy(c, old->epmd_listen,
		    old->nepmd_listen * sizeof(*old->epmd_listen));
		free(nw->epmd_listen);
		nw->epmd_listen = c;
		nw->nepmd_listen = old->nepmd_listen;
		if (note != NULL)
			note("epmd_listen", arg);
	}
	return 0;
}

int
config_reload_fit(struct config *nw, const struct config *old,
    void (*note)(const char *key, void *arg), void *arg, char *err,
    size_t errlen)
{
	if (keep_restart_keys(nw, old, note, arg) == -1)
		return config_why(err, errlen, "%s: reload: out of memory",
		    nw->path);
	return fit_aliases(nw, old, err, errlen);
}
