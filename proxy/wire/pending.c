/* pending.c — see pending.h. */
#include "proxy/wire/pending.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct src {
	char key[PENDING_SRC_MAX];
	unsigned n;		/* slots held */
	uint64_t since;		/* holding slots since */
};

struct pending {
	unsigned total, per_source, used;
	struct src *s;		/* sources holding slots: at most TOTAL */
	size_t ns;
};

struct pending *
pending_new(unsigned total, unsigned per_source)
{
	struct pending *p;

	if (total == 0 || per_source == 0 ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->total = total;
	p->per_source = per_source;
	if ((p->s = calloc(total, sizeof(*p->s))) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->s);
	free(p);
}

static struct src *
find(const struct pending *p, const char *key)
{
	for (size_t i = 0; i < p->ns; i++)
		if (strncmp(p->s[i].key, key, PENDING_SRC_MAX - 1) == 0)
			return &p->s[i];
	return NULL;
}

/* pending_take() with LIMIT slots per source. */
static enum pending_verdict
take(struct pending *p, const char *src, uint64_t now, char *victim,
    size_t cap, unsigned limit)
{
	struct src *s = find(p, src), *max = NULL;
	unsigned have = s != NULL ? s->n : 0;

	if (have >= limit)
		return PENDING_SOURCE_FULL;
	if (p->used >= p->total) {
		for (size_t i = 0; i < p->ns; i++)
			if (max == NULL || p->s[i].n > max->n ||
			    (p->s[i].n == max->n &&
			    p->s[i].since < max->since))
				max = &p->s[i];
		if (max == NULL || max->n <= have)
			return PENDING_FULL;
		snprintf(victim, cap, "%s", max->key);
		return PENDING_EVICT;
	}
	if (s == NULL) {
		/* used < total, so fewer than TOTAL sources hold slots */
		s = &p->s[p->ns++];
		snprintf(s->key, sizeof(s->key), "%s", src);
		s->n = 0;
		s->since = now;
	}
	s->n++;
	p->used++;
	return PENDING_OK;
}

enum pending_verdict
pending_take(struct pending *p, const char *src, uint64_t now, char *victim,
    size_t cap)
{
	return take(p, src, now, victim, cap, p->per_source);
}

enum pending_verdict
pending_take_trusted(struct pending *p, const char *src, uint64_t now,
    char *victim, size_t cap)
{
	return take(p, src, now, victim, cap, p->total);
}

void
pending_give(struct pending *p, const char *src)
{
	struct src *s = find(p, src);

	if (s == NULL || s->n == 0)
		return;
	p->used--;
	if (--s->n == 0)
		*s = p->s[--p->ns];
}

unsigned
pending_count(const struct pending *p, const char *src)
{
	const struct src *s = find(p, src);

	return s != NULL ? s->n : 0;
}

unsigned
pending_total(const struct pending *p)
{
	return p->used;
}
