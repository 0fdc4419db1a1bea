/* strbuf.c — a bounded growing text buffer.  See strbuf.h. */
#include "proxy/util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sb_init(struct strbuf *sb, size_t max)
{
	memset(sb, 0, sizeof(*sb));
	sb->max = max;
}

void
sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

/* Makes room for NEED more bytes and a NUL.  Returns 0 or -1 (failed). */
static int
grow(struct strbuf *sb, size_t need)
{
	size_t cap;
	char *p;

	if (sb->failed)
		return -1;
	if (need > sb->max - sb->len) {
		sb->failed = 1;
		return -1;
	}
	if (sb->len + need + 1 <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	if ((p = realloc(sb->buf, cap)) == NULL) {
		sb->failed = 1;
		return -1;
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int
sb_put(struct strbuf *sb, const char *s, size_t len)
{
	if (grow(sb, len) == -1)
		return -1;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int
sb_puts(struct strbuf *sb, const char *s)
{
	return sb_put(sb, s, strlen(s));
}

int
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->failed)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, (size_t)n) == -1) {
		sb->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	(void)vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

int
sb_json_str(struct strbuf *sb, const char *s)
{
	if (s == NULL)
		return sb_puts(sb, "null");
	(void)sb_put(sb, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };
			(void)sb_put(sb, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f)
			(void)sb_printf(sb, "\\u%04x", ch);
		else
			(void)sb_put(sb, (const char *)&ch, 1);
	}
	return sb_put(sb, "\"", 1);
}
