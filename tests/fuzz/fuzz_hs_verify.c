/*
 * fuzz_hs_verify.c — the handshake verifier fed a sequence of messages
 * from both sides, once as inbound (remote initiator) and once as
 * outbound (remote acceptor), with a fixed peer policy and cookie.
 *
 * Input: one byte of options (bit 0 allow_hidden, bit 1 expect the
 * acceptor alive name "b1", bit 2 digests checked with the cookie), then
 * messages: a byte whose bit 0 says "from the initiator", a u16 length,
 * that many payload bytes (fewer at the end of the input).
 *
 * Checks after every message: the result is 0 or -1, and -1 exactly when
 * a refusal code is set; once refused, nothing is forwarded any more and
 * the code stays; a refusal says why, without the cookie (unless the
 * input itself holds it, as a node name say); the names it keeps are
 * printable, NUL-terminated, without quotes; a challenge reply (inbound)
 * or ack (outbound) is forwarded under a cookie only once its digest was
 * verified; a remote node's name is one the peer may present and an
 * outbound acceptor the node asked for, whenever a message is forwarded
 * after the verifier learnt it.
 */
#include <fnmatch.h>
#include <string.h>

#include "crypto/cookie.h"
#include "fuzz.h"
#include "proxy/util/bytes.h"
#include "proxy/wire/hs_verify.h"

#define COOKIE_TEXT	"Hv3-distinct-Cookie-Pq8"

static struct cookie *ck;
static char *const patterns[] = { "*@hostA.test", "a?@hostA" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	ck = cookie_new(COOKIE_TEXT, strlen(COOKIE_TEXT));
	FUZZ_CHECK(ck != NULL);
	return 0;
}

static const struct cookie *
cookie_for(void *arg, const char *local_alive, const char *remote_alive)
{
	FUZZ_CHECK(local_alive != NULL && remote_alive != NULL);
	FUZZ_CHECK(strlen(local_alive) < HS_NAME_MAX);
	FUZZ_CHECK(strlen(remote_alive) < HS_NAME_MAX);
	return arg;
}

static void
check_kept_name(const char *name)
{
	size_t n = strnlen(name, HS_NAME_MAX);

	FUZZ_CHECK(n < HS_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '"' && c != '\\');
	}
}

static int
allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

/* A name kept whole (not cut to HS_NAME_MAX - 1): checks on it hold. */
static int
fits(const char *name)
{
	return strlen(name) < HS_NAME_MAX - 1;
}

static void
run(const uint8_t *data, size_t size, int remote_initiator)
{
	struct hs_policy pol = {
		.remote_initiator = remote_initiator,
		.names = patterns,
		.nnames = sizeof(patterns) / sizeof(patterns[0]),
		.allow_hidden = data[0] & 1,
		.expect_alive = (data[0] & 2) ? "b1" : NULL,
		.cookie_for = (data[0] & 4) ? cookie_for : NULL,
		.arg = ck,
	};
	int with_cookie = (data[0] & 4) != 0;
	struct hs_verify v;
	enum reason first = RC_OK;
	unsigned ninit = 0, nacc = 0;
	size_t off = 1;

	hs_verify_init(&v, &pol);
	FUZZ_CHECK(v.code == RC_OK);
	while (off + 3 <= size) {
		int from_init = data[off] & 1;
		size_t len = get16(data + off + 1);
		const uint8_t *p = data + off + 3;
		int rc;

		off += 3;
		if (len > size - off)
			len = size - off;
		off += len;

		rc = hs_verify_msg(&v, from_init, p, len);
		FUZZ_CHECK(rc == 0 || rc == -1);
		check_kept_name(v.initiator);
		check_kept_name(v.acceptor);
		if (first != RC_OK) {
			/* Refused before: the caller has closed; nothing
			 * more may pass and the reason must not change. */
			FUZZ_CHECK(rc == -1 && v.code == first);
			continue;
		}
		FUZZ_CHECK((rc == -1) == (v.code != RC_OK));
		if (rc == -1) {
			first = v.code;
			FUZZ_CHECK(v.code == RC_MALFORMED_HANDSHAKE ||
			    v.code == RC_NAME_NOT_ALLOWED ||
			    v.code == RC_HIDDEN_NOT_ALLOWED ||
			    v.code == RC_BAD_COOKIE);
			FUZZ_CHECK(v.reason[0] != '\0');
			FUZZ_CHECK(memchr(v.reason, '\0', sizeof(v.reason)));
			/* Unless a peer sent it as a name, say. */
			FUZZ_CHECK(strstr(v.reason, COOKIE_TEXT) == NULL ||
			    memmem(data, size, COOKIE_TEXT,
			    strlen(COOKIE_TEXT)) != NULL);
			FUZZ_CHECK(v.code != RC_BAD_COOKIE || with_cookie);
			FUZZ_CHECK(v.code != RC_HIDDEN_NOT_ALLOWED ||
			    (remote_initiator && !pol.allow_hidden));
			continue;
		}

		/* Forwarded: what the peer's policy says was checked. */
		if (from_init && ninit++ == 0 && remote_initiator &&
		    !v.hidden && fits(v.initiator))
			FUZZ_CHECK(allowed(v.initiator));
		if (!from_init && nacc++ == 0 && remote_initiator &&
		    len > 7 && memcmp(p, "snamed:", 7) == 0 &&
		    fits(v.initiator))
			FUZZ_CHECK(allowed(v.initiator));
		if (!from_init && nacc == 2 && !remote_initiator &&
		    fits(v.acceptor)) {
			char alive[HS_NAME_MAX];

			FUZZ_CHECK(allowed(v.acceptor));
			hs_alive(v.acceptor, alive, sizeof(alive));
			FUZZ_CHECK(pol.expect_alive == NULL ||
			    strcmp(alive, pol.expect_alive) == 0);
		}
		if (remote_initiator && v.hidden)
			FUZZ_CHECK(pol.allow_hidden);
		if (from_init && p[0] == 'r' && remote_initiator &&
		    with_cookie)
			FUZZ_CHECK(v.checked_a);
		if (!from_init && p[0] == 'a' && !remote_initiator &&
		    with_cookie)
			FUZZ_CHECK(v.checked_b);
		FUZZ_CHECK(!v.checked_a || (remote_initiator && with_cookie));
		FUZZ_CHECK(!v.checked_b || (!remote_initiator && with_cookie));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	run(data, size, 1);
	run(data, size, 0);
	return 0;
}
