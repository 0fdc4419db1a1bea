/*
 * test_config.c — config_load(): a good file with exact values and
 * defaults, libinih's options restored after a load, one failing file
 * per validation rule with its exact
 * "file:line: key: reason", relative paths, alias assignment, kinds of
 * peer, via and reach, [node] tls_port, the public EPMD keys, the value
 * parsers, proxy.ini.example (loads; its commented defaults are the real
 * ones; it and docs/configuration.md name every key), and fuzz loops over
 * generated and mutated files.  Files live in a mkdtemp() directory that
 * each test removes.  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <ini.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdbool.h>
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

static void
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

static int
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

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
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
static int
load(struct tmp *t, const char *text)
{
	config_free(t->cfg);
	t->cfg = NULL;
	put(t, "proxy.ini", text, 0644);
	return config_load(t->ini, &t->cfg, t->err, sizeof(t->err));
}

static void
load_ok(struct tmp *t, const char *text)
{
	if (load(t, text) != 0)
		fail_msg("load failed: %s", t->err);
	assert_non_null(t->cfg);
}

/* Asserts that TEXT fails with exactly dir/proxy.ini + WANT. */
static void
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
static void
load_err_prefix(struct tmp *t, const char *text, const char *want)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", t->ini, want);
	assert_int_equal(load(t, text), -1);
	assert_null(t->cfg);
	if (strncmp(t->err, full, strlen(full)) != 0)
		fail_msg("got  \"%s\"\nwant \"%s...\"", t->err, full);
}

static const char *
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
static uint16_t
port_of(const struct config_sockaddr *sa)
{
	return sa_port((const struct sockaddr *)&sa->ss);
}

static const char *
alias(const struct config_peer *p, char *buf)
{
	return inet_ntop(AF_INET, &p->alias, buf, INET_ADDRSTRLEN);
}

static void
assert_path(const struct tmp *t, const char *got, const char *name)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s", t->dir, name);
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* Asserts every default that does not depend on the file's names. */
static void
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
	assert_int_equal(c->buffer_size, 65536);
	assert_int_equal(c->epmd_timeout_ms, 10000);
	assert_int_equal(c->tls_timeout_ms, 5000);
	assert_int_equal(c->connect_timeout_ms, 5000);
	assert_int_equal(c->handshake_timeout_ms, 10000);
	assert_int_equal(c->resolve_timeout_ms, 3000);
	assert_int_equal(c->idle_timeout_ms, 0);
	assert_int_equal(c->nexpose, 1);
	assert_string_equal(c->expose[0], "*");
	assert_int_equal(c->lockout_failures, 10);
	assert_int_equal(c->lockout_window_ms, 60000);
	assert_int_equal(c->lockout_ban_ms, 300000);
	assert_null(c->audit_file);
	assert_int_equal(c->public_epmd.len, 0);
	assert_int_equal(c->public_names, 0);
	assert_int_equal(c->public_port_lo, 0);
	assert_int_equal(c->public_port_hi, 0);
	assert_int_equal(c->public_min_version, TLS1_2_VERSION);
	assert_null(c->state_file);
	assert_null(c->crl);
	assert_int_equal(c->min_version, TLS1_3_VERSION);
	assert_int_equal(c->nnodes, 0);
	assert_null(c->nodes);
}

static void
test_defaults(void **state)
{
	struct tmp *t = *state;
	struct config *c;

	load_ok(t, GW TLS);
	c = t->cfg;
	assert_string_equal(c->path, t->ini);
	assert_string_equal(c->name, "hostA");
	assert_int_equal(c->nhostnames, 2);
	assert_string_equal(c->hostnames[0], "hostA");
	assert_string_equal(c->hostnames[1], "hostA.test");
	assert_defaults(c);
	assert_path(t, c->cert, "cert.pem");
	assert_path(t, c->key, "key.pem");
	assert_path(t, c->ca, "ca.pem");
	assert_int_equal(c->npeers, 0);
	assert_null(c->peers);
}

static void
test_full(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;
	struct config *c;
	char b[80];

	put(t, "cookie", "SECRET\n", 0600);
	put(t, "b.cookie", "  B-SECRET", 0400);
	put(t, "crl.pem", "CRL\n", 0644);
	load_ok(t, "\xef\xbb\xbf# comment\r\n"
	    "[gateway]   ; inline comment\n"
	    "name = gw-a\n"
	    "  hostnames = hostA,hostA.test , h_3  # indented key is fine\n"
	    "epmd_port = 4400\n"
	    "epmd_listen = 127.0.0.5,::1\n"
	    "listen = [::]:4371\n"
	    "log_level = debug\n"
	    "syslog = On\n"
	    "cookie_file = cookie\n"
	    "strict_loopback = true\n"
	    "alias_network = 127.3.0.0/16\n"
	    "max_connections = 1000000\n"
	    "buffer_size = 16M\n"
	    "epmd_timeout = 100ms\n"
	    "tls_timeout = 2s\n"
	    "connect_timeout = 10m\n"
	    "handshake_timeout = 7\n"
	    "resolve_timeout = 1m\n"
	    "idle_timeout = 61s\n"
	    "expose = app*, db? Web_1-x\n"
	    "lockout_failures = 0\n"
	    "lockout_window = 1h\n"
	    "lockout_ban = 24h\n"
	    "audit_file = audit.log\n"
	    "[node b1]\n"
	    "cookie_file = b.cookie\n"
	    "[tls]\n"
	    "cert = cert.pem\n"
	    "key = key.pem\n"
	    "ca = ca.pem\n"
	    "crl = crl.pem\n"
	    "min_version = 1.2\n"
	    "[peer hostB]\n"
	    "address = 10.77.0.2:4370\n"
	    "hostnames = hostB hostB.test\n"
	    "alias = 127.0.1.1\n"
	    "identity = spiffe://example.test/hostB\n"
	    "cookie_file = b.cookie\n"
	    "nodes = app@hostB, *@hostB.test ?x.y*@*\n"
	    "allow_hidden = yes\n"
	    "local_nodes = app1\n"
	    "[ node  B1 ]\n"
	    "cookie_file = cookie\n"
	    "[ peer  hostC ]\n"
	    "address = [::1]:9000\n"
	    "hostnames = hostC\n"
	    "alias =\n"
	    "[peer hostD]\n"
	    "address = localhost:4370\n"
	    "hostnames = hostD\n"
	    "identity = id;not-a-comment\n");
	c = t->cfg;
	assert_string_equal(c->name, "gw-a");
	assert_int_equal(c->nhostnames, 3);
	assert_string_equal(c->hostnames[2], "h_3");
	assert_int_equal(c->epmd_port, 4400);
	assert_int_equal(c->nepmd_listen, 2);
	assert_string_equal(ntop(&c->epmd_listen[0], b, sizeof(b)),
	    "127.0.0.5:4400");
	assert_string_equal(ntop(&c->epmd_listen[1], b, sizeof(b)),
	    "[::1]:4400");
	assert_string_equal(ntop(&c->listen, b, sizeof(b)), "[::]:4371");
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(c->syslog, 1);
	assert_path(t, c->cookie_file, "cookie");
	assert_int_equal(c->strict_loopback, 1);
	assert_int_equal(c->alias_network.s_addr, inet_addr("127.3.0.0"));
	assert_int_equal(c->alias_prefix, 16);
	assert_int_equal(c->max_connections, 1000000);
	assert_int_equal(c->buffer_size, 16 * 1024 * 1024);
	assert_int_equal(c->epmd_timeout_ms, 100);
	assert_int_equal(c->tls_timeout_ms, 2000);
	assert_int_equal(c->connect_timeout_ms, 600000);
	assert_int_equal(c->handshake_timeout_ms, 7000);
	assert_int_equal(c->resolve_timeout_ms, 60000);
	assert_int_equal(c->idle_timeout_ms, 61000);
	assert_int_equal(c->nexpose, 3);
	assert_string_equal(c->expose[0], "app*");
	assert_string_equal(c->expose[1], "db?");
	assert_string_equal(c->expose[2], "Web_1-x");
	assert_int_equal(c->lockout_failures, 0);
	assert_int_equal(c->lockout_window_ms, 3600000);
	assert_int_equal(c->lockout_ban_ms, 86400000);
	assert_path(t, c->audit_file, "audit.log");
	/* The audit file is only named, not created. */
	assert_int_equal(access(c->audit_file, F_OK), -1);
	assert_int_equal(c->nnodes, 2);
	assert_string_equal(c->nodes[0].name, "b1");
	assert_path(t, c->nodes[0].cookie_file, "b.cookie");
	assert_string_equal(c->nodes[1].name, "B1");
	assert_path(t, c->nodes[1].cookie_file, "cookie");
	assert_path(t, c->crl, "crl.pem");
	assert_int_equal(c->min_version, TLS1_2_VERSION);
	assert_int_equal(c->npeers, 3);
	p = &c->peers[0];
	assert_string_equal(p->name, "hostB");
	assert_string_equal(p->address, "10.77.0.2:4370");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_int_equal(p->nhostnames, 2);
	assert_string_equal(p->hostnames[1], "hostB.test");
	assert_string_equal(alias(p, b), "127.0.1.1");
	assert_string_equal(p->identity, "spiffe://example.test/hostB");
	assert_path(t, p->cookie_file, "b.cookie");
	assert_int_equal(p->nnodes, 3);
	assert_string_equal(p->nodes[0], "app@hostB");
	assert_string_equal(p->nodes[1], "*@hostB.test");
	assert_string_equal(p->nodes[2], "?x.y*@*");
	assert_int_equal(p->allow_hidden, 1);
	assert_int_equal(p->nlocal_nodes, 1);
	assert_string_equal(p->local_nodes[0], "app1");
	p = &c->peers[1];
	assert_string_equal(p->name, "hostC");
	assert_null(p->cookie_file);
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "*@hostC");
	assert_int_equal(p->allow_hidden, 0);
	assert_null(p->local_nodes);
	assert_int_equal(p->nlocal_nodes, 0);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "[::1]:9000");
	assert_string_equal(alias(p, b), "127.3.0.1");
	assert_string_equal(p->identity, "hostC");
	p = &c->peers[2];
	assert_string_equal(p->identity, "id;not-a-comment");
	assert_string_equal(alias(p, b), "127.3.0.2");
	/* localhost resolves to a loopback address of either family. */
	assert_true(strcmp(ntop(&p->addr, b, sizeof(b)), "127.0.0.1:4370") ==
	    0 || strcmp(b, "[::1]:4370") == 0);
	assert_ptr_equal(config_peer_by_alias(c, c->peers[1].alias),
	    &c->peers[1]);
	assert_null(config_peer_by_alias(c,
	    (struct in_addr){ inet_addr("127.0.1.2") }));
}

static void
test_sections(void **state)
{
	struct tmp *t = *state;

	load_err(t, GW "[bogus]\n" TLS, ":3: [bogus]: unknown section");
	load_err(t, GW "[Gateway]\n", ":3: [Gateway]: unknown section");
	load_err(t, GW "[peers x]\n", ":3: [peers x]: unknown section");
	load_err(t, GW TLS "[gateway]\n",
	    ":7: [gateway]: duplicate section (first at line 1)");
	load_err(t, GW TLS "[tls]\n",
	    ":7: [tls]: duplicate section (first at line 3)");
	load_err(t, GW TLS "[peer]\n",
	    ":7: [peer]: missing NAME (write [peer NAME])");
	load_err(t, GW TLS "[peer a b]\n", ":7: [peer a b]: invalid peer name"
	    " (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS "[peer hostB]\naddress = 10.0.0.1:1\n"
	    "hostnames = b\n[peer HOSTB]\n",
	    ":10: [peer HOSTB]: duplicate section (first at line 7)");
	load_err(t, GW "[tls\n", ":3: [tls: missing ']'");
	load_err(t, GW "[tls] x\n", ":3: [tls] x: text after ']'");
	load_err(t, "hostnames = a\n" GW,
	    ":1: hostnames: key outside any section");
	load_err(t, GW, ": [tls]: missing section");
	load_err(t, TLS, ": [gateway]: missing section");
	load_err(t, "", ": [gateway]: missing section");
	load_err(t, "[gateway]\n" TLS,
	    ":1: [gateway]: missing required key hostnames");
	load_err(t, GW "[tls]\ncert = cert.pem\nkey = key.pem\n",
	    ":3: [tls]: missing required key ca");
	load_err(t, GW TLS "[peer hostB]\nhostnames = b\n",
	    ":7: [peer hostB]: missing required key address");
	load_err(t, GW TLS "[peer hostB]\naddress = 10.0.0.1:1\n",
	    ":7: [peer hostB]: missing required key hostnames");
}

static void
test_syntax(void **state)
{
	struct tmp *t = *state;
	char text[1200];
	size_t n;

	load_err(t, GW "foo = 1\n" TLS, ":3: foo: unknown key in [gateway]");
	load_err(t, GW TLS "hostnames = x\n", ":7: hostnames: unknown key in"
	    " [tls]");
	load_err(t, GW TLS "[peer hostB]\ncert = x\n",
	    ":8: cert: unknown key in [peer hostB]");
	load_err(t, GW "hostnames = b\n" TLS,
	    ":3: hostnames: duplicate key (first at line 2)");
	load_err(t, GW "HOSTNAMES = b\n", ":3: HOSTNAMES: unknown key in"
	    " [gateway]");
	/* No continuation lines: an indented value is not merged. */
	load_err(t, GW "  hostB\n", ":3: hostB: expected key = value"
	    " (indented continuation lines are not supported)");
	load_err(t, GW "justtext\n", ":3: justtext: expected key = value");
	load_err(t, GW "listen: 1.2.3.4:5\n",
	    ":3: listen: 1.2.3.4:5: expected key = value");
	load_err(t, GW "= 5\n", ":3: =: missing key name before '='");
	load_err(t, GW "a b = 5\n", ":3: a b: invalid key name");
	load_err(t, GW "name =\n", ":3: name: empty value");
	load_err(t, GW "name = a\tb\x01\n", ":3: line: control character 0x01");
	load_err(t, "[gateway]\rx\n", ":1: line: control character 0x0d");
	memset(text, 0, sizeof(text));
	strcpy(text, GW "name = ");
	memset(text + strlen(text), 'x', 1000);
	strcat(text, "\n");
	load_err(t, text, ":3: line: too long (at most 1000 characters)");
	/* A line may take 1000 characters, comments and blanks included, not
	   1001 (inih reads it whole into its 1002-byte buffer). */
	memset(text, 0, sizeof(text));
	strcpy(text, GW TLS "[peer b]\naddress = 10.0.0.1:1\nhostnames = b\n"
	    "identity   =   ");
	memset(text + strlen(text), 'i', 189);
	strcat(text, "   # ");
	n = strlen(text) - strlen(GW TLS "[peer b]\naddress = 10.0.0.1:1\n"
	    "hostnames = b\n");
	memset(text + strlen(text), 'c', 1000 - n);
	strcat(text, "\r\n");
	load_ok(t, text);
	assert_int_equal(strlen(t->cfg->peers[0].identity), 189);
	memcpy(strstr(text, "c\r\n"), "cc\n", 4);
	load_err(t, text, ":10: line: too long (at most 1000 characters)");
	/* A long comment is fine. */
	memset(text, 0, sizeof(text));
	strcpy(text, GW TLS "# ");
	memset(text + strlen(text), 'c', 400);
	strcat(text, "\n");
	load_ok(t, text);
}

static void
test_nul_byte(void **state)
{
	struct tmp *t = *state;
	static const char text[] = "[gateway]\nname = a\0b\n";
	char err[256];
	struct config *c = NULL;

	(void)t;
	assert_int_equal(config_load_buffer("mem.ini", text, sizeof(text) - 1,
	    &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, "mem.ini:2: line: NUL byte");
}

static void
test_gateway_values(void **state)
{
	struct tmp *t = *state;
	char text[80];

	load_err(t, GW "epmd_port = 70000\n" TLS,
	    ":3: epmd_port: \"70000\" is not a port number 1..65535");
	load_err_prefix(t, GW "epmd_port = 0\n", ":3: epmd_port: ");
	load_err_prefix(t, GW "epmd_port = -1\n", ":3: epmd_port: ");
	load_err(t, GW "listen = 1.2.3.4:0\n", ":3: listen: \"1.2.3.4:0\" is"
	    " not ADDR:PORT with a numeric ADDR ([ADDR]:PORT for IPv6) and"
	    " PORT 1..65535");
	load_err_prefix(t, GW "listen = ::1:4370\n", ":3: listen: ");
	load_err_prefix(t, GW "listen = myhost:4370\n", ":3: listen: ");
	load_err_prefix(t, GW "listen = 1.2.3.4\n", ":3: listen: ");
	load_err(t, GW "epmd_listen = 127.0.0.1 10.0.0.1\n",
	    ":3: epmd_listen: \"10.0.0.1\" is not a loopback address"
	    " (127.0.0.0/8 or ::1)");
	load_err(t, GW "epmd_listen = ::ffff:127.0.0.1\n",
	    ":3: epmd_listen: \"::ffff:127.0.0.1\" is not a loopback address"
	    " (127.0.0.0/8 or ::1)");
	load_err(t, GW "epmd_listen = localhost\n",
	    ":3: epmd_listen: \"localhost\" is not a numeric IP address");
	load_err(t, GW "epmd_listen = ::1 ::1\n",
	    ":3: epmd_listen: \"::1\" listed twice");
	load_err(t, GW "epmd_listen = , ,\n", ":3: epmd_listen: empty list");
	load_err(t, GW "log_level = loud\n", ":3: log_level: \"loud\" is not"
	    " one of error, warn, info, debug");
	load_err(t, GW "syslog = maybe\n", ":3: syslog: \"maybe\" is not"
	    " yes/no, true/false, on/off or 1/0");
	load_err(t, "[gateway]\nhostnames = ok bad/name\n",
	    ":2: hostnames: invalid host name \"bad/name\" (letters, digits,"
	    " '-', '.', '_'; at most 253)");
	load_err(t, "[gateway]\nhostnames = a b A\n",
	    ":2: hostnames: \"A\" listed twice");
	load_err(t, GW "name = a:b\n", ":3: name: invalid name \"a:b\""
	    " (letters, digits, '-', '.', '_')");
	load_err(t, GW "alias_network = 10.0.0.0/8\n",
	    ":3: alias_network: 10.0.0.0/8 is not inside 127.0.0.0/8");
	load_err(t, GW "alias_network = 127.0.0.0/31\n",
	    ":3: alias_network: prefix /31 is not in 8..30");
	load_err(t, GW "alias_network = 127.0.1.1/24\n",
	    ":3: alias_network: 127.0.1.1/24 has host bits set");
	load_err(t, GW "alias_network = 127.0.1.0\n", ":3: alias_network:"
	    " \"127.0.1.0\" is not an IPv4 network a.b.c.d/N");
	load_err(t, GW "max_connections = 1000001\n", ":3: max_connections:"
	    " \"1000001\" is not a number 1..1000000");
	load_err(t, GW "buffer_size = 4095\n",
	    ":3: buffer_size: 4095 is not in 4k..16m");
	load_err(t, GW "buffer_size = 17m\n",
	    ":3: buffer_size: 17m is not in 4k..16m");
	load_err(t, GW "buffer_size = 4kb\n", ":3: buffer_size: \"4kb\" is not"
	    " a size (bytes, or with a k or m suffix)");
	load_err(t, GW "tls_timeout = 5x\n", ":3: tls_timeout: \"5x\" is not"
	    " a duration (250ms, 10s, 2m)");
	load_err(t, GW "epmd_timeout = 99ms\n",
	    ":3: epmd_timeout: 99ms is not in 100ms..10m");
	load_err(t, GW "resolve_timeout = 601s\n",
	    ":3: resolve_timeout: 601s is not in 100ms..10m");
	load_err(t, GW "idle_timeout = 30s\n", ":3: idle_timeout: 30s must"
	    " be 0 (none) or more than 60s, since net_ticktime is 60s");
	load_err_prefix(t, GW "idle_timeout = 60s\n", ":3: idle_timeout: ");
	load_err(t, GW TLS "min_version = 1.1\n",
	    ":7: min_version: \"1.1\" is not 1.2 or 1.3");
	load_err(t, GW "listen = 127.0.0.1:4369\n" TLS, ":3: listen: port 4369"
	    " is the EPMD port of an epmd_listen address");
	load_err(t, GW "epmd_port = 4370\n" TLS, ": listen: port 4370 is the"
	    " EPMD port of an epmd_listen address");
	load_ok(t, GW "listen = 10.0.0.1:4369\n" TLS);
	/* epmd_port applies to epmd_listen whatever their order. */
	load_ok(t, GW "epmd_listen = 127.0.0.9\nepmd_port = 5000\n" TLS);
	assert_int_equal(t->cfg->nepmd_listen, 1);
	assert_string_equal(ntop(&t->cfg->epmd_listen[0], text, sizeof(text)),
	    "127.0.0.9:5000");
}

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

#define PEER(n, extra)	"[peer " n "]\naddress = 10.0.0.9:4370\n" \
			"hostnames = " n "\n" extra

static void
test_aliases(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;
	char b[INET_ADDRSTRLEN];

	/* Lines 7-9, 10-13, 14-16, 17-19. */
	load_ok(t, GW TLS PEER("p1", "") PEER("p2", "alias = 127.0.1.2\n")
	    PEER("p3", "") PEER("p4", ""));
	assert_int_equal(t->cfg->npeers, 4);
	assert_string_equal(alias(&t->cfg->peers[0], b), "127.0.1.1");
	assert_string_equal(alias(&t->cfg->peers[1], b), "127.0.1.2");
	assert_string_equal(alias(&t->cfg->peers[2], b), "127.0.1.3");
	assert_string_equal(alias(&t->cfg->peers[3], b), "127.0.1.4");
	p = config_peer_by_alias(t->cfg,
	    (struct in_addr){ inet_addr("127.0.1.3") });
	assert_non_null(p);
	assert_string_equal(p->name, "p3");

	/* 127.0.0.1 and epmd_listen addresses are never handed out. */
	load_ok(t, "[gateway]\nhostnames = a\nalias_network = 127.0.0.0/29\n"
	    "epmd_listen = 127.0.0.2 ::1\n" TLS PEER("p1", "") PEER("p2", ""));
	assert_string_equal(alias(&t->cfg->peers[0], b), "127.0.0.3");
	assert_string_equal(alias(&t->cfg->peers[1], b), "127.0.0.4");

	load_err(t, GW "alias_network = 127.0.2.0/30\n" TLS PEER("p1", "")
	    PEER("p2", "") PEER("p3", ""), ":14: [peer p3]: no free address"
	    " left in alias_network 127.0.2.0/30");
	load_err(t, GW TLS PEER("p1", "alias = 127.0.1.9\n")
	    PEER("p2", "alias = 127.0.1.9\n"), ":14: alias: 127.0.1.9 is"
	    " already the alias of [peer p1]");
	load_err(t, GW "epmd_listen = 127.0.0.1 127.0.0.7\n" TLS
	    PEER("p1", "alias = 127.0.0.7\n"),
	    ":11: alias: 127.0.0.7 is an epmd_listen address");
	load_err(t, GW TLS PEER("p1", "alias = 10.1.1.1\n"),
	    ":10: alias: 10.1.1.1 is not inside 127.0.0.0/8");
	load_err(t, GW TLS PEER("p1", "alias = 127.0.0.1\n"),
	    ":10: alias: 127.0.0.1 is this host's own address");
	load_err(t, GW TLS PEER("p1", "alias = 127.255.255.255\n"),
	    ":10: alias: 127.255.255.255 is the network or broadcast address"
	    " of 127.0.0.0/8");
	load_err(t, GW TLS PEER("p1", "alias = host\n"),
	    ":10: alias: \"host\" is not an IPv4 address");
	load_err(t, GW TLS PEER("p1", "alias = ::1\n"),
	    ":10: alias: \"::1\" is not an IPv4 address");
}

#define LABEL64	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void
test_peers(void **state)
{
	struct tmp *t = *state;

	load_err(t, GW TLS "[peer hostB]\naddress = 10.0.0.2:4370\n"
	    "hostnames = hostB HOSTA.test\n", ":9: hostnames: \"HOSTA.test\" is"
	    " already a host name of [gateway]");
	load_err(t, "[peer b]\naddress = 10.0.0.2:1\nhostnames = x\n"
	    "[peer c]\naddress = 10.0.0.2:1\nhostnames = y X\n" GW TLS,
	    ":6: hostnames: \"X\" is already a host name of [peer b]");
	load_err(t, "[peer b]\naddress = 10.0.0.2:1\nhostnames = hostA\n"
	    GW TLS, ":3: hostnames: \"hostA\" is already a host name of"
	    " [gateway]");
	load_err(t, GW TLS "[peer b]\naddress = 10.0.0.2\n",
	    ":8: address: \"10.0.0.2\" has no port (HOST alone is for kind"
	    " native or plain)");
	load_err(t, GW TLS "[peer b]\naddress = 10.0.0.2:65536\n",
	    ":8: address: \"10.0.0.2:65536\" is not HOST:PORT ([ADDR]:PORT for"
	    " IPv6) with PORT 1..65535");
	load_err(t, GW TLS "[peer b]\naddress = bad!host:4370\n",
	    ":8: address: invalid host \"bad!host\"");
	/* A 64-byte label fails inside getaddrinfo with no DNS query. */
	load_err_prefix(t, GW TLS "[peer b]\naddress = " LABEL64 ".test:1\n",
	    ":8: address: cannot resolve \"" LABEL64 ".test\": ");
	load_err(t, GW TLS "[peer b]\nidentity = a b\n",
	    ":8: identity: identity must be printable ASCII without spaces");
	load_err(t, GW TLS "[peer b]\nidentity =\n", ":8: identity: empty"
	    " value");
	load_err(t, GW TLS "[peer b]\nhostnames =  ,\n",
	    ":8: hostnames: empty list");
	/* A lone host: no peers at all is fine. */
	load_ok(t, GW TLS);
	assert_int_equal(t->cfg->npeers, 0);
}

static void
test_err_buffer(void **state)
{
	struct tmp *t = *state;
	struct config *c = NULL;
	char err[12];

	memset(err, 'Z', sizeof(err));
	assert_int_equal(config_load("/nonexistent/dir/x.ini", &c, err,
	    sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, "/nonexisten");
	assert_int_equal(config_load("/nonexistent/dir/x.ini", &c, NULL, 0),
	    -1);
	assert_int_equal(config_load("/nonexistent/x.ini", &t->cfg, t->err,
	    sizeof(t->err)), -1);
	assert_string_equal(t->err, "/nonexistent/x.ini: cannot open: No such"
	    " file or directory");
	assert_int_equal(config_load_buffer("x.ini", "", 0, &c, NULL, 0), -1);
	config_free(NULL);
}

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int rc;
		unsigned ms;
	} cases[] = {
		{ "250ms", 0, 250 }, { "10s", 0, 10000 }, { "2m", 0, 120000 },
		{ "1h", 0, 3600000 }, { "7", 0, 7000 }, { "0", 0, 0 },
		{ "0ms", 0, 0 }, { "007s", 0, 7000 },
		{ "4294967295ms", 0, 4294967295u }, { "4294967s", 0, 4294967000u },
		{ "4294968s", -1, 0 }, { "4294967296ms", -1, 0 },
		{ "99999999999999999999999", -1, 0 }, { "", -1, 0 },
		{ "s", -1, 0 }, { "ms", -1, 0 }, { "-1s", -1, 0 },
		{ "+1s", -1, 0 }, { " 1s", -1, 0 }, { "1s ", -1, 0 },
		{ "1 s", -1, 0 }, { "1.5s", -1, 0 }, { "1S", -1, 0 },
		{ "1sec", -1, 0 }, { "1d", -1, 0 }, { "1mss", -1, 0 },
		{ "0x10", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned ms = 12345;
		int rc = config_parse_duration(cases[i].s, &ms);

		if (rc != cases[i].rc || ms != (rc == 0 ? cases[i].ms : 12345))
			fail_msg("\"%s\": rc %d ms %u", cases[i].s, rc, ms);
	}
}

static void
test_value_parsers(void **state)
{
	struct config_sockaddr sa;
	unsigned long ul;
	struct in_addr a;
	unsigned prefix;
	char host[16], **v;
	uint16_t port;
	size_t sz, n;
	int b;

	(void)state;
	assert_int_equal(config_parse_bool("YES", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(config_parse_bool("off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(config_parse_bool("2", &b), -1);
	assert_int_equal(config_parse_bool("", &b), -1);
	assert_int_equal(config_parse_uint("65535", 1, 65535, &ul), 0);
	assert_int_equal(ul, 65535);
	assert_int_equal(config_parse_uint("0", 1, 65535, &ul), -1);
	assert_int_equal(config_parse_uint("18446744073709551616", 0,
	    ULONG_MAX, &ul), -1);
	assert_int_equal(config_parse_uint("18446744073709551615", 0,
	    ULONG_MAX, &ul), 0);
	assert_true(ul == ULONG_MAX);
	assert_int_equal(config_parse_uint("1", 0, 0, &ul), -1);
	assert_int_equal(config_parse_size("64k", &sz), 0);
	assert_int_equal(sz, 65536);
	assert_int_equal(config_parse_size("3M", &sz), 0);
	assert_int_equal(sz, 3 * 1048576);
	assert_int_equal(config_parse_size("4096", &sz), 0);
	assert_int_equal(sz, 4096);
	assert_int_equal(config_parse_size("1g", &sz), -1);
	assert_int_equal(config_parse_size("18446744073709551615k", &sz), -1);
	assert_int_equal(config_parse_hostport("[::1]:80", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 80);
	assert_int_equal(config_parse_hostport("h.x:1", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "h.x");
	assert_int_equal(config_parse_hostport(":1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("[]:1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("[::1]80", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("a]:1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(config_parse_hostport("0123456789abcdef:1", host,
	    sizeof(host), &port), -1);
	assert_int_equal(config_parse_hostport("0123456789abcde:1", host,
	    sizeof(host), &port), 0);
	assert_int_equal(config_parse_cidr4("127.0.1.0/24", &a, &prefix), 0);
	assert_int_equal(a.s_addr, inet_addr("127.0.1.0"));
	assert_int_equal(prefix, 24);
	assert_int_equal(config_parse_cidr4("127.0.1.0/33", &a, &prefix), -1);
	assert_int_equal(config_parse_cidr4("127.0.1/24", &a, &prefix), -1);
	assert_int_equal(config_parse_ip("::1", &sa), 0);
	assert_int_equal(sa.ss.ss_family, AF_INET6);
	assert_int_equal(config_parse_ip("1.2.3", &sa), -1);
	assert_int_equal(config_valid_name("a-b.c_d"), 1);
	assert_int_equal(config_valid_name(""), 0);
	assert_int_equal(config_valid_name("a@b"), 0);
	assert_int_equal(config_split_list(" a,,b\tc ,", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	config_free_list(v, n);
	assert_int_equal(config_split_list(" , ", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void
test_port_range(void **state)
{
	static const struct {
		const char *s;
		int rc;
		unsigned lo, hi;
	} cases[] = {
		{ "1-1", 0, 1, 1 }, { "4400-4499", 0, 4400, 4499 },
		{ "1-65535", 0, 1, 65535 }, { "007-8", 0, 7, 8 },
		{ "0-1", -1, 0, 0 }, { "2-1", -1, 0, 0 }, { "1-65536", -1, 0, 0 },
		{ "1", -1, 0, 0 }, { "1-", -1, 0, 0 }, { "-1", -1, 0, 0 },
		{ "1--2", -1, 0, 0 }, { "1-2-3", -1, 0, 0 }, { " 1-2", -1, 0, 0 },
		{ "1-2 ", -1, 0, 0 }, { "1:2", -1, 0, 0 }, { "", -1, 0, 0 },
		{ "+1-2", -1, 0, 0 }, { "99999999999999999999-1", -1, 0, 0 },
	};
	struct config_sockaddr sa;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t lo = 77, hi = 77;
		int rc = config_parse_port_range(cases[i].s, &lo, &hi);

		if (rc != cases[i].rc || lo != (rc == 0 ? cases[i].lo : 77) ||
		    hi != (rc == 0 ? cases[i].hi : 77))
			fail_msg("\"%s\": rc %d %u-%u", cases[i].s, rc, lo, hi);
	}
	assert_int_equal(config_parse_ip("10.1.2.3", &sa), 0);
	assert_int_equal(port_of(&sa), 0);
	sa_set_port((struct sockaddr *)&sa.ss, 4369);
	assert_int_equal(port_of(&sa), 4369);
	assert_int_equal(config_parse_ip("::2", &sa), 0);
	sa_set_port((struct sockaddr *)&sa.ss, 65535);
	assert_int_equal(port_of(&sa), 65535);
	memset(&sa, 0, sizeof(sa));
	assert_int_equal(port_of(&sa), 0);
	assert_string_equal(config_peer_kind_name(PEER_KIND_GATEWAY),
	    "gateway");
	assert_string_equal(config_peer_kind_name(PEER_KIND_NATIVE), "native");
	assert_string_equal(config_peer_kind_name(PEER_KIND_PLAIN), "plain");
	assert_string_equal(config_peer_kind_name(3), "?");
	assert_string_equal(config_peer_kind_name(-1), "?");
}

static void
test_access(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;

	/* nodes defaults to "*@H" for each host name, in order. */
	load_ok(t, GW TLS "[peer hostB]\naddress = 10.0.0.2:4370\n"
	    "hostnames = hostB, hostB.test h_3\n" PEER("p2", "nodes = x@p2\n"));
	assert_int_equal(t->cfg->npeers, 2);
	p = &t->cfg->peers[0];
	assert_int_equal(p->nnodes, 3);
	assert_string_equal(p->nodes[0], "*@hostB");
	assert_string_equal(p->nodes[1], "*@hostB.test");
	assert_string_equal(p->nodes[2], "*@h_3");
	assert_int_equal(p->allow_hidden, 0);
	assert_null(p->local_nodes);
	assert_int_equal(p->nlocal_nodes, 0);
	assert_null(p->cookie_file);
	p = &t->cfg->peers[1];
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "x@p2");
	assert_int_equal(t->cfg->nexpose, 1);
	assert_string_equal(t->cfg->expose[0], "*");

	load_err(t, GW "expose = app app@hostA\n", ":3: expose: \"app@hostA\""
	    " holds '@': list local alive names, the part before '@'");
	load_err(t, GW "expose = a.b\n", ":3: expose: invalid pattern \"a.b\""
	    " (1 to 255 letters, digits, '_', '-', '*', '?')");
	load_err(t, GW "expose = [ab]\n", ":3: expose: invalid pattern"
	    " \"[ab]\" (1 to 255 letters, digits, '_', '-', '*', '?')");
	load_err(t, GW "expose = , ,\n", ":3: expose: empty list");
	load_err(t, GW "expose =\n", ":3: expose: empty value");
	load_err(t, GW "expose = *\nexpose = a\n",
	    ":4: expose: duplicate key (first at line 3)");
	load_err(t, GW TLS PEER("b", "nodes = *@b app\n"), ":10: nodes: \"app\""
	    " has no '@': list full node names ALIVE@HOST, such as *@host");
	load_err(t, GW TLS PEER("b", "nodes = a@b@c\n"),
	    ":10: nodes: \"a@b@c\" has more than one '@'");
	load_err(t, GW TLS PEER("b", "nodes = a@\n"), ":10: nodes: invalid"
	    " pattern \"a@\" (ALIVE@HOST, each part letters, digits, '_', '-',"
	    " '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = @b\n"), ":10: nodes: invalid"
	    " pattern \"@b\" (ALIVE@HOST, each part letters, digits, '_', '-',"
	    " '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = a/x@b\n"), ":10: nodes: invalid"
	    " pattern \"a/x@b\" (ALIVE@HOST, each part letters, digits, '_',"
	    " '-', '.', '*', '?')");
	load_err(t, GW TLS PEER("b", "nodes = *@b\nnodes = *@c\n"),
	    ":11: nodes: duplicate key (first at line 10)");
	load_err(t, GW TLS PEER("b", "local_nodes = *@b\n"), ":10: local_nodes:"
	    " \"*@b\" holds '@': list local alive names, the part before '@'");
	load_err(t, GW TLS PEER("b", "local_nodes = a:b\n"), ":10: local_nodes:"
	    " invalid pattern \"a:b\" (1 to 255 letters, digits, '_', '-', '*',"
	    " '?')");
	load_err(t, GW TLS PEER("b", "local_nodes =\n"),
	    ":10: local_nodes: empty value");
	load_err(t, GW TLS PEER("b", "allow_hidden = sometimes\n"),
	    ":10: allow_hidden: \"sometimes\" is not yes/no, true/false, on/off"
	    " or 1/0");
}

static void
test_node_sections(void **state)
{
	struct tmp *t = *state;
	char text[800], want[512], name[300];

	put(t, "b1.cookie", "C1\n", 0600);
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(text, sizeof(text), GW TLS "[node b1]\ncookie_file ="
	    " b1.cookie\n[node B1]\ncookie_file = b1.cookie\n[node %s]\n"
	    "cookie_file = b1.cookie\n", name);
	load_ok(t, text);
	assert_int_equal(t->cfg->nnodes, 3);
	assert_string_equal(t->cfg->nodes[0].name, "b1");
	assert_path(t, t->cfg->nodes[0].cookie_file, "b1.cookie");
	assert_string_equal(t->cfg->nodes[1].name, "B1");
	assert_string_equal(t->cfg->nodes[2].name, name);
	strcat(name, "n");
	snprintf(text, sizeof(text), GW TLS "[node %s]\n", name);
	snprintf(want, sizeof(want), ":7: [node %s]: invalid node name (1 to"
	    " 255 letters, digits, '-', '_': the part before '@')", name);
	load_err(t, text, want);

	load_err(t, GW TLS "[node b1]\n",
	    ":7: [node b1]: needs cookie_file or tls_port");
	load_err(t, "[node b1]\n" GW TLS,
	    ":1: [node b1]: needs cookie_file or tls_port");
	load_err(t, GW TLS "[node b1]\ncookie_file =\n",
	    ":8: cookie_file: empty value");
	load_err(t, GW TLS "[node b1]\ncookie_file = b1.cookie\n[node b1]\n",
	    ":9: [node b1]: duplicate section (first at line 7)");
	load_err(t, GW TLS "[node]\n",
	    ":7: [node]: missing ALIVE (write [node ALIVE])");
	load_err(t, GW TLS "[node a@hostA]\n", ":7: [node a@hostA]: invalid"
	    " node name (1 to 255 letters, digits, '-', '_': the part before"
	    " '@')");
	load_err(t, GW TLS "[node a.b]\n", ":7: [node a.b]: invalid node name"
	    " (1 to 255 letters, digits, '-', '_': the part before '@')");
	load_err(t, GW TLS "[node a b]\n", ":7: [node a b]: invalid node name"
	    " (1 to 255 letters, digits, '-', '_': the part before '@')");
	load_err(t, GW TLS "[nodes x]\n", ":7: [nodes x]: unknown section");
	load_err(t, GW TLS "[node b1]\nfoo = 1\n",
	    ":8: foo: unknown key in [node b1]");
	load_err(t, GW TLS "[node b1]\ncookie_file = b1.cookie\nhostnames ="
	    " x\n", ":9: hostnames: unknown key in [node b1]");
	load_err(t, GW TLS "[node b1]\ncookie_file = b1.cookie\ncookie_file ="
	    " b1.cookie\n", ":9: cookie_file: duplicate key (first at line 8)");
	snprintf(want, sizeof(want), ":8: cookie_file: %s/none: No such file"
	    " or directory", t->dir);
	load_err(t, GW TLS "[node b1]\ncookie_file = none\n", want);
	/* A [peer] after a [node] gets its own keys back. */
	load_ok(t, GW TLS "[node b1]\ncookie_file = b1.cookie\n"
	    PEER("b", "cookie_file = b1.cookie\n"));
	assert_int_equal(t->cfg->nnodes, 1);
	assert_path(t, t->cfg->peers[0].cookie_file, "b1.cookie");
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
test_lockout_audit(void **state)
{
	struct tmp *t = *state;
	char want[512], text[PATH_MAX + 128];

	load_ok(t, GW "lockout_failures = 1000000\nlockout_window = 1s\n"
	    "lockout_ban = 1000ms\n" TLS);
	assert_int_equal(t->cfg->lockout_failures, 1000000);
	assert_int_equal(t->cfg->lockout_window_ms, 1000);
	assert_int_equal(t->cfg->lockout_ban_ms, 1000);
	load_ok(t, GW "lockout_window = 3600\nlockout_ban = 1440m\n" TLS);
	assert_int_equal(t->cfg->lockout_window_ms, 3600000);
	assert_int_equal(t->cfg->lockout_ban_ms, 86400000);
	load_err(t, GW "lockout_failures = 1000001\n", ":3: lockout_failures:"
	    " \"1000001\" is not a number 0..1000000");
	load_err(t, GW "lockout_failures = -1\n", ":3: lockout_failures:"
	    " \"-1\" is not a number 0..1000000");
	load_err(t, GW "lockout_window = 2h\n",
	    ":3: lockout_window: 2h is not in 1s..1h");
	load_err(t, GW "lockout_window = 3601s\n",
	    ":3: lockout_window: 3601s is not in 1s..1h");
	load_err(t, GW "lockout_window = 999ms\n",
	    ":3: lockout_window: 999ms is not in 1s..1h");
	load_err(t, GW "lockout_window = 0\n",
	    ":3: lockout_window: 0 is not in 1s..1h");
	load_err(t, GW "lockout_window = soon\n", ":3: lockout_window:"
	    " \"soon\" is not a duration (250ms, 10s, 2m)");
	load_err(t, GW "lockout_ban = 25h\n",
	    ":3: lockout_ban: 25h is not in 1s..24h");
	load_err(t, GW "lockout_ban = 1d\n", ":3: lockout_ban: \"1d\" is not a"
	    " duration (250ms, 10s, 2m)");

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

static void
test_peer_kinds(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;
	char b[80];

	/* Lines 7-9 p1, 10-14 n1, 15-18 n2, 19-22 pl. */
	load_ok(t, GW TLS PEER("p1", "")
	    "[peer n1]\nkind = native\naddress = 10.0.0.3\nhostnames = n1\n"
	    "min_version = 1.3\n"
	    "[peer n2]\naddress = [::1]\nkind = native\nhostnames = n2\n"
	    "[peer pl]\nkind = plain\naddress = 10.0.0.5:4400\n"
	    "hostnames = pl\n");
	assert_int_equal(t->cfg->npeers, 4);
	p = &t->cfg->peers[0];
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_null(p->via);
	assert_int_equal(p->via_idx, -1);
	assert_null(p->reach);
	assert_int_equal(p->nreach, 0);
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.9:4370");
	p = &t->cfg->peers[1];
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(p->address, "10.0.0.3");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.3:4369");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_int_equal(p->via_idx, -1);
	assert_string_equal(p->identity, "n1");
	p = &t->cfg->peers[2];
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(p->address, "[::1]");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "[::1]:4369");
	assert_int_equal(p->min_version, TLS1_2_VERSION);
	p = &t->cfg->peers[3];
	assert_int_equal(p->kind, PEER_KIND_PLAIN);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.0.0.5:4400");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	assert_string_equal(p->identity, "pl");
	assert_string_equal(alias(p, b), "127.0.1.4");

	/* epmd_port and [tls] min_version apply whatever the order. */
	load_ok(t, "[peer n1]\nkind = native\naddress = 10.0.0.3\n"
	    "hostnames = n1\n[peer g]\naddress = 10.0.0.4:1\nhostnames = g\n"
	    "[peer pl]\nkind = plain\naddress = localhost\nhostnames = pl\n"
	    "[gateway]\nhostnames = hostA\nepmd_port = 5000\n" TLS
	    "min_version = 1.2\n");
	assert_string_equal(ntop(&t->cfg->peers[0].addr, b, sizeof(b)),
	    "10.0.0.3:5000");
	assert_int_equal(t->cfg->peers[0].min_version, TLS1_2_VERSION);
	assert_int_equal(t->cfg->peers[1].min_version, TLS1_2_VERSION);
	assert_true(strcmp(ntop(&t->cfg->peers[2].addr, b, sizeof(b)),
	    "127.0.0.1:5000") == 0 || strcmp(b, "[::1]:5000") == 0);
	assert_int_equal(t->cfg->peers[2].min_version, TLS1_2_VERSION);

	load_err(t, GW TLS PEER("b", "kind = Native\n"),
	    ":10: kind: \"Native\" is not gateway, native or plain");
	load_err(t, GW TLS PEER("b", "kind =\n"), ":10: kind: empty value");
	load_err(t, GW TLS PEER("b", "kind = plain\nkind = native\n"),
	    ":11: kind: duplicate key (first at line 10)");
	load_err(t, GW TLS "[peer b]\naddress = [::1]\nkind = gateway\n"
	    "hostnames = b\n", ":8: address: \"[::1]\" has no port (HOST alone"
	    " is for kind native or plain)");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = 10.0.0.2:\n",
	    ":9: address: \"10.0.0.2:\" is not HOST:PORT ([ADDR]:PORT for"
	    " IPv6) with PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = ::1\n",
	    ":9: address: \"::1\" is not HOST:PORT ([ADDR]:PORT for IPv6) with"
	    " PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = []\n",
	    ":9: address: invalid host \"[]\"");
	load_err(t, GW TLS "[peer b]\nkind = native\naddress = []:1\n",
	    ":9: address: \"[]:1\" is not HOST:PORT ([ADDR]:PORT for IPv6) with"
	    " PORT 1..65535");
	load_err(t, GW TLS "[peer b]\nkind = plain\naddress = bad!host\n",
	    ":9: address: invalid host \"bad!host\"");
	load_err(t, GW TLS PEER("b", "min_version = 1.1\n"),
	    ":10: min_version: \"1.1\" is not 1.2 or 1.3");
}

#define VPEER(n, via, extra)	"[peer " n "]\nvia = " via "\n" \
				"hostnames = " n "\n" extra

static void
test_via(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p, *v;
	char b[80];

	/* Lines 7-9 j, 10-13 hostB, 14-18 k, 19-21 p. */
	load_ok(t, GW TLS VPEER("j", "HOSTB", "")
	    "[peer hostB]\naddress = 10.77.0.2:4370\nhostnames = hostB\n"
	    "identity = gw-b\n"
	    "[peer k]\nhostnames = k k.test\nvia = hostB\nidentity = own-k\n"
	    "nodes = app@k\n" PEER("p", ""));
	assert_int_equal(t->cfg->npeers, 4);
	v = &t->cfg->peers[1];
	assert_null(v->via);
	assert_int_equal(v->via_idx, -1);
	p = &t->cfg->peers[0];
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 1);
	assert_string_equal(p->address, "10.77.0.2:4370");
	assert_ptr_not_equal(p->address, v->address);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_string_equal(p->identity, "gw-b");
	assert_ptr_not_equal(p->identity, v->identity);
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "*@j");
	assert_string_equal(alias(p, b), "127.0.1.1");
	assert_int_equal(p->min_version, TLS1_3_VERSION);
	p = &t->cfg->peers[2];
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 1);
	assert_string_equal(p->identity, "own-k");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "app@k");
	assert_int_equal(t->cfg->peers[3].via_idx, -1);
	/* The via peer's default identity is its NAME. */
	load_ok(t, GW TLS PEER("b", "") VPEER("j", "b", ""));
	assert_string_equal(t->cfg->peers[1].identity, "b");
	assert_int_equal(t->cfg->peers[1].via_idx, 0);

	load_err(t, GW TLS VPEER("j", "nope", ""),
	    ":8: via: no [peer nope] in this file");
	load_err(t, GW TLS VPEER("j", LABEL64, ""),
	    ":8: via: no [peer " LABEL64 "] in this file");
	load_err(t, GW TLS VPEER("j", "J", ""),
	    ":8: via: [peer j] cannot be reached through itself");
	load_err(t, GW TLS "[peer j]\nkind = plain\nvia = b\nhostnames = j\n"
	    PEER("b", ""), ":9: via: a kind plain peer cannot have via (only"
	    " kind gateway)");
	load_err(t, GW TLS PEER("j", "via = b\n") PEER("b", ""), ":10: via: a"
	    " peer with via uses the address of [peer b]; remove address");
	load_err(t, GW TLS VPEER("j", "n", "") "[peer n]\nkind = native\n"
	    "address = 10.0.0.3\nhostnames = n\n", ":8: via: [peer n] is kind"
	    " native; via must name a kind gateway peer");
	load_err(t, GW TLS PEER("b", "") VPEER("j", "b", "")
	    VPEER("k", "j", ""), ":14: via: [peer j] has via itself; via must"
	    " name a peer reached directly");
	load_err(t, GW TLS VPEER("j", "a/b", ""), ":8: via: invalid peer name"
	    " \"a/b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS VPEER("j", "a b", ""), ":8: via: invalid peer name"
	    " \"a b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS VPEER("j", LABEL64 "a", ""), ":8: via: invalid peer"
	    " name \"" LABEL64 "a\" (at most 64 letters, digits, '-', '.',"
	    " '_')");
	load_err(t, GW TLS "[peer j]\nvia =\n", ":8: via: empty value");
	load_err(t, GW TLS "[peer j]\nvia = b\n" PEER("b", ""),
	    ":7: [peer j]: missing required key hostnames");
	/* The via peer itself still needs its address. */
	load_err(t, GW TLS VPEER("j", "b", "") "[peer b]\nhostnames = b\n",
	    ":10: [peer b]: missing required key address");
	load_err(t, GW TLS PEER("b", "") VPEER("j", "b", "hostnames = x\n"),
	    ":13: hostnames: duplicate key (first at line 12)");
}

static void
test_reach(void **state)
{
	struct tmp *t = *state;
	const struct config_peer *p;

	/* Lines 7-10 b, 11-14 hostI, 15-17 hostJ. */
	load_ok(t, GW TLS PEER("b", "reach = HOSTI, hostJ\n")
	    PEER("hostI", "kind = plain\n") PEER("hostJ", ""));
	p = &t->cfg->peers[0];
	assert_int_equal(p->nreach, 2);
	assert_string_equal(p->reach[0], "hostI");
	assert_string_equal(p->reach[1], "hostJ");
	assert_null(t->cfg->peers[1].reach);
	assert_int_equal(t->cfg->peers[1].nreach, 0);
	load_ok(t, GW TLS PEER("a", "") PEER("b", "reach = a\n"));
	assert_int_equal(t->cfg->peers[1].nreach, 1);
	assert_string_equal(t->cfg->peers[1].reach[0], "a");

	load_err(t, GW TLS PEER("b", "reach = x\n"),
	    ":10: reach: no [peer x] in this file");
	load_err(t, GW TLS PEER("b", "reach = B\n"),
	    ":10: reach: [peer b] cannot reach itself");
	load_err(t, GW TLS PEER("b", "reach = c C\n") PEER("c", ""),
	    ":10: reach: \"C\" listed twice");
	load_err(t, GW TLS PEER("b", "reach = c a/b\n"), ":10: reach: invalid"
	    " peer name \"a/b\" (at most 64 letters, digits, '-', '.', '_')");
	load_err(t, GW TLS PEER("b", "reach = , ,\n"), ":10: reach: empty"
	    " list");
	load_err(t, GW TLS PEER("b", "reach =\n"), ":10: reach: empty value");
}

static void
test_node_ports(void **state)
{
	struct tmp *t = *state;

	put(t, "c", "COOKIE\n", 0600);
	load_ok(t, GW TLS "[node a]\ntls_port = 4400\n[node b]\n"
	    "tls_port = 65535\ncookie_file = c\n[node c]\ncookie_file = c\n");
	assert_int_equal(t->cfg->nnodes, 3);
	assert_int_equal(t->cfg->nodes[0].tls_port, 4400);
	assert_null(t->cfg->nodes[0].cookie_file);
	assert_int_equal(t->cfg->nodes[1].tls_port, 65535);
	assert_path(t, t->cfg->nodes[1].cookie_file, "c");
	assert_int_equal(t->cfg->nodes[2].tls_port, 0);
	assert_path(t, t->cfg->nodes[2].cookie_file, "c");
	/* Only what is in use is refused: 4369 is free when epmd_port is
	   not. */
	load_ok(t, GW "epmd_port = 5000\nlisten = 0.0.0.0:5001\n" TLS
	    "[node a]\ntls_port = 4369\n[node b]\ntls_port = 4370\n");
	assert_int_equal(t->cfg->nodes[1].tls_port, 4370);

	load_err(t, GW TLS "[node a]\ntls_port = 0\n",
	    ":8: tls_port: \"0\" is not a port number 1..65535");
	load_err(t, GW TLS "[node a]\ntls_port = 65536\n",
	    ":8: tls_port: \"65536\" is not a port number 1..65535");
	load_err(t, GW TLS "[node a]\ntls_port =\n", ":8: tls_port: empty"
	    " value");
	load_err(t, GW TLS "[node a]\ntls_port = 4400\n[node b]\n"
	    "tls_port = 4400\n",
	    ":10: tls_port: 4400 is already the tls_port of [node a]");
	load_err(t, GW TLS "[node a]\ntls_port = 4369\n",
	    ":8: tls_port: 4369 is epmd_port");
	load_err(t, "[node a]\ntls_port = 5000\n" GW "epmd_port = 5000\n" TLS,
	    ":2: tls_port: 5000 is epmd_port");
	load_err(t, GW TLS "[node a]\ntls_port = 4370\n",
	    ":8: tls_port: 4370 is the port of listen");
	load_err(t, GW "listen = [::]:4500\n" TLS "[node a]\ntls_port = 4500\n",
	    ":9: tls_port: 4500 is the port of listen");
	load_err(t, GW "public_epmd = 10.0.0.1:4380\n" TLS
	    "[node a]\ntls_port = 4380\n",
	    ":9: tls_port: 4380 is the port of public_epmd");
	load_err(t, GW TLS "[node a]\ncookie_file = c\n[node b]\n",
	    ":9: [node b]: needs cookie_file or tls_port");
}

static void
test_public(void **state)
{
	struct tmp *t = *state;
	char b[80], want[512];

	load_ok(t, GW "public_epmd = 10.77.0.1:4369\npublic_names = yes\n"
	    "public_ports = 4400-4499\npublic_min_version = 1.3\n"
	    "state_file = ports.state\n" TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "10.77.0.1:4369");
	assert_int_equal(t->cfg->public_names, 1);
	assert_int_equal(t->cfg->public_port_lo, 4400);
	assert_int_equal(t->cfg->public_port_hi, 4499);
	assert_int_equal(t->cfg->public_min_version, TLS1_3_VERSION);
	assert_path(t, t->cfg->state_file, "ports.state");
	assert_int_equal(access(t->cfg->state_file, F_OK), -1);
	load_ok(t, GW "public_epmd = [2001:db8::1]:4369\npublic_ports ="
	    " 10001-20000\n" TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "[2001:db8::1]:4369");
	assert_int_equal(t->cfg->public_port_lo, 10001);
	assert_int_equal(t->cfg->public_port_hi, 20000);
	/* The wildcard address is fine on a port other than epmd_port. */
	load_ok(t, GW "public_epmd = 0.0.0.0:4371\npublic_ports = 5000-5000\n"
	    TLS);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "0.0.0.0:4371");
	load_ok(t, GW "public_epmd = 0.0.0.0:4369\nepmd_port = 4368\n"
	    "public_ports = 5000-5000\n" TLS);
	/* A [node] tls_port is enough; it may lie inside public_ports. */
	load_ok(t, GW "public_epmd = 10.0.0.1:4369\n" TLS
	    "[node a]\ntls_port = 4400\n");
	load_ok(t, GW "public_epmd = 10.0.0.1:4369\npublic_ports = 4400-4410\n"
	    TLS "[node a]\ntls_port = 4405\n");
	/* public_ports alone is harmless; listen elsewhere frees its port. */
	load_ok(t, GW "public_ports = 4371-4380\n" TLS);
	load_ok(t, GW "listen = 10.0.0.2:4370\npublic_epmd = 10.0.0.1:4370\n"
	    "public_ports = 4400-4400\n" TLS);
	/* Empty values mean unset. */
	load_ok(t, GW "public_epmd =\npublic_ports =\nstate_file =\n" TLS);
	assert_defaults(t->cfg);

	load_err(t, GW "public_epmd = 127.0.0.1:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 127.1.2.3:5000\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::1]:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::ffff:127.0.0.2]:4369\n",
	    ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 0.0.0.0:4369\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = [::]:4369\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: must name this host's external address");
	load_err(t, "[gateway]\npublic_epmd = 0.0.0.0:5000\nepmd_port = 5000\n"
	    "hostnames = a\npublic_ports = 4400-4401\n" TLS,
	    ":2: public_epmd: must name this host's external address");
	load_err(t, GW "public_epmd = 10.0.0.1:4370\npublic_ports = 4400-4401\n"
	    TLS, ":3: public_epmd: port 4370 is the port of listen on the same"
	    " address");
	load_err(t, GW "listen = 10.0.0.1:4370\npublic_epmd = 10.0.0.1:4370\n"
	    "public_ports = 4400-4401\n" TLS, ":4: public_epmd: port 4370 is"
	    " the port of listen on the same address");
	load_err(t, GW "public_epmd = myhost:4369\n", ":3: public_epmd:"
	    " \"myhost:4369\" is not ADDR:PORT with a numeric ADDR ([ADDR]:PORT"
	    " for IPv6) and PORT 1..65535");
	load_err(t, GW "public_epmd = 10.0.0.1\n", ":3: public_epmd:"
	    " \"10.0.0.1\" is not ADDR:PORT with a numeric ADDR ([ADDR]:PORT"
	    " for IPv6) and PORT 1..65535");
	load_err(t, GW "public_epmd = 10.0.0.1:4369\n" TLS,
	    ":3: public_epmd: needs public_ports or a [node] tls_port");
	put(t, "c", "COOKIE\n", 0600);
	load_err(t, GW "public_epmd = 10.0.0.1:4369\n" TLS
	    "[node a]\ncookie_file = c\n",
	    ":3: public_epmd: needs public_ports or a [node] tls_port");
	load_err(t, GW "public_ports = 4400\n", ":3: public_ports: \"4400\" is"
	    " not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 4500-4400\n", ":3: public_ports:"
	    " \"4500-4400\" is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 0-10\n", ":3: public_ports: \"0-10\" is"
	    " not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1-65536\n", ":3: public_ports:"
	    " \"1-65536\" is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1 - 2\n", ":3: public_ports: \"1 - 2\""
	    " is not LO-HI with ports 1..65535 and LO <= HI");
	load_err(t, GW "public_ports = 1-10001\n",
	    ":3: public_ports: 1-10001 holds 10001 ports (at most 10000)");
	load_err(t, GW "public_ports = 4300-4399\n" TLS,
	    ":3: public_ports: 4300-4399 holds epmd_port 4369");
	load_err(t, GW "public_ports = 4370-4380\n" TLS,
	    ":3: public_ports: 4370-4380 holds port 4370 of listen");
	load_err(t, GW "public_epmd = 10.0.0.1:4500\npublic_ports = 4400-4599\n"
	    TLS, ":4: public_ports: 4400-4599 holds port 4500 of public_epmd");
	load_err(t, GW "public_names = maybe\n", ":3: public_names: \"maybe\""
	    " is not yes/no, true/false, on/off or 1/0");
	load_err(t, GW "public_min_version = 1.0\n",
	    ":3: public_min_version: \"1.0\" is not 1.2 or 1.3");
	snprintf(want, sizeof(want), ":3: state_file: %s/nodir/ports.state:"
	    " directory %s/nodir: No such file or directory", t->dir, t->dir);
	load_err(t, GW "state_file = nodir/ports.state\n", want);
	snprintf(want, sizeof(want), ":3: state_file: %s/.: is a directory",
	    t->dir);
	load_err(t, GW "state_file = .\n", want);
}

static void
test_patterns(void **state)
{
	char s[600], **v;
	size_t n;

	(void)state;
	assert_int_equal(config_valid_alive("a-B_9"), 1);
	assert_int_equal(config_valid_alive(""), 0);
	assert_int_equal(config_valid_alive("a.b"), 0);
	assert_int_equal(config_valid_alive("a@b"), 0);
	assert_int_equal(config_valid_alive("a*"), 0);
	assert_int_equal(config_valid_pattern("*", 0), 1);
	assert_int_equal(config_valid_pattern("a?b*-_9", 0), 1);
	assert_int_equal(config_valid_pattern("", 0), 0);
	assert_int_equal(config_valid_pattern("a.b", 0), 0);
	assert_int_equal(config_valid_pattern("a@b", 0), 0);
	assert_int_equal(config_valid_pattern("[a]", 0), 0);
	assert_int_equal(config_valid_pattern("*@*", 1), 1);
	assert_int_equal(config_valid_pattern("a.b@c.d", 1), 1);
	assert_int_equal(config_valid_pattern("*", 1), 0);
	assert_int_equal(config_valid_pattern("a@", 1), 0);
	assert_int_equal(config_valid_pattern("@a", 1), 0);
	assert_int_equal(config_valid_pattern("a@b@c", 1), 0);
	assert_int_equal(config_valid_pattern("a@b c", 1), 0);
	/* Lengths: 255 before '@', 253 after. */
	memset(s, 'a', 255);
	s[255] = '\0';
	assert_int_equal(config_valid_alive(s), 1);
	assert_int_equal(config_valid_pattern(s, 0), 1);
	s[255] = '@';
	memset(s + 256, 'h', 253);
	s[509] = '\0';
	assert_int_equal(config_valid_pattern(s, 1), 1);
	strcpy(s + 509, "h");
	assert_int_equal(config_valid_pattern(s, 1), 0);
	memset(s, 'a', 256);
	s[256] = '\0';
	assert_int_equal(config_valid_alive(s), 0);
	assert_int_equal(config_valid_pattern(s, 0), 0);
	strcpy(s + 256, "@h");
	assert_int_equal(config_valid_pattern(s, 1), 0);

	assert_int_equal(config_parse_patterns(" a*, b?\t", 0, &v, &n, s,
	    sizeof(s)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "a*");
	assert_string_equal(v[1], "b?");
	config_free_list(v, n);
	v = NULL;
	assert_int_equal(config_parse_patterns("a b@c", 0, &v, &n, s,
	    sizeof(s)), -1);
	assert_null(v);
	assert_string_equal(s, "\"b@c\" holds '@': list local alive names,"
	    " the part before '@'");
	assert_int_equal(config_parse_hostnames("h1 H1", &v, &n, s,
	    sizeof(s)), -1);
	assert_string_equal(s, "\"H1\" listed twice");
}

/* Reads a repository file (tests run from the root, or from tests/unit). */
static char *
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
static char *
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

static void
assert_same_list(char **a, size_t na, char **b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* Compares what the gateway acts on, where A's settings are defaults: a
   peer's local_nodes is compared as the list in effect (its own, else
   expose); optional keys (files, public_epmd, public_ports, reach, [node]
   sections, further peers) are left to the caller. */
static void
assert_same_config(const struct config *a, const struct config *b)
{
	char x[80], y[80];

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->nhostnames, b->nhostnames);
	for (size_t i = 0; i < a->nhostnames; i++)
		assert_string_equal(a->hostnames[i], b->hostnames[i]);
	assert_int_equal(a->epmd_port, b->epmd_port);
	assert_int_equal(a->nepmd_listen, b->nepmd_listen);
	for (size_t i = 0; i < a->nepmd_listen; i++)
		assert_string_equal(ntop(&a->epmd_listen[i], x, sizeof(x)),
		    ntop(&b->epmd_listen[i], y, sizeof(y)));
	assert_string_equal(ntop(&a->listen, x, sizeof(x)),
	    ntop(&b->listen, y, sizeof(y)));
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->syslog, b->syslog);
	assert_int_equal(a->strict_loopback, b->strict_loopback);
	assert_int_equal(a->alias_network.s_addr, b->alias_network.s_addr);
	assert_int_equal(a->alias_prefix, b->alias_prefix);
	assert_int_equal(a->max_connections, b->max_connections);
	assert_int_equal(a->buffer_size, b->buffer_size);
	assert_int_equal(a->epmd_timeout_ms, b->epmd_timeout_ms);
	assert_int_equal(a->tls_timeout_ms, b->tls_timeout_ms);
	assert_int_equal(a->connect_timeout_ms, b->connect_timeout_ms);
	assert_int_equal(a->handshake_timeout_ms, b->handshake_timeout_ms);
	assert_int_equal(a->resolve_timeout_ms, b->resolve_timeout_ms);
	assert_int_equal(a->idle_timeout_ms, b->idle_timeout_ms);
	assert_same_list(a->expose, a->nexpose, b->expose, b->nexpose);
	assert_int_equal(a->lockout_failures, b->lockout_failures);
	assert_int_equal(a->lockout_window_ms, b->lockout_window_ms);
	assert_int_equal(a->lockout_ban_ms, b->lockout_ban_ms);
	assert_string_equal(a->cert, b->cert);
	assert_string_equal(a->key, b->key);
	assert_string_equal(a->ca, b->ca);
	assert_int_equal(a->min_version, b->min_version);
	assert_int_equal(a->public_names, b->public_names);
	assert_int_equal(a->public_min_version, b->public_min_version);
	/* B may add peers after A's. */
	assert_true(a->npeers <= b->npeers);
	for (size_t i = 0; i < a->npeers; i++) {
		const struct config_peer *p = &a->peers[i], *q = &b->peers[i];

		assert_string_equal(p->name, q->name);
		assert_string_equal(p->address, q->address);
		assert_string_equal(ntop(&p->addr, x, sizeof(x)),
		    ntop(&q->addr, y, sizeof(y)));
		assert_int_equal(p->nhostnames, q->nhostnames);
		for (size_t j = 0; j < p->nhostnames; j++)
			assert_string_equal(p->hostnames[j], q->hostnames[j]);
		assert_int_equal(p->alias.s_addr, q->alias.s_addr);
		assert_string_equal(p->identity, q->identity);
		assert_same_list(p->nodes, p->nnodes, q->nodes, q->nnodes);
		assert_int_equal(p->allow_hidden, q->allow_hidden);
		assert_int_equal(p->kind, q->kind);
		assert_int_equal(p->via_idx, q->via_idx);
		assert_int_equal(p->min_version, q->min_version);
		assert_same_list(
		    p->local_nodes ? p->local_nodes : a->expose,
		    p->local_nodes ? p->nlocal_nodes : a->nexpose,
		    q->local_nodes ? q->local_nodes : b->expose,
		    q->local_nodes ? q->nlocal_nodes : b->nexpose);
	}
}

/* proxy.ini.example with its absolute directories moved to T's (a new
   string). */
static char *
example_here(const struct tmp *t)
{
	static const char *const dirs[] = {
		"/etc/distgate/", "/var/log/distgate/", "/var/lib/distgate/",
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
static void
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

static void
test_example(void **state)
{
	struct tmp *t = *state;
	char *text, b[80];
	const struct config_peer *p;
	struct config *c1;

	put(t, "hostA.crt", "C\n", 0644);
	put(t, "hostA.key", "K\n", 0600);
	put(t, "ca.crt", "CA\n", 0644);
	text = example_here(t);
	load_ok(t, text);
	c1 = t->cfg;
	t->cfg = NULL;
	assert_string_equal(c1->name, "hostA");
	assert_int_equal(c1->nhostnames, 2);
	assert_string_equal(c1->hostnames[1], "hostA.test");
	assert_defaults(c1);
	assert_path(t, c1->cert, "hostA.crt");
	assert_path(t, c1->key, "hostA.key");
	assert_path(t, c1->ca, "ca.crt");
	assert_int_equal(c1->npeers, 1);
	assert_string_equal(c1->peers[0].name, "hostB");
	assert_string_equal(c1->peers[0].address, "10.77.0.2:4370");
	assert_string_equal(ntop(&c1->peers[0].addr, b, sizeof(b)),
	    "10.77.0.2:4370");
	assert_int_equal(c1->peers[0].nhostnames, 2);
	assert_string_equal(c1->peers[0].hostnames[0], "hostB");
	assert_string_equal(c1->peers[0].hostnames[1], "hostB.test");
	assert_string_equal(alias(&c1->peers[0], b), "127.0.1.1");
	assert_string_equal(c1->peers[0].identity, "hostB");
	assert_int_equal(c1->peers[0].nnodes, 2);
	assert_string_equal(c1->peers[0].nodes[0], "*@hostB");
	assert_string_equal(c1->peers[0].nodes[1], "*@hostB.test");
	assert_null(c1->peers[0].local_nodes);
	assert_null(c1->peers[0].cookie_file);
	assert_int_equal(c1->peers[0].kind, PEER_KIND_GATEWAY);
	assert_null(c1->peers[0].via);
	assert_int_equal(c1->peers[0].via_idx, -1);
	assert_null(c1->peers[0].reach);
	assert_int_equal(c1->peers[0].min_version, TLS1_3_VERSION);

	/* Every commented "; key = value" is the default (or, for the
	   optional files and sections, a valid setting). */
	put(t, "cookie", "SECRET\n", 0600);
	put(t, "hostB.cookie", "SECRET-B\n", 0600);
	put(t, "b1.cookie", "SECRET-B1\n", 0600);
	put(t, "ca.crl", "CRL\n", 0644);
	uncomment_keys(text);
	assert_null(strstr(text, "\n; "));
	load_ok(t, text);
	assert_same_config(c1, t->cfg);
	assert_path(t, t->cfg->cookie_file, "cookie");
	assert_path(t, t->cfg->crl, "ca.crl");
	assert_path(t, t->cfg->audit_file, "audit.log");
	assert_path(t, t->cfg->peers[0].cookie_file, "hostB.cookie");
	assert_int_equal(t->cfg->peers[0].nlocal_nodes, 1);
	assert_int_equal(t->cfg->nnodes, 1);
	assert_string_equal(t->cfg->nodes[0].name, "b1");
	assert_path(t, t->cfg->nodes[0].cookie_file, "b1.cookie");
	assert_int_equal(t->cfg->nodes[0].tls_port, 4390);
	assert_string_equal(ntop(&t->cfg->public_epmd, b, sizeof(b)),
	    "10.77.0.1:4369");
	assert_int_equal(t->cfg->public_port_lo, 4400);
	assert_int_equal(t->cfg->public_port_hi, 4499);
	assert_path(t, t->cfg->state_file, "ports.state");
	/* The optional peers: native hostN, plain hostI (which hostB may
	   reach through us), hostJ through hostB. */
	assert_int_equal(t->cfg->npeers, 4);
	p = &t->cfg->peers[0];
	assert_int_equal(p->nreach, 1);
	assert_string_equal(p->reach[0], "hostI");
	p = &t->cfg->peers[1];
	assert_string_equal(p->name, "hostN");
	assert_int_equal(p->kind, PEER_KIND_NATIVE);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.3:4369");
	assert_string_equal(p->identity, "hostN");
	assert_int_equal(p->min_version, TLS1_2_VERSION);
	assert_string_equal(alias(p, b), "127.0.1.2");
	p = &t->cfg->peers[2];
	assert_string_equal(p->name, "hostI");
	assert_int_equal(p->kind, PEER_KIND_PLAIN);
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.88.0.5:4369");
	assert_int_equal(p->via_idx, -1);
	p = &t->cfg->peers[3];
	assert_string_equal(p->name, "hostJ");
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_string_equal(p->via, "hostB");
	assert_int_equal(p->via_idx, 0);
	assert_string_equal(p->address, "10.77.0.2:4370");
	assert_string_equal(ntop(&p->addr, b, sizeof(b)), "10.77.0.2:4370");
	assert_string_equal(p->identity, "hostB");
	assert_int_equal(p->nnodes, 1);
	assert_string_equal(p->nodes[0], "*@hostJ");
	config_free(c1);
	free(text);
}

/* Finds LINE_START (which begins with '\n') after MARKER and before the
   next STOP (or STOP2 when not NULL); returns 1 and stores the offset and
   length of that line. */
static int
find_in_section(const char *text, const char *marker, const char *stop,
    const char *stop2, const char *line_start, size_t *off, size_t *len)
{
	const char *s = strstr(text, marker), *end, *end2, *hit;

	if (s == NULL)
		return 0;
	s += strlen(marker);
	end = strstr(s, stop);
	end2 = stop2 != NULL ? strstr(s, stop2) : NULL;
	if (end2 != NULL && (end == NULL || end2 < end))
		end = end2;
	hit = strstr(s, line_start);
	if (hit == NULL || (end != NULL && hit > end))
		return 0;
	*off = (size_t)(hit - text);
	*len = 1 + strcspn(text + *off + 1, "\n");
	return 1;
}

/* Finds LINE_START in any [SECTION ...] of the example, commented
   ("; [peer hostN]") or not. */
static int
find_in_example(const char *text, const char *section,
    const char *line_start)
{
	char markers[2][64];
	size_t off, len;

	snprintf(markers[0], sizeof(markers[0]), "\n[%s", section);
	snprintf(markers[1], sizeof(markers[1]), "\n; [%s", section);
	for (size_t m = 0; m < 2; m++)
		for (const char *s = strstr(text, markers[m]); s != NULL;
		    s = strstr(s + 1, markers[m]))
			if (find_in_section(s, markers[m], "\n[", "\n; [",
			    line_start, &off, &len))
				return 1;
	return 0;
}

static void
test_docs_name_every_key(void **state)
{
	char *example = slurp("proxy.ini.example");
	char *doc = slurp("docs/configuration.md");
	char marker[64], want[128];

	(void)state;
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		size_t off, len;
		int commented;

		/* An optional section is shown commented: "; [node b1]".
		   A key may be shown in any section of its kind (via only
		   makes sense in a peer of its own). */
		snprintf(marker, sizeof(marker), "\n[%s", k->section);
		commented = strstr(example, marker) == NULL;
		snprintf(want, sizeof(want), "\n%s%s = ", commented ||
		    k->def != NULL || !(k->flags & CONFIG_KEY_REQUIRED) ?
		    "; " : "", k->name);
		if (!find_in_example(example, k->section, want))
			fail_msg("proxy.ini.example: no \"%s\" in [%s]",
			    want + 1, k->section);
		if (k->def != NULL) {
			snprintf(want, sizeof(want), "\n; %s = %s\n", k->name,
			    k->def);
			if (!find_in_example(example, k->section, want))
				fail_msg("proxy.ini.example: [%s] lacks"
				    " \"%s\"", k->section, want + 1);
		}
		snprintf(marker, sizeof(marker), "\n## [%s", k->section);
		snprintf(want, sizeof(want), "\n| `%s` |", k->name);
		if (!find_in_section(doc, marker, "\n## ", NULL, want, &off,
		    &len))
			fail_msg("docs/configuration.md: no row \"%s\" under"
			    " \"%s\"", want + 1, marker + 1);
		if (k->def != NULL) {
			snprintf(want, sizeof(want), "`%s`", k->def);
			if (memmem(doc + off, len, want, strlen(want)) == NULL)
				fail_msg("docs/configuration.md: row of %s"
				    " lacks default %s", k->name, want);
		}
	}
	free(example);
	free(doc);
}

/* --- fuzz ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static unsigned
rn(struct rng *r, unsigned n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (unsigned)((r->s >> 11) % n);
}

static const char *const fuzz_headers[] = {
	"[gateway]", "[tls]", "[peer hostB]", "[peer p1]", "[peer p2]",
	"[peer]", "[bogus]", "[gateway", "[ tls ]", "[peer a b]",
	"[peer HOSTB]", "[]", "[peer x/y]", "  [peer p3]  # c",
	"[node b1]", "[node b1]", "[node B1]", "[node]", "[node a@b]",
	"[node a b]", "[ node  n_2 ]", "[nodes x]",
};

static const char *const fuzz_values[] = {
	"", "0", "1", "4369", "4370", "65535", "65536", "-1", "yes", "off",
	"hostA", "hostB hostB.test", "a,b,,c", "HOSTA", "x/y", "p1", "p2",
	"127.0.0.1", "::1", "127.0.0.1 ::1", "10.0.0.1", "127.0.1.5",
	"127.0.1.1", "127.0.0.1:4370", "[::1]:4370", "0.0.0.0:4369",
	"127.0.1.0/24", "127.0.2.0/30", "127.0.1.1/24", "10.0.0.0/8",
	"127.0.0.0/8", "64k", "16M", "17m", "4095", "250ms", "10s", "2m",
	"99ms", "61s", "30s", "1h", "cert.pem", "key.pem", "ca.pem",
	"missing.pem", ".", "/", "1.2", "1.3", "debug", "warn", "x ; y",
	"spiffe://x/y", "a # b", "4294967296", "18446744073709551616",
	"*", "app* db?", "a@b", "*@hostB", "*@hostB *@p1", "a@b@c", "a@",
	"@b", "x.y", "[ab]", "cookie", "empty.cookie", "open.cookie",
	"audit.log", "nodir/audit.log", "cert.pem/x", "1000000", "1000001",
	"3600s", "3601s", "24h", "25h", "999ms",
	/* kind, via, reach, tls_port, public_* and state_file */
	"gateway", "native", "plain", "Native", "hostB", "HOSTB", "q1", "q2",
	"p1 p2", "q1, q2", "q1 Q1", "4400", "4369-4370", "4400-4499",
	"4400-4400", "1-10000", "1-10001", "4499-4400", "0-1", "4400-",
	"10.77.0.1:4369", "0.0.0.0:4369", "0.0.0.0:4400", "[::]:4369",
	"[2001:db8::1]:4369", "127.0.0.2:4369", "10.77.0.1:4370",
	"ports.state", "nodir/ports.state",
};

/* The only values "address" gets: no name that needs DNS. */
static const char *const fuzz_addresses[] = {
	"10.77.0.2:4370", "[::1]:4370", "127.0.0.1:1", "localhost:4370",
	"bad!host:1", "10.0.0.1", ":", "", "[::1]", "1.2.3.4:99999",
	"[1.2.3.4]:5", "::1:4", "localhost", "[]", "10.77.0.3", "[::1]:",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
fuzz_append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap)
		n = cap - *len - 1;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static void
fuzz_random_text(struct rng *r, char *out, size_t n)
{
	static const char cs[] = "abcxyzAZ019_-.:/,;#=[] \t\"\\'@\x01\x7f"
	    "\r\xc3\xa9";

	for (size_t i = 0; i < n; i++)
		out[i] = cs[rn(r, sizeof(cs) - 1)];
	out[n] = '\0';
}

/* Builds a random INI-ish file into buf; returns its length. */
static size_t
fuzz_generate(struct rng *r, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned lines = rn(r, 25);
	char tmp[160];

	buf[0] = '\0';
	if (rn(r, 2) == 0) {
		static const char base[] = GW TLS;
		static const char pub[] = GW "public_epmd = 10.77.0.1:4369\n"
		    "public_ports = 4400-4499\n" TLS;

		if (rn(r, 3) == 0)
			fuzz_append(buf, cap, &len, pub, sizeof(pub) - 1);
		else
			fuzz_append(buf, cap, &len, base, sizeof(base) - 1);
	}
	for (unsigned i = 0; i < lines; i++) {
		unsigned kind = rn(r, 20);
		const char *v;

		if (kind < 11) {
			const struct config_key *k =
			    &config_keys[rn(r, (unsigned)config_nkeys)];

			if (rn(r, 8) == 0)
				fuzz_append(buf, cap, &len, "  ", 2);
			fuzz_append(buf, cap, &len, k->name, strlen(k->name));
			v = rn(r, 4) ? " = " : "=";
			fuzz_append(buf, cap, &len, v, strlen(v));
			if (strcmp(k->name, "address") == 0)
				v = fuzz_addresses[rn(r, NELEM(fuzz_addresses))];
			else if (rn(r, 5) == 0) {
				fuzz_random_text(r, tmp, rn(r, 30));
				v = tmp;
			} else
				v = fuzz_values[rn(r, NELEM(fuzz_values))];
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind < 15) {
			v = fuzz_headers[rn(r, NELEM(fuzz_headers))];
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind < 17) {
			v = rn(r, 2) ? "; comment = x" : "   # comment";
			fuzz_append(buf, cap, &len, v, strlen(v));
		} else if (kind == 17) {
			/* A whole section that can pass: [node], or [peer]
			   of some kind with its own lists and links. */
			unsigned id = rn(r, 4), id2 = rn(r, 4);

			switch (rn(r, 7)) {
			case 0:
				snprintf(tmp, sizeof(tmp), "[node n%u]\n"
				    "cookie_file = cookie", id);
				break;
			case 1:
				snprintf(tmp, sizeof(tmp), "[node n%u]\n"
				    "tls_port = 44%02u", id, id2);
				break;
			case 2:
				snprintf(tmp, sizeof(tmp), "[peer q%u]\naddress"
				    " = 10.0.0.%u:1\nhostnames = q%u\n"
				    "local_nodes = n%u*", id, id, id, id);
				break;
			case 3:
				snprintf(tmp, sizeof(tmp), "[peer q%u]\nkind ="
				    " %s\naddress = 10.0.1.%u\nhostnames = q%u",
				    id, rn(r, 2) ? "native" : "plain", id, id);
				break;
			case 4:
				snprintf(tmp, sizeof(tmp), "[peer g%u]\n"
				    "address = 10.0.3.%u:1\nhostnames = g%u\n"
				    "[peer v%u]\nvia = %s%u\nhostnames = v%u",
				    id, id, id, id, rn(r, 4) ? "g" : "q", id2,
				    id);
				break;
			case 5:
				snprintf(tmp, sizeof(tmp), "public_epmd ="
				    " 10.77.0.%u:4369\npublic_ports ="
				    " 44%02u-4499", id + 1, id2);
				break;
			default:
				snprintf(tmp, sizeof(tmp), "[peer r%u]\naddress"
				    " = 10.0.2.%u:1\nhostnames = r%u\nreach ="
				    " q%u", id, id, id, id2);
			}
			fuzz_append(buf, cap, &len, tmp, strlen(tmp));
		} else {
			fuzz_random_text(r, tmp, rn(r, 40));
			fuzz_append(buf, cap, &len, tmp, strlen(tmp));
		}
		fuzz_append(buf, cap, &len, rn(r, 10) ? "\n" : "\r\n",
		    rn(r, 10) ? 1 : 2);
	}
	return len;
}

/* Mutates 1-4 bytes of BASE into buf; returns the length. */
static size_t
fuzz_mutate(struct rng *r, const char *base, size_t blen, char *buf,
    size_t cap)
{
	size_t len = blen;
	unsigned ops = 1 + rn(r, 4);

	memcpy(buf, base, blen);
	for (unsigned i = 0; i < ops && len > 0 && len + 1 < cap; i++) {
		size_t at = rn(r, (unsigned)len);
		char c = (char)rn(r, 256);

		switch (rn(r, 3)) {
		case 0:
			buf[at] = c;
			break;
		case 1:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default:
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = c;
			len++;
		}
	}
	buf[len] = '\0';
	return len;
}

/* True when an "address" line of TEXT is not one of BASE's lines: such a
   value might be a host name that needs DNS. */
static int
fuzz_needs_dns(const char *text, size_t len, const char *base)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[256];

		if (memmem(p, n, "address", 7) != NULL) {
			if (n >= sizeof(line) || memchr(p, '\0', n) != NULL)
				return 1;
			memcpy(line, p, n);
			line[n] = '\0';
			const char *hit = strstr(base, line);
			if (hit == NULL || (hit != base && hit[-1] != '\n') ||
			    hit[n] != '\n')
				return 1;
		}
		p += n + 1;
	}
	return 0;
}

/* The public EPMD rules on a loaded config. */
static void
check_public(const struct config *c)
{
	const struct config_sockaddr *pe = &c->public_epmd;
	unsigned lo = c->public_port_lo, hi = c->public_port_hi;
	uint16_t pport = port_of(pe);
	char b[80];
	int pinned = 0;

	assert_in_range(c->public_names, 0, 1);
	assert_true(c->public_min_version == TLS1_2_VERSION ||
	    c->public_min_version == TLS1_3_VERSION);
	assert_true(c->state_file == NULL || c->state_file[0] == '/');
	assert_true((lo == 0 && hi == 0) || (lo >= 1 && lo <= hi &&
	    hi - lo < 10000));
	if (lo != 0) {
		assert_false(c->epmd_port >= lo && c->epmd_port <= hi);
		assert_false(port_of(&c->listen) >= lo &&
		    port_of(&c->listen) <= hi);
	}
	for (size_t i = 0; i < c->nnodes; i++)
		pinned |= c->nodes[i].tls_port != 0;
	if (pe->len == 0)
		return;
	ntop(pe, b, sizeof(b));
	assert_true(strncmp(b, "127.", 4) != 0 && strncmp(b, "[::1]", 5) != 0
	    && strncmp(b, "[::ffff:127.", 12) != 0);
	if (pport == c->epmd_port)
		assert_true(strncmp(b, "0.0.0.0:", 8) != 0 &&
		    strncmp(b, "[::]:", 5) != 0);
	assert_true(lo != 0 || pinned);
	assert_false(lo != 0 && pport >= lo && pport <= hi);
}

/* The kind, via, reach and min_version rules on peer I. */
static void
check_peer_links(const struct config *c, size_t i)
{
	const struct config_peer *p = &c->peers[i], *v;
	char x[80], y[80];

	assert_in_range(p->kind, PEER_KIND_GATEWAY, PEER_KIND_PLAIN);
	assert_true(p->min_version == TLS1_2_VERSION ||
	    p->min_version == TLS1_3_VERSION);
	assert_int_not_equal(port_of(&p->addr), 0);
	assert_true((p->nreach == 0) == (p->reach == NULL));
	for (size_t r = 0; r < p->nreach; r++) {
		size_t j;

		for (j = 0; j < c->npeers; j++)
			if (strcmp(c->peers[j].name, p->reach[r]) == 0)
				break;
		assert_true(j < c->npeers && j != i);
	}
	if (p->via_idx == -1) {
		assert_null(p->via);
		return;
	}
	assert_in_range(p->via_idx, 0, (long)c->npeers - 1);
	assert_int_not_equal(p->via_idx, (long)i);
	v = &c->peers[p->via_idx];
	assert_string_equal(p->via, v->name);
	assert_int_equal(p->kind, PEER_KIND_GATEWAY);
	assert_int_equal(v->kind, PEER_KIND_GATEWAY);
	assert_int_equal(v->via_idx, -1);
	assert_string_equal(p->address, v->address);
	assert_string_equal(ntop(&p->addr, x, sizeof(x)),
	    ntop(&v->addr, y, sizeof(y)));
}

static void
check_invariants(const struct config *c)
{
	char b[80];

	assert_true(config_valid_name(c->name));
	assert_true(c->nhostnames >= 1);
	assert_true(c->epmd_port >= 1);
	assert_true(c->nepmd_listen >= 1);
	for (size_t i = 0; i < c->nepmd_listen; i++) {
		const char *s = ntop(&c->epmd_listen[i], b, sizeof(b));
		char port[16];

		snprintf(port, sizeof(port), ":%u", c->epmd_port);
		assert_true(strncmp(s, "127.", 4) == 0 ||
		    strncmp(s, "[::1]:", 6) == 0);
		assert_string_equal(strrchr(s, ':'), port);
	}
	assert_true(c->listen.ss.ss_family == AF_INET ||
	    c->listen.ss.ss_family == AF_INET6);
	assert_in_range(c->log_level, LOG_LVL_ERROR, LOG_LVL_DEBUG);
	assert_in_range(c->syslog, 0, 1);
	assert_in_range(c->strict_loopback, 0, 1);
	assert_int_equal(ntohl(c->alias_network.s_addr) >> 24, 127);
	assert_in_range(c->alias_prefix, 8, 30);
	assert_in_range(c->max_connections, 1, 1000000);
	assert_in_range(c->buffer_size, 4096, 16 * 1024 * 1024);
	assert_in_range(c->epmd_timeout_ms, 100, 600000);
	assert_in_range(c->tls_timeout_ms, 100, 600000);
	assert_in_range(c->connect_timeout_ms, 100, 600000);
	assert_in_range(c->handshake_timeout_ms, 100, 600000);
	assert_in_range(c->resolve_timeout_ms, 100, 600000);
	assert_true(c->idle_timeout_ms == 0 || c->idle_timeout_ms > 60000);
	assert_true(c->nexpose >= 1);
	for (size_t i = 0; i < c->nexpose; i++)
		assert_true(config_valid_pattern(c->expose[i], 0));
	assert_in_range(c->lockout_failures, 0, 1000000);
	assert_in_range(c->lockout_window_ms, 1000, 3600000);
	assert_in_range(c->lockout_ban_ms, 1000, 86400000);
	assert_true(c->audit_file == NULL || c->audit_file[0] == '/');
	assert_true(c->cookie_file == NULL || c->cookie_file[0] == '/');
	assert_true((c->nnodes == 0) == (c->nodes == NULL));
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct config_node *n = &c->nodes[i];

		assert_true(config_valid_alive(n->name));
		assert_true(n->cookie_file != NULL || n->tls_port != 0);
		assert_true(n->cookie_file == NULL || (n->cookie_file[0] ==
		    '/' && config_check_cookie_file(n->cookie_file, NULL,
		    0) == 0));
		assert_true(n->tls_port == 0 || (n->tls_port != c->epmd_port &&
		    n->tls_port != port_of(&c->listen) &&
		    (c->public_epmd.len == 0 || n->tls_port !=
		    port_of(&c->public_epmd))));
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(n->name, c->nodes[j].name);
			assert_true(n->tls_port == 0 ||
			    n->tls_port != c->nodes[j].tls_port);
		}
	}
	check_public(c);
	assert_true(c->cert[0] == '/' && c->key[0] == '/' && c->ca[0] == '/');
	assert_true(c->min_version == TLS1_2_VERSION ||
	    c->min_version == TLS1_3_VERSION);
	for (size_t i = 0; i < c->npeers; i++) {
		const struct config_peer *p = &c->peers[i];
		uint32_t a = ntohl(p->alias.s_addr);

		assert_true(config_valid_name(p->name));
		assert_non_null(p->address);
		assert_non_null(p->identity);
		check_peer_links(c, i);
		assert_true(p->nhostnames >= 1);
		assert_true(p->nnodes >= 1);
		for (size_t j = 0; j < p->nnodes; j++)
			assert_true(config_valid_pattern(p->nodes[j], 1));
		assert_in_range(p->allow_hidden, 0, 1);
		assert_true((p->nlocal_nodes == 0) == (p->local_nodes == NULL));
		for (size_t j = 0; j < p->nlocal_nodes; j++)
			assert_true(config_valid_pattern(p->local_nodes[j], 0));
		assert_true(p->cookie_file == NULL || p->cookie_file[0] == '/');
		assert_int_equal(a >> 24, 127);
		assert_true(a != INADDR_LOOPBACK);
		assert_ptr_equal(config_peer_by_alias(c, p->alias), p);
		for (size_t j = 0; j < c->nepmd_listen; j++)
			assert_true(c->epmd_listen[j].ss.ss_family != AF_INET ||
			    ((const struct sockaddr_in *)&c->epmd_listen[j].ss)
			    ->sin_addr.s_addr != p->alias.s_addr);
		for (size_t j = 0; j < p->nhostnames; j++) {
			for (size_t k = 0; k < c->nhostnames; k++)
				assert_true(strcasecmp(p->hostnames[j],
				    c->hostnames[k]) != 0);
			for (size_t q = 0; q < i; q++)
				for (size_t k = 0; k < c->peers[q].nhostnames;
				    k++)
					assert_true(strcasecmp(p->hostnames[j],
					    c->peers[q].hostnames[k]) != 0);
		}
	}
}

/* Drops the '#' comment lines and blank lines of TEXT, in place. */
static void
drop_prose(char *text)
{
	char *in = text, *out = text;

	while (*in != '\0') {
		size_t n = strcspn(in, "\n");
		int keep = n > 0 && in[0] != '#';

		if (in[n] == '\n')
			n++;
		if (keep) {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = '\0';
}

/* One input through config_load_buffer (or config_load when FILE); counts
   successes in ok[0], those with a [node] section or a peer's own
   local_nodes in ok[1], those with a peer of another kind, via, reach, a
   tls_port or public_epmd in ok[2]. */
static void
fuzz_one(struct tmp *t, const char *name, const char *text, size_t len,
    int file, unsigned ok[3])
{
	struct config *c = NULL;
	char err[256];
	size_t n = strlen(name);
	int rc;

	if (file) {
		FILE *f;

		/* A new file each time: rewriting one in place makes ext4
		   flush it on close. */
		(void)unlink(name);
		f = fopen(name, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		rc = config_load(name, &c, err, sizeof(err));
	} else
		rc = config_load_buffer(name, text, len, &c, err, sizeof(err));
	(void)t;
	if (rc == 0) {
		assert_non_null(c);
		check_invariants(c);
		int extra = c->nnodes > 0, links = c->public_epmd.len != 0;
		for (size_t i = 0; i < c->npeers; i++) {
			const struct config_peer *p = &c->peers[i];

			extra |= p->local_nodes != NULL;
			links |= p->kind != PEER_KIND_GATEWAY ||
			    p->via != NULL || p->reach != NULL;
		}
		for (size_t i = 0; i < c->nnodes; i++)
			links |= c->nodes[i].tls_port != 0;
		ok[0]++;
		ok[1] += extra;
		ok[2] += links;
		config_free(c);
		return;
	}
	assert_int_equal(rc, -1);
	assert_null(c);
	if (strncmp(err, name, n) != 0 || err[n] != ':' ||
	    strstr(err + n, ": ") == NULL)
		fail_msg("bad message \"%s\" for input \"%s\"", err, text);
}

static void
test_fuzz(void **state)
{
	struct tmp *t = *state;
	struct rng r = { 0x9e3779b97f4a7c15ull };
	char name[128], buf[4096], *base;
	unsigned ok_gen[3] = { 0 }, ok_mut[3] = { 0 }, ok_file[3] = { 0 };
	unsigned skipped = 0;
	size_t len, blen;

	snprintf(name, sizeof(name), "%s/fuzz.ini", t->dir);
	put(t, "hostA.crt", "C\n", 0644);
	put(t, "hostA.key", "K\n", 0600);
	put(t, "ca.crt", "CA\n", 0644);
	base = example_here(t);
	uncomment_keys(base);
	drop_prose(base);
	blen = strlen(base);
	assert_true(blen + 8 < sizeof(buf));
	/* The uncommented example needs its optional files. */
	put(t, "cookie", "S\n", 0600);
	put(t, "hostB.cookie", "B\n", 0600);
	put(t, "b1.cookie", "N\n", 0600);
	put(t, "ca.crl", "R\n", 0644);
	/* Cookie files that fail, for the generated inputs. */
	put(t, "empty.cookie", "\n", 0600);
	put(t, "open.cookie", "O\n", 0644);

	for (unsigned i = 0; i < 100000; i++) {
		len = fuzz_generate(&r, buf, sizeof(buf));
		fuzz_one(t, name, buf, len, 0, ok_gen);
	}
	for (unsigned i = 0; i < 100000; i++) {
		len = fuzz_mutate(&r, base, blen, buf, sizeof(buf));
		if (fuzz_needs_dns(buf, len, base)) {
			skipped++;
			continue;
		}
		fuzz_one(t, name, buf, len, 0, ok_mut);
	}
	for (unsigned i = 0; i < 3000; i++) {
		len = fuzz_generate(&r, buf, sizeof(buf));
		fuzz_one(t, name, buf, len, 1, ok_file);
	}
	print_message("fuzz: generated %u ok of 100000, mutated %u ok of"
	    " %u, files %u ok of 3000; with [node] or local_nodes: %u, %u,"
	    " %u; with kinds, via, reach, tls_port or public_epmd: %u, %u,"
	    " %u\n", ok_gen[0], ok_mut[0], 100000 - skipped, ok_file[0],
	    ok_gen[1], ok_mut[1], ok_file[1], ok_gen[2], ok_mut[2],
	    ok_file[2]);
	/* The loops must reach the success path, not only errors. */
	assert_true(ok_gen[0] > 100);
	assert_true(ok_mut[0] > 100);
	assert_true(ok_file[0] > 3);
	assert_true(ok_gen[1] > 10);
	assert_true(ok_mut[1] > 100);
	assert_true(ok_gen[2] > 100);
	assert_true(ok_mut[2] > 100);
	free(base);
}

/*
 * config_load() sets Debian's libinih run-time options for its own parse
 * and puts them back, whether the load succeeds or fails.  Section names
 * come from config_ini.c, not from inih, which cuts them to 49 bytes:
 * two 64-character peer NAMEs that share their first 49 stay apart.
 */
static void
test_inih_options(void **state)
{
	struct tmp *t = *state;
	static char semicolon[] = ";";
	char a[65], b[65], text[800], want[200];
	bool multiline = true, stop = false, stack = true, bom = true;
	char *inline_prefixes = semicolon;
	int alloc = 200;

	/* inih's defaults as built (ini.h), in case a test left others. */
	ini_allow_multiline = multiline;
	ini_stop_on_first_error = stop;
	ini_use_stack = stack;
	ini_allow_bom = bom;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_initial_alloc = alloc;
	memset(a, 'a', 64);
	a[64] = '\0';
	memcpy(b, a, sizeof(b));
	b[63] = 'b';
	/* Lines 7-10 and 11-13. */
	snprintf(text, sizeof(text), GW TLS "[peer %s]  # first\n"
	    "address = 10.0.0.1:1\nhostnames = ha\nidentity = x#y # z\n"
	    "[peer %s] ; second\naddress = 10.0.0.2:1\nhostnames = hb\n",
	    a, b);
	load_ok(t, text);
	assert_int_equal(t->cfg->npeers, 2);
	assert_string_equal(t->cfg->peers[0].name, a);
	assert_string_equal(t->cfg->peers[0].hostnames[0], "ha");
	assert_string_equal(t->cfg->peers[0].identity, "x#y");
	assert_string_equal(t->cfg->peers[1].name, b);
	assert_string_equal(t->cfg->peers[1].hostnames[0], "hb");
	assert_string_equal(t->cfg->peers[1].identity, b);
	assert_true(ini_allow_multiline == multiline);
	assert_true(ini_stop_on_first_error == stop);
	assert_true(ini_use_stack == stack);
	assert_true(ini_allow_bom == bom);
	assert_ptr_equal(ini_inline_comment_prefixes, inline_prefixes);
	assert_int_equal(ini_initial_alloc, alloc);

	/* Lines 7-9 and 10-12: the second peer lacks its address. */
	snprintf(text, sizeof(text), GW TLS "[peer %s]\naddress = 10.0.0.1:1\n"
	    "hostnames = ha\n[peer %s]\nhostnames = hb\nidentity = x\n", a,
	    b);
	snprintf(want, sizeof(want), ":10: [peer %s]: missing required key"
	    " address", b);
	load_err(t, text, want);
	load_err(t, GW "  hostB\n", ":3: hostB: expected key = value"
	    " (indented continuation lines are not supported)");
	assert_true(ini_allow_multiline == multiline);
	assert_true(ini_stop_on_first_error == stop);
	assert_int_equal(ini_initial_alloc, alloc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_defaults),
		T(test_full),
		T(test_sections),
		T(test_syntax),
		T(test_nul_byte),
		T(test_inih_options),
		T(test_gateway_values),
		T(test_files),
		T(test_relative_paths),
		T(test_aliases),
		T(test_peers),
		T(test_access),
		T(test_node_sections),
		T(test_cookie_files),
		T(test_lockout_audit),
		T(test_peer_kinds),
		T(test_via),
		T(test_reach),
		T(test_node_ports),
		T(test_public),
		T(test_patterns),
		T(test_err_buffer),
		T(test_parse_duration),
		T(test_value_parsers),
		T(test_port_range),
		T(test_example),
		T(test_docs_name_every_key),
		T(test_fuzz),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
