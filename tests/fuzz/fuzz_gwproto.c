/*
 * fuzz_gwproto.c — the gateway-to-gateway protocol as a peer gateway's
 * bytes reach it, inside mutual TLS: gw_parse() cuts messages from the
 * input one after the other, and each is read the ways the server and
 * the client read them (gw_body_name, gw_decode_reply, gw_decode_names).
 *
 * Checks: a cut message lies inside the input, its header says its
 * length (gw_announced_body too); what decodes encodes back to the same
 * bytes (a request's name, a RESOLVE or ROUTE OK, a NAMES list, an error
 * reason of printable ASCII up to GWPROTO_MAX_REASON); decoded names and
 * reasons are NUL-terminated inside their buffers.
 */
#include <string.h>

#include "fuzz.h"
#include "proxy/util/bytes.h"
#include "proxy/wire/gwproto.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* The names of a NAMES_REPLY as gw_decode_names() hands them out. */
struct names {
	char *v[GWPROTO_MAX_BODY / 2];
	size_t n;
};

static void
collect(const char *name, void *arg)
{
	struct names *ns = arg;
	size_t len = strlen(name);

	FUZZ_CHECK(len > 0 && len <= 255);
	FUZZ_CHECK(ns->n < sizeof(ns->v) / sizeof(ns->v[0]));
	FUZZ_CHECK((ns->v[ns->n] = malloc(len + 1)) != NULL);
	memcpy(ns->v[ns->n++], name, len + 1);
}

/* MSG's bytes as they were on the wire. */
static int
same_bytes(const struct gw_msg *msg, const uint8_t *out, size_t n)
{
	return n == msg->consumed && memcmp(out, msg->body - GWPROTO_HDR,
	    n) == 0;
}

static void
check_request(const struct gw_msg *msg)
{
	char name[GWPROTO_MAX_NAME + 1], *small;
	uint8_t out[GWPROTO_HDR + GWPROTO_MAX_NAME];
	const char *why = NULL;
	size_t n;

	if (gw_body_name(msg, name, sizeof(name), &why) == -1) {
		FUZZ_CHECK(why != NULL && name[0] == '\0');
		return;
	}
	FUZZ_CHECK(msg->version == GWPROTO_VERSION);
	FUZZ_CHECK(strlen(name) == msg->body_len);
	n = gw_encode_request(out, sizeof(out), msg->type, name);
	FUZZ_CHECK(same_bytes(msg, out, n));
	/* A buffer one byte short of the name refuses it, and writes the
	 * empty string only. */
	FUZZ_CHECK((small = malloc(msg->body_len)) != NULL);
	FUZZ_CHECK(gw_body_name(msg, small, msg->body_len, &why) == -1);
	FUZZ_CHECK(small[0] == '\0');
	free(small);
}

static void
check_reply(const struct gw_msg *msg)
{
	uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY];
	struct gw_reply rep;
	const char *why = NULL;
	size_t n;

	if (gw_decode_reply(msg, &rep, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(strlen(rep.reason) <= GWPROTO_MAX_REASON);
	for (const char *s = rep.reason; *s; s++)
		FUZZ_CHECK(*s >= 0x20 && *s <= 0x7e);
	FUZZ_CHECK(rep.status == msg->body[0]);
	if (rep.status != GW_OK) {
		FUZZ_CHECK(msg->body_len - 1u >= strlen(rep.reason));
		if (msg->version != GWPROTO_VERSION || msg->body_len - 1u >
		    GWPROTO_MAX_REASON)
			return;
		n = gw_encode_status(out, sizeof(out), msg->type, rep.status,
		    rep.reason);
		FUZZ_CHECK(same_bytes(msg, out, n));
		return;
	}
	FUZZ_CHECK(msg->version == GWPROTO_VERSION);
	switch (msg->type) {
	case GW_RESOLVE_REPLY:
		n = gw_encode_resolve_ok(out, sizeof(out), rep.high, rep.low,
		    rep.node_type);
		FUZZ_CHECK(same_bytes(msg, out, n));
		break;
	case GW_ROUTE_REPLY:
	case GW_PONG:
		n = gw_encode_status(out, sizeof(out), msg->type, GW_OK, NULL);
		FUZZ_CHECK(same_bytes(msg, out, n));
		break;
	case GW_NAMES_REPLY:
		break;		/* check_names() */
	default:
		FUZZ_CHECK(!"an OK reply of another type");
	}
}

static void
check_names(const struct gw_msg *msg)
{
	static uint8_t out[GWPROTO_HDR + GWPROTO_MAX_BODY];
	static struct names ns;
	const char *why = NULL;
	int count;

	ns.n = 0;
	count = gw_decode_names(msg, collect, &ns, &why);
	if (count == -1) {
		FUZZ_CHECK(why != NULL && ns.n == 0);
		return;
	}
	FUZZ_CHECK((size_t)count == ns.n);
	FUZZ_CHECK(gw_decode_names(msg, NULL, NULL, &why) == count);
	/* Names with a NUL are refused, so the list encodes back whole. */
	size_t n = gw_encode_names(out, sizeof(out),
	    (const char *const *)ns.v, ns.n);
	FUZZ_CHECK(same_bytes(msg, out, n));
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t len = size;

	for (;;) {
		struct gw_msg msg;
		const char *why = NULL;
		enum gw_parse r = gw_parse(p, len, &msg, &why);

		if (r == GW_PARSE_BAD) {
			FUZZ_CHECK(why != NULL);
			FUZZ_CHECK(p[0] != 0x44 || (len >= 2 && p[1] != 0x47) ||
			    (len >= GWPROTO_HDR && get16(p + 4) >
			    GWPROTO_MAX_BODY));
			break;
		}
		if (r == GW_PARSE_NEED_MORE) {
			FUZZ_CHECK(len < GWPROTO_HDR || len - GWPROTO_HDR <
			    gw_announced_body(p, len));
			break;
		}
		FUZZ_CHECK(r == GW_PARSE_DONE);
		FUZZ_CHECK(msg.consumed == GWPROTO_HDR + (size_t)msg.body_len);
		FUZZ_CHECK(msg.consumed <= len && msg.body == p + GWPROTO_HDR);
		FUZZ_CHECK(gw_announced_body(p, len) == msg.body_len);
		FUZZ_CHECK(msg.version == p[2] && msg.type == p[3]);
		(void)gw_status_name(msg.body_len > 0 ? msg.body[0] : -1);
		check_request(&msg);
		check_reply(&msg);
		check_names(&msg);
		p += msg.consumed;
		len -= msg.consumed;
	}
	return 0;
}
