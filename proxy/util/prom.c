/* prom.c — the Prometheus text format.  See prom.h. */
#include "proxy/util/prom.h"

#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proxy/util/strbuf.h"

/* From 1 ms (a resumed handshake on loopback) to 10 s (twice the default
 * tls_timeout). */
const double prom_hist_bounds[PROM_HIST_NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void
prom_hist_observe(struct prom_hist *h, double v)
{
	if (!(v >= 0))		/* NaN or negative: a clock oddity */
		v = 0;
	h->count++;
	h->sum += v;
	for (size_t i = 0; i < PROM_HIST_NBUCKETS; i++)
		if (v <= prom_hist_bounds[i]) {
			h->bucket[i]++;
			break;
		}
}

/* Writes V, escaping backslash and line feed, and double quote when
 * QUOTE. */
static int
escaped(struct strbuf *sb, const char *v, int quote)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			(void)sb_put(sb, "\\\\", 2);
		else if (*v == '\n')
			(void)sb_put(sb, "\\n", 2);
		else if (*v == '"' && quote)
			(void)sb_put(sb, "\\\"", 2);
		else
			(void)sb_put(sb, v, 1);
	}
	return sb->failed ? -1 : 0;
}

int
prom_label_value(struct strbuf *sb, const char *v)
{
	return escaped(sb, v, 1);
}

int
prom_family(struct strbuf *sb, const char *name, const char *type,
    const char *help)
{
	(void)sb_printf(sb, "# HELP %s ", name);
	(void)escaped(sb, help, 0);
	return sb_printf(sb, "\n# TYPE %s %s\n", name, type);
}

static int
value(struct strbuf *sb, double v)
{
	if (v != v)
		return sb_puts(sb, "NaN");
	if (v > DBL_MAX || v < -DBL_MAX)
		return sb_puts(sb, v > 0 ? "+Inf" : "-Inf");
	/* Whole numbers below 2^53 are exact as integers (no libm). */
	if (v > -9.0e15 && v < 9.0e15 && v == (double)(long long)v)
		return sb_printf(sb, "%lld", (long long)v);
	return sb_printf(sb, "%.9g", v);
}

int
prom_sample(struct strbuf *sb, const char *name, double v, ...)
{
	const char *k;
	va_list ap;
	int first = 1;

	(void)sb_puts(sb, name);
	va_start(ap, v);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *lv = va_arg(ap, const char *);

		(void)sb_printf(sb, "%s%s=\"", first ? "{" : ",", k);
		(void)escaped(sb, lv != NULL ? lv : "", 1);
		(void)sb_put(sb, "\"", 1);
		first = 0;
	}
	va_end(ap);
	if (!first)
		(void)sb_put(sb, "}", 1);
	(void)sb_put(sb, " ", 1);
	(void)value(sb, v);
	return sb_put(sb, "\n", 1);
}

int
prom_hist_write(struct strbuf *sb, const char *name, const char *help,
    const struct prom_hist *h)
{
	char n[128], le[32];
	uint64_t cum = 0;

	(void)prom_family(sb, name, "histogram", help);
	snprintf(n, sizeof(n), "%s_bucket", name);
	for (size_t i = 0; i < PROM_HIST_NBUCKETS; i++) {
		cum += h->bucket[i];
		snprintf(le, sizeof(le), "%g", prom_hist_bounds[i]);
		(void)prom_sample(sb, n, (double)cum, "le", le, NULL);
	}
	(void)prom_sample(sb, n, (double)h->count, "le", "+Inf", NULL);
	snprintf(n, sizeof(n), "%s_sum", name);
	(void)prom_sample(sb, n, h->sum, NULL);
	snprintf(n, sizeof(n), "%s_count", name);
	return prom_sample(sb, n, (double)h->count, NULL);
}
