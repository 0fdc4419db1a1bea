/* test_lockout.c — cmocka tests for proxy/lockout.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/wire/lockout.h"
#include "proxy/util/log.h"

#define WINDOW	10000U		/* ms */
#define BAN	60000U

/* Every test starts at this fixed time, far from 0. */
#define T0	1700000000000ULL

/* STATE holds the test's table, freed by the teardown even on failure. */
static int
setup(void **state)
{
	static struct lockout *slot;

	slot = NULL;
	*state = &slot;
	return 0;
}

static int
teardown(void **state)
{
	struct lockout **slot = *state;

	lockout_free(*slot);
	*slot = NULL;
	return 0;
}

/* Replaces the test's table with a new one banning after FAILURES. */
static struct lockout *
new_table(void **state, unsigned failures)
{
	struct lockout **slot = *state;

	lockout_free(*slot);
	*slot = lockout_new(failures, WINDOW, BAN);
	assert_non_null(*slot);
	return *slot;
}

/* Makes a distinct key for index I. */
static void
key_of(char *buf, size_t cap, const char *kind, unsigned i)
{
	snprintf(buf, cap, "%s:10.%u.%u.%u", kind, (i >> 16) & 0xff,
	    (i >> 8) & 0xff, i & 0xff);
}

static void
test_below_threshold(void **state)
{
	struct lockout *lo = new_table(state, 3);

	assert_int_equal(lockout_banned(lo, "addr:10.0.0.3", T0), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.3", T0), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.3", T0), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.3", T0 + 5000), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.3", T0 + 5000), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.3", T0 + 9999), 0);
	assert_int_equal(lockout_bans(lo), 0);
	lockout_free(NULL);
}

static void
test_ban_and_expiry(void **state)
{
	struct lockout *lo = new_table(state, 3);
	const char *k = "addr:10.0.0.3";
	uint64_t start = T0 + 9999;

	assert_int_equal(lockout_failure(lo, k, T0), 0);
	assert_int_equal(lockout_failure(lo, k, T0 + 4000), 0);
	assert_int_equal(lockout_failure(lo, k, start), 1);
	assert_int_equal(lockout_bans(lo), 1);
	assert_int_equal(lockout_banned(lo, k, start), 1);
	assert_int_equal(lockout_banned(lo, k, start + 1), 1);
	/* failures during the ban neither start nor extend one */
	assert_int_equal(lockout_failure(lo, k, start + 100), 0);
	assert_int_equal(lockout_failure(lo, k, start + 200), 0);
	assert_int_equal(lockout_failure(lo, k, start + 300), 0);
	assert_int_equal(lockout_bans(lo), 1);
	assert_int_equal(lockout_banned(lo, k, start + BAN - 1), 1);
	assert_int_equal(lockout_banned(lo, k, start + BAN), 0);
	assert_int_equal(lockout_banned(lo, k, start + BAN + 1), 0);
	assert_int_equal(lockout_banned(lo, k, start + 10 * BAN), 0);
	/* after the ban the count starts again */
	assert_int_equal(lockout_failure(lo, k, start + BAN + 10), 0);
	assert_int_equal(lockout_failure(lo, k, start + BAN + 20), 0);
	assert_int_equal(lockout_banned(lo, k, start + BAN + 30), 0);
	assert_int_equal(lockout_failure(lo, k, start + BAN + 30), 1);
	assert_int_equal(lockout_banned(lo, k, start + BAN + 30), 1);
	assert_int_equal(lockout_bans(lo), 2);
}

static void
test_one_failure_bans(void **state)
{
	struct lockout *lo = new_table(state, 1);

	assert_int_equal(lockout_failure(lo, "id:hostC.test", T0), 1);
	assert_int_equal(lockout_banned(lo, "id:hostC.test", T0), 1);
	assert_int_equal(lockout_banned(lo, "id:hostC.test", T0 + BAN), 0);
}

static void
test_spread_out(void **state)
{
	struct lockout *lo = new_table(state, 3);
	uint64_t t = T0;

	for (int i = 0; i < 1000; i++, t += WINDOW + 1) {
		assert_int_equal(lockout_failure(lo, "addr:10.0.0.4", t), 0);
		assert_int_equal(lockout_banned(lo, "addr:10.0.0.4", t), 0);
	}
	/* two per window, each pair more than a window after the last */
	for (int i = 0; i < 1000; i++, t += 2 * WINDOW + 2) {
		assert_int_equal(lockout_failure(lo, "addr:10.0.0.5", t), 0);
		assert_int_equal(lockout_failure(lo, "addr:10.0.0.5", t + 1),
		    0);
		assert_int_equal(lockout_banned(lo, "addr:10.0.0.5", t + 1),
		    0);
	}
	assert_int_equal(lockout_bans(lo), 0);
}

static void
test_never(void **state)
{
	struct lockout *lo = new_table(state, 0);

	for (int i = 0; i < 10000; i++)
		assert_int_equal(lockout_failure(lo, "addr:10.0.0.6", T0), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.6", T0), 0);
	assert_int_equal(lockout_bans(lo), 0);
}

static void
test_keys_independent(void **state)
{
	struct lockout *lo = new_table(state, 3);

	assert_int_equal(lockout_failure(lo, "addr:10.0.0.1", T0), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.2", T0 + 1), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.1", T0 + 2), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.2", T0 + 3), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.1", T0 + 4), 1);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.1", T0 + 5), 1);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.2", T0 + 5), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.10", T0 + 5), 0);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.", T0 + 5), 0);
	assert_int_equal(lockout_banned(lo, "id:10.0.0.1", T0 + 5), 0);
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.2", T0 + 6), 1);
	assert_int_equal(lockout_banned(lo, "addr:10.0.0.2", T0 + 6), 1);
	assert_int_equal(lockout_bans(lo), 2);
}

static void
test_sweep(void **state)
{
	struct lockout *lo = new_table(state, 3);

	assert_int_equal(lockout_sweep(lo, T0), 0);
	/* A: one failure; B: banned at T0 + 2; C: one failure later */
	assert_int_equal(lockout_failure(lo, "A", T0), 0);
	assert_int_equal(lockout_failure(lo, "A", T0 + 1), 0);
	assert_int_equal(lockout_failure(lo, "B", T0), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + 1), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + 2), 1);
	assert_int_equal(lockout_failure(lo, "C", T0 + 8000), 0);
	assert_int_equal(lockout_sweep(lo, T0 + 8000), 3);
	assert_int_equal(lockout_sweep(lo, T0 + 1 + WINDOW), 3);
	/* A idle beyond the window is forgotten; banned B is kept */
	assert_int_equal(lockout_sweep(lo, T0 + 2 + WINDOW), 2);
	assert_int_equal(lockout_banned(lo, "B", T0 + 3 + WINDOW), 1);
	/* A starts from zero */
	assert_int_equal(lockout_failure(lo, "A", T0 + 3 + WINDOW), 0);
	assert_int_equal(lockout_sweep(lo, T0 + 3 + WINDOW), 3);
	assert_int_equal(lockout_sweep(lo, T0 + 8001 + WINDOW), 2);
	assert_int_equal(lockout_sweep(lo, T0 + 4 + 2 * WINDOW), 1);
	/* B: a failure during the ban keeps it recent */
	assert_int_equal(lockout_failure(lo, "B", T0 + BAN - 1000), 0);
	assert_int_equal(lockout_sweep(lo, T0 + BAN + 1), 1);
	assert_int_equal(lockout_banned(lo, "B", T0 + BAN + 1), 1);
	/* the sweep lifts the ban, then B is an idle key like any other */
	assert_int_equal(lockout_sweep(lo, T0 + BAN + 2), 1);
	assert_int_equal(lockout_banned(lo, "B", T0 + BAN + 2), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + BAN + 3), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + BAN + 4), 0);
	assert_int_equal(lockout_sweep(lo, T0 + BAN + 4 + WINDOW), 1);
	assert_int_equal(lockout_sweep(lo, T0 + BAN + 5 + WINDOW), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + BAN + 6 + WINDOW), 0);
	assert_int_equal(lockout_banned(lo, "B", T0 + BAN + 6 + WINDOW), 0);
	/* an expired ban of an idle key: lifted and forgotten at once */
	assert_int_equal(lockout_failure(lo, "D", T0 + 5 * BAN), 0);
	assert_int_equal(lockout_failure(lo, "D", T0 + 5 * BAN), 0);
	assert_int_equal(lockout_failure(lo, "D", T0 + 5 * BAN), 1);
	assert_int_equal(lockout_sweep(lo, T0 + 6 * BAN - 1), 1);
	assert_int_equal(lockout_sweep(lo, T0 + 6 * BAN), 0);
	assert_int_equal(lockout_banned(lo, "D", T0 + 6 * BAN), 0);
	assert_int_equal(lockout_bans(lo), 2);
}

static void
test_bounded(void **state)
{
	struct lockout *lo = new_table(state, 2);
	char key[64];
	uint64_t t = T0;
	unsigned i;

	/* ten banned keys, then three tables' worth of other keys */
	for (i = 0; i < 10; i++, t++) {
		key_of(key, sizeof(key), "ban", i);
		assert_int_equal(lockout_failure(lo, key, t), 0);
		assert_int_equal(lockout_failure(lo, key, t), 1);
	}
	for (i = 0; i < 3 * LOCKOUT_MAX_KEYS; i++, t++) {
		key_of(key, sizeof(key), "addr", i);
		assert_int_equal(lockout_failure(lo, key, t), 0);
	}
	assert_int_equal(lockout_sweep(lo, t), LOCKOUT_MAX_KEYS);
	for (i = 0; i < 10; i++) {
		key_of(key, sizeof(key), "ban", i);
		assert_int_equal(lockout_banned(lo, key, t), 1);
	}
	/* the latest key is still counted: its second failure bans */
	key_of(key, sizeof(key), "addr", 3 * LOCKOUT_MAX_KEYS - 1);
	assert_int_equal(lockout_failure(lo, key, t), 1);
	assert_int_equal(lockout_bans(lo), 11);
	assert_int_equal(lockout_sweep(lo, t), LOCKOUT_MAX_KEYS);
}

static void
test_bounded_all_banned(void **state)
{
	struct lockout *lo = new_table(state, 1);
	char key[64];
	uint64_t t = T0;
	unsigned i;

	for (i = 0; i < LOCKOUT_MAX_KEYS + 100; i++, t++) {
		key_of(key, sizeof(key), "addr", i);
		assert_int_equal(lockout_failure(lo, key, t), 1);
		assert_int_equal(lockout_banned(lo, key, t), 1);
	}
	assert_int_equal(lockout_bans(lo), LOCKOUT_MAX_KEYS + 100);
	assert_int_equal(lockout_sweep(lo, t), LOCKOUT_MAX_KEYS);
	/* the most recent bans are the ones kept */
	for (i = 100; i < LOCKOUT_MAX_KEYS + 100; i += 97) {
		key_of(key, sizeof(key), "addr", i);
		assert_int_equal(lockout_banned(lo, key, t), 1);
	}
	/* all of them end */
	assert_int_equal(lockout_sweep(lo, t + BAN), 0);
}

static void
test_long_keys(void **state)
{
	struct lockout *lo = new_table(state, 3);
	char key[400], key2[400];

	/* the longest key kept whole */
	memset(key, 'k', sizeof(key));
	key[LOCKOUT_KEY_MAX - 1] = '\0';
	assert_int_equal(lockout_failure(lo, key, T0), 0);
	assert_int_equal(lockout_failure(lo, key, T0), 0);
	assert_int_equal(lockout_failure(lo, key, T0), 1);
	assert_int_equal(lockout_banned(lo, key, T0), 1);
	assert_int_equal(lockout_sweep(lo, T0), 1);

	/* longer keys: bookkeeping still works on the key given */
	for (size_t len = LOCKOUT_KEY_MAX; len < sizeof(key); len += 135) {
		lo = new_table(state, 3);
		memset(key, 'L', sizeof(key));
		memcpy(key, "id:", 3);
		key[len] = '\0';
		assert_int_equal(lockout_failure(lo, key, T0), 0);
		assert_int_equal(lockout_failure(lo, key, T0 + 1), 0);
		assert_int_equal(lockout_failure(lo, key, T0 + 2), 1);
		assert_int_equal(lockout_banned(lo, key, T0 + 3), 1);
		assert_int_equal(lockout_bans(lo), 1);
		assert_int_equal(lockout_sweep(lo, T0 + 3), 1);
		/* a key that differs early is someone else */
		memcpy(key2, key, len + 1);
		key2[5] = 'M';
		assert_int_equal(lockout_banned(lo, key2, T0 + 3), 0);
	}
}

/* The window slides: a failure counts those of the last WINDOW ms, one
 * exactly WINDOW ms old included, one a millisecond older not. */
static void
test_sliding_boundary(void **state)
{
	struct lockout *lo = new_table(state, 3);

	/* exactly WINDOW apart: still inside */
	assert_int_equal(lockout_failure(lo, "A", T0), 0);
	assert_int_equal(lockout_failure(lo, "A", T0 + 5000), 0);
	assert_int_equal(lockout_failure(lo, "A", T0 + WINDOW), 1);
	assert_int_equal(lockout_banned(lo, "A", T0 + WINDOW), 1);
	/* one millisecond more: the first has left the window... */
	assert_int_equal(lockout_failure(lo, "B", T0), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + 5000), 0);
	assert_int_equal(lockout_failure(lo, "B", T0 + WINDOW + 1), 0);
	assert_int_equal(lockout_banned(lo, "B", T0 + WINDOW + 1), 0);
	/* ...but the other two are still in it: the next failure bans
	 * (a fixed window restarted at T0 + WINDOW + 1 would not) */
	assert_int_equal(lockout_failure(lo, "B", T0 + WINDOW + 2), 1);
	assert_int_equal(lockout_banned(lo, "B", T0 + WINDOW + 2), 1);
	/* C: at T0 + 2 WINDOW the first has left, the second is exactly
	 * WINDOW old and still counts with the next two */
	assert_int_equal(lockout_failure(lo, "C", T0), 0);
	assert_int_equal(lockout_failure(lo, "C", T0 + WINDOW), 0);
	assert_int_equal(lockout_failure(lo, "C", T0 + 2 * WINDOW), 0);
	assert_int_equal(lockout_failure(lo, "C", T0 + 2 * WINDOW), 1);
	/* D: one a millisecond further and it is two windows' worth */
	assert_int_equal(lockout_failure(lo, "D", T0), 0);
	assert_int_equal(lockout_failure(lo, "D", T0 + WINDOW), 0);
	assert_int_equal(lockout_failure(lo, "D", T0 + 2 * WINDOW + 1), 0);
	assert_int_equal(lockout_failure(lo, "D", T0 + 2 * WINDOW + 1), 0);
	assert_int_equal(lockout_banned(lo, "D", T0 + 2 * WINDOW + 1), 0);
	assert_int_equal(lockout_bans(lo), 3);
}

/* The sequence of the issue: WINDOW 10 s, 10 failures ban; 1 at 0 s, 8
 * at 7 s, 8 more at 11 s.  The 9th and 10th inside (1 s, 11 s] ban at
 * the second failure at 11 s; a window fixed at the first failure would
 * have restarted at 10 s and let all 8 through. */
static void
test_sliding_straddle(void **state)
{
	struct lockout *lo = new_table(state, 10);
	int i;

	assert_int_equal(lockout_failure(lo, "id:hostB", T0), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(lockout_failure(lo, "id:hostB",
		    T0 + 7000 + (uint64_t)i), 0);
	assert_int_equal(lockout_failure(lo, "id:hostB", T0 + 11000), 0);
	assert_int_equal(lockout_banned(lo, "id:hostB", T0 + 11000), 0);
	assert_int_equal(lockout_failure(lo, "id:hostB", T0 + 11001), 1);
	assert_int_equal(lockout_banned(lo, "id:hostB", T0 + 11001), 1);
	/* the rest of the burst is refused, not counted */
	for (i = 0; i < 6; i++)
		assert_int_equal(lockout_failure(lo, "id:hostB",
		    T0 + 11002 + (uint64_t)i), 0);
	assert_int_equal(lockout_bans(lo), 1);
	/* after the ban the count is empty: 9 more do not ban */
	for (i = 0; i < 9; i++)
		assert_int_equal(lockout_failure(lo, "id:hostB",
		    T0 + 11001 + BAN + (uint64_t)i), 0);
	assert_int_equal(lockout_banned(lo, "id:hostB", T0 + 11010 + BAN), 0);
	assert_int_equal(lockout_failure(lo, "id:hostB", T0 + 11010 + BAN), 1);
}

/* A steady trickle: never FAILURES in any window, never a ban, however
 * long it goes on; one failure more inside a window bans. */
static void
test_sliding_trickle(void **state)
{
	struct lockout *lo = new_table(state, 4);
	uint64_t t = T0, step = WINDOW / 3 + 1;	/* 3 per window at most */

	for (int i = 0; i < 3000; i++, t += step)
		assert_int_equal(lockout_failure(lo, "addr:10.0.0.7", t), 0);
	assert_int_equal(lockout_bans(lo), 0);
	t -= step;
	assert_int_equal(lockout_failure(lo, "addr:10.0.0.7", t + 1), 1);
}

/* The largest FAILURES keeps a time for each. */
static void
test_sliding_many(void **state)
{
	struct lockout *lo = new_table(state, LOCKOUT_MAX_FAILURES);
	unsigned i;

	for (i = 0; i + 1 < LOCKOUT_MAX_FAILURES; i++)
		assert_int_equal(lockout_failure(lo, "K", T0 + i * 10), 0);
	/* the first one leaves the window: still one short */
	assert_int_equal(lockout_failure(lo, "K", T0 + WINDOW + 1), 0);
	assert_int_equal(lockout_failure(lo, "K", T0 + WINDOW + 2), 1);
	/* a larger setting is taken as the largest */
	lo = new_table(state, LOCKOUT_MAX_FAILURES + 5);
	for (i = 0; i + 1 < LOCKOUT_MAX_FAILURES; i++)
		assert_int_equal(lockout_failure(lo, "K", T0), 0);
	assert_int_equal(lockout_failure(lo, "K", T0), 1);
}

/* For test_foreach_ban: the keys seen and the time left of each. */
struct seen {
	char keys[4][32];
	uint64_t left[4];
	size_t n;
};

static void
note_ban(const char *key, uint64_t ms_left, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4) {
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
		s->left[s->n++] = ms_left;
	}
}

/* Only keys banned now are listed, with the time their ban has left;
 * listing lifts nothing. */
static void
test_foreach_ban(void **state)
{
	struct lockout *lo = new_table(state, 2);
	struct seen s;

	assert_int_equal(lockout_foreach_ban(lo, T0, NULL, NULL), 0);
	(void)lockout_failure(lo, "addr:A", T0);	/* one: not banned */
	(void)lockout_failure(lo, "addr:B", T0);
	assert_int_equal(lockout_failure(lo, "addr:B", T0 + 10), 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lockout_foreach_ban(lo, T0 + 1010, note_ban, &s), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.keys[0], "addr:B");
	assert_int_equal(s.left[0], BAN - 1000);
	/* Past its end the ban is not listed, though not yet lifted. */
	assert_int_equal(lockout_foreach_ban(lo, T0 + 10 + BAN, NULL, NULL),
	    0);
	assert_int_equal(lockout_foreach_ban(lo, T0 + 9 + BAN, NULL, NULL), 1);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_below_threshold),
		TEST(test_ban_and_expiry),
		TEST(test_one_failure_bans),
		TEST(test_spread_out),
		TEST(test_never),
		TEST(test_keys_independent),
		TEST(test_sweep),
		TEST(test_bounded),
		TEST(test_bounded_all_banned),
		TEST(test_long_keys),
		TEST(test_sliding_boundary),
		TEST(test_sliding_straddle),
		TEST(test_sliding_trickle),
		TEST(test_sliding_many),
		TEST(test_foreach_ban),
	};

	/* bans are logged; keep the test output readable */
	log_init(LOG_LVL_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
