/* conn.c — the base of every socket-owning object.  See conn.h. */
#include "proxy/conn.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "proxy/gateway.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/pending.h"
#include "proxy/wire/trust.h"

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	c->ops->timeout(c);
}

/* The oldest conn holding a pending slot of SRC, or NULL. */
static struct conn *
oldest_pending(struct gateway *gw, const char *src)
{
	struct conn *c, *found = NULL;

	for (c = gw->conns; c != NULL; c = c->next)	/* newest first */
		if (c->pending && strcmp(c->src, src) == 0)
			found = c;
	return found;
}

/* A source at its cap may replace its own oldest unauthenticated conn
 * when that one has waited this long: a handshake between gateways takes
 * milliseconds, so a user of the peer host who holds stalled connections
 * from its address cannot keep that host's gateway out. */
#define PENDING_STALE_MS	1000

/* Takes a pending slot for SRC, evicting when that is fair.  Returns 0
 * or -1 (refused, logged). */
static int
take_pending(struct gateway *gw, const char *src)
{
	char victim[PENDING_SRC_MAX], why[PENDING_SRC_MAX + 80];
	struct conn *old;

	for (int tries = 0; tries < 4; tries++) {
		/* A peer gateway's own address (its certificate came from
		 * it recently) may open many links at once. */
		int trusted = gw->trust != NULL &&
		    trust_addr_good(gw->trust, src, clock_ms());
		switch ((trusted ? pending_take_trusted : pending_take)(
		    gw->pending, src, clock_ms(), victim, sizeof(victim))) {
		case PENDING_OK:
			return 0;
		case PENDING_SOURCE_FULL:
			old = oldest_pending(gw, src);
			if (old == NULL || clock_ms() - old->start_ms <
			    PENDING_STALE_MS) {
				gateway_refused(gw, "max_pending_per_source",
				    gw->max_pending_src, src);
				return -1;
			}
			snprintf(why, sizeof(why), "not authenticated after "
			    "%u ms, and max_pending_per_source (%u) is reached: "
			    "room made for a newer one", PENDING_STALE_MS,
			    gw->max_pending_src);
			conn_close(old, RC_EVICTED, why);
			break;
		case PENDING_FULL:
			gateway_refused(gw, "max_pending", gw->max_pending, src);
			return -1;
		case PENDING_EVICT:
			if ((old = oldest_pending(gw, victim)) == NULL) {
				gateway_refused(gw, "max_pending",
				    gw->max_pending, src);
				return -1;
			}
			snprintf(why, sizeof(why), "not authenticated, and "
			    "max_pending (%u) is reached: room made for %s",
			    gw->max_pending, src);
			conn_close(old, RC_EVICTED, why);
			break;
		}
	}
	gateway_refused(gw, "max_pending", gw->max_pending, src);
	return -1;
}

int
conn_init(struct conn *c, struct gateway *gw, enum conn_kind kind,
    const struct conn_ops *ops, enum conn_budget budget, const char *src)
{
	int remote = budget == CONN_REMOTE;

	if (src != NULL && gw->pending != NULL && take_pending(gw, src) == -1)
		return -1;
	if (budget != CONN_UNCOUNTED && gateway_admit(gw, remote,
	    src != NULL ? src : ops->kind) == -1)
		goto fail;
	c->kind = kind;
	c->ops = ops;
	c->gw = gw;
	c->budget = budget;
	half_init(&c->h);
	if ((c->timer = evtimer_new(gw->base, conn_timeout, c)) == NULL) {
		if (budget != CONN_UNCOUNTED)
			gateway_release(gw, remote);
		goto fail;
	}
	if (src != NULL && gw->pending != NULL) {
		c->pending = 1;
		snprintf(c->src, sizeof(c->src), "%s", src);
	}
	c->id = gateway_next_id(gw);
	c->start_ms = clock_ms();
	c->next = gw->conns;
	if (gw->conns != NULL)
		gw->conns->prev = c;
	gw->conns = c;
	return 0;
fail:
	if (src != NULL && gw->pending != NULL)
		pending_give(gw->pending, src);
	return -1;
}

void
conn_authenticated(struct conn *c)
{
	if (!c->pending)
		return;
	c->pending = 0;
	pending_give(c->gw->pending, c->src);
}

const char *
conn_state_name(const struct conn *c)
{
	if (c->state >= 0 && c->state < c->ops->nstates)
		return c->ops->states[c->state];
	return "?";
}

void
conn_arm(struct conn *c, unsigned ms)
{
	struct timeval tv = clock_tv(ms);

	(void)evtimer_del(c->timer);
	if (ms > 0)
		(void)evtimer_add(c->timer, &tv);
}

void
conn_rearm(struct conn *c)
{
	unsigned ms = c->ops->timeout_ms(c);

	if (ms != CONN_TIMER_KEEP)
		conn_arm(c, ms);
}

void
conn_set_state(struct conn *c, int state)
{
	int from = c->state;

	assert(c->ops->transition_ok(from, state));
	c->state = state;
	log_debug("%s=%llu state %s -> %s", c->ops->kind,
	    (unsigned long long)c->id,
	    from < c->ops->nstates ? c->ops->states[from] : "?",
	    conn_state_name(c));
	conn_rearm(c);
}

int
conn_fail(struct conn *c, enum reason code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->whybuf, sizeof(c->whybuf), fmt, ap);
	va_end(ap);
	c->why = c->whybuf;
	return -1;
}

enum reason
conn_io_reason(const struct half *h)
{
	return h->errnum == ETIMEDOUT ? RC_TIMEOUT : RC_IO_ERROR;
}

void
conn_close_failed(struct conn *c)
{
	conn_close(c, c->why != NULL ? c->code : RC_INTERNAL,
	    c->why != NULL ? c->why : "error");
}

/* Closes every open conn under the keys whose ban started, with
 * RC_LOCKED_OUT (their closes count nothing: locked_out is no failure). */
static void
close_banned(struct gateway *gw)
{
	char key[LOCKOUT_KEY_MAX], why[LOCKOUT_KEY_MAX + 40];
	struct conn *c;
	unsigned n;

	while (gw->nbanq > 0) {
		snprintf(key, sizeof(key), "%s", gw->banq[--gw->nbanq]);
		snprintf(why, sizeof(why), "ban of %s started", key);
		for (n = 0;; n++) {
			/* A close may close others: search from the head. */
			for (c = gw->conns; c != NULL; c = c->next)
				if (c->ops->under_key != NULL &&
				    c->ops->under_key(c, key))
					break;
			if (c == NULL)
				break;
			conn_close(c, RC_LOCKED_OUT, why);
		}
		if (n > 0)
			log_info("lockout key=%s closed %u open connection%s",
			    key, n, n == 1 ? "" : "s");
	}
}

void
conn_close(struct conn *c, enum reason code, const char *why)
{
	struct gateway *gw = c->gw;

	gw->closing++;
	c->ops->release(c, code, why);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		gw->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	half_clear(&c->h);
	event_free(c->timer);
	conn_authenticated(c);		/* its pending slot, if any */
	if (c->budget != CONN_UNCOUNTED)
		gateway_release(gw, c->budget == CONN_REMOTE);
	free(c);
	/* Only the outermost close: an inner one runs inside a release
	 * hook, whose conn is still in the list. */
	if (--gw->closing == 0 && gw->nbanq > 0) {
		gw->closing++;
		close_banned(gw);
		gw->closing--;
	}
}

void
conn_close_all(struct gateway *gw, enum conn_kind kind, enum reason code,
    const char *why)
{
	struct conn *c, *next;
	int again = 1;

	/* A close may close others (a tunnel cancels its link): restart from
	 * the head after each one. */
	while (again) {
		again = 0;
		for (c = gw->conns; c != NULL; c = next) {
			next = c->next;
			if (kind == CONN_NKINDS || c->kind == kind) {
				conn_close(c, code, why);
				again = 1;
				break;
			}
		}
	}
}

void
conn_foreach(struct gateway *gw, void (*fn)(struct conn *c, void *arg),
    void *arg)
{
	for (struct conn *c = gw->conns; c != NULL; c = c->next)
		fn(c, arg);
}

size_t
conn_count(const struct gateway *gw, enum conn_kind kind)
{
	size_t n = 0;

	for (const struct conn *c = gw->conns; c != NULL; c = c->next)
		n += kind == CONN_NKINDS || c->kind == kind;
	return n;
}
