/* test_priv.c — cmocka tests for proxy/priv.c: what priv_plan() decides
 * for every combination of user, group, run_as_root and the ids the
 * process runs with (root without user is refused, naming both ways
 * out), and the drop itself in a child process: ids, groups,
 * capabilities, no_new_privs, and that root cannot come back.  The drop
 * needs root; without it that case is not run.  Uses the accounts every
 * Debian system has: root, nobody (65534) and its group nogroup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "proxy/priv.h"

#define NOBODY	65534

/* Plans for a config with USER, GROUP and RUN_AS_ROOT, run with EUID and
 * EGID; returns priv_plan()'s result, the reason in ERR. */
static int
plan_for(const char *user, const char *group, int run_as_root, uid_t euid,
    gid_t egid, struct priv_plan *plan, char *err, size_t errlen)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.user = (char *)(uintptr_t)user;
	cfg.group = (char *)(uintptr_t)group;
	cfg.run_as_root = run_as_root;
	err[0] = '\0';
	return priv_plan(&cfg, euid, egid, plan, err, errlen);
}

/* Asserts that the plan is refused with a reason containing each of the
 * NULL-terminated strings. */
static void
refused(const char *user, const char *group, int run_as_root, uid_t euid,
    gid_t egid, ...)
{
	struct priv_plan plan;
	char err[512];
	const char *want;
	va_list ap;

	assert_int_equal(plan_for(user, group, run_as_root, euid, egid, &plan,
	    err, sizeof(err)), -1);
	va_start(ap, egid);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(err, want) == NULL)
			fail_msg("reason \"%s\" lacks \"%s\"", err, want);
	}
	va_end(ap);
}

static void
test_root_needs_a_choice(void **state)
{
	struct priv_plan plan;
	char err[512];

	(void)state;
	/* Root without user: refused, and told both ways out. */
	refused(NULL, NULL, 0, 0, 0, "refusing to run as root",
	    "user = NAME", "run_as_root = yes", (char *)NULL);
	/* run_as_root = yes: stays root, nothing to drop. */
	assert_int_equal(plan_for(NULL, NULL, 1, 0, 0, &plan, err,
	    sizeof(err)), 0);
	assert_int_equal(plan.drop, 0);
	assert_int_equal(plan.as_root, 1);
	/* Not root and no user: runs as it is. */
	assert_int_equal(plan_for(NULL, NULL, 0, 1000, 1000, &plan, err,
	    sizeof(err)), 0);
	assert_int_equal(plan.drop, 0);
	assert_int_equal(plan.as_root, 0);
	/* run_as_root is only a permission: harmless when not root. */
	assert_int_equal(plan_for(NULL, NULL, 1, 1000, 1000, &plan, err,
	    sizeof(err)), 0);
	assert_int_equal(plan.as_root, 0);
}

static void
test_user_from_root(void **state)
{
	struct priv_plan plan;
	char err[512];

	(void)state;
	assert_int_equal(plan_for("nobody", NULL, 0, 0, 0, &plan, err,
	    sizeof(err)), 0);
	assert_int_equal(plan.drop, 1);
	assert_int_equal(plan.uid, NOBODY);
	assert_int_equal(plan.gid, NOBODY);	/* primary group: nogroup */
	assert_string_equal(plan.user, "nobody");
	assert_string_equal(plan.group, "nogroup");
	/* group = overrides the primary group. */
	assert_int_equal(plan_for("nobody", "daemon", 0, 0, 0, &plan, err,
	    sizeof(err)), 0);
	assert_int_equal(plan.gid, getgrnam("daemon")->gr_gid);
	assert_string_equal(plan.group, "daemon");
}

static void
test_user_already(void **state)
{
	struct priv_plan plan;
	char err[512];

	(void)state;
	/* Started as the user (systemd's User=): nothing to do. */
	assert_int_equal(plan_for("nobody", NULL, 0, NOBODY, NOBODY, &plan,
	    err, sizeof(err)), 0);
	assert_int_equal(plan.drop, 0);
	/* As that user but another group. */
	refused("nobody", NULL, 0, NOBODY, 1000, "runs with gid 1000",
	    "gid 65534", (char *)NULL);
	/* As someone else, not root. */
	refused("nobody", NULL, 0, 1000, 1000, "user = nobody (uid 65534)",
	    "runs as uid 1000", "start it as root", (char *)NULL);
}

static void
test_bad_settings(void **state)
{
	(void)state;
	refused("no-such-user-dg", NULL, 0, 0, 0,
	    "user = no-such-user-dg: no such user", (char *)NULL);
	refused("root", NULL, 0, 0, 0, "user = root: that is root",
	    (char *)NULL);
	refused("nobody", "no-such-group-dg", 0, 0, 0,
	    "group = no-such-group-dg: no such group", (char *)NULL);
	refused("nobody", "root", 0, 0, 0, "gid 0", (char *)NULL);
	refused(NULL, "nogroup", 0, 0, 0, "group = nogroup needs user",
	    (char *)NULL);
	refused("nobody", NULL, 1, 0, 0, "user = nobody and run_as_root = yes",
	    (char *)NULL);
}

/* In the child: the drop, then what the kernel says.  Exits 0 when all
 * holds, else the number of the first check that failed. */
static void
child_drop(void)
{
	struct priv_plan plan;
	char err[512], line[256];
	gid_t groups[4];
	FILE *f;
	int caps = 0;

	if (plan_for("nobody", NULL, 0, geteuid(), getegid(), &plan, err,
	    sizeof(err)) == -1 || !plan.drop)
		_exit(10);
	if (priv_drop(&plan, err, sizeof(err)) == -1) {
		fprintf(stderr, "priv_drop: %s\n", err);
		_exit(11);
	}
	if (getuid() != NOBODY || geteuid() != NOBODY ||
	    getgid() != NOBODY || getegid() != NOBODY)
		_exit(12);
	if (getgroups(4, groups) != 1 || groups[0] != NOBODY)
		_exit(13);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
		_exit(14);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		_exit(15);
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		_exit(16);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strcmp(line, "CapPrm:\t0000000000000000\n") == 0 ||
		    strcmp(line, "CapEff:\t0000000000000000\n") == 0 ||
		    strcmp(line, "CapAmb:\t0000000000000000\n") == 0)
			caps++;
	(void)fclose(f);
	_exit(caps == 3 ? 0 : 17);
}

static void
test_drop(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		/* (cmocka's skip() would count as a failure in run.sh) */
		print_message("the drop needs root: not run\n");
		return;
	}
	if ((pid = fork()) == 0)
		child_drop();
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Without a drop, priv_drop() still sets no_new_privs. */
static void
test_no_drop_no_new_privs(void **state)
{
	struct priv_plan plan;
	char err[512];
	int status;
	pid_t pid;

	(void)state;
	memset(&plan, 0, sizeof(plan));
	if ((pid = fork()) == 0)
		_exit(priv_drop(&plan, err, sizeof(err)) == 0 &&
		    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_needs_a_choice),
		cmocka_unit_test(test_user_from_root),
		cmocka_unit_test(test_user_already),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_no_drop_no_new_privs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
