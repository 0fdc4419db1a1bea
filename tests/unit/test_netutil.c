/*
 * test_netutil.c — cmocka tests for proxy/netutil.c: the dead-peer socket
 * options, read back from real TCP sockets (no root, no network).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proxy/netutil.h"

struct opts {
	int keepalive, idle, intvl, cnt, user;
};

static int
get(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

/* Sets dead-peer detection for TIMEOUT_MS on a new socket and reads the
 * options back. */
static struct opts
apply(unsigned timeout_ms)
{
	struct opts o;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(net_dead_peer(fd, timeout_ms), 0);
	o.keepalive = get(fd, SOL_SOCKET, SO_KEEPALIVE);
	o.idle = get(fd, IPPROTO_TCP, TCP_KEEPIDLE);
	o.intvl = get(fd, IPPROTO_TCP, TCP_KEEPINTVL);
	o.cnt = get(fd, IPPROTO_TCP, TCP_KEEPCNT);
	o.user = get(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
	close(fd);
	return o;
}

/* The default, 20 s: first probe after 10 s, then every 2 s, five of
 * them: a silent peer is dropped at 20 s, as TCP_USER_TIMEOUT does. */
static void
test_default(void **state)
{
	struct opts o = apply(20000);

	(void)state;
	assert_int_equal(o.keepalive, 1);
	assert_int_equal(o.idle, 10);
	assert_int_equal(o.intvl, 2);
	assert_int_equal(o.cnt, 5);
	assert_int_equal(o.user, 20000);
}

/* 0 sets nothing: the kernel's defaults (keepalive off) stay. */
static void
test_off(void **state)
{
	struct opts o = apply(0);

	(void)state;
	assert_int_equal(o.keepalive, 0);
	assert_int_equal(o.user, 0);
}

/* The smallest value config allows, 2 s: timers of at least a second. */
static void
test_small(void **state)
{
	struct opts o = apply(2000);

	(void)state;
	assert_int_equal(o.keepalive, 1);
	assert_int_equal(o.idle, 1);
	assert_int_equal(o.intvl, 1);
	assert_int_equal(o.cnt, 1);
	assert_int_equal(o.user, 2000);
	o = apply(2999);
	assert_int_equal(o.idle, 1);
	assert_int_equal(o.intvl, 1);
	assert_int_equal(o.cnt, 1);
	assert_int_equal(o.user, 2999);
}

/* Idle plus count probes never fall short of the timeout, nor pass it by
 * more than one interval, over the whole range config allows. */
static void
test_cover(void **state)
{
	static const unsigned ms[] = { 2000, 3000, 7000, 9000, 15000, 20000,
	    33000, 60000, 90500, 600000 };

	(void)state;
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct opts o = apply(ms[i]);
		int t = (int)(ms[i] / 1000);
		int reach = o.idle + o.cnt * o.intvl;

		assert_int_equal(o.user, (int)ms[i]);
		assert_true(o.idle >= 1 && o.intvl >= 1 && o.cnt >= 1);
		assert_true(o.idle <= t / 2 + 1);
		assert_true(reach >= t);
		assert_true(reach < t + o.intvl + 1);
	}
}

/* A bad descriptor is reported, not ignored. */
static void
test_bad_fd(void **state)
{
	(void)state;
	assert_int_equal(net_dead_peer(-1, 20000), -1);
	assert_int_equal(net_dead_peer(-1, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
