/*
 * reload_life.c — around the reload: the pid file `distgate reload`
 * finds the gateway by, the signal it sends, and the daily check of
 * certificate expiry.  See reload.h.
 */
#include "proxy/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "crypto/certcheck.h"
#include "proxy/gateway.h"
#include "proxy/util/log.h"

#define CERT_CHECK_S	86400	/* the expiry check runs once a day */

static void
warn_one(const char *what, const char *path, time_t t, unsigned days)
{
	char left[48], when[32];
	struct tm tm;

	if (!certcheck_warn_due(time(NULL), t, days, left, sizeof(left)))
		return;
	(void)gmtime_r(&t, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_warnx("certificate %s %s %s on %s (%s): renew it (replace the "
	    "file, then distgate reload)", what, path, t < time(NULL) ?
	    "expired" : "expires", when, left);
}

void
reload_cert_check(struct gateway *gw)
{
	const struct config *cfg = gw->cfg;
	char why[256];
	time_t t;

	if (certcheck_expiry(cfg->cert, 1, &t, why, sizeof(why)) == 0) {
		gw->cert_expiry = t;
		warn_one("cert", cfg->cert, t, cfg->cert_warn_days);
	} else
		log_warnx("certificate expiry check: %s", why);
	if (certcheck_expiry(cfg->ca, 0, &t, why, sizeof(why)) == 0) {
		gw->ca_expiry = t;
		warn_one("ca", cfg->ca, t, cfg->cert_warn_days);
	} else
		log_warnx("certificate expiry check: %s", why);
}

static void
on_certtick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reload_cert_check(arg);
}

/* Writes our pid into PATH (through a temporary file renamed over it, so
 * a reader never sees half of it).  Returns 0 or -1 with ERR set. */
static int
pidfile_write(const char *path, char *err, size_t errlen)
{
	char tmp[4096], buf[32];
	int fd, n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "pid_file %s: name too long", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		goto fail;
	if (write(fd, buf, (size_t)n) != n) {
		(void)close(fd);
		(void)unlink(tmp);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "pid_file %s: %s", path, strerror(errno));
	return -1;
}

int
reload_init(struct gateway *gw, char *err, size_t errlen)
{
	struct timeval day = { CERT_CHECK_S, 0 };

	if (gw->cfg->pid_file != NULL &&
	    pidfile_write(gw->cfg->pid_file, err, errlen) == -1)
		return -1;
	reload_cert_check(gw);
	if ((gw->certtick = event_new(gw->base, -1, EV_PERSIST, on_certtick,
	    gw)) == NULL || event_add(gw->certtick, &day) == -1) {
		snprintf(err, errlen, "certificate check timer setup failed");
		return -1;
	}
	return 0;
}

void
reload_fini(struct gateway *gw)
{
	if (gw->certtick != NULL) {
		event_free(gw->certtick);
		gw->certtick = NULL;
	}
	/* Ours only: a pid file another instance rewrote stays. */
	if (gw->cfg != NULL && gw->cfg->pid_file != NULL) {
		FILE *f = fopen(gw->cfg->pid_file, "re");
		long pid = 0;

		if (f != NULL) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			(void)fclose(f);
		}
		if (pid == (long)getpid())
			(void)unlink(gw->cfg->pid_file);
	}
}

/* 1 if process PID runs a program named distgate (its /proc comm). */
static int
is_distgate(long pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : 1;	/* no /proc: trust it */
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	(void)fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "distgate") == 0;
}

int
reload_signal(const struct config *cfg, char *err, size_t errlen)
{
	char buf[32], *end;
	ssize_t n;
	long pid;
	int fd;

	if (cfg->pid_file == NULL) {
		snprintf(err, errlen, "%s: pid_file: not set: cannot find the "
		    "running gateway (send it SIGHUP)", cfg->path);
		return -1;
	}
	if ((fd = open(cfg->pid_file, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "pid_file %s: %s (is distgate running?)",
		    cfg->pid_file, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (n <= 0 || errno != 0 || end == buf || (*end != '\n' &&
	    *end != '\0') || pid <= 1) {
		snprintf(err, errlen, "pid_file %s: no pid in it",
		    cfg->pid_file);
		return -1;
	}
	if (!is_distgate(pid)) {
		snprintf(err, errlen, "pid_file %s: process %ld is not a "
		    "running distgate (stale pid file?)", cfg->pid_file, pid);
		return -1;
	}
	if (kill((pid_t)pid, SIGHUP) == -1) {
		snprintf(err, errlen, "kill %ld: %s", pid, strerror(errno));
		return -1;
	}
	return 0;
}
