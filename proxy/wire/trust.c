/* trust.c — see trust.h. */
#include "proxy/wire/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/util/log.h"

struct ident {
	char id[TRUST_KEY_MAX];
	uint64_t *times;	/* ring: wrong cookies inside the window */
	unsigned head, n;
};

struct good {
	char key[TRUST_KEY_MAX];	/* "n:ID/NAME" or "a:IP" */
	uint64_t until;
};

struct trust {
	unsigned guesses, window, good_ms;
	struct ident *ids;
	size_t nids;
	struct good *good;
	size_t ngood;
};

struct trust *
trust_new(unsigned guesses, unsigned window_ms, unsigned good_ms)
{
	struct trust *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->guesses = guesses > TRUST_MAX_GUESSES ? TRUST_MAX_GUESSES : guesses;
	t->window = window_ms;
	t->good_ms = good_ms;
	t->ids = calloc(TRUST_MAX_IDS, sizeof(*t->ids));
	t->good = calloc(TRUST_MAX_GOOD, sizeof(*t->good));
	if (t->ids == NULL || t->good == NULL) {
		trust_free(t);
		return NULL;
	}
	return t;
}

void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; t->ids != NULL && i < t->nids; i++)
		free(t->ids[i].times);
	free(t->ids);
	free(t->good);
	free(t);
}

/* ---- guesses ---------------------------------------------------------- */

static struct ident *
ident_find(const struct trust *t, const char *id)
{
	for (size_t i = 0; i < t->nids; i++)
		if (strncmp(t->ids[i].id, id, TRUST_KEY_MAX - 1) == 0)
			return &t->ids[i];
	return NULL;
}

/* Guesses of I inside the window ending at NOW (a guess exactly WINDOW
 * old still counts). */
static unsigned
ident_used(const struct trust *t, const struct ident *i, uint64_t now)
{
	unsigned n = i->n, head = i->head;

	while (n > 0 && now - i->times[head] > t->window) {
		head = (head + 1) % t->guesses;
		n--;
	}
	return n;
}

unsigned
trust_guesses_left(const struct trust *t, const char *id, uint64_t now)
{
	const struct ident *i;

	if (t->guesses == 0)
		return UINT32_MAX;
	if ((i = ident_find(t, id)) == NULL)
		return t->guesses;
	return t->guesses - ident_used(t, i, now);
}

int
trust_may_guess(const struct trust *t, const char *id, const char *name,
    uint64_t now)
{
	return trust_guesses_left(t, id, now) > 0 ||
	    trust_name_good(t, id, name, now);
}

/* ---- known good ------------------------------------------------------- */

static void
name_key(char *key, const char *id, const char *name)
{
	snprintf(key, TRUST_KEY_MAX, "n:%s/%s", id, name);
}

static struct good *
good_find(const struct trust *t, const char *key)
{
	for (size_t i = 0; i < t->ngood; i++)
		if (strcmp(t->good[i].key, key) == 0)
			return &t->good[i];
	return NULL;
}

static void
good_drop(struct trust *t, struct good *g)
{
	*g = t->good[--t->ngood];
}

static void
good_set(struct trust *t, const char *key, uint64_t now)
{
	struct good *g = good_find(t, key);

	if (g == NULL) {
		if (t->ngood == TRUST_MAX_GOOD) {
			/* Full: forget the one that would expire first. */
			struct good *old = &t->good[0];
			for (size_t i = 1; i < t->ngood; i++)
				if (t->good[i].until < old->until)
					old = &t->good[i];
			good_drop(t, old);
		}
		g = &t->good[t->ngood++];
		snprintf(g->key, sizeof(g->key), "%s", key);
	}
	g->until = now + t->good_ms;
}

static int
good_is(const struct trust *t, const char *key, uint64_t now)
{
	const struct good *g = good_find(t, key);

	return g != NULL && now < g->until;
}

int
trust_name_good(const struct trust *t, const char *id, const char *name,
    uint64_t now)
{
	char key[TRUST_KEY_MAX];

	name_key(key, id, name);
	return good_is(t, key, now);
}

void
trust_proved(struct trust *t, const char *id, const char *name,
    uint64_t now)
{
	char key[TRUST_KEY_MAX];

	name_key(key, id, name);
	good_set(t, key, now);
}

int
trust_wrong(struct trust *t, const char *id, const char *name,
    uint64_t now)
{
	char key[TRUST_KEY_MAX];
	struct good *g;
	struct ident *i;
	unsigned used;

	name_key(key, id, name);
	if ((g = good_find(t, key)) != NULL) {
		log_warnx("trust id=%s node=%s: a wrong cookie from a node "
		    "known good; it is known good no more", id, name);
		good_drop(t, g);
	}
	if (t->guesses == 0)
		return 0;
	if ((i = ident_find(t, id)) == NULL) {
		uint64_t *times;
		if (t->nids == TRUST_MAX_IDS ||
		    (times = calloc(t->guesses, sizeof(*times))) == NULL) {
			log_warnx("trust id=%s: no room to count its guesses",
			    id);
			return 0;
		}
		i = &t->ids[t->nids++];
		snprintf(i->id, sizeof(i->id), "%s", id);
		i->times = times;
	}
	used = ident_used(t, i, now);
	i->head = (i->head + (i->n - used)) % t->guesses;
	i->n = used;
	if (used == t->guesses)
		return 0;	/* past the budget: a known-good name's try */
	i->times[(i->head + i->n) % t->guesses] = now;
	i->n++;
	if (i->n < t->guesses)
		return 0;
	log_warnx("trust id=%s: %u wrong cookies within %us: only node names "
	    "known good from it may try until one is older than that", id,
	    t->guesses, t->window / 1000);
	return 1;
}

void
trust_addr_proved(struct trust *t, const char *ip, uint64_t now)
{
	char key[TRUST_KEY_MAX];

	snprintf(key, sizeof(key), "a:%s", ip);
	good_set(t, key, now);
}

int
trust_addr_good(const struct trust *t, const char *ip, uint64_t now)
{
	char key[TRUST_KEY_MAX];

	snprintf(key, sizeof(key), "a:%s", ip);
	return good_is(t, key, now);
}

size_t
trust_sweep(struct trust *t, uint64_t now)
{
	for (size_t i = 0; i < t->ngood;) {
		if (now >= t->good[i].until)
			good_drop(t, &t->good[i]);
		else
			i++;
	}
	return t->ngood;
}
