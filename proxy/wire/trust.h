/*
 * trust.h — what a peer has earned and what it may still spend: node
 * names and addresses known good, and each peer identity's budget of
 * wrong-cookie guesses.
 *
 * A wrong cookie digest is a guess at the cookie, and anyone with a shell
 * on a peer host can make its gateway carry guesses under any node name
 * that peer's `nodes` patterns allow, so a ban keyed on the name alone
 * stops nothing, and a ban of the whole identity stops every node of that
 * host.  Instead each identity may have at most GUESSES wrong cookies in
 * any WINDOW (sliding); once they are spent, only names known good from
 * that identity may still try.  A name is known good for GOOD_MS after a
 * handshake from that identity whose digest the gateway checked and found
 * right; a known-good name that then gets the cookie wrong loses that at
 * once (it still uses a guess if one is left), so each known-good name
 * gives an attacker at most one try beyond the budget, and only the real
 * node, knowing the cookie, can earn it back.  Addresses are known good
 * for GOOD_MS after a connection from them presented a [peer]'s
 * certificate.
 *
 * Pure bookkeeping with the caller's clock (milliseconds); identities and
 * names are strings; bounded to TRUST_MAX_IDS identities (each with
 * GUESSES times) and TRUST_MAX_GOOD known-good entries (the least recent
 * is forgotten first).
 */
#ifndef DISTGATE_TRUST_H
#define DISTGATE_TRUST_H

#include <stddef.h>
#include <stdint.h>

#define TRUST_MAX_IDS		1024
#define TRUST_MAX_GOOD		4096
#define TRUST_MAX_GUESSES	1000	/* config's lockout_guesses bound */
#define TRUST_KEY_MAX		320	/* "n:" identity "/" full name */

struct trust;

/* Returns a table, or NULL.  GUESSES 0: no guess budget (every name may
 * always try); more than TRUST_MAX_GUESSES is taken as that. */
struct trust *trust_new(unsigned guesses, unsigned window_ms,
    unsigned good_ms);
void trust_free(struct trust *t);

/* 1 if NAME (a full node name) is known good from identity ID at NOW. */
int trust_name_good(const struct trust *t, const char *id, const char *name,
    uint64_t now);

/* How many wrong cookies identity ID may still send at NOW (UINT32_MAX
 * without a budget). */
unsigned trust_guesses_left(const struct trust *t, const char *id,
    uint64_t now);

/* 1 if a handshake of NAME from ID may have its cookie checked at NOW:
 * NAME is known good, or ID has guesses left. */
int trust_may_guess(const struct trust *t, const char *id, const char *name,
    uint64_t now);

/* NAME from ID sent a wrong cookie at NOW: one guess is used (if any is
 * left) and NAME is no longer known good.  Returns 1 if that used the
 * identity's last guess, else 0. */
int trust_wrong(struct trust *t, const char *id, const char *name,
    uint64_t now);

/* NAME from ID proved the cookie at NOW: known good until NOW + GOOD_MS. */
void trust_proved(struct trust *t, const char *id, const char *name,
    uint64_t now);

/* Address IP presented a [peer]'s certificate at NOW; 1 if IP is known
 * good at NOW. */
void trust_addr_proved(struct trust *t, const char *ip, uint64_t now);
int trust_addr_good(const struct trust *t, const char *ip, uint64_t now);

/* Forgets what has expired; returns the known-good entries kept. */
size_t trust_sweep(struct trust *t, uint64_t now);

#endif
