/* test_dist_hs.c — cmocka tests for proxy/dist_hs.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/wire/dist_hs.h"

/* OTP 25.2.3 send_name of b@vm on plain TCP. */
static const uint8_t send_name_b_vm[] = {
	0x00, 0x13, 0x4e, 0x00, 0x00, 0x00, 0x0d, 0x07, 0xdf, 0x7f, 0xbd,
	0x00, 0x00, 0x03, 0xea, 0x00, 0x04, 0x62, 0x40, 0x76, 0x6d,
};

/* Dynamic-name send_name: NAME_ME set, PUBLISHED clear, creation 0. */
static const uint8_t send_name_dynamic[] = {
	0x4e, 0x00, 0x00, 0x00, 0x0f, 0x07, 0xdf, 0x7f, 0xbc,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 'v', 'm',
};

/* Status "named:" with 23CMMBNMXLCLT@vm, creation 0xfd4e2aee. */
static const uint8_t status_named[] = {
	0x73, 0x6e, 0x61, 0x6d, 0x65, 0x64, 0x3a, 0x00, 0x10,
	'2', '3', 'C', 'M', 'M', 'B', 'N', 'M', 'X', 'L', 'C', 'L', 'T',
	'@', 'v', 'm', 0xfd, 0x4e, 0x2a, 0xee,
};

/* Challenge 'N' from a@vm: ChallengeB 4225247449, creation 1003. */
static const uint8_t challenge_a_vm[] = {
	0x4e, 0x00, 0x00, 0x00, 0x0d, 0x07, 0xdf, 0x7f, 0xbd,
	0xfb, 0xd8, 0x28, 0xd9, 0x00, 0x00, 0x03, 0xeb, 0x00, 0x04,
	'a', '@', 'v', 'm',
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

/* Appends PAYLOAD framed with PREFIX to BUF at *off. */
static void
append(uint8_t *buf, size_t cap, size_t *off, unsigned prefix,
    const uint8_t *payload, size_t len)
{
	size_t n = dist_hs_frame(buf + *off, cap - *off, prefix, payload, len);

	assert_int_equal(n, prefix + len);
	*off += n;
}

static void
test_send_name_plain_tcp(void **state)
{
	const uint8_t *payload;
	size_t plen, consumed;
	const char *why = NULL;
	struct dist_name nm;

	(void)state;
	assert_int_equal(dist_hs_next(send_name_b_vm, sizeof(send_name_b_vm),
	    2, &payload, &plen, &consumed, &why), DIST_DONE);
	assert_ptr_equal(payload, send_name_b_vm + 2);
	assert_int_equal(plen, 19);
	assert_int_equal(consumed, 21);
	assert_int_equal(dist_parse_name(payload, plen, &nm, &why), 0);
	assert_int_equal(nm.v6, 1);
	assert_true(nm.flags == 0x0000000d07df7fbdULL);
	assert_int_equal(nm.creation, 1002);
	assert_string_equal(nm.name, "b@vm");
	assert_int_equal(nm.name_len, 4);
	assert_true(nm.flags & DIST_FLAG_PUBLISHED);
	assert_true(nm.flags & DIST_FLAG_HANDSHAKE_23);
	assert_false(nm.flags & DIST_FLAG_NAME_ME);
}

static void
test_reframe(void **state)
{
	static const uint8_t want4[] = { 0x00, 0x00, 0x00, 0x13 };
	uint8_t out[64], back[64];
	const uint8_t *payload;
	size_t plen, consumed;
	const char *why = NULL;

	(void)state;
	/* 2 -> 4 */
	assert_int_equal(dist_hs_frame(out, sizeof(out), 4, send_name_b_vm + 2,
	    19), 23);
	assert_memory_equal(out, want4, 4);
	assert_memory_equal(out + 4, send_name_b_vm + 2, 19);
	/* and back: 4 -> 2 gives the original bytes */
	assert_int_equal(dist_hs_next(out, 23, 4, &payload, &plen, &consumed,
	    &why), DIST_DONE);
	assert_int_equal(plen, 19);
	assert_int_equal(consumed, 23);
	assert_int_equal(dist_hs_frame(back, sizeof(back), 2, payload, plen),
	    21);
	assert_memory_equal(back, send_name_b_vm, sizeof(send_name_b_vm));
	/* in place, payload already inside the output buffer */
	memcpy(back, send_name_b_vm, sizeof(send_name_b_vm));
	assert_int_equal(dist_hs_frame(back, sizeof(back), 4, back + 2, 19), 23);
	assert_memory_equal(back, out, 23);
	/* exact capacity works, one less does not */
	assert_int_equal(dist_hs_frame(out, 23, 4, send_name_b_vm + 2, 19), 23);
	assert_int_equal(dist_hs_frame(out, 22, 4, send_name_b_vm + 2, 19), 0);
	assert_int_equal(dist_hs_frame(out, 21, 2, send_name_b_vm + 2, 19), 21);
	assert_int_equal(dist_hs_frame(out, 20, 2, send_name_b_vm + 2, 19), 0);
	assert_int_equal(dist_hs_frame(out, 0, 2, send_name_b_vm + 2, 19), 0);
}

static void
test_frame_bad(void **state)
{
	static uint8_t big[70000];
	static uint8_t out[70010];
	uint8_t p[1] = { 's' };

	(void)state;
	assert_int_equal(dist_hs_frame(out, sizeof(out), 3, p, 1), 0);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 0, p, 1), 0);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 8, p, 1), 0);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 2, p, 0), 0);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 2, NULL, 1), 0);
	/* 65536 bytes do not fit a 2-byte prefix but do fit a 4-byte one */
	assert_int_equal(dist_hs_frame(out, sizeof(out), 2, big, 65536), 0);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 2, big, 65535), 65537);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(dist_hs_frame(out, sizeof(out), 4, big, 65536), 65540);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0x01);
	assert_int_equal(out[2], 0x00);
	assert_int_equal(out[3], 0x00);
}

static void
test_next_bad(void **state)
{
	static const uint8_t zero2[] = { 0x00, 0x00, 's', 'o', 'k' };
	static const uint8_t zero4[] = { 0x00, 0x00, 0x00, 0x00, 's' };
	static const uint8_t big2[] = { 0x08, 0x01 };		/* 2049 */
	static const uint8_t big4[] = { 0x00, 0x00, 0x08, 0x01 };
	static const uint8_t huge4[] = { 0x80, 0x00, 0x00, 0x00 };
	static const uint8_t max2[] = { 0x08, 0x00, 'N' };	/* 2048 */
	const uint8_t *payload;
	size_t plen, consumed;
	const char *why;
	unsigned bad_prefixes[] = { 0, 1, 3, 5, 8 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]);
	    i++) {
		why = NULL;
		assert_int_equal(dist_hs_next(send_name_b_vm,
		    sizeof(send_name_b_vm), bad_prefixes[i], &payload, &plen,
		    &consumed, &why), DIST_BAD);
		assert_non_null(why);
		assert_int_equal(consumed, 0);
	}
	why = NULL;
	assert_int_equal(dist_hs_next(zero2, sizeof(zero2), 2, &payload, &plen,
	    &consumed, &why), DIST_BAD);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(dist_hs_next(zero4, sizeof(zero4), 4, &payload, &plen,
	    &consumed, &why), DIST_BAD);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(dist_hs_next(big2, sizeof(big2), 2, &payload, &plen,
	    &consumed, &why), DIST_BAD);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(dist_hs_next(big4, sizeof(big4), 4, &payload, &plen,
	    &consumed, &why), DIST_BAD);
	assert_non_null(why);
	assert_int_equal(dist_hs_next(huge4, sizeof(huge4), 4, &payload, &plen,
	    &consumed, &why), DIST_BAD);
	/* the largest allowed length is only incomplete, not bad */
	assert_int_equal(dist_hs_next(max2, sizeof(max2), 2, &payload, &plen,
	    &consumed, &why), DIST_NEED_MORE);
	/* a 2-byte message read with a 4-byte prefix: 0x0013 4e00 is huge */
	assert_int_equal(dist_hs_next(send_name_b_vm, sizeof(send_name_b_vm),
	    4, &payload, &plen, &consumed, &why), DIST_BAD);
}

static void
test_next_need_more_every_prefix(void **state)
{
	uint8_t framed4[32];
	const uint8_t *payload;
	size_t plen, consumed;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(send_name_b_vm); i++) {
		assert_int_equal(dist_hs_next(send_name_b_vm, i, 2, &payload,
		    &plen, &consumed, &why), DIST_NEED_MORE);
		assert_int_equal(consumed, 0);
		assert_null(payload);
	}
	assert_int_equal(dist_hs_frame(framed4, sizeof(framed4), 4,
	    send_name_b_vm + 2, 19), 23);
	for (size_t i = 0; i < 23; i++)
		assert_int_equal(dist_hs_next(framed4, i, 4, &payload, &plen,
		    &consumed, &why), DIST_NEED_MORE);
	assert_int_equal(dist_hs_next(framed4, 23, 4, &payload, &plen,
	    &consumed, &why), DIST_DONE);
}

static void
test_is_last(void **state)
{
	(void)state;
	assert_true(dist_hs_is_last(1, 'r'));
	assert_false(dist_hs_is_last(1, 'a'));
	assert_false(dist_hs_is_last(1, 'N'));
	assert_false(dist_hs_is_last(1, 's'));
	assert_false(dist_hs_is_last(1, 'c'));
	assert_true(dist_hs_is_last(0, 'a'));
	assert_false(dist_hs_is_last(0, 'r'));
	assert_false(dist_hs_is_last(0, 'N'));
	assert_false(dist_hs_is_last(0, 's'));
}

/*
 * The acceptor's side of a handshake arrives in one buffer with the first
 * post-handshake frames: status, challenge, ack, then a tick and a frame.
 */
static void
test_stream_acceptor_one_buffer(void **state)
{
	static const uint8_t st_ok[] = { 's', 'o', 'k' };
	static const uint8_t after[] = {
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x03, 0x83, 0x44, 0x00,
	};
	uint8_t ack[17], buf[256];
	size_t off = 0, pos = 0, plen, consumed;
	const uint8_t *payload;
	const char *why = NULL;
	struct dist_status st;
	struct dist_challenge ch;
	uint8_t digest[16];
	int n = 0;

	(void)state;
	ack[0] = 'a';
	for (int i = 0; i < 16; i++)
		ack[1 + i] = (uint8_t)(0xa0 + i);
	append(buf, sizeof(buf), &off, 4, st_ok, sizeof(st_ok));
	append(buf, sizeof(buf), &off, 4, challenge_a_vm,
	    sizeof(challenge_a_vm));
	append(buf, sizeof(buf), &off, 4, ack, sizeof(ack));
	memcpy(buf + off, after, sizeof(after));
	off += sizeof(after);

	for (;;) {
		assert_int_equal(dist_hs_next(buf + pos, off - pos, 4, &payload,
		    &plen, &consumed, &why), DIST_DONE);
		pos += consumed;
		n++;
		if (n == 1) {
			assert_int_equal(dist_parse_status(payload, plen, &st,
			    &why), 0);
			assert_string_equal(st.text, "ok");
		} else if (n == 2) {
			assert_int_equal(dist_parse_challenge(payload, plen,
			    &ch, &why), 0);
			assert_true(ch.challenge == 4225247449U);
		} else {
			assert_int_equal(dist_parse_ack(payload, plen, digest,
			    &why), 0);
			assert_memory_equal(digest, ack + 1, 16);
		}
		if (dist_hs_is_last(0, payload[0]))
			break;
	}
	assert_int_equal(n, 3);
	assert_int_equal(off - pos, sizeof(after));
	assert_memory_equal(buf + pos, after, sizeof(after));
}

/* The initiator's side, 2-byte framed: name, reply, trailing frame bytes. */
static void
test_stream_initiator_one_buffer(void **state)
{
	static const uint8_t after[] = { 0x00, 0x00, 0x00, 0x05, 0x83 };
	uint8_t reply[21], buf[128], digest[16];
	size_t off = 0, pos = 0, plen, consumed;
	const uint8_t *payload;
	const char *why = NULL;
	uint32_t chal;

	(void)state;
	reply[0] = 'r';
	reply[1] = 0x13;
	reply[2] = 0x5d;
	reply[3] = 0x56;
	reply[4] = 0xd3;	/* 324884179 */
	for (int i = 0; i < 16; i++)
		reply[5 + i] = (uint8_t)i;
	memcpy(buf, send_name_b_vm, sizeof(send_name_b_vm));
	off = sizeof(send_name_b_vm);
	append(buf, sizeof(buf), &off, 2, reply, sizeof(reply));
	assert_int_equal(buf[21], 0x00);
	assert_int_equal(buf[22], 0x15);
	memcpy(buf + off, after, sizeof(after));
	off += sizeof(after);

	assert_int_equal(dist_hs_next(buf, off, 2, &payload, &plen, &consumed,
	    &why), DIST_DONE);
	assert_int_equal(consumed, 21);
	assert_false(dist_hs_is_last(1, payload[0]));
	pos = consumed;
	assert_int_equal(dist_hs_next(buf + pos, off - pos, 2, &payload, &plen,
	    &consumed, &why), DIST_DONE);
	assert_int_equal(consumed, 23);
	assert_true(dist_hs_is_last(1, payload[0]));
	assert_int_equal(dist_parse_reply(payload, plen, &chal, digest, &why), 0);
	assert_int_equal(chal, 324884179);
	assert_memory_equal(digest, reply + 5, 16);
	pos += consumed;
	assert_int_equal(off - pos, sizeof(after));
	assert_memory_equal(buf + pos, after, sizeof(after));
}

/* A stream fed one byte at a time: NEED_MORE until each message is whole. */
static void
test_stream_byte_at_a_time(void **state)
{
	static const uint8_t st[] = { 's', 'n', 'o', 'k' };
	uint8_t stream[128], acc[128];
	size_t total = 0, have = 0, plen, consumed;
	size_t ends[3];
	const uint8_t *payload;
	const char *why = NULL;
	int done = 0;

	(void)state;
	append(stream, sizeof(stream), &total, 2, st, sizeof(st));
	ends[0] = total;
	append(stream, sizeof(stream), &total, 2, status_named,
	    sizeof(status_named));
	ends[1] = total;
	append(stream, sizeof(stream), &total, 2, challenge_a_vm,
	    sizeof(challenge_a_vm));
	ends[2] = total;

	for (size_t i = 0; i < total; i++) {
		enum dist_parse r;

		acc[have++] = stream[i];
		r = dist_hs_next(acc, have, 2, &payload, &plen, &consumed, &why);
		if (i + 1 == ends[done]) {
			assert_int_equal(r, DIST_DONE);
			assert_int_equal(consumed, have);
			done++;
			have = 0;
		} else
			assert_int_equal(r, DIST_NEED_MORE);
	}
	assert_int_equal(done, 3);
}

static void
test_parse_name_dynamic(void **state)
{
	struct dist_name nm;
	const char *why = NULL;

	(void)state;
	assert_int_equal(dist_parse_name(send_name_dynamic,
	    sizeof(send_name_dynamic), &nm, &why), 0);
	assert_true(nm.flags == 0x0000000f07df7fbcULL);
	assert_true(nm.flags & DIST_FLAG_NAME_ME);
	assert_false(nm.flags & DIST_FLAG_PUBLISHED);
	assert_int_equal(nm.creation, 0);
	assert_string_equal(nm.name, "vm");
	assert_int_equal(nm.name_len, 2);
}

static void
test_parse_name_trailing_and_old(void **state)
{
	uint8_t p[64];
	struct dist_name nm;
	const char *why = NULL;
	static const uint8_t old[] = {
		'n', 0x00, 0x05, 0x01, 0x07, 0xdf, 0x7f, 'a', '@', 'h',
	};

	(void)state;
	memcpy(p, send_name_b_vm + 2, 19);
	p[19] = 0xde;
	p[20] = 0xad;
	assert_int_equal(dist_parse_name(p, 21, &nm, &why), 0);
	assert_string_equal(nm.name, "b@vm");
	assert_int_equal(nm.creation, 1002);

	assert_int_equal(dist_parse_name(old, sizeof(old), &nm, &why), 0);
	assert_int_equal(nm.v6, 0);
	assert_int_equal(nm.version, 5);
	assert_true(nm.flags == 0x0107df7fULL);
	assert_int_equal(nm.creation, 0);
	assert_string_equal(nm.name, "a@h");
	assert_int_equal(nm.name_len, 3);
}

static void
test_parse_name_bad(void **state)
{
	static uint8_t p[1100];
	struct dist_name nm;
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(dist_parse_name(p, 0, &nm, &why), -1);
	assert_non_null(why);
	/* every truncation of the v6 message is refused */
	for (size_t i = 0; i < 19; i++) {
		why = NULL;
		assert_int_equal(dist_parse_name(send_name_b_vm + 2, i, &nm,
		    &why), -1);
		assert_non_null(why);
		assert_string_equal(nm.name, "");
	}
	/* wrong tag */
	memcpy(p, send_name_b_vm + 2, 19);
	p[0] = 'X';
	assert_int_equal(dist_parse_name(p, 19, &nm, &why), -1);
	/* empty name */
	memcpy(p, send_name_b_vm + 2, 15);
	p[13] = 0;
	p[14] = 0;
	assert_int_equal(dist_parse_name(p, 15, &nm, &why), -1);
	/* NUL inside the name */
	memcpy(p, send_name_b_vm + 2, 19);
	p[16] = '\0';
	assert_int_equal(dist_parse_name(p, 19, &nm, &why), -1);
	assert_string_equal(nm.name, "");
	/* 1023 bytes accepted, 1024 refused */
	memcpy(p, send_name_b_vm + 2, 15);
	memset(p + 15, 'x', 1024);
	p[13] = 0x03;
	p[14] = 0xff;
	assert_int_equal(dist_parse_name(p, 15 + 1023, &nm, &why), 0);
	assert_int_equal(nm.name_len, 1023);
	assert_int_equal(strlen(nm.name), 1023);
	p[14] = 0x00;
	p[13] = 0x04;
	assert_int_equal(dist_parse_name(p, 15 + 1024, &nm, &why), -1);
	/* old form: empty name, NUL in name, too short */
	{
		uint8_t o[] = { 'n', 0, 5, 0, 0, 0, 0, 'a', 0, 'b' };

		assert_int_equal(dist_parse_name(o, 7, &nm, &why), -1);
		assert_int_equal(dist_parse_name(o, 6, &nm, &why), -1);
		assert_int_equal(dist_parse_name(o, 10, &nm, &why), -1);
		assert_int_equal(dist_parse_name(o, 8, &nm, &why), 0);
		assert_string_equal(nm.name, "a");
	}
}

static void
test_parse_challenge(void **state)
{
	struct dist_challenge ch;
	const char *why = NULL;
	uint8_t p[64];
	static const uint8_t old[] = {
		'n', 0x00, 0x05, 0x00, 0x03, 0x7f, 0xfd,
		0x12, 0x34, 0x56, 0x78, 'z', '@', 'q',
	};

	(void)state;
	assert_int_equal(dist_parse_challenge(challenge_a_vm,
	    sizeof(challenge_a_vm), &ch, &why), 0);
	assert_int_equal(ch.v6, 1);
	assert_true(ch.flags == 0x0000000d07df7fbdULL);
	assert_true(ch.challenge == 4225247449U);
	assert_int_equal(ch.creation, 1003);
	assert_string_equal(ch.name, "a@vm");
	assert_int_equal(ch.name_len, 4);
	/* trailing bytes after the name are ignored */
	memcpy(p, challenge_a_vm, sizeof(challenge_a_vm));
	p[sizeof(challenge_a_vm)] = 0x99;
	assert_int_equal(dist_parse_challenge(p, sizeof(challenge_a_vm) + 1,
	    &ch, &why), 0);
	assert_string_equal(ch.name, "a@vm");

	assert_int_equal(dist_parse_challenge(old, sizeof(old), &ch, &why), 0);
	assert_int_equal(ch.v6, 0);
	assert_true(ch.flags == 0x00037ffdULL);
	assert_int_equal(ch.challenge, 0x12345678);
	assert_int_equal(ch.creation, 0);
	assert_string_equal(ch.name, "z@q");

	for (size_t i = 0; i < sizeof(challenge_a_vm); i++) {
		why = NULL;
		assert_int_equal(dist_parse_challenge(challenge_a_vm, i, &ch,
		    &why), -1);
		assert_non_null(why);
	}
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(dist_parse_challenge(old, i, &ch, &why), -1);
	memcpy(p, challenge_a_vm, sizeof(challenge_a_vm));
	p[0] = 'r';
	assert_int_equal(dist_parse_challenge(p, sizeof(challenge_a_vm), &ch,
	    &why), -1);
	memcpy(p, challenge_a_vm, sizeof(challenge_a_vm));
	p[17] = 0;
	p[18] = 0;
	assert_int_equal(dist_parse_challenge(p, sizeof(challenge_a_vm), &ch,
	    &why), -1);
	memcpy(p, challenge_a_vm, sizeof(challenge_a_vm));
	p[20] = '\0';
	assert_int_equal(dist_parse_challenge(p, sizeof(challenge_a_vm), &ch,
	    &why), -1);
	assert_string_equal(ch.name, "");
}

static void
test_parse_status(void **state)
{
	static const char *const texts[] = {
		"ok", "ok_simultaneous", "nok", "not_allowed", "alive", "true",
		"false",
	};
	struct dist_status st;
	const char *why = NULL;
	uint8_t p[64];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]);

		p[0] = 's';
		memcpy(p + 1, texts[i], n);
		assert_int_equal(dist_parse_status(p, 1 + n, &st, &why), 0);
		assert_string_equal(st.text, texts[i]);
		assert_int_equal(st.name_len, 0);
		/* one byte more or less is not that status */
		p[1 + n] = 'x';
		assert_int_equal(dist_parse_status(p, 2 + n, &st, &why), -1);
		assert_string_equal(st.text, "");
	}
	assert_int_equal(dist_parse_status(status_named, sizeof(status_named),
	    &st, &why), 0);
	assert_string_equal(st.text, "named:");
	assert_string_equal(st.name, "23CMMBNMXLCLT@vm");
	assert_int_equal(st.name_len, 16);
	assert_true(st.creation == 0xfd4e2aeeU);
	/* extra bytes after the creation are ignored */
	memcpy(p, status_named, sizeof(status_named));
	p[sizeof(status_named)] = 0x01;
	assert_int_equal(dist_parse_status(p, sizeof(status_named) + 1, &st,
	    &why), 0);
	assert_true(st.creation == 0xfd4e2aeeU);
	/* every truncation of named: is refused */
	for (size_t i = 0; i < sizeof(status_named); i++) {
		why = NULL;
		assert_int_equal(dist_parse_status(status_named, i, &st, &why),
		    -1);
		assert_non_null(why);
		assert_string_equal(st.name, "");
	}
	/* named: with an empty name */
	{
		static const uint8_t e[] = {
			's', 'n', 'a', 'm', 'e', 'd', ':', 0, 0, 1, 2, 3, 4,
		};

		assert_int_equal(dist_parse_status(e, sizeof(e), &st, &why),
		    -1);
	}
	memcpy(p, "sokay", 5);
	assert_int_equal(dist_parse_status(p, 5, &st, &why), -1);
	memcpy(p, "ok", 2);
	assert_int_equal(dist_parse_status(p, 2, &st, &why), -1);
	assert_int_equal(dist_parse_status(p, 0, &st, &why), -1);
	memcpy(p, "s", 1);
	assert_int_equal(dist_parse_status(p, 1, &st, &why), -1);
	memcpy(p, "sok\0", 4);
	assert_int_equal(dist_parse_status(p, 4, &st, &why), -1);
}

static void
test_parse_complement_reply_ack(void **state)
{
	static const uint8_t c[] = {
		'c', 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x03, 0xea, 0x00,
	};
	uint8_t r[22], a[18], digest[16];
	uint32_t fh, cr, chal;
	const char *why;

	(void)state;
	assert_int_equal(dist_parse_complement(c, 9, &fh, &cr, &why), 0);
	assert_int_equal(fh, 0x0d);
	assert_int_equal(cr, 1002);
	why = NULL;
	assert_int_equal(dist_parse_complement(c, 8, &fh, &cr, &why), -1);
	assert_non_null(why);
	assert_int_equal(dist_parse_complement(c, 10, &fh, &cr, &why), -1);
	assert_int_equal(dist_parse_complement(c, 0, &fh, &cr, &why), -1);
	assert_int_equal(dist_parse_complement(challenge_a_vm, 9, &fh, &cr,
	    &why), -1);

	r[0] = 'r';
	r[1] = 0xfb;
	r[2] = 0xd8;
	r[3] = 0x28;
	r[4] = 0xd9;
	for (int i = 0; i < 17; i++)
		r[5 + i] = (uint8_t)(0x10 + i);
	assert_int_equal(dist_parse_reply(r, 21, &chal, digest, &why), 0);
	assert_true(chal == 4225247449U);
	assert_memory_equal(digest, r + 5, 16);
	assert_int_equal(dist_parse_reply(r, 20, &chal, digest, &why), -1);
	assert_int_equal(dist_parse_reply(r, 22, &chal, digest, &why), -1);
	assert_int_equal(dist_parse_reply(r, 0, &chal, digest, &why), -1);
	r[0] = 'a';
	assert_int_equal(dist_parse_reply(r, 21, &chal, digest, &why), -1);

	a[0] = 'a';
	for (int i = 0; i < 17; i++)
		a[1 + i] = (uint8_t)(0xf0 - i);
	assert_int_equal(dist_parse_ack(a, 17, digest, &why), 0);
	assert_memory_equal(digest, a + 1, 16);
	assert_int_equal(dist_parse_ack(a, 16, digest, &why), -1);
	assert_int_equal(dist_parse_ack(a, 18, digest, &why), -1);
	assert_int_equal(dist_parse_ack(a, 0, digest, &why), -1);
	a[0] = 'r';
	assert_int_equal(dist_parse_ack(a, 17, digest, &why), -1);
}

/* Runs one input through every parser, checking what they claim.  Returns
 * a bit per parser that accepted the input (1 next, 2 name, 4 challenge,
 * 8 status). */
static unsigned
fuzz_one(const uint8_t *buf, size_t len)
{
	const uint8_t *payload;
	size_t plen, consumed;
	const char *why;
	struct dist_name nm;
	struct dist_challenge ch;
	struct dist_status st;
	uint32_t a, b;
	uint8_t digest[16];
	unsigned hit = 0;

	for (unsigned prefix = 2; prefix <= 4; prefix += 2) {
		enum dist_parse r = dist_hs_next(buf, len, prefix, &payload,
		    &plen, &consumed, &why);

		if (r == DIST_DONE) {
			assert_true(plen >= 1 && plen <= DIST_HS_MAX_MSG);
			assert_int_equal(consumed, prefix + plen);
			assert_true(consumed <= len);
			assert_ptr_equal(payload, buf + prefix);
			hit |= 1;
		} else
			assert_int_equal(consumed, 0);
	}
	if (dist_parse_name(buf, len, &nm, &why) == 0) {
		assert_true(nm.name_len >= 1 && nm.name_len <= DIST_MAX_NODENAME);
		assert_int_equal(strlen(nm.name), nm.name_len);
		assert_true(nm.v6 ? buf[0] == 'N' : buf[0] == 'n');
		hit |= 2;
	} else
		assert_int_equal(nm.name[0], '\0');
	if (dist_parse_challenge(buf, len, &ch, &why) == 0) {
		assert_true(ch.name_len >= 1 && ch.name_len <= DIST_MAX_NODENAME);
		assert_int_equal(strlen(ch.name), ch.name_len);
		hit |= 4;
	} else
		assert_int_equal(ch.name[0], '\0');
	if (dist_parse_status(buf, len, &st, &why) == 0) {
		assert_true(memchr(st.text, '\0', sizeof(st.text)) != NULL);
		assert_true(strlen(st.text) >= 2);
		if (strcmp(st.text, "named:") == 0) {
			assert_true(st.name_len >= 1 &&
			    st.name_len <= DIST_MAX_NODENAME);
			assert_int_equal(strlen(st.name), st.name_len);
		} else
			assert_int_equal(st.name_len, 0);
		hit |= 8;
	} else
		assert_int_equal(st.text[0], '\0');
	if (dist_parse_complement(buf, len, &a, &b, &why) == 0)
		assert_int_equal(len, 9);
	if (dist_parse_reply(buf, len, &a, digest, &why) == 0)
		assert_int_equal(len, 21);
	if (dist_parse_ack(buf, len, digest, &why) == 0)
		assert_int_equal(len, 17);
	return hit;
}

static void
test_fuzz(void **state)
{
	static const uint8_t *const seeds[] = {
		send_name_b_vm, send_name_dynamic, status_named, challenge_a_vm,
	};
	static const size_t seed_len[] = {
		sizeof(send_name_b_vm), sizeof(send_name_dynamic),
		sizeof(status_named), sizeof(challenge_a_vm),
	};
	static const uint8_t tags[] = { 'N', 'n', 's', 'c', 'r', 'a', 0 };
	struct rng r = { 0x9e3779b97f4a7c15ULL };
	uint8_t buf[96];
	unsigned long hits[4] = { 0, 0, 0, 0 };

	(void)state;
	for (int iter = 0; iter < 300000; iter++) {
		size_t len;
		unsigned h;

		if (iter & 1) {
			/* mutate a seed (or its payload) a few bytes */
			size_t k = rng_next(&r) % 4;

			len = seed_len[k];
			memcpy(buf, seeds[k], len);
			for (int m = rng_next(&r) % 4; m >= 0; m--)
				buf[rng_next(&r) % len] = (uint8_t)rng_next(&r);
			if (rng_next(&r) % 4 == 0)
				len = rng_next(&r) % (len + 1);
		} else {
			len = rng_next(&r) % sizeof(buf);
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rng_next(&r);
			/* short name lengths so that some inputs parse */
			if (len > 0)
				buf[0] = tags[rng_next(&r) % sizeof(tags)];
			if (len > 18 && rng_next(&r) % 2) {
				buf[13] = 0;
				buf[14] = (uint8_t)(rng_next(&r) % 8);
				buf[17] = 0;
				buf[18] = (uint8_t)(rng_next(&r) % 8);
			}
		}
		h = fuzz_one(buf, len);
		for (int b = 0; b < 4; b++)
			if (h & (1u << b))
				hits[b]++;
	}
	/* the loop must reach the accepting paths, not only the errors */
	for (int b = 0; b < 4; b++)
		assert_true(hits[b] > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_name_plain_tcp),
		cmocka_unit_test(test_reframe),
		cmocka_unit_test(test_frame_bad),
		cmocka_unit_test(test_next_bad),
		cmocka_unit_test(test_next_need_more_every_prefix),
		cmocka_unit_test(test_is_last),
		cmocka_unit_test(test_stream_acceptor_one_buffer),
		cmocka_unit_test(test_stream_initiator_one_buffer),
		cmocka_unit_test(test_stream_byte_at_a_time),
		cmocka_unit_test(test_parse_name_dynamic),
		cmocka_unit_test(test_parse_name_trailing_and_old),
		cmocka_unit_test(test_parse_name_bad),
		cmocka_unit_test(test_parse_challenge),
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_parse_complement_reply_ack),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
