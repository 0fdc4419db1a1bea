/* test_notify.c — cmocka tests for proxy/notify.c against a datagram
 * socket of our own standing in for systemd's NOTIFY_SOCKET: the exact
 * READY, RELOADING, STOPPING and STATUS messages, STATUS sent only when
 * it changes and kept on one line, and nothing at all without
 * NOTIFY_SOCKET. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy/notify.h"

struct sock {
	char dir[64];
	char path[100];
	int fd;
};

static int
setup(void **state)
{
	struct sock *s = calloc(1, sizeof(*s));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (s == NULL)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/test_notify.XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/notify", s->dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1 ||
	    bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	if (setenv("NOTIFY_SOCKET", s->path, 1) == -1)
		return -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct sock *s = *state;

	(void)unsetenv("NOTIFY_SOCKET");
	(void)close(s->fd);
	(void)unlink(s->path);
	(void)rmdir(s->dir);
	free(s);
	return 0;
}

/* The next datagram, NUL-terminated, or "" when none is waiting. */
static const char *
next(struct sock *s)
{
	static char buf[1024];
	ssize_t n = recv(s->fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_states(void **state)
{
	struct sock *s = *state;
	const char *m;

	notify_ready();
	assert_string_equal(next(s), "READY=1");
	notify_stopping();
	assert_string_equal(next(s), "STOPPING=1");
	notify_reloading();
	m = next(s);
	assert_int_equal(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	assert_true(strtoull(m + 27, NULL, 10) > 0);
	assert_string_equal(next(s), "");
}

static void
test_status(void **state)
{
	struct sock *s = *state;
	char big[600];

	notify_status("%d peer(s)", 2);
	assert_string_equal(next(s), "STATUS=2 peer(s)");
	/* Unchanged: not sent again. */
	notify_status("%d peer(s)", 2);
	assert_string_equal(next(s), "");
	notify_status("two\nlines");
	assert_string_equal(next(s), "STATUS=two lines");
	/* Cut at 255 bytes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	notify_status("%s", big);
	assert_int_equal(strlen(next(s)), strlen("STATUS=") + 255);
}

static void
test_no_socket(void **state)
{
	struct sock *s = *state;

	(void)unsetenv("NOTIFY_SOCKET");
	notify_ready();
	notify_status("something new");
	notify_stopping();
	assert_string_equal(next(s), "");
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_states),
		TEST(test_status),
		TEST(test_no_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
