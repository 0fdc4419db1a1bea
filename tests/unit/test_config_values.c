/*
 * test_config_values.c — the pure value parsers of config_value.c:
 * durations, booleans, numbers, sizes, host:port, CIDR, addresses, names,
 * alive names and node-name patterns, lists, port ranges, and the names
 * of peer kinds.  No file is written.
 */
#include "config_fixture.h"

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int rc;
		unsigned ms;
	} cases[] = {
		{ "250ms", 0, 250 }, { "10s", 0, 10000 }, { "2m", 0, 120000 },
		{ "1h", 0, 3600000 }, { "7", 0, 7000 }, { "0", 0, 0 },
		{ "0ms", 0, 0 }, { "007s", 0, 7000 },
		{ "4294967295ms", 0, 4294967295u }, { "4294967s", 0, 4294967000u },
		{ "4294968s", -1, 0 }, { "4294967296ms", -1, 0 },
		{ "99999999999999999999999", -1, 0 }, { "", -1, 0 },
		{ "s", -1, 0 }, { "ms", -1, 0 }, { "-1s", -1, 0 },
		{ "+1s", -1, 0 }, { " 1s", -1, 0 }, { "1s ", -1, 0 },
		{ "1 s", -1, 0 }, { "1.5s", -1, 0 }, { "1S", -1, 0 },
		{ "1sec", -1, 0 }, { "1d", -1, 0 }, { "1mss", -1, 0 },
		{ "0x10", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned ms = 12345;
		int rc = config_parse_duration(cases[i].s, &ms);

		if (rc != cases[i].rc || ms != (rc == 0 ? cases[i].ms : 12345))
			fail_msg("\"%s\": rc %d ms %u", cases[i].s, rc, ms);
	}
}

static void
test_value_parsers(void **state)
{
	struct config_sockaddr sa;
	unsigned long ul;
	struct in_addr a;
	unsigned prefix;
	char host[16], **v;
	uint16_t port;
	size_t sz, n;
	int b;

	(void)state;
	assert_int_equal(config_parse_bool("YES", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(config_parse_bool("off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(config_parse_bool("2", &b), -1);
	assert_int_equal(config_parse_bool("", &b), -1);
	assert_int_equal(config_parse_uint("65535", 1, 65535, &ul), 0);
	assert_int_equal(ul, 65535);
	assert_int_equal(config_parse_uint("0", 1, 65535, &ul), -1);
	assert_int_equal(config_parse_uint("18446744073709551616", 0,
	    ULONG_MAX, &ul), -1);
	assert_int_equal(config_parse_uint("18446744073709551615", 0,
	    ULONG_MAX, &ul), 0);
	assert_true(ul == ULONG_MAX);
	assert_int_equal(config_parse_uint("1", 0, 0, &ul), -1);
	assert_int_equal(config_parse_size("64k", &sz), 0);
	assert_int_equal(sz, 65536);
	assert_int_equal(config_parse_size("3M", &sz), 0);
	assert_int_equal(sz, 3 * 1048576);
	assert_int_equal(config_parse_size("4096", &sz), 0);
	assert_int_equal(sz, 4096);
	assert_int_equal(config_parse_size("1g", &sz), -1);
	assert_int_equal(config_parse_size("18446744073709551615k", &sz), -1);
	assert_int_equal(config_parse_hostport("[::1]:80", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 80);
	assert_int_equal(config_parse_hostport("h.x:1", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "h.x");
	assert_int_equal(config_parse_hostport(":1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("[]:1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("[::1]80", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("a]:1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("0123456789abcdef:1", host,
	    sizeof(host), &port), -1);
	assert_int_equal(config_parse_hostport("0123456789abcde:1", host,
	    sizeof(host), &port), 0);
	assert_int_equal(config_parse_cidr4("127.0.1.0/24", &a, &prefix), 0);
	assert_int_equal(a.s_addr, inet_addr("127.0.1.0"));
	assert_int_equal(prefix, 24);
	assert_int_equal(config_parse_cidr4("127.0.1.0/33", &a, &prefix), -1);
	assert_int_equal(config_parse_cidr4("127.0.1/24", &a, &prefix), -1);
	assert_int_equal(config_parse_ip("::1", &sa), 0);
	assert_int_equal(sa.ss.ss_family, AF_INET6);
	assert_int_equal(config_parse_ip("1.2.3", &sa), -1);
	assert_int_equal(config_valid_name("a-b.c_d"), 1);
	assert_int_equal(config_valid_name(""), 0);
	assert_int_equal(config_valid_name("a@b"), 0);
	assert_int_equal(config_split_list(" a,,b\tc ,", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	config_free_list(v, n);
	assert_int_equal(config_split_list(" , ", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void
test_port_range(void **state)
{
	static const struct {
		const char *s;
		int rc;
		unsigned lo, hi;
	} cases[] = {
		{ "1-1", 0, 1, 1 }, { "4400-4499", 0, 4400, 4499 },
		{ "1-65535", 0, 1, 65535 }, { "007-8", 0, 7, 8 },
		{ "0-1", -1, 0, 0 }, { "2-1", -1, 0, 0 }, { "1-65536", -1, 0, 0 },
		{ "1", -1, 0, 0 }, { "1-", -1, 0, 0 }, { "-1", -1, 0, 0 },
		{ "1--2", -1, 0, 0 }, { "1-2-3", -1, 0, 0 }, { " 1-2", -1, 0, 0 },
		{ "1-2 ", -1, 0, 0 }, { "1:2", -1, 0, 0 }, { "", -1, 0, 0 },
		{ "+1-2", -1, 0, 0 }, { "99999999999999999999-1", -1, 0, 0 },
	};
	struct config_sockaddr sa;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t lo = 77, hi = 77;
		int rc = config_parse_port_range(cases[i].s, &lo, &hi);

		if (rc != cases[i].rc || lo != (rc == 0 ? cases[i].lo : 77) ||
		    hi != (rc == 0 ? cases[i].hi : 77))
			fail_msg("\"%s\": rc %d %u-%u", cases[i].s, rc, lo, hi);
	}
	assert_int_equal(config_parse_ip("10.1.2.3", &sa), 0);
	assert_int_equal(port_of(&sa), 0);
	sa_set_port((struct sockaddr *)&sa.ss, 4369);
	assert_int_equal(port_of(&sa), 4369);
	assert_int_equal(config_parse_ip("::2", &sa), 0);
	sa_set_port((struct sockaddr *)&sa.ss, 65535);
	assert_int_equal(port_of(&sa), 65535);
	memset(&sa, 0, sizeof(sa));
	assert_int_equal(port_of(&sa), 0);
	assert_string_equal(config_peer_kind_name(PEER_KIND_GATEWAY),
	    "gateway");
	assert_string_equal(config_peer_kind_name(PEER_KIND_NATIVE), "native");
	assert_string_equal(config_peer_kind_name(PEER_KIND_PLAIN), "plain");
	assert_string_equal(config_peer_kind_name(3), "?");
	assert_string_equal(config_peer_kind_name(-1), "?");
}

static void
test_patterns(void **state)
{
	char s[600], **v;
	size_t n;

	(void)state;
	assert_int_equal(config_valid_alive("a-B_9"), 1);
	assert_int_equal(config_valid_alive(""), 0);
	assert_int_equal(config_valid_alive("a.b"), 0);
	assert_int_equal(config_valid_alive("a@b"), 0);
	assert_int_equal(config_valid_alive("a*"), 0);
	assert_int_equal(config_valid_pattern("*", 0), 1);
	assert_int_equal(config_valid_pattern("a?b*-_9", 0), 1);
	assert_int_equal(config_valid_pattern("", 0), 0);
	assert_int_equal(config_valid_pattern("a.b", 0), 0);
	assert_int_equal(config_valid_pattern("a@b", 0), 0);
	assert_int_equal(config_valid_pattern("[a]", 0), 0);
	assert_int_equal(config_valid_pattern("*@*", 1), 1);
	assert_int_equal(config_valid_pattern("a.b@c.d", 1), 1);
	assert_int_equal(config_valid_pattern("*", 1), 0);
	assert_int_equal(config_valid_pattern("a@", 1), 0);
	assert_int_equal(config_valid_pattern("@a", 1), 0);
	assert_int_equal(config_valid_pattern("a@b@c", 1), 0);
	assert_int_equal(config_valid_pattern("a@b c", 1), 0);
	/* Lengths: 255 before '@', 253 after. */
	memset(s, 'a', 255);
	s[255] = '\0';
	assert_int_equal(config_valid_alive(s), 1);
	assert_int_equal(config_valid_pattern(s, 0), 1);
	s[255] = '@';
	memset(s + 256, 'h', 253);
	s[509] = '\0';
	assert_int_equal(config_valid_pattern(s, 1), 1);
	strcpy(s + 509, "h");
	assert_int_equal(config_valid_pattern(s, 1), 0);
	memset(s, 'a', 256);
	s[256] = '\0';
	assert_int_equal(config_valid_alive(s), 0);
	assert_int_equal(config_valid_pattern(s, 0), 0);
	strcpy(s + 256, "@h");
	assert_int_equal(config_valid_pattern(s, 1), 0);

	assert_int_equal(config_parse_patterns(" a*, b?\t", 0, &v, &n, s,
	    sizeof(s)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "a*");
	assert_string_equal(v[1], "b?");
	config_free_list(v, n);
	v = NULL;
	assert_int_equal(config_parse_patterns("a b@c", 0, &v, &n, s,
	    sizeof(s)), -1);
	assert_null(v);
	assert_string_equal(s, "\"b@c\" holds '@': list local alive names,"
	    " the part before '@'");
	assert_int_equal(config_parse_hostnames("h1 H1", &v, &n, s,
	    sizeof(s)), -1);
	assert_string_equal(s, "\"H1\" listed twice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_patterns),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
