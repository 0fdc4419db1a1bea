/* gwproto.c — see gwproto.h and docs/gateway-protocol.md. */
#include "proxy/wire/gwproto.h"

#include <string.h>

#include "proxy/util/bytes.h"

#define MAGIC0			0x44	/* 'D' */
#define MAGIC1			0x47	/* 'G' */
#define RESOLVE_OK_BODY		6	/* status high:2 low:2 type:1 */
#define NAMES_OK_FIXED		3	/* status count:2 */
#define NAMES_MAX_NAME		255	/* one u8 length per name */

static const char *const status_names[] = {
	[GW_OK] = "ok",
	[GW_NO_SUCH_NODE] = "no_such_node",
	[GW_NOT_ALLOWED] = "not_allowed",
	[GW_BUSY] = "busy",
	[GW_BAD_REQUEST] = "bad_request",
	[GW_UNSUPPORTED_VERSION] = "unsupported_version",
	[GW_UNREACHABLE] = "unreachable",
	[GW_INTERNAL] = "internal",
};

static void
set_why(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
}



static int
is_printable(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* A node name as RESOLVE/ROUTE carry it: 1..GWPROTO_MAX_NAME bytes with
 * no NUL and no control byte (below 0x20, or 0x7f). */
static int
check_node_name(const uint8_t *p, size_t len, const char **why)
{
	if (len == 0) {
		set_why(why, "empty node name");
		return -1;
	}
	if (len > GWPROTO_MAX_NAME) {
		set_why(why, "node name too long");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0') {
			set_why(why, "NUL byte in node name");
			return -1;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			set_why(why, "control byte in node name");
			return -1;
		}
	}
	return 0;
}

/* Writes the 6-byte header; the caller has checked CAP. */
static void
put_header(uint8_t *out, uint8_t type, size_t body_len)
{
	out[0] = MAGIC0;
	out[1] = MAGIC1;
	out[2] = GWPROTO_VERSION;
	out[3] = type;
	put16(out + 4, (uint16_t)body_len);
}

static int
is_reply_type(uint8_t type)
{
	return type == GW_RESOLVE_REPLY || type == GW_ROUTE_REPLY ||
	    type == GW_NAMES_REPLY || type == GW_PONG || type == GW_ERROR;
}

const char *
gw_status_name(int status)
{
	if (status < 0 ||
	    (size_t)status >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[status];
}

enum gw_parse
gw_parse(const uint8_t *buf, size_t len, struct gw_msg *msg, const char **why)
{
	uint16_t body_len;

	memset(msg, 0, sizeof(*msg));
	/* The magic is checked byte by byte so that a stream which is not
	 * this protocol (e.g. a native handshake, first byte 0) is refused
	 * as early as its first byte. */
	if (len >= 1 && buf[0] != MAGIC0) {
		set_why(why, "bad magic");
		return GW_PARSE_BAD;
	}
	if (len >= 2 && buf[1] != MAGIC1) {
		set_why(why, "bad magic");
		return GW_PARSE_BAD;
	}
	if (len < GWPROTO_HDR)
		return GW_PARSE_NEED_MORE;
	body_len = get16(buf + 4);
	if (body_len > GWPROTO_MAX_BODY) {
		set_why(why, "body too long");
		return GW_PARSE_BAD;
	}
	if (len - GWPROTO_HDR < body_len)
		return GW_PARSE_NEED_MORE;
	msg->version = buf[2];
	msg->type = buf[3];
	msg->body = buf + GWPROTO_HDR;
	msg->body_len = body_len;
	msg->consumed = GWPROTO_HDR + (size_t)body_len;
	return GW_PARSE_DONE;
}

int
gw_body_name(const struct gw_msg *msg, char *name, size_t cap,
    const char **why)
{
	if (cap > 0)
		name[0] = '\0';
	if (msg->version != GWPROTO_VERSION) {
		set_why(why, "unsupported version");
		return -1;
	}
	if (msg->type != GW_RESOLVE && msg->type != GW_ROUTE &&
	    msg->type != GW_NAMES) {
		set_why(why, "not a RESOLVE, ROUTE or NAMES request");
		return -1;
	}
	if (check_node_name(msg->body, msg->body_len, why) == -1)
		return -1;
	if (cap <= msg->body_len) {
		set_why(why, "node name does not fit the buffer");
		return -1;
	}
	memcpy(name, msg->body, msg->body_len);
	name[msg->body_len] = '\0';
	return 0;
}

size_t
gw_encode_request(uint8_t *out, size_t cap, uint8_t type, const char *name)
{
	size_t nlen;

	if (type == GW_PING || (type == GW_NAMES && name == NULL)) {
		if (name != NULL || cap < GWPROTO_HDR)
			return 0;
		put_header(out, type, 0);
		return GWPROTO_HDR;
	}
	if ((type != GW_RESOLVE && type != GW_ROUTE && type != GW_NAMES) ||
	    name == NULL)
		return 0;
	nlen = strnlen(name, GWPROTO_MAX_NAME + 1);
	if (check_node_name((const uint8_t *)name, nlen, NULL) == -1)
		return 0;
	if (cap < GWPROTO_HDR + nlen)
		return 0;
	put_header(out, type, nlen);
	memcpy(out + GWPROTO_HDR, name, nlen);
	return GWPROTO_HDR + nlen;
}

size_t
gw_encode_status(uint8_t *out, size_t cap, uint8_t type, uint8_t status,
    const char *reason)
{
	size_t rlen = 0;

	if (!is_reply_type(type))
		return 0;
	/* Only ROUTE_REPLY and PONG have a status-only OK form; the OK forms
	 * of the other replies have their own encoders, and ERROR is never
	 * OK. */
	if (status == GW_OK && type != GW_ROUTE_REPLY && type != GW_PONG)
		return 0;
	if (status != GW_OK && reason != NULL)
		rlen = strnlen(reason, GWPROTO_MAX_REASON);
	if (cap < GWPROTO_HDR + 1 + rlen)
		return 0;
	put_header(out, type, 1 + rlen);
	out[GWPROTO_HDR] = status;
	for (size_t i = 0; i < rlen; i++) {
		uint8_t c = (uint8_t)reason[i];

		out[GWPROTO_HDR + 1 + i] = is_printable(c) ? c : '?';
	}
	return GWPROTO_HDR + 1 + rlen;
}

size_t
gw_encode_resolve_ok(uint8_t *out, size_t cap, uint16_t high, uint16_t low,
    uint8_t node_type)
{
	uint8_t *b = out + GWPROTO_HDR;

	if (cap < GWPROTO_HDR + RESOLVE_OK_BODY)
		return 0;
	put_header(out, GW_RESOLVE_REPLY, RESOLVE_OK_BODY);
	b[0] = GW_OK;
	put16(b + 1, high);
	put16(b + 3, low);
	b[5] = node_type;
	return GWPROTO_HDR + RESOLVE_OK_BODY;
}

size_t
gw_encode_names(uint8_t *out, size_t cap, const char *const *names,
    size_t count)
{
	size_t body_len = NAMES_OK_FIXED;
	uint8_t *b;

	if (count > 0xffff || (count > 0 && names == NULL))
		return 0;
	for (size_t i = 0; i < count; i++) {
		size_t nlen;

		if (names[i] == NULL)
			return 0;
		nlen = strnlen(names[i], NAMES_MAX_NAME + 1);
		if (nlen == 0 || nlen > NAMES_MAX_NAME)
			return 0;
		body_len += 1 + nlen;
		if (body_len > GWPROTO_MAX_BODY)
			return 0;
	}
	if (cap < GWPROTO_HDR + body_len)
		return 0;
	put_header(out, GW_NAMES_REPLY, body_len);
	b = out + GWPROTO_HDR;
	*b++ = GW_OK;
	put16(b, (uint16_t)count);
	b += 2;
	for (size_t i = 0; i < count; i++) {
		size_t nlen = strlen(names[i]);

		*b++ = (uint8_t)nlen;
		memcpy(b, names[i], nlen);
		b += nlen;
	}
	return GWPROTO_HDR + body_len;
}

/*
 * Checks a NAMES_REPLY OK body and, when FN is not NULL and the whole body
 * is well formed, calls FN for each name.  Returns the count or -1.
 */
static int
walk_names(const struct gw_msg *msg, void (*fn)(const char *, void *),
    void *arg, const char **why)
{
	const uint8_t *b = msg->body;
	size_t len = msg->body_len, off;
	unsigned count;
	char name[NAMES_MAX_NAME + 1];

	if (len < NAMES_OK_FIXED || b[0] != GW_OK) {
		set_why(why, "not a NAMES_REPLY OK body");
		return -1;
	}
	count = get16(b + 1);
	off = NAMES_OK_FIXED;
	for (unsigned i = 0; i < count; i++) {
		size_t nlen;

		if (off >= len) {
			set_why(why, "NAMES_REPLY shorter than its count");
			return -1;
		}
		nlen = b[off++];
		if (nlen == 0) {
			set_why(why, "empty name in NAMES_REPLY");
			return -1;
		}
		if (len - off < nlen) {
			set_why(why, "name runs past the NAMES_REPLY body");
			return -1;
		}
		if (memchr(b + off, '\0', nlen) != NULL) {
			set_why(why, "NUL byte in NAMES_REPLY name");
			return -1;
		}
		off += nlen;
	}
	if (off != len) {
		set_why(why, "bytes after the last name in NAMES_REPLY");
		return -1;
	}
	if (fn == NULL)
		return (int)count;
	off = NAMES_OK_FIXED;
	for (unsigned i = 0; i < count; i++) {
		size_t nlen = b[off++];

		memcpy(name, b + off, nlen);
		name[nlen] = '\0';
		off += nlen;
		fn(name, arg);
	}
	return (int)count;
}

int
gw_decode_names(const struct gw_msg *msg,
    void (*fn)(const char *name, void *arg), void *arg, const char **why)
{
	if (msg->version != GWPROTO_VERSION) {
		set_why(why, "unsupported version");
		return -1;
	}
	if (msg->type != GW_NAMES_REPLY) {
		set_why(why, "not a NAMES_REPLY");
		return -1;
	}
	return walk_names(msg, fn, arg, why);
}

/* Copies the printable-ASCII reason of an error reply, truncated. */
static int
decode_reason(const uint8_t *p, size_t len, struct gw_reply *out,
    const char **why)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_printable(p[i])) {
			set_why(why, "reason is not printable ASCII");
			return -1;
		}
	}
	if (len > GWPROTO_MAX_REASON)
		len = GWPROTO_MAX_REASON;
	memcpy(out->reason, p, len);
	out->reason[len] = '\0';
	return 0;
}

int
gw_decode_reply(const struct gw_msg *msg, struct gw_reply *out,
    const char **why)
{
	const uint8_t *b = msg->body;

	memset(out, 0, sizeof(*out));
	if (!is_reply_type(msg->type)) {
		set_why(why, "not a reply");
		return -1;
	}
	/* The ERROR layout is the same in every version, so that a client
	 * can read a server's UNSUPPORTED_VERSION answer. */
	if (msg->version != GWPROTO_VERSION && msg->type != GW_ERROR) {
		set_why(why, "unsupported version");
		return -1;
	}
	if (msg->body_len == 0) {
		set_why(why, "reply without a status");
		return -1;
	}
	if (b[0] != GW_OK) {
		if (decode_reason(b + 1, msg->body_len - 1u, out, why) == -1)
			goto fail;
		out->status = b[0];
		return 0;
	}
	switch (msg->type) {
	case GW_RESOLVE_REPLY:
		if (msg->body_len != RESOLVE_OK_BODY) {
			set_why(why, "RESOLVE_REPLY OK must have 6 body bytes");
			return -1;
		}
		out->high = get16(b + 1);
		out->low = get16(b + 3);
		out->node_type = b[5];
		break;
	case GW_ROUTE_REPLY:
		if (msg->body_len != 1) {
			set_why(why, "ROUTE_REPLY OK must have 1 body byte");
			return -1;
		}
		break;
	case GW_PONG:
		if (msg->body_len != 1) {
			set_why(why, "PONG OK must have 1 body byte");
			return -1;
		}
		break;
	case GW_NAMES_REPLY:
		if (walk_names(msg, NULL, NULL, why) == -1)
			return -1;
		break;
	default:
		set_why(why, "ERROR reply with status ok");
		return -1;
	}
	out->status = GW_OK;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

size_t
gw_announced_body(const uint8_t *buf, size_t len)
{
	return len < GWPROTO_HDR ? 0 : get16(buf + 4);
}
