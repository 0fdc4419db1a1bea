/* hs_verify.c — see hs_verify.h. */
#include "proxy/wire/hs_verify.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/cookie.h"
#include "proxy/wire/dist_hs.h"

static int
refuse(struct hs_verify *v, enum reason code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct hs_verify *v, enum reason code, const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return -1;
}

void
hs_verify_init(struct hs_verify *v, const struct hs_policy *pol)
{
	memset(v, 0, sizeof(*v));
	v->pol = *pol;
}

void
hs_alive(const char *name, char *out, size_t cap)
{
	const char *at = strchr(name, '@');
	size_t n = at ? (size_t)(at - name) : strlen(name);

	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

static void
set_name(char *dst, const char *src)
{
	snprintf(dst, HS_NAME_MAX, "%.*s", HS_NAME_MAX - 1, src);
}

/* Node names reach logs: refuse control bytes and quotes outright. */
static int
check_printable(struct hs_verify *v, const char *name)
{
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
			return refuse(v, RC_MALFORMED_HANDSHAKE, "node name "
			    "holds a control or quote character");
	return 0;
}

/* The remote node's full name must match one of the peer's patterns. */
static int
check_name(struct hs_verify *v, const char *name)
{
	for (size_t i = 0; i < v->pol.nnames; i++)
		if (fnmatch(v->pol.names[i], name, 0) == 0)
			return 0;
	return refuse(v, RC_NAME_NOT_ALLOWED, "node name %.*s not allowed for "
	    "this peer", 128, name);
}

/* The policy's admit hook, if any, on the remote initiator NAME. */
static int
admit(struct hs_verify *v, const char *name, int guess)
{
	char why[sizeof(v->reason)];
	enum reason r;

	if (v->pol.admit == NULL)
		return 0;
	why[0] = '\0';
	if ((r = v->pol.admit(v->pol.arg, name, guess, why, sizeof(why))) ==
	    RC_OK)
		return 0;
	return refuse(v, r, "%s", why[0] ? why : reason_code(r));
}

/* An inbound initiator's name: within the patterns, then admitted. */
static int
check_initiator(struct hs_verify *v, const char *name)
{
	if (check_name(v, name) == -1)
		return -1;
	return admit(v, name, 0);
}

static const struct cookie *
pair_cookie(const struct hs_verify *v)
{
	char ia[HS_NAME_MAX], aa[HS_NAME_MAX];

	if (v->pol.cookie_for == NULL)
		return NULL;
	hs_alive(v->initiator, ia, sizeof(ia));
	hs_alive(v->acceptor, aa, sizeof(aa));
	return v->pol.remote_initiator ?
	    v->pol.cookie_for(v->pol.arg, aa, ia) :
	    v->pol.cookie_for(v->pol.arg, ia, aa);
}

static int
from_initiator(struct hs_verify *v, const uint8_t *p, size_t len)
{
	const char *why = NULL;
	uint8_t digest[16];

	if (v->nmsg_init++ == 0) {
		struct dist_name nm;
		if (dist_parse_name(p, len, &nm, &why) == -1)
			return refuse(v, RC_MALFORMED_HANDSHAKE,
			    "send_name: %s", why);
		if (check_printable(v, nm.name) == -1)
			return -1;
		v->name_me = (nm.flags & DIST_FLAG_NAME_ME) != 0;
		v->hidden = (nm.flags & DIST_FLAG_PUBLISHED) == 0 ||
		    v->name_me;
		set_name(v->initiator, nm.name);
		if (!v->pol.remote_initiator)
			return 0;
		if (v->hidden && !v->pol.allow_hidden)
			return refuse(v, RC_HIDDEN_NOT_ALLOWED, "hidden "
			    "connection from %.*s not allowed for this peer",
			    128, nm.name);
		/* A dynamic name is checked when the acceptor assigns it. */
		return v->name_me ? 0 : check_initiator(v, nm.name);
	}
	switch (p[0]) {
	case 's':			/* answer to "alive" */
	case 'c':			/* complement after an old 'n' */
		return 0;
	case 'r':
		break;
	default:
		return refuse(v, RC_MALFORMED_HANDSHAKE, "unexpected message "
		    "'%c' from the initiator", p[0] >= 0x20 && p[0] < 0x7f ?
		    p[0] : '?');
	}
	if (dist_parse_reply(p, len, &v->chal_a, digest, &why) == -1)
		return refuse(v, RC_MALFORMED_HANDSHAKE, "challenge reply: %s",
		    why);
	v->have_cha = 1;
	if (!v->pol.remote_initiator)
		return 0;
	const struct cookie *ck = pair_cookie(v);
	if (ck == NULL)
		return 0;
	if (!v->have_chb)
		return refuse(v, RC_MALFORMED_HANDSHAKE, "challenge reply "
		    "before any challenge");
	if (admit(v, v->initiator, 1) == -1)
		return -1;
	if (!cookie_check(ck, v->chal_b, digest))
		return refuse(v, RC_BAD_COOKIE, "initiator %.*s does not know "
		    "the cookie", 128, v->initiator);
	v->checked_a = 1;
	return 0;
}

static int
from_acceptor(struct hs_verify *v, const uint8_t *p, size_t len)
{
	const char *why = NULL;
	uint8_t digest[16];
	unsigned n = v->nmsg_acc++;

	if (n == 0) {
		struct dist_status st;
		if (dist_parse_status(p, len, &st, &why) == -1)
			return refuse(v, RC_MALFORMED_HANDSHAKE, "status: %s",
			    why);
		if (strcmp(st.text, "named:") != 0)
			return 0;
		if (!v->name_me)
			return refuse(v, RC_MALFORMED_HANDSHAKE, "named: status "
			    "without a dynamic-name request");
		if (check_printable(v, st.name) == -1)
			return -1;
		set_name(v->initiator, st.name);
		/* Inbound, the local acceptor named the remote initiator. */
		return v->pol.remote_initiator ? check_initiator(v, st.name) :
		    0;
	}
	if (n == 1) {
		struct dist_challenge ch;
		if (dist_parse_challenge(p, len, &ch, &why) == -1)
			return refuse(v, RC_MALFORMED_HANDSHAKE, "challenge: %s",
			    why);
		if (check_printable(v, ch.name) == -1)
			return -1;
		v->chal_b = ch.challenge;
		v->have_chb = 1;
		set_name(v->acceptor, ch.name);
		if (v->pol.remote_initiator)
			return 0;
		if (v->pol.expect_alive != NULL) {
			char alive[HS_NAME_MAX];
			hs_alive(ch.name, alive, sizeof(alive));
			if (strcmp(alive, v->pol.expect_alive) != 0)
				return refuse(v, RC_NAME_NOT_ALLOWED, "acceptor "
				    "%.*s is not the node %s asked for", 100,
				    ch.name, v->pol.expect_alive);
		}
		return check_name(v, ch.name);
	}
	if (p[0] != 'a')
		return refuse(v, RC_MALFORMED_HANDSHAKE, "unexpected message "
		    "'%c' from the acceptor", p[0] >= 0x20 && p[0] < 0x7f ?
		    p[0] : '?');
	if (dist_parse_ack(p, len, digest, &why) == -1)
		return refuse(v, RC_MALFORMED_HANDSHAKE, "challenge ack: %s",
		    why);
	if (v->pol.remote_initiator)
		return 0;
	const struct cookie *ck = pair_cookie(v);
	if (ck == NULL)
		return 0;
	if (!v->have_cha)
		return refuse(v, RC_MALFORMED_HANDSHAKE, "challenge ack before "
		    "the challenge reply");
	if (!cookie_check(ck, v->chal_a, digest))
		return refuse(v, RC_BAD_COOKIE, "acceptor %.*s does not know the "
		    "cookie", 128, v->acceptor);
	v->checked_b = 1;
	return 0;
}

int
hs_verify_msg(struct hs_verify *v, int from_init, const uint8_t *p,
    size_t len)
{
	/* A refusal is final: nothing after it is forwarded, and its code
	 * and reason stay those of the first refusal. */
	if (v->code != RC_OK)
		return -1;
	if (len == 0)
		return refuse(v, RC_MALFORMED_HANDSHAKE, "empty message");
	return from_init ? from_initiator(v, p, len) :
	    from_acceptor(v, p, len);
}
