/*
 * config_fixture.h — what the tests of config/ share: a mkdtemp()
 * directory per test with cert.pem, key.pem and ca.pem in it (setup,
 * teardown), loading a text written there as proxy.ini and checking the
 * exact "file:line: key: reason", address and default helpers, and
 * proxy.ini.example moved into that directory.  Included by
 * tests/unit/test_config_*.c only; every function is static inline so a
 * test file may leave any of them unused.  Run from the repository root.
 */
#ifndef DISTGATE_CONFIG_FIXTURE_H
#define DISTGATE_CONFIG_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"

/* Lines 1-2 and 3-6 of most test files. */
#define GW	"[gateway]\nhostnames = hostA hostA.test\n"
#define TLS	"[tls]\ncert = cert.pem\nkey = key.pem\nca = ca.pem\n"

struct tmp {
	char dir[64];
	char ini[96];		/* dir/proxy.ini */
	char err[512];
	char cwd[PATH_MAX];	/* restored by teardown */
	struct config *cfg;
};

#define PEER(n, extra)	"[peer " n "]\naddress = 10.0.0.9:4370\n" \
			"hostnames = " n "\n" extra

static inline void
put(const struct tmp *t, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static inline int
setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->dir, "/tmp/distgate-config.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	assert_non_null(getcwd(t->cwd, sizeof(t->cwd)));
	snprintf(t->ini, sizeof(t->ini), "%s/proxy.ini", t->dir);
	put(t, "cert.pem", "CERT\n", 0644);
	put(t, "key.pem", "KEY\n", 0600);
	put(t, "ca.pem", "CA\n", 0644);
	*state = t;
	return 0;
}

static inline int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int
teardown(void **state)
{
	struct tmp *t = *state;

	config_free(t->cfg);
	assert_int_equal(chdir(t->cwd), 0);
	assert_int_equal(nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(t);
	return 0;
}

/* Writes TEXT to dir/proxy.ini and loads it into t->cfg. */
static inline int
load(struct tmp *t, const char *text)
{
	config_free(t->cfg);
	t->cfg = NULL;
	put(t, "proxy.ini", text, 0644);
	return config_load(t->ini, &t->cfg, t->err, sizeof(t->err));
}

static inline void
load_ok(struct tmp *t, const char *text)
{
	if (load(t, text) != 0)
		fail_msg("load failed: %s", t->err);
	assert_non_null(t->cfg);
}

/* Asserts that TEXT fails with exactly dir/proxy.ini + WANT. */
static inline void
load_err(struct tmp *t, const char *text, const char *want)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", t->ini, want);
	assert_int_equal(load(t, text), -1);
	assert_null(t->cfg);
	if (strcmp(t->err, full) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"", t->err, full);
}

/* Asserts that TEXT fails with a message starting dir/proxy.ini + WANT. */
static inline void
load_err_prefix(struct tmp *t, const char *text, const char *want)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", t->ini, want);
	assert_int_equal(load(t, text), -1);
	assert_null(t->cfg);
	if (strncmp(t->err, full, strlen(full)) != 0)
		fail_msg("got  \"%s\"\nwant \"%s...\"", t->err, full);
}

static inline const char *
ntop(const struct config_sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&sa->ss;
		assert_int_equal(sa->len, sizeof(*s));
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)&sa->ss;
		assert_int_equal(sa->ss.ss_family, AF_INET6);
		assert_int_equal(sa->len, sizeof(*s));
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s->sin6_port));
	}
	return buf;
}

/* The port of SA in host order (sa_port() on a config address). */
static inline uint16_t
port_of(const struct config_sockaddr *sa)
{
	return sa_port((const struct sockaddr *)&sa->ss);
}

static inline const char *
alias(const struct config_peer *p, char *buf)
{
	return inet_ntop(AF_INET, &p->alias, buf, INET_ADDRSTRLEN);
}

static inline void
assert_path(const struct tmp *t, const char *got, const char *name)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s", t->dir, name);
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* Asserts every default that does not depend on the file's names. */
static inline void
assert_defaults(const struct config *c)
{
	char b[80];

	assert_int_equal(c->epmd_port, 4369);
	assert_int_equal(c->nepmd_listen, 2);
	assert_string_equal(ntop(&c->epmd_listen[0], b, sizeof(b)),
	    "127.0.0.1:4369");
	assert_string_equal(ntop(&c->epmd_listen[1], b, sizeof(b)),
	    "[::1]:4369");
	assert_string_equal(ntop(&c->listen, b, sizeof(b)), "0.0.0.0:4370");
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	assert_int_equal(c->syslog, 0);
	assert_null(c->cookie_file);
	assert_int_equal(c->strict_loopback, 0);
	assert_int_equal(c->alias_network.s_addr, inet_addr("127.0.1.0"));
	assert_int_equal(c->alias_prefix, 24);
	assert_int_equal(c->max_connections, 1024);
	assert_int_equal(c->max_local_connections, 1024);
	assert_int_equal(c->max_pending, 256);
	assert_int_equal(c->max_pending_per_source, 16);
	assert_int_equal(c->buffer_size, 65536);
	assert_int_equal(c->epmd_timeout_ms, 10000);
	assert_int_equal(c->tls_timeout_ms, 5000);
	assert_int_equal(c->connect_timeout_ms, 5000);
	assert_int_equal(c->handshake_timeout_ms, 10000);
	assert_int_equal(c->resolve_timeout_ms, 3000);
	assert_int_equal(c->idle_timeout_ms, 0);
	assert_int_equal(c->dead_peer_timeout_ms, 20000);
	assert_int_equal(c->link_ping_interval_ms, 10000);
	assert_int_equal(c->nexpose, 1);
	assert_string_equal(c->expose[0], "*");
	assert_int_equal(c->lockout_failures, 10);
	assert_int_equal(c->lockout_window_ms, 60000);
	assert_int_equal(c->lockout_ban_ms, 300000);
	assert_int_equal(c->lockout_guesses, 10);
	assert_int_equal(c->lockout_known_good_ms, 86400000);
	assert_null(c->audit_file);
	assert_int_equal(c->public_epmd.len, 0);
	assert_int_equal(c->public_names, 0);
	assert_int_equal(c->public_port_lo, 0);
	assert_int_equal(c->public_port_hi, 0);
	assert_int_equal(c->public_min_version, TLS1_2_VERSION);
	assert_null(c->state_file);
	assert_null(c->pid_file);
	assert_int_equal(c->cert_warn_days, 30);
	assert_null(c->crl);
	assert_int_equal(c->min_version, TLS1_3_VERSION);
	assert_int_equal(c->nnodes, 0);
	assert_null(c->nodes);
}

/* Reads a repository file (tests run from the root, or from tests/unit). */
static inline char *
slurp(const char *name)
{
	char path[PATH_MAX];
	FILE *f = NULL;
	char *buf;
	long n;

	for (int up = 0; up < 3 && f == NULL; up++) {
		snprintf(path, sizeof(path), "%s%s", up == 0 ? "" : up == 1 ?
		    "../" : "../../", name);
		f = fopen(path, "r");
	}
	if (f == NULL)
		fail_msg("cannot find %s from the working directory", name);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Returns a new copy of S with every FROM replaced by TO. */
static inline char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t cap = strlen(s) * 4 + 1024, len = 0;
	char *out = malloc(cap);
	const char *hit;

	assert_non_null(out);
	while ((hit = strstr(s, from)) != NULL) {
		size_t n = (size_t)(hit - s);
		assert_true(len + n + strlen(to) < cap);
		memcpy(out + len, s, n);
		len += n;
		memcpy(out + len, to, strlen(to));
		len += strlen(to);
		s = hit + strlen(from);
	}
	assert_true(len + strlen(s) < cap);
	strcpy(out + len, s);
	return out;
}

/* proxy.ini.example with its absolute directories moved to T's (a new
   string). */
static inline char *
example_here(const struct tmp *t)
{
	static const char *const dirs[] = {
		"/etc/distgate/", "/var/log/distgate/", "/var/lib/distgate/",
		"/run/distgate/",
	};
	char *text = slurp("proxy.ini.example"), *next, prefix[80];

	snprintf(prefix, sizeof(prefix), "%s/", t->dir);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		next = replace_all(text, dirs[i], prefix);
		free(text);
		text = next;
	}
	return text;
}

/* Removes the "; " before every "; key = value" and "; [section]" line
   of TEXT. */
static inline void
uncomment_keys(char *text)
{
	char *line = text;

	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		size_t n = strspn(line + 2, "abcdefghijklmnopqrstuvwxyz_");

		if (strncmp(line, "; ", 2) == 0 && ((n > 0 &&
		    strncmp(line + 2 + n, " = ", 3) == 0) || line[2] == '[')) {
			line[0] = ' ';
			line[1] = ' ';
		}
		line = nl ? nl + 1 : NULL;
	}
}

#endif
