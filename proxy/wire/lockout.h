/*
 * lockout.h — bans for sources that keep failing verification.
 *
 * Keys are strings ("addr:10.0.0.3", "id:hostC.test").  A key that fails
 * FAILURES times within any WINDOW is banned for BAN; while banned, new
 * connections from it are refused.  The window slides: a failure at NOW
 * counts the failures of the last WINDOW ms (one exactly WINDOW ms old
 * included), each kept with its time, so the count never restarts at a
 * fixed boundary.  A ban starts the count afresh when it ends.  Pure
 * bookkeeping with the caller's clock (milliseconds), bounded to
 * LOCKOUT_MAX_KEYS keys of FAILURES (at most LOCKOUT_MAX_FAILURES) times
 * each; logs when a ban starts and when it ends.
 */
#ifndef DISTGATE_LOCKOUT_H
#define DISTGATE_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#define LOCKOUT_MAX_KEYS	4096
#define LOCKOUT_KEY_MAX		128
#define LOCKOUT_MAX_FAILURES	1000	/* config's lockout_failures bound */

struct lockout;

/* Returns a new table (FAILURES 0 = never ban; more than
 * LOCKOUT_MAX_FAILURES is taken as that) or NULL. */
struct lockout *lockout_new(unsigned failures, unsigned window_ms,
    unsigned ban_ms);
void lockout_free(struct lockout *lo);

/* Returns 1 if KEY is banned at NOW (a ban past its time is lifted and
 * logged), else 0. */
int lockout_banned(struct lockout *lo, const char *key, uint64_t now);

/* Counts one failure of KEY at NOW; returns 1 if it starts a ban. */
int lockout_failure(struct lockout *lo, const char *key, uint64_t now);

/* Lifts bans past their time and forgets keys idle beyond the window;
 * returns the number of keys tracked. */
size_t lockout_sweep(struct lockout *lo, uint64_t now);

/* Counters for logs and tests. */
unsigned long lockout_bans(const struct lockout *lo);

/*
 * Calls FN(KEY, MS_LEFT, ARG) for each key banned at NOW (a ban past its
 * time is skipped, not lifted: this only reads) and returns how many
 * there are; FN may be NULL to count them.
 */
size_t lockout_foreach_ban(const struct lockout *lo, uint64_t now,
    void (*fn)(const char *key, uint64_t ms_left, void *arg), void *arg);

#endif
