/*
 * test_config_parse.c — whole files through config_load() and
 * config_load_buffer(): a good file with exact values and defaults, the
 * syntax that libinih reads with the options config_ini.c gives it,
 * section headers ([gateway], [tls], [peer NAME], [node ALIVE]), the line
 * each error names, and the error buffer.
 */
#include "config_fixture.h"

#include <ini.h>
#include <stdbool.h>

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
	    "dead_peer_timeout = 45s\n"
	    "link_ping_interval = 2500ms\n"
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
	assert_int_equal(c->dead_peer_timeout_ms, 45000);
	assert_int_equal(c->link_ping_interval_ms, 2500);
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
		T(test_node_sections),
		T(test_err_buffer),
		T(test_inih_options),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
