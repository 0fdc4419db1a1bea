/* guard.c — the lockout model on inbound connections.  See guard.h. */
#include "proxy/guard.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/lockout.h"
#include "proxy/wire/trust.h"

static void
node_key(char *key, const char *identity, const char *name)
{
	snprintf(key, LOCKOUT_KEY_MAX, "node:%s/%s", identity,
	    name[0] ? name : "-");
}

void
guard_count(struct gateway *gw, const struct guard_subject *s,
    enum reason code)
{
	char key[LOCKOUT_KEY_MAX];

	if (!reason_counts(code))
		return;
	if (s->identity == NULL) {
		snprintf(key, sizeof(key), "addr:%s", s->ip);
		(void)gateway_failure(gw, key);
		return;
	}
	if (code == RC_BAD_REQUEST) {
		snprintf(key, sizeof(key), "id:%s", s->identity);
		(void)gateway_failure(gw, key);
		return;
	}
	node_key(key, s->identity, s->initiator);
	(void)gateway_failure(gw, key);
	if (code == RC_BAD_COOKIE && gw->trust != NULL)
		(void)trust_wrong(gw->trust, s->identity,
		    s->initiator[0] ? s->initiator : "-", clock_ms());
}

int
guard_under(struct gateway *gw, const struct guard_subject *s,
    const char *key)
{
	char own[LOCKOUT_KEY_MAX];

	if (strncmp(key, "addr:", 5) == 0)
		return s->identity == NULL && strcmp(key + 5, s->ip) == 0 &&
		    !(gw->trust != NULL && trust_addr_good(gw->trust, s->ip,
		    clock_ms()));
	if (s->identity == NULL)
		return 0;
	if (strncmp(key, "id:", 3) == 0)
		return strcmp(key + 3, s->identity) == 0;
	if (strncmp(key, "node:", 5) == 0 && !s->settled &&
	    s->initiator[0] != '\0') {
		node_key(own, s->identity, s->initiator);
		return strcmp(key, own) == 0;
	}
	return 0;
}

enum reason
guard_admit(struct gateway *gw, const char *identity, const char *name,
    int guess, char *why, size_t whylen)
{
	char key[LOCKOUT_KEY_MAX];
	uint64_t now = clock_ms();

	node_key(key, identity, name);
	if (!guess && lockout_banned(gw->lockout, key, now)) {
		snprintf(why, whylen, "node %s of %s is locked out", name,
		    identity);
		return RC_LOCKED_OUT;
	}
	if (gw->trust != NULL && !trust_may_guess(gw->trust, identity, name,
	    now)) {
		snprintf(why, whylen, "%s has sent %u wrong cookies within the "
		    "last hour and %s is not known good", identity,
		    gw->cfg->lockout_guesses, name);
		return RC_GUESS_LIMIT;
	}
	return RC_OK;
}

void
guard_proved(struct gateway *gw, const char *identity, const char *name)
{
	if (gw->trust != NULL && name[0] != '\0')
		trust_proved(gw->trust, identity, name, clock_ms());
}

int
guard_refuse_addr(struct gateway *gw, const char *ip)
{
	char key[LOCKOUT_KEY_MAX];
	uint64_t now = clock_ms();

	snprintf(key, sizeof(key), "addr:%s", ip);
	if (!lockout_banned(gw->lockout, key, now))
		return 0;
	if (gw->trust != NULL && trust_addr_good(gw->trust, ip, now)) {
		log_debug("lockout key=%s banned, but a peer's certificate "
		    "came from it recently: TLS goes on", key);
		return 0;
	}
	return 1;
}

void
guard_addr_proved(struct gateway *gw, const char *ip)
{
	if (gw->trust != NULL)
		trust_addr_proved(gw->trust, ip, clock_ms());
}
