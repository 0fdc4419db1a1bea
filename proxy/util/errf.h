/*
 * errf.h — the error-message idiom of functions that report why they
 * failed: write the reason into the caller's buffer, return -1.
 */
#ifndef DISTGATE_ERRF_H
#define DISTGATE_ERRF_H

#include <stddef.h>

/* Formats the reason into ERR (LEN bytes; nothing when ERR is NULL or LEN
 * is 0) and returns -1, so that "return errf(err, len, ...)" fails with
 * it. */
int errf(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
