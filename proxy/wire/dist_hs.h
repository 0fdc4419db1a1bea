/*
 * dist_hs.h — distribution handshake messages as pure functions.
 *
 * During the handshake every message carries a length prefix: 2 bytes on
 * the loopback leg (inet_tcp_dist, {packet,2}) and 4 bytes on the TLS leg
 * (inet_tls_dist, {packet,4}).  The gateway cuts each message out of the
 * byte stream, inspects it and writes it again with the other prefix.
 * The initiator's last handshake message is the challenge reply 'r'; the
 * acceptor's is the challenge ack 'a'; after those the direction is a
 * plain byte pipe (u32 frames both sides).  Layouts: OTP's dist_util.erl.
 */
#ifndef DISTGATE_DIST_HS_H
#define DISTGATE_DIST_HS_H

#include <stddef.h>
#include <stdint.h>

#define DIST_HS_MAX_MSG		2048	/* largest handshake payload we take */
#define DIST_MAX_NODENAME	1023	/* alive@host, bytes */

#define DIST_FLAG_PUBLISHED	0x1ULL
#define DIST_FLAG_HANDSHAKE_23	0x1000000ULL
#define DIST_FLAG_NAME_ME	(1ULL << 33)

enum dist_parse {
	DIST_BAD = -1,
	DIST_NEED_MORE = 0,
	DIST_DONE = 1,
};

/*
 * Cuts the first message out of BUF, whose messages carry PREFIX-byte
 * (2 or 4) big-endian lengths.  On DIST_DONE, *payload points into BUF,
 * *plen is its length and *consumed = PREFIX + *plen.  DIST_NEED_MORE when
 * BUF is a prefix of a message.  DIST_BAD with *why when the length is 0
 * or above DIST_HS_MAX_MSG.
 */
enum dist_parse dist_hs_next(const uint8_t *buf, size_t len, unsigned prefix,
    const uint8_t **payload, size_t *plen, size_t *consumed, const char **why);

/*
 * Writes PAYLOAD with a PREFIX-byte (2 or 4) length.  Returns PREFIX + LEN,
 * or 0 if CAP is too small or LEN does not fit the prefix.
 */
size_t dist_hs_frame(uint8_t *out, size_t cap, unsigned prefix,
    const uint8_t *payload, size_t len);

/*
 * Returns 1 if a message with first byte TAG is the last handshake message
 * of its direction: 'r' from the initiator, 'a' from the acceptor.
 */
int dist_hs_is_last(int from_initiator, uint8_t tag);

/* send_name: 'N' (v6) or 'n' (v5) from the initiator. */
struct dist_name {
	int v6;			/* 1 for 'N', 0 for 'n' */
	uint16_t version;	/* 'n' only */
	uint64_t flags;		/* 'n': the u32 flags */
	uint32_t creation;	/* 'N' only */
	char name[DIST_MAX_NODENAME + 1];	/* NUL-terminated */
	size_t name_len;
};
/* Parses a send_name payload.  Returns 0, or -1 with *why. */
int dist_parse_name(const uint8_t *p, size_t len, struct dist_name *out,
    const char **why);

/* send_challenge: 'N' (v6) or 'n' (v5) from the acceptor. */
struct dist_challenge {
	int v6;
	uint64_t flags;
	uint32_t challenge;
	uint32_t creation;	/* 'N' only */
	char name[DIST_MAX_NODENAME + 1];
	size_t name_len;
};
int dist_parse_challenge(const uint8_t *p, size_t len,
    struct dist_challenge *out, const char **why);

/* recv_status: 's' + text.  For "named:" also the assigned name/creation. */
struct dist_status {
	char text[16];		/* "ok", "ok_simultaneous", "nok",
				   "not_allowed", "alive", "named:",
				   "true", "false"; other text -> -1 */
	char name[DIST_MAX_NODENAME + 1];	/* "named:" only */
	size_t name_len;
	uint32_t creation;	/* "named:" only */
};
int dist_parse_status(const uint8_t *p, size_t len, struct dist_status *out,
    const char **why);

/* send_complement 'c': FlagsHigh u32, Creation u32. */
int dist_parse_complement(const uint8_t *p, size_t len, uint32_t *flags_high,
    uint32_t *creation, const char **why);

/* send_challenge_reply 'r': ChallengeA u32 + 16-byte digest. */
int dist_parse_reply(const uint8_t *p, size_t len, uint32_t *challenge,
    uint8_t digest[16], const char **why);

/* send_challenge_ack 'a': 16-byte digest. */
int dist_parse_ack(const uint8_t *p, size_t len, uint8_t digest[16],
    const char **why);

#endif
