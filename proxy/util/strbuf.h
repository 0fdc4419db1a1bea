/*
 * strbuf.h — a growing text buffer with a hard bound, for replies that
 * are built in memory (the status endpoint, status.h).  Pure: no I/O.
 *
 * Appends never fail loudly: once the bound is reached or memory runs
 * out, the buffer is marked failed, keeps what it had and ignores further
 * appends, so a builder checks once at the end.  JSON strings are written
 * escaped (quotes, backslashes, control characters as \uXXXX; bytes of
 * 0x80 and above as they are, since names are ASCII in practice).
 */
#ifndef DISTGATE_STRBUF_H
#define DISTGATE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;		/* NUL-terminated when not NULL */
	size_t len, cap;
	size_t max;		/* bound on len */
	int failed;		/* an append did not fit */
};

/* Empties SB and sets its bound to MAX bytes (nothing is allocated yet). */
void sb_init(struct strbuf *sb, size_t max);

/* Frees SB's text; SB may be used again after sb_init(). */
void sb_free(struct strbuf *sb);

/* Appends LEN bytes of S / a NUL-terminated S / formatted text.  Each
 * returns 0, or -1 when SB is (now) failed. */
int sb_put(struct strbuf *sb, const char *s, size_t len);
int sb_puts(struct strbuf *sb, const char *s);
int sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends S as a JSON string, quotes included ("null" when S is NULL). */
int sb_json_str(struct strbuf *sb, const char *s);

#endif
