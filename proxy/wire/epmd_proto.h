/*
 * epmd_proto.h — EPMD requests and replies as pure functions.
 *
 * No I/O, no allocation: parsers take (const uint8_t *, size_t) and say
 * "need more", "done" or "bad"; encoders write into a caller buffer.  The
 * byte layouts are those of OTP's epmd (erts/epmd/src).
 */
#ifndef DISTGATE_EPMD_PROTO_H
#define DISTGATE_EPMD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define EPMD_ALIVE2_REQ		120	/* 'x' */
#define EPMD_ALIVE2_RESP	121	/* 'y' */
#define EPMD_ALIVE2_X_RESP	118	/* 'v' */
#define EPMD_PORT_PLEASE2_REQ	122	/* 'z' */
#define EPMD_PORT2_RESP		119	/* 'w' */
#define EPMD_NAMES_REQ		110	/* 'n' */
#define EPMD_DUMP_REQ		100	/* 'd' */
#define EPMD_KILL_REQ		107	/* 'k' */
#define EPMD_STOP_REQ		115	/* 's' */

#define EPMD_MAX_NAME		1020	/* bytes (MAXSYMLEN = 255*4) */
#define EPMD_MAX_NAME_CHARS	255	/* UTF-8 characters */
#define EPMD_MAX_EXTRA		1020
#define EPMD_MAX_PACKET		3057	/* largest legal Length field */

enum epmd_parse {
	EPMD_BAD = -1,		/* protocol error: log why, close, no reply */
	EPMD_NEED_MORE = 0,	/* not a whole packet yet */
	EPMD_DONE = 1,		/* one whole request in *req */
};

struct epmd_req {
	uint8_t tag;		/* one of the *_REQ tags above */
	/* ALIVE2_REQ */
	uint16_t port;
	uint8_t node_type;	/* 77 'M' normal, 72 'H' hidden */
	uint8_t protocol;
	uint16_t high, low;	/* distribution versions */
	const uint8_t *extra;	/* points into the caller's buffer */
	uint16_t extra_len;
	/* ALIVE2_REQ, PORT_PLEASE2_REQ, STOP_REQ: the alive name, NUL-terminated */
	char name[EPMD_MAX_NAME + 1];
	size_t name_len;
	/*
	 * ALIVE2_REQ only: NULL if the name and extra are acceptable, else a
	 * reason; epmd answers such a request with Result=1 (not a silent
	 * close), e.g. "name longer than 255 characters", "invalid UTF-8".
	 */
	const char *refuse;
};

/*
 * Parses the first request in BUF (u16 Length + body).  Returns EPMD_DONE
 * with *req filled when BUF holds exactly one whole packet; EPMD_NEED_MORE
 * when BUF is a prefix of one; EPMD_BAD with *why set (a static string)
 * when the packet is malformed: Length 0 or > EPMD_MAX_PACKET, bytes
 * beyond Length (epmd does not pipeline), unknown tag, an ALIVE2 whose
 * lengths overrun the body or whose name is empty or holds NUL, a
 * PORT_PLEASE2 whose name is empty, holds NUL, is not UTF-8 or too long
 * (a single trailing NUL is stripped as epmd does).
 */
enum epmd_parse epmd_parse_request(const uint8_t *buf, size_t len,
    struct epmd_req *req, const char **why);

/*
 * Writes the ALIVE2 reply epmd would send for a request whose
 * HighestVersion is REQ_HIGH: 'v' Result u32-Creation (6 bytes) when
 * REQ_HIGH >= 6, else 'y' Result u16-Creation (4 bytes).  A non-zero
 * RESULT always carries creation 99 as epmd does.  Returns the length, or
 * 0 if CAP is too small.
 */
size_t epmd_alive2_reply(uint8_t *out, size_t cap, uint16_t req_high,
    uint8_t result, uint32_t creation);

/*
 * Writes a successful PORT2_RESP: 'w' 0 Port Type Proto High Low Nlen Name
 * Elen Extra.  Returns the length, or 0 if CAP is too small.
 */
size_t epmd_port2_reply(uint8_t *out, size_t cap, uint16_t port,
    uint8_t node_type, uint8_t protocol, uint16_t high, uint16_t low,
    const char *name, const uint8_t *extra, uint16_t extra_len);

/* Writes the 2-byte "not found" PORT2_RESP ('w' 1).  Returns 2 or 0. */
size_t epmd_port2_notfound(uint8_t *out, size_t cap);

/* Writes the u32 port header of a NAMES or DUMP reply.  Returns 4 or 0. */
size_t epmd_names_header(uint8_t *out, size_t cap, uint16_t epmd_port);

/*
 * Appends one NAMES line "name <NAME> at port <PORT>\n".  Returns its
 * length, or 0 if CAP is too small (nothing written).
 */
size_t epmd_names_line(uint8_t *out, size_t cap, const char *name,
    uint16_t port);

/*
 * Appends one DUMP line for an active node:
 * "active name     <NAME> at port <PORT>, fd = <FD>\n" followed by a NUL
 * byte, as epmd does.  Returns its length (NUL included) or 0.
 */
size_t epmd_dump_line(uint8_t *out, size_t cap, const char *name,
    uint16_t port, int fd);

/*
 * Checks an alive name as a distribution node part: non-empty, at most
 * EPMD_MAX_NAME bytes, valid UTF-8 of at most 255 characters, no NUL.
 * Returns 0 or -1 with *why.
 */
int epmd_check_name(const char *name, size_t len, const char **why);

/* A PORT2_RESP as another host's epmd sends it. */
struct epmd_port2 {
	uint16_t port;		/* the node's distribution port */
	uint8_t node_type;
	uint8_t protocol;
	uint16_t high, low;
};

/*
 * Parses the whole PORT2_RESP in BUF (epmd closes after it).  Returns 0
 * with *out filled, or -1 with *why: "not found" (result byte non-zero),
 * "malformed PORT2 reply", "port 0 in PORT2 reply".
 */
int epmd_parse_port2(const uint8_t *buf, size_t len, struct epmd_port2 *out,
    const char **why);

/*
 * Walks the text of a NAMES reply (after its 4-byte header): each call
 * takes the line at *OFF ("name N at port P\n") and moves *OFF past it.
 * Returns 1 with NAME (CAP bytes) and *PORT set for a well-formed line, 0
 * for a line to skip (a name that is empty, holds a space or a NUL, or
 * does not fit CAP; a port that is not 1..65535), -1 at the end of TEXT.
 */
int epmd_names_next(const char *text, size_t len, size_t *off, char *name,
    size_t cap, uint16_t *port);

#endif
