/*
 * dgload.c — the benchmark's raw load tool: command line, the acceptor
 * server and the receiver throttle.  See dgload.h and bench/README.md.
 *
 *   dgload accept [--raw] [--name NODE] [--register ADDR:PORT] ADDR:PORT
 *   dgload run [--raw] [--name NODE] [--node NODE] (--to ADDR:PORT |
 *       --epmd ADDR:PORT) [--pids PID,...] [--key KEY] TEST...
 *         TEST: oneway:FRAME:SECS duplex:FRAME:SECS rtt:N idle:N:PAR:HOLD
 *   dgload throttle PID STOP_MS RUN_MS SECS
 *
 * Results go to stdout as "name value..." lines, errors to stderr; the
 * exit status is 0 when every test ran.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/dgload.h"

#define CONN_STACK	(256 * 1024)

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dgload accept [--raw] [--name NODE] [--register ADDR:PORT] "
	    "ADDR:PORT\n"
	    "       dgload run [--raw] [--name NODE] [--node NODE] "
	    "(--to ADDR:PORT | --epmd ADDR:PORT)\n"
	    "           [--pids PID,...] [--key KEY] TEST...\n"
	    "           TEST: oneway:FRAME:SECS duplex:FRAME:SECS rtt:N "
	    "idle:N:PAR:HOLD\n"
	    "       dgload throttle PID STOP_MS RUN_MS SECS\n");
	exit(2);
}

/* One accepted connection, served on its own thread. */
struct job {
	int fd;
	int raw;
	const char *name;
};

static void *
job_main(void *arg)
{
	struct job *j = arg;

	(void)dgl_serve(j->fd, j->name, j->raw);
	free(j);
	return NULL;
}

static int
cmd_accept(int argc, char **argv)
{
	const char *name = "bl@hostB.test", *reg = NULL;
	char addr[64], ealive[DGL_NAME_MAX], eaddr[64], *at;
	uint16_t port, bound, eport;
	pthread_attr_t attr;
	pthread_t th;
	struct job *j;
	int raw = 0, lfd, rfd = -1, fd, i;

	for (i = 2; i < argc - 1; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else if (strcmp(argv[i], "--name") == 0 && i + 2 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--register") == 0 && i + 2 < argc)
			reg = argv[++i];
		else
			usage();
	}
	if (i != argc - 1 || dgl_hostport(argv[i], addr, sizeof(addr), &port))
		usage();
	if ((lfd = dgl_listen(addr, port, &bound)) == -1)
		return 1;
	if (reg != NULL) {
		(void)snprintf(ealive, sizeof(ealive), "%s", name);
		if ((at = strchr(ealive, '@')) != NULL)
			*at = '\0';
		if (dgl_hostport(reg, eaddr, sizeof(eaddr), &eport) == -1)
			usage();
		/* Kept open for the life of the process: the registration. */
		if ((rfd = dgl_epmd_register(eaddr, eport, ealive, bound)) == -1)
			return 1;
	}
	printf("ready %u\n", bound);
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("dgload: accept");
			break;
		}
		if ((j = malloc(sizeof(*j))) == NULL) {
			close(fd);
			continue;
		}
		j->fd = fd;
		j->raw = raw;
		j->name = name;
		if (pthread_create(&th, &attr, job_main, j) != 0) {
			close(fd);
			free(j);
		}
	}
	pthread_attr_destroy(&attr);
	if (rfd != -1)
		close(rfd);
	close(lfd);
	return 1;
}

/* Parses "PID,PID,..." into PR.  Returns 0/-1. */
static int
parse_pids(const char *s, struct dgl_probe *pr)
{
	char *end;
	long v;

	pr->n = 0;
	while (*s != '\0') {
		if (pr->n == DGL_MAXPIDS)
			return -1;
		v = strtol(s, &end, 10);
		if (end == s || v <= 0)
			return -1;
		pr->pid[pr->n++] = (int)v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return 0;
}

/* Runs one TEST on the shared connection *FD (opened on first need). */
static int
run_test(const char *test, const struct dgl_target *t, int *fd,
    const struct dgl_probe *pr, const char *key)
{
	char k[128];
	unsigned long a = 0, b = 0;
	double secs = 0;
	const char *arg = strchr(test, ':');

	if (arg == NULL)
		return -1;
	(void)snprintf(k, sizeof(k), "%s_%.*s", key, (int)(arg - test), test);
	if (strncmp(test, "idle:", 5) == 0) {
		if (sscanf(arg, ":%lu:%lu:%lf", &a, &b, &secs) != 3 || a == 0 ||
		    b == 0)
			return -1;
		return dgl_idle(t, (unsigned)a, (unsigned)b, secs, pr);
	}
	if (*fd == -1 && (*fd = dgl_open(t)) == -1)
		return -1;
	if (strncmp(test, "oneway:", 7) == 0 &&
	    sscanf(arg, ":%lu:%lf", &a, &secs) == 2 && a >= 16)
		return dgl_oneway(*fd, a, secs, pr, k);
	if (strncmp(test, "duplex:", 7) == 0 &&
	    sscanf(arg, ":%lu:%lf", &a, &secs) == 2 && a >= 16)
		return dgl_duplex(*fd, a, secs, k);
	if (strncmp(test, "rtt:", 4) == 0 && sscanf(arg, ":%lu", &a) == 1)
		return dgl_rtt(*fd, (unsigned)a, k);
	fprintf(stderr, "dgload: bad test %s\n", test);
	return -1;
}

static int
cmd_run(int argc, char **argv)
{
	struct dgl_target t;
	struct dgl_probe pr = { .n = 0 };
	const char *key = "raw", *to = NULL;
	int i, fd = -1, rc = 0, epmd = 0;

	memset(&t, 0, sizeof(t));
	t.handshake = 1;
	(void)snprintf(t.name, sizeof(t.name), "la@hostA.test");
	(void)snprintf(t.node, sizeof(t.node), "bl@hostB.test");
	for (i = 2; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--raw") == 0) {
			t.handshake = 0;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--name") == 0)
			(void)snprintf(t.name, sizeof(t.name), "%s", argv[++i]);
		else if (strcmp(argv[i], "--node") == 0)
			(void)snprintf(t.node, sizeof(t.node), "%s", argv[++i]);
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[++i];
		else if (strcmp(argv[i], "--epmd") == 0) {
			to = argv[++i];
			epmd = 1;
		} else if (strcmp(argv[i], "--key") == 0)
			key = argv[++i];
		else if (strcmp(argv[i], "--pids") == 0) {
			if (parse_pids(argv[++i], &pr) == -1)
				usage();
		} else
			usage();
	}
	if (to == NULL || i == argc ||
	    dgl_hostport(to, t.addr, sizeof(t.addr), &t.port) == -1)
		usage();
	if (epmd) {
		t.epmd_port = t.port;
		t.port = 0;
	}
	if (!t.handshake)
		t.node[0] = '\0';
	for (; i < argc && rc == 0; i++) {
		rc = run_test(argv[i], &t, &fd, &pr, key);
		fflush(stdout);
	}
	if (fd != -1)
		close(fd);
	return rc == 0 ? 0 : 1;
}

/* Stops PID for STOP_MS, lets it run RUN_MS, for SECS seconds (or until
 * SIGTERM/SIGINT); it is left running. */
static int
cmd_throttle(int argc, char **argv)
{
	struct timespec ts;
	long stop_ms, run_ms;
	double end;
	pid_t pid;

	if (argc != 6)
		usage();
	pid = (pid_t)atol(argv[2]);
	stop_ms = atol(argv[3]);
	run_ms = atol(argv[4]);
	end = dgl_now() + atof(argv[5]);
	if (pid <= 0 || stop_ms <= 0 || run_ms <= 0)
		usage();
	while (!stopping && dgl_now() < end) {
		if (kill(pid, SIGSTOP) == -1)
			break;
		ts.tv_sec = stop_ms / 1000;
		ts.tv_nsec = stop_ms % 1000 * 1000000L;
		(void)nanosleep(&ts, NULL);
		(void)kill(pid, SIGCONT);
		ts.tv_sec = run_ms / 1000;
		ts.tv_nsec = run_ms % 1000 * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
	return kill(pid, SIGCONT) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "accept") == 0) {
		/* The server ends by the default action of SIGTERM. */
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGINT, &sa, NULL);
		return cmd_accept(argc, argv);
	}
	if (strcmp(argv[1], "run") == 0) {
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGINT, &sa, NULL);
		return cmd_run(argc, argv);
	}
	if (strcmp(argv[1], "throttle") == 0)
		return cmd_throttle(argc, argv);
	usage();
	return 2;
}
