/* dist_hs.c — see dist_hs.h.  Byte layouts: OTP's distribution protocol
 * (erts/doc "Distribution Protocol", dist_util.erl). */
#include "proxy/wire/dist_hs.h"

#include <string.h>

#include "proxy/util/bytes.h"

/* Fixed parts of the payloads, tag included. */
#define NAME_N_FIXED	15	/* 'N' flags:8 creation:4 nlen:2 */
#define NAME_n_FIXED	7	/* 'n' version:2 flags:4 */
#define CHAL_N_FIXED	19	/* 'N' flags:8 challenge:4 creation:4 nlen:2 */
#define CHAL_n_FIXED	11	/* 'n' version:2 flags:4 challenge:4 */
#define COMPLEMENT_LEN	9	/* 'c' flags_high:4 creation:4 */
#define REPLY_LEN	21	/* 'r' challenge:4 digest:16 */
#define ACK_LEN		17	/* 'a' digest:16 */
#define NAMED_PREFIX	"named:"
#define NAMED_PREFIX_LEN 6

/* Status texts accepted after the 's' tag, besides "named:". */
static const char *const status_texts[] = {
	"ok", "ok_simultaneous", "nok", "not_allowed", "alive", "true", "false",
};

static void
set_why(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
}



static uint64_t
get_u64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

/*
 * Copies a node name of NLEN bytes from SRC into DST (DIST_MAX_NODENAME + 1
 * bytes) and NUL-terminates it.  The name must be non-empty, at most
 * DIST_MAX_NODENAME bytes and free of NUL bytes.  Returns 0 or -1 with *why.
 */
static int
copy_name(char *dst, size_t *dst_len, const uint8_t *src, size_t nlen,
    const char **why)
{
	if (nlen == 0) {
		set_why(why, "empty node name");
		return -1;
	}
	if (nlen > DIST_MAX_NODENAME) {
		set_why(why, "node name too long");
		return -1;
	}
	if (memchr(src, '\0', nlen) != NULL) {
		set_why(why, "NUL byte in node name");
		return -1;
	}
	memcpy(dst, src, nlen);
	dst[nlen] = '\0';
	*dst_len = nlen;
	return 0;
}

enum dist_parse
dist_hs_next(const uint8_t *buf, size_t len, unsigned prefix,
    const uint8_t **payload, size_t *plen, size_t *consumed, const char **why)
{
	size_t mlen;

	*payload = NULL;
	*plen = 0;
	*consumed = 0;
	if (prefix != 2 && prefix != 4) {
		set_why(why, "length prefix must be 2 or 4 bytes");
		return DIST_BAD;
	}
	if (len < prefix)
		return DIST_NEED_MORE;
	mlen = prefix == 2 ? get16(buf) : get32(buf);
	if (mlen == 0) {
		set_why(why, "empty handshake message");
		return DIST_BAD;
	}
	if (mlen > DIST_HS_MAX_MSG) {
		set_why(why, "handshake message too long");
		return DIST_BAD;
	}
	if (len - prefix < mlen)
		return DIST_NEED_MORE;
	*payload = buf + prefix;
	*plen = mlen;
	*consumed = prefix + mlen;
	return DIST_DONE;
}

size_t
dist_hs_frame(uint8_t *out, size_t cap, unsigned prefix,
    const uint8_t *payload, size_t len)
{
	/* A handshake message is never empty; dist_hs_next() refuses it. */
	if (out == NULL || payload == NULL || len == 0)
		return 0;
	if (prefix == 2) {
		if (len > 0xffff)
			return 0;
	} else if (prefix == 4) {
		if ((uint64_t)len > 0xffffffffULL)
			return 0;
	} else
		return 0;
	if (cap < prefix || cap - prefix < len)
		return 0;
	/* memmove: the caller may reframe in place. */
	memmove(out + prefix, payload, len);
	if (prefix == 2)
		put16(out, (uint16_t)len);
	else
		put32(out, (uint32_t)len);
	return prefix + len;
}

int
dist_hs_is_last(int from_initiator, uint8_t tag)
{
	if (from_initiator)
		return tag == 'r';
	return tag == 'a';
}

int
dist_parse_name(const uint8_t *p, size_t len, struct dist_name *out,
    const char **why)
{
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		set_why(why, "empty send_name");
		return -1;
	}
	if (p[0] == 'N') {
		if (len < NAME_N_FIXED) {
			set_why(why, "short send_name");
			return -1;
		}
		nlen = get16(p + 13);
		if (len - NAME_N_FIXED < nlen) {
			set_why(why, "send_name name runs past the message");
			return -1;
		}
		/* Bytes after the name are ignored (future extensions). */
		if (copy_name(out->name, &out->name_len, p + NAME_N_FIXED,
		    nlen, why) == -1)
			goto fail;
		out->v6 = 1;
		out->flags = get_u64(p + 1);
		out->creation = get32(p + 9);
		return 0;
	}
	if (p[0] == 'n') {
		if (len < NAME_n_FIXED) {
			set_why(why, "short old send_name");
			return -1;
		}
		if (copy_name(out->name, &out->name_len, p + NAME_n_FIXED,
		    len - NAME_n_FIXED, why) == -1)
			goto fail;
		out->v6 = 0;
		out->version = get16(p + 1);
		out->flags = get32(p + 3);
		return 0;
	}
	set_why(why, "not a send_name message");
	return -1;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
dist_parse_challenge(const uint8_t *p, size_t len,
    struct dist_challenge *out, const char **why)
{
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		set_why(why, "empty send_challenge");
		return -1;
	}
	if (p[0] == 'N') {
		if (len < CHAL_N_FIXED) {
			set_why(why, "short send_challenge");
			return -1;
		}
		nlen = get16(p + 17);
		if (len - CHAL_N_FIXED < nlen) {
			set_why(why, "send_challenge name runs past the message");
			return -1;
		}
		/* As in send_name, bytes after the name are ignored. */
		if (copy_name(out->name, &out->name_len, p + CHAL_N_FIXED,
		    nlen, why) == -1)
			goto fail;
		out->v6 = 1;
		out->flags = get_u64(p + 1);
		out->challenge = get32(p + 9);
		out->creation = get32(p + 13);
		return 0;
	}
	if (p[0] == 'n') {
		if (len < CHAL_n_FIXED) {
			set_why(why, "short old send_challenge");
			return -1;
		}
		if (copy_name(out->name, &out->name_len, p + CHAL_n_FIXED,
		    len - CHAL_n_FIXED, why) == -1)
			goto fail;
		out->v6 = 0;
		out->flags = get32(p + 3);
		out->challenge = get32(p + 7);
		return 0;
	}
	set_why(why, "not a send_challenge message");
	return -1;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* Parses the part of a "named:" status after the text itself. */
static int
parse_named(const uint8_t *p, size_t len, struct dist_status *out,
    const char **why)
{
	size_t nlen;

	if (len < 2) {
		set_why(why, "short named: status");
		return -1;
	}
	nlen = get16(p);
	if (len - 2 < nlen || len - 2 - nlen < 4) {
		set_why(why, "named: status shorter than its fields");
		return -1;
	}
	if (copy_name(out->name, &out->name_len, p + 2, nlen, why) == -1)
		return -1;
	out->creation = get32(p + 2 + nlen);
	/* Extra bytes after the creation are ignored. */
	return 0;
}

int
dist_parse_status(const uint8_t *p, size_t len, struct dist_status *out,
    const char **why)
{
	const uint8_t *text;
	size_t tlen;

	memset(out, 0, sizeof(*out));
	if (len == 0 || p[0] != 's') {
		set_why(why, "not a status message");
		return -1;
	}
	text = p + 1;
	tlen = len - 1;
	if (tlen >= NAMED_PREFIX_LEN &&
	    memcmp(text, NAMED_PREFIX, NAMED_PREFIX_LEN) == 0) {
		if (parse_named(text + NAMED_PREFIX_LEN,
		    tlen - NAMED_PREFIX_LEN, out, why) == -1)
			goto fail;
		memcpy(out->text, NAMED_PREFIX, NAMED_PREFIX_LEN + 1);
		return 0;
	}
	for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]);
	    i++) {
		size_t slen = strlen(status_texts[i]);

		if (slen == tlen && memcmp(text, status_texts[i], slen) == 0) {
			memcpy(out->text, status_texts[i], slen + 1);
			return 0;
		}
	}
	set_why(why, "unknown status");
	return -1;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
dist_parse_complement(const uint8_t *p, size_t len, uint32_t *flags_high,
    uint32_t *creation, const char **why)
{
	*flags_high = 0;
	*creation = 0;
	if (len == 0 || p[0] != 'c') {
		set_why(why, "not a send_complement message");
		return -1;
	}
	if (len != COMPLEMENT_LEN) {
		set_why(why, "send_complement must be 9 bytes");
		return -1;
	}
	*flags_high = get32(p + 1);
	*creation = get32(p + 5);
	return 0;
}

int
dist_parse_reply(const uint8_t *p, size_t len, uint32_t *challenge,
    uint8_t digest[16], const char **why)
{
	*challenge = 0;
	memset(digest, 0, 16);
	if (len == 0 || p[0] != 'r') {
		set_why(why, "not a challenge_reply message");
		return -1;
	}
	if (len != REPLY_LEN) {
		set_why(why, "challenge_reply must be 21 bytes");
		return -1;
	}
	*challenge = get32(p + 1);
	memcpy(digest, p + 5, 16);
	return 0;
}

int
dist_parse_ack(const uint8_t *p, size_t len, uint8_t digest[16],
    const char **why)
{
	memset(digest, 0, 16);
	if (len == 0 || p[0] != 'a') {
		set_why(why, "not a challenge_ack message");
		return -1;
	}
	if (len != ACK_LEN) {
		set_why(why, "challenge_ack must be 17 bytes");
		return -1;
	}
	memcpy(digest, p + 1, 16);
	return 0;
}
