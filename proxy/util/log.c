/* log.c — see log.h. */
#include "proxy/util/log.h"
#include "proxy/util/clock.h"
#include "proxy/util/ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_level threshold = LOG_LVL_INFO;
static int to_syslog;
static struct ratelimit limits;
static int limits_ready;

void
log_init(enum log_level level, int use_syslog)
{
	threshold = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("distgate", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= threshold;
}

static void
vlog(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	static const char *tags[] = { "error", "warn", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[2048];

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (to_syslog) {
		syslog(prio[level], "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ distgate %s: %s%s%s\n", when,
	    ts.tv_nsec / 1000000, tags[level], msg, suffix ? ": " : "",
	    suffix ? suffix : "");
}

static void
log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

static struct ratelimit *
rl(void)
{
	if (!limits_ready) {
		rl_init(&limits, LOG_RL_BURST, LOG_RL_WINDOW_MS);
		limits_ready = 1;
	}
	return &limits;
}

static void
summary(const struct rl_class *c, uint64_t n, void *arg)
{
	(void)arg;
	log_at((enum log_level)c->tag, "ratelimit class=\"%s\": %llu similar "
	    "suppressed; total=%llu passed=%llu suppressed=%llu", c->key,
	    (unsigned long long)n, (unsigned long long)c->total,
	    (unsigned long long)c->passed, (unsigned long long)c->suppressed);
}

/* vlog() for a line of class CLS: counted, written if let through, after
 * the summary of what the class suppressed before. */
static void
vlog_limited(enum log_level level, const char *cls, const char *suffix,
    const char *fmt, va_list ap)
{
	const struct rl_class *c;
	uint64_t n;
	int pass;

	pass = rl_event(rl(), cls, (int)level, clock_ms(), &n, &c);
	if (n > 0)
		summary(c, n, NULL);
	if (pass)
		vlog(level, suffix, fmt, ap);
}

#define LOGFN(fn, lvl)                          \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		vlog(lvl, NULL, fmt, ap);       \
		va_end(ap);                     \
	}
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)
LOGFN(log_error, LOG_LVL_ERROR)

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(LOG_LVL_WARN, fmt, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog_limited(LOG_LVL_WARN, fmt, e, fmt, ap);
	va_end(ap);
}

void
log_limited(enum log_level level, const char *cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(level, cls, NULL, fmt, ap);
	va_end(ap);
}

void
log_rl_tick(void)
{
	(void)rl_flush(rl(), clock_ms(), 0, summary, NULL);
}

static void
dump(const struct rl_class *c, void *arg)
{
	(void)arg;
	log_at(LOG_LVL_DEBUG, "ratelimit class=\"%s\" total=%llu passed=%llu "
	    "suppressed=%llu", c->key, (unsigned long long)c->total,
	    (unsigned long long)c->passed, (unsigned long long)c->suppressed);
}

void
log_rl_flush(void)
{
	(void)rl_flush(rl(), clock_ms(), 1, summary, NULL);
	rl_foreach(rl(), dump, NULL);
}

void
log_rl_foreach(void (*fn)(const struct rl_class *c, void *arg), void *arg)
{
	rl_foreach(rl(), fn, arg);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
