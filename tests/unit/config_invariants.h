/*
 * config_invariants.h — check_invariants(): what every config that
 * config_load() returns must satisfy, key by key and across keys
 * (ranges, absolute paths, unique host names and aliases, the public
 * EPMD, kind, via and reach rules).  For test_config_fuzz.c, which runs
 * it on every input that loads.
 */
#ifndef DISTGATE_CONFIG_INVARIANTS_H
#define DISTGATE_CONFIG_INVARIANTS_H

#include "config_fixture.h"

/* The public EPMD rules on a loaded config. */
static inline void
check_public(const struct config *c)
{
	const struct config_sockaddr *pe = &c->public_epmd;
	unsigned lo = c->public_port_lo, hi = c->public_port_hi;
	uint16_t pport = port_of(pe);
	char b[80];
	int pinned = 0;

	assert_in_range(c->public_names, 0, 1);
	assert_true(c->public_min_version == TLS1_2_VERSION ||
	    c->public_min_version == TLS1_3_VERSION);
	assert_true(c->state_file == NULL || c->state_file[0] == '/');
	assert_true((lo == 0 && hi == 0) || (lo >= 1 && lo <= hi &&
	    hi - lo < 10000));
	if (lo != 0) {
		assert_false(c->epmd_port >= lo && c->epmd_port <= hi);
		assert_false(port_of(&c->listen) >= lo &&
		    port_of(&c->listen) <= hi);
	}
	for (size_t i = 0; i < c->nnodes; i++)
		pinned |= c->nodes[i].tls_port != 0;
	if (pe->len == 0)
		return;
	ntop(pe, b, sizeof(b));
	assert_true(strncmp(b, "127.", 4) != 0 && strncmp(b, "[::1]", 5) != 0
	    && strncmp(b, "[::ffff:127.", 12) != 0);
	if (pport == c->epmd_port)
		assert_true(strncmp(b, "0.0.0.0:", 8) != 0 &&
		    strncmp(b, "[::]:", 5) != 0);
	assert_true(lo != 0 || pinned);
	assert_false(lo != 0 && pport >= lo && pport <= hi);
}

/* The kind, via, reach and min_version rules on peer I. */
static inline void
check_peer_links(const struct config *c, size_t i)
{
	const struct config_peer *p = &c->peers[i], *v;
	char x[80], y[80];

	assert_in_range(p->kind, PEER_KIND_GATEWAY, PEER_KIND_PLAIN);
	assert_true(p->min_version == TLS1_2_VERSION ||
	    p->min_version == TLS1_3_VERSION);
	assert_int_not_equal(port_of(&p->addr), 0);
	assert_true((p->nreach == 0) == (p->reach == NULL));
	for (size_t r = 0; r < p->nreach; r++) {
		size_t j;

		for (j = 0; j < c->npeers; j++)
			if (strcmp(c->peers[j].name, p->reach[r]) == 0)
				break;
		assert_true(j < c->npeers && j != i);
	}
	if (p->via_idx == -1) {
		assert_null(p->via);
		return;
	}
	assert_in_range(p->via_idx, 0, (long)c->npeers - 1);
	assert_int_not_equal(p->via_idx, (long)i);
	v = &c->peers[p->via_idx];
	assert_string_equal(p->via, v->name);
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_int_equal(v->kind, PEER_KIND_GATEWAY);
	assert_int_equal(v->via_idx, -1);
	assert_string_equal(p->address, v->address);
	assert_string_equal(ntop(&p->addr, x, sizeof(x)),
	    ntop(&v->addr, y, sizeof(y)));
}

static inline void
check_invariants(const struct config *c)
{
	char b[80];

	assert_true(config_valid_name(c->name));
	assert_true(c->nhostnames >= 1);
	assert_true(c->epmd_port >= 1);
	assert_true(c->nepmd_listen >= 1);
	for (size_t i = 0; i < c->nepmd_listen; i++) {
		const char *s = ntop(&c->epmd_listen[i], b, sizeof(b));
		char port[16];

		snprintf(port, sizeof(port), ":%u", c->epmd_port);
		assert_true(strncmp(s, "127.", 4) == 0 ||
		    strncmp(s, "[::1]:", 6) == 0);
		assert_string_equal(strrchr(s, ':'), port);
	}
	assert_true(c->listen.ss.ss_family == AF_INET ||
	    c->listen.ss.ss_family == AF_INET6);
	assert_in_range(c->log_level, LOG_LVL_ERROR, LOG_LVL_DEBUG);
	assert_in_range(c->syslog, 0, 1);
	assert_in_range(c->strict_loopback, 0, 1);
	assert_int_equal(ntohl(c->alias_network.s_addr) >> 24, 127);
	assert_in_range(c->alias_prefix, 8, 30);
	assert_in_range(c->max_connections, 1, 1000000);
	assert_in_range(c->buffer_size, 4096, 16 * 1024 * 1024);
	assert_in_range(c->epmd_timeout_ms, 100, 600000);
	assert_in_range(c->tls_timeout_ms, 100, 600000);
	assert_in_range(c->connect_timeout_ms, 100, 600000);
	assert_in_range(c->handshake_timeout_ms, 100, 600000);
	assert_in_range(c->resolve_timeout_ms, 100, 600000);
	assert_true(c->idle_timeout_ms == 0 || c->idle_timeout_ms > 60000);
	assert_true(c->dead_peer_timeout_ms == 0 ||
	    (c->dead_peer_timeout_ms >= 2000 &&
	    c->dead_peer_timeout_ms <= 600000));
	assert_true(c->link_ping_interval_ms == 0 ||
	    (c->link_ping_interval_ms >= 1000 &&
	    c->link_ping_interval_ms <= 20000));
	assert_true(c->nexpose >= 1);
	for (size_t i = 0; i < c->nexpose; i++)
		assert_true(config_valid_pattern(c->expose[i], 0));
	assert_in_range(c->lockout_failures, 0, 1000000);
	assert_in_range(c->lockout_window_ms, 1000, 3600000);
	assert_in_range(c->lockout_ban_ms, 1000, 86400000);
	assert_true(c->audit_file == NULL || c->audit_file[0] == '/');
	assert_true(c->cookie_file == NULL || c->cookie_file[0] == '/');
	assert_true((c->nnodes == 0) == (c->nodes == NULL));
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct config_node *n = &c->nodes[i];

		assert_true(config_valid_alive(n->name));
		assert_true(n->cookie_file != NULL || n->tls_port != 0);
		assert_true(n->cookie_file == NULL || (n->cookie_file[0] ==
		    '/' && config_check_cookie_file(n->cookie_file, NULL,
		    0) == 0));
		assert_true(n->tls_port == 0 || (n->tls_port != c->epmd_port &&
		    n->tls_port != port_of(&c->listen) &&
		    (c->public_epmd.len == 0 || n->tls_port !=
		    port_of(&c->public_epmd))));
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(n->name, c->nodes[j].name);
			assert_true(n->tls_port == 0 ||
			    n->tls_port != c->nodes[j].tls_port);
		}
	}
	check_public(c);
	assert_true(c->cert[0] == '/' && c->key[0] == '/' && c->ca[0] == '/');
	assert_true(c->min_version == TLS1_2_VERSION ||
	    c->min_version == TLS1_3_VERSION);
	for (size_t i = 0; i < c->npeers; i++) {
		const struct config_peer *p = &c->peers[i];
		uint32_t a = ntohl(p->alias.s_addr);

		assert_true(config_valid_name(p->name));
		assert_non_null(p->address);
		assert_non_null(p->identity);
		check_peer_links(c, i);
		assert_true(p->nhostnames >= 1);
		assert_true(p->nnodes >= 1);
		for (size_t j = 0; j < p->nnodes; j++)
			assert_true(config_valid_pattern(p->nodes[j], 1));
		assert_in_range(p->allow_hidden, 0, 1);
		assert_true((p->nlocal_nodes == 0) == (p->local_nodes == NULL));
		for (size_t j = 0; j < p->nlocal_nodes; j++)
			assert_true(config_valid_pattern(p->local_nodes[j], 0));
		assert_true(p->cookie_file == NULL || p->cookie_file[0] == '/');
		assert_int_equal(a >> 24, 127);
		assert_true(a != INADDR_LOOPBACK);
		assert_ptr_equal(config_peer_by_alias(c, p->alias), p);
		for (size_t j = 0; j < c->nepmd_listen; j++)
			assert_true(c->epmd_listen[j].ss.ss_family != AF_INET ||
			    ((const struct sockaddr_in *)&c->epmd_listen[j].ss)
			    ->sin_addr.s_addr != p->alias.s_addr);
		for (size_t j = 0; j < p->nhostnames; j++) {
			for (size_t k = 0; k < c->nhostnames; k++)
				assert_true(strcasecmp(p->hostnames[j],
				    c->hostnames[k]) != 0);
			for (size_t q = 0; q < i; q++)
				for (size_t k = 0; k < c->peers[q].nhostnames;
				    k++)
					assert_true(strcasecmp(p->hostnames[j],
					    c->peers[q].hostnames[k]) != 0);
		}
	}
}

#endif
