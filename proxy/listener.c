/* listener.c — see listener.h. */
#include "proxy/listener.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/util/sockaddr.h"

#define ACCEPTS_PER_WAKEUP	32

struct listener {
	int fd;
	uint16_t port;
	struct event *ev;
	struct event *resume;	/* timer after EMFILE */
	listener_cb *cb;
	void *arg;
	unsigned dead_peer_ms;	/* net_dead_peer() on accepted sockets */
	char what[16];
};

static void
listener_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	log_info("listener=%s resumed accepting", l->what);
	(void)event_add(l->ev, NULL);
}

static void
listener_accept(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	struct sockaddr_storage peer, local;
	socklen_t plen, llen;
	int cfd;

	(void)what;
	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		plen = sizeof(peer);
		cfd = accept4(fd, (struct sockaddr *)&peer, &plen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct timeval tv = { 1, 0 };
				log_warn("listener=%s accept paused for 1s",
				    l->what);
				(void)event_del(l->ev);
				(void)evtimer_add(l->resume, &tv);
				return;
			}
			log_warn("listener=%s accept", l->what);
			return;
		}
		llen = sizeof(local);
		if (getsockname(cfd, (struct sockaddr *)&local, &llen) == -1) {
			log_warn("listener=%s getsockname", l->what);
			close(cfd);
			continue;
		}
		(void)net_nodelay(cfd);
		if (net_dead_peer(cfd, l->dead_peer_ms) == -1)
			log_warn("listener=%s keepalive options", l->what);
		l->cb(cfd, (struct sockaddr *)&peer, (struct sockaddr *)&local,
		    l->arg);
	}
}

struct listener *
listener_new(struct event_base *base, const struct sockaddr *sa,
    socklen_t len, const char *what, listener_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct listener *l;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	char a[64];

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = -1;
	l->cb = cb;
	l->arg = arg;
	snprintf(l->what, sizeof(l->what), "%s", what);
	if ((l->fd = net_listen(sa, len, 511)) == -1) {
		snprintf(err, errlen, "listen %s %s: %s", what,
		    sa_fmt(sa, a, sizeof(a)), strerror(errno));
		goto fail;
	}
	if (getsockname(l->fd, (struct sockaddr *)&bound, &blen) == -1) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		goto fail;
	}
	l->port = sa_port((struct sockaddr *)&bound);
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, listener_accept,
	    l);
	l->resume = evtimer_new(base, listener_resume, l);
	if (l->ev == NULL || l->resume == NULL || event_add(l->ev, NULL)) {
		snprintf(err, errlen, "event setup failed");
		goto fail;
	}
	return l;
fail:
	listener_free(l);
	return NULL;
}

void
listener_set_dead_peer(struct listener *l, unsigned timeout_ms)
{
	l->dead_peer_ms = timeout_ms;
}

uint16_t
listener_port(const struct listener *l)
{
	return l->port;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->resume != NULL)
		event_free(l->resume);
	if (l->fd != -1)
		close(l->fd);
	free(l);
}
