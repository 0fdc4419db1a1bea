/*
 * fuzz_dist_hs.c — the distribution handshake as the relay sees it: the
 * input is cut into messages with 2-byte lengths (the loopback leg) and,
 * separately, with 4-byte lengths (the TLS leg); each message is
 * re-framed with the other prefix, in place too, and read by every
 * message parser.
 *
 * Checks: a cut message lies inside the input and is 1..DIST_HS_MAX_MSG
 * bytes; re-framing and cutting again gives the same payload; parsed
 * names are NUL-terminated, of their stated length, without NUL; a
 * parser that refuses leaves its outputs zeroed and says why.
 */
#include <string.h>

#include "fuzz.h"
#include "proxy/util/bytes.h"
#include "proxy/wire/dist_hs.h"

#define MAX_MSGS	32	/* cut from one input, per framing */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* One memcmp, not a byte loop: this file's comparisons are traced too. */
static int
all_zero(const void *p, size_t n)
{
	static const uint8_t zero[sizeof(struct dist_status) +
	    sizeof(struct dist_challenge)];

	FUZZ_CHECK(n <= sizeof(zero));
	return memcmp(p, zero, n) == 0;
}

static void
check_name(const char *name, size_t len)
{
	FUZZ_CHECK(len > 0 && len <= DIST_MAX_NODENAME);
	FUZZ_CHECK(name[len] == '\0' && strlen(name) == len);
}

static void
parse_all(const uint8_t *p, size_t len)
{
	const char *why;
	struct dist_name nm;
	struct dist_challenge ch;
	struct dist_status st;
	uint32_t a, b;
	uint8_t digest[16];

	why = NULL;
	if (dist_parse_name(p, len, &nm, &why) == 0) {
		FUZZ_CHECK(p[0] == 'N' || p[0] == 'n');
		FUZZ_CHECK(nm.v6 == (p[0] == 'N'));
		check_name(nm.name, nm.name_len);
		if (nm.v6)
			FUZZ_CHECK(get16(p + 13) == nm.name_len);
		else
			FUZZ_CHECK(len == 7 + nm.name_len);
	} else
		FUZZ_CHECK(why != NULL && all_zero(&nm, sizeof(nm)));

	why = NULL;
	if (dist_parse_challenge(p, len, &ch, &why) == 0) {
		FUZZ_CHECK(p[0] == 'N' || p[0] == 'n');
		check_name(ch.name, ch.name_len);
		FUZZ_CHECK(ch.challenge == get32(p + (p[0] == 'N' ? 9 : 7)));
	} else
		FUZZ_CHECK(why != NULL && all_zero(&ch, sizeof(ch)));

	why = NULL;
	if (dist_parse_status(p, len, &st, &why) == 0) {
		FUZZ_CHECK(p[0] == 's');
		FUZZ_CHECK(memchr(st.text, '\0', sizeof(st.text)) != NULL);
		if (strcmp(st.text, "named:") == 0)
			check_name(st.name, st.name_len);
		else
			FUZZ_CHECK(len == 1 + strlen(st.text) &&
			    memcmp(p + 1, st.text, len - 1) == 0 &&
			    st.name_len == 0);
	} else
		FUZZ_CHECK(why != NULL && all_zero(&st, sizeof(st)));

	why = NULL;
	if (dist_parse_complement(p, len, &a, &b, &why) == 0)
		FUZZ_CHECK(len == 9 && p[0] == 'c' && a == get32(p + 1) &&
		    b == get32(p + 5));
	else
		FUZZ_CHECK(why != NULL && a == 0 && b == 0);

	why = NULL;
	if (dist_parse_reply(p, len, &a, digest, &why) == 0)
		FUZZ_CHECK(len == 21 && p[0] == 'r' && a == get32(p + 1) &&
		    memcmp(digest, p + 5, 16) == 0);
	else
		FUZZ_CHECK(why != NULL && a == 0 && all_zero(digest, 16));

	why = NULL;
	if (dist_parse_ack(p, len, digest, &why) == 0)
		FUZZ_CHECK(len == 17 && p[0] == 'a' &&
		    memcmp(digest, p + 1, 16) == 0);
	else
		FUZZ_CHECK(why != NULL && all_zero(digest, 16));

	FUZZ_CHECK(dist_hs_is_last(1, p[0]) == (p[0] == 'r'));
	FUZZ_CHECK(dist_hs_is_last(0, p[0]) == (p[0] == 'a'));
}

/* Frames PAYLOAD with TO into a buffer of exactly the framed size (and
 * one byte short), in place as splice.c does, and cuts it again. */
static void
reframe(const uint8_t *payload, size_t plen, unsigned from, unsigned to)
{
	const uint8_t *q;
	size_t qlen, used;
	const char *why = NULL;
	uint8_t *out;

	FUZZ_CHECK((out = malloc(to + plen)) != NULL);
	FUZZ_CHECK(dist_hs_frame(out, to + plen - 1, to, payload, plen) == 0);
	FUZZ_CHECK(dist_hs_frame(out, to + plen, to, payload, plen) ==
	    to + plen);
	FUZZ_CHECK(dist_hs_next(out, to + plen, to, &q, &qlen, &used, &why) ==
	    DIST_DONE);
	FUZZ_CHECK(q == out + to && qlen == plen && used == to + plen);
	FUZZ_CHECK(memcmp(q, payload, plen) == 0);
	free(out);

	/* In place: the payload sits after a FROM-byte prefix. */
	size_t cap = (from > to ? from : to) + plen;
	FUZZ_CHECK((out = malloc(cap)) != NULL);
	memcpy(out + from, payload, plen);
	FUZZ_CHECK(dist_hs_frame(out, cap, to, out + from, plen) == to + plen);
	FUZZ_CHECK(memcmp(out + to, payload, plen) == 0);
	free(out);
}

static void
cut_all(const uint8_t *data, size_t size, unsigned prefix)
{
	const uint8_t *p = data, *payload;
	size_t len = size, plen, used;

	/* A handshake has a handful of messages; more only slow the run. */
	for (unsigned n = 0; n < MAX_MSGS; n++) {
		const char *why = NULL;
		enum dist_parse r = dist_hs_next(p, len, prefix, &payload,
		    &plen, &used, &why);

		if (r == DIST_BAD) {
			FUZZ_CHECK(why != NULL && payload == NULL);
			size_t m = prefix == 2 ? get16(p) : get32(p);
			FUZZ_CHECK(m == 0 || m > DIST_HS_MAX_MSG);
			return;
		}
		if (r == DIST_NEED_MORE) {
			FUZZ_CHECK(payload == NULL && plen == 0 && used == 0);
			return;
		}
		FUZZ_CHECK(r == DIST_DONE);
		FUZZ_CHECK(payload == p + prefix && used == prefix + plen);
		FUZZ_CHECK(plen >= 1 && plen <= DIST_HS_MAX_MSG && used <= len);
		reframe(payload, plen, prefix, prefix == 2 ? 4 : 2);
		parse_all(payload, plen);
		p += used;
		len -= used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *payload;
	size_t plen, used;

	cut_all(data, size, 2);
	cut_all(data, size, 4);
	/* The whole input as one payload, as if framed by the other side. */
	if (size > 0 && size <= DIST_HS_MAX_MSG)
		parse_all(data, size);
	FUZZ_CHECK(dist_hs_next(data, size, 3, &payload, &plen, &used, NULL) ==
	    DIST_BAD);
	return 0;
}
