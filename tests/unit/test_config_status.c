/*
 * test_config_status.c — the status endpoint's keys: status_listen as
 * ADDR:PORT (IPv4, IPv6) or unix:/PATH, off by default; a non-loopback
 * address refused unless status_allow_remote; bad values named with their
 * line.
 */
#include "config_fixture.h"

#include <sys/un.h>

static void
test_default_off(void **state)
{
	struct tmp *t = *state;

	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->status_listen.len, 0);
	assert_int_equal(t->cfg->status_allow_remote, 0);
}

static void
test_loopback(void **state)
{
	struct tmp *t = *state;
	char b[80];

	load_ok(t, GW "status_listen = 127.0.0.1:9471\n" TLS);
	assert_string_equal(ntop(&t->cfg->status_listen, b, sizeof(b)),
	    "127.0.0.1:9471");
	load_ok(t, GW "status_listen = [::1]:9471\n" TLS);
	assert_string_equal(ntop(&t->cfg->status_listen, b, sizeof(b)),
	    "[::1]:9471");
	load_ok(t, GW "status_listen =\n" TLS);
	assert_int_equal(t->cfg->status_listen.len, 0);
}

static void
test_unix(void **state)
{
	struct tmp *t = *state;
	char text[512], want[512];
	const struct sockaddr_un *un;

	snprintf(text, sizeof(text), GW "status_listen = unix:%s/s.sock\n" TLS,
	    t->dir);
	load_ok(t, text);
	un = (const struct sockaddr_un *)&t->cfg->status_listen.ss;
	assert_int_equal(un->sun_family, AF_UNIX);
	snprintf(want, sizeof(want), "%s/s.sock", t->dir);
	assert_string_equal(un->sun_path, want);
	load_err(t, GW "status_listen = unix:s.sock\n" TLS, ":3: status_listen:"
	    " unix socket path \"s.sock\" is not absolute");
	load_err_prefix(t, GW "status_listen = unix:/nonexistent-dg/s.sock\n"
	    TLS, ":3: status_listen: /nonexistent-dg/s.sock: directory");
	memset(text, 0, sizeof(text));
	snprintf(text, sizeof(text), GW "status_listen = unix:/%0120d\n" TLS,
	    0);
	load_err_prefix(t, text, ":3: status_listen: unix socket path is"
	    " longer than");
}

static void
test_remote(void **state)
{
	struct tmp *t = *state;

	load_err(t, GW "status_listen = 10.0.0.1:9471\nlisten = 10.0.0.1:4370\n"
	    TLS, ":3: status_listen: not a loopback address: the status"
	    " endpoint has no authentication; set status_allow_remote = yes"
	    " to serve it beyond this host");
	load_err_prefix(t, GW "status_listen = 0.0.0.0:9471\n" TLS,
	    ":3: status_listen: not a loopback address");
	load_ok(t, GW "status_listen = 10.0.0.1:9471\nstatus_allow_remote ="
	    " yes\n" TLS);
	assert_int_equal(t->cfg->status_allow_remote, 1);
}

static void
test_bad(void **state)
{
	struct tmp *t = *state;

	load_err_prefix(t, GW "status_listen = localhost:9471\n" TLS,
	    ":3: status_listen: \"localhost:9471\" is not ADDR:PORT");
	load_err_prefix(t, GW "status_listen = 127.0.0.1\n" TLS,
	    ":3: status_listen: \"127.0.0.1\" is not ADDR:PORT");
	load_err_prefix(t, GW "status_listen = 127.0.0.1:0\n" TLS,
	    ":3: status_listen:");
	load_err_prefix(t, GW "status_allow_remote = maybe\n" TLS,
	    ":3: status_allow_remote:");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_default_off),
		T(test_loopback),
		T(test_unix),
		T(test_remote),
		T(test_bad),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
