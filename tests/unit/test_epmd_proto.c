/*
 * test_epmd_proto.c — EPMD request parser and reply encoders against the
 * byte vectors of OTP's epmd protocol, every refusal path, and a fuzz
 * loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proxy/wire/epmd_proto.h"

/* a@vm on 43231, OTP 25.2.3 [tested] */
static const uint8_t alive2_a[] = {
	0x00, 0x0e, 0x78, 0xa8, 0xdf, 0x4d, 0x00, 0x00,
	0x06, 0x00, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00,
};

/* Writes Length + ALIVE2 body; returns the packet size. */
static size_t
mk_alive2(uint8_t *out, uint16_t port, uint8_t type, uint16_t high,
    const void *name, size_t nlen, const void *extra, size_t elen)
{
	size_t blen = 13 + nlen + elen;
	const uint8_t head[] = { (uint8_t)(blen >> 8), (uint8_t)blen,
	    EPMD_ALIVE2_REQ, (uint8_t)(port >> 8), (uint8_t)port, type, 0,
	    (uint8_t)(high >> 8), (uint8_t)high, 0, 5,
	    (uint8_t)(nlen >> 8), (uint8_t)nlen };

	memcpy(out, head, sizeof(head));
	if (nlen > 0)
		memcpy(out + 13, name, nlen);
	out[13 + nlen] = (uint8_t)(elen >> 8);
	out[14 + nlen] = (uint8_t)elen;
	if (elen > 0)
		memcpy(out + 15 + nlen, extra, elen);
	return blen + 2;
}

/* Writes Length + TAG + PAYLOAD; returns the packet size. */
static size_t
mk_req(uint8_t *out, uint8_t tag, const void *payload, size_t plen)
{
	out[0] = (uint8_t)((1 + plen) >> 8);
	out[1] = (uint8_t)(1 + plen);
	out[2] = tag;
	if (plen > 0)
		memcpy(out + 3, payload, plen);
	return plen + 3;
}

static void
expect_bad(const uint8_t *buf, size_t len, const char *reason)
{
	struct epmd_req req;
	const char *why = NULL;

	assert_int_equal(epmd_parse_request(buf, len, &req, &why), EPMD_BAD);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void
expect_done(const uint8_t *buf, size_t len, struct epmd_req *req)
{
	const char *why = NULL;

	assert_int_equal(epmd_parse_request(buf, len, req, &why), EPMD_DONE);
	assert_true(req->name_len <= EPMD_MAX_NAME);
	assert_int_equal(req->name[req->name_len], '\0');
}

/* Every proper prefix of BUF is EPMD_NEED_MORE and BUF itself DONE. */
static void
expect_prefixes(const uint8_t *buf, size_t len)
{
	struct epmd_req req;
	const char *why = NULL;

	for (size_t i = 0; i < len; i++)
		assert_int_equal(epmd_parse_request(buf, i, &req, &why),
		    EPMD_NEED_MORE);
	expect_done(buf, len, &req);
}

static void
test_alive2_vector(void **state)
{
	struct epmd_req req;

	(void)state;
	expect_done(alive2_a, sizeof(alive2_a), &req);
	assert_int_equal(req.tag, EPMD_ALIVE2_REQ);
	assert_int_equal(req.port, 43231);
	assert_int_equal(req.node_type, 77);
	assert_int_equal(req.protocol, 0);
	assert_int_equal(req.high, 6);
	assert_int_equal(req.low, 5);
	assert_int_equal(req.name_len, 1);
	assert_string_equal(req.name, "a");
	assert_int_equal(req.extra_len, 0);
	assert_ptr_equal(req.extra, alive2_a + 16);
	assert_null(req.refuse);
	expect_prefixes(alive2_a, sizeof(alive2_a));
}

static void
test_alive2_extra_and_slack(void **state)
{
	uint8_t buf[64];
	struct epmd_req req;
	size_t n;

	(void)state;
	n = mk_alive2(buf, 5555, 72, 5, "foo", 3, "\x01\x02\x03", 3);
	expect_prefixes(buf, n);
	expect_done(buf, n, &req);
	assert_int_equal(req.port, 5555);
	assert_int_equal(req.node_type, 72);
	assert_int_equal(req.high, 5);
	assert_string_equal(req.name, "foo");
	assert_int_equal(req.extra_len, 3);
	assert_ptr_equal(req.extra, buf + 18);
	assert_null(req.refuse);
	/* Bytes after Extra inside Length: epmd ignores them, so do we. */
	buf[1] += 2;
	buf[n] = 0xaa;
	buf[n + 1] = 0xbb;
	expect_done(buf, n + 2, &req);
	assert_string_equal(req.name, "foo");
	assert_int_equal(req.extra_len, 3);
}

static void
test_alive2_bad(void **state)
{
	uint8_t buf[64];
	struct epmd_req req;
	const char *why = NULL;
	size_t n;

	(void)state;
	/* Bodies of 1..13 bytes (Nlen 1 says "a", which is cut off). */
	for (size_t blen = 1; blen <= 13; blen++) {
		memcpy(buf, alive2_a, sizeof(alive2_a));
		buf[1] = (uint8_t)blen;
		expect_bad(buf, blen + 2, "empty name");
	}
	/* Nlen 0, Elen 0: a 13-byte body. */
	n = mk_alive2(buf, 1, 77, 6, NULL, 0, NULL, 0);
	assert_int_equal(n, 15);
	expect_bad(buf, n, "empty name");
	/* Nlen 0 with a longer body (epmd would register ""). */
	n = mk_alive2(buf, 1, 77, 6, NULL, 0, "x", 1);
	expect_bad(buf, n, "empty name");
	memcpy(buf, alive2_a, sizeof(alive2_a));
	buf[12] = 2;
	expect_bad(buf, sizeof(alive2_a), "ALIVE2 name length overruns the packet");
	buf[11] = 0xff;
	expect_bad(buf, sizeof(alive2_a), "ALIVE2 name length overruns the packet");
	memcpy(buf, alive2_a, sizeof(alive2_a));
	buf[15] = 1;
	expect_bad(buf, sizeof(alive2_a),
	    "ALIVE2 extra length overruns the packet");
	n = mk_alive2(buf, 1, 77, 6, "a\0b", 3, NULL, 0);
	expect_bad(buf, n, "NUL byte in name");
	n = mk_alive2(buf, 1, 77, 6, "ab\0", 3, NULL, 0);
	expect_bad(buf, n, "NUL byte in name");
	/* On BAD the tag survives for the log line, nothing else. */
	assert_int_equal(epmd_parse_request(buf, n, &req, &why), EPMD_BAD);
	assert_int_equal(req.tag, EPMD_ALIVE2_REQ);
	assert_int_equal(req.name_len, 0);
	assert_null(req.extra);
}

/*
 * Names made of COUNT copies of UNIT.  ALIVE2 answers a bad one with
 * Result=1 (req->refuse); PORT_PLEASE2 and STOP close (EPMD_BAD).
 */
static const struct name_case {
	const char *unit;
	size_t count, elen;
	const char *why;	/* NULL: acceptable */
} name_cases[] = {
	{ "a", 1, 0, NULL },
	{ "\xc3\xb1odo", 1, 0, NULL },
	{ "a", 255, 0, NULL },
	{ "a", 256, 0, "name longer than 255 characters" },
	{ "a", 1021, 0, "name longer than 1020 bytes" },
	{ "\xc3\xb1", 255, 0, NULL },
	{ "\xc3\xb1", 256, 0, "name longer than 255 characters" },
	{ "\xf0\x9f\x98\x80", 255, 0, NULL },		/* 1020 bytes */
	{ "\xc3\x28", 1, 0, "invalid UTF-8 in name" },
	{ "\xed\xa0\x80", 1, 0, "invalid UTF-8 in name" },
	{ "a", 1, 1020, NULL },
	{ "a", 1, 1021, "extra longer than 1020 bytes" },
};

static void
test_name_limits(void **state)
{
	static uint8_t buf[3100], name[1100], extra[1100];
	struct epmd_req req;
	size_t n, nlen;

	(void)state;
	memset(extra, 0xee, sizeof(extra));
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		size_t ul = strlen(c->unit);

		for (size_t k = 0; k < c->count; k++)
			memcpy(name + k * ul, c->unit, ul);
		nlen = ul * c->count;
		n = mk_alive2(buf, 1, 77, 6, name, nlen, extra, c->elen);
		expect_done(buf, n, &req);
		if (c->why == NULL)
			assert_null(req.refuse);
		else
			assert_string_equal(req.refuse, c->why);
		assert_int_equal(req.extra_len, c->elen);
		assert_ptr_equal(req.extra, buf + 15 + nlen);
		if (nlen > EPMD_MAX_NAME) {
			assert_int_equal(req.name_len, 0);	/* does not fit */
		} else {
			assert_int_equal(req.name_len, nlen);
			assert_memory_equal(req.name, name, nlen);
		}
		if (c->elen > 0)
			continue;
		for (int t = 0; t < 2; t++) {
			n = mk_req(buf, t ? EPMD_STOP_REQ :
			    EPMD_PORT_PLEASE2_REQ, name, nlen);
			if (c->why != NULL) {
				expect_bad(buf, n, c->why);
				continue;
			}
			expect_done(buf, n, &req);
			assert_int_equal(req.name_len, nlen);
			assert_memory_equal(req.name, name, nlen);
		}
	}
}

static void
test_framing(void **state)
{
	uint8_t buf[3100];
	struct epmd_req req;
	const char *why = NULL;

	(void)state;
	memset(buf, 'n', sizeof(buf));
	/* Length 0, 3058, 0xffff: bad as soon as the two bytes are there. */
	memcpy(buf, "\x00\x00", 2);
	expect_bad(buf, 2, "invalid packet size");
	expect_bad(buf, 3, "invalid packet size");
	memcpy(buf, "\x0b\xf2", 2);
	expect_bad(buf, 2, "invalid packet size");
	memcpy(buf, "\xff\xff", 2);
	expect_bad(buf, 2, "invalid packet size");
	/* Length 3057 is legal: wait for it, then a NAMES request. */
	memcpy(buf, "\x0b\xf1", 2);
	assert_int_equal(epmd_parse_request(buf, 2, &req, &why), EPMD_NEED_MORE);
	assert_int_equal(epmd_parse_request(buf, 3058, &req, &why),
	    EPMD_NEED_MORE);
	expect_done(buf, 3059, &req);
	assert_int_equal(req.tag, EPMD_NAMES_REQ);
	/* Trailing / pipelined bytes. */
	memcpy(buf, alive2_a, sizeof(alive2_a));
	buf[sizeof(alive2_a)] = 0;
	expect_bad(buf, sizeof(alive2_a) + 1, "pipelined or trailing bytes");
	memcpy(buf, "\x00\x01n\x00\x01n", 6);
	expect_bad(buf, 6, "pipelined or trailing bytes");
	/* Nothing at all, or one byte. */
	assert_int_equal(epmd_parse_request(buf, 0, &req, &why), EPMD_NEED_MORE);
	assert_int_equal(epmd_parse_request(NULL, 0, &req, &why),
	    EPMD_NEED_MORE);
	assert_int_equal(epmd_parse_request(buf, 1, &req, &why), EPMD_NEED_MORE);
}

static void
test_tags(void **state)
{
	uint8_t buf[8];
	char expect[40];
	struct epmd_req req;
	const char *why;

	(void)state;
	for (int t = 0; t < 256; t++) {
		mk_req(buf, (uint8_t)t, NULL, 0);
		why = NULL;
		switch (t) {
		case EPMD_NAMES_REQ:
		case EPMD_DUMP_REQ:
		case EPMD_KILL_REQ:
			expect_prefixes(buf, 3);
			expect_done(buf, 3, &req);
			assert_int_equal(req.tag, t);
			assert_int_equal(req.name_len, 0);
			/* Further body bytes are ignored, as epmd does. */
			expect_done(buf, mk_req(buf, (uint8_t)t, "\0xyz", 4),
			    &req);
			assert_int_equal(req.tag, t);
			break;
		case EPMD_ALIVE2_REQ:
		case EPMD_PORT_PLEASE2_REQ:
		case EPMD_STOP_REQ:
			expect_bad(buf, 3, "empty name");
			break;
		default:
			snprintf(expect, sizeof(expect), "unknown request tag %d",
			    t);
			expect_bad(buf, 3, expect);
			assert_int_equal(epmd_parse_request(buf, 3, &req, &why),
			    EPMD_BAD);
			assert_int_equal(req.tag, t);
		}
	}
	/* The old R3 'a' and 'p' requests are gone from epmd. */
	expect_bad((const uint8_t *)"\x00\x04pfoo", 6, "unknown request tag 112");
}

static const struct {
	const char *payload;
	size_t plen;		/* NULs included */
	const char *why;	/* NULL: DONE with NAME */
	const char *name;
} bare_names[] = {
	{ "foo", 3, NULL, "foo" },
	{ "foo", 4, NULL, "foo" },			/* trailing NUL stripped */
	{ "foo\0", 5, "NUL byte in name", NULL },	/* ... only one */
	{ "f\0oo", 4, "NUL byte in name", NULL },
	{ "", 0, "empty name", NULL },
	{ "", 1, "empty name", NULL },
	{ "\xc3\xb1odo", 6, NULL, "\xc3\xb1odo" },
	{ "\xf0\x9f\x98\x80", 4, NULL, "\xf0\x9f\x98\x80" },
};

static void
test_port_please2_and_stop(void **state)
{
	uint8_t buf[32];
	struct epmd_req req;
	size_t n;

	(void)state;
	for (int t = 0; t < 2; t++) {
		uint8_t tag = t ? EPMD_STOP_REQ : EPMD_PORT_PLEASE2_REQ;

		for (size_t i = 0; i < sizeof(bare_names) /
		    sizeof(bare_names[0]); i++) {
			n = mk_req(buf, tag, bare_names[i].payload,
			    bare_names[i].plen);
			if (bare_names[i].why != NULL) {
				expect_bad(buf, n, bare_names[i].why);
				continue;
			}
			expect_prefixes(buf, n);
			expect_done(buf, n, &req);
			assert_int_equal(req.tag, tag);
			assert_string_equal(req.name, bare_names[i].name);
			assert_int_equal(req.name_len,
			    strlen(bare_names[i].name));
			assert_null(req.refuse);
		}
	}
}

static void
test_check_name(void **state)
{
	const char *why = NULL;
	static const char *const good[] = {
		"a", "\xc3\xb1odo", "\xc2\x80", "\xe0\xa0\x80", "\xef\xbf\xbf",
		"\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	};
	static const char *const bad_utf8[] = {
		"\xc3\x28", "\xc3", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xe2\x82",
		"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xfe", "\xff", "a\xe2\x28\xa1",
		"\xf0\x9f\x98",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(epmd_check_name(good[i], strlen(good[i]),
		    &why), 0);
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		why = NULL;
		assert_int_equal(epmd_check_name(bad_utf8[i],
		    strlen(bad_utf8[i]), &why), -1);
		assert_string_equal(why, "invalid UTF-8 in name");
	}
	assert_int_equal(epmd_check_name("", 0, &why), -1);
	assert_string_equal(why, "empty name");
	assert_int_equal(epmd_check_name("a\0b", 3, &why), -1);
	assert_string_equal(why, "NUL byte in name");
	assert_int_equal(epmd_check_name("a\0b", 3, NULL), -1);
}

static void
test_alive2_replies(void **state)
{
	uint8_t out[16];

	(void)state;
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_alive2_reply(out, 16, 6, 0, 0x6b04e816), 6);
	assert_memory_equal(out, "\x76\x00\x6b\x04\xe8\x16\xcc", 7);
	assert_int_equal(epmd_alive2_reply(out, 16, 6, 1, 0x6b04e816), 6);
	assert_memory_equal(out, "\x76\x01\x00\x00\x00\x63", 6);
	assert_int_equal(epmd_alive2_reply(out, 16, 5, 0, 3), 4);
	assert_memory_equal(out, "\x79\x00\x00\x03", 4);
	assert_int_equal(epmd_alive2_reply(out, 16, 5, 1, 3), 4);
	assert_memory_equal(out, "\x79\x01\x00\x63", 4);
	assert_int_equal(epmd_alive2_reply(out, 16, 7, 0, 4), 6);
	assert_memory_equal(out, "\x76\x00\x00\x00\x00\x04", 6);
	/* Too small: nothing written. */
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_alive2_reply(out, 5, 6, 0, 1), 0);
	assert_int_equal(epmd_alive2_reply(out, 3, 5, 0, 1), 0);
	assert_int_equal(out[0], 0xcc);
	assert_int_equal(epmd_alive2_reply(out, 4, 5, 0, 1), 4);
	assert_int_equal(epmd_alive2_reply(out, 6, 6, 0, 1), 6);
}

static void
test_port2_replies(void **state)
{
	uint8_t out[64], buf[64];
	struct epmd_req req;
	static const uint8_t foo[] = {
		0x77, 0x00, 0x15, 0xb3, 0x4d, 0x00, 0x00, 0x06, 0x00,
		0x05, 0x00, 0x03, 0x66, 0x6f, 0x6f, 0x00, 0x00,
	};

	(void)state;
	assert_int_equal(epmd_port2_reply(out, sizeof(out), 5555, 77, 0, 6, 5,
	    "foo", NULL, 0), sizeof(foo));
	assert_memory_equal(out, foo, sizeof(foo));
	/* From a parsed registration back to the reply. */
	expect_done(buf, mk_alive2(buf, 5555, 77, 6, "foo", 3, NULL, 0), &req);
	memset(out, 0, sizeof(out));
	assert_int_equal(epmd_port2_reply(out, sizeof(out), req.port,
	    req.node_type, req.protocol, req.high, req.low, req.name,
	    req.extra, req.extra_len), sizeof(foo));
	assert_memory_equal(out, foo, sizeof(foo));
	/* With extra. */
	assert_int_equal(epmd_port2_reply(out, sizeof(out), 1, 72, 0, 6, 5,
	    "b", (const uint8_t *)"\x09\x08", 2), 17);
	assert_memory_equal(out, "\x77\x00\x00\x01\x48\x00\x00\x06\x00\x05"
	    "\x00\x01" "b" "\x00\x02\x09\x08", 17);
	/* Capacity: exact fits, one less writes nothing. */
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_port2_reply(out, 16, 5555, 77, 0, 6, 5, "foo",
	    NULL, 0), 0);
	assert_int_equal(out[0], 0xcc);
	assert_int_equal(epmd_port2_reply(out, 17, 5555, 77, 0, 6, 5, "foo",
	    NULL, 0), 17);
	/* Not found. */
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_port2_notfound(out, sizeof(out)), 2);
	assert_memory_equal(out, "\x77\x01\xcc", 3);
	assert_int_equal(epmd_port2_notfound(out, 1), 0);
}

static void
test_names_and_dump(void **state)
{
	uint8_t out[256];
	size_t n = 0, k;
	static const char names[] = "\x00\x00\x38\x21"
	    "name bar at port 5556\nname foo at port 5555\n";
	static const char dump[] = "active name     <foo> at port 5555, fd = 7\n";

	(void)state;
	assert_int_equal(k = epmd_names_header(out, sizeof(out), 14369), 4);
	n += k;
	assert_int_equal(k = epmd_names_line(out + n, sizeof(out) - n, "bar",
	    5556), 22);
	n += k;
	assert_int_equal(k = epmd_names_line(out + n, sizeof(out) - n, "foo",
	    5555), 22);
	n += k;
	assert_int_equal(n, sizeof(names) - 1);
	assert_memory_equal(out, names, n);
	assert_int_equal(epmd_names_header(out, 4, 4369), 4);
	assert_memory_equal(out, "\x00\x00\x11\x11", 4);
	assert_int_equal(epmd_names_header(out, 4, 65535), 4);
	assert_memory_equal(out, "\x00\x00\xff\xff", 4);
	assert_int_equal(epmd_names_header(out, 3, 4369), 0);
	/* Capacity: exact fits; one less writes nothing. */
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_names_line(out, 21, "bar", 5556), 0);
	assert_int_equal(out[0], 0xcc);
	assert_int_equal(epmd_names_line(out, 22, "bar", 5556), 22);
	assert_memory_equal(out, "name bar at port 5556\n\xcc", 23);
	assert_int_equal(epmd_names_line(out, 64, "\xc3\xb1odo", 0), 21);
	assert_memory_equal(out, "name \xc3\xb1odo at port 0\n", 21);

	/* DUMP: a NUL after each line, as epmd sends it. */
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_dump_line(out, sizeof(out), "foo", 5555, 7),
	    sizeof(dump));
	assert_memory_equal(out, dump, sizeof(dump));
	assert_int_equal(out[sizeof(dump)], 0xcc);
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(epmd_dump_line(out, sizeof(dump) - 1, "foo", 5555, 7),
	    0);
	assert_int_equal(out[0], 0xcc);
	assert_int_equal(epmd_dump_line(out, sizeof(out), "b", 65535, -1), 44);
	assert_memory_equal(out,
	    "active name     <b> at port 65535, fd = -1\n", 44);
}

/* xorshift64*, local state: the fuzz loop is deterministic. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Parses an exact-size heap copy (so ASan sees overreads); checks bounds. */
static int
fuzz_one(const uint8_t *in, size_t len)
{
	static struct epmd_req req;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	const char *why = NULL;
	enum epmd_parse r;
	size_t want;

	assert_non_null(buf);
	if (len > 0)
		memcpy(buf, in, len);
	r = epmd_parse_request(buf, len, &req, &why);
	want = len >= 2 ? (size_t)((buf[0] << 8) | buf[1]) + 2 : 0;
	if (r == EPMD_NEED_MORE)
		assert_true(len < 2 || len < want);
	else if (r == EPMD_BAD)
		assert_true(why != NULL && why[0] != '\0');
	else {
		assert_int_equal(r, EPMD_DONE);
		assert_int_equal(len, want);
		assert_true(req.name_len <= EPMD_MAX_NAME);
		assert_int_equal(strlen(req.name), req.name_len);
		assert_int_equal(req.tag, buf[2]);
		if (req.tag == EPMD_ALIVE2_REQ) {
			assert_true(req.extra_len == 0 || (req.extra >= buf + 15 &&
			    req.extra + req.extra_len <= buf + len));
			if (req.refuse == NULL) {
				assert_int_equal(epmd_check_name(req.name,
				    req.name_len, NULL), 0);
				assert_true(req.extra_len <= EPMD_MAX_EXTRA);
			}
		} else if (req.tag == EPMD_PORT_PLEASE2_REQ ||
		    req.tag == EPMD_STOP_REQ) {
			assert_null(req.refuse);
			assert_int_equal(epmd_check_name(req.name,
			    req.name_len, NULL), 0);
		} else {
			assert_true(req.tag == EPMD_NAMES_REQ ||
			    req.tag == EPMD_DUMP_REQ || req.tag == EPMD_KILL_REQ);
			assert_int_equal(req.name_len, 0);
		}
	}
	free(buf);
	return r == EPMD_DONE;
}

static void
test_fuzz(void **state)
{
	static uint8_t seeds[6][64], buf[3200], name[1100], extra[1100];
	size_t seedlen[6], len, blen, nlen, elen, sd;
	uint64_t s = 0x9e3779b97f4a7c15ull, v, w;
	const uint8_t tags[] = { EPMD_ALIVE2_REQ, EPMD_PORT_PLEASE2_REQ,
	    EPMD_NAMES_REQ, EPMD_DUMP_REQ, EPMD_KILL_REQ, EPMD_STOP_REQ };
	unsigned done = 0;

	(void)state;
	memcpy(seeds[0], alive2_a, sizeof(alive2_a));
	seedlen[0] = sizeof(alive2_a);
	seedlen[1] = mk_alive2(seeds[1], 5555, 77, 6, "\xc3\xb1odo", 5, "xy", 2);
	seedlen[2] = mk_req(seeds[2], EPMD_PORT_PLEASE2_REQ, "foo", 4);
	seedlen[3] = mk_req(seeds[3], EPMD_NAMES_REQ, NULL, 0);
	seedlen[4] = mk_req(seeds[4], EPMD_STOP_REQ, "bar", 3);
	seedlen[5] = mk_req(seeds[5], EPMD_PORT_PLEASE2_REQ,
	    "\xf0\x9f\x98\x80", 4);

	for (int i = 0; i < 300000; i++) {
		v = rnd(&s);
		switch (v % 4) {
		case 0:		/* short random garbage */
			len = (v >> 8) % 40;
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)rnd(&s);
			break;
		case 1:		/* consistent Length, known tag, random body */
			blen = 1 + ((v >> 8) % 8 == 0 ?
			    (v >> 16) % EPMD_MAX_PACKET : (v >> 16) % 48);
			for (size_t k = 0; k < blen + 2; k++)
				buf[k] = (uint8_t)rnd(&s);
			buf[0] = (uint8_t)(blen >> 8);
			buf[1] = (uint8_t)blen;
			buf[2] = tags[(v >> 32) % sizeof(tags)];
			len = blen + 2;
			break;
		case 2:		/* a seed with a few bytes changed */
			sd = (v >> 8) % 6;
			len = seedlen[sd];
			memcpy(buf, seeds[sd], len);
			for (size_t k = 0; k < 1 + (v >> 12) % 4; k++) {
				w = rnd(&s);
				buf[w % len] = (uint8_t)(w >> 16);
			}
			if ((v >> 20) % 4 == 0)
				len = (v >> 24) % (len + 1);
			else if ((v >> 20) % 4 == 1)
				buf[len++] = (uint8_t)(v >> 28);
			if ((v >> 34) % 2 == 0 && len >= 3) {
				buf[0] = (uint8_t)((len - 2) >> 8);
				buf[1] = (uint8_t)(len - 2);
			}
			break;
		default:	/* ALIVE2 with Nlen/Elen near the limits */
			nlen = (v >> 8) % 4 == 0 ? (v >> 12) % 1100 : (v >> 12) % 8;
			elen = (v >> 24) % 4 == 0 ? (v >> 28) % 1100 : (v >> 28) % 4;
			for (size_t k = 0; k < nlen; k++) {
				w = rnd(&s);
				name[k] = w % 3 == 0 ? (uint8_t)(w >> 8) :
				    (uint8_t)('a' + (w >> 8) % 26);
			}
			for (size_t k = 0; k < elen; k++)
				extra[k] = (uint8_t)rnd(&s);
			len = mk_alive2(buf, 1, 77, (uint16_t)(v >> 40), name,
			    nlen, extra, elen);
			if ((v >> 44) % 4 == 0) {	/* lie in Nlen */
				buf[11] = (uint8_t)rnd(&s);
				buf[12] = (uint8_t)rnd(&s);
			}
			break;
		}
		done += fuzz_one(buf, len);
	}
	/* The generators reach the deep paths, not only framing errors. */
	assert_true(done > 50000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive2_vector),
		cmocka_unit_test(test_alive2_extra_and_slack),
		cmocka_unit_test(test_alive2_bad),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_port_please2_and_stop),
		cmocka_unit_test(test_check_name),
		cmocka_unit_test(test_alive2_replies),
		cmocka_unit_test(test_port2_replies),
		cmocka_unit_test(test_names_and_dump),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
