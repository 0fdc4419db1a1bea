/*
 * test_config_reload.c — config_reload_fit(): aliases of running peers
 * stay put whatever the new file assigns, new peers that would take one
 * get another, and keys only a restart applies keep their running value
 * (each named once through the note callback).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "config_fixture.h"

#define GWR "[gateway]\nhostnames = hostA\n"
#define TLSR "[tls]\ncert = cert.pem\nkey = key.pem\nca = ca.pem\n"
#define RPEER(n) "[peer " n "]\naddress = 10.0.0.2:4370\nhostnames = " n "\n"

struct notes {
	char keys[512];
	int n;
};

static void
note(const char *key, void *arg)
{
	struct notes *ns = arg;

	strncat(ns->keys, key, sizeof(ns->keys) - strlen(ns->keys) - 2);
	strcat(ns->keys, " ");
	ns->n++;
}

static struct config *
load_cfg(struct tmp *t, const char *text)
{
	struct config *c;

	load_ok(t, text);
	c = t->cfg;
	t->cfg = NULL;
	return c;
}

static const char *
alias_of(const struct config *c, const char *name, char *b)
{
	for (size_t i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return inet_ntop(AF_INET, &c->peers[i].alias, b, 16);
	return "none";
}

/* b is removed, so the file alone would move c to b's alias and give the
 * new peer d c's: running c keeps its own, d takes a free one. */
static void
test_aliases_stay(void **state)
{
	struct tmp *t = *state;
	struct config *old = load_cfg(t, GWR RPEER("b") RPEER("c") TLSR);
	struct config *nw = load_cfg(t, GWR RPEER("c") RPEER("d") TLSR);
	struct notes ns = { "", 0 };
	char b[16], err[256];

	assert_string_equal(alias_of(old, "c", b), "127.0.1.2");
	assert_string_equal(alias_of(nw, "c", b), "127.0.1.1");
	assert_int_equal(config_reload_fit(nw, old, note, &ns, err,
	    sizeof(err)), 0);
	assert_string_equal(alias_of(nw, "c", b), "127.0.1.2");
	assert_string_equal(alias_of(nw, "d", b), "127.0.1.1");
	assert_int_equal(ns.n, 0);
	config_free(old);
	config_free(nw);
}

/* A new peer whose alias a running peer holds (b's alias moved by hand
 * in the file, d given b's old one): b keeps its own, d gets a free
 * one. */
static void
test_alias_collision(void **state)
{
	struct tmp *t = *state;
	struct config *old = load_cfg(t, GWR RPEER("b") TLSR);
	struct config *nw = load_cfg(t, GWR RPEER("b") "alias = 127.0.1.9\n"
	    RPEER("d") "alias = 127.0.1.1\n" TLSR);
	char b[16], err[256];

	assert_int_equal(config_reload_fit(nw, old, NULL, NULL, err,
	    sizeof(err)), 0);
	/* d got b's running alias by hand: d moves, b stays. */
	assert_string_equal(alias_of(nw, "b", b), "127.0.1.1");
	assert_string_not_equal(alias_of(nw, "d", b), "127.0.1.1");
	config_free(old);
	config_free(nw);
}

/* Keys only a restart applies keep the running value, each noted. */
static void
test_restart_keys(void **state)
{
	struct tmp *t = *state;
	struct config *old = load_cfg(t, GWR "max_connections = 100\n"
	    "epmd_listen = 127.0.0.1\n" RPEER("b") TLSR);
	struct config *nw = load_cfg(t, GWR "max_connections = 200\n"
	    "lockout_ban = 1m\nepmd_listen = 127.0.0.1 ::1\n"
	    "idle_timeout = 2m\n" RPEER("b") TLSR);
	struct notes ns = { "", 0 };
	char err[256];

	assert_int_equal(config_reload_fit(nw, old, note, &ns, err,
	    sizeof(err)), 0);
	assert_int_equal(nw->max_connections, 100);
	assert_int_equal(nw->lockout_ban_ms, old->lockout_ban_ms);
	assert_int_equal(nw->nepmd_listen, 1);
	/* Applied by a reload: not kept. */
	assert_int_equal(nw->idle_timeout_ms, 120000);
	assert_string_equal(ns.keys, "max_connections lockout_ban "
	    "epmd_listen ");
	config_free(old);
	config_free(nw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aliases_stay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alias_collision,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keys, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
