/* test_secfile.c — cmocka tests for crypto/secfile.c: every refusal of a
 * secret file (symbolic link, owner, group/other modes, not a regular
 * file, missing), what is accepted, and reading through the descriptor.
 * The wrong-owner cases chown to uid 65534 and need root; without root
 * they are not run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/secfile.h"

#define OTHER_UID	65534	/* nobody */

/* A temporary directory per test, removed by the teardown. */
struct tmp {
	char dir[64];
	char paths[16][128];
	size_t npaths;
};

static int
setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_secfile.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tmp *t = *state;

	/* Newest first: a directory after what is in it. */
	for (size_t i = t->npaths; i-- > 0;)
		if (unlink(t->paths[i]) == -1)
			(void)rmdir(t->paths[i]);
	(void)rmdir(t->dir);
	free(t);
	return 0;
}

/* Returns a new path NAME in the test's directory, removed at teardown. */
static const char *
tmp_path(struct tmp *t, const char *name)
{
	char buf[sizeof(t->paths[0])], *p;

	assert_true(t->npaths < sizeof(t->paths) / sizeof(t->paths[0]));
	assert_true((size_t)snprintf(buf, sizeof(buf), "%s/%s", t->dir,
	    name) < sizeof(buf));
	p = t->paths[t->npaths++];
	memcpy(p, buf, sizeof(buf));
	return p;
}

/* Writes TEXT to a new file NAME with exactly MODE. */
static const char *
put(struct tmp *t, const char *name, const char *text, mode_t mode)
{
	const char *path = tmp_path(t, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

/* PATH must be refused, by secfile_open, _check and _read alike, with
 * exactly WANT. */
static void
refused(const char *path, const char *want)
{
	char err[256];
	unsigned char *buf;
	size_t len = 99;

	memset(err, 'x', sizeof(err));
	assert_int_equal(secfile_open(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	memset(err, 'x', sizeof(err));
	assert_int_equal(secfile_check(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	memset(err, 'x', sizeof(err));
	buf = secfile_read(path, SECFILE_MAX, &len, err, sizeof(err));
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(err, want);
	/* no buffer for the reason: still refused */
	assert_int_equal(secfile_check(path, NULL, 0), -1);
}

/* PATH must be accepted and read as TEXT. */
static void
accepted(const char *path, const char *text)
{
	char err[256] = "";
	unsigned char *buf;
	size_t len;
	int fd;

	fd = secfile_open(path, err, sizeof(err));
	if (fd == -1)
		fail_msg("%s refused: %s", path, err);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(close(fd), 0);
	assert_int_equal(secfile_check(path, NULL, 0), 0);
	buf = secfile_read(path, SECFILE_MAX, &len, err, sizeof(err));
	assert_non_null(buf);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
	assert_int_equal(buf[len], '\0');
	secfile_free(buf, len);
}

static void
test_accepted(void **state)
{
	struct tmp *t = *state;

	accepted(put(t, "m600", "KEY\n", 0600), "KEY\n");
	accepted(put(t, "m400", "KEY\n", 0400), "KEY\n");
	accepted(put(t, "m700", "KEY\n", 0700), "KEY\n");
	/* empty; mode 0000 only root can open */
	if (geteuid() == 0)
		accepted(put(t, "m000", "", 0000), "");
	accepted(put(t, "empty", "", 0600), "");
	secfile_free(NULL, 0);
}

static void
test_symlink(void **state)
{
	struct tmp *t = *state;
	const char *target = put(t, "target", "KEY\n", 0600);
	const char *link = tmp_path(t, "link");
	const char *dangling = tmp_path(t, "dangling");
	const char *dir = tmp_path(t, "dir");
	const char *dirlink = tmp_path(t, "dirlink");
	char inside[256];

	assert_int_equal(symlink(target, link), 0);
	refused(link, "is a symbolic link");
	assert_int_equal(symlink("/nonexistent/x", dangling), 0);
	refused(dangling, "is a symbolic link");
	accepted(target, "KEY\n");
	/* only the last component: a linked directory on the way is
	 * followed */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(symlink(dir, dirlink), 0);
	put(t, "dir/k", "KEY\n", 0600);
	snprintf(inside, sizeof(inside), "%s/k", dirlink);
	accepted(inside, "KEY\n");
}

static void
test_wrong_owner(void **state)
{
	struct tmp *t = *state;
	const char *path = put(t, "nobody", "KEY\n", 0600);
	const char *link = tmp_path(t, "nobody-link");
	char want[128];

	if (geteuid() != 0) {
		/* (cmocka's skip() would count as a failure in run.sh) */
		print_message("the wrong-owner case needs root: not run\n");
		return;
	}
	assert_int_equal(chown(path, OTHER_UID, (gid_t)-1), 0);
	snprintf(want, sizeof(want), "owned by uid %d (must be root or the "
	    "running user)", OTHER_UID);
	refused(path, want);
	/* the owner is checked before the mode */
	assert_int_equal(chmod(path, 0644), 0);
	refused(path, want);
	/* a link to it is refused as a link, and the owner of the link
	 * itself does not matter */
	assert_int_equal(symlink(path, link), 0);
	refused(link, "is a symbolic link");
	/* group ownership does not matter */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chown(path, 0, OTHER_UID), 0);
	accepted(path, "KEY\n");
}

static void
test_modes(void **state)
{
	struct tmp *t = *state;
	static const struct {
		mode_t mode;
		const char *want;
	} bad[] = {
		{ 0640, "readable by group/other" },
		{ 0604, "readable by group/other" },
		{ 0644, "readable by group/other" },
		{ 0444, "readable by group/other" },
		{ 0660, "readable by group/other" },
		{ 0620, "writable by group/other" },
		{ 0602, "writable by group/other" },
		{ 0622, "writable by group/other" },
	};
	char name[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "mode%o", (unsigned)bad[i].mode);
		refused(put(t, name, "KEY\n", bad[i].mode), bad[i].want);
	}
	refused(put(t, "m610", "KEY\n", 0610), "executable by group/other");
	refused(put(t, "m601", "KEY\n", 0601), "executable by group/other");
	/* the owner's own bits do not matter */
	accepted(put(t, "m700x", "KEY\n", 0700), "KEY\n");
}

static void
test_not_regular(void **state)
{
	struct tmp *t = *state;
	const char *fifo = tmp_path(t, "fifo");
	const char *dir = tmp_path(t, "sub");

	assert_int_equal(mkdir(dir, 0700), 0);
	refused(dir, "not a regular file");
	/* a FIFO must not block the open */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	refused(fifo, "not a regular file");
	refused("/dev/null", "not a regular file");
	refused(tmp_path(t, "missing"), "No such file or directory");
}

static void
test_read_bound(void **state)
{
	struct tmp *t = *state;
	static char big[SECFILE_MAX + 2];
	unsigned char *buf;
	char err[128];
	size_t len;
	const char *p;

	memset(big, 'k', SECFILE_MAX);
	p = put(t, "max", big, 0600);
	buf = secfile_read(p, SECFILE_MAX, &len, err, sizeof(err));
	assert_non_null(buf);
	assert_int_equal(len, SECFILE_MAX);
	secfile_free(buf, len);
	big[SECFILE_MAX] = 'k';
	p = put(t, "over", big, 0600);
	assert_null(secfile_read(p, SECFILE_MAX, &len, err, sizeof(err)));
	snprintf(big, sizeof(big), "larger than %d bytes", SECFILE_MAX);
	assert_string_equal(err, big);
	/* a small bound */
	p = put(t, "five", "12345", 0600);
	assert_null(secfile_read(p, 4, &len, err, sizeof(err)));
	assert_string_equal(err, "larger than 4 bytes");
	buf = secfile_read(p, 5, &len, err, sizeof(err));
	assert_non_null(buf);
	assert_int_equal(len, 5);
	secfile_free(buf, len);
	/* a short error buffer is cut, not overrun */
	memset(err, 'x', sizeof(err));
	assert_null(secfile_read(p, 4, &len, err, 6));
	assert_string_equal(err, "large");
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_accepted),
		TEST(test_symlink),
		TEST(test_wrong_owner),
		TEST(test_modes),
		TEST(test_not_regular),
		TEST(test_read_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
