/* test_cookie.c — cmocka tests for crypto/cookie.c. */
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

#include "crypto/cookie.h"

/* A cookie text that must never show up in an error message. */
#define DISTINCT	"Qz7-distinct-Cookie-Kx9"

/* Digests computed by OTP: erlang:md5(Cookie ++ integer_to_list(N)). */
struct vector {
	const char *cookie;
	uint32_t challenge;
	const char *hex;
};

static const struct vector vectors[] = {
	{ "secret", 324884179U, "1e2de9afb3d203caa5be8718e082b163" },
	{ "secret", 4225247449U, "9335f1c3c0ff83900edab63ee2eac2a5" },
	{ "monster", 0, "12b449de1b22903411908b8c56b73be3" },
	{ "a", 4294967295U, "d930a7a0dcafb727b9fa134f1114132d" },
	{ "x", 1, "6dbf9ac2da09ee1d3debf5a51873ec6d" },
	{ "abc", 2147483648U, "770d862ab3623a660114b9c5e3e8d4ac" },
	{ "~!@# $%", 12345, "5521195f9c4db8a3e20722fab32a72da" },
};

/* erlang:md5(lists:duplicate(255, $Z) ++ "4294967295") */
static const char z255_hex[] = "432f97eb5082660f0eb7f51ad0c4c094";

/* Temporary directory of one test, removed by the teardown. */
struct tmp {
	char dir[64];
	char paths[16][128];
	size_t npaths;
};

static void
unhex(const char *s, uint8_t out[16])
{
	assert_int_equal(strlen(s), 32);
	for (int i = 0; i < 16; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static int
setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_cookie.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown_tmp(void **state)
{
	struct tmp *t = *state;

	for (size_t i = 0; i < t->npaths; i++)
		(void)unlink(t->paths[i]);
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

/* Writes LEN bytes of DATA to a new file NAME with exactly MODE. */
static const char *
write_file(struct tmp *t, const char *name, const void *data, size_t len,
    mode_t mode)
{
	const char *path = tmp_path(t, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

/* The digest of C for CHALLENGE must be HEX. */
static void
assert_digest(const struct cookie *c, uint32_t challenge, const char *hex)
{
	uint8_t want[16], got[16];

	unhex(hex, want);
	assert_int_equal(cookie_digest(c, challenge, got), 0);
	assert_memory_equal(got, want, 16);
	assert_int_equal(cookie_check(c, challenge, want), 1);
}

/* Loads PATH, which must be refused with a message free of SECRET. */
static void
assert_refused(const char *path, const char *secret)
{
	char err[512];
	struct cookie *c;

	memset(err, 0, sizeof(err));
	c = cookie_load(path, err, sizeof(err));
	if (c != NULL) {
		cookie_free(c);
		fail_msg("cookie file %s was accepted", path);
	}
	assert_true(err[0] != '\0');
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (secret != NULL)
		assert_null(strstr(err, secret));
}

/* Loads PATH, which must give the cookie "secret". */
static void
assert_loads_secret(const char *path)
{
	char err[256] = "";
	struct cookie *c = cookie_load(path, err, sizeof(err));

	if (c == NULL)
		print_error("cookie file %s refused: %s\n", path, err);
	assert_non_null(c);
	assert_digest(c, vectors[0].challenge, vectors[0].hex);
	assert_digest(c, vectors[1].challenge, vectors[1].hex);
	cookie_free(c);
}

static void
test_otp_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *t = &vectors[i];
		struct cookie *c = cookie_new(t->cookie, strlen(t->cookie));

		assert_non_null(c);
		assert_digest(c, t->challenge, t->hex);
		cookie_free(c);
	}
}

static void
test_check_flipped_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *t = &vectors[i];
		struct cookie *c = cookie_new(t->cookie, strlen(t->cookie));
		uint8_t d[16];

		assert_non_null(c);
		unhex(t->hex, d);
		assert_int_equal(cookie_check(c, t->challenge, d), 1);
		for (int byte = 0; byte < 16; byte++) {
			for (int bit = 0; bit < 8; bit++) {
				d[byte] ^= (uint8_t)(1u << bit);
				assert_int_equal(cookie_check(c, t->challenge,
				    d), 0);
				d[byte] ^= (uint8_t)(1u << bit);
			}
		}
		/* the right digest for a neighbouring challenge is wrong */
		assert_int_equal(cookie_check(c, t->challenge + 1, d), 0);
		assert_int_equal(cookie_check(c, t->challenge, d), 1);
		cookie_free(c);
	}
}

static void
test_new_bounds(void **state)
{
	char text[300];
	struct cookie *c;

	(void)state;
	memset(text, 'Z', sizeof(text));
	assert_null(cookie_new(text, 0));
	assert_null(cookie_new(text, 256));
	assert_null(cookie_new(text, sizeof(text)));
	c = cookie_new(text, 255);
	assert_non_null(c);
	assert_digest(c, 4294967295U, z255_hex);
	cookie_free(c);
	/* only LEN bytes are the cookie */
	c = cookie_new("secretXYZ", 6);
	assert_non_null(c);
	assert_digest(c, vectors[0].challenge, vectors[0].hex);
	cookie_free(c);
	cookie_free(NULL);
}

#define SPACES_HEX "88f454d8214db91cc68797b2ba76f628"

static void
test_load_trailing_space(void **state)
{
	struct tmp *t = *state;

	assert_loads_secret(write_file(t, "plain", "secret", 6, 0600));
	assert_loads_secret(write_file(t, "lf", "secret\n", 7, 0600));
	assert_loads_secret(write_file(t, "crlf", "secret\r\n", 8, 0600));
	assert_loads_secret(write_file(t, "crlf2", "secret\r\n\n", 9, 0600));
	assert_loads_secret(write_file(t, "ro", "secret\n", 7, 0400));
	/* As in OTP, trailing spaces belong to the cookie (erlang:md5 of
	 * "secret   324884179"), and a tab is refused. */
	{
		char err[256] = "";
		struct cookie *c = cookie_load(write_file(t, "spaces",
		    "secret   \n", 10, 0600), err, sizeof(err));
		assert_non_null(c);
		assert_digest(c, 324884179, SPACES_HEX);
		cookie_free(c);
	}
	assert_refused(write_file(t, "mixed", "secret \t \r\n\n", 12, 0600),
	    NULL);
}

static void
test_load_modes(void **state)
{
	struct tmp *t = *state;
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0606, 0610,
	    0601, 0620, 0602, 0444 };
	char name[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "mode%o", (unsigned)bad[i]);
		assert_refused(write_file(t, name, DISTINCT "\n",
		    sizeof(DISTINCT), bad[i]), DISTINCT);
	}
	assert_loads_secret(write_file(t, "m600", "secret\n", 7, 0600));
	assert_loads_secret(write_file(t, "m400", "secret\n", 7, 0400));
}

static void
test_load_empty_and_control(void **state)
{
	struct tmp *t = *state;

	assert_refused(write_file(t, "empty", "", 0, 0600), NULL);
	assert_refused(write_file(t, "nl", "\n", 1, 0600), NULL);
	assert_refused(write_file(t, "ws", "  \t \r\n \n", 8, 0600), NULL);
	assert_refused(write_file(t, "soh", DISTINCT "\001x\n",
	    sizeof(DISTINCT) + 2, 0600), DISTINCT);
	assert_refused(write_file(t, "del", "x\177" DISTINCT,
	    sizeof(DISTINCT) + 1, 0600), DISTINCT);
	assert_refused(write_file(t, "nul", "x\0" DISTINCT "\n",
	    sizeof(DISTINCT) + 2, 0600), DISTINCT);
	/* a line break inside is not trailing white space */
	assert_refused(write_file(t, "twolines", DISTINCT "\nmore\n",
	    sizeof(DISTINCT) + 5, 0600), DISTINCT);
	assert_refused(write_file(t, "tab", "sec\tret", 7, 0600), NULL);
}

static void
test_load_length(void **state)
{
	struct tmp *t = *state;
	char text[600], err[256] = "";
	struct cookie *c;

	memset(text, 'Z', sizeof(text));
	text[255] = '\n';
	c = cookie_load(write_file(t, "z255", text, 256, 0600), err,
	    sizeof(err));
	assert_non_null(c);
	assert_digest(c, 4294967295U, z255_hex);
	cookie_free(c);

	memset(text, 'Z', sizeof(text));
	memcpy(text, DISTINCT, strlen(DISTINCT));
	assert_refused(write_file(t, "z256", text, 256, 0600), DISTINCT);
	text[256] = '\n';
	assert_refused(write_file(t, "z256lf", text, 257, 0600), DISTINCT);
	assert_refused(write_file(t, "z600", text, sizeof(text), 0600),
	    DISTINCT);
}

static void
test_load_text_after_255(void **state)
{
	struct tmp *t = *state;
	char text[600];

	/*
	 * 255 characters, a line break, then more text: OTP refuses this
	 * file ("Bad characters in cookie"), and it is not 1..255
	 * characters followed by white space.
	 */
	memset(text, 'Z', sizeof(text));
	memcpy(text, DISTINCT, strlen(DISTINCT));
	memcpy(text + 255, "\r\nmore", 6);
	assert_refused(write_file(t, "z255more", text, 261, 0600), DISTINCT);
	memcpy(text + 255, "  \n", 3);
	memcpy(text + 258, DISTINCT, strlen(DISTINCT));
	assert_refused(write_file(t, "z255tail", text,
	    258 + strlen(DISTINCT), 0600), DISTINCT);
}

static void
test_load_not_a_plain_file(void **state)
{
	struct tmp *t = *state;
	const char *target, *link;
	char err[8];

	target = write_file(t, "target", DISTINCT "\n", sizeof(DISTINCT),
	    0600);
	link = tmp_path(t, "link");
	assert_int_equal(symlink(target, link), 0);
	assert_refused(link, DISTINCT);
	/* the target itself is fine */
	memset(err, 0, sizeof(err));
	{
		struct cookie *c = cookie_load(target, err, sizeof(err));
		assert_non_null(c);
		cookie_free(c);
	}
	assert_refused(tmp_path(t, "missing"), NULL);
	assert_refused(t->dir, NULL);
	/* a tiny error buffer is cut, not overrun */
	memset(err, 'x', sizeof(err));
	assert_null(cookie_load(link, err, sizeof(err)));
	assert_non_null(memchr(err, '\0', sizeof(err)));
}

/* PATH is refused with "PATH: WANT". */
static void
assert_refused_with(const char *path, const char *want)
{
	char err[512], full[512];

	assert_refused(path, DISTINCT);
	assert_null(cookie_load(path, err, sizeof(err)));
	snprintf(full, sizeof(full), "%s: %s", path, want);
	assert_string_equal(err, full);
}

/* The reasons of crypto/secfile.c, checked on the descriptor the cookie
 * is read from: a link, the owner (as root: chown to uid 65534), the
 * mode, not a regular file. */
static void
test_load_secret_checks(void **state)
{
	struct tmp *t = *state;
	const char *target, *link, *p;

	target = write_file(t, "target", DISTINCT "\n", sizeof(DISTINCT),
	    0600);
	link = tmp_path(t, "link");
	assert_int_equal(symlink(target, link), 0);
	assert_refused_with(link, "is a symbolic link");
	assert_refused_with(write_file(t, "g", DISTINCT, sizeof(DISTINCT) - 1,
	    0640), "readable by group/other");
	assert_refused_with(write_file(t, "w", DISTINCT, sizeof(DISTINCT) - 1,
	    0602), "writable by group/other");
	assert_refused_with(t->dir, "not a regular file");
	if (geteuid() != 0) {
		/* (cmocka's skip() would count as a failure in run.sh) */
		print_message("the wrong-owner case needs root: not run\n");
		return;
	}
	p = write_file(t, "nobody", DISTINCT, sizeof(DISTINCT) - 1, 0400);
	assert_int_equal(chown(p, 65534, (gid_t)-1), 0);
	assert_refused_with(p, "owned by uid 65534 (must be root or the "
	    "running user)");
	assert_int_equal(chown(p, 0, 65534), 0);
	{
		char err[256];
		struct cookie *c = cookie_load(p, err, sizeof(err));

		assert_non_null(c);
		cookie_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otp_vectors),
		cmocka_unit_test(test_check_flipped_bits),
		cmocka_unit_test(test_new_bounds),
		cmocka_unit_test_setup_teardown(test_load_trailing_space,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_modes, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_empty_and_control,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_length, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_text_after_255,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_not_a_plain_file,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_secret_checks,
		    setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
