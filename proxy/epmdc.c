/* epmdc.c — see epmdc.h. */
#include "proxy/epmdc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/wire/epmd_proto.h"
#include "proxy/netutil.h"

#define EPMDC_MAX_REPLY	65536

struct epmdc {
	int fd;
	struct event *ev, *timer;
	uint8_t req[3 + EPMD_MAX_NAME];
	size_t reqlen, reqoff;
	uint8_t *rbuf;
	size_t rlen;
	int names;
	epmdc_cb *cb;
	void *arg;
};

static void
q_free(struct epmdc *q)
{
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->fd != -1)
		close(q->fd);
	free(q->rbuf);
	free(q);
}

void
epmdc_cancel(struct epmdc *q)
{
	q_free(q);
}

static void
finish(struct epmdc *q, const char *reason)
{
	epmdc_cb *cb = q->cb;
	void *arg = q->arg;
	const uint8_t *r = q->rbuf;
	uint16_t port = 0, high = 0, low = 0;
	uint8_t type = 0;

	if (reason == NULL && q->names) {
		if (q->rlen < 4)
			reason = "short NAMES reply";
		else {
			/* Deliver before freeing: the text lives in rbuf. */
			cb(arg, 0, 0, 0, 0, (const char *)r + 4, q->rlen - 4,
			    NULL);
			q_free(q);
			return;
		}
	} else if (reason == NULL) {
		if (q->rlen >= 2 && r[0] == EPMD_PORT2_RESP && r[1] != 0)
			reason = "not found";
		else if (q->rlen < 12 || r[0] != EPMD_PORT2_RESP)
			reason = "malformed PORT2 reply";
		else {
			port = (uint16_t)(r[2] << 8 | r[3]);
			type = r[4];
			high = (uint16_t)(r[6] << 8 | r[7]);
			low = (uint16_t)(r[8] << 8 | r[9]);
			if (port == 0)
				reason = "port 0 in PORT2 reply";
		}
	}
	q_free(q);
	cb(arg, reason ? 0 : port, type, high, low, NULL, 0, reason);
}

static void
q_io(evutil_socket_t fd, short what, void *arg)
{
	struct epmdc *q = arg;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		finish(q, "EPMD timeout");
		return;
	}
	if (q->reqoff < q->reqlen) {
		int err = net_connect_result(fd);
		if (err != 0) {
			finish(q, strerror(err));
			return;
		}
		n = write(fd, q->req + q->reqoff, q->reqlen - q->reqoff);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			finish(q, strerror(errno));
			return;
		}
		if (n > 0)
			q->reqoff += (size_t)n;
		if (q->reqoff < q->reqlen)
			return;
		event_del(q->ev);
		event_assign(q->ev, event_get_base(q->ev), fd,
		    EV_READ | EV_PERSIST, q_io, q);
		(void)event_add(q->ev, NULL);
		return;
	}
	if (q->rlen == EPMDC_MAX_REPLY) {
		finish(q, "EPMD reply too long");
		return;
	}
	n = read(fd, q->rbuf + q->rlen, EPMDC_MAX_REPLY - q->rlen);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(q, strerror(errno));
		return;
	}
	if (n == 0) {
		finish(q, NULL);	/* epmd closes after its reply */
		return;
	}
	q->rlen += (size_t)n;
}

static struct epmdc *
q_start(struct event_base *base, const struct sockaddr *sa, socklen_t len,
    unsigned ms, epmdc_cb *cb, void *arg)
{
	struct epmdc *q = calloc(1, sizeof(*q));
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (q == NULL)
		return NULL;
	q->fd = -1;
	q->cb = cb;
	q->arg = arg;
	if ((q->rbuf = malloc(EPMDC_MAX_REPLY)) == NULL ||
	    (q->fd = net_connect(sa, len)) == -1 ||
	    (q->ev = event_new(base, q->fd, EV_WRITE | EV_PERSIST, q_io,
	    q)) == NULL ||
	    (q->timer = evtimer_new(base, q_io, q)) == NULL ||
	    event_add(q->ev, NULL) == -1 || evtimer_add(q->timer, &tv) == -1) {
		q_free(q);
		return NULL;
	}
	return q;
}

struct epmdc *
epmdc_port_please(struct event_base *base, const struct sockaddr *sa,
    socklen_t len, const char *name, unsigned timeout_ms, epmdc_cb *cb,
    void *arg)
{
	size_t n = strlen(name);
	struct epmdc *q;

	if (n == 0 || n > EPMD_MAX_NAME)
		return NULL;
	if ((q = q_start(base, sa, len, timeout_ms, cb, arg)) == NULL)
		return NULL;
	q->req[0] = (uint8_t)((n + 1) >> 8);
	q->req[1] = (uint8_t)(n + 1);
	q->req[2] = EPMD_PORT_PLEASE2_REQ;
	memcpy(q->req + 3, name, n);
	q->reqlen = 3 + n;
	return q;
}

struct epmdc *
epmdc_names(struct event_base *base, const struct sockaddr *sa,
    socklen_t len, unsigned timeout_ms, epmdc_cb *cb, void *arg)
{
	struct epmdc *q = q_start(base, sa, len, timeout_ms, cb, arg);

	if (q == NULL)
		return NULL;
	q->names = 1;
	q->req[0] = 0;
	q->req[1] = 1;
	q->req[2] = EPMD_NAMES_REQ;
	q->reqlen = 3;
	return q;
}
