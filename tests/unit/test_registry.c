/*
 * test_registry.c — the local node registry: add/find/remove, duplicates,
 * capacity, epmd's creation rules with a fixed clock, the remembered-name
 * limit and the NAMES order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "proxy/wire/registry.h"

#define T0	((time_t)1700000000)

static enum registry_add_result
add6(struct registry *reg, const char *name, uint16_t port, time_t now,
    const struct reg_node **out)
{
	return registry_add(reg, name, port, 77, 0, 6, 5, 0, NULL, now, out);
}

static enum registry_add_result
add5(struct registry *reg, const char *name, time_t now,
    const struct reg_node **out)
{
	return registry_add(reg, name, 1, 77, 0, 5, 5, 0, NULL, now, out);
}

static void
test_add_find_remove(void **state)
{
	struct registry *reg = registry_new(8);
	const struct reg_node *n = NULL;
	char name[16] = "foo";
	int owner;

	(void)state;
	assert_non_null(reg);
	assert_int_equal(registry_count(reg), 0);
	assert_null(registry_find(reg, "foo"));
	assert_int_equal(registry_add(reg, name, 5555, 72, 1, 6, 5, 0, &owner, T0,
	    &n), REGISTRY_OK);
	assert_non_null(n);
	/* The name is copied. */
	strcpy(name, "zzz");
	assert_string_equal(n->name, "foo");
	assert_int_equal(n->port, 5555);
	assert_int_equal(n->node_type, 72);
	assert_int_equal(n->protocol, 1);
	assert_int_equal(n->high, 6);
	assert_int_equal(n->low, 5);
	assert_ptr_equal(n->owner, &owner);
	assert_int_equal(n->creation, (uint32_t)T0);
	assert_ptr_equal(registry_find(reg, "foo"), n);
	assert_null(registry_find(reg, "fo"));
	assert_null(registry_find(reg, "foo2"));
	assert_int_equal(registry_count(reg), 1);
	/* UTF-8 names are plain bytes here. */
	assert_int_equal(add6(reg, "\xc3\xb1odo", 1, T0, NULL), REGISTRY_OK);
	assert_int_equal(registry_find(reg, "\xc3\xb1odo")->port, 1);
	assert_int_equal(registry_count(reg), 2);

	registry_remove(reg, "foo");
	assert_null(registry_find(reg, "foo"));
	assert_int_equal(registry_count(reg), 1);
	registry_remove(reg, "foo");		/* twice: no-op */
	registry_remove(reg, "nobody");		/* unknown: no-op */
	assert_int_equal(registry_count(reg), 1);
	assert_non_null(registry_find(reg, "\xc3\xb1odo"));
	registry_free(reg);
	registry_free(NULL);
}

static void
test_duplicate(void **state)
{
	struct registry *reg = registry_new(4);
	const struct reg_node *n = NULL, *m = NULL;
	int a, b;

	(void)state;
	assert_int_equal(registry_add(reg, "a", 10, 77, 0, 6, 5, 0, &a, T0, &n),
	    REGISTRY_OK);
	assert_int_equal(registry_add(reg, "a", 20, 72, 1, 5, 5, 0, &b, T0 + 9,
	    &m), REGISTRY_DUPLICATE);
	assert_null(m);
	assert_int_equal(registry_count(reg), 1);
	n = registry_find(reg, "a");
	assert_int_equal(n->port, 10);
	assert_int_equal(n->node_type, 77);
	assert_int_equal(n->high, 6);
	assert_ptr_equal(n->owner, &a);
	assert_int_equal(n->creation, (uint32_t)T0);
	/* The refused attempt did not bump the counter either. */
	registry_remove(reg, "a");
	assert_int_equal(add6(reg, "a", 10, T0 + 50, &n), REGISTRY_OK);
	assert_int_equal(n->creation, (uint32_t)T0 + 1);
	registry_free(reg);
}

static void
test_full(void **state)
{
	struct registry *reg = registry_new(2);
	const struct reg_node *n = NULL;

	(void)state;
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_OK);
	assert_int_equal(add6(reg, "b", 2, T0, NULL), REGISTRY_OK);
	assert_int_equal(add6(reg, "c", 3, T0, &n), REGISTRY_FULL);
	assert_null(n);
	assert_null(registry_find(reg, "c"));
	/* A duplicate is reported as such even when full. */
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_DUPLICATE);
	assert_int_equal(registry_count(reg), 2);
	registry_remove(reg, "a");
	assert_int_equal(add6(reg, "c", 3, T0, &n), REGISTRY_OK);
	assert_int_equal(n->port, 3);
	/* A full registry does not re-register a remembered name either. */
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_FULL);
	registry_free(reg);

	reg = registry_new(0);
	assert_non_null(reg);
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_FULL);
	registry_free(reg);
}

static void
test_creation(void **state)
{
	struct registry *reg = registry_new(4);
	const struct reg_node *n = NULL;

	(void)state;
	/* Fresh: the clock.  Re-register: +1 whatever the clock says. */
	assert_int_equal(add6(reg, "a", 1, T0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1700000000u);
	registry_remove(reg, "a");
	assert_int_equal(add6(reg, "a", 1, T0 + 1000, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1700000001u);
	registry_remove(reg, "a");
	assert_int_equal(add6(reg, "a", 1, 5, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1700000002u);

	/* v5: counter % 3 + 1, from the same counter. */
	assert_int_equal(add5(reg, "b", T0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1700000000u % 3 + 1);	/* 3 */
	assert_int_equal(n->creation, 3);
	registry_remove(reg, "b");
	assert_int_equal(add5(reg, "b", T0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1);	/* 1700000001 % 3 + 1 */
	registry_remove(reg, "b");
	assert_int_equal(add5(reg, "b", T0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 2);
	registry_remove(reg, "b");
	/* The same name coming back as v6 gets the 32-bit counter. */
	assert_int_equal(add6(reg, "b", 1, T0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 1700000003u);
	registry_remove(reg, "b");
	for (int i = 0; i < 10; i++) {
		assert_int_equal(add5(reg, "b", T0, &n), REGISTRY_OK);
		assert_in_range(n->creation, 1, 3);
		registry_remove(reg, "b");
	}

	/* A clock below 4 (or negative) starts at 4. */
	assert_int_equal(add6(reg, "c0", 1, 0, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 4);
	assert_int_equal(add6(reg, "c3", 1, 3, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 4);
	assert_int_equal(add6(reg, "cn", 1, -5, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 4);
	registry_remove(reg, "cn");
	assert_int_equal(add6(reg, "cn", 1, -5, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 5);
	assert_int_equal(registry_count(reg), 4);
	registry_free(reg);

	reg = registry_new(4);
	/* 4 itself is fine; v5 of counter 4 is 4 % 3 + 1 = 2. */
	assert_int_equal(add6(reg, "d", 1, 4, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 4);
	assert_int_equal(add5(reg, "e", 4, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 2);
	/* Wrapping the 32-bit counter skips 0..3. */
	if (sizeof(time_t) > 4) {
		assert_int_equal(add6(reg, "w", 1, (time_t)UINT32_MAX, &n),
		    REGISTRY_OK);
		assert_int_equal(n->creation, UINT32_MAX);
		registry_remove(reg, "w");
		assert_int_equal(add6(reg, "w", 1, T0, &n), REGISTRY_OK);
		assert_int_equal(n->creation, 4);
		registry_remove(reg, "w");
		assert_int_equal(add6(reg, "w", 1, T0, &n), REGISTRY_OK);
		assert_int_equal(n->creation, 5);
	}
	registry_free(reg);
}

static void
test_remember_limit(void **state)
{
	struct registry *reg = registry_new(1);
	const struct reg_node *n = NULL;
	char name[16];

	(void)state;
	/* Exactly REGISTRY_REMEMBER names are remembered. */
	for (int i = 0; i < REGISTRY_REMEMBER; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(add6(reg, name, 1, 10000 + i, NULL),
		    REGISTRY_OK);
		registry_remove(reg, name);
	}
	assert_int_equal(add6(reg, "n0", 1, 99999, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 10001);
	registry_remove(reg, "n0");
	registry_free(reg);

	/* One more, and the oldest is forgotten. */
	reg = registry_new(1);
	for (int i = 0; i <= REGISTRY_REMEMBER; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(add6(reg, name, 1, 10000 + i, NULL),
		    REGISTRY_OK);
		registry_remove(reg, name);
	}
	/* n1 is still known: its remembered counter + 1. */
	assert_int_equal(add6(reg, "n1", 1, 99999, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 10002);
	registry_remove(reg, "n1");
	/* n0 was evicted: fresh, from the clock. */
	assert_int_equal(add6(reg, "n0", 1, 99999, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 99999);
	registry_remove(reg, "n0");
	/* That pushed out n2, the oldest now. */
	assert_int_equal(add6(reg, "n2", 1, 77777, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 77777);
	registry_remove(reg, "n2");
	/* n1 was re-registered and removed late: still remembered. */
	assert_int_equal(add6(reg, "n1", 1, 99999, &n), REGISTRY_OK);
	assert_int_equal(n->creation, 10003);
	registry_free(reg);
}

struct collect {
	char names[16][8];
	size_t n, stop_after;
};

static int
collect_fn(const struct reg_node *node, void *arg)
{
	struct collect *c = arg;

	snprintf(c->names[c->n], sizeof(c->names[0]), "%s", node->name);
	c->n++;
	return c->stop_after != 0 && c->n >= c->stop_after;
}

static void
expect_order(const struct registry *reg, const char *want)
{
	struct collect c;
	char got[128] = "";

	memset(&c, 0, sizeof(c));
	registry_foreach(reg, collect_fn, &c);
	for (size_t i = 0; i < c.n; i++) {
		strcat(got, c.names[i]);
		strcat(got, " ");
	}
	assert_string_equal(got, want);
}

static int
remove_fn(const struct reg_node *node, void *arg)
{
	registry_remove(arg, node->name);
	return 0;
}

static void
test_foreach_order(void **state)
{
	struct registry *reg = registry_new(8);
	struct collect c;

	(void)state;
	expect_order(reg, "");
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_OK);
	assert_int_equal(add6(reg, "b", 2, T0, NULL), REGISTRY_OK);
	assert_int_equal(add6(reg, "c", 3, T0, NULL), REGISTRY_OK);
	expect_order(reg, "c b a ");
	registry_remove(reg, "b");
	expect_order(reg, "c a ");
	assert_int_equal(add6(reg, "b", 2, T0, NULL), REGISTRY_OK);
	expect_order(reg, "b c a ");
	registry_remove(reg, "a");
	expect_order(reg, "b c ");
	registry_remove(reg, "b");
	registry_remove(reg, "c");
	expect_order(reg, "");
	assert_int_equal(add6(reg, "d", 4, T0, NULL), REGISTRY_OK);
	assert_int_equal(add6(reg, "a", 1, T0, NULL), REGISTRY_OK);
	expect_order(reg, "a d ");

	/* FN stops the walk by returning non-zero. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	registry_foreach(reg, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "a");

	/* FN may unregister the node it is called with. */
	registry_foreach(reg, remove_fn, reg);
	assert_int_equal(registry_count(reg), 0);
	expect_order(reg, "");
	registry_free(reg);
}

static void
test_many(void **state)
{
	struct registry *reg = registry_new(600);
	char name[16];

	(void)state;
	/* Enough names to share hash buckets; every one stays findable. */
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "node%d", i);
		assert_int_equal(add6(reg, name, (uint16_t)i, T0, NULL),
		    REGISTRY_OK);
	}
	for (int i = 0; i < 600; i += 2) {
		snprintf(name, sizeof(name), "node%d", i);
		registry_remove(reg, name);
	}
	assert_int_equal(registry_count(reg), 300);
	for (int i = 0; i < 600; i++) {
		const struct reg_node *n;
		snprintf(name, sizeof(name), "node%d", i);
		n = registry_find(reg, name);
		if (i % 2 == 0)
			assert_null(n);
		else {
			assert_non_null(n);
			assert_int_equal(n->port, i);
			assert_string_equal(n->name, name);
		}
	}
	registry_free(reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_creation),
		cmocka_unit_test(test_remember_limit),
		cmocka_unit_test(test_foreach_order),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
