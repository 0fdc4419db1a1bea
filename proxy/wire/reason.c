/* reason.c — the reason-code table.  See reason.h and docs/audit.md. */
#include "proxy/wire/reason.h"

#include <string.h>

#define OK	VERDICT_OK
#define REF	VERDICT_REFUSED
#define ERR	VERDICT_ERROR

static const struct reason_info table[RC_NREASONS] = {
	[RC_OK] = { "ok", OK, 0,
	    "the connection ended normally (either node closed it)" },
	[RC_SHUTDOWN] = { "shutdown", OK, 0,
	    "the gateway was stopping" },
	[RC_BAD_CERTIFICATE] = { "bad_certificate", REF, 1,
	    "the peer's chain did not verify against the CA (or CRL), or it "
	    "sent no certificate" },
	[RC_TLS_FAILED] = { "tls_failed", REF, 1,
	    "the TLS handshake failed for another reason: plaintext or "
	    "garbage on the TLS port, no common version or cipher" },
	[RC_IDENTITY_NOT_ALLOWED] = { "identity_not_allowed", REF, 1,
	    "the certificate is valid but carries no `[peer]`'s identity" },
	[RC_BAD_REQUEST] = { "bad_request", REF, 1,
	    "a malformed or unsupported gateway-protocol request" },
	[RC_NAME_NOT_ALLOWED] = { "name_not_allowed", REF, 1,
	    "a node name outside the peer's `nodes` patterns, or an acceptor "
	    "that is not the node asked for" },
	[RC_HIDDEN_NOT_ALLOWED] = { "hidden_not_allowed", REF, 1,
	    "a hidden connection from a peer without `allow_hidden`" },
	[RC_BAD_COOKIE] = { "bad_cookie", REF, 1,
	    "a challenge reply (inbound) or challenge ack (outbound) whose "
	    "digest does not match the cookie" },
	[RC_MALFORMED_HANDSHAKE] = { "malformed_handshake", REF, 1,
	    "a distribution handshake message that does not parse or comes "
	    "out of order" },
	[RC_TLS_TIMEOUT] = { "tls_timeout", REF, 1,
	    "an inbound TLS handshake did not finish within `tls_timeout`: a "
	    "client that connects and then says nothing, or stalls" },
	[RC_LOCKED_OUT] = { "locked_out", REF, 0,
	    "the source address, certificate identity or node name is banned "
	    "(see below)" },
	[RC_GUESS_LIMIT] = { "guess_limit", REF, 0,
	    "the peer identity has sent `lockout_guesses` wrong cookies in the "
	    "last hour, and this node name is not known good from it: refused "
	    "before its cookie is checked (see below)" },
	[RC_EVICTED] = { "evicted", REF, 1,
	    "a connection not yet authenticated, closed to make room: every "
	    "`max_pending` slot was taken and its source address held the "
	    "most of them" },
	[RC_REVOKED] = { "revoked", REF, 0,
	    "an open connection that a reload's new configuration no longer "
	    "allows: its peer was removed, its certificate is now revoked by "
	    "the CRL, expired or no longer a peer's identity, its remote node "
	    "name is outside the peer's new `nodes`, or it is hidden and "
	    "`allow_hidden` was turned off" },
	[RC_NODE_NOT_EXPOSED] = { "node_not_exposed", REF, 0,
	    "the local node is outside `expose` / the peer's `local_nodes`" },
	[RC_NO_SUCH_NODE] = { "no_such_node", REF, 0,
	    "no local node of that name is registered" },
	[RC_TIMEOUT] = { "timeout", ERR, 0,
	    "a phase did not finish in time (request, connect, "
	    "distribution handshake, idle; an outbound TLS handshake), or "
	    "the remote host stopped answering for `dead_peer_timeout` "
	    "(reason \"... Connection timed out\")" },
	[RC_IO_ERROR] = { "io_error", ERR, 0,
	    "a read or write failed (connection reset, TLS error "
	    "mid-stream)" },
	[RC_HANDSHAKE_ABORTED] = { "handshake_aborted", ERR, 0,
	    "a node closed during the distribution handshake (for example a "
	    "node that refused the other's cookie itself, or answered "
	    "`nok`/`not_allowed`)" },
	[RC_UNREACHABLE] = { "unreachable", ERR, 0,
	    "the local node is registered but its port refused the "
	    "connection" },
	[RC_ROUTE_REFUSED] = { "route_refused", ERR, 0,
	    "outbound: the peer gateway refused the route (its reason "
	    "follows)" },
	[RC_LINK_FAILED] = { "link_failed", ERR, 0,
	    "outbound: the peer gateway could not be reached, or its link "
	    "broke or answered what it should not" },
	[RC_INTERNAL] = { "internal", ERR, 0,
	    "out of memory or an event-loop failure" },
};

const struct reason_info *
reason_info(enum reason r)
{
	if ((unsigned)r >= RC_NREASONS)
		r = RC_INTERNAL;
	return &table[r];
}

const char *
reason_code(enum reason r)
{
	return reason_info(r)->code;
}

const char *
verdict_name(enum verdict v)
{
	return v == VERDICT_OK ? "ok" : v == VERDICT_REFUSED ? "refused" :
	    "error";
}

const char *
reason_verdict(enum reason r)
{
	return verdict_name(reason_info(r)->verdict);
}

int
reason_counts(enum reason r)
{
	return reason_info(r)->lockout;
}

int
reason_parse(const char *code)
{
	for (int i = 0; i < RC_NREASONS; i++)
		if (strcmp(table[i].code, code) == 0)
			return i;
	return -1;
}
