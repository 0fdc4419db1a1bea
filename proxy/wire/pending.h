/*
 * pending.h — slots for connections that have not authenticated yet,
 * counted per source address and in total.
 *
 * Another host's TCP connection to a public port holds a slot from accept
 * until it proves who it is (TLS handshake done, certificate of a [peer])
 * or ends.  A source may hold at most PER_SOURCE slots, everybody together
 * at most TOTAL.  When every slot is taken, a newcomer is not simply
 * refused (an attacker with many addresses could then keep every peer
 * out): if some other source holds more slots than the newcomer, the
 * caller frees one of that source's (the one holding the most; of equals,
 * the one holding slots longest) and asks again.  Pure bookkeeping with
 * the caller's clock; sources are strings ("10.0.0.3").
 */
#ifndef DISTGATE_PENDING_H
#define DISTGATE_PENDING_H

#include <stddef.h>
#include <stdint.h>

#define PENDING_SRC_MAX	48	/* a source, NUL included (an IPv6 text) */

struct pending;

enum pending_verdict {
	PENDING_OK = 0,		/* a slot is SRC's now */
	PENDING_SOURCE_FULL,	/* SRC holds PER_SOURCE slots already */
	PENDING_FULL,		/* every slot is taken, by sources holding
				   no more than SRC would */
	PENDING_EVICT		/* every slot is taken: free one of VICTIM's,
				   then ask again */
};

/* Returns a table of TOTAL slots, at most PER_SOURCE per source (both
 * at least 1), or NULL. */
struct pending *pending_new(unsigned total, unsigned per_source);
void pending_free(struct pending *p);

/*
 * Asks for a slot for SRC at NOW.  On PENDING_EVICT the source to free a
 * slot of is copied into VICTIM (CAP bytes, at least PENDING_SRC_MAX);
 * nothing was taken.
 */
enum pending_verdict pending_take(struct pending *p, const char *src,
    uint64_t now, char *victim, size_t cap);

/*
 * pending_take() for a source a peer's certificate came from recently (a
 * gateway opening many links at once): bound by TOTAL only, not by
 * PER_SOURCE; eviction still takes from whoever holds the most.
 */
enum pending_verdict pending_take_trusted(struct pending *p, const char *src,
    uint64_t now, char *victim, size_t cap);

/* Gives back one slot of SRC (one that pending_take() gave). */
void pending_give(struct pending *p, const char *src);

/* Slots SRC holds; slots held in all. */
unsigned pending_count(const struct pending *p, const char *src);
unsigned pending_total(const struct pending *p);

#endif
