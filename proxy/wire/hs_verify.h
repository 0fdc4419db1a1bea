/*
 * hs_verify.h — what the gateway checks in a relayed distribution
 * handshake, as a pure state machine over the messages it sees.
 *
 * The foreign side (the remote node, behind the peer gateway) must prove
 * what the local node would check, before the local node sees its proof:
 * inbound (remote initiator) the challenge reply's digest against the
 * local acceptor's challenge, its node name against the peer's patterns
 * and its hidden flag against the peer's policy; outbound (remote
 * acceptor) its name against the peer's patterns and its challenge ack's
 * digest against the local initiator's challenge.  No I/O: the caller
 * feeds every handshake payload in order and forwards a message only when
 * hs_verify_msg() accepts it.  Layouts: OTP's dist_util.erl.
 */
#ifndef DISTGATE_HS_VERIFY_H
#define DISTGATE_HS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/wire/reason.h"

struct cookie;

#define HS_NAME_MAX	256

/* What the verifier needs to know about the connection. */
struct hs_policy {
	int remote_initiator;		/* 1 inbound, 0 outbound */
	char *const *names;		/* fnmatch patterns the remote node's
					   full name must match */
	size_t nnames;
	int allow_hidden;		/* remote hidden initiator admitted */
	const char *expect_alive;	/* outbound: the acceptor's alive name
					   must be this (NULL: any) */
	/* Returns the cookie for the pair (alive names; either may be ""),
	 * or NULL when digests are not checked. */
	const struct cookie *(*cookie_for)(void *arg, const char *local_alive,
	    const char *remote_alive);
	/* Inbound: asked with the remote initiator's full name once it is
	 * known and allowed (GUESS 0), and again right before the digest of
	 * its challenge reply is checked (GUESS 1: a cookie guess is about to
	 * be judged).  Returns RC_OK to go on, or the code to refuse with,
	 * its reason written into WHY.  NULL: nothing to ask. */
	enum reason (*admit)(void *arg, const char *initiator, int guess,
	    char *why, size_t whylen);
	void *arg;
};

struct hs_verify {
	struct hs_policy pol;
	unsigned nmsg_init, nmsg_acc;	/* messages seen from each side */
	int hidden;
	int name_me;			/* dynamic name requested */
	int have_cha, have_chb;
	uint32_t chal_a, chal_b;	/* initiator's / acceptor's */
	int checked_a, checked_b;	/* digests verified */
	char initiator[HS_NAME_MAX];	/* full names, "" until known */
	char acceptor[HS_NAME_MAX];
	enum reason code;		/* refusal code; RC_OK until refused */
	char reason[160];
};

/* Starts a verifier with POL (copied). */
void hs_verify_init(struct hs_verify *v, const struct hs_policy *pol);

/*
 * Takes the next handshake payload (the message without its length)
 * sent by the initiator (FROM_INITIATOR 1) or the acceptor.  Returns 0 to
 * forward it, -1 to refuse the connection: v->code is one of
 * RC_MALFORMED_HANDSHAKE, RC_NAME_NOT_ALLOWED, RC_HIDDEN_NOT_ALLOWED,
 * RC_BAD_COOKIE or a code the admit hook returned, and v->reason says why
 * (never a cookie or digest).  A refusal is final: every later call
 * returns -1 and leaves code and reason as they are.
 */
int hs_verify_msg(struct hs_verify *v, int from_initiator, const uint8_t *p,
    size_t len);

/* Copies the alive part of a full node name NAME into OUT (cap bytes). */
void hs_alive(const char *name, char *out, size_t cap);

#endif
