/* epmdc.c — queries to another host's epmd.  See epmdc.h. */
#include "proxy/epmdc.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "proxy/conn.h"
#include "proxy/gateway.h"
#include "proxy/netutil.h"
#include "proxy/util/bytes.h"
#include "proxy/util/log.h"
#include "proxy/wire/epmd_proto.h"

#define EPMDC_MAX_REPLY	65536

enum q_state { Q_SEND = 0, Q_RECV, Q_NSTATES };

struct epmdc {
	struct conn c;
	unsigned timeout_ms;
	uint8_t req[3 + EPMD_MAX_NAME];
	size_t reqlen, reqoff;
	uint8_t *rbuf;
	size_t rlen;
	int names;
	epmdc_cb *cb;
	void *arg;
};

static const char *const state_names[Q_NSTATES] = { "send", "recv" };

static int
transition_ok(int from, int to)
{
	return from == Q_SEND && to == Q_RECV;
}

static unsigned
timeout_ms(const struct conn *c)
{
	const struct epmdc *q = (const struct epmdc *)c;

	/* One bound for the whole query. */
	return c->state == Q_SEND ? q->timeout_ms : CONN_TIMER_KEEP;
}

static void finish(struct epmdc *q, const char *reason);

static void
on_timeout(struct conn *c)
{
	finish((struct epmdc *)c, "EPMD timeout");
}

static void
release(struct conn *c, enum reason code, const char *why)
{
	struct epmdc *q = (struct epmdc *)c;

	(void)code;
	log_debug("epmdc=%llu closed: %s", (unsigned long long)c->id, why);
	free(q->rbuf);
}

static const struct conn_ops epmdc_ops = {
	.kind = "epmdc",
	.states = state_names,
	.nstates = Q_NSTATES,
	.transition_ok = transition_ok,
	.timeout_ms = timeout_ms,
	.timeout = on_timeout,
	.release = release,
};

void
epmdc_cancel(struct epmdc *q)
{
	conn_close(&q->c, RC_OK, "requester gone");
}

/* Delivers the result (REASON NULL: the reply is complete) and closes Q. */
static void
finish(struct epmdc *q, const char *reason)
{
	epmdc_cb *cb = q->cb;
	void *arg = q->arg;
	struct epmd_port2 r = { 0 };

	if (reason == NULL && q->names) {
		if (q->rlen < 4)
			reason = "short NAMES reply";
		else {
			/* Deliver before closing: the text lives in rbuf. */
			cb(arg, 0, 0, 0, 0, (const char *)q->rbuf + 4,
			    q->rlen - 4, NULL);
			conn_close(&q->c, RC_OK, "answered");
			return;
		}
	} else if (reason == NULL)
		(void)epmd_parse_port2(q->rbuf, q->rlen, &r, &reason);
	conn_close(&q->c, reason ? RC_IO_ERROR : RC_OK, reason ? reason :
	    "answered");
	cb(arg, reason ? 0 : r.port, r.node_type, r.high, r.low, NULL, 0,
	    reason);
}

static void
q_io(evutil_socket_t fd, short what, void *arg)
{
	struct epmdc *q = arg;
	ssize_t n;

	(void)fd;
	(void)what;
	if (q->c.state == Q_SEND) {
		int err = net_connect_result(q->c.h.fd);
		if (err != 0) {
			finish(q, strerror(err));
			return;
		}
		n = half_write(&q->c.h, q->req + q->reqoff,
		    q->reqlen - q->reqoff);
		if (n == HALF_ERR) {
			finish(q, q->c.h.err);
			return;
		}
		if (n > 0) {
			q->reqoff += (size_t)n;
			q->c.bytes_out += (uint64_t)n;
		}
		if (q->reqoff < q->reqlen)
			return;
		conn_set_state(&q->c, Q_RECV);
		if (half_want(&q->c.h, 1, 0) == -1)
			finish(q, "event setup failed");
		return;
	}
	if (q->rlen == EPMDC_MAX_REPLY) {
		finish(q, "EPMD reply too long");
		return;
	}
	n = half_read(&q->c.h, q->rbuf + q->rlen, EPMDC_MAX_REPLY - q->rlen);
	if (n == HALF_AGAIN)
		return;
	if (n == HALF_ERR) {
		finish(q, q->c.h.err);
		return;
	}
	if (n == 0) {
		finish(q, NULL);	/* epmd closes after its reply */
		return;
	}
	q->rlen += (size_t)n;
	q->c.bytes_in += (uint64_t)n;
}

static struct epmdc *
q_start(struct gateway *gw, const struct sockaddr *sa, socklen_t len,
    unsigned ms, epmdc_cb *cb, void *arg)
{
	struct epmdc *q = calloc(1, sizeof(*q));
	int fd;

	if (q == NULL)
		return NULL;
	/* Made for a tunnel or an EPMD conn, which are counted. */
	if (conn_init(&q->c, gw, CONN_KIND_EPMDC, &epmdc_ops, CONN_UNCOUNTED,
	    NULL) == -1) {
		free(q);
		return NULL;
	}
	q->cb = cb;
	q->arg = arg;
	q->timeout_ms = ms;
	conn_rearm(&q->c);
	if ((q->rbuf = malloc(EPMDC_MAX_REPLY)) == NULL ||
	    (fd = net_connect(sa, len)) == -1) {
		conn_close(&q->c, RC_IO_ERROR, "connect failed");
		return NULL;
	}
	/* The half owns FD from here on, even when half_open() fails. */
	if (half_open(&q->c.h, gw->base, fd, NULL, q_io, q) == -1 ||
	    half_want(&q->c.h, 0, 1) == -1) {
		conn_close(&q->c, RC_INTERNAL, "event setup failed");
		return NULL;
	}
	return q;
}

struct epmdc *
epmdc_port_please(struct gateway *gw, const struct sockaddr *sa,
    socklen_t len, const char *name, unsigned timeout_ms, epmdc_cb *cb,
    void *arg)
{
	size_t n = strlen(name);
	struct epmdc *q;

	if (n == 0 || n > EPMD_MAX_NAME)
		return NULL;
	if ((q = q_start(gw, sa, len, timeout_ms, cb, arg)) == NULL)
		return NULL;
	put16(q->req, (uint16_t)(n + 1));
	q->req[2] = EPMD_PORT_PLEASE2_REQ;
	memcpy(q->req + 3, name, n);
	q->reqlen = 3 + n;
	return q;
}

struct epmdc *
epmdc_names(struct gateway *gw, const struct sockaddr *sa, socklen_t len,
    unsigned timeout_ms, epmdc_cb *cb, void *arg)
{
	struct epmdc *q = q_start(gw, sa, len, timeout_ms, cb, arg);

	if (q == NULL)
		return NULL;
	q->names = 1;
	put16(q->req, 1);
	q->req[2] = EPMD_NAMES_REQ;
	q->reqlen = 3;
	return q;
}
