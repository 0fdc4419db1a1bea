/*
 * test_revoke.c — revoke_judge(): which open connections a reloaded peer
 * section no longer allows; certcheck_warn_due(): when an expiry warning
 * is due.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config/config.h"
#include "crypto/certcheck.h"
#include "proxy/wire/revoke.h"

static void
test_judge(void **state)
{
	char *nodes[] = { "*@hostB", "b2@hostC" };
	struct config_peer np = { .name = "hostB", .nodes = nodes,
	    .nnodes = 2 };
	struct revoke_conn rc = { .peer = "hostB", .remote = "b1@hostB" };
	char why[160];

	(void)state;
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)), RC_OK);
	assert_int_equal(revoke_judge(NULL, &rc, why, sizeof(why)),
	    RC_REVOKED);
	assert_non_null(strstr(why, "peer hostB removed"));
	rc.remote = "b1@hostC";
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)),
	    RC_REVOKED);
	assert_non_null(strstr(why, "b1@hostC no longer matches"));
	rc.remote = "";		/* not known yet: the handshake decides */
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)), RC_OK);
	rc.remote = "b1@hostB";
	rc.inbound = 1;
	rc.hidden = 1;
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)),
	    RC_REVOKED);
	assert_non_null(strstr(why, "hidden"));
	np.allow_hidden = 1;
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)), RC_OK);
	/* An outbound hidden connection is ours: not the peer's policy. */
	np.allow_hidden = 0;
	rc.inbound = 0;
	assert_int_equal(revoke_judge(&np, &rc, why, sizeof(why)), RC_OK);
}

static void
test_warn_due(void **state)
{
	time_t now = 1700000000;
	char left[48];

	(void)state;
	assert_int_equal(certcheck_warn_due(now, now + 40 * 86400, 30, left,
	    sizeof(left)), 0);
	assert_string_equal(left, "in 40 days");
	assert_int_equal(certcheck_warn_due(now, now + 29 * 86400, 30, left,
	    sizeof(left)), 1);
	assert_string_equal(left, "in 29 days");
	assert_int_equal(certcheck_warn_due(now, now + 3600, 1, left,
	    sizeof(left)), 1);
	assert_string_equal(left, "in 0 days");
	assert_int_equal(certcheck_warn_due(now, now - 86400, 30, left,
	    sizeof(left)), 1);
	assert_string_equal(left, "1 day ago");
	/* 0 days: never. */
	assert_int_equal(certcheck_warn_due(now, now - 86400, 0, left,
	    sizeof(left)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_warn_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
