/*
 * test_config_files.c — keys that name files: existence and mode of
 * cert, key, ca, crl, relative paths (against the file's directory),
 * cookie files (config_check_secret_file(), config_check_cookie_file())
 * and audit_file (config_check_audit_file()).
 */
#include "config_fixture.h"

static void
test_files(void **state)
{
	struct tmp *t = *state;
	char want[512];

	snprintf(want, sizeof(want), ":4: cert: %s/nope.pem: No such file or"
	    " directory", t->dir);
	load_err(t, GW "[tls]\ncert = nope.pem\n", want);
	put(t, "key.pem", "KEY\n", 0644);
	snprintf(want, sizeof(want), ":5: key: %s/key.pem: readable by"
	    " group/other", t->dir);
	load_err(t, GW TLS, want);
	put(t, "key.pem", "KEY\n", 0620);
	snprintf(want, sizeof(want), ":5: key: %s/key.pem: writable by"
	    " group/other", t->dir);
	load_err(t, GW TLS, want);
	put(t, "key.pem", "KEY\n", 0600);
	load_ok(t, GW TLS);
	put(t, "key.pem", "KEY\n", 0400);
	load_ok(t, GW TLS);
	put(t, "cookie", "C\n", 0640);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/cookie: readable by"
	    " group/other", t->dir);
	load_err(t, GW "cookie_file = cookie\n" TLS, want);
	load_ok(t, GW "cookie_file =\n" TLS);
	assert_null(t->cfg->cookie_file);
	snprintf(want, sizeof(want), ":6: ca: %s/.: not a regular file",
	    t->dir);
	load_err(t, GW "[tls]\ncert = cert.pem\nkey = key.pem\nca = .\n", want);
	load_err_prefix(t, GW TLS "crl = missing.crl\n", ":7: crl: ");
	load_err(t, GW "[tls]\ncert =\n", ":4: cert: empty value");

	assert_int_equal(config_check_secret_file(t->dir, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "not a regular file");
	snprintf(want, sizeof(want), "%s/none", t->dir);
	assert_int_equal(config_check_secret_file(want, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "No such file or directory");
	snprintf(want, sizeof(want), "%s/key.pem", t->dir);
	assert_int_equal(config_check_secret_file(want, NULL, 0), 0);
}

static void
test_relative_paths(void **state)
{
	struct tmp *t = *state;
	char sub[PATH_MAX], abs_ca[PATH_MAX];
	char text[PATH_MAX + 256];

	snprintf(sub, sizeof(sub), "%s/certs", t->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(t, "certs/c.pem", "C\n", 0644);
	put(t, "certs/k.pem", "K\n", 0600);
	snprintf(abs_ca, sizeof(abs_ca), "%s/ca.pem", t->dir);
	snprintf(text, sizeof(text), GW "[tls]\ncert = certs/c.pem\n"
	    "key = ./certs/../certs/k.pem\nca = %s\n", abs_ca);
	load_ok(t, text);
	assert_path(t, t->cfg->cert, "certs/c.pem");
	assert_path(t, t->cfg->key, "./certs/../certs/k.pem");
	assert_string_equal(t->cfg->ca, abs_ca);

	/* A relative config path resolves against the working directory
	   (teardown goes back to t->cwd). */
	assert_int_equal(chdir(t->dir), 0);
	config_free(t->cfg);
	t->cfg = NULL;
	assert_int_equal(config_load("./proxy.ini", &t->cfg, t->err,
	    sizeof(t->err)), 0);
	assert_path(t, t->cfg->cert, "certs/c.pem");
	assert_string_equal(t->cfg->path, "./proxy.ini");
	config_free(t->cfg);
	t->cfg = NULL;
	put(t, "certs/proxy.ini", GW "[tls]\ncert = c.pem\nkey = k.pem\n"
	    "ca = ../ca.pem\n", 0644);
	assert_int_equal(config_load("certs/proxy.ini", &t->cfg, t->err,
	    sizeof(t->err)), 0);
	assert_path(t, t->cfg->cert, "certs/c.pem");
	assert_path(t, t->cfg->ca, "certs/../ca.pem");
}

static void
test_cookie_files(void **state)
{
	struct tmp *t = *state;
	char want[512], path[PATH_MAX], big[1100];

	put(t, "empty", "", 0600);
	put(t, "blank", " \t\r\n\n", 0600);
	put(t, "open", "X\n", 0644);
	memset(big, ' ', 1000);
	strcpy(big + 1000, "\n\nx\n");
	put(t, "late", big, 0600);	/* 1000 spaces, then the cookie */
	put(t, "good", "monster\n", 0600);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/empty: cookie file"
	    " is empty", t->dir);
	load_err(t, GW "cookie_file = empty\n" TLS, want);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/blank: cookie file"
	    " is empty", t->dir);
	load_err(t, GW "cookie_file = blank\n" TLS, want);
	snprintf(want, sizeof(want), ":10: cookie_file: %s/blank: cookie file"
	    " is empty", t->dir);
	load_err(t, GW TLS PEER("b", "cookie_file = blank\n"), want);
	snprintf(want, sizeof(want), ":8: cookie_file: %s/empty: cookie file"
	    " is empty", t->dir);
	load_err(t, GW TLS "[node b1]\ncookie_file = empty\n", want);
	snprintf(want, sizeof(want), ":10: cookie_file: %s/open: readable by"
	    " group/other", t->dir);
	load_err(t, GW TLS PEER("b", "cookie_file = open\n"), want);
	snprintf(want, sizeof(want), ":8: cookie_file: %s/open: readable by"
	    " group/other", t->dir);
	load_err(t, GW TLS "[node b1]\ncookie_file = open\n", want);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/late: cookie must "
	    "hold 1..255 characters", t->dir);
	load_err(t, GW "cookie_file = late\n" TLS, want);
	load_ok(t, GW "cookie_file = good\n" TLS PEER("b", "cookie_file =\n"));
	assert_path(t, t->cfg->cookie_file, "good");
	assert_null(t->cfg->peers[0].cookie_file);

	snprintf(path, sizeof(path), "%s/empty", t->dir);
	assert_int_equal(config_check_cookie_file(path, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "cookie file is empty");
	snprintf(path, sizeof(path), "%s/open", t->dir);
	assert_int_equal(config_check_cookie_file(path, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "readable by group/other");
	snprintf(path, sizeof(path), "%s/none", t->dir);
	assert_int_equal(config_check_cookie_file(path, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "No such file or directory");
	snprintf(path, sizeof(path), "%s/late", t->dir);
	assert_int_equal(config_check_cookie_file(path, NULL, 0), -1);
	snprintf(path, sizeof(path), "%s/good", t->dir);
	assert_int_equal(config_check_cookie_file(path, NULL, 0), 0);
}

static void
test_audit_file(void **state)
{
	struct tmp *t = *state;
	char want[512], text[PATH_MAX + 128];

	load_ok(t, GW "audit_file =\n" TLS);
	assert_null(t->cfg->audit_file);
	snprintf(text, sizeof(text), GW "audit_file = %s/sub/a.log\n" TLS,
	    t->dir);
	snprintf(want, sizeof(want), "%s/sub", t->dir);
	assert_int_equal(mkdir(want, 0700), 0);
	load_ok(t, text);
	assert_path(t, t->cfg->audit_file, "sub/a.log");
	put(t, "sub/b.log", "old\n", 0644);
	load_ok(t, GW "audit_file = sub/b.log\n" TLS);
	assert_path(t, t->cfg->audit_file, "sub/b.log");
	snprintf(want, sizeof(want), ":3: audit_file: %s/nodir/audit.log:"
	    " directory %s/nodir: No such file or directory", t->dir, t->dir);
	load_err(t, GW "audit_file = nodir/audit.log\n", want);
	snprintf(want, sizeof(want), ":3: audit_file: %s/cert.pem/a.log:"
	    " %s/cert.pem is not a directory", t->dir, t->dir);
	load_err(t, GW "audit_file = cert.pem/a.log\n", want);
	snprintf(want, sizeof(want), ":3: audit_file: %s/sub: is a directory",
	    t->dir);
	load_err(t, GW "audit_file = sub\n", want);
	snprintf(want, sizeof(want), ":3: audit_file: %s/sub/: not a file"
	    " name", t->dir);
	load_err(t, GW "audit_file = sub/\n", want);
	assert_int_equal(config_check_audit_file("/x.log", NULL, 0), 0);
	assert_int_equal(config_check_audit_file("/", want, sizeof(want)), -1);
	assert_string_equal(want, "not a file name");
}

/*
 * Secret files are checked as the gateway opens them (crypto/secfile.c):
 * a symbolic link is refused even when it points at a good file, a
 * cookie file owned by another user (as root: chown to uid 65534) is
 * refused, root's files are fine.
 */
static void
test_secret_checks(void **state)
{
	struct tmp *t = *state;
	char want[512], path[PATH_MAX], target[PATH_MAX];

	put(t, "real.key", "KEY\n", 0600);
	snprintf(target, sizeof(target), "%s/real.key", t->dir);
	snprintf(path, sizeof(path), "%s/key.pem", t->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	snprintf(want, sizeof(want), ":5: key: %s/key.pem: is a symbolic link",
	    t->dir);
	load_err(t, GW TLS, want);
	assert_int_equal(config_check_secret_file(path, want, sizeof(want)),
	    -1);
	assert_string_equal(want, "is a symbolic link");
	assert_int_equal(unlink(path), 0);
	put(t, "key.pem", "KEY\n", 0600);

	snprintf(target, sizeof(target), "%s/cookie", t->dir);
	snprintf(path, sizeof(path), "%s/cookie-link", t->dir);
	put(t, "cookie", "monster\n", 0400);
	assert_int_equal(symlink(target, path), 0);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/cookie-link: is a "
	    "symbolic link", t->dir);
	load_err(t, GW "cookie_file = cookie-link\n" TLS, want);
	load_ok(t, GW "cookie_file = cookie\n" TLS);
	if (geteuid() != 0) {
		/* (cmocka's skip() would count as a failure in run.sh) */
		print_message("the wrong-owner case needs root: not run\n");
		return;
	}
	assert_int_equal(chown(target, 65534, (gid_t)-1), 0);
	snprintf(want, sizeof(want), ":3: cookie_file: %s/cookie: owned by "
	    "uid 65534 (must be root or the running user)", t->dir);
	load_err(t, GW "cookie_file = cookie\n" TLS, want);
	snprintf(want, sizeof(want), ":10: cookie_file: %s/cookie: owned by "
	    "uid 65534 (must be root or the running user)", t->dir);
	load_err(t, GW TLS PEER("b", "cookie_file = cookie\n"), want);
	snprintf(want, sizeof(want), ":8: cookie_file: %s/cookie: owned by "
	    "uid 65534 (must be root or the running user)", t->dir);
	load_err(t, GW TLS "[node b1]\ncookie_file = cookie\n", want);
	assert_int_equal(chown(target, 0, (gid_t)-1), 0);
	load_ok(t, GW "cookie_file = cookie\n" TLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_files),
		T(test_relative_paths),
		T(test_cookie_files),
		T(test_audit_file),
		T(test_secret_checks),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
