/*
 * reason.h — the reason codes every connection closes with: one table of
 * code, verdict, whether it counts toward lockout, and what it means.
 *
 * The close path (conn_close), the audit line and docs/audit.md all come
 * from this table; a unit test checks the document against it.  Codes are
 * an enum, so a mistyped code does not compile.  Pure: no I/O.
 */
#ifndef DISTGATE_REASON_H
#define DISTGATE_REASON_H

enum reason {
	RC_OK = 0,
	RC_SHUTDOWN,
	RC_BAD_CERTIFICATE,
	RC_TLS_FAILED,
	RC_IDENTITY_NOT_ALLOWED,
	RC_BAD_REQUEST,
	RC_NAME_NOT_ALLOWED,
	RC_HIDDEN_NOT_ALLOWED,
	RC_BAD_COOKIE,
	RC_MALFORMED_HANDSHAKE,
	RC_TLS_TIMEOUT,
	RC_LOCKED_OUT,
	RC_GUESS_LIMIT,
	RC_EVICTED,
	RC_REVOKED,
	RC_NODE_NOT_EXPOSED,
	RC_NO_SUCH_NODE,
	RC_TIMEOUT,
	RC_IO_ERROR,
	RC_HANDSHAKE_ABORTED,
	RC_UNREACHABLE,
	RC_ROUTE_REFUSED,
	RC_LINK_FAILED,
	RC_INTERNAL,
	RC_NREASONS
};

enum verdict { VERDICT_OK = 0, VERDICT_REFUSED, VERDICT_ERROR };

struct reason_info {
	const char *code;	/* as logged: "bad_cookie" */
	enum verdict verdict;
	int lockout;		/* 1: counts as a failure of its source */
	const char *meaning;	/* one line, as docs/audit.md says it */
};

/* Returns the table row of R (RC_INTERNAL's for an out-of-range value). */
const struct reason_info *reason_info(enum reason r);

/* Shorthands for reason_info(R)->code / verdict name / lockout. */
const char *reason_code(enum reason r);
const char *reason_verdict(enum reason r);
int reason_counts(enum reason r);

/* Returns "ok", "refused" or "error". */
const char *verdict_name(enum verdict v);

/* Returns the reason whose code is CODE, or -1 (tests, docs checks). */
int reason_parse(const char *code);

#endif
