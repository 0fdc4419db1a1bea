/* errf.c — see errf.h. */
#include "proxy/util/errf.h"

#include <stdarg.h>
#include <stdio.h>

int
errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}
