/* main.c — the distgate command: run, check a configuration, print inetrc,
 * reload the running gateway. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/gateway_start.h"
#include "proxy/inetrc.h"
#include "proxy/statusc.h"
#include "proxy/reload.h"
#include "proxy/notify.h"
#include "proxy/priv.h"
#include "proxy/util/log.h"
#include "proxy/wire/registry.h"

#define DEFAULT_CONFIG	"/etc/distgate/proxy.ini"

/* Every second: the summaries of rate-limited log lines (log.h), and the
 * service manager's status line when it changed (notify.h). */
static void
on_log_tick(evutil_socket_t fd, short what, void *arg)
{
	const struct gateway *gw = arg;

	(void)fd;
	(void)what;
	log_rl_tick();
	notify_status("%zu peer(s), %zu local node(s), connections: %u local,"
	    " %u remote", gw->npeers, registry_count(gw->reg), gw->nlocal,
	    gw->nremote);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: distgate [-c FILE] [-t | inetrc | reload | status [--json]]\n"
	    "\n"
	    "A gateway for Erlang/Elixir distribution: the host's EPMD, and\n"
	    "mutual TLS between hosts on one pinned port.\n"
	    "\n"
	    "  -c FILE     configuration (default " DEFAULT_CONFIG ")\n"
	    "  -t          check the configuration, print \"configuration OK\"\n"
	    "  -d          log at debug level (overrides log_level)\n"
	    "  inetrc      print the Erlang inetrc for this host's nodes\n"
	    "  status      ask the running gateway (status_listen) for its\n"
	    "              nodes, peers, tunnels and bans, as a table\n"
	    "  --json      with status: print them as JSON\n"
	    "  reload      check the configuration and its files, then make\n"
	    "              the running gateway (pid_file) reload it\n"
	    "  --version   print the version\n"
	    "  --help      this text\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	int check = 0, debug = 0, json = 0, ch, rc = 1;
	struct config *cfg = NULL, *owned;
	struct event_base *base = NULL;
	struct event *tick = NULL;
	struct timeval one = { 1, 0 };
	struct gateway gw;
	struct priv_plan plan;
	char err[1024];

	while ((ch = getopt_long(argc, argv, "c:tdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("distgate %s (%s, libevent %s)\n",
			    DISTGATE_VERSION, OpenSSL_version(OPENSSL_VERSION),
			    event_get_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "inetrc") != 0 &&
	    strcmp(argv[0], "status") != 0 && strcmp(argv[0], "reload") != 0) ||
	    (json && (argc == 0 || strcmp(argv[0], "status") != 0))) {
		usage(stderr);
		return 2;
	}
	if (config_load(path, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc == 0 && priv_plan(cfg, geteuid(), getegid(), &plan, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		config_free(cfg);
		return 1;
	}
	if (check) {
		for (size_t i = 0; i < cfg->npeers; i++) {
			if (config_cookie_gap(cfg, i, err, sizeof(err)))
				printf("warning: %s\n", err);
			if (config_native_gap(cfg, i, err, sizeof(err)))
				printf("warning: %s\n", err);
		}
		printf("configuration OK\n");
		config_free(cfg);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "reload") == 0) {
		/* Checked as the gateway will load it: nothing is sent when
		 * it would refuse. */
		if (reload_check_files(cfg, err, sizeof(err)) == -1 ||
		    reload_signal(cfg, err, sizeof(err)) == -1)
			fprintf(stderr, "%s\n", err);
		else {
			printf("reload requested\n");
			rc = 0;
		}
		config_free(cfg);
		return rc;
	}
	if (argc == 1 && strcmp(argv[0], "status") == 0) {
		rc = 0;
		if (statusc_get(cfg, json ? "/status" : "/status.txt", stdout,
		    err, sizeof(err)) == -1) {
			fprintf(stderr, "distgate status: %s\n", err);
			rc = 1;
		}
		config_free(cfg);
		return rc;
	}
	if (argc == 1) {
		rc = inetrc_write(stdout, cfg) == 0 ? 0 : 1;
		config_free(cfg);
		return rc;
	}
	log_init(debug ? LOG_LVL_DEBUG : (enum log_level)cfg->log_level,
	    cfg->syslog);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	memset(&gw, 0, sizeof(gw));
	if ((tick = event_new(base, -1, EV_PERSIST, on_log_tick, &gw)) ==
	    NULL || event_add(tick, &one) == -1)
		fatalx("log timer setup failed");
	if (gateway_start(&gw, base, cfg, err, sizeof(err)) == -1) {
		log_error("start-up failed: %s", err);
		goto done;
	}
	if (reload_init(&gw, err, sizeof(err)) == -1) {
		log_error("start-up failed: %s", err);
		goto done;
	}
	/* Every listener is bound and every file read: nothing more needs
	 * root.  No connection has been served yet (the loop has not run). */
	if (priv_drop(&plan, err, sizeof(err)) == -1) {
		log_error("dropping privileges failed: %s", err);
		goto done;
	}
	if (plan.drop)
		log_info("running as user %s (uid %lu), group %s (gid %lu)",
		    plan.user, (unsigned long)plan.uid, plan.group,
		    (unsigned long)plan.gid);
	else if (plan.as_root)
		log_warnx("running as root (run_as_root = yes)");
	notify_ready();
	log_info("distgate %s started: %s, %zu peer(s)", DISTGATE_VERSION,
	    cfg->name, cfg->npeers);
	if (event_base_dispatch(base) == -1)
		log_error("event loop failed");
	else
		rc = 0;
	log_info("stopped");
done:
	reload_fini(&gw);
	owned = gw.cfg_owned;	/* what a reload loaded, in force till now */
	gateway_stop(&gw);
	config_free(owned);
	/* What was suppressed since the last summary, and the counters. */
	log_rl_flush();
	event_free(tick);
	event_base_free(base);
	config_free(cfg);
	return rc;
}
