/* conn.c — connection lifecycle: creation, states, timers, close.  See conn.h. */
#include "proxy/conn.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/epmdc.h"
#include "proxy/gwlink.h"
#include "proxy/inbound.h"
#include "crypto/ident.h"
#include "proxy/wire/hs_verify.h"
#include "proxy/wire/lockout.h"
#include "proxy/util/log.h"
#include "proxy/splice.h"

#define REQUEST_IDLE_MS	30000	/* inbound: silence allowed between requests */

static const char *state_names[] = {
	"new", "tls_accept", "requests", "node_connect", "route",
	"handshake", "established", "closed",
};

const char *
conn_state_name(enum conn_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[s];
	return "?";
}

static void conn_timeout(evutil_socket_t, short, void *);
static void conn_kicked(evutil_socket_t, short, void *);

struct conn *
conn_new(struct gateway *gw, int outbound)
{
	struct conn *c;

	if (gateway_admit(gw, outbound ? "outbound" : "inbound") == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		gateway_release(gw);
		return NULL;
	}
	c->id = gateway_next_id(gw);
	c->gw = gw;
	c->next = gw->conns;
	if (gw->conns != NULL)
		gw->conns->prev = c;
	gw->conns = c;
	c->outbound = outbound != 0;
	c->peer_idx = -1;
	half_init(&c->local);
	half_init(&c->remote);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->last_io = c->t0.tv_sec;
	snprintf(c->raddr, sizeof(c->raddr), "-");
	snprintf(c->ident, sizeof(c->ident), "-");
	c->timer = evtimer_new(gw->base, conn_timeout, c);
	c->kick = event_new(gw->base, -1, 0, conn_kicked, c);
	if (c->timer == NULL || c->kick == NULL) {
		conn_close(c, "internal", "out of memory");
		return NULL;
	}
	return c;
}

static int
transition_ok(enum conn_state from, enum conn_state to)
{
	switch (to) {
	case CONN_TLS_ACCEPT:
	case CONN_ROUTE:
		return from == CONN_NEW;
	case CONN_REQUESTS:
		return from == CONN_TLS_ACCEPT;
	case CONN_NODE_CONNECT:
		return from == CONN_REQUESTS;
	case CONN_HANDSHAKE:
		/* REQUESTS: a bastion's inside leg came up through a link. */
		return from == CONN_NODE_CONNECT || from == CONN_ROUTE ||
		    from == CONN_REQUESTS;
	case CONN_ESTABLISHED:
		return from == CONN_HANDSHAKE;
	case CONN_CLOSED:
		return 1;
	default:
		return 0;
	}
}

static unsigned
state_timeout_ms(const struct conn *c, enum conn_state s)
{
	const struct config *cfg = c->gw->cfg;

	switch (s) {
	case CONN_TLS_ACCEPT:
		return cfg->tls_timeout_ms;
	case CONN_REQUESTS:
		return REQUEST_IDLE_MS;
	case CONN_NODE_CONNECT:
		return cfg->connect_timeout_ms;
	case CONN_ROUTE:
		return cfg->connect_timeout_ms + cfg->tls_timeout_ms;
	case CONN_HANDSHAKE:
		return cfg->handshake_timeout_ms;
	case CONN_ESTABLISHED:
		/* Checked every half period against last_io. */
		return cfg->idle_timeout_ms / 2;
	default:
		return 0;
	}
}

void
conn_rearm(struct conn *c)
{
	unsigned ms;

	(void)evtimer_del(c->timer);
	if ((ms = state_timeout_ms(c, c->state)) > 0) {
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
		(void)evtimer_add(c->timer, &tv);
	}
}

void
conn_set_state(struct conn *c, enum conn_state state)
{
	assert(transition_ok(c->state, state));
	log_debug("conn=%llu state %s -> %s", (unsigned long long)c->id,
	    conn_state_name(c->state), conn_state_name(state));
	c->state = state;
	conn_rearm(c);
}


int
conn_fail(struct conn *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->whybuf, sizeof(c->whybuf), fmt, ap);
	va_end(ap);
	c->why = c->whybuf;
	return -1;
}

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timespec now;

	(void)fd;
	(void)what;
	if (c->state == CONN_ESTABLISHED) {
		const struct config *cfg = c->gw->cfg;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - c->last_io) * 1000 <
		    (long long)cfg->idle_timeout_ms) {
			unsigned ms = cfg->idle_timeout_ms / 2;
			struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
			(void)evtimer_add(c->timer, &tv);
			return;
		}
		conn_close(c, "timeout", "idle timeout");
		return;
	}
	conn_close(c, "timeout",
	    c->state == CONN_TLS_ACCEPT ? "TLS handshake timeout" :
	    c->state == CONN_REQUESTS ? "no request in time" :
	    c->state == CONN_NODE_CONNECT ? "node connect timeout" :
	    c->state == CONN_ROUTE ? "route timeout" :
	    c->state == CONN_HANDSHAKE ? "distribution handshake timeout" :
	    "timeout");
}

static int
conn_step(struct conn *c)
{
	switch (c->state) {
	case CONN_TLS_ACCEPT:
	case CONN_REQUESTS:
	case CONN_NODE_CONNECT:
		return inbound_step(c);
	case CONN_HANDSHAKE:
	case CONN_ESTABLISHED:
		return splice_pump(c);
	default:
		return 0;	/* CONN_ROUTE waits on its link */
	}
}

void
conn_io(int fd, short what, void *arg)
{
	struct conn *c = arg;
	struct half *h = fd == c->local.fd ? &c->local :
	    fd == c->remote.fd ? &c->remote : NULL;

	if (h != NULL && ((what & EV_READ) ||
	    ((what & EV_WRITE) && h->rd_needs_w)))
		h->rd_ready = 1;
	if (conn_step(c) == -1)
		conn_close(c, c->code ? c->code : "internal",
		    c->why ? c->why : "error");
}

static void
conn_kicked(evutil_socket_t fd, short what, void *arg)
{
	conn_io(fd, what, arg);
}

void
conn_kick(struct conn *c)
{
	event_active(c->kick, EV_TIMEOUT, 0);
}

/* Codes whose conns count as failures of their source (lockout). */
static int
counted(const char *code)
{
	static const char *const list[] = {
		"bad_cookie", "name_not_allowed", "hidden_not_allowed",
		"malformed_handshake", "bad_certificate", "identity_not_allowed",
		"tls_failed", "bad_request",
	};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

static const char *
verdict(const char *code)
{
	static const char *const errors[] = {
		"timeout", "io_error", "link_failed", "unreachable",
		"route_refused", "handshake_aborted", "internal",
	};
	if (strcmp(code, "ok") == 0 || strcmp(code, "shutdown") == 0)
		return "ok";
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strcmp(code, errors[i]) == 0)
			return "error";
	return "refused";
}

void
conn_close(struct conn *c, const char *code, const char *reason)
{
	struct timespec now;
	struct gateway *gw = c->gw;
	const struct config *cfg = gw->cfg;
	const char *peer = c->peer_idx >= 0 ?
	    cfg->peers[c->peer_idx].name : "-";
	X509 *cert = c->remote.ssl ? SSL_get0_peer_certificate(c->remote.ssl) :
	    NULL;
	char when[32], desc[320];

	if (c->hv != NULL) {
		if (c->initiator[0] == '\0')
			snprintf(c->initiator, sizeof(c->initiator), "%.*s",
			    CONN_NAME_MAX - 1, c->hv->initiator);
		if (c->acceptor[0] == '\0')
			snprintf(c->acceptor, sizeof(c->acceptor), "%.*s",
			    CONN_NAME_MAX - 1, c->hv->acceptor);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(when, sizeof(when), "%.3f",
	    (double)(now.tv_sec - c->t0.tv_sec) +
	    (double)(now.tv_nsec - c->t0.tv_nsec) / 1e9);
	ident_describe(cert, desc, sizeof(desc));
	gateway_audit(gw, c->quiet,
	    "audit conn=%llu dir=%s peer=%s addr=%s %s initiator=%s "
	    "acceptor=%s hidden=%s verdict=%s code=%s reason=\"%s\" "
	    "bytes_out=%llu bytes_in=%llu duration=%ss",
	    (unsigned long long)c->id, c->outbound ? "out" : "in", peer,
	    c->raddr, desc, c->initiator[0] ? c->initiator : "-",
	    c->acceptor[0] ? c->acceptor : "-", c->hidden ? "yes" : "no",
	    verdict(code), code, reason, (unsigned long long)c->up.bytes,
	    (unsigned long long)c->down.bytes, when);
	if (!c->outbound && counted(code)) {
		char key[LOCKOUT_KEY_MAX];
		uint64_t ms = gateway_now_ms();
		snprintf(key, sizeof(key), "addr:%s", c->rip);
		(void)lockout_failure(gw->lockout, key, ms);
		if (c->peer_idx >= 0) {
			snprintf(key, sizeof(key), "id:%s",
			    cfg->peers[c->peer_idx].identity);
			(void)lockout_failure(gw->lockout, key, ms);
		}
	}
	free(c->hv);
	c->state = CONN_CLOSED;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->gw->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->link != NULL)
		gwlink_cancel(c->link);
	if (c->query != NULL)
		epmdc_cancel(c->query);
	half_clear(&c->local);
	half_clear(&c->remote);
	free(c->up.buf);
	free(c->down.buf);
	free(c->up.hs);
	free(c->down.hs);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->kick != NULL)
		event_free(c->kick);
	gateway_release(c->gw);
	free(c);
}
