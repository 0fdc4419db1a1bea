/*
 * test_config_rules.c — the rules that tie keys together, each failing
 * at the line of the key to blame: aliases (assignment, uniqueness,
 * network exhaustion), [node] tls_port against the ports in use, and the
 * public EPMD keys (public_epmd, public_ports, public_names, state_file).
 */
#include "config_fixture.h"

static void
test_aliases(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;
	char b[INET_ADDRSTRLEN];

	/* Lines 7-9, 10-13, 14-16, 17-19. */
	load_ok(t, GW TLS PEER("p1", "") PEER("p2", "alias = 127.0.1.2\n")
	    PEER("p3", "") PEER("p4", ""));
	assert_int_equal(t->cfg->npeers, 4);
	assert_string_equal(alias(&t->cfg->peers[0], b), "127.0.1.1");
	assert_string_equal(alias(&t->cfg->peers[1], b), "127.0.1.2");
	assert_string_equal(alias(&t->cfg->peers[2], b), "127.0.1.3");
	assert_string_equal(alias(&t->cfg->peers[3], b), "127.0.1.4");
	p = config_peer_by_alias(t->cfg,
	    (struct in_addr){ inet_addr("127.0.1.3") });
	assert_non_null(p);
	assert_string_equal(p->name, "p3");

	/* 127.0.0.1 and epmd_listen addresses are never handed out. */
	load_ok(t, "[gateway]\nhostnames = a\nalias_network = 127.0.0.0/29\n"
	    "epmd_listen = 127.0.0.2 ::1\n" TLS PEER("p1", "") PEER("p2", ""));
	assert_string_equal(alias(&t->cfg->peers[0], b), "127.0.0.3");
	assert_string_equal(alias(&t->cfg->peers[1], b), "127.0.0.4");

	load_err(t, GW "alias_network = 127.0.2.0/30\n" TLS PEER("p1", "")
	    PEER("p2", "") PEER("p3", ""), ":14: [peer p3]: no free address"
	    " left in alias_network 127.0.2.0/30");
	load_err(t, GW TLS PEER("p1", "alias = 127.0.1.9\n")
	    PEER("p2", "alias = 127.0.1.9\n"), ":14: alias: 127.0.1.9 is"
	    " already the alias of [peer p1]");
	load_err(t, GW "epmd_listen = 127.0.0.1 127.0.0.7\n" TLS
	    PEER("p1", "alias = 127.0.0.7\n"),
	    ":11: alias: 127.0.0.7 is an epmd_listen address");
	load_err(t, GW TLS PEER("p1", "alias = 10.1.1.1\n"),
	    ":10: alias: 10.1.1.1 is not inside 127.0.0.0/8");
	load_err(t, GW TLS PEER("p1", "alias = 127.0.0.1\n"),
	    ":10: alias: 127.0.0.1 is this host's own address");
	load_err(t, GW TLS PEER("p1", "alias = 127.255.255.255\n"),
	    ":10: alias: 127.255.255.255 is the network or broadcast address"
	    " of 127.0.0.0/8");
	load_err(t, GW TLS PEER("p1", "alias = host\n"),
	    ":10: alias: \"host\" is not an IPv4 address");
	load_err(t, GW TLS PEER("p1", "alias = ::1\n"),
	    ":10: alias: \"::1\" is not an IPv4 address");
}

static void
test_node_ports(void **state)
{
	struct tmp *t = *state;

	put(t, "c", "COOKIE\n", 0600);
	load_ok(t, GW TLS "[node a]\ntls_port = 4400\n[node b]\n"
	    "tls_port = 65535\ncookie_file = c\n[node c]\ncookie_file = c\n");
	assert_int_equal(t->cfg->nnodes, 3);
	assert_int_equal(t->cfg->nodes[0].tls_port, 4400);
	assert_null(t->cfg->nodes[0].cookie_file);
	assert_int_equal(t->cfg->nodes[1].tls_port, 65535);
	assert_path(t, t->cfg->nodes[1].cookie_file, "c");
	assert_int_equal(t->cfg->nodes[2].tls_port, 0);
	assert_path(t, t->cfg->nodes[2].cookie_file, "c");
	/* Only what is in use is refused: 4369 is free when epmd_port is
	   not. */
	load_ok(t, GW "epmd_port = 5000\nlisten = 0.0.0.0:5001\n" TLS
	    "[node a]\ntls_port = 4369\n[node b]\ntls_port = 4370\n");
	assert_int_equal(t->cfg->nodes[1].tls_port, 4370);

	load_err(t, GW TLS "[node a]\ntls_port = 0\n",
	    ":8: tls_port: \"0\" is not a port number 1..65535");
	load_err(t, GW TLS "[node a]\ntls_port = 65536\n",
	    ":8: tls_port: \"65536\" is not a port number 1..65535");
	load_err(t, GW TLS "[node a]\ntls_port =\n", ":8: tls_port: empty"
	    " value");
	load_err(t, GW TLS "[node a]\ntls_port = 4400\n[node b]\n"
	    "tls_port = 4400\n",
	    ":10: tls_port: 4400 is already the tls_port of [node a]");
	load_err(t, GW TLS "[node a]\ntls_port = 4369\n",
	    ":8: tls_port: 4369 is epmd_port");
	load_err(t, "[node a]\ntls_port = 5000\n" GW "epmd_port = 5000\n" TLS,
	    ":2: tls_port: 5000 is epmd_port");
	load_err(t, GW TLS "[node a]\ntls_port = 4370\n",
	    ":8: tls_port: 4370 is the port of listen");
	load_err(t, GW "listen = [::]:4500\n" TLS "[node a]\ntls_port = 4500\n",
	    ":9: tls_port: 4500 is the port of listen");
	load_err(t, GW "public_epmd = 10.0.0.1:4380\n" TLS
	    "[node a]\ntls_port = 4380\n",
	    ":9: tls_port: 4380 is the port of public_epmd");
	load_err(t, GW TLS "[node a]\ncookie_file = c\n[node b]\n",
	    ":9: [node b]: needs cookie_file or tls_port");
}

static void
test_public(void **state)
{
	struct tmp *t = *state;
	char b[80], want[512];

	load_ok(t, GW "public_epmd = 10.77.0.1:4369\npublic_names = yes\n"
	    "public_ports = 4400-4499\npublic_min_version = 1.3\n"
	    "state_file = ports.state\n" TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "10.77.0.1:4369");
	assert_int_equal(t->cfg->public_names, 1);
	assert_int_equal(t->cfg->public_port_lo, 4400);
	assert_int_equal(t->cfg->public_port_hi, 4499);
	assert_int_equal(t->cfg->public_min_version, TLS1_3_VERSION);
	assert_path(t, t->cfg->state_file, "ports.state");
	assert_int_equal(access(t->cfg->state_file, F_OK), -1);
	load_ok(t, GW "public_epmd = [2001:db8::1]:4369\npublic_ports ="
	    " 10001-20000\n" TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "[2001:db8::1]:4369");
	assert_int_equal(t->cfg->public_port_lo, 10001);
	assert_int_equal(t->cfg->public_port_hi, 20000);
	/* The wildcard address is fine on a port other than epmd_port. */
	load_ok(t, GW "public_epmd = 0.0.0.0:4371\npublic_ports = 5000-5000\n"
	    TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "0.0.0.0:4371");
	load_ok(t, GW "public_epmd = 0.0.0.0:4369\nepmd_port = 4368\n"
	    "public_ports = 5000-5000\n" TLS);
	/* A [node] tls_port is enough; it may lie inside public_ports. */
	load_ok(t, GW "public_epmd = 10.0.0.1:4369\n" TLS
	    "[node a]\ntls_port = 4400\n");
	load_ok(t, GW "public_epmd = 10.0.0.1:4369\npublic_ports = 4400-4410\n"
	    TLS "[node a]\ntls_port = 4405\n");
	/* public_ports alone is harmless; listen elsewhere frees its port. */
	load_ok(t, GW "public_ports = 4371-4380\n" TLS);
	load_ok(t, GW "listen = 10.0.0.2:4370\npublic_epmd = 10.0.0.1:4370\n"
	    "public_ports = 4400-4400\n" TLS);
	/* Empty values mean unset. */
	load_ok(t, GW "public_epmd =\npublic_ports =\nstate_file =\n" TLS);
	assert_defaults(t->cfg);

	load_err(t, GW "public_epmd = 127.0.0.1:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 127.1.2.3:5000\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::1]:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::ffff:127.0.0.2]:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 0.0.0.0:4369\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::]:4369\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: must name this host's external address");
	load_err(t, "[gateway]\npublic_epmd = 0.0.0.0:5000\nepmd_port = 5000\n"
	    "hostnames = a\npublic_ports = 4400-4401\n" TLS,
	    ":2: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 10.0.0.1:4370\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: port 4370 is the port of listen on the same"
	    " address");
	load_err(t, GW "listen = 10.0.0.1:4370\npublic_epmd = 10.0.0.1:4370\n"
	    "public_ports = 4400-4401\n" TLS, ":4: public_epmd: port 4370 is"
	    " the port of listen on the same address");
	load_err(t, GW "public_epmd = myhost:4369\n", ":3: public_epmd:"
	    " \"myhost:4369\" is not ADDR:PORT with a numeric ADDR ([ADDR]:PORT"
	    " for IPv6) and PORT 1..65535");
	load_err(t, GW "public_epmd = 10.0.0.1\n", ":3: public_epmd:"
	    " \"10.0.0.1\" is not ADDR:PORT with a numeric ADDR ([ADDR]:PORT"
	    " for IPv6) and PORT 1..65535");
	load_err(t, GW "public_epmd = 10.0.0.1:4369\n" TLS,
	    ":3: public_epmd: needs public_ports or a [node] tls_port");
	put(t, "c", "COOKIE\n", 0600);
	load_err(t, GW "public_epmd = 10.0.0.1:4369\n" TLS
	    "[node a]\ncookie_file = c\n",
	    ":3: public_epmd: needs public_ports or a [node] tls_port");
	load_err(t, GW "public_ports = 4400\n", ":3: public_ports: \"4400\" is"
	    " not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 4500-4400\n", ":3: public_ports:"
	    " \"4500-4400\" is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 0-10\n", ":3: public_ports: \"0-10\" is"
	    " not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1-65536\n", ":3: public_ports:"
	    " \"1-65536\" is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1 - 2\n", ":3: public_ports: \"1 - 2\""
	    " is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1-10001\n",
	    ":3: public_ports: 1-10001 holds 10001 ports (at most 10000)");
	load_err(t, GW "public_ports = 4300-4399\n" TLS,
	    ":3: public_ports: 4300-4399 holds epmd_port 4369");
	load_err(t, GW "public_ports = 4370-4380\n" TLS,
	    ":3: public_ports: 4370-4380 holds port 4370 of listen");
	load_err(t, GW "public_epmd = 10.0.0.1:4500\npublic_ports = 4400-4599\n"
	    TLS, ":4: public_ports: 4400-4599 holds port 4500 of public_epmd");
	load_err(t, GW "public_names = maybe\n", ":3: public_names: \"maybe\""
	    " is not yes/no, true/false, on/off or 1/0");
	load_err(t, GW "public_min_version = 1.0\n",
	    ":3: public_min_version: \"1.0\" is not 1.2 or 1.3");
	snprintf(want, sizeof(want), ":3: state_file: %s/nodir/ports.state:"
	    " directory %s/nodir: No such file or directory", t->dir, t->dir);
	load_err(t, GW "state_file = nodir/ports.state\n", want);
	snprintf(want, sizeof(want), ":3: state_file: %s/.: is a directory",
	    t->dir);
	load_err(t, GW "state_file = .\n", want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_aliases),
		T(test_node_ports),
		T(test_public),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
