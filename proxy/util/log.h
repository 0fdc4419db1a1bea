/*
 * log.h — leveled logging to stderr or syslog.
 *
 * Every line about a connection carries "conn=N" and key=value fields; the
 * caller writes them into the format.  log_warn() appends strerror(errno).
 * fatal()/fatalx() are for start-up only: they log and exit(1).
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
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
