/* test_log.c — cmocka tests for proxy/util/log.c's rate limiting: what
 * reaches stderr for warnings and explicit classes, the summaries and the
 * counter dump at exit.  (The limiter itself: test_ratelimit.c.)  All of
 * it runs well inside one LOG_RL_WINDOW_MS window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy/util/log.h"
#include "proxy/util/ratelimit.h"

static FILE *capture;	/* stderr goes here during the tests */
static int saved_stderr = -1;

static int
group_setup(void **state)
{
	(void)state;
	fflush(stderr);
	if ((capture = tmpfile()) == NULL ||
	    (saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(capture), STDERR_FILENO) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fflush(stderr);
	if (saved_stderr != -1)
		(void)dup2(saved_stderr, STDERR_FILENO);
	if (capture != NULL)
		fclose(capture);
	return 0;
}

/* What stderr got since the last call (at most LEN - 1 bytes). */
static char *
take(char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	rewind(capture);
	n = fread(buf, 1, len - 1, capture);
	buf[n] = '\0';
	assert_int_equal(ftruncate(fileno(capture), 0), 0);
	rewind(capture);
	return buf;
}

/* Lines of TEXT containing NEEDLE. */
static int
count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_warnings_limited_per_format(void **state)
{
	static char out[1 << 16];

	(void)state;
	log_init(LOG_LVL_DEBUG, 0);
	for (int i = 0; i < LOG_RL_BURST + 5; i++)
		log_warnx("test=%d flood warning", i);
	for (int i = 0; i < 3; i++)
		log_warnx("test=%d other warning", i);
	for (int i = 0; i < LOG_RL_BURST + 5; i++)
		log_info("test=%d info line", i);
	take(out, sizeof(out));
	assert_int_equal(count(out, "flood warning"), LOG_RL_BURST);
	assert_int_equal(count(out, "other warning"), 3);
	assert_int_equal(count(out, "info line"), LOG_RL_BURST + 5);
	assert_int_equal(count(out, "similar suppressed"), 0);
	/* the window is not over: the timer writes nothing yet */
	log_rl_tick();
	take(out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_explicit_class_and_threshold(void **state)
{
	static char out[1 << 16];

	(void)state;
	log_init(LOG_LVL_INFO, 0);
	for (int i = 0; i < LOG_RL_BURST + 7; i++)
		log_limited(LOG_LVL_INFO, "test refused bad_request",
		    "test=%d refused", i);
	/* below the threshold: counted, not written */
	for (int i = 0; i < 4; i++)
		log_limited(LOG_LVL_DEBUG, "test quiet", "test=%d quiet", i);
	take(out, sizeof(out));
	assert_int_equal(count(out, " refused\n"), LOG_RL_BURST);
	assert_int_equal(count(out, "quiet"), 0);
}

static void
counters(const struct rl_class *c, void *arg)
{
	if (strcmp(c->key, "test quiet") == 0)
		*(uint64_t *)arg = c->total;
}

/* At exit: every pending summary, at its class's level, then (at debug)
 * one counter line per class. */
static void
test_flush_at_exit(void **state)
{
	static char out[1 << 16];
	char want[256];
	uint64_t quiet = 0;

	(void)state;
	log_rl_foreach(counters, &quiet);
	assert_int_equal(quiet, 4);
	log_init(LOG_LVL_DEBUG, 0);
	log_rl_flush();
	take(out, sizeof(out));
	snprintf(want, sizeof(want), "distgate warn: ratelimit class=\"test=%%d"
	    " flood warning\": 5 similar suppressed; total=%d passed=%d "
	    "suppressed=5\n", LOG_RL_BURST + 5, LOG_RL_BURST);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "distgate info: ratelimit class=\"test "
	    "refused bad_request\": 7 similar suppressed; total=%d "
	    "passed=%d suppressed=7\n", LOG_RL_BURST + 7, LOG_RL_BURST);
	assert_non_null(strstr(out, want));
	assert_int_equal(count(out, "similar suppressed"), 2);
	assert_non_null(strstr(out, "distgate debug: ratelimit class=\"test "
	    "quiet\" total=4 passed=4 suppressed=0\n"));
	assert_non_null(strstr(out, "distgate debug: ratelimit class=\"test=%d"
	    " other warning\" total=3 passed=3 suppressed=0\n"));
	/* nothing is reported twice */
	log_rl_flush();
	take(out, sizeof(out));
	assert_int_equal(count(out, "similar suppressed"), 0);
}

int
main(void)
{
	/* In order: each test builds on the classes the previous made. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warnings_limited_per_format),
		cmocka_unit_test(test_explicit_class_and_threshold),
		cmocka_unit_test(test_flush_at_exit),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
