/* ratelimit.c — see ratelimit.h. */
#include "proxy/util/ratelimit.h"

#include <string.h>

void
rl_init(struct ratelimit *rl, unsigned burst, unsigned window_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->burst = burst > 0 ? burst : 1;
	rl->window_ms = window_ms > 0 ? window_ms : 1;
}

/* Copies KEY into DST as the table stores it: cut, '"' made '\''. */
static void
key_copy(char dst[RL_KEY_MAX], const char *key)
{
	size_t i;

	for (i = 0; i + 1 < RL_KEY_MAX && key[i] != '\0'; i++)
		dst[i] = key[i] == '"' ? '\'' : key[i];
	dst[i] = '\0';
}

/* Returns KEY's class, making it (or using the shared last slot). */
static struct rl_class *
lookup(struct ratelimit *rl, const char *key)
{
	char k[RL_KEY_MAX];
	struct rl_class *c;

	key_copy(k, key);
	for (size_t i = 0; i < rl->n; i++)
		if (strcmp(rl->cls[i].key, k) == 0)
			return &rl->cls[i];
	if (rl->n == RL_CLASSES)
		return &rl->cls[RL_CLASSES - 1];
	c = &rl->cls[rl->n++];
	key_copy(c->key, rl->n == RL_CLASSES ? RL_OTHER : k);
	return c;
}

/* 1 if C's window has ended by NOW (or C never had one). */
static int
window_over(const struct ratelimit *rl, const struct rl_class *c,
    uint64_t now)
{
	return c->total == 0 || now < c->window_start ||
	    now - c->window_start >= rl->window_ms;
}

int
rl_event(struct ratelimit *rl, const char *key, int tag, uint64_t now,
    uint64_t *summary, const struct rl_class **cls)
{
	struct rl_class *c = lookup(rl, key);

	*summary = 0;
	if (window_over(rl, c, now)) {
		*summary = c->pending;
		c->pending = 0;
		c->window_start = now;
		c->in_window = 0;
	}
	c->tag = tag;
	c->total++;
	c->in_window++;
	if (cls != NULL)
		*cls = c;
	if (c->in_window <= rl->burst) {
		c->passed++;
		return 1;
	}
	c->suppressed++;
	c->pending++;
	return 0;
}

size_t
rl_flush(struct ratelimit *rl, uint64_t now, int force,
    void (*fn)(const struct rl_class *c, uint64_t n, void *arg), void *arg)
{
	size_t calls = 0;

	for (size_t i = 0; i < rl->n; i++) {
		struct rl_class *c = &rl->cls[i];
		uint64_t n = c->pending;

		if (n == 0 || (!force && !window_over(rl, c, now)))
			continue;
		c->pending = 0;
		fn(c, n, arg);
		calls++;
	}
	return calls;
}

void
rl_foreach(const struct ratelimit *rl,
    void (*fn)(const struct rl_class *c, void *arg), void *arg)
{
	for (size_t i = 0; i < rl->n; i++)
		fn(&rl->cls[i], arg);
}
