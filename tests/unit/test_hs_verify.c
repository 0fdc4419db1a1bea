/* test_hs_verify.c — cmocka tests for proxy/hs_verify.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/cookie.h"
#include "proxy/wire/dist_hs.h"
#include "proxy/wire/hs_verify.h"

#define COOKIE_TEXT	"Hv3-distinct-Cookie-Pq8"
#define OTHER_TEXT	"not-the-cookie"

/* OTP 25 flags of a normal node and a dynamic one. */
#define FLAGS		0x0000000d07df7fbdULL
#define FLAGS_HIDDEN	(FLAGS & ~DIST_FLAG_PUBLISHED)
#define FLAGS_NAME_ME	0x0000000f07df7fbcULL

#define CHAL_A		4225247449U	/* the initiator's challenge */
#define CHAL_B		324884179U	/* the acceptor's challenge */

#define REMOTE		"a1@hostA.test"
#define LOCAL		"b1@hostB.test"

enum { INIT = 1, ACC = 0 };

/* What cookie_for() returns and what it was asked. */
struct fixture {
	struct cookie *ck, *other;
	const struct cookie *give;
	unsigned calls;
	char local[HS_NAME_MAX], remote[HS_NAME_MAX];
};

struct msg {
	uint8_t b[DIST_HS_MAX_MSG];
	size_t n;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* send_name 'N' (v6). */
static void
make_name(struct msg *m, uint64_t flags, uint32_t creation, const char *name)
{
	size_t nlen = strlen(name);

	m->b[0] = 'N';
	put64(m->b + 1, flags);
	put32(m->b + 9, creation);
	put16(m->b + 13, (uint16_t)nlen);
	memcpy(m->b + 15, name, nlen);
	m->n = 15 + nlen;
}

/* Old send_name 'n' (v5): version 5, u32 flags, name. */
static void
make_name_old(struct msg *m, uint32_t flags, const char *name)
{
	size_t nlen = strlen(name);

	m->b[0] = 'n';
	put16(m->b + 1, 5);
	put32(m->b + 3, flags);
	memcpy(m->b + 7, name, nlen);
	m->n = 7 + nlen;
}

/* send_complement 'c'. */
static void
make_complement(struct msg *m, uint32_t flags_high, uint32_t creation)
{
	m->b[0] = 'c';
	put32(m->b + 1, flags_high);
	put32(m->b + 5, creation);
	m->n = 9;
}

/* recv_status 's' + TEXT. */
static void
make_status(struct msg *m, const char *text)
{
	m->b[0] = 's';
	memcpy(m->b + 1, text, strlen(text));
	m->n = 1 + strlen(text);
}

/* recv_status "named:". */
static void
make_named(struct msg *m, const char *name, uint32_t creation)
{
	size_t nlen = strlen(name);

	memcpy(m->b, "snamed:", 7);
	put16(m->b + 7, (uint16_t)nlen);
	memcpy(m->b + 9, name, nlen);
	put32(m->b + 9 + nlen, creation);
	m->n = 13 + nlen;
}

/* send_challenge 'N'. */
static void
make_challenge(struct msg *m, uint64_t flags, uint32_t challenge,
    uint32_t creation, const char *name)
{
	size_t nlen = strlen(name);

	m->b[0] = 'N';
	put64(m->b + 1, flags);
	put32(m->b + 9, challenge);
	put32(m->b + 13, creation);
	put16(m->b + 17, (uint16_t)nlen);
	memcpy(m->b + 19, name, nlen);
	m->n = 19 + nlen;
}

static void
make_reply(struct msg *m, uint32_t challenge, const uint8_t digest[16])
{
	m->b[0] = 'r';
	put32(m->b + 1, challenge);
	memcpy(m->b + 5, digest, 16);
	m->n = 21;
}

static void
make_ack(struct msg *m, const uint8_t digest[16])
{
	m->b[0] = 'a';
	memcpy(m->b + 1, digest, 16);
	m->n = 17;
}

static void
digest_of(const struct cookie *c, uint32_t challenge, uint8_t out[16])
{
	assert_int_equal(cookie_digest(c, challenge, out), 0);
}

static const struct cookie *
cookie_for(void *arg, const char *local_alive, const char *remote_alive)
{
	struct fixture *f = arg;

	f->calls++;
	snprintf(f->local, sizeof(f->local), "%s", local_alive);
	snprintf(f->remote, sizeof(f->remote), "%s", remote_alive);
	return f->give;
}

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.ck = cookie_new(COOKIE_TEXT, strlen(COOKIE_TEXT));
	f.other = cookie_new(OTHER_TEXT, strlen(OTHER_TEXT));
	if (f.ck == NULL || f.other == NULL)
		return -1;
	f.give = f.ck;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	cookie_free(f->ck);
	cookie_free(f->other);
	return 0;
}

static char *pat_hostA[] = { "*@hostA.test" };
static char *pat_app[] = { "app*@hostA.test" };
static char *pat_two[] = { "x*@hostC.test", "a?@hostA.test" };
static char *pat_hostB[] = { "*@hostB" };

/* A policy for direction INBOUND with patterns PATS. */
static struct hs_policy
policy(struct fixture *f, int inbound, char **pats, size_t npats)
{
	struct hs_policy p = {
		.remote_initiator = inbound,
		.names = pats,
		.nnames = npats,
		.allow_hidden = 0,
		.expect_alive = NULL,
		.cookie_for = cookie_for,
		.arg = f,
	};

	return p;
}

/* The refusal must carry CODE and a reason without secrets. */
static void
assert_refused(const struct hs_verify *v, int rc, const char *code)
{
	assert_int_equal(rc, -1);
	assert_int_not_equal(v->code, RC_OK);
	assert_string_equal(reason_code(v->code), code);
	assert_non_null(memchr(v->reason, '\0', sizeof(v->reason)));
	assert_true(v->reason[0] != '\0');
	assert_null(strstr(v->reason, COOKIE_TEXT));
	assert_null(strstr(v->reason, OTHER_TEXT));
}

static int
feed(struct hs_verify *v, int from, const struct msg *m)
{
	return hs_verify_msg(v, from, m->b, m->n);
}

/* Sends A:name with FLAGS/NAME, B:status TEXT.  Both must pass. */
static void
open_hs(struct hs_verify *v, uint64_t flags, const char *name,
    const char *status)
{
	struct msg m;

	make_name(&m, flags, 1002, name);
	assert_int_equal(feed(v, INIT, &m), 0);
	make_status(&m, status);
	assert_int_equal(feed(v, ACC, &m), 0);
}

/*
 * Runs challenge, reply and ack of a handshake whose acceptor is ACCEPTOR;
 * the reply's digest is made with RC and the ack's with AC.  Returns the
 * result of the first message refused, else 0.
 */
static int
finish_hs(struct hs_verify *v, const char *acceptor, const struct cookie *rc,
    const struct cookie *ac)
{
	struct msg m;
	uint8_t d[16];
	int r;

	make_challenge(&m, FLAGS, CHAL_B, 1003, acceptor);
	if ((r = feed(v, ACC, &m)) != 0)
		return r;
	digest_of(rc, CHAL_B, d);
	make_reply(&m, CHAL_A, d);
	if ((r = feed(v, INIT, &m)) != 0)
		return r;
	digest_of(ac, CHAL_A, d);
	make_ack(&m, d);
	return feed(v, ACC, &m);
}

static void
test_inbound_good(void **state)
{
	static const char *const statuses[] = { "ok", "ok_simultaneous" };
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_verify v;

	for (size_t i = 0; i < 2; i++) {
		f->calls = 0;
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, REMOTE, statuses[i]);
		assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
		assert_int_equal(v.checked_a, 1);
		assert_int_equal(v.checked_b, 0);
		assert_int_equal(v.hidden, 0);
		assert_string_equal(v.initiator, REMOTE);
		assert_string_equal(v.acceptor, LOCAL);
		/* inbound the local node is the acceptor */
		assert_true(f->calls >= 1);
		assert_string_equal(f->local, "b1");
		assert_string_equal(f->remote, "a1");
	}
}

static void
test_outbound_good(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;

	p.expect_alive = "a1";
	hs_verify_init(&v, &p);
	/* the local initiator's name is not the peer's business */
	open_hs(&v, FLAGS, LOCAL, "ok");
	assert_int_equal(finish_hs(&v, REMOTE, f->ck, f->ck), 0);
	assert_int_equal(v.checked_a, 0);
	assert_int_equal(v.checked_b, 1);
	assert_string_equal(v.initiator, LOCAL);
	assert_string_equal(v.acceptor, REMOTE);
	assert_true(f->calls >= 1);
	assert_string_equal(f->local, "b1");
	assert_string_equal(f->remote, "a1");
}

/* What the admit hook was asked, and what it answers (the hook's arg is
 * the fixture, which cookie_for needs). */
static struct asked {
	int calls[2];		/* by GUESS */
	char name[HS_NAME_MAX];
	enum reason answer[2];
} asked;

static enum reason
admit_hook(void *arg, const char *initiator, int guess, char *why,
    size_t whylen)
{
	(void)arg;
	asked.calls[guess]++;
	snprintf(asked.name, sizeof(asked.name), "%s", initiator);
	if (asked.answer[guess] != RC_OK)
		snprintf(why, whylen, "hook said no (%d)", guess);
	return asked.answer[guess];
}

/* Inbound, the admit hook is asked with the initiator's name once it is
 * allowed, and again right before the reply's digest is judged (not
 * without a cookie); its code refuses, before the digest is looked at.
 * Never outbound. */
static void
test_admit_hook(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_policy out = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;

	memset(&asked, 0, sizeof(asked));
	p.admit = admit_hook;
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "ok");
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
	assert_int_equal(asked.calls[0], 1);
	assert_int_equal(asked.calls[1], 1);
	assert_string_equal(asked.name, REMOTE);

	/* with no cookie, no digest is judged: asked once */
	memset(&asked, 0, sizeof(asked));
	p.cookie_for = NULL;
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "ok");
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
	assert_int_equal(asked.calls[0], 1);
	assert_int_equal(asked.calls[1], 0);
	p.cookie_for = out.cookie_for;

	/* refused at the name: the code and reason are the hook's */
	asked.answer[0] = RC_GUESS_LIMIT;
	hs_verify_init(&v, &p);
	make_name(&m, FLAGS, 1002, REMOTE);
	assert_refused(&v, feed(&v, INIT, &m), "guess_limit");
	assert_string_equal(v.reason, "hook said no (0)");
	/* a name outside the patterns is refused before the hook is asked */
	asked.calls[0] = 0;
	hs_verify_init(&v, &p);
	make_name(&m, FLAGS, 1002, "evil@hostC.test");
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	assert_int_equal(asked.calls[0], 0);

	/* refused before the digest: even the right one does not pass */
	memset(&asked, 0, sizeof(asked));
	asked.answer[1] = RC_GUESS_LIMIT;
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "ok");
	assert_refused(&v, finish_hs(&v, LOCAL, f->ck, f->ck), "guess_limit");
	assert_int_equal(v.checked_a, 0);

	/* outbound: never asked */
	memset(&asked, 0, sizeof(asked));
	out.admit = admit_hook;
	out.expect_alive = "a1";
	hs_verify_init(&v, &out);
	open_hs(&v, FLAGS, LOCAL, "ok");
	assert_int_equal(finish_hs(&v, REMOTE, f->ck, f->ck), 0);
	assert_int_equal(asked.calls[0] + asked.calls[1], 0);
}

static void
test_bad_digests(void **state)
{
	struct fixture *f = *state;
	struct hs_policy in = policy(f, 1, pat_hostA, 1);
	struct hs_policy out = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;
	uint8_t d[16];

	/* inbound: a reply made with another cookie */
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	assert_refused(&v, finish_hs(&v, LOCAL, f->other, f->ck),
	    "bad_cookie");
	assert_int_equal(v.checked_a, 0);
	assert_int_equal(v.nmsg_acc, 2);	/* refused at the reply */
	/* inbound: one flipped bit in each byte of the reply digest */
	for (int i = 0; i < 16; i++) {
		hs_verify_init(&v, &in);
		open_hs(&v, FLAGS, REMOTE, "ok");
		make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
		assert_int_equal(feed(&v, ACC, &m), 0);
		digest_of(f->ck, CHAL_B, d);
		d[i] ^= (uint8_t)(1u << (i % 8));
		make_reply(&m, CHAL_A, d);
		assert_refused(&v, feed(&v, INIT, &m), "bad_cookie");
		assert_null(memmem(v.reason, strlen(v.reason), d, 16));
	}
	/* inbound: the digest of ChallengeA instead of ChallengeB */
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
	assert_int_equal(feed(&v, ACC, &m), 0);
	digest_of(f->ck, CHAL_A, d);
	make_reply(&m, CHAL_A, d);
	assert_refused(&v, feed(&v, INIT, &m), "bad_cookie");

	/* outbound: an ack made with another cookie */
	hs_verify_init(&v, &out);
	open_hs(&v, FLAGS, LOCAL, "ok");
	assert_refused(&v, finish_hs(&v, REMOTE, f->ck, f->other),
	    "bad_cookie");
	assert_int_equal(v.checked_b, 0);
	assert_int_equal(v.nmsg_acc, 3);	/* refused at the ack */
	for (int i = 0; i < 16; i++) {
		hs_verify_init(&v, &out);
		open_hs(&v, FLAGS, LOCAL, "ok");
		make_challenge(&m, FLAGS, CHAL_B, 1003, REMOTE);
		assert_int_equal(feed(&v, ACC, &m), 0);
		digest_of(f->ck, CHAL_B, d);
		make_reply(&m, CHAL_A, d);
		assert_int_equal(feed(&v, INIT, &m), 0);
		digest_of(f->ck, CHAL_A, d);
		d[i] ^= (uint8_t)(0x80u >> (i % 8));
		make_ack(&m, d);
		assert_refused(&v, feed(&v, ACC, &m), "bad_cookie");
		assert_null(memmem(v.reason, strlen(v.reason), d, 16));
	}
}

static void
test_local_side_not_checked(void **state)
{
	struct fixture *f = *state;
	struct hs_policy in = policy(f, 1, pat_hostA, 1);
	struct hs_policy out = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;

	/* inbound, the ack comes from the local node */
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->other), 0);
	assert_int_equal(v.checked_a, 1);
	assert_int_equal(v.checked_b, 0);
	/* outbound, the reply comes from the local node */
	hs_verify_init(&v, &out);
	open_hs(&v, FLAGS, LOCAL, "ok");
	assert_int_equal(finish_hs(&v, REMOTE, f->other, f->ck), 0);
	assert_int_equal(v.checked_a, 0);
	assert_int_equal(v.checked_b, 1);
}

static void
test_no_cookie(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p;
	struct hs_verify v;

	f->give = NULL;
	for (int inbound = 0; inbound <= 1; inbound++) {
		p = policy(f, inbound, pat_hostA, 1);
		f->calls = 0;
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, inbound ? REMOTE : LOCAL, "ok");
		assert_int_equal(finish_hs(&v, inbound ? LOCAL : REMOTE,
		    f->other, f->other), 0);
		assert_true(f->calls >= 1);
		assert_int_equal(v.checked_a, 0);
		assert_int_equal(v.checked_b, 0);
		/* no cookie_for at all */
		p.cookie_for = NULL;
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, inbound ? REMOTE : LOCAL, "ok");
		assert_int_equal(finish_hs(&v, inbound ? LOCAL : REMOTE,
		    f->other, f->other), 0);
	}
	f->give = f->ck;
}

static void
test_inbound_names(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p;
	struct hs_verify v;
	struct msg m;

	make_name(&m, FLAGS, 1002, REMOTE);
	p = policy(f, 1, pat_app, 1);
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	p = policy(f, 1, pat_two, 2);
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
	p = policy(f, 1, pat_two, 1);		/* only "x*@hostC.test" */
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	p = policy(f, 1, pat_hostA, 0);		/* no patterns: nobody */
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	p = policy(f, 1, pat_hostA, 1);
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
	/* the same host name under another domain does not match */
	make_name(&m, FLAGS, 1002, "a1@hostA.test.evil");
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	/* outbound, the local initiator's name is not checked */
	make_name(&m, FLAGS, 1002, "zz@elsewhere");
	p = policy(f, 0, pat_app, 1);
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
}

static void
test_outbound_names(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;

	/* acceptor outside the patterns */
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, LOCAL, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "a1@hostC.test");
	assert_refused(&v, feed(&v, ACC, &m), "name_not_allowed");
	/* the acceptor must be the node asked for */
	p = policy(f, 0, pat_hostB, 1);
	p.expect_alive = "b1";
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, "c1@hostC", "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "b2@hostB");
	assert_refused(&v, feed(&v, ACC, &m), "name_not_allowed");
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, "c1@hostC", "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "b1@hostB");
	assert_int_equal(feed(&v, ACC, &m), 0);
	/* "b1" is not a prefix match for "b10" */
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, "c1@hostC", "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "b10@hostB");
	assert_refused(&v, feed(&v, ACC, &m), "name_not_allowed");
	/* expected alive but outside the patterns */
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, "c1@hostC", "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "b1@hostZ");
	assert_refused(&v, feed(&v, ACC, &m), "name_not_allowed");
	/* inbound, the local acceptor's name is not checked */
	p = policy(f, 1, pat_hostA, 1);
	p.expect_alive = "nobody";
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, "q9@hostQ");
	assert_int_equal(feed(&v, ACC, &m), 0);
}

/*
 * Outbound, the remote acceptor must not rename the local initiator when
 * it did not ask for a name (no NAME_ME): the name picks the cookie the
 * acceptor's ack is checked with.
 */
static void
test_outbound_unasked_named(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;
	int rc;

	hs_verify_init(&v, &p);
	make_name(&m, FLAGS, 1002, LOCAL);
	assert_int_equal(feed(&v, INIT, &m), 0);
	make_named(&m, "a9@hostB.test", 1);
	rc = feed(&v, ACC, &m);
	if (rc == -1) {
		assert_refused(&v, rc, "malformed_handshake");
		return;
	}
	assert_int_equal(finish_hs(&v, REMOTE, f->ck, f->ck), 0);
	assert_string_equal(v.initiator, LOCAL);
	assert_string_equal(f->local, "b1");
}

static void
test_hidden(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;

	make_name(&m, FLAGS_HIDDEN, 1002, REMOTE);
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "hidden_not_allowed");
	p.allow_hidden = 1;
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
	assert_int_equal(v.hidden, 1);
	make_status(&m, "ok");
	assert_int_equal(feed(&v, ACC, &m), 0);
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
	assert_int_equal(v.checked_a, 1);
	/* hidden and outside the patterns: still refused */
	make_name(&m, FLAGS_HIDDEN, 1002, "a1@hostC.test");
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), -1);
	assert_int_not_equal(v.code, RC_OK);
	/* outbound, a hidden local initiator is fine */
	p = policy(f, 0, pat_hostA, 1);
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS_HIDDEN, LOCAL, "ok");
	assert_int_equal(finish_hs(&v, REMOTE, f->ck, f->ck), 0);
	assert_int_equal(v.checked_b, 1);
}

static void
test_name_me(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;

	/* not admitted without allow_hidden */
	make_name(&m, FLAGS_NAME_ME, 0, "hostA.test");
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "hidden_not_allowed");

	p.allow_hidden = 1;
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
	assert_int_equal(v.name_me, 1);
	assert_int_equal(v.hidden, 1);
	make_named(&m, "23CMMBNMXLCLT@hostA.test", 0xfd4e2aeeU);
	assert_int_equal(feed(&v, ACC, &m), 0);
	assert_string_equal(v.initiator, "23CMMBNMXLCLT@hostA.test");
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
	assert_int_equal(v.checked_a, 1);
	assert_string_equal(f->local, "b1");
	assert_string_equal(f->remote, "23CMMBNMXLCLT");

	/* the assigned name outside the patterns */
	make_name(&m, FLAGS_NAME_ME, 0, "hostA.test");
	hs_verify_init(&v, &p);
	assert_int_equal(feed(&v, INIT, &m), 0);
	make_named(&m, "23CMMBNMXLCLT@hostZ.test", 1);
	assert_refused(&v, feed(&v, ACC, &m), "name_not_allowed");
}

static void
test_alive_nok(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;

	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "alive");
	make_status(&m, "true");
	assert_int_equal(feed(&v, INIT, &m), 0);
	assert_int_equal(finish_hs(&v, LOCAL, f->ck, f->ck), 0);
	assert_int_equal(v.checked_a, 1);
	/* the answer does not disturb the digest check */
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "alive");
	make_status(&m, "true");
	assert_int_equal(feed(&v, INIT, &m), 0);
	assert_refused(&v, finish_hs(&v, LOCAL, f->other, f->ck),
	    "bad_cookie");

	/* nok: nothing more follows, nothing was checked */
	f->calls = 0;
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "nok");
	assert_int_equal(f->calls, 0);
	assert_int_equal(v.checked_a, 0);
	assert_int_equal(v.have_chb, 0);
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "not_allowed");
	assert_int_equal(v.have_chb, 0);
}

static void
test_old_name_complement(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	const struct cookie *use[2] = { f->ck, f->other };
	struct hs_verify v;
	struct msg m;
	uint8_t d[16];

	for (int i = 0; i < 2; i++) {
		hs_verify_init(&v, &p);
		make_name_old(&m, (uint32_t)FLAGS, REMOTE);
		assert_int_equal(feed(&v, INIT, &m), 0);
		assert_string_equal(v.initiator, REMOTE);
		make_status(&m, "ok");
		assert_int_equal(feed(&v, ACC, &m), 0);
		make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
		assert_int_equal(feed(&v, ACC, &m), 0);
		make_complement(&m, (uint32_t)(FLAGS >> 32), 1002);
		assert_int_equal(feed(&v, INIT, &m), 0);
		digest_of(use[i], CHAL_B, d);
		make_reply(&m, CHAL_A, d);
		if (i == 0) {
			assert_int_equal(feed(&v, INIT, &m), 0);
			assert_int_equal(v.checked_a, 1);
		} else
			assert_refused(&v, feed(&v, INIT, &m), "bad_cookie");
	}
	/* old name outside the patterns, and hidden */
	make_name_old(&m, (uint32_t)FLAGS, "a1@hostC.test");
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "name_not_allowed");
	make_name_old(&m, (uint32_t)FLAGS_HIDDEN, REMOTE);
	hs_verify_init(&v, &p);
	assert_refused(&v, feed(&v, INIT, &m), "hidden_not_allowed");
}

static void
test_order_and_malformed(void **state)
{
	struct fixture *f = *state;
	struct hs_policy in = policy(f, 1, pat_hostA, 1);
	struct hs_policy out = policy(f, 0, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;
	uint8_t d[16];

	/* reply before any challenge, with a cookie */
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	digest_of(f->ck, CHAL_B, d);
	make_reply(&m, CHAL_A, d);
	assert_refused(&v, feed(&v, INIT, &m), "malformed_handshake");
	/* ack before the reply, outbound with a cookie */
	hs_verify_init(&v, &out);
	open_hs(&v, FLAGS, LOCAL, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, REMOTE);
	assert_int_equal(feed(&v, ACC, &m), 0);
	digest_of(f->ck, CHAL_A, d);
	make_ack(&m, d);
	assert_refused(&v, feed(&v, ACC, &m), "malformed_handshake");
	/* unexpected tags */
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	make_status(&m, "");
	m.b[0] = 'x';
	assert_refused(&v, feed(&v, INIT, &m), "malformed_handshake");
	hs_verify_init(&v, &in);
	open_hs(&v, FLAGS, REMOTE, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
	assert_int_equal(feed(&v, ACC, &m), 0);
	m.b[0] = 'x';
	m.n = 17;
	assert_refused(&v, feed(&v, ACC, &m), "malformed_handshake");
	/* the first message must be a name, then a status */
	hs_verify_init(&v, &in);
	make_status(&m, "ok");
	assert_refused(&v, feed(&v, INIT, &m), "malformed_handshake");
	hs_verify_init(&v, &in);
	make_name(&m, FLAGS, 1, REMOTE);
	assert_int_equal(feed(&v, INIT, &m), 0);
	make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
	assert_refused(&v, feed(&v, ACC, &m), "malformed_handshake");
	hs_verify_init(&v, &in);
	make_status(&m, "maybe");
	assert_refused(&v, feed(&v, ACC, &m), "malformed_handshake");
	/* empty messages, either side, any time */
	for (int from = 0; from <= 1; from++) {
		hs_verify_init(&v, &in);
		assert_refused(&v, hs_verify_msg(&v, from, m.b, 0),
		    "malformed_handshake");
		hs_verify_init(&v, &out);
		open_hs(&v, FLAGS, LOCAL, "ok");
		assert_refused(&v, hs_verify_msg(&v, from, m.b, 0),
		    "malformed_handshake");
	}
}

/* Every proper prefix of each message, at its place, is malformed. */
static void
test_truncated(void **state)
{
	struct fixture *f = *state;
	struct hs_policy p = policy(f, 1, pat_hostA, 1);
	struct hs_verify v;
	struct msg m;
	uint8_t d[16];
	size_t n;

	make_name(&m, FLAGS, 1002, REMOTE);
	for (n = 1; n < m.n; n++) {
		hs_verify_init(&v, &p);
		assert_refused(&v, hs_verify_msg(&v, INIT, m.b, n),
		    "malformed_handshake");
	}
	make_name_old(&m, (uint32_t)FLAGS, REMOTE);
	for (n = 1; n < 8; n++) {
		hs_verify_init(&v, &p);
		assert_refused(&v, hs_verify_msg(&v, INIT, m.b, n),
		    "malformed_handshake");
	}
	p.allow_hidden = 1;
	make_named(&m, "x@hostA.test", 7);
	for (n = 1; n < m.n; n++) {
		struct msg nm;

		hs_verify_init(&v, &p);
		make_name(&nm, FLAGS_NAME_ME, 0, "hostA.test");
		assert_int_equal(feed(&v, INIT, &nm), 0);
		assert_refused(&v, hs_verify_msg(&v, ACC, m.b, n),
		    "malformed_handshake");
	}
	p.allow_hidden = 0;
	make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
	for (n = 1; n < m.n; n++) {
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, REMOTE, "ok");
		assert_refused(&v, hs_verify_msg(&v, ACC, m.b, n),
		    "malformed_handshake");
	}
	digest_of(f->ck, CHAL_B, d);
	for (n = 1; n <= 22; n++) {
		if (n == 21)
			continue;
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, REMOTE, "ok");
		make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
		assert_int_equal(feed(&v, ACC, &m), 0);
		make_reply(&m, CHAL_A, d);
		m.b[21] = 0;
		assert_refused(&v, hs_verify_msg(&v, INIT, m.b, n),
		    "malformed_handshake");
	}
	for (n = 1; n <= 18; n++) {
		if (n == 17)
			continue;
		hs_verify_init(&v, &p);
		open_hs(&v, FLAGS, REMOTE, "ok");
		make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
		assert_int_equal(feed(&v, ACC, &m), 0);
		make_ack(&m, d);
		m.b[17] = 0;
		assert_refused(&v, hs_verify_msg(&v, ACC, m.b, n),
		    "malformed_handshake");
	}
	/* a complement is 9 bytes; 'c' is only taken from the initiator */
	hs_verify_init(&v, &p);
	open_hs(&v, FLAGS, REMOTE, "ok");
	make_challenge(&m, FLAGS, CHAL_B, 1003, LOCAL);
	assert_int_equal(feed(&v, ACC, &m), 0);
	make_complement(&m, 0, 0);
	assert_refused(&v, feed(&v, ACC, &m), "malformed_handshake");
}

/* ---- fuzz ---- */

static uint32_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

enum {
	T_NAME, T_NAME_HIDDEN, T_NAME_ME, T_NAME_OLD, T_OK, T_ALIVE, T_NOK,
	T_NAMED, T_NAMED_BAD, T_CHAL_LOCAL, T_CHAL_REMOTE, T_TRUE,
	T_COMPLEMENT, T_REPLY, T_ACK, T_COUNT
};

static void
make_templates(const struct fixture *f, struct msg t[T_COUNT])
{
	uint8_t d[16];

	make_name(&t[T_NAME], FLAGS, 1002, REMOTE);
	make_name(&t[T_NAME_HIDDEN], FLAGS_HIDDEN, 1002, REMOTE);
	make_name(&t[T_NAME_ME], FLAGS_NAME_ME, 0, "hostA.test");
	make_name_old(&t[T_NAME_OLD], (uint32_t)FLAGS, REMOTE);
	make_status(&t[T_OK], "ok");
	make_status(&t[T_ALIVE], "alive");
	make_status(&t[T_NOK], "nok");
	make_named(&t[T_NAMED], "X1@hostA.test", 5);
	make_named(&t[T_NAMED_BAD], "X1@hostZ.test", 5);
	make_challenge(&t[T_CHAL_LOCAL], FLAGS, CHAL_B, 1003, LOCAL);
	make_challenge(&t[T_CHAL_REMOTE], FLAGS, CHAL_B, 1003, REMOTE);
	make_status(&t[T_TRUE], "true");
	make_complement(&t[T_COMPLEMENT], (uint32_t)(FLAGS >> 32), 1002);
	digest_of(f->ck, CHAL_B, d);
	make_reply(&t[T_REPLY], CHAL_A, d);
	digest_of(f->ck, CHAL_A, d);
	make_ack(&t[T_ACK], d);
}

/* A first byte: mostly real tags, some that are not. */
static uint8_t
random_tag(uint64_t *rs)
{
	static const uint8_t tags[] = "NnsrcaxA";

	return tags[rng_next(rs) % (sizeof(tags) - 1)];
}

static void
mutate(struct msg *m, uint64_t *rs)
{
	switch (rng_next(rs) % 4) {
	case 0:
		for (uint32_t k = 1 + rng_next(rs) % 3; k > 0; k--)
			m->b[rng_next(rs) % m->n] = (uint8_t)rng_next(rs);
		break;
	case 1:
		m->n = rng_next(rs) % m->n;
		break;
	case 2:
		for (uint32_t k = 1 + rng_next(rs) % 16; k > 0; k--)
			m->b[m->n++] = (uint8_t)rng_next(rs);
		break;
	default:
		m->b[0] = random_tag(rs);
		break;
	}
}

/* Fuzz counters: how often each outcome was reached. */
struct fuzz_hits {
	unsigned long msgs, checked_a, checked_b, codes[4];
};

static const char *const codes[4] = {
	"malformed_handshake", "name_not_allowed", "hidden_not_allowed",
	"bad_cookie",
};

/* Feeds M and checks the verifier's invariants.  Returns the result. */
static int
fuzz_feed(struct hs_verify *v, const struct fixture *f, int from,
    const struct msg *m, struct fuzz_hits *h)
{
	int rc = hs_verify_msg(v, from, m->b, m->n);
	int known = -1;

	h->msgs++;
	assert_non_null(memchr(v->initiator, '\0', sizeof(v->initiator)));
	assert_non_null(memchr(v->acceptor, '\0', sizeof(v->acceptor)));
	assert_true(v->checked_a == 0 || v->checked_a == 1);
	assert_true(v->checked_b == 0 || v->checked_b == 1);
	/* digests are checked only for the remote side, with a cookie */
	if (v->checked_a)
		assert_true(v->pol.remote_initiator && f->give != NULL);
	if (v->checked_b)
		assert_true(!v->pol.remote_initiator && f->give != NULL);
	if (rc == 0) {
		assert_int_equal(v->code, RC_OK);
		return 0;
	}
	assert_int_equal(rc, -1);
	assert_int_not_equal(v->code, RC_OK);
	for (int i = 0; i < 4; i++)
		if (strcmp(reason_code(v->code), codes[i]) == 0)
			known = i;
	if (known < 0)
		fail_msg("unknown refusal code %s", reason_code(v->code));
	h->codes[known]++;
	assert_non_null(memchr(v->reason, '\0', sizeof(v->reason)));
	assert_true(v->reason[0] != '\0');
	assert_null(strstr(v->reason, COOKIE_TEXT));
	return -1;
}

/* One handshake in protocol order; one message may be mutated. */
static void
fuzz_ordered(struct hs_verify *v, struct fixture *f,
    const struct msg t[T_COUNT], uint64_t *rs, struct fuzz_hits *h)
{
	static const int first[] = { T_NAME, T_NAME_HIDDEN, T_NAME_ME,
	    T_NAME_OLD };
	int seq[8], from[8], n = 0, bad;
	int name = first[rng_next(rs) % 4];
	int inbound = v->pol.remote_initiator;
	struct msg m;

	seq[n] = name, from[n++] = INIT;
	if (name == T_NAME_ME)
		seq[n] = rng_next(rs) % 4 ? T_NAMED : T_NAMED_BAD;
	else
		seq[n] = rng_next(rs) % 4 ? T_OK : T_ALIVE;
	from[n++] = ACC;
	if (seq[n - 1] == T_ALIVE)
		seq[n] = T_TRUE, from[n++] = INIT;
	seq[n] = inbound ? T_CHAL_LOCAL : T_CHAL_REMOTE, from[n++] = ACC;
	if (name == T_NAME_OLD)
		seq[n] = T_COMPLEMENT, from[n++] = INIT;
	seq[n] = T_REPLY, from[n++] = INIT;
	seq[n] = T_ACK, from[n++] = ACC;
	bad = rng_next(rs) % 3 == 0 ? (int)(rng_next(rs) % (uint32_t)n) : -1;
	for (int i = 0; i < n; i++) {
		m = t[seq[i]];
		if (i == bad)
			mutate(&m, rs);
		if (fuzz_feed(v, f, from[i], &m, h) == -1)
			return;
	}
	h->checked_a += (unsigned long)v->checked_a;
	h->checked_b += (unsigned long)v->checked_b;
}

/* Random messages from random sides in random order. */
static void
fuzz_random(struct hs_verify *v, struct fixture *f,
    const struct msg t[T_COUNT], uint64_t *rs, struct fuzz_hits *h)
{
	struct msg m;

	for (uint32_t k = 2 + rng_next(rs) % 7; k > 0; k--) {
		uint32_t r = rng_next(rs);

		if (r % 4 != 0) {
			m = t[(r >> 2) % T_COUNT];
			if ((r >> 8) % 2)
				mutate(&m, rs);
		} else {
			m.n = rng_next(rs) % 64;
			for (size_t i = 0; i < m.n; i++)
				m.b[i] = (uint8_t)rng_next(rs);
			if (m.n > 0 && (r >> 2) % 2)
				m.b[0] = random_tag(rs);
		}
		if (fuzz_feed(v, f, (int)((r >> 12) & 1), &m, h) == -1)
			return;
	}
}

static void
test_fuzz(void **state)
{
	static char **const pats[] = { pat_hostA, pat_two, pat_app };
	static const size_t npats[] = { 1, 2, 1 };
	struct fixture *f = *state;
	struct msg t[T_COUNT];
	struct fuzz_hits h;
	struct hs_verify v;
	uint64_t rs = 0x2545f4914f6cdd1dULL;

	memset(&h, 0, sizeof(h));
	make_templates(f, t);
	for (int iter = 0; iter < 150000; iter++) {
		uint32_t r = rng_next(&rs);
		struct hs_policy p = policy(f, (int)(r & 1), pats[(r >> 1) % 3],
		    npats[(r >> 1) % 3]);

		p.allow_hidden = (int)((r >> 4) & 1);
		p.expect_alive = (r >> 5) & 1 ? "a1" : NULL;
		f->give = (r >> 6) % 4 ? f->ck : NULL;
		hs_verify_init(&v, &p);
		if ((r >> 8) % 2)
			fuzz_ordered(&v, f, t, &rs, &h);
		else
			fuzz_random(&v, f, t, &rs, &h);
	}
	f->give = f->ck;
	print_message("fuzz: %lu messages, checked %lu/%lu, refused %lu %lu "
	    "%lu %lu\n", h.msgs, h.checked_a, h.checked_b, h.codes[0],
	    h.codes[1], h.codes[2], h.codes[3]);
	/* the loop reaches the accepting paths and every refusal */
	assert_true(h.msgs > 250000);
	assert_true(h.checked_a > 1000);
	assert_true(h.checked_b > 1000);
	for (int i = 0; i < 4; i++)
		assert_true(h.codes[i] > 300);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_inbound_good),
		TEST(test_outbound_good),
		TEST(test_bad_digests),
		TEST(test_admit_hook),
		TEST(test_local_side_not_checked),
		TEST(test_no_cookie),
		TEST(test_inbound_names),
		TEST(test_outbound_names),
		TEST(test_outbound_unasked_named),
		TEST(test_hidden),
		TEST(test_name_me),
		TEST(test_alive_nok),
		TEST(test_old_name_complement),
		TEST(test_order_and_malformed),
		TEST(test_truncated),
		TEST(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
