/*
 * test_config_docs.c — proxy.ini.example loads, and its commented
 * "; key = value" lines are the real defaults; it and
 * docs/configuration.md name every key of config_keys[] with its default.
 */
#include "config_fixture.h"

static void
assert_same_list(char **a, size_t na, char **b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* Compares what the gateway acts on, where A's settings are defaults: a
   peer's local_nodes is compared as the list in effect (its own, else
   expose); optional keys (files, public_epmd, public_ports, reach, [node]
   sections, further peers) are left to the caller. */
static void
assert_same_config(const struct config *a, const struct config *b)
{
	char x[80], y[80];

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->nhostnames, b->nhostnames);
	for (size_t i = 0; i < a->nhostnames; i++)
		assert_string_equal(a->hostnames[i], b->hostnames[i]);
	assert_int_equal(a->epmd_port, b->epmd_port);
	assert_int_equal(a->nepmd_listen, b->nepmd_listen);
	for (size_t i = 0; i < a->nepmd_listen; i++)
		assert_string_equal(ntop(&a->epmd_listen[i], x, sizeof(x)),
		    ntop(&b->epmd_listen[i], y, sizeof(y)));
	assert_string_equal(ntop(&a->listen, x, sizeof(x)),
	    ntop(&b->listen, y, sizeof(y)));
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->syslog, b->syslog);
	assert_int_equal(a->strict_loopback, b->strict_loopback);
	assert_int_equal(a->alias_network.s_addr, b->alias_network.s_addr);
	assert_int_equal(a->alias_prefix, b->alias_prefix);
	assert_int_equal(a->max_connections, b->max_connections);
	assert_int_equal(a->max_local_connections, b->max_local_connections);
	assert_int_equal(a->max_pending, b->max_pending);
	assert_int_equal(a->max_pending_per_source,
	    b->max_pending_per_source);
	assert_int_equal(a->buffer_size, b->buffer_size);
	assert_int_equal(a->epmd_timeout_ms, b->epmd_timeout_ms);
	assert_int_equal(a->tls_timeout_ms, b->tls_timeout_ms);
	assert_int_equal(a->connect_timeout_ms, b->connect_timeout_ms);
	assert_int_equal(a->handshake_timeout_ms, b->handshake_timeout_ms);
	assert_int_equal(a->resolve_timeout_ms, b->resolve_timeout_ms);
	assert_int_equal(a->idle_timeout_ms, b->idle_timeout_ms);
	assert_int_equal(a->dead_peer_timeout_ms, b->dead_peer_timeout_ms);
	assert_int_equal(a->link_ping_interval_ms, b->link_ping_interval_ms);
	assert_int_equal(a->drain_timeout_ms, b->drain_timeout_ms);
	assert_same_list(a->expose, a->nexpose, b->expose, b->nexpose);
	assert_int_equal(a->lockout_failures, b->lockout_failures);
	assert_int_equal(a->lockout_window_ms, b->lockout_window_ms);
	assert_int_equal(a->lockout_ban_ms, b->lockout_ban_ms);
	assert_int_equal(a->lockout_guesses, b->lockout_guesses);
	assert_int_equal(a->lockout_known_good_ms, b->lockout_known_good_ms);
	assert_string_equal(a->cert, b->cert);
	assert_string_equal(a->key, b->key);
	assert_string_equal(a->ca, b->ca);
	assert_int_equal(a->min_version, b->min_version);
	assert_int_equal(a->public_names, b->public_names);
	assert_int_equal(a->public_min_version, b->public_min_version);
	/* B may add peers after A's. */
	assert_true(a->npeers <= b->npeers);
	for (size_t i = 0; i < a->npeers; i++) {
		const struct config_peer *p = &a->peers[i], *q = &b->peers[i];

		assert_string_equal(p->name, q->name);
		assert_string_equal(p->address, q->address);
		assert_string_equal(ntop(&p->addr, x, sizeof(x)),
		    ntop(&q->addr, y, sizeof(y)));
		assert_int_equal(p->nhostnames, q->nhostnames);
		for (size_t j = 0; j < p->nhostnames; j++)
			assert_string_equal(p->hostnames[j], q->hostnames[j]);
		assert_int_equal(p->alias.s_addr, q->alias.s_addr);
		assert_string_equal(p->identity, q->identity);
		assert_same_list(p->nodes, p->nnodes, q->nodes, q->nnodes);
		assert_int_equal(p->allow_hidden, q->allow_hidden);
		assert_int_equal(p->kind, q->kind);
		assert_int_equal(p->via_idx, q->via_idx);
		assert_int_equal(p->min_version, q->min_version);
		assert_same_list(
		    p->local_nodes ? p->local_nodes : a->expose,
		    p->local_nodes ? p->nlocal_nodes : a->nexpose,
		    q->local_nodes ? q->local_nodes : b->expose,
		    q->local_nodes ? q->nlocal_nodes : b->nexpose);
	}
}

static void
test_example(void **state)
{
	struct tmp *t = *state;
	char *text, b[80];
	const struct config_peer *p;
	struct config *c1;

	put(t, "hostA.crt", "C\n", 0644);
	put(t, "hostA.key", "K\n", 0600);
	put(t, "ca.crt", "CA\n", 0644);
	text = example_here(t);
	load_ok(t, text);
	c1 = t->cfg;
	t->cfg = NULL;
	assert_string_equal(c1->name, "hostA");
	assert_int_equal(c1->nhostnames, 2);
	assert_string_equal(c1->hostnames[1], "hostA.test");
	assert_defaults(c1);
	assert_path(t, c1->cert, "hostA.crt");
	assert_path(t, c1->key, "hostA.key");
	assert_path(t, c1->ca, "ca.crt");
	assert_int_equal(c1->npeers, 1);
	assert_string_equal(c1->peers[0].name, "hostB");
	assert_string_equal(c1->peers[0].address, "10.77.0.2:4370");
	assert_string_equal(ntop(&c1->peers[0].addr, b, sizeof(b)),
	    "10.77.0.2:4370");
	assert_int_equal(c1->peers[0].nhostnames, 2);
	assert_string_equal(c1->peers[0].hostnames[0], "hostB");
	assert_string_equal(c1->peers[0].hostnames[1], "hostB.test");
	assert_string_equal(alias(&c1->peers[0], b), "127.0.1.1");
	assert_string_equal(c1->peers[0].identity, "hostB");
	assert_int_equal(c1->peers[0].nnodes, 2);
	assert_string_equal(c1->peers[0].nodes[0], "*@hostB");
	assert_string_equal(c1->peers[0].nodes[1], "*@hostB.test");
	assert_null(c1->peers[0].local_nodes);
	assert_null(c1->peers[0].cookie_file);
	assert_int_equal(c1->peers[0].kind, PEER_KIND_GATEWAY);
	assert_null(c1->peers[0].via);
	assert_int_equal(c1->peers[0].via_idx, -1);
	assert_null(c1->peers[0].reach);
	assert_int_equal(c1->peers[0].min_version, TLS1_3_VERSION);

	/* Every commented "; key = value" is the default (or, for the
	   optional files and sections, a valid setting). */
	put(t, "cookie", "SECRET\n", 0600);
	put(t, "hostB.cookie", "SECRET-B\n", 0600);
	put(t, "b1.cookie", "SECRET-B1\n", 0600);
	put(t, "ca.crl", "CRL\n", 0644);
	uncomment_keys(text);
	assert_null(strstr(text, "\n; "));
	load_ok(t, text);
	assert_same_config(c1, t->cfg);
	assert_path(t, t->cfg->cookie_file, "cookie");
	assert_path(t, t->cfg->crl, "ca.crl");
	assert_path(t, t->cfg->audit_file, "audit.log");
	assert_path(t, t->cfg->peers[0].cookie_file, "hostB.cookie");
	assert_int_equal(t->cfg->peers[0].nlocal_nodes, 1);
	assert_int_equal(t->cfg->nnodes, 1);
	assert_string_equal(t->cfg->nodes[0].name, "b1");
	assert_path(t, t->cfg->nodes[0].cookie_file, "b1.cookie");
	assert_int_equal(t->cfg->nodes[0].tls_port, 4390);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "10.77.0.1:4369");
	assert_int_equal(t->cfg->public_port_lo, 4400);
	assert_int_equal(t->cfg->public_port_hi, 4499);
	assert_path(t, t->cfg->state_file, "ports.state");
	assert_path(t, t->cfg->pid_file, "distgate.pid");
	assert_int_equal(t->cfg->cert_warn_days, 30);
	/* The optional peers: native hostN, plain hostI (which hostB may
	   reach through us), hostJ through hostB. */
	assert_int_equal(t->cfg->npeers, 4);
	p = &t->cfg->peers[0];
	assert_int_equal(p->nreach, 1);
	assert_string_equal(p->reach[0], "hostI");
	p = &t->cfg->peers[1];
	assert_string_equal(p->name, "hostN");
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.3:4369");
	assert_string_equal(p->identity, "hostN");
	assert_int_equal(p->min_version, TLS1_2_VERSION);
	assert_string_equal(alias(p, b), "127.0.1.2");
	p = &t->cfg->peers[2];
	assert_string_equal(p->name, "hostI");
	assert_int_equal(p->kind, PEER_KIND_PLAIN);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.88.0.5:4369");
	assert_int_equal(p->via_idx, -1);
	p = &t->cfg->peers[3];
	assert_string_equal(p->name, "hostJ");
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 0);
	assert_string_equal(p->address, "10.77.0.2:4370");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_string_equal(p->identity, "hostB");
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "*@hostJ");
	config_free(c1);
	free(text);
}

/* Finds LINE_START (which begins with '\n') after MARKER and before the
   next STOP (or STOP2 when not NULL); returns 1 and stores the offset and
   length of that line. */
static int
find_in_section(const char *text, const char *marker, const char *stop,
    const char *stop2, const char *line_start, size_t *off, size_t *len)
{
	const char *s = strstr(text, marker), *end, *end2, *hit;

	if (s == NULL)
		return 0;
	s += strlen(marker);
	end = strstr(s, stop);
	end2 = stop2 != NULL ? strstr(s, stop2) : NULL;
	if (end2 != NULL && (end == NULL || end2 < end))
		end = end2;
	hit = strstr(s, line_start);
	if (hit == NULL || (end != NULL && hit > end))
		return 0;
	*off = (size_t)(hit - text);
	*len = 1 + strcspn(text + *off + 1, "\n");
	return 1;
}

/* Finds LINE_START in any [SECTION ...] of the example, commented
   ("; [peer hostN]") or not. */
static int
find_in_example(const char *text, const char *section,
    const char *line_start)
{
	char markers[2][64];
	size_t off, len;

	snprintf(markers[0], sizeof(markers[0]), "\n[%s", section);
	snprintf(markers[1], sizeof(markers[1]), "\n; [%s", section);
	for (size_t m = 0; m < 2; m++)
		for (const char *s = strstr(text, markers[m]); s != NULL;
		    s = strstr(s + 1, markers[m]))
			if (find_in_section(s, markers[m], "\n[", "\n; [",
			    line_start, &off, &len))
				return 1;
	return 0;
}

static void
test_docs_name_every_key(void **state)
{
	char *example = slurp("proxy.ini.example");
	char *doc = slurp("docs/configuration.md");
	char marker[64], want[128];

	(void)state;
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		size_t off, len;
		int commented;

		/* An optional section is shown commented: "; [node b1]".
		   A key may be shown in any section of its kind (via only
		   makes sense in a peer of its own). */
		snprintf(marker, sizeof(marker), "\n[%s", k->section);
		commented = strstr(example, marker) == NULL;
		snprintf(want, sizeof(want), "\n%s%s = ", commented ||
		    k->def != NULL || !(k->flags & CONFIG_KEY_REQUIRED) ?
		    "; " : "", k->name);
		if (!find_in_example(example, k->section, want))
			fail_msg("proxy.ini.example: no \"%s\" in [%s]",
			    want + 1, k->section);
		if (k->def != NULL) {
			snprintf(want, sizeof(want), "\n; %s = %s\n", k->name,
			    k->def);
			if (!find_in_example(example, k->section, want))
				fail_msg("proxy.ini.example: [%s] lacks"
				    " \"%s\"", k->section, want + 1);
		}
		snprintf(marker, sizeof(marker), "\n## [%s", k->section);
		snprintf(want, sizeof(want), "\n| `%s` |", k->name);
		if (!find_in_section(doc, marker, "\n## ", NULL, want, &off,
		    &len))
			fail_msg("docs/configuration.md: no row \"%s\" under"
			    " \"%s\"", want + 1, marker + 1);
		if (k->def != NULL) {
			snprintf(want, sizeof(want), "`%s`", k->def);
			if (memmem(doc + off, len, want, strlen(want)) == NULL)
				fail_msg("docs/configuration.md: row of %s"
				    " lacks default %s", k->name, want);
		}
	}
	free(example);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_example),
		cmocka_unit_test(test_docs_name_every_key),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
