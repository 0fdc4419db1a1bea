/* test_ratelimit.c — cmocka tests for proxy/util/ratelimit.c: the
 * per-class window, summaries at the next event, by flush and forced, the
 * exact counters, the bounded table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/util/ratelimit.h"

#define BURST	3
#define WINDOW	1000U		/* ms */
/* Every test starts at this fixed time, far from 0. */
#define T0	1700000000000ULL

static int
setup(void **state)
{
	struct ratelimit *rl = malloc(sizeof(*rl));

	if (rl == NULL)
		return -1;
	rl_init(rl, BURST, WINDOW);
	*state = rl;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* One event of KEY at NOW: returns whether it passed; *SUM the summary. */
static int
ev(struct ratelimit *rl, const char *key, uint64_t now, uint64_t *sum)
{
	uint64_t s;
	const struct rl_class *c = NULL;
	int r = rl_event(rl, key, 7, now, sum != NULL ? sum : &s, &c);

	assert_non_null(c);
	assert_int_equal(c->tag, 7);
	if (sum == NULL)
		assert_int_equal(s, 0);
	return r;
}

/* The class KEY (it must exist). */
static const struct rl_class *
cls(const struct ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->n; i++)
		if (strcmp(rl->cls[i].key, key) == 0)
			return &rl->cls[i];
	fail_msg("no class %s", key);
	return NULL;
}

/* Collects what rl_flush() reports. */
struct seen {
	size_t calls;
	uint64_t sum;
	char last[RL_KEY_MAX];
};

static void
collect(const struct rl_class *c, uint64_t n, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->sum += n;
	snprintf(s->last, sizeof(s->last), "%s", c->key);
}

static void
test_burst_then_suppressed(void **state)
{
	struct ratelimit *rl = *state;
	const struct rl_class *c;

	for (int i = 0; i < BURST; i++)
		assert_int_equal(ev(rl, "a", T0 + (uint64_t)i, NULL), 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ev(rl, "a", T0 + 10 + (uint64_t)i, NULL), 0);
	c = cls(rl, "a");
	assert_int_equal(c->total, BURST + 5);
	assert_int_equal(c->passed, BURST);
	assert_int_equal(c->suppressed, 5);
	assert_int_equal(c->pending, 5);
}

/* The next event after the window reports the summary, then passes. */
static void
test_summary_at_next_event(void **state)
{
	struct ratelimit *rl = *state;
	uint64_t sum;

	for (int i = 0; i < BURST + 4; i++)
		(void)ev(rl, "a", T0, &sum);
	/* still inside the window: suppressed, no summary yet */
	assert_int_equal(ev(rl, "a", T0 + WINDOW - 1, &sum), 0);
	assert_int_equal(sum, 0);
	/* the window is over: the 5 suppressed are reported once */
	assert_int_equal(ev(rl, "a", T0 + WINDOW, &sum), 1);
	assert_int_equal(sum, 5);
	assert_int_equal(ev(rl, "a", T0 + WINDOW + 1, &sum), 1);
	assert_int_equal(sum, 0);
	assert_int_equal(cls(rl, "a")->pending, 0);
	assert_int_equal(cls(rl, "a")->suppressed, 5);
	/* a window without suppression reports nothing */
	assert_int_equal(ev(rl, "a", T0 + 5 * WINDOW, &sum), 1);
	assert_int_equal(sum, 0);
}

/* Classes are independent. */
static void
test_classes_independent(void **state)
{
	struct ratelimit *rl = *state;

	for (int i = 0; i < BURST + 2; i++)
		(void)ev(rl, "epmd refused bad_request", T0, NULL);
	assert_int_equal(ev(rl, "epmd refused bad_request", T0, NULL),
	    0);
	for (int i = 0; i < BURST; i++)
		assert_int_equal(ev(rl, "audit refused tls_failed", T0,
		    NULL), 1);
	assert_int_equal(rl->n, 2);
	assert_int_equal(cls(rl, "epmd refused bad_request")->pending, 3);
	assert_int_equal(cls(rl, "audit refused tls_failed")->pending,
	    0);
}

/* rl_flush: only classes whose window ended, unless FORCE; each
 * suppressed event is reported exactly once. */
static void
test_flush(void **state)
{
	struct ratelimit *rl = *state;
	struct seen s = { 0 };
	uint64_t sum;

	for (int i = 0; i < BURST + 4; i++)
		(void)ev(rl, "a", T0, &sum);
	for (int i = 0; i < BURST + 2; i++)
		(void)ev(rl, "b", T0 + 500, &sum);
	for (int i = 0; i < BURST; i++)
		(void)ev(rl, "c", T0, &sum);
	assert_int_equal(rl_flush(rl, T0 + 999, 0, collect, &s), 0);
	assert_int_equal(rl_flush(rl, T0 + WINDOW, 0, collect, &s), 1);
	assert_int_equal(s.sum, 4);
	assert_string_equal(s.last, "a");
	assert_int_equal(rl_flush(rl, T0 + WINDOW, 0, collect, &s), 0);
	/* a's next event has nothing left to report */
	assert_int_equal(ev(rl, "a", T0 + WINDOW + 1, &sum), 1);
	assert_int_equal(sum, 0);
	/* at exit: b's window is not over, but FORCE reports it */
	assert_int_equal(rl_flush(rl, T0 + WINDOW + 1, 1, collect, &s), 1);
	assert_int_equal(s.sum, 6);
	assert_string_equal(s.last, "b");
	assert_int_equal(rl_flush(rl, T0 + WINDOW + 1, 1, collect, &s), 0);
	assert_int_equal(s.calls, 2);
	/* b's counters stay exact after the summary */
	assert_int_equal(cls(rl, "b")->total, BURST + 2);
	assert_int_equal(cls(rl, "b")->suppressed, 2);
	assert_int_equal(cls(rl, "b")->pending, 0);
	/* b went on in the same window: suppressed again, reported later */
	assert_int_equal(ev(rl, "b", T0 + 600, &sum), 0);
	assert_int_equal(sum, 0);
	assert_int_equal(ev(rl, "b", T0 + 1500, &sum), 1);
	assert_int_equal(sum, 1);
}

/*
 * A long simulated attack: events at random times; at most BURST passed
 * per window, every event passed or reported exactly once (after a final
 * forced flush), at most one summary per window.
 */
static void
test_conservation(void **state)
{
	struct ratelimit *rl = *state;
	struct seen s = { 0 };
	uint64_t now = T0, sum, reported = 0, passed = 0, summaries = 0;
	const uint64_t n = 20000;

	srand(42);
	for (uint64_t i = 0; i < n; i++) {
		now += (uint64_t)(rand() % 7);
		passed += (uint64_t)ev(rl, "x", now, &sum);
		reported += sum;
		summaries += sum > 0;
		if (i % 97 == 0) {
			size_t before = s.calls;
			(void)rl_flush(rl, now, 0, collect, &s);
			summaries += s.calls - before;
		}
	}
	(void)rl_flush(rl, now, 1, collect, &s);
	summaries++;
	reported += s.sum;
	assert_int_equal(passed + reported, n);
	assert_int_equal(cls(rl, "x")->total, n);
	assert_int_equal(cls(rl, "x")->passed, passed);
	assert_int_equal(cls(rl, "x")->suppressed, reported);
	/* windows are at least WINDOW apart */
	{
		uint64_t windows = (now - T0) / WINDOW + 1;
		assert_true(passed <= BURST * windows);
		assert_true(summaries <= windows + 1);
	}
}

/* Keys are cut and cleaned; the table is bounded, the last slot shared. */
static void
test_keys_and_bound(void **state)
{
	struct ratelimit *rl = *state;
	char key[RL_KEY_MAX * 2], want[RL_KEY_MAX];
	uint64_t sum;

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	(void)ev(rl, key, T0, NULL);
	memset(want, 'k', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	assert_string_equal(rl->cls[0].key, want);
	(void)ev(rl, "say \"hi\"", T0, NULL);
	assert_string_equal(rl->cls[1].key, "say 'hi'");
	/* the same class again under its cleaned key */
	(void)ev(rl, "say \"hi\"", T0, NULL);
	assert_int_equal(rl->n, 2);
	assert_int_equal(rl->cls[1].total, 2);

	for (unsigned i = 0; i < 2 * RL_CLASSES; i++) {
		snprintf(key, sizeof(key), "class %u", i);
		(void)ev(rl, key, T0, &sum);
	}
	assert_int_equal(rl->n, RL_CLASSES);
	assert_string_equal(rl->cls[RL_CLASSES - 1].key, RL_OTHER);
	/* 2 + 2 * RL_CLASSES events went into RL_CLASSES classes */
	{
		uint64_t total = 0;
		for (size_t i = 0; i < rl->n; i++)
			total += rl->cls[i].total;
		assert_int_equal(total, 3 + 2 * RL_CLASSES);
	}
	assert_true(rl->cls[RL_CLASSES - 1].total > RL_CLASSES);
}

static void
foreach_count(const struct rl_class *c, void *arg)
{
	(void)c;
	(*(size_t *)arg)++;
}

static void
test_foreach_and_init(void **state)
{
	struct ratelimit *rl = *state;
	size_t n = 0;

	(void)ev(rl, "a", T0, NULL);
	(void)ev(rl, "b", T0, NULL);
	rl_foreach(rl, foreach_count, &n);
	assert_int_equal(n, 2);
	/* burst and window 0 mean 1 */
	rl_init(rl, 0, 0);
	assert_int_equal(rl->n, 0);
	assert_int_equal(ev(rl, "a", T0, NULL), 1);
	assert_int_equal(ev(rl, "a", T0, NULL), 0);
	{
		uint64_t sum;
		assert_int_equal(ev(rl, "a", T0 + 1, &sum), 1);
		assert_int_equal(sum, 1);
	}
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_burst_then_suppressed),
		TEST(test_summary_at_next_event),
		TEST(test_classes_independent),
		TEST(test_flush),
		TEST(test_conservation),
		TEST(test_keys_and_bound),
		TEST(test_foreach_and_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
