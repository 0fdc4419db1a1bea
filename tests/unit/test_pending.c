/* test_pending.c — cmocka tests for proxy/wire/pending.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/wire/pending.h"

#define T0	1700000000000ULL

static int
teardown(void **state)
{
	pending_free(*state);
	*state = NULL;
	return 0;
}

static struct pending *
table(void **state, unsigned total, unsigned per_source)
{
	pending_free(*state);
	*state = pending_new(total, per_source);
	assert_non_null(*state);
	return *state;
}

static enum pending_verdict
take(struct pending *p, const char *src, uint64_t now, char *victim)
{
	return pending_take(p, src, now, victim, PENDING_SRC_MAX);
}

static void
test_per_source(void **state)
{
	struct pending *p = table(state, 100, 3);
	char v[PENDING_SRC_MAX];

	assert_null(pending_new(0, 1));
	assert_null(pending_new(1, 0));
	for (int i = 0; i < 3; i++)
		assert_int_equal(take(p, "10.0.0.3", T0, v), PENDING_OK);
	assert_int_equal(take(p, "10.0.0.3", T0, v), PENDING_SOURCE_FULL);
	assert_int_equal(pending_count(p, "10.0.0.3"), 3);
	/* another source is not affected */
	assert_int_equal(take(p, "10.0.0.30", T0, v), PENDING_OK);
	assert_int_equal(pending_total(p), 4);
	/* a slot given back can be taken again */
	pending_give(p, "10.0.0.3");
	assert_int_equal(take(p, "10.0.0.3", T0, v), PENDING_OK);
	assert_int_equal(take(p, "10.0.0.3", T0, v), PENDING_SOURCE_FULL);
	/* giving back what was never taken changes nothing */
	pending_give(p, "10.9.9.9");
	assert_int_equal(pending_total(p), 4);
	pending_free(NULL);
}

static void
test_total_and_evict(void **state)
{
	struct pending *p = table(state, 6, 4);
	char v[PENDING_SRC_MAX];

	/* A holds 4 (since T0), B holds 2 (since T0 + 1): full */
	for (int i = 0; i < 4; i++)
		assert_int_equal(take(p, "A", T0, v), PENDING_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(take(p, "B", T0 + 1, v), PENDING_OK);
	/* C holds none: a slot of A, who holds most, is to be freed */
	assert_int_equal(take(p, "C", T0 + 2, v), PENDING_EVICT);
	assert_string_equal(v, "A");
	assert_int_equal(pending_total(p), 6);
	pending_give(p, v);
	assert_int_equal(take(p, "C", T0 + 2, v), PENDING_OK);
	/* A 3, B 2, C 1: B asks, A has more than B: evict A again */
	assert_int_equal(take(p, "B", T0 + 3, v), PENDING_EVICT);
	assert_string_equal(v, "A");
	pending_give(p, v);
	assert_int_equal(take(p, "B", T0 + 3, v), PENDING_OK);
	/* A 2, B 3, C 1: A asks; B holds more: evict B */
	assert_int_equal(take(p, "A", T0 + 4, v), PENDING_EVICT);
	assert_string_equal(v, "B");
	pending_give(p, v);
	assert_int_equal(take(p, "A", T0 + 4, v), PENDING_OK);
	/* A 3, B 2, C 1: A asks again; nobody holds more than A */
	assert_int_equal(take(p, "A", T0 + 5, v), PENDING_FULL);
	assert_int_equal(pending_count(p, "A"), 3);
	assert_int_equal(pending_count(p, "B"), 2);
	assert_int_equal(pending_count(p, "C"), 1);
}

/* Of sources holding equally many, the one holding slots longest goes
 * first; a source that left and came back is new again. */
static void
test_evict_oldest(void **state)
{
	struct pending *p = table(state, 3, 1);
	char v[PENDING_SRC_MAX];

	assert_int_equal(take(p, "x1", T0 + 10, v), PENDING_OK);
	assert_int_equal(take(p, "x2", T0 + 5, v), PENDING_OK);
	assert_int_equal(take(p, "x3", T0 + 20, v), PENDING_OK);
	assert_int_equal(take(p, "peer", T0 + 30, v), PENDING_EVICT);
	assert_string_equal(v, "x2");
	pending_give(p, "x2");
	assert_int_equal(take(p, "peer", T0 + 30, v), PENDING_OK);
	assert_int_equal(take(p, "x2", T0 + 31, v), PENDING_EVICT);
	assert_string_equal(v, "x1");
	pending_give(p, "x1");
	assert_int_equal(take(p, "x2", T0 + 31, v), PENDING_OK);
	/* the newest holder of one slot, peer at T0 + 30, goes after x3 */
	assert_int_equal(take(p, "x4", T0 + 32, v), PENDING_EVICT);
	assert_string_equal(v, "x3");
}

/* Many sources, one slot each, in and out: the counts stay exact. */
/* A trusted source (a peer gateway opening many links at once) is bound
 * by the total only; others may still evict from it when all is full. */
static void
test_trusted(void **state)
{
	struct pending *p = table(state, 6, 2);
	char v[PENDING_SRC_MAX];

	assert_int_equal(take(p, "10.0.0.2", T0, v), PENDING_OK);
	assert_int_equal(take(p, "10.0.0.2", T0, v), PENDING_OK);
	assert_int_equal(take(p, "10.0.0.2", T0, v), PENDING_SOURCE_FULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pending_take_trusted(p, "10.0.0.2", T0, v,
		    sizeof(v)), PENDING_OK);
	assert_int_equal(pending_count(p, "10.0.0.2"), 6);
	/* all slots are its own: it is at its (total) limit... */
	assert_int_equal(pending_take_trusted(p, "10.0.0.2", T0, v,
	    sizeof(v)), PENDING_SOURCE_FULL);
	/* ...and a newcomer evicts from it */
	assert_int_equal(take(p, "10.0.0.9", T0, v), PENDING_EVICT);
	assert_string_equal(v, "10.0.0.2");
}

static void
test_churn(void **state)
{
	struct pending *p = table(state, 256, 16);
	char key[PENDING_SRC_MAX], v[PENDING_SRC_MAX];
	unsigned evicted = 0;

	for (unsigned i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "10.1.%u.%u", (i / 250) % 250,
		    i % 250);
		enum pending_verdict r = take(p, key, T0 + i, v);
		if (r == PENDING_EVICT) {
			evicted++;
			pending_give(p, v);
			r = take(p, key, T0 + i, v);
		}
		assert_int_equal(r, PENDING_OK);
		assert_true(pending_total(p) <= 256);
	}
	assert_int_equal(pending_total(p), 256);
	assert_int_equal(evicted, 5000 - 256);
	/* the latest 256 hold the slots */
	snprintf(key, sizeof(key), "10.1.%u.%u", (4999 / 250) % 250,
	    4999 % 250);
	assert_int_equal(pending_count(p, key), 1);
	snprintf(key, sizeof(key), "10.1.0.0");
	assert_int_equal(pending_count(p, key), 0);
}

#define TEST(f)	cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_per_source),
		TEST(test_total_and_evict),
		TEST(test_evict_oldest),
		TEST(test_trusted),
		TEST(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
