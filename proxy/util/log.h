/*
 * log.h — leveled logging to stderr or syslog.
 *
 * Every line about a connection carries "conn=N" and key=value fields; the
 * caller writes them into the format.  log_warn() appends strerror(errno).
 * fatal()/fatalx() are for start-up only: they log and exit(1).
 *
 * Rate limiting (ratelimit.h): each line of a message class counts in
 * that class; a class writes at most LOG_RL_BURST lines per
 * LOG_RL_WINDOW_MS window, and the lines it suppresses are summarized in
 * one line, at the level of the class's lines,
 *   ratelimit class="CLASS": N similar suppressed; total=T passed=P suppressed=S
 * (N: suppressed since the last summary; T, P, S: exact counts since
 * start) once their window has ended: before the class's next line, from
 * log_rl_tick(), or from log_rl_flush() at exit.  log_warn() and
 * log_warnx() are limited with their format as the class; log_limited()
 * takes a class of its own; log_info(), log_debug() and log_error() are
 * not limited.  Counters also count lines below the threshold, for which
 * nothing is written.
 */
#ifndef DISTGATE_LOG_H
#define DISTGATE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the threshold and the sink; use_syslog != 0 opens syslog as "distgate". */
void log_init(enum log_level level, int use_syslog);
/* Parses "error", "warn", "info", "debug"; returns the level or -1. */
int log_level_parse(const char *s);
int log_enabled(enum log_level level);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs at LEVEL as the functions above, counted in class CLS (a short
 * text such as "epmd refused bad_request"; copied). */
void log_limited(enum log_level level, const char *cls, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

#define LOG_RL_BURST		10	/* lines per class per window */
#define LOG_RL_WINDOW_MS	5000

/* Writes the summaries of classes whose window has ended; call it every
 * second or so. */
void log_rl_tick(void);
/* At exit: writes every pending summary, ended window or not, then one
 * debug line per class with its counters
 * ("ratelimit class="CLASS" total=T passed=P suppressed=S"). */
void log_rl_flush(void);

struct rl_class;
/* Calls FN(class, ARG) for every class seen (for counters). */
void log_rl_foreach(void (*fn)(const struct rl_class *c, void *arg),
    void *arg);

_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
