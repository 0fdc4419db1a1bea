/*
 * fuzz_epmd_request.c — epmd_parse_request() on what a local node (or
 * anyone on loopback) sends the host's EPMD, then the reply encoders on
 * what it parsed.
 *
 * Checks: DONE only for exactly one whole packet, with the name
 * NUL-terminated and Extra inside the input; a prefix of a DONE packet
 * needs more; every encoder writes into a buffer of exactly its length
 * (ASan sees one byte too far) and returns 0 when one byte short; a
 * PORT2 reply and a NAMES line of the parsed name read back the same.
 */
#include <string.h>

#include "fuzz.h"
#include "proxy/util/bytes.h"
#include "proxy/wire/epmd_proto.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static const struct epmd_req *cur;	/* what the encoders write */

/* Runs ENC twice: into CAP - 1 bytes (must return 0) and into exactly CAP
 * bytes (must return CAP); ASan sees a write one byte too far. */
static void
encode_exact(size_t cap, size_t (*enc)(uint8_t *, size_t))
{
	uint8_t *out = malloc(cap > 1 ? cap - 1 : 1);

	FUZZ_CHECK(out != NULL);
	if (cap > 0)
		FUZZ_CHECK(enc(out, cap - 1) == 0);
	free(out);
	FUZZ_CHECK((out = malloc(cap)) != NULL);
	FUZZ_CHECK(enc(out, cap) == cap);
	free(out);
}

static size_t
enc_port2(uint8_t *out, size_t cap)
{
	return epmd_port2_reply(out, cap, cur->port, cur->node_type,
	    cur->protocol, cur->high, cur->low, cur->name, cur->extra,
	    cur->extra_len);
}

static size_t
enc_names_line(uint8_t *out, size_t cap)
{
	return epmd_names_line(out, cap, cur->name, cur->port);
}

static size_t
enc_dump_line(uint8_t *out, size_t cap)
{
	return epmd_dump_line(out, cap, cur->name, cur->port, -1);
}

static size_t
enc_alive2_ok(uint8_t *out, size_t cap)
{
	return epmd_alive2_reply(out, cap, cur->high, 0, cur->port);
}

/* What a PORT_PLEASE2 answer for the registered node would look like,
 * and another host's epmd client reading it. */
static void
check_port2(const struct epmd_req *req)
{
	size_t n = 14 + req->name_len + req->extra_len;
	struct epmd_port2 p2;
	const char *why = NULL;
	uint8_t *out;

	encode_exact(n, enc_port2);
	FUZZ_CHECK((out = malloc(n)) != NULL);
	FUZZ_CHECK(enc_port2(out, n) == n);
	FUZZ_CHECK(get16(out + 10) == req->name_len);
	FUZZ_CHECK(memcmp(out + 12, req->name, req->name_len) == 0);
	if (epmd_parse_port2(out, n, &p2, &why) == 0) {
		FUZZ_CHECK(req->port != 0);
		FUZZ_CHECK(p2.port == req->port);
		FUZZ_CHECK(p2.node_type == req->node_type);
		FUZZ_CHECK(p2.protocol == req->protocol);
		FUZZ_CHECK(p2.high == req->high && p2.low == req->low);
	} else
		FUZZ_CHECK(req->port == 0 && why != NULL);
	free(out);
}

/* A NAMES line of the name reads back through epmd_names_next() when the
 * name can be told apart in that text format (no space, no newline); the
 * DUMP line has its exact length too. */
static void
check_names_line(const struct epmd_req *req)
{
	static const char dump_pre[] = "active name     <", dump_mid[] =
	    "> at port ";
	char num[40], name[EPMD_MAX_NAME + 1];
	size_t n, off = 0;
	uint16_t port = 0;
	uint8_t *out;
	int rc, plain;

	n = 5 + req->name_len + 9 + (size_t)snprintf(num, sizeof(num), "%u",
	    (unsigned)req->port) + 1;
	encode_exact(n, enc_names_line);
	encode_exact(sizeof(dump_pre) - 1 + req->name_len + sizeof(dump_mid) -
	    1 + (size_t)snprintf(num, sizeof(num), "%u, fd = %d",
	    (unsigned)req->port, -1) + 2, enc_dump_line);
	FUZZ_CHECK((out = malloc(n)) != NULL);
	FUZZ_CHECK(enc_names_line(out, n) == n);
	rc = epmd_names_next((const char *)out, n, &off, name, sizeof(name),
	    &port);
	/* A name with a newline spans lines: no promise for that text. */
	if (memchr(req->name, '\n', req->name_len) == NULL) {
		plain = memchr(req->name, ' ', req->name_len) == NULL;
		FUZZ_CHECK(off == n);
		FUZZ_CHECK(rc == (plain && req->port != 0));
		if (rc == 1) {
			FUZZ_CHECK(strcmp(name, req->name) == 0);
			FUZZ_CHECK(port == req->port);
		}
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct epmd_req req, again;
	const char *why = NULL;
	enum epmd_parse r;

	r = epmd_parse_request(data, size, &req, &why);
	FUZZ_CHECK(r == EPMD_BAD || r == EPMD_NEED_MORE || r == EPMD_DONE);
	if (r == EPMD_NEED_MORE) {
		FUZZ_CHECK(size < 2 || size < (size_t)get16(data) + 2);
		return 0;
	}
	if (r == EPMD_BAD) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}

	/* One whole packet, nothing more; its prefixes need more. */
	FUZZ_CHECK(size >= 3 && size == (size_t)get16(data) + 2);
	FUZZ_CHECK(req.tag == data[2]);
	FUZZ_CHECK(req.name_len <= EPMD_MAX_NAME);
	FUZZ_CHECK(req.name[req.name_len] == '\0');
	FUZZ_CHECK(strlen(req.name) == req.name_len);
	FUZZ_CHECK(epmd_parse_request(data, size - 1, &again, &why) ==
	    EPMD_NEED_MORE);
	FUZZ_CHECK(epmd_parse_request(data, size / 2, &again, &why) ==
	    EPMD_NEED_MORE);
	cur = &req;

	switch (req.tag) {
	case EPMD_ALIVE2_REQ:
		FUZZ_CHECK(req.extra_len == 0 || (req.extra > data + 2 &&
		    req.extra + req.extra_len <= data + size));
		if (req.refuse != NULL) {
			uint8_t out[6];
			FUZZ_CHECK(epmd_alive2_reply(out, sizeof(out), req.high,
			    1, 7) == (req.high >= 6 ? 6u : 4u));
			FUZZ_CHECK(out[1] == 1);
			break;
		}
		FUZZ_CHECK(epmd_check_name(req.name, req.name_len, &why) == 0);
		FUZZ_CHECK(req.extra_len <= EPMD_MAX_EXTRA);
		encode_exact(req.high >= 6 ? 6u : 4u, enc_alive2_ok);
		check_port2(&req);
		check_names_line(&req);
		break;
	case EPMD_PORT_PLEASE2_REQ:
	case EPMD_STOP_REQ:
		FUZZ_CHECK(epmd_check_name(req.name, req.name_len, &why) == 0);
		FUZZ_CHECK(req.name_len > 0);
		check_names_line(&req);
		break;
	case EPMD_NAMES_REQ:
	case EPMD_DUMP_REQ:
	case EPMD_KILL_REQ:
		FUZZ_CHECK(req.name_len == 0);
		break;
	default:
		FUZZ_CHECK(!"DONE for an unknown tag");
	}
	return 0;
}
