/*
 * test_config_peers.c — [peer NAME] sections: host names shared with
 * [gateway] or other peers, address and identity, kinds (gateway, native,
 * plain) and their defaults, via, reach, and a bastion's inside_alias.
 */
#include "config_fixture.h"

#define LABEL64	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define VPEER(n, via, extra)	"[peer " n "]\nvia = " via "\n" \
				"hostnames = " n "\n" extra

static void
test_peers(void **state)
{
	struct tmp *t = *state;

	load_err(t, GW TLS "[peer hostB]\naddress = 10.0.0.2:4370\n"
	    "hostnames = hostB HOSTA.test\n", ":9: hostnames: \"HOSTA.test\" is"
	    " already a host name of [gateway]");
	load_err(t, "[peer b]\naddress = 10.0.0.2:1\nhostnames = x\n"
	    "[peer c]\naddress = 10.0.0.2:1\nhostnames = y X\n" GW TLS,
	    ":6: hostnames: \"X\" is already a host name of [peer b]");
	load_err(t, "[peer b]\naddress = 10.0.0.2:1\nhostnames = hostA\n"
	    GW TLS, ":3: hostnames: \"hostA\" is already a host name of"
	    " [gateway]");
	load_err(t, GW TLS "[peer b]\naddress = 10.0.0.2\n",
	    ":8: address: \"10.0.0.2\" has no port (HOST alone is for kind"
	    " native or plain)");
	load_err(t, GW TLS "[peer b]\naddress = 10.0.0.2:65536\n",
	    ":8: address: \"10.0.0.2:65536\" is not HOST:PORT ([ADDR]:PORT for"
	    " IPv6) with PORT 1..65535");
	load_err(t, GW TLS "[peer b]\naddress = bad!host:4370\n",
	    ":8: address: invalid host \"bad!host\"");
	/* A 64-byte label fails inside getaddrinfo with no DNS query. */
	load_err_prefix(t, GW TLS "[peer b]\naddress = " LABEL64 ".test:1\n",
	    ":8: address: cannot resolve \"" LABEL64 ".test\": ");
	load_err(t, GW TLS "[peer b]\nidentity = a b\n",
	    ":8: identity: identity must be printable ASCII without spaces");
	load_err(t, GW TLS "[peer b]\nidentity =\n", ":8: identity: empty"
	    " value");
	load_err(t, GW TLS "[peer b]\nhostnames =  ,\n",
	    ":8: hostnames: empty list");
	/* A lone host: no peers at all is fine. */
	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->npeers, 0);
}

static void
test_peer_kinds(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;
	char b[80];

	/* Lines 7-9 p1, 10-14 n1, 15-18 n2, 19-22 pl. */
	load_ok(t, GW TLS PEER("p1", "")
	    "[peer n1]\nkind = native\naddress = 10.0.0.3\nhostnames = n1\n"
	    "min_version = 1.3\n"
	    "[peer n2]\naddress = [::1]\nkind = native\nhostnames = n2\n"
	    "[peer pl]\nkind = plain\naddress = 10.0.0.5:4400\n"
	    "hostnames = pl\n");
	assert_int_equal(t->cfg->npeers, 4);
	p = &t->cfg->peers[0];
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_null(p->via);
	assert_int_equal(p->via_idx, -1);
	assert_null(p->reach);
	assert_int_equal(p->nreach, 0);
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.9:4370");
	p = &t->cfg->peers[1];
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(p->address, "10.0.0.3");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.3:4369");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_int_equal(p->via_idx, -1);
	assert_string_equal(p->identity, "n1");
	p = &t->cfg->peers[2];
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(p->address, "[::1]");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "[::1]:4369");
	assert_int_equal(p->min_version, TLS1_2_VERSION);
	p = &t->cfg->peers[3];
	assert_int_equal(p->kind, PEER_KIND_PLAIN);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.5:4400");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_string_equal(p->identity, "pl");
	assert_string_equal(alias(p, b), "127.0.1.4");

	/* epmd_port and [tls] min_version apply whatever the order. */
	load_ok(t, "[peer n1]\nkind = native\naddress = 10.0.0.3\n"
	    "hostnames = n1\n[peer g]\naddress = 10.0.0.4:1\nhostnames = g\n"
	    "[peer pl]\nkind = plain\naddress = localhost\nhostnames = pl\n"
	    "[gateway]\nhostnames = hostA\nepmd_port = 5000\n" TLS
	    "min_version = 1.2\n");
	assert_string_equal(ntop(&t->cfg->peers[0].addr, b, sizeof(b)),
	    "10.0.0.3:5000");
	assert_int_equal(t->cfg->peers[0].min_version, TLS1_2_VERSION);
	assert_int_equal(t->cfg->peers[1].min_version, TLS1_2_VERSION);
	assert_true(strcmp(ntop(&t->cfg->peers[2].addr, b, sizeof(b)),
	    "127.0.0.1:5000") == 0 || strcmp(b, "[::1]:5000") == 0);
	assert_int_equal(t->cfg->peers[2].min_version, TLS1_2_VERSION);

	load_err(t, GW TLS PEER("b", "kind = Native\n"),
	    ":10: kind: \"Native\" is not gateway, native or plain");
	load_err(t, GW TLS PEER("b", "kind =\n"), ":10: kind: empty value");
	load_err(t, GW TLS PEER("b", "kind = plain\nkind = native\n"),
	    ":11: kind: duplicate key (first at line 10)");
	load_err(t, GW TLS "[peer b]\naddress = [::1]\nkind = gateway\n"
	    "hostnames = b\n", ":8: address: \"[::1]\" has no port (HOST alone"
	    " is for kind native or plain)");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = 10.0.0.2:\n",
	    ":9: address: \"10.0.0.2:\" is not HOST:PORT ([ADDR]:PORT for"
	    " IPv6) with PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = ::1\n",
	    ":9: address: \"::1\" is not HOST:PORT ([ADDR]:PORT for IPv6) with"
	    " PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = []\n",
	    ":9: address: invalid host \"[]\"");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = []:1\n",
	    ":9: address: \"[]:1\" is not HOST:PORT ([ADDR]:PORT for IPv6) with"
	    " PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = plain\naddress = bad!host\n",
	    ":9: address: invalid host \"bad!host\"");
	load_err(t, GW TLS PEER("b", "min_version = 1.1\n"),
	    ":10: min_version: \"1.1\" is not 1.2 or 1.3");
}

static void
test_via(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p, *v;
	char b[80];

	/* Lines 7-9 j, 10-13 hostB, 14-18 k, 19-21 p. */
	load_ok(t, GW TLS VPEER("j", "HOSTB", "")
	    "[peer hostB]\naddress = 10.77.0.2:4370\nhostnames = hostB\n"
	    "identity = gw-b\n"
	    "[peer k]\nhostnames = k k.test\nvia = hostB\nidentity = own-k\n"
	    "nodes = app@k\n" PEER("p", ""));
	assert_int_equal(t->cfg->npeers, 4);
	v = &t->cfg->peers[1];
	assert_null(v->via);
	assert_int_equal(v->via_idx, -1);
	p = &t->cfg->peers[0];
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 1);
	assert_string_equal(p->address, "10.77.0.2:4370");
	assert_ptr_not_equal(p->address, v->address);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_string_equal(p->identity, "gw-b");
	assert_ptr_not_equal(p->identity, v->identity);
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "*@j");
	assert_string_equal(alias(p, b), "127.0.1.1");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	p = &t->cfg->peers[2];
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 1);
	assert_string_equal(p->identity, "own-k");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "app@k");
	assert_int_equal(t->cfg->peers[3].via_idx, -1);
	/* The via peer's default identity is its NAME. */
	load_ok(t, GW TLS PEER("b", "") VPEER("j", "b", ""));
	assert_string_equal(t->cfg->peers[1].identity, "b");
	assert_int_equal(t->cfg->peers[1].via_idx, 0);

	load_err(t, GW TLS VPEER("j", "nope", ""),
	    ":8: via: no [peer nope] in this file");
	load_err(t, GW TLS VPEER("j", LABEL64, ""),
	    ":8: via: no [peer " LABEL64 "] in this file");
	load_err(t, GW TLS VPEER("j", "J", ""),
	    ":8: via: [peer j] cannot be reached through itself");
	load_err(t, GW TLS "[peer j]\nkind = plain\nvia = b\nhostnames = j\n"
	    PEER("b", ""), ":9: via: a kind plain peer cannot have via (only"
	    " kind gateway)");
	load_err(t, GW TLS PEER("j", "via = b\n") PEER("b", ""), ":10: via: a"
	    " peer with via uses the address of [peer b]; remove address");
	load_err(t, GW TLS VPEER("j", "n", "") "[peer n]\nkind = native\n"
	    "address = 10.0.0.3\nhostnames = n\n", ":8: via: [peer n] is kind"
	    " native; via must name a kind gateway peer");
	load_err(t, GW TLS PEER("b", "") VPEER("j", "b", "")
	    VPEER("k", "j", ""), ":14: via: [peer j] has via itself; via must"
	    " name a peer reached directly");
	load_err(t, GW TLS VPEER("j", "a/b", ""), ":8: via: invalid peer name"
	    " \"a/b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS VPEER("j", "a b", ""), ":8: via: invalid peer name"
	    " \"a b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS VPEER("j", LABEL64 "a", ""), ":8: via: invalid peer"
	    " name \"" LABEL64 "a\" (at most 64 letters, digits, '-', '.',"
	    " '_')");
	load_err(t, GW TLS "[peer j]\nvia =\n", ":8: via: empty value");
	load_err(t, GW TLS "[peer j]\nvia = b\n" PEER("b", ""),
	    ":7: [peer j]: missing required key hostnames");
	/* The via peer itself still needs its address. */
	load_err(t, GW TLS VPEER("j", "b", "") "[peer b]\nhostnames = b\n",
	    ":10: [peer b]: missing required key address");
	load_err(t, GW TLS PEER("b", "") VPEER("j", "b", "hostnames = x\n"),
	    ":13: hostnames: duplicate key (first at line 12)");
}

static void
test_reach(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;

	/* Lines 7-10 b, 11-14 hostI, 15-17 hostJ. */
	load_ok(t, GW TLS PEER("b", "reach = HOSTI, hostJ\n")
	    PEER("hostI", "kind = plain\n") PEER("hostJ", ""));
	p = &t->cfg->peers[0];
	assert_int_equal(p->nreach, 2);
	assert_string_equal(p->reach[0], "hostI");
	assert_string_equal(p->reach[1], "hostJ");
	assert_null(t->cfg->peers[1].reach);
	assert_int_equal(t->cfg->peers[1].nreach, 0);
	load_ok(t, GW TLS PEER("a", "") PEER("b", "reach = a\n"));
	assert_int_equal(t->cfg->peers[1].nreach, 1);
	assert_string_equal(t->cfg->peers[1].reach[0], "a");

	load_err(t, GW TLS PEER("b", "reach = x\n"),
	    ":10: reach: no [peer x] in this file");
	load_err(t, GW TLS PEER("b", "reach = B\n"),
	    ":10: reach: [peer b] cannot reach itself");
	load_err(t, GW TLS PEER("b", "reach = c C\n") PEER("c", ""),
	    ":10: reach: \"C\" listed twice");
	load_err(t, GW TLS PEER("b", "reach = c a/b\n"), ":10: reach: invalid"
	    " peer name \"a/b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS PEER("b", "reach = , ,\n"), ":10: reach: empty"
	    " list");
	load_err(t, GW TLS PEER("b", "reach =\n"), ":10: reach: empty value");
}

#define PLAIN(n, extra)	"[peer " n "]\nkind = plain\naddress = 10.0.1.3\n" \
			"hostnames = " n "\n" extra

static void
test_inside_alias(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;

	/* Lines 7-10 o, 11-15 i. */
	load_ok(t, GW TLS PEER("o", "inside_alias = 10.0.1.11\n")
	    PLAIN("i", "reach = o\n"));
	p = &t->cfg->peers[0];
	assert_int_equal(p->inside_alias.ss.ss_family, AF_INET);
	assert_int_equal(t->cfg->peers[1].nreach, 1);
	load_ok(t, GW TLS PEER("o", "inside_alias = fd00::11\n")
	    PLAIN("i", "reach = o\n"));
	assert_int_equal(t->cfg->peers[0].inside_alias.ss.ss_family, AF_INET6);
	assert_int_equal(t->cfg->peers[1].inside_alias.len, 0);

	load_err(t, GW TLS PEER("o", "inside_alias = 10.0.1.11:4369\n"),
	    ":10: inside_alias: \"10.0.1.11:4369\" is not an IP address (no"
	    " port: the EPMD is on epmd_port)");
	load_err(t, GW TLS PEER("o", "inside_alias = 127.0.1.9\n"),
	    ":10: inside_alias: \"127.0.1.9\" must be an address of this host"
	    " on the inside network (not loopback, not a wildcard)");
	load_err(t, GW TLS PEER("o", "inside_alias = 10.0.1.11\n"),
	    ":10: inside_alias: no kind plain [peer] has o in its reach:"
	    " nothing would use this address");
	load_err(t, GW TLS PLAIN("i", "inside_alias = 10.0.1.11\n"),
	    ":11: inside_alias: a kind plain peer is inside: inside_alias"
	    " belongs in the [peer] sections of the hosts its nodes reach");
	load_err(t, GW TLS PEER("o", "") PLAIN("i", "reach = o\n"),
	    ":14: reach: [peer o] has no inside_alias: kind plain nodes reach"
	    " other hosts only through the address inside_alias names");
	load_err(t, GW TLS PLAIN("j", "") PLAIN("i", "reach = j\n"),
	    ":15: reach: [peer j] is kind plain too: plain hosts reach each"
	    " other directly");
	load_err(t, GW TLS PEER("o", "inside_alias = 10.0.1.11\n")
	    PEER("p", "inside_alias = 10.0.1.11\n")
	    PLAIN("i", "reach = o p\n"),
	    ":14: inside_alias: [peer o] has the same inside_alias");
	/* a native peer reaches inside nodes through the public EPMD */
	load_err(t, GW TLS "[peer n]\nkind = native\naddress = 10.0.0.3\n"
	    "hostnames = n\nreach = i\n" PLAIN("i", ""),
	    ":11: reach: kind native nodes reach i through the public EPMD:"
	    " set public_epmd and public_ports in [gateway]");
	load_ok(t, "[gateway]\nhostnames = hostA\npublic_epmd = 10.0.0.1:4369\n"
	    "public_ports = 4400-4409\n" TLS "[peer n]\nkind = native\n"
	    "address = 10.0.0.3\nhostnames = n\nreach = i\n" PLAIN("i", ""));
	assert_int_equal(t->cfg->peers[0].nreach, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_peers),
		T(test_peer_kinds),
		T(test_via),
		T(test_reach),
		T(test_inside_alias),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
