/*
 * revoke.h — whether an open connection still stands under a reloaded
 * configuration, as a pure function of the peer's new section and what
 * the connection showed (its node names and hidden flag).  The
 * certificate half of the question is crypto/certcheck.h's.
 */
#ifndef DISTGATE_REVOKE_H
#define DISTGATE_REVOKE_H

#include <stddef.h>

#include "proxy/wire/reason.h"

struct config_peer;

/* What an open distribution connection showed. */
struct revoke_conn {
	const char *peer;	/* the [peer] name it went through */
	const char *remote;	/* the remote node's full name, "" unknown */
	int inbound;		/* the remote node initiated */
	int hidden;		/* that initiator was hidden */
};

/*
 * Returns RC_OK when the connection may stay under NP, the peer's section
 * in the new configuration (NULL: the peer was removed), else RC_REVOKED
 * with the reason in WHY.
 */
enum reason revoke_judge(const struct config_peer *np,
    const struct revoke_conn *rc, char *why, size_t len);

#endif
