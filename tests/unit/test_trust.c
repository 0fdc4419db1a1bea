/* test_trust.c — cmocka tests for proxy/wire/trust.c: the guess budget
 * of each peer identity (sliding hour), known-good names and addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/util/log.h"
#include "proxy/wire/trust.h"

#define HOUR	3600000U
#define DAY	(24U * HOUR)
#define T0	1700000000000ULL
#define ID	"hostB.test"

static int
teardown(void **state)
{
	trust_free(*state);
	*state = NULL;
	return 0;
}

static struct trust *
table(void **state, unsigned guesses)
{
	trust_free(*state);
	*state = trust_new(guesses, HOUR, DAY);
	assert_non_null(*state);
	return *state;
}

/* N wrong cookies in an hour, whatever the names; then new names may not
 * try; the budget comes back as each guess gets older than an hour. */
static void
test_budget_any_names(void **state)
{
	struct trust *t = table(state, 10);
	char name[64];

	for (unsigned i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "x%u@hostB.test", i);
		assert_true(trust_may_guess(t, ID, name, T0 + i * 1000));
		assert_int_equal(trust_wrong(t, ID, name, T0 + i * 1000),
		    i == 9);
	}
	assert_int_equal(trust_guesses_left(t, ID, T0 + 10000), 0);
	assert_false(trust_may_guess(t, ID, "brand@hostB.test", T0 + 10000));
	assert_false(trust_may_guess(t, ID, "x0@hostB.test", T0 + 10000));
	/* another identity has its own budget */
	assert_true(trust_may_guess(t, "hostC.test", "x@hostC.test",
	    T0 + 10000));
	assert_int_equal(trust_guesses_left(t, "hostC.test", T0), 10);
	/* the first guess is still inside the hour exactly an hour later */
	assert_int_equal(trust_guesses_left(t, ID, T0 + HOUR), 0);
	assert_int_equal(trust_guesses_left(t, ID, T0 + HOUR + 1), 1);
	assert_true(trust_may_guess(t, ID, "brand@hostB.test", T0 + HOUR + 1));
	/* a wrong cookie past the budget uses nothing */
	assert_int_equal(trust_wrong(t, ID, "y@hostB.test", T0 + HOUR + 1), 1);
	assert_int_equal(trust_guesses_left(t, ID, T0 + HOUR + 1), 0);
	assert_int_equal(trust_wrong(t, ID, "z@hostB.test", T0 + HOUR + 2), 0);
	assert_int_equal(trust_guesses_left(t, ID, T0 + HOUR + 1000), 0);
	assert_int_equal(trust_guesses_left(t, ID, T0 + HOUR + 1001), 1);
	assert_int_equal(trust_guesses_left(t, ID, T0 + 2 * HOUR + 10), 10);
}

/* Over any hour, never more than N wrong cookies get through, however
 * they are spread. */
static void
test_budget_sliding(void **state)
{
	struct trust *t = table(state, 10);
	uint64_t through[4000];
	size_t n = 0;

	for (uint64_t ms = 0; ms < 5 * (uint64_t)HOUR; ms += 4500) {
		uint64_t now = T0 + ms;
		if (!trust_may_guess(t, ID, "new@hostB.test", now))
			continue;
		(void)trust_wrong(t, ID, "new@hostB.test", now);
		assert_true(n < 4000);
		through[n++] = now;
	}
	for (size_t i = 0; i + 10 < n; i++)
		assert_true(through[i + 10] - through[i] > HOUR);
	assert_true(n >= 50);	/* 10 an hour, over five hours */
}

/* A known-good name may try when the budget is spent; a wrong cookie
 * takes that from it at once; only proving the cookie gives it back. */
static void
test_known_good(void **state)
{
	struct trust *t = table(state, 3);
	uint64_t now = T0;

	trust_proved(t, ID, "b1@hostB.test", now);
	trust_proved(t, ID, "b2@hostB.test", now);
	assert_true(trust_name_good(t, ID, "b1@hostB.test", now));
	assert_false(trust_name_good(t, "hostC.test", "b1@hostB.test", now));
	for (int i = 0; i < 3; i++)
		(void)trust_wrong(t, ID, "evil@hostB.test", ++now);
	assert_false(trust_may_guess(t, ID, "evil@hostB.test", now));
	assert_true(trust_may_guess(t, ID, "b1@hostB.test", now));
	assert_true(trust_may_guess(t, ID, "b2@hostB.test", now));
	/* the attacker uses b2's name: one try, then b2 is like any name */
	assert_int_equal(trust_wrong(t, ID, "b2@hostB.test", ++now), 0);
	assert_false(trust_name_good(t, ID, "b2@hostB.test", now));
	assert_false(trust_may_guess(t, ID, "b2@hostB.test", now));
	assert_true(trust_may_guess(t, ID, "b1@hostB.test", now));
	/* the real b2 proves the cookie (once the budget is back) */
	now += HOUR;
	assert_true(trust_may_guess(t, ID, "b2@hostB.test", now));
	trust_proved(t, ID, "b2@hostB.test", now);
	assert_true(trust_name_good(t, ID, "b2@hostB.test", now));
	/* known good expires a day after the last proof */
	assert_true(trust_name_good(t, ID, "b1@hostB.test", T0 + DAY - 1));
	assert_false(trust_name_good(t, ID, "b1@hostB.test", T0 + DAY));
	assert_int_equal(trust_sweep(t, T0 + DAY), 1);
	assert_int_equal(trust_sweep(t, now + DAY), 0);
}

static void
test_no_budget(void **state)
{
	struct trust *t = table(state, 0);

	for (int i = 0; i < 1000; i++)
		assert_int_equal(trust_wrong(t, ID, "x@hostB.test", T0), 0);
	assert_true(trust_may_guess(t, ID, "x@hostB.test", T0));
	assert_int_equal(trust_guesses_left(t, ID, T0), UINT32_MAX);
}

static void
test_addresses(void **state)
{
	struct trust *t = table(state, 10);
	char ip[32];

	assert_false(trust_addr_good(t, "10.77.0.2", T0));
	trust_addr_proved(t, "10.77.0.2", T0);
	assert_true(trust_addr_good(t, "10.77.0.2", T0 + DAY - 1));
	assert_false(trust_addr_good(t, "10.77.0.2", T0 + DAY));
	assert_false(trust_addr_good(t, "10.77.0.20", T0));
	/* names and addresses do not mix */
	assert_false(trust_name_good(t, "a", "10.77.0.2", T0));
	/* bounded: the one to expire first is forgotten */
	for (unsigned i = 0; i < TRUST_MAX_GOOD + 10; i++) {
		snprintf(ip, sizeof(ip), "10.9.%u.%u", i / 256, i % 256);
		trust_addr_proved(t, ip, T0 + 1 + i);
	}
	assert_false(trust_addr_good(t, "10.77.0.2", T0 + 10));
	assert_true(trust_addr_good(t, "10.9.0.200", T0 + 10));
	assert_int_equal(trust_sweep(t, T0), TRUST_MAX_GOOD);
}

#define TEST(f)	cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_budget_any_names),
		TEST(test_budget_sliding),
		TEST(test_known_good),
		TEST(test_no_budget),
		TEST(test_addresses),
	};

	log_init(LOG_LVL_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
