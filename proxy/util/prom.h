/*
 * prom.h — the Prometheus text exposition format (version 0.0.4), written
 * into a strbuf: HELP and TYPE lines, samples with escaped label values,
 * and a fixed-bucket histogram.  Pure: no I/O, no clock.
 *
 * A metric family is written as prom_family() then its samples, all in
 * one run (the format wants a family's lines together).  Label values are
 * escaped as the format says (backslash, double quote, line feed); names
 * are the caller's constants and are not checked.  Values that are whole
 * numbers print as integers, others with 9 significant digits.
 */
#ifndef DISTGATE_PROM_H
#define DISTGATE_PROM_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* Upper bounds (seconds) of the histogram's buckets, ascending; a last
 * bucket +Inf is implied. */
#define PROM_HIST_NBUCKETS	13
extern const double prom_hist_bounds[PROM_HIST_NBUCKETS];

struct prom_hist {
	uint64_t count;
	double sum;
	uint64_t bucket[PROM_HIST_NBUCKETS];	/* not cumulative */
};

/* Counts one observation V (seconds) in H. */
void prom_hist_observe(struct prom_hist *h, double v);

/* Writes "# HELP NAME HELP" and "# TYPE NAME TYPE" (TYPE "counter",
 * "gauge", "histogram", ...).  HELP's backslashes and line feeds are
 * escaped.  Returns 0 or -1 (SB failed). */
int prom_family(struct strbuf *sb, const char *name, const char *type,
    const char *help);

/*
 * Writes one sample "NAME{K="V",...} VALUE".  The variable arguments are
 * label name and value pairs (const char *), ended by NULL; no pairs: no
 * braces.  Returns 0 or -1 (SB failed).
 */
int prom_sample(struct strbuf *sb, const char *name, double value, ...)
    __attribute__((sentinel));

/* Writes the label value V escaped (no quotes around it). */
int prom_label_value(struct strbuf *sb, const char *v);

/* Writes histogram family NAME with HELP: cumulative NAME_bucket lines
 * (le="..." up to "+Inf"), NAME_sum, NAME_count.  Returns 0 or -1. */
int prom_hist_write(struct strbuf *sb, const char *name, const char *help,
    const struct prom_hist *h);

#endif
