/*
 * ratelimit.h — how many lines of a message class may be written: a fixed
 * window per class, with exact counters.  Pure: no I/O, no clock of its own
 * (the caller passes NOW in milliseconds, monotonic), so tests drive it.
 *
 * A class is a short text key ("audit refused tls_failed", or a
 * format string).  Its window opens at the class's first event and lasts
 * WINDOW_MS; in a window the first BURST events are let through and the
 * rest are suppressed.  Suppressed events are summarized once their window
 * has ended: rl_event() reports them at the class's next event (before
 * that event), rl_flush() when the caller asks (a timer, or at exit with
 * FORCE).  So every event is either let through or summarized, and a class
 * gets at most BURST + 1 lines per window.  Counters (total, passed,
 * suppressed) are exact and never reset.
 *
 * The table holds RL_CLASSES classes; events of further classes share the
 * last slot, whose key is RL_OTHER.  Keys longer than RL_KEY_MAX - 1 are
 * cut there, and '"' in them becomes '\'' (summaries quote the key).
 */
#ifndef DISTGATE_RATELIMIT_H
#define DISTGATE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RL_CLASSES	128
#define RL_KEY_MAX	80
#define RL_OTHER	"(other classes)"

struct rl_class {
	char key[RL_KEY_MAX];
	int tag;			/* the caller's, from the latest event */
	uint64_t window_start;		/* ms */
	uint64_t in_window;		/* events in the current window */
	uint64_t pending;		/* suppressed, not yet summarized */
	uint64_t total;			/* every event */
	uint64_t passed;		/* let through */
	uint64_t suppressed;		/* suppressed (summarized or pending) */
};

struct ratelimit {
	unsigned burst;
	unsigned window_ms;
	size_t n;
	struct rl_class cls[RL_CLASSES];
};

/* Makes RL empty, letting BURST events per class through per WINDOW_MS
 * (both at least 1). */
void rl_init(struct ratelimit *rl, unsigned burst, unsigned window_ms);

/*
 * Counts one event of class KEY at NOW, with the caller's TAG (a log level,
 * say).  Returns 1 if the event is let through, 0 if suppressed.  *SUMMARY
 * gets the number of the class's events suppressed in windows that have
 * ended and were not summarized yet (0 if none): the caller writes that
 * summary first.  *CLS (when not NULL) points at the class, valid until
 * the next rl_init().
 */
int rl_event(struct ratelimit *rl, const char *key, int tag, uint64_t now,
    uint64_t *summary, const struct rl_class **cls);

/*
 * Calls FN(class, n, ARG) for every class with N > 0 events suppressed in
 * a window that has ended by NOW (or, with FORCE, in any window, ended or
 * not), and marks them summarized.  Returns the number of calls.
 */
size_t rl_flush(struct ratelimit *rl, uint64_t now, int force,
    void (*fn)(const struct rl_class *c, uint64_t n, void *arg), void *arg);

/* Calls FN(class, ARG) for every class, in the order they first came. */
void rl_foreach(const struct ratelimit *rl,
    void (*fn)(const struct rl_class *c, void *arg), void *arg);

#endif
