/*
 * test_config_keys.c — one key at a time, through config_load(): the
 * value each [gateway] key accepts and the exact "file:line: key:
 * reason" for what it refuses, the access lists (expose, nodes,
 * local_nodes, allow_hidden) and the lockout keys.
 */
#include "config_fixture.h"

static void
test_gateway_values(void **state)
{
	struct tmp *t = *state;
	char text[80];

	load_err(t, GW "epmd_port = 70000\n" TLS,
	    ":3: epmd_port: \"70000\" is not a port number 1..65535");
	load_err_prefix(t, GW "epmd_port = 0\n", ":3: epmd_port: ");
	load_err_prefix(t, GW "epmd_port = -1\n", ":3: epmd_port: ");
	load_err(t, GW "listen = 1.2.3.4:0\n", ":3: listen: \"1.2.3.4:0\" is"
	    " not ADDR:PORT with a numeric ADDR ([ADDR]:PORT for IPv6) and"
	    " PORT 1..65535");
	load_err_prefix(t, GW "listen = ::1:4370\n", ":3: listen: ");
	load_err_prefix(t, GW "listen = myhost:4370\n", ":3: listen: ");
	load_err_prefix(t, GW "listen = 1.2.3.4\n", ":3: listen: ");
	load_err(t, GW "epmd_listen = 127.0.0.1 10.0.0.1\n",
	    ":3: epmd_listen: \"10.0.0.1\" is not a loopback address"
	    " (127.0.0.0/8 or ::1)");
	load_err(t, GW "epmd_listen = ::ffff:127.0.0.1\n",
	    ":3: epmd_listen: \"::ffff:127.0.0.1\" is not a loopback address"
	    " (127.0.0.0/8 or ::1)");
	load_err(t, GW "epmd_listen = localhost\n",
	    ":3: epmd_listen: \"localhost\" is not a numeric IP address");
	load_err(t, GW "epmd_listen = ::1 ::1\n",
	    ":3: epmd_listen: \"::1\" listed twice");
	load_err(t, GW "epmd_listen = , ,\n", ":3: epmd_listen: empty list");
	load_err(t, GW "log_level = loud\n", ":3: log_level: \"loud\" is not"
	    " one of error, warn, info, debug");
	load_err(t, GW "syslog = maybe\n", ":3: syslog: \"maybe\" is not"
	    " yes/no, true/false, on/off or 1/0");
	load_err(t, "[gateway]\nhostnames = ok bad/name\n",
	    ":2: hostnames: invalid host name \"bad/name\" (letters, digits,"
	    " '-', '.', '_'; at most 253)");
	load_err(t, "[gateway]\nhostnames = a b A\n",
	    ":2: hostnames: \"A\" listed twice");
	load_err(t, GW "name = a:b\n", ":3: name: invalid name \"a:b\""
	    " (letters, digits, '-', '.', '_')");
	load_err(t, GW "alias_network = 10.0.0.0/8\n",
	    ":3: alias_network: 10.0.0.0/8 is not inside 127.0.0.0/8");
	load_err(t, GW "alias_network = 127.0.0.0/31\n",
	    ":3: alias_network: prefix /31 is not in 8..30");
	load_err(t, GW "alias_network = 127.0.1.1/24\n",
	    ":3: alias_network: 127.0.1.1/24 has host bits set");
	load_err(t, GW "alias_network = 127.0.1.0\n", ":3: alias_network:"
	    " \"127.0.1.0\" is not an IPv4 network a.b.c.d/N");
	load_err(t, GW "max_connections = 1000001\n", ":3: max_connections:"
	    " \"1000001\" is not a number 1..1000000");
	load_err(t, GW "buffer_size = 4095\n",
	    ":3: buffer_size: 4095 is not in 4k..16m");
	load_err(t, GW "buffer_size = 17m\n",
	    ":3: buffer_size: 17m is not in 4k..16m");
	load_err(t, GW "buffer_size = 4kb\n", ":3: buffer_size: \"4kb\" is not"
	    " a size (bytes, or with a k or m suffix)");
	load_err(t, GW "tls_timeout = 5x\n", ":3: tls_timeout: \"5x\" is not"
	    " a duration (250ms, 10s, 2m)");
	load_err(t, GW "epmd_timeout = 99ms\n",
	    ":3: epmd_timeout: 99ms is not in 100ms..10m");
	load_err(t, GW "resolve_timeout = 601s\n",
	    ":3: resolve_timeout: 601s is not in 100ms..10m");
	load_err(t, GW "idle_timeout = 30s\n", ":3: idle_timeout: 30s must"
	    " be 0 (none) or more than 60s, since net_ticktime is 60s");
	load_err_prefix(t, GW "idle_timeout = 60s\n", ":3: idle_timeout: ");
	load_err(t, GW "dead_peer_timeout = 1999ms\n", ":3: dead_peer_timeout:"
	    " 1999ms is not in 0 (off) or 2s..10m");
	load_err(t, GW "dead_peer_timeout = 11m\n", ":3: dead_peer_timeout:"
	    " 11m is not in 0 (off) or 2s..10m");
	load_err(t, GW "dead_peer_timeout = soon\n", ":3: dead_peer_timeout:"
	    " \"soon\" is not a duration (250ms, 10s, 2m)");
	load_err(t, GW "dead_peer_timeout =\n",
	    ":3: dead_peer_timeout: empty value");
	load_ok(t, GW "dead_peer_timeout = 0\n" TLS);
	assert_int_equal(t->cfg->dead_peer_timeout_ms, 0);
	load_ok(t, GW "dead_peer_timeout = 0s\n" TLS);
	assert_int_equal(t->cfg->dead_peer_timeout_ms, 0);
	load_ok(t, GW "dead_peer_timeout = 2s\n" TLS);
	assert_int_equal(t->cfg->dead_peer_timeout_ms, 2000);
	load_ok(t, GW "dead_peer_timeout = 10m\n" TLS);
	assert_int_equal(t->cfg->dead_peer_timeout_ms, 600000);
	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->dead_peer_timeout_ms, 20000);
	load_err(t, GW "link_ping_interval = 999ms\n", ":3: link_ping_interval:"
	    " 999ms is not in 0 (off) or 1s..20s");
	load_err(t, GW "link_ping_interval = 21s\n", ":3: link_ping_interval:"
	    " 21s is not in 0 (off) or 1s..20s");
	load_err(t, GW "link_ping_interval = -1\n", ":3: link_ping_interval:"
	    " \"-1\" is not a duration (250ms, 10s, 2m)");
	load_ok(t, GW "link_ping_interval = 0\n" TLS);
	assert_int_equal(t->cfg->link_ping_interval_ms, 0);
	load_ok(t, GW "link_ping_interval = 1s\n" TLS);
	assert_int_equal(t->cfg->link_ping_interval_ms, 1000);
	load_ok(t, GW "link_ping_interval = 20s\n" TLS);
	assert_int_equal(t->cfg->link_ping_interval_ms, 20000);
	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->link_ping_interval_ms, 10000);
	load_err(t, GW TLS "min_version = 1.1\n",
	    ":7: min_version: \"1.1\" is not 1.2 or 1.3");
	load_err(t, GW "listen = 127.0.0.1:4369\n" TLS, ":3: listen: port 4369"
	    " is the EPMD port of an epmd_listen address");
	load_err(t, GW "epmd_port = 4370\n" TLS, ": listen: port 4370 is the"
	    " EPMD port of an epmd_listen address");
	load_ok(t, GW "listen = 10.0.0.1:4369\n" TLS);
	/* epmd_port applies to epmd_listen whatever their order. */
	load_ok(t, GW "epmd_listen = 127.0.0.9\nepmd_port = 5000\n" TLS);
	assert_int_equal(t->cfg->nepmd_listen, 1);
	assert_string_equal(ntop(&t->cfg->epmd_listen[0], text, sizeof(text)),
	    "127.0.0.9:5000");
}

/* drain_timeout: 0 (no drain) or 1s..10m, 30s by default. */
static void
test_drain_timeout(void **state)
{
	struct tmp *t = *state;

	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->drain_timeout_ms, 30000);
	load_ok(t, GW "drain_timeout = 0\n" TLS);
	assert_int_equal(t->cfg->drain_timeout_ms, 0);
	load_ok(t, GW "drain_timeout = 1s\n" TLS);
	assert_int_equal(t->cfg->drain_timeout_ms, 1000);
	load_ok(t, GW "drain_timeout = 10m\n" TLS);
	assert_int_equal(t->cfg->drain_timeout_ms, 600000);
	load_err(t, GW "drain_timeout = 999ms\n", ":3: drain_timeout:"
	    " 999ms is not in 0 (stop at once) or 1s..10m");
	load_err(t, GW "drain_timeout = 11m\n", ":3: drain_timeout:"
	    " 11m is not in 0 (stop at once) or 1s..10m");
	load_err(t, GW "drain_timeout = soon\n", ":3: drain_timeout:"
	    " \"soon\" is not a duration (250ms, 10s, 2m)");
}

static void
test_access(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;

	/* nodes defaults to "*@H" for each host name, in order. */
	load_ok(t, GW TLS "[peer hostB]\naddress = 10.0.0.2:4370\n"
	    "hostnames = hostB, hostB.test h_3\n" PEER("p2", "nodes = x@p2\n"));
	assert_int_equal(t->cfg->npeers, 2);
	p = &t->cfg->peers[0];
	assert_int_equal(p->nnodes, 3);
	assert_string_equal(p->nodes[0], "*@hostB");
	assert_string_equal(p->nodes[1], "*@hostB.test");
	assert_string_equal(p->nodes[2], "*@h_3");
	assert_int_equal(p->allow_hidden, 0);
	assert_null(p->local_nodes);
	assert_int_equal(p->nlocal_nodes, 0);
	assert_null(p->cookie_file);
	p = &t->cfg->peers[1];
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "x@p2");
	assert_int_equal(t->cfg->nexpose, 1);
	assert_string_equal(t->cfg->expose[0], "*");

	load_err(t, GW "expose = app app@hostA\n", ":3: expose: \"app@hostA\""
	    " holds '@': list local alive names, the part before '@'");
	load_err(t, GW "expose = a.b\n", ":3: expose: invalid pattern \"a.b\""
	    " (1 to 255 letters, digits, '_', '-', '*', '?')");
	load_err(t, GW "expose = [ab]\n", ":3: expose: invalid pattern"
	    " \"[ab]\" (1 to 255 letters, digits, '_', '-', '*', '?')");
	load_err(t, GW "expose = , ,\n", ":3: expose: empty list");
	load_err(t, GW "expose =\n", ":3: expose: empty value");
	load_err(t, GW "expose = *\nexpose = a\n",
	    ":4: expose: duplicate key (first at line 3)");
	load_err(t, GW TLS PEER("b", "nodes = *@b app\n"), ":10: nodes: \"app\""
	    " has no '@': list full node names ALIVE@HOST, such as *@host");
	load_err(t, GW TLS PEER("b", "nodes = a@b@c\n"),
	    ":10: nodes: \"a@b@c\" has more than one '@'");
	load_err(t, GW TLS PEER("b", "nodes = a@\n"), ":10: nodes: invalid"
	    " pattern \"a@\" (ALIVE@HOST, each part letters, digits, '_', '-',"
	    " '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = @b\n"), ":10: nodes: invalid"
	    " pattern \"@b\" (ALIVE@HOST, each part letters, digits, '_', '-',"
	    " '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = a/x@b\n"), ":10: nodes: invalid"
	    " pattern \"a/x@b\" (ALIVE@HOST, each part letters, digits, '_',"
	    " '-', '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = *@b\nnodes = *@c\n"),
	    ":11: nodes: duplicate key (first at line 10)");
	load_err(t, GW TLS PEER("b", "local_nodes = *@b\n"), ":10: local_nodes:"
	    " \"*@b\" holds '@': list local alive names, the part before '@'");
	load_err(t, GW TLS PEER("b", "local_nodes = a:b\n"), ":10: local_nodes:"
	    " invalid pattern \"a:b\" (1 to 255 letters, digits, '_', '-', '*',"
	    " '?')");
	load_err(t, GW TLS PEER("b", "local_nodes =\n"),
	    ":10: local_nodes: empty value");
	load_err(t, GW TLS PEER("b", "allow_hidden = sometimes\n"),
	    ":10: allow_hidden: \"sometimes\" is not yes/no, true/false, on/off"
	    " or 1/0");
}

static void
test_lockout(void **state)
{
	struct tmp *t = *state;

	load_ok(t, GW "lockout_failures = 1000\nlockout_window = 1s\n"
	    "lockout_ban = 1000ms\n" TLS);
	assert_int_equal(t->cfg->lockout_failures, 1000);
	assert_int_equal(t->cfg->lockout_window_ms, 1000);
	assert_int_equal(t->cfg->lockout_ban_ms, 1000);
	load_ok(t, GW "lockout_window = 3600\nlockout_ban = 1440m\n" TLS);
	assert_int_equal(t->cfg->lockout_window_ms, 3600000);
	assert_int_equal(t->cfg->lockout_ban_ms, 86400000);
	load_err(t, GW "lockout_failures = 1001\n", ":3: lockout_failures:"
	    " \"1001\" is not a number 0..1000");
	load_err(t, GW "lockout_failures = -1\n", ":3: lockout_failures:"
	    " \"-1\" is not a number 0..1000");
	load_err(t, GW "lockout_window = 2h\n",
	    ":3: lockout_window: 2h is not in 1s..1h");
	load_err(t, GW "lockout_window = 3601s\n",
	    ":3: lockout_window: 3601s is not in 1s..1h");
	load_err(t, GW "lockout_window = 999ms\n",
	    ":3: lockout_window: 999ms is not in 1s..1h");
	load_err(t, GW "lockout_window = 0\n",
	    ":3: lockout_window: 0 is not in 1s..1h");
	load_err(t, GW "lockout_window = soon\n", ":3: lockout_window:"
	    " \"soon\" is not a duration (250ms, 10s, 2m)");
	load_err(t, GW "lockout_ban = 25h\n",
	    ":3: lockout_ban: 25h is not in 1s..24h");
	load_err(t, GW "lockout_ban = 1d\n", ":3: lockout_ban: \"1d\" is not a"
	    " duration (250ms, 10s, 2m)");
	load_ok(t, GW "lockout_guesses = 0\nlockout_known_good = 720h\n" TLS);
	assert_int_equal(t->cfg->lockout_guesses, 0);
	assert_int_equal(t->cfg->lockout_known_good_ms, 2592000000U);
	load_ok(t, GW "lockout_guesses = 1000\nlockout_known_good = 1s\n" TLS);
	assert_int_equal(t->cfg->lockout_guesses, 1000);
	assert_int_equal(t->cfg->lockout_known_good_ms, 1000);
	load_err(t, GW "lockout_guesses = 1001\n", ":3: lockout_guesses:"
	    " \"1001\" is not a number 0..1000");
	load_err(t, GW "lockout_known_good = 721h\n",
	    ":3: lockout_known_good: 721h is not in 1s..720h");

}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_gateway_values),
		T(test_drain_timeout),
		T(test_access),
		T(test_lockout),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
