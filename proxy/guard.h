/*
 * guard.h — the lockout model on inbound connections: which key a
 * refusal counts against, what a ban closes, and what is asked of a
 * remote node before its handshake goes on (docs/audit.md, "Lockout").
 *
 * Before its certificate names a [peer], a connection is known only by
 * its source address: TLS failures, handshake timeouts and evictions
 * count against "addr:IP", and a banned address is refused at accept —
 * unless a [peer]'s certificate came from it recently (a peer gateway's
 * address is shared by every user of that host).  After that, nothing
 * counts against the address: gateway-protocol faults, which only the
 * peer's gateway itself can commit, count against "id:IDENTITY" (a ban
 * ends every connection of that peer); distribution handshake failures,
 * which anyone on the peer host can provoke under any node name, count
 * against "node:IDENTITY/NAME", and each wrong cookie also uses one of
 * the identity's guesses (wire/trust.h).
 *
 * Functions over values, so that the tunnel, the splice and the inbound
 * flow share them without including each other.
 */
#ifndef DISTGATE_GUARD_H
#define DISTGATE_GUARD_H

#include <stddef.h>

#include "proxy/wire/reason.h"

struct gateway;

/* What the model knows of an inbound connection. */
struct guard_subject {
	const char *ip;		/* its source address */
	const char *identity;	/* its [peer]'s identity; NULL before */
	const char *initiator;	/* the remote node's full name; "" unknown */
	int settled;		/* established after a handshake it passed */
};

/* Counts the refusal CODE of S against its key (nothing for codes that
 * do not count); a ban it starts closes S's fellows (gateway_failure). */
void guard_count(struct gateway *gw, const struct guard_subject *s,
    enum reason code);

/* 1 if a ban of lockout KEY closes the open connection S: "addr:" one
 * not yet authenticated from a source not known good, "id:" any of that
 * identity, "node:" one of that identity and name not settled. */
int guard_under(struct gateway *gw, const struct guard_subject *s,
    const char *key);

/* Asked of remote initiator NAME from IDENTITY when its name is known
 * (GUESS 0) and before its cookie is judged (GUESS 1): RC_OK, RC_LOCKED_OUT
 * (its node key is banned) or RC_GUESS_LIMIT (the identity's guesses are
 * spent and NAME is not known good), with a reason in WHY. */
enum reason guard_admit(struct gateway *gw, const char *identity,
    const char *name, int guess, char *why, size_t whylen);

/* NAME from IDENTITY passed a handshake whose cookie the gateway checked:
 * known good from now on (for lockout_known_good). */
void guard_proved(struct gateway *gw, const char *identity,
    const char *name);

/* 1 if a new connection from IP is to be refused at accept (banned, and
 * not known good). */
int guard_refuse_addr(struct gateway *gw, const char *ip);

/* IP presented a [peer]'s certificate. */
void guard_addr_proved(struct gateway *gw, const char *ip);

#endif
