/* revoke.c — connections judged under a reloaded configuration.  See
 * revoke.h. */
#include "proxy/wire/revoke.h"

#include <stdio.h>

#include "config/config.h"
#include "proxy/wire/policy.h"

enum reason
revoke_judge(const struct config_peer *np, const struct revoke_conn *rc,
    char *why, size_t len)
{
	if (np == NULL) {
		(void)snprintf(why, len, "peer %s removed (or its kind or via changed) by reload", rc->peer);
		return RC_REVOKED;
	}
	if (rc->remote != NULL && rc->remote[0] != '\0' &&
	    !policy_match(np->nodes, np->nnodes, rc->remote)) {
		(void)snprintf(why, len, "node %s no longer matches peer %s's "
		    "nodes", rc->remote, np->name);
		return RC_REVOKED;
	}
	if (rc->inbound && rc->hidden && !np->allow_hidden) {
		(void)snprintf(why, len, "hidden connections from peer %s no "
		    "longer allowed", np->name);
		return RC_REVOKED;
	}
	return RC_OK;
}
