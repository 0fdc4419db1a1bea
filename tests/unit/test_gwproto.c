/* test_gwproto.c — cmocka tests for proxy/gwproto.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/wire/gwproto.h"

/* The worked example of docs/gateway-protocol.md. */
static const uint8_t resolve_b1[] = {
	0x44, 0x47, 0x01, 0x01, 0x00, 0x02, 0x62, 0x31,
};
static const uint8_t resolve_b1_ok[] = {
	0x44, 0x47, 0x01, 0x81, 0x00, 0x06, 0x00, 0x00, 0x06, 0x00, 0x05, 0x4d,
};

struct rng {
	uint64_t s;
};

static uint32_t
rng_next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 16);
}

/* Collects names from gw_decode_names() into one "a,b,c" string. */
struct collect {
	char all[2048];
	int calls;
};

static void
collect_name(const char *name, void *arg)
{
	struct collect *c = arg;
	size_t used = strlen(c->all);

	assert_true(strlen(name) >= 1 && strlen(name) <= 255);
	if (c->calls > 0 && used + 1 < sizeof(c->all))
		c->all[used++] = ',';
	if (used + strlen(name) < sizeof(c->all))
		memcpy(c->all + used, name, strlen(name) + 1);
	else
		c->all[used] = '\0';
	c->calls++;
}

/* Parses BUF, which must hold exactly one message. */
static void
parse_whole(const uint8_t *buf, size_t len, struct gw_msg *msg)
{
	const char *why = NULL;

	assert_int_equal(gw_parse(buf, len, msg, &why), GW_PARSE_DONE);
	assert_int_equal(msg->consumed, len);
	assert_ptr_equal(msg->body, buf + GWPROTO_HDR);
}

static void
test_status_name(void **state)
{
	(void)state;
	assert_string_equal(gw_status_name(GW_OK), "ok");
	assert_string_equal(gw_status_name(GW_NO_SUCH_NODE), "no_such_node");
	assert_string_equal(gw_status_name(GW_NOT_ALLOWED), "not_allowed");
	assert_string_equal(gw_status_name(GW_BUSY), "busy");
	assert_string_equal(gw_status_name(GW_BAD_REQUEST), "bad_request");
	assert_string_equal(gw_status_name(GW_UNSUPPORTED_VERSION),
	    "unsupported_version");
	assert_string_equal(gw_status_name(GW_UNREACHABLE), "unreachable");
	assert_string_equal(gw_status_name(GW_INTERNAL), "internal");
	assert_string_equal(gw_status_name(8), "unknown");
	assert_string_equal(gw_status_name(255), "unknown");
	assert_string_equal(gw_status_name(-1), "unknown");
}

static void
test_resolve_request(void **state)
{
	uint8_t out[64];
	struct gw_msg msg;
	char name[GWPROTO_MAX_NAME + 1];
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE, "b1"),
	    8);
	assert_memory_equal(out, resolve_b1, sizeof(resolve_b1));
	assert_int_equal(gw_encode_request(out, 8, GW_RESOLVE, "b1"), 8);
	assert_int_equal(gw_encode_request(out, 7, GW_RESOLVE, "b1"), 0);
	parse_whole(out, 8, &msg);
	assert_int_equal(msg.version, GWPROTO_VERSION);
	assert_int_equal(msg.type, GW_RESOLVE);
	assert_int_equal(msg.body_len, 2);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	assert_string_equal(name, "b1");
}

static void
test_route_and_names_request(void **state)
{
	static const uint8_t route[] = {
		0x44, 0x47, 0x01, 0x02, 0x00, 0x05, 'a', '1', '@', 'h', '2',
	};
	static const uint8_t names[] = { 0x44, 0x47, 0x01, 0x03, 0x00, 0x00 };
	uint8_t out[1100];
	char big[GWPROTO_MAX_NAME + 2];
	char name[GWPROTO_MAX_NAME + 1];
	struct gw_msg msg;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_ROUTE,
	    "a1@h2"), sizeof(route));
	assert_memory_equal(out, route, sizeof(route));
	parse_whole(out, sizeof(route), &msg);
	assert_int_equal(msg.type, GW_ROUTE);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	assert_string_equal(name, "a1@h2");

	assert_int_equal(gw_encode_request(out, sizeof(out), GW_NAMES, NULL),
	    6);
	assert_memory_equal(out, names, sizeof(names));
	assert_int_equal(gw_encode_request(out, 5, GW_NAMES, NULL), 0);
	parse_whole(out, 6, &msg);
	assert_int_equal(msg.type, GW_NAMES);
	assert_int_equal(msg.body_len, 0);

	/* NAMES of a host behind a bastion: the host name is the body */
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_NAMES,
	    "hostE.test"), 6 + 10);
	parse_whole(out, 16, &msg);
	assert_int_equal(msg.type, GW_NAMES);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	assert_string_equal(name, "hostE.test");

	/* misuse and invalid names encode nothing */
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_PING, "x"), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_NAMES, ""), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE, NULL),
	    0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_ROUTE, ""), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE,
	    "a\nb"), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE,
	    "a\x7f"), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE_REPLY,
	    "b1"), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), 0x42, "b1"), 0);
	memset(big, 'n', sizeof(big));
	big[GWPROTO_MAX_NAME] = '\0';
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE, big),
	    GWPROTO_HDR + GWPROTO_MAX_NAME);
	assert_int_equal(out[4], 0x03);
	assert_int_equal(out[5], 0xff);
	big[GWPROTO_MAX_NAME] = 'n';
	big[GWPROTO_MAX_NAME + 1] = '\0';
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_RESOLVE, big),
	    0);
}

/*
 * PING and PONG, the liveness check of an idle link, as
 * docs/gateway-protocol.md shows them; and the answer of a server that
 * predates them, which the client must be able to read.
 */
static void
test_ping_pong(void **state)
{
	static const uint8_t ping[] = { 0x44, 0x47, 0x01, 0x04, 0x00, 0x00 };
	static const uint8_t pong[] = {
		0x44, 0x47, 0x01, 0x84, 0x00, 0x01, 0x00,
	};
	static const uint8_t old_server[] = {
		0x44, 0x47, 0x01, 0xff, 0x00, 0x15, 0x04, 'u', 'n', 'k', 'n',
		'o', 'w', 'n', ' ', 'r', 'e', 'q', 'u', 'e', 's', 't', ' ',
		't', 'y', 'p', 'e',
	};
	uint8_t out[64];
	char name[16];
	struct gw_msg msg;
	struct gw_reply rep;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_PING, NULL),
	    sizeof(ping));
	assert_memory_equal(out, ping, sizeof(ping));
	assert_int_equal(gw_encode_request(out, 5, GW_PING, NULL), 0);
	assert_int_equal(gw_encode_request(out, sizeof(out), GW_PING, "b1"), 0);
	parse_whole(ping, sizeof(ping), &msg);
	assert_int_equal(msg.type, GW_PING);
	assert_int_equal(msg.body_len, 0);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);

	assert_int_equal(gw_encode_status(out, sizeof(out), GW_PONG, GW_OK,
	    "ignored"), sizeof(pong));
	assert_memory_equal(out, pong, sizeof(pong));
	assert_int_equal(gw_encode_status(out, sizeof(pong) - 1, GW_PONG,
	    GW_OK, NULL), 0);
	parse_whole(pong, sizeof(pong), &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_OK);
	assert_string_equal(rep.reason, "");

	/* A PING with a body is answered PONG bad_request. */
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_PONG,
	    GW_BAD_REQUEST, "PING takes no body"), GWPROTO_HDR + 19);
	parse_whole(out, GWPROTO_HDR + 19, &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_BAD_REQUEST);
	assert_string_equal(rep.reason, "PING takes no body");

	/* A server older than PING: ERROR bad_request (then it closes). */
	parse_whole(old_server, sizeof(old_server), &msg);
	assert_int_equal(msg.type, GW_ERROR);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_BAD_REQUEST);
	assert_string_equal(rep.reason, "unknown request type");
}

static void
test_resolve_ok_reply(void **state)
{
	uint8_t out[32];
	struct gw_msg msg;
	struct gw_reply rep;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_resolve_ok(out, sizeof(out), 6, 5, 77), 12);
	assert_memory_equal(out, resolve_b1_ok, sizeof(resolve_b1_ok));
	assert_int_equal(gw_encode_resolve_ok(out, 11, 6, 5, 77), 0);
	parse_whole(resolve_b1_ok, sizeof(resolve_b1_ok), &msg);
	assert_int_equal(msg.type, GW_RESOLVE_REPLY);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_OK);
	assert_int_equal(rep.high, 6);
	assert_int_equal(rep.low, 5);
	assert_int_equal(rep.node_type, 77);
	assert_string_equal(rep.reason, "");
	/* full u16 range survives */
	assert_int_equal(gw_encode_resolve_ok(out, sizeof(out), 0xabcd, 0x1234,
	    72), 12);
	parse_whole(out, 12, &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.high, 0xabcd);
	assert_int_equal(rep.low, 0x1234);
	assert_int_equal(rep.node_type, 72);
}

static void
test_status_replies(void **state)
{
	static const uint8_t route_ok[] = {
		0x44, 0x47, 0x01, 0x82, 0x00, 0x01, 0x00,
	};
	static const uint8_t nsn[] = {
		0x44, 0x47, 0x01, 0x81, 0x00, 0x05, 0x01, 'g', 'o', 'n', 'e',
	};
	static const uint8_t unsup[] = {
		0x44, 0x47, 0x01, 0xff, 0x00, 0x01, 0x05,
	};
	uint8_t out[512];
	char longr[300];
	struct gw_msg msg;
	struct gw_reply rep;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_ROUTE_REPLY,
	    GW_OK, "ignored"), 7);
	assert_memory_equal(out, route_ok, sizeof(route_ok));
	parse_whole(out, 7, &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_OK);

	assert_int_equal(gw_encode_status(out, sizeof(out), GW_RESOLVE_REPLY,
	    GW_NO_SUCH_NODE, "gone"), sizeof(nsn));
	assert_memory_equal(out, nsn, sizeof(nsn));
	assert_int_equal(gw_encode_status(out, sizeof(nsn), GW_RESOLVE_REPLY,
	    GW_NO_SUCH_NODE, "gone"), sizeof(nsn));
	assert_int_equal(gw_encode_status(out, sizeof(nsn) - 1,
	    GW_RESOLVE_REPLY, GW_NO_SUCH_NODE, "gone"), 0);
	parse_whole(nsn, sizeof(nsn), &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_NO_SUCH_NODE);
	assert_string_equal(rep.reason, "gone");

	assert_int_equal(gw_encode_status(out, sizeof(out), GW_ERROR,
	    GW_UNSUPPORTED_VERSION, NULL), sizeof(unsup));
	assert_memory_equal(out, unsup, sizeof(unsup));
	parse_whole(unsup, sizeof(unsup), &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_UNSUPPORTED_VERSION);
	assert_string_equal(rep.reason, "");

	/* reasons: truncated to GWPROTO_MAX_REASON, control bytes -> '?' */
	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_ROUTE_REPLY,
	    GW_BUSY, longr), GWPROTO_HDR + 1 + GWPROTO_MAX_REASON);
	assert_int_equal(out[4], 0x00);
	assert_int_equal(out[5], 201);
	parse_whole(out, GWPROTO_HDR + 1 + GWPROTO_MAX_REASON, &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_BUSY);
	assert_int_equal(strlen(rep.reason), GWPROTO_MAX_REASON);
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_NAMES_REPLY,
	    GW_NOT_ALLOWED, "a\tb\xc3"), GWPROTO_HDR + 5);
	assert_memory_equal(out + GWPROTO_HDR, "\x02" "a?b?", 5);

	/* OK only as ROUTE_REPLY; only reply types */
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_RESOLVE_REPLY,
	    GW_OK, NULL), 0);
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_NAMES_REPLY,
	    GW_OK, NULL), 0);
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_ERROR, GW_OK,
	    NULL), 0);
	assert_int_equal(gw_encode_status(out, sizeof(out), GW_ROUTE,
	    GW_BUSY, NULL), 0);
	assert_int_equal(gw_encode_status(out, sizeof(out), 0x85, GW_BUSY,
	    NULL), 0);
}

static void
test_decoded_reason_long(void **state)
{
	uint8_t buf[GWPROTO_HDR + 1 + 400];
	struct gw_msg msg;
	struct gw_reply rep;
	const char *why = NULL;

	(void)state;
	/* a peer may send a longer reason; we keep the first 200 bytes */
	buf[0] = 0x44;
	buf[1] = 0x47;
	buf[2] = 0x01;
	buf[3] = GW_ROUTE_REPLY;
	buf[4] = 0x01;
	buf[5] = 0x91;		/* 401 */
	buf[6] = GW_UNREACHABLE;
	for (int i = 0; i < 400; i++)
		buf[7 + i] = (uint8_t)('a' + i % 26);
	parse_whole(buf, sizeof(buf), &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_UNREACHABLE);
	assert_int_equal(strlen(rep.reason), GWPROTO_MAX_REASON);
	assert_memory_equal(rep.reason, buf + 7, GWPROTO_MAX_REASON);
	/* ... but every byte must be printable ASCII */
	buf[7 + 399] = 0x0a;
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);
	assert_int_equal(rep.status, 0);
	assert_string_equal(rep.reason, "");
	buf[7 + 399] = 0x80;
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);
}

static void
test_names_reply(void **state)
{
	static const char *const three[] = { "a", "bb", "node_3" };
	static const uint8_t want[] = {
		0x44, 0x47, 0x01, 0x83, 0x00, 0x0f, 0x00, 0x00, 0x03,
		0x01, 'a', 0x02, 'b', 'b', 0x06, 'n', 'o', 'd', 'e', '_', '3',
	};
	/* the NAMES example of docs/gateway-protocol.md */
	static const char *const two[] = { "a", "bb" };
	static const uint8_t doc_two[] = {
		0x44, 0x47, 0x01, 0x83, 0x00, 0x08, 0x00, 0x00, 0x02,
		0x01, 0x61, 0x02, 0x62, 0x62,
	};
	static const uint8_t empty[] = {
		0x44, 0x47, 0x01, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00,
	};
	static char n255[256], n256[257];
	static const char *many[2000];
	const char *bad[2];
	uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY + 16];
	struct gw_msg msg;
	struct gw_reply rep;
	struct collect c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_encode_names(out, sizeof(out), three, 3),
	    sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(gw_encode_names(out, sizeof(want) - 1, three, 3), 0);
	parse_whole(want, sizeof(want), &msg);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(gw_decode_names(&msg, collect_name, &c, &why), 3);
	assert_int_equal(c.calls, 3);
	assert_string_equal(c.all, "a,bb,node_3");
	assert_int_equal(gw_encode_names(out, sizeof(out), two, 2),
	    sizeof(doc_two));
	assert_memory_equal(out, doc_two, sizeof(doc_two));

	assert_int_equal(gw_encode_names(out, sizeof(out), NULL, 0),
	    sizeof(empty));
	assert_memory_equal(out, empty, sizeof(empty));
	parse_whole(empty, sizeof(empty), &msg);
	memset(&c, 0, sizeof(c));
	assert_int_equal(gw_decode_names(&msg, collect_name, &c, &why), 0);
	assert_int_equal(c.calls, 0);

	/* names of 255 bytes fit, 256 and 0 do not */
	memset(n255, 'x', 255);
	memset(n256, 'y', 256);
	bad[0] = n255;
	bad[1] = "";
	assert_int_equal(gw_encode_names(out, sizeof(out), bad, 1),
	    GWPROTO_HDR + 3 + 256);
	parse_whole(out, GWPROTO_HDR + 3 + 256, &msg);
	memset(&c, 0, sizeof(c));
	assert_int_equal(gw_decode_names(&msg, collect_name, &c, &why), 1);
	assert_int_equal(strlen(c.all), 255);
	assert_int_equal(gw_encode_names(out, sizeof(out), bad, 2), 0);
	bad[1] = n256;
	assert_int_equal(gw_encode_names(out, sizeof(out), bad, 2), 0);
	bad[1] = NULL;
	assert_int_equal(gw_encode_names(out, sizeof(out), bad, 2), 0);
	assert_int_equal(gw_encode_names(out, sizeof(out), NULL, 1), 0);
	assert_int_equal(gw_encode_names(out, sizeof(out), three, 0x10000), 0);

	/* the body limit: 2000 x "nnnnnnn" needs 3 + 16000 bytes, fits;
	 * 2000 x 8 bytes needs 18003, does not */
	for (int i = 0; i < 2000; i++)
		many[i] = "nnnnnnn";
	assert_int_equal(gw_encode_names(out, sizeof(out), many, 2000),
	    GWPROTO_HDR + 3 + 16000);
	parse_whole(out, GWPROTO_HDR + 3 + 16000, &msg);
	assert_int_equal(gw_decode_names(&msg, NULL, NULL, &why), 2000);
	for (int i = 0; i < 2000; i++)
		many[i] = "nnnnnnnn";
	assert_int_equal(gw_encode_names(out, sizeof(out), many, 2000), 0);
}

/* Builds a message around BODY in BUF and returns what gw_parse saw. */
static void
make_msg(uint8_t *buf, uint8_t version, uint8_t type, const uint8_t *body,
    size_t blen, struct gw_msg *msg)
{
	buf[0] = 0x44;
	buf[1] = 0x47;
	buf[2] = version;
	buf[3] = type;
	buf[4] = (uint8_t)(blen >> 8);
	buf[5] = (uint8_t)blen;
	memcpy(buf + GWPROTO_HDR, body, blen);
	parse_whole(buf, GWPROTO_HDR + blen, msg);
}

static void
test_decode_reply_bad(void **state)
{
	static const struct {
		uint8_t type;
		size_t len;
		uint8_t body[12];
	} cases[] = {
		{ GW_RESOLVE_REPLY, 0, { 0 } },			/* no status */
		{ GW_RESOLVE, 1, { 1 } },			/* request */
		{ GW_ROUTE, 1, { 0 } },
		{ GW_NAMES, 0, { 0 } },
		{ 0x85, 1, { 1 } },				/* unknown */
		{ GW_PING, 0, { 0 } },				/* request */
		{ GW_PONG, 0, { 0 } },				/* no status */
		{ GW_PONG, 2, { 0, 0 } },			/* long OK */
		{ GW_PONG, 3, { 4, 'a', 0x1f } },		/* reason */
		{ GW_RESOLVE_REPLY, 5, { 0, 0, 6, 0, 5 } },	/* short */
		{ GW_RESOLVE_REPLY, 7, { 0, 0, 6, 0, 5, 77, 0 } }, /* long */
		{ GW_RESOLVE_REPLY, 1, { 0 } },
		{ GW_ROUTE_REPLY, 2, { 0, 0 } },
		{ GW_ERROR, 1, { 0 } },				/* ERROR ok */
		{ GW_ERROR, 3, { 4, 'a', 0x1f } },		/* reason */
		{ GW_ROUTE_REPLY, 3, { 2, 0x7f, 'a' } },
		{ GW_NAMES_REPLY, 1, { 0 } },			/* no count */
		{ GW_NAMES_REPLY, 2, { 0, 0 } },
		{ GW_NAMES_REPLY, 3, { 0, 0, 1 } },		/* count 1, none */
		{ GW_NAMES_REPLY, 5, { 0, 0, 1, 2, 'a' } },	/* short name */
		{ GW_NAMES_REPLY, 4, { 0, 0, 1, 0 } },		/* empty name */
		{ GW_NAMES_REPLY, 5, { 0, 0, 1, 1, 0 } },	/* NUL name */
		{ GW_NAMES_REPLY, 6, { 0, 0, 1, 1, 'a', 'b' } }, /* trailing */
		{ GW_NAMES_REPLY, 4, { 0, 0, 0, 1 } },		/* trailing */
		{ GW_NAMES_REPLY, 7, { 0, 0, 3, 1, 'a', 1, 'b' } },
	};
	uint8_t buf[64];
	struct gw_msg msg;
	struct gw_reply rep;
	struct collect c;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_msg(buf, GWPROTO_VERSION, cases[i].type, cases[i].body,
		    cases[i].len, &msg);
		why = NULL;
		rep.status = 0x55;
		assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);
		assert_non_null(why);
		assert_string_equal(rep.reason, "");
		if (cases[i].type == GW_NAMES_REPLY) {
			memset(&c, 0, sizeof(c));
			assert_int_equal(gw_decode_names(&msg, collect_name, &c,
			    &why), -1);
			/* nothing is reported from a malformed body */
			assert_int_equal(c.calls, 0);
		}
	}
}

static void
test_decode_names_bad(void **state)
{
	static const uint8_t ok[] = { 0, 0, 1, 1, 'a' };
	static const uint8_t err[] = { 2, 'n', 'o' };
	uint8_t buf[64];
	struct gw_msg msg;
	struct gw_reply rep;
	const char *why = NULL;

	(void)state;
	make_msg(buf, GWPROTO_VERSION, GW_NAMES_REPLY, ok, sizeof(ok), &msg);
	assert_int_equal(gw_decode_names(&msg, NULL, NULL, &why), 1);
	make_msg(buf, GWPROTO_VERSION, GW_RESOLVE_REPLY, ok, sizeof(ok), &msg);
	assert_int_equal(gw_decode_names(&msg, NULL, NULL, &why), -1);
	make_msg(buf, 2, GW_NAMES_REPLY, ok, sizeof(ok), &msg);
	assert_int_equal(gw_decode_names(&msg, NULL, NULL, &why), -1);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);
	/* an error NAMES_REPLY has no names, but decodes as a reply */
	make_msg(buf, GWPROTO_VERSION, GW_NAMES_REPLY, err, sizeof(err), &msg);
	assert_int_equal(gw_decode_names(&msg, NULL, NULL, &why), -1);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_NOT_ALLOWED);
	assert_string_equal(rep.reason, "no");
}

static void
test_body_name_bad(void **state)
{
	static uint8_t body[GWPROTO_MAX_NAME + 1];
	uint8_t buf[GWPROTO_HDR + sizeof(body)];
	char name[GWPROTO_MAX_NAME + 1];
	struct gw_msg msg;
	const char *why;
	static const uint8_t utf8[] = { 'n', 0xc3, 0xa9, '@', 'h' };
	static const char *const bad[] = { "a\x01", "\x1f", "a\x7f", "a\nb" };

	(void)state;
	make_msg(buf, GWPROTO_VERSION, GW_RESOLVE, body, 0, &msg);
	why = NULL;
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	assert_non_null(why);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_msg(buf, GWPROTO_VERSION, GW_ROUTE,
		    (const uint8_t *)bad[i], strlen(bad[i]), &msg);
		assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why),
		    -1);
		assert_string_equal(name, "");
	}
	make_msg(buf, GWPROTO_VERSION, GW_ROUTE, (const uint8_t *)"a\0b", 3,
	    &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	/* non-ASCII bytes are allowed (UTF-8 names) */
	make_msg(buf, GWPROTO_VERSION, GW_ROUTE, utf8, sizeof(utf8), &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	assert_memory_equal(name, utf8, sizeof(utf8));
	/* capacity: the name plus its NUL */
	assert_int_equal(gw_body_name(&msg, name, sizeof(utf8), &why), -1);
	assert_int_equal(gw_body_name(&msg, name, sizeof(utf8) + 1, &why), 0);
	/* length limit */
	memset(body, 'm', sizeof(body));
	make_msg(buf, GWPROTO_VERSION, GW_RESOLVE, body, GWPROTO_MAX_NAME,
	    &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	assert_int_equal(strlen(name), GWPROTO_MAX_NAME);
	make_msg(buf, GWPROTO_VERSION, GW_RESOLVE, body, GWPROTO_MAX_NAME + 1,
	    &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	/* only RESOLVE and ROUTE carry a name (NAMES a host name), only in
	 * version 1 */
	make_msg(buf, GWPROTO_VERSION, GW_NAMES, body, 2, &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), 0);
	make_msg(buf, GWPROTO_VERSION, GW_PING, body, 2, &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	make_msg(buf, GWPROTO_VERSION, GW_RESOLVE_REPLY, body, 2, &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	make_msg(buf, 2, GW_RESOLVE, body, 2, &msg);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
}

static void
test_parse_bad_and_prefixes(void **state)
{
	static const uint8_t max_hdr[] = { 0x44, 0x47, 0x01, 0x01, 0x40, 0x00 };
	static const uint8_t over_hdr[] = { 0x44, 0x47, 0x01, 0x01, 0x40, 0x01 };
	static const uint8_t native[] = { 0x00, 0x00, 0x00, 0x13, 0x4e };
	uint8_t two[32];
	struct gw_msg msg;
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(gw_parse(native, 1, &msg, &why), GW_PARSE_BAD);
	assert_non_null(why);
	assert_int_equal(gw_parse((const uint8_t *)"DX", 2, &msg, &why),
	    GW_PARSE_BAD);
	assert_int_equal(gw_parse((const uint8_t *)"GD", 1, &msg, &why),
	    GW_PARSE_BAD);
	assert_int_equal(gw_parse((const uint8_t *)"D", 1, &msg, &why),
	    GW_PARSE_NEED_MORE);
	assert_int_equal(gw_parse(native, 0, &msg, &why), GW_PARSE_NEED_MORE);
	why = NULL;
	assert_int_equal(gw_parse(over_hdr, sizeof(over_hdr), &msg, &why),
	    GW_PARSE_BAD);
	assert_non_null(why);
	assert_int_equal(gw_parse(max_hdr, sizeof(max_hdr), &msg, &why),
	    GW_PARSE_NEED_MORE);

	/* every proper prefix of every message is NEED_MORE */
	for (size_t i = 0; i < sizeof(resolve_b1); i++) {
		assert_int_equal(gw_parse(resolve_b1, i, &msg, &why),
		    GW_PARSE_NEED_MORE);
		assert_int_equal(msg.consumed, 0);
	}
	for (size_t i = 0; i < sizeof(resolve_b1_ok); i++)
		assert_int_equal(gw_parse(resolve_b1_ok, i, &msg, &why),
		    GW_PARSE_NEED_MORE);

	/* two messages in one buffer: the first is cut, the rest left */
	memcpy(two, resolve_b1, sizeof(resolve_b1));
	memcpy(two + sizeof(resolve_b1), resolve_b1_ok, sizeof(resolve_b1_ok));
	assert_int_equal(gw_parse(two, sizeof(resolve_b1) +
	    sizeof(resolve_b1_ok), &msg, &why), GW_PARSE_DONE);
	assert_int_equal(msg.consumed, sizeof(resolve_b1));
	assert_int_equal(msg.type, GW_RESOLVE);
	assert_int_equal(gw_parse(two + msg.consumed, sizeof(resolve_b1_ok),
	    &msg, &why), GW_PARSE_DONE);
	assert_int_equal(msg.type, GW_RESOLVE_REPLY);
}

static void
test_other_version(void **state)
{
	static const uint8_t v2[] = {
		0x44, 0x47, 0x02, 0x01, 0x00, 0x02, 0x62, 0x31, 0xaa,
	};
	static const uint8_t v2err[] = {
		0x44, 0x47, 0x02, 0xff, 0x00, 0x03, 0x05, 'v', '2',
	};
	static const uint8_t v0ok[] = {
		0x44, 0x47, 0x00, 0x82, 0x00, 0x01, 0x00,
	};
	struct gw_msg msg;
	struct gw_reply rep;
	char name[16];
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_parse(v2, sizeof(v2), &msg, &why), GW_PARSE_DONE);
	assert_int_equal(msg.version, 2);
	assert_int_equal(msg.type, GW_RESOLVE);
	assert_int_equal(msg.body_len, 2);
	assert_int_equal(msg.consumed, 8);
	assert_int_equal(gw_body_name(&msg, name, sizeof(name), &why), -1);
	/* a newer server's UNSUPPORTED_VERSION error is still readable */
	parse_whole(v2err, sizeof(v2err), &msg);
	assert_int_equal(msg.version, 2);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), 0);
	assert_int_equal(rep.status, GW_UNSUPPORTED_VERSION);
	assert_string_equal(rep.reason, "v2");
	/* other replies of another version are not */
	parse_whole(v0ok, sizeof(v0ok), &msg);
	assert_int_equal(msg.version, 0);
	assert_int_equal(gw_decode_reply(&msg, &rep, &why), -1);
}

static void
count_name(const char *name, void *arg)
{
	size_t n = strlen(name);

	assert_true(n >= 1 && n <= 255);
	(*(int *)arg)++;
}

/* Runs MSG through the decoders, checking what they claim. */
static void
fuzz_msg(const struct gw_msg *msg, unsigned long *hits)
{
	char name[GWPROTO_MAX_NAME + 1];
	struct gw_reply rep;
	const char *why;
	int calls = 0, n;

	if (gw_body_name(msg, name, sizeof(name), &why) == 0) {
		size_t len = strlen(name);

		assert_int_equal(len, msg->body_len);
		assert_true(len >= 1 && len <= GWPROTO_MAX_NAME);
		for (size_t i = 0; i < len; i++)
			assert_true((uint8_t)name[i] >= 0x20 &&
			    (uint8_t)name[i] != 0x7f);
		hits[1]++;
	}
	if (gw_decode_reply(msg, &rep, &why) == 0) {
		assert_true(memchr(rep.reason, '\0', sizeof(rep.reason)) !=
		    NULL);
		for (size_t i = 0; rep.reason[i] != '\0'; i++)
			assert_true(rep.reason[i] >= 0x20 &&
			    rep.reason[i] <= 0x7e);
		assert_true(msg->type >= 0x81);
		if (rep.status == GW_OK)
			assert_true(msg->type != GW_ERROR);
		hits[2]++;
	} else
		assert_int_equal(rep.reason[0], '\0');
	n = gw_decode_names(msg, count_name, &calls, &why);
	if (n >= 0) {
		assert_int_equal(n, calls);
		assert_int_equal(msg->type, GW_NAMES_REPLY);
		hits[3]++;
	} else
		assert_int_equal(calls, 0);
}

/* Builds a mostly well-formed NAMES_REPLY, then maybe damages one byte. */
static void
fuzz_names_reply(struct rng *r, uint8_t *buf, size_t cap, size_t *len)
{
	size_t off = GWPROTO_HDR + 3;
	unsigned count = rng_next(r) % 6;

	for (unsigned i = 0; i < count && off + 9 <= cap; i++) {
		unsigned n = 1 + rng_next(r) % 8;

		buf[off++] = (uint8_t)n;
		for (unsigned j = 0; j < n; j++)
			buf[off++] = (uint8_t)(1 + rng_next(r) % 255);
	}
	buf[0] = 0x44;
	buf[1] = 0x47;
	buf[2] = GWPROTO_VERSION;
	buf[3] = GW_NAMES_REPLY;
	buf[4] = 0;
	buf[5] = (uint8_t)(off - GWPROTO_HDR);
	buf[6] = GW_OK;
	buf[7] = 0;
	buf[8] = (uint8_t)count;
	if (rng_next(r) % 2)
		buf[GWPROTO_HDR + rng_next(r) % (off - GWPROTO_HDR)] =
		    (uint8_t)rng_next(r);
	*len = off;
}

static void
test_fuzz(void **state)
{
	static const uint8_t names_seed[] = {
		0x44, 0x47, 0x01, 0x83, 0x00, 0x0a, 0x00, 0x00, 0x02,
		0x02, 'a', 'b', 0x01, 'c', 0x01, 'd',
	};
	static const uint8_t err_seed[] = {
		0x44, 0x47, 0x01, 0xff, 0x00, 0x04, 0x04, 'b', 'a', 'd',
	};
	static const uint8_t *const seeds[] = {
		resolve_b1, resolve_b1_ok, names_seed, err_seed,
	};
	static const size_t seed_len[] = {
		sizeof(resolve_b1), sizeof(resolve_b1_ok), sizeof(names_seed),
		sizeof(err_seed),
	};
	static const uint8_t types[] = {
		0x01, 0x02, 0x03, 0x04, 0x81, 0x82, 0x83, 0x84, 0xff, 0x00,
		0x42,
	};
	struct rng r = { 0x243f6a8885a308d3ULL };
	uint8_t buf[80];
	unsigned long hits[4] = { 0, 0, 0, 0 };

	(void)state;
	for (int iter = 0; iter < 300000; iter++) {
		struct gw_msg msg;
		const char *why;
		size_t len;
		enum gw_parse pr;

		if (iter % 4 == 3) {
			fuzz_names_reply(&r, buf, sizeof(buf), &len);
		} else if (iter & 1) {
			size_t k = rng_next(&r) % 4;

			len = seed_len[k];
			memcpy(buf, seeds[k], len);
			for (int m = rng_next(&r) % 3; m >= 0; m--)
				buf[GWPROTO_HDR / 2 + rng_next(&r) %
				    (len - GWPROTO_HDR / 2)] =
				    (uint8_t)rng_next(&r);
			if (rng_next(&r) % 4 == 0)
				len = rng_next(&r) % (len + 1);
		} else {
			/* a random header that gw_parse will accept */
			len = GWPROTO_HDR + rng_next(&r) % (sizeof(buf) -
			    GWPROTO_HDR);
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)(rng_next(&r) % 4 == 0 ?
				    rng_next(&r) % 4 : 0x20 + rng_next(&r) % 96);
			buf[0] = 0x44;
			buf[1] = 0x47;
			buf[2] = (uint8_t)(rng_next(&r) % 8 ? 1 :
			    rng_next(&r));
			buf[3] = types[rng_next(&r) % sizeof(types)];
			buf[4] = 0;
			buf[5] = (uint8_t)(len - GWPROTO_HDR);
			if (rng_next(&r) % 8 == 0)
				buf[5] = (uint8_t)rng_next(&r);
		}
		pr = gw_parse(buf, len, &msg, &why);
		if (pr != GW_PARSE_DONE) {
			assert_int_equal(msg.consumed, 0);
			continue;
		}
		hits[0]++;
		assert_true(msg.body_len <= GWPROTO_MAX_BODY);
		assert_int_equal(msg.consumed, GWPROTO_HDR + msg.body_len);
		assert_true(msg.consumed <= len);
		assert_ptr_equal(msg.body, buf + GWPROTO_HDR);
		fuzz_msg(&msg, hits);
	}
	/* the loop must reach the accepting paths, not only the errors */
	for (int b = 0; b < 4; b++)
		assert_true(hits[b] > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_name),
		cmocka_unit_test(test_resolve_request),
		cmocka_unit_test(test_route_and_names_request),
		cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_resolve_ok_reply),
		cmocka_unit_test(test_status_replies),
		cmocka_unit_test(test_decoded_reason_long),
		cmocka_unit_test(test_names_reply),
		cmocka_unit_test(test_decode_reply_bad),
		cmocka_unit_test(test_decode_names_bad),
		cmocka_unit_test(test_body_name_bad),
		cmocka_unit_test(test_parse_bad_and_prefixes),
		cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
