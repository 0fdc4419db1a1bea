/*
 * gwproto.h — distgate's gateway-to-gateway protocol (docs/gateway-protocol.md).
 *
 * Spoken inside mutual TLS on the pinned port, before the connection
 * carries distribution bytes.  Every message, request or reply:
 *
 *   off size field
 *   0   2    magic "DG" (0x44 0x47)
 *   2   1    version (GWPROTO_VERSION)
 *   3   1    type
 *   4   2    body length, u16 big-endian, <= GWPROTO_MAX_BODY
 *   6   n    body
 *
 * A client may send any number of RESOLVE/NAMES/PING requests, one at a
 * time, each answered by one reply (PING by PONG: a liveness check of an
 * idle link; a server older than PING answers ERROR BAD_REQUEST and
 * closes); a ROUTE request answered OK turns the
 * connection into a distribution stream (the next byte is the first
 * handshake byte, 4-byte framed).  Error replies carry a status and a short
 * human-readable reason; the server closes after an error reply to ROUTE,
 * after UNSUPPORTED_VERSION and after BAD_REQUEST.
 */
#ifndef DISTGATE_GWPROTO_H
#define DISTGATE_GWPROTO_H

#include <stddef.h>
#include <stdint.h>

#define GWPROTO_VERSION		1
#define GWPROTO_HDR		6
#define GWPROTO_MAX_BODY	16384
#define GWPROTO_MAX_NAME	1023	/* alive or alive@host */
#define GWPROTO_MAX_REASON	200

enum gw_type {
	GW_RESOLVE = 0x01,	/* body: node name */
	GW_ROUTE = 0x02,	/* body: node name */
	GW_NAMES = 0x03,	/* body: empty, or a host name */
	GW_PING = 0x04,		/* body: empty */
	GW_RESOLVE_REPLY = 0x81,
	GW_ROUTE_REPLY = 0x82,
	GW_NAMES_REPLY = 0x83,
	GW_PONG = 0x84,		/* body: status (OK: nothing else) */
	GW_ERROR = 0xff,	/* reply to a message the server cannot read */
};

enum gw_status {
	GW_OK = 0,
	GW_NO_SUCH_NODE = 1,
	GW_NOT_ALLOWED = 2,
	GW_BUSY = 3,
	GW_BAD_REQUEST = 4,
	GW_UNSUPPORTED_VERSION = 5,
	GW_UNREACHABLE = 6,	/* node registered but its port refused */
	GW_INTERNAL = 7,
};

/* Returns a stable lower-case name for STATUS ("no_such_node", ...). */
const char *gw_status_name(int status);

enum gw_parse {
	GW_PARSE_BAD = -1,
	GW_PARSE_NEED_MORE = 0,
	GW_PARSE_DONE = 1,
};

struct gw_msg {
	uint8_t version;
	uint8_t type;
	const uint8_t *body;	/* points into the caller's buffer */
	uint16_t body_len;
	size_t consumed;	/* GWPROTO_HDR + body_len */
};

/*
 * Cuts one message from the start of BUF.  DIST-style contract:
 * GW_PARSE_DONE with *msg filled (bytes after it are left alone);
 * GW_PARSE_NEED_MORE for a prefix; GW_PARSE_BAD with *why for bad magic or
 * a body over GWPROTO_MAX_BODY.  A version other than GWPROTO_VERSION is
 * NOT an error here: the caller answers GW_UNSUPPORTED_VERSION.
 */
enum gw_parse gw_parse(const uint8_t *buf, size_t len, struct gw_msg *msg,
    const char **why);

/* Returns the body length the header at the start of BUF announces, or 0
 * while fewer than GWPROTO_HDR bytes are there. */
size_t gw_announced_body(const uint8_t *buf, size_t len);

/* Extracts the node name of a RESOLVE/ROUTE body (the host name of a
 * NAMES body): 1..GWPROTO_MAX_NAME bytes, no NUL, no control bytes.
 * Returns 0 or -1 with *why. */
int gw_body_name(const struct gw_msg *msg, char *name, size_t cap,
    const char **why);

/* Encoders: return bytes written or 0 if CAP is too small. */
size_t gw_encode_request(uint8_t *out, size_t cap, uint8_t type,
    const char *name);		/* name NULL for GW_PING; for GW_NAMES
				   NULL (this gateway's nodes) or a host
				   name (a bastion's inside host) */
/* A reply with status only, or status + reason for errors (reason may be
 * NULL; truncated to GWPROTO_MAX_REASON).  Status OK only for
 * ROUTE_REPLY and PONG, whose OK forms are the status alone. */
size_t gw_encode_status(uint8_t *out, size_t cap, uint8_t type,
    uint8_t status, const char *reason);
/* RESOLVE_REPLY OK: status 0, highest u16, lowest u16, node type u8. */
size_t gw_encode_resolve_ok(uint8_t *out, size_t cap, uint16_t high,
    uint16_t low, uint8_t node_type);
/* NAMES_REPLY OK: status 0, count u16, then count x (u8 len, name). */
size_t gw_encode_names(uint8_t *out, size_t cap, const char *const *names,
    size_t count);

/* Decoders of reply bodies.  Return 0 or -1 with *why. */
struct gw_reply {
	uint8_t status;
	char reason[GWPROTO_MAX_REASON + 1];	/* error replies; may be "" */
	uint16_t high, low;			/* RESOLVE_REPLY OK */
	uint8_t node_type;			/* RESOLVE_REPLY OK */
};
int gw_decode_reply(const struct gw_msg *msg, struct gw_reply *out,
    const char **why);
/*
 * Walks a NAMES_REPLY OK body: calls FN for each name (NUL-terminated).
 * Returns the count, or -1 with *why if the body is malformed.
 */
int gw_decode_names(const struct gw_msg *msg,
    void (*fn)(const char *name, void *arg), void *arg, const char **why);

#endif
