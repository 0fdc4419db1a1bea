/*
 * epmd_proto.c — see epmd_proto.h.
 *
 * Where erts/epmd/src/epmd_srv.c is lenient, so is this parser; where it is
 * not, neither is this one.  Decisions worth knowing (as erts/epmd/src does):
 * - NAMES, DUMP and KILL: epmd switches on the tag only and ignores any
 *   further body bytes, so "n", "n\0" and "nXYZ" are all a NAMES request.
 * - ALIVE2: bytes after Extra but inside Length are ignored, as epmd only
 *   checks that Nlen and Elen do not overrun the body.  Nlen 0 is refused
 *   as "empty name" even when the body is longer than 13 bytes (epmd would
 *   register an empty name there).
 * - STOP: epmd compares the C string after 's'; here the name is checked
 *   like a PORT_PLEASE2 name (one trailing NUL stripped; empty, inner NUL,
 *   bad UTF-8 or too long is EPMD_BAD).  Stricter than epmd, which would
 *   answer NOEXIST for such a name, but no such name can be registered.
 */
#include "proxy/wire/epmd_proto.h"

#include <stdio.h>
#include <string.h>

#include "proxy/util/bytes.h"

/* EPMD_BAD reasons for unknown tags, one per byte value. */
#define UT(s)	"unknown request tag " s
#define UT10(t)	UT(#t "0"), UT(#t "1"), UT(#t "2"), UT(#t "3"), UT(#t "4"), \
		UT(#t "5"), UT(#t "6"), UT(#t "7"), UT(#t "8"), UT(#t "9")
static const char *const unknown_tag[] = {
	UT("0"), UT("1"), UT("2"), UT("3"), UT("4"),
	UT("5"), UT("6"), UT("7"), UT("8"), UT("9"),
	UT10(1), UT10(2), UT10(3), UT10(4), UT10(5), UT10(6), UT10(7),
	UT10(8), UT10(9), UT10(10), UT10(11), UT10(12), UT10(13), UT10(14),
	UT10(15), UT10(16), UT10(17), UT10(18), UT10(19), UT10(20), UT10(21),
	UT10(22), UT10(23), UT10(24),
	UT("250"), UT("251"), UT("252"), UT("253"), UT("254"), UT("255"),
};
#undef UT10
#undef UT
_Static_assert(sizeof(unknown_tag) / sizeof(unknown_tag[0]) == 256,
    "one reason per tag byte");




/*
 * Counts the characters of strict UTF-8 in S: no overlong forms, no
 * surrogates, nothing above U+10FFFF (the same set epmd's verify_utf8
 * accepts).  Returns the count or -1.
 */
static long
utf8_chars(const uint8_t *s, size_t len)
{
	size_t i = 0;
	long n = 0;

	while (i < len) {
		uint8_t c = s[i], lo = 0x80, hi = 0xbf;
		size_t need;

		if (c < 0x80)
			need = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else
			return -1;
		if (len - i - 1 < need)
			return -1;
		for (size_t k = 1; k <= need; k++) {
			uint8_t cc = s[i + k];
			if (k == 1 ? (cc < lo || cc > hi) : (cc & 0xc0) != 0x80)
				return -1;
		}
		i += need + 1;
		n++;
	}
	return n;
}

int
epmd_check_name(const char *name, size_t len, const char **why)
{
	const char *w = NULL;
	long chars;

	if (name == NULL || len == 0)
		w = "empty name";
	else if (len > EPMD_MAX_NAME)
		w = "name longer than 1020 bytes";
	else if (memchr(name, '\0', len) != NULL)
		w = "NUL byte in name";
	else if ((chars = utf8_chars((const uint8_t *)name, len)) < 0)
		w = "invalid UTF-8 in name";
	else if (chars > EPMD_MAX_NAME_CHARS)
		w = "name longer than 255 characters";
	if (w == NULL)
		return 0;
	if (why != NULL)
		*why = w;
	return -1;
}

static void
set_name(struct epmd_req *req, const uint8_t *name, size_t len)
{
	memcpy(req->name, name, len);
	req->name[len] = '\0';
	req->name_len = len;
}

/* ALIVE2 body B of BLEN bytes (tag included). */
static const char *
parse_alive2(const uint8_t *b, size_t blen, struct epmd_req *req)
{
	size_t nlen, elen;
	const uint8_t *name;
	const char *w;

	if (blen <= 13)
		return "empty name";
	req->port = get16(b + 1);
	req->node_type = b[3];
	req->protocol = b[4];
	req->high = get16(b + 5);
	req->low = get16(b + 7);
	nlen = get16(b + 9);
	if (nlen == 0)
		return "empty name";
	if (nlen + 13 > blen)
		return "ALIVE2 name length overruns the packet";
	elen = get16(b + 11 + nlen);
	if (elen + nlen + 13 > blen)
		return "ALIVE2 extra length overruns the packet";
	name = b + 11;
	if (memchr(name, '\0', nlen) != NULL)
		return "NUL byte in name";
	req->extra = b + 13 + nlen;
	req->extra_len = (uint16_t)elen;

	/* From here on epmd answers Result=1 instead of closing. */
	if (nlen > EPMD_MAX_NAME) {
		req->refuse = "name longer than 1020 bytes";
		return NULL;	/* name stays empty: it does not fit */
	}
	set_name(req, name, nlen);
	if (epmd_check_name(req->name, nlen, &w) < 0)
		req->refuse = w;
	else if (elen > EPMD_MAX_EXTRA)
		req->refuse = "extra longer than 1020 bytes";
	return NULL;
}

/*
 * PORT_PLEASE2 and STOP: the name is the rest of the body; one trailing
 * NUL is stripped.
 */
static const char *
parse_name_req(const uint8_t *b, size_t blen, struct epmd_req *req)
{
	const uint8_t *name = b + 1;
	size_t nlen = blen - 1;
	const char *w = NULL;

	if (nlen > 0 && name[nlen - 1] == '\0')
		nlen--;
	if (epmd_check_name((const char *)name, nlen, &w) < 0)
		return w;
	set_name(req, name, nlen);
	return NULL;
}

enum epmd_parse
epmd_parse_request(const uint8_t *buf, size_t len, struct epmd_req *req,
    const char **why)
{
	const uint8_t *b;
	size_t blen;
	const char *w = NULL;

	memset(req, 0, sizeof(*req));
	if (len < 2)
		return EPMD_NEED_MORE;
	blen = get16(buf);
	if (blen == 0 || blen > EPMD_MAX_PACKET) {
		w = "invalid packet size";
		goto bad;
	}
	if (len < blen + 2)
		return EPMD_NEED_MORE;
	if (len > blen + 2) {
		w = "pipelined or trailing bytes";
		goto bad;
	}
	b = buf + 2;
	req->tag = b[0];
	switch (b[0]) {
	case EPMD_ALIVE2_REQ:
		w = parse_alive2(b, blen, req);
		break;
	case EPMD_PORT_PLEASE2_REQ:
	case EPMD_STOP_REQ:
		w = parse_name_req(b, blen, req);
		break;
	case EPMD_NAMES_REQ:
	case EPMD_DUMP_REQ:
	case EPMD_KILL_REQ:
		break;		/* further body bytes ignored, as epmd does */
	default:
		w = unknown_tag[b[0]];
		break;
	}
	if (w == NULL)
		return EPMD_DONE;
bad:
	/* Keep the tag for the caller's log line; drop the rest. */
	{
		uint8_t tag = req->tag;
		memset(req, 0, sizeof(*req));
		req->tag = tag;
	}
	if (why != NULL)
		*why = w;
	return EPMD_BAD;
}

size_t
epmd_alive2_reply(uint8_t *out, size_t cap, uint16_t req_high, uint8_t result,
    uint32_t creation)
{
	if (result != 0)
		creation = 99;
	if (req_high >= 6) {
		if (cap < 6)
			return 0;
		out[0] = EPMD_ALIVE2_X_RESP;
		out[1] = result;
		put32(out + 2, creation);
		return 6;
	}
	if (cap < 4)
		return 0;
	out[0] = EPMD_ALIVE2_RESP;
	out[1] = result;
	put16(out + 2, (uint16_t)creation);
	return 4;
}

size_t
epmd_port2_reply(uint8_t *out, size_t cap, uint16_t port, uint8_t node_type,
    uint8_t protocol, uint16_t high, uint16_t low, const char *name,
    const uint8_t *extra, uint16_t extra_len)
{
	size_t nlen, total;

	if (name == NULL)
		return 0;
	nlen = strlen(name);
	if (nlen > UINT16_MAX || (extra_len > 0 && extra == NULL))
		return 0;
	total = 14 + nlen + extra_len;
	if (cap < total)
		return 0;
	out[0] = EPMD_PORT2_RESP;
	out[1] = 0;
	put16(out + 2, port);
	out[4] = node_type;
	out[5] = protocol;
	put16(out + 6, high);
	put16(out + 8, low);
	put16(out + 10, (uint16_t)nlen);
	memcpy(out + 12, name, nlen);
	put16(out + 12 + nlen, extra_len);
	if (extra_len > 0)
		memcpy(out + 14 + nlen, extra, extra_len);
	return total;
}

size_t
epmd_port2_notfound(uint8_t *out, size_t cap)
{
	if (cap < 2)
		return 0;
	out[0] = EPMD_PORT2_RESP;
	out[1] = 1;
	return 2;
}

size_t
epmd_names_header(uint8_t *out, size_t cap, uint16_t epmd_port)
{
	if (cap < 4)
		return 0;
	put32(out, epmd_port);
	return 4;
}

/*
 * Writes PRE NAME MID NUM POST (NUM a decimal) into OUT when it all fits
 * in CAP; POST_LEN counts a trailing NUL in POST if any.  Returns the
 * length or 0, writing nothing then.
 */
static size_t
put_line(uint8_t *out, size_t cap, const char *pre, const char *name,
    const char *mid, const char *num, const char *post, size_t post_len)
{
	size_t lp = strlen(pre), ln = strlen(name), lm = strlen(mid);
	size_t lnum = strlen(num), total = lp + ln + lm + lnum + post_len;
	uint8_t *p = out;

	if (total > cap)
		return 0;
	memcpy(p, pre, lp);
	p += lp;
	memcpy(p, name, ln);
	p += ln;
	memcpy(p, mid, lm);
	p += lm;
	memcpy(p, num, lnum);
	p += lnum;
	memcpy(p, post, post_len);
	return total;
}

size_t
epmd_names_line(uint8_t *out, size_t cap, const char *name, uint16_t port)
{
	char num[8];

	if (name == NULL)
		return 0;
	(void)snprintf(num, sizeof(num), "%u", (unsigned)port);
	return put_line(out, cap, "name ", name, " at port ", num, "\n", 1);
}

size_t
epmd_dump_line(uint8_t *out, size_t cap, const char *name, uint16_t port,
    int fd)
{
	char num[40];

	if (name == NULL)
		return 0;
	/* epmd: "active name     <" NAME "> at port %d, fd = %d\n" + NUL */
	(void)snprintf(num, sizeof(num), "%u, fd = %d", (unsigned)port, fd);
	return put_line(out, cap, "active name     <", name, "> at port ",
	    num, "\n", 2);
}

static int
set_why(const char **why, const char *w)
{
	if (why != NULL)
		*why = w;
	return -1;
}

int
epmd_parse_port2(const uint8_t *r, size_t len, struct epmd_port2 *out,
    const char **why)
{
	if (len >= 2 && r[0] == EPMD_PORT2_RESP && r[1] != 0)
		return set_why(why, "not found");
	if (len < 12 || r[0] != EPMD_PORT2_RESP)
		return set_why(why, "malformed PORT2 reply");
	out->port = get16(r + 2);
	out->node_type = r[4];
	out->protocol = r[5];
	out->high = get16(r + 6);
	out->low = get16(r + 8);
	if (out->port == 0)
		return set_why(why, "port 0 in PORT2 reply");
	return 0;
}

int
epmd_names_next(const char *text, size_t len, size_t *off, char *name,
    size_t cap, uint16_t *port)
{
	static const char pre[] = "name ", mid[] = " at port ";
	const char *line, *nl, *at, *p;
	size_t ll, nlen;
	unsigned long v = 0;

	if (*off >= len)
		return -1;
	line = text + *off;
	nl = memchr(line, '\n', len - *off);
	ll = nl ? (size_t)(nl - line) : len - *off;
	*off += ll + (nl != NULL);
	if (ll <= sizeof(pre) - 1 || memcmp(line, pre, sizeof(pre) - 1) != 0)
		return 0;
	/* The name ends at the last " at port " of the line. */
	for (at = NULL, p = line; (size_t)(p - line) + sizeof(mid) - 1 <= ll;
	    p++)
		if (memcmp(p, mid, sizeof(mid) - 1) == 0)
			at = p;
	if (at == NULL)
		return 0;
	nlen = (size_t)(at - line) - (sizeof(pre) - 1);
	/* No space, and no NUL: the name would reach callers cut short. */
	if (nlen == 0 || nlen >= cap || nlen > EPMD_MAX_NAME ||
	    memchr(line + sizeof(pre) - 1, ' ', nlen) != NULL ||
	    memchr(line + sizeof(pre) - 1, '\0', nlen) != NULL)
		return 0;
	p = at + sizeof(mid) - 1;
	if (p == line + ll)
		return 0;
	for (; p < line + ll; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned)(*p - '0'))
		    > 65535)
			return 0;
	}
	if (v == 0)
		return 0;
	memcpy(name, line + sizeof(pre) - 1, nlen);
	name[nlen] = '\0';
	*port = (uint16_t)v;
	return 1;
}
