/* lockout.c — see lockout.h. */
#include "proxy/wire/lockout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/util/log.h"

struct entry {
	char key[LOCKOUT_KEY_MAX];
	uint64_t *times;	/* ring: the failures inside the window */
	unsigned head, n;	/* oldest slot, how many */
	uint64_t last;		/* last failure */
	uint64_t until;		/* banned until; 0 = not banned */
};

struct lockout {
	unsigned failures, window, ban;
	struct entry *e;
	size_t n;
	unsigned long bans;
};

struct lockout *
lockout_new(unsigned failures, unsigned window_ms, unsigned ban_ms)
{
	struct lockout *lo = calloc(1, sizeof(*lo));

	if (lo == NULL)
		return NULL;
	lo->failures = failures > LOCKOUT_MAX_FAILURES ?
	    LOCKOUT_MAX_FAILURES : failures;
	lo->window = window_ms;
	lo->ban = ban_ms;
	if ((lo->e = calloc(LOCKOUT_MAX_KEYS, sizeof(*lo->e))) == NULL) {
		free(lo);
		return NULL;
	}
	return lo;
}

void
lockout_free(struct lockout *lo)
{
	if (lo == NULL)
		return;
	for (size_t i = 0; i < lo->n; i++)
		free(lo->e[i].times);
	free(lo->e);
	free(lo);
}

static struct entry *
find(struct lockout *lo, const char *key)
{
	/* Keys are stored cut to LOCKOUT_KEY_MAX - 1 bytes: compare so. */
	for (size_t i = 0; i < lo->n; i++)
		if (strncmp(lo->e[i].key, key, LOCKOUT_KEY_MAX - 1) == 0)
			return &lo->e[i];
	return NULL;
}

static void
drop(struct lockout *lo, struct entry *e)
{
	free(e->times);
	*e = lo->e[--lo->n];
}

/* Forgets E's failures older than the window before NOW: a failure at
 * NOW - window still counts, one a millisecond older does not. */
static void
expire(const struct lockout *lo, struct entry *e, uint64_t now)
{
	while (e->n > 0 && now - e->times[e->head] > lo->window) {
		e->head = (e->head + 1) % lo->failures;
		e->n--;
	}
}

/* Lifts E's ban if it is over.  Returns 1 if E is still banned. */
static int
still_banned(struct entry *e, uint64_t now)
{
	if (e->until == 0)
		return 0;
	if (now < e->until)
		return 1;
	log_info("lockout key=%s expired", e->key);
	e->until = 0;
	e->n = 0;
	return 0;
}

int
lockout_banned(struct lockout *lo, const char *key, uint64_t now)
{
	struct entry *e;

	if (lo->failures == 0 || (e = find(lo, key)) == NULL)
		return 0;
	return still_banned(e, now);
}

/* A new entry for KEY, making room when the table is full.  NULL when
 * memory is short. */
static struct entry *
add(struct lockout *lo, const char *key)
{
	struct entry *e;
	uint64_t *times = calloc(lo->failures, sizeof(*times));

	if (times == NULL)
		return NULL;
	if (lo->n == LOCKOUT_MAX_KEYS) {
		/* Full: forget the key idle longest that is not banned; if
		 * all are banned, forget the oldest. */
		struct entry *old = &lo->e[0];
		for (size_t i = 1; i < lo->n; i++)
			if ((lo->e[i].until == 0 && old->until != 0) ||
			    ((lo->e[i].until == 0) == (old->until == 0) &&
			    lo->e[i].last < old->last))
				old = &lo->e[i];
		drop(lo, old);
	}
	e = &lo->e[lo->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->times = times;
	return e;
}

int
lockout_failure(struct lockout *lo, const char *key, uint64_t now)
{
	struct entry *e;

	if (lo->failures == 0)
		return 0;
	if ((e = find(lo, key)) == NULL && (e = add(lo, key)) == NULL) {
		log_warnx("lockout key=%s: out of memory, failure not counted",
		    key);
		return 0;
	}
	e->last = now;
	if (still_banned(e, now))
		return 0;	/* failures during a ban neither count nor
				   extend it */
	expire(lo, e, now);
	e->times[(e->head + e->n) % lo->failures] = now;
	if (++e->n < lo->failures)
		return 0;
	e->until = now + lo->ban;
	e->n = 0;
	lo->bans++;
	log_warnx("lockout key=%s failures=%u window=%us ban=%us", e->key,
	    lo->failures, lo->window / 1000, lo->ban / 1000);
	return 1;
}

size_t
lockout_sweep(struct lockout *lo, uint64_t now)
{
	for (size_t i = 0; i < lo->n;) {
		struct entry *e = &lo->e[i];
		(void)still_banned(e, now);
		if (e->until == 0 && now - e->last > lo->window)
			drop(lo, e);
		else
			i++;
	}
	return lo->n;
}

unsigned long
lockout_bans(const struct lockout *lo)
{
	return lo->bans;
}

size_t
lockout_foreach_ban(const struct lockout *lo, uint64_t now,
    void (*fn)(const char *key, uint64_t ms_left, void *arg), void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < lo->n; i++) {
		const struct entry *e = &lo->e[i];

		if (e->until == 0 || now >= e->until)
			continue;
		n++;
		if (fn != NULL)
			fn(e->key, e->until - now, arg);
	}
	return n;
}
