/* gwlink.c — client links to peer gateways.  See gwlink.h. */
#include "proxy/gwlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config/config.h"
#include "crypto/ident.h"
#include "proxy/gateway.h"
#include "proxy/wire/gwproto.h"
#include "proxy/half.h"
#include "proxy/util/log.h"
#include "proxy/netutil.h"
#include "proxy/peer.h"

#define LINK_IDLE_MS	25000	/* below the server's 30 s request idle */
#define LINK_RBUF	(GWPROTO_HDR + GWPROTO_MAX_BODY)

enum link_state { LINK_CONNECTING, LINK_TLS, LINK_READY, LINK_IDLE };

struct gwlink {
	uint64_t id;
	struct peer *p;
	struct half h;
	enum link_state state;
	struct event *timer;
	uint8_t *rbuf;
	size_t rlen;
	uint8_t wbuf[GWPROTO_HDR + GWPROTO_MAX_NAME + 8];
	size_t wlen;
	uint8_t req_type;
	int direct;		/* TLS straight to a node: no request */
	int spare;		/* opened by gwlink_warm(): pool it when up */
	gwlink_cb *cb;
	void *arg;
};

static void link_io(evutil_socket_t, short, void *);
static void link_timeout(evutil_socket_t, short, void *);

static void
link_free(struct gwlink *l)
{
	if (l->state == LINK_IDLE)
		peer_forget_idle(l->p, l);
	if (l->p->warming == l)
		l->p->warming = NULL;
	half_clear(&l->h);
	if (l->timer != NULL)
		event_free(l->timer);
	free(l->rbuf);
	gateway_release(l->p->gw);
	free(l);
}

static void
arm(struct gwlink *l, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	(void)evtimer_del(l->timer);
	(void)evtimer_add(l->timer, &tv);
}

/* Fails the pending request (if any) and closes the link. */
static void
link_fail(struct gwlink *l, const char *reason)
{
	gwlink_cb *cb = l->cb;

	log_warnx("link=%llu peer=%s addr=%s closed: %s",
	    (unsigned long long)l->id, l->p->cfg->name, l->p->cfg->address,
	    reason);
	l->cb = NULL;
	if (cb != NULL)
		cb(l, -1, NULL, reason, l->arg);
	link_free(l);
}

void
gwlink_close(struct gwlink *l, const char *reason)
{
	log_debug("link=%llu peer=%s closed: %s", (unsigned long long)l->id,
	    l->p->cfg->name, reason);
	l->cb = NULL;
	link_free(l);
}

void
gwlink_cancel(struct gwlink *l)
{
	gwlink_close(l, "requester gone");
}

static struct gwlink *
link_new(struct peer *p, const struct sockaddr *sa, socklen_t salen)
{
	struct gateway *gw = p->gw;
	struct gwlink *l;
	int fd;

	if (gateway_admit(gw, "link") == -1)
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		gateway_release(gw);
		return NULL;
	}
	l->id = gateway_next_id(gw);
	l->p = p;
	half_init(&l->h);
	l->state = LINK_CONNECTING;
	if ((l->timer = evtimer_new(gw->base, link_timeout, l)) == NULL)
		goto fail;
	fd = net_connect(sa, salen);
	if (fd == -1) {
		log_warn("link=%llu peer=%s connect %s",
		    (unsigned long long)l->id, p->cfg->name, p->cfg->address);
		goto fail;
	}
	if (half_open(&l->h, gw->base, fd, NULL, link_io, l) == -1) {
		close(fd);
		goto fail;
	}
	arm(l, gw->cfg->connect_timeout_ms + gw->cfg->tls_timeout_ms);
	if (half_want(&l->h, 0, 1) == -1)
		goto fail;
	log_debug("link=%llu peer=%s connecting to %s",
	    (unsigned long long)l->id, p->cfg->name, p->cfg->address);
	return l;
fail:
	link_free(l);
	return NULL;
}

struct gwlink *
gwlink_direct(struct peer *p, const struct sockaddr *sa, socklen_t len,
    gwlink_cb *cb, void *arg)
{
	struct gwlink *l = link_new(p, sa, len);

	if (l == NULL)
		return NULL;
	l->direct = 1;
	l->cb = cb;
	l->arg = arg;
	return l;
}

void
gwlink_warm(struct peer *p)
{
	struct gwlink *l;

	if (p->nidle > 0 || p->warming != NULL || p->cfg->kind !=
	    PEER_KIND_GATEWAY)
		return;
	l = link_new(p, (const struct sockaddr *)&p->cfg->addr.ss,
	    p->cfg->addr.len);
	if (l == NULL)
		return;
	l->spare = 1;
	p->warming = l;
}

struct gwlink *
gwlink_request(struct peer *p, uint8_t type, const char *name, gwlink_cb *cb,
    void *arg)
{
	struct gwlink *l = peer_take_idle(p);

	if (l != NULL)
		l->state = LINK_READY;
	else if ((l = link_new(p, (const struct sockaddr *)&p->cfg->addr.ss,
	    p->cfg->addr.len)) == NULL)
		return NULL;
	l->wlen = gw_encode_request(l->wbuf, sizeof(l->wbuf), type, name);
	if (l->wlen == 0) {
		gwlink_close(l, "request does not fit");
		return NULL;
	}
	l->req_type = type;
	l->cb = cb;
	l->arg = arg;
	if (type == GW_ROUTE)
		gwlink_warm(p);		/* this link becomes a tunnel */
	if (l->state == LINK_READY) {
		arm(l, p->gw->cfg->resolve_timeout_ms);
		if (half_want(&l->h, 1, 1) == -1) {
			gwlink_close(l, "event setup failed");
			return NULL;
		}
	}
	return l;
}

/* TLS is up: the peer's certificate must carry the [peer]'s identity. */
static int
check_server(struct gwlink *l, char *why, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(l->h.ssl);
	char desc[256];

	if (cert == NULL) {
		snprintf(why, len, "peer sent no certificate");
		return -1;
	}
	if (SSL_get_verify_result(l->h.ssl) != X509_V_OK) {
		snprintf(why, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(
		    SSL_get_verify_result(l->h.ssl)));
		return -1;
	}
	if (!ident_match(cert, l->p->cfg->identity)) {
		snprintf(why, len, "peer certificate lacks identity %s: %s",
		    l->p->cfg->identity, ident_describe(cert, desc,
		    sizeof(desc)));
		return -1;
	}
	return 0;
}

static int
start_tls(struct gwlink *l, char *why, size_t len)
{
	SSL *ssl = SSL_new(l->p->gw->cli_ctx);
	int err = net_connect_result(l->h.fd);

	if (err != 0) {
		SSL_free(ssl);
		snprintf(why, len, "connect %s: %s", l->p->cfg->address,
		    strerror(err));
		return -1;
	}
	if (ssl == NULL || SSL_set_fd(ssl, l->h.fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, l->p->cfg->identity) != 1) {
		SSL_free(ssl);
		snprintf(why, len, "TLS setup failed");
		return -1;
	}
	SSL_set_connect_state(ssl);
	SSL_set_app_data(ssl, l->p);	/* for peer_session_cb() */
	if (l->p->cfg->min_version != 0)
		(void)SSL_set_min_proto_version(ssl, l->p->cfg->min_version);
	if (l->p->session != NULL)
		(void)SSL_set_session(ssl, l->p->session);
	l->h.ssl = ssl;
	l->state = LINK_TLS;
	return 0;
}

/* A whole reply is in rbuf: deliver it.  Returns 1 if L was freed. */
static int
deliver(struct gwlink *l, const struct gw_msg *m)
{
	struct gw_reply r;
	const char *why = NULL;
	gwlink_cb *cb = l->cb;
	uint8_t type = l->req_type;

	if ((m->version != GWPROTO_VERSION && m->type != GW_ERROR) ||
	    (m->type != (type | 0x80) && m->type != GW_ERROR) ||
	    gw_decode_reply(m, &r, &why) == -1) {
		link_fail(l, why ? why : "unexpected reply");
		return 1;
	}
	l->cb = NULL;
	if (type == GW_ROUTE) {
		if (r.status == GW_OK) {
			cb(l, r.status, m, NULL, l->arg);	/* hands over */
			return 1;
		}
		cb(l, r.status, m, r.reason, l->arg);
		gwlink_close(l, "route refused");
		return 1;
	}
	cb(l, r.status, m, r.reason, l->arg);
	if (m->type == GW_ERROR || l->rlen != m->consumed) {
		gwlink_close(l, "error reply");
		return 1;
	}
	l->rlen = 0;
	l->state = LINK_IDLE;
	free(l->rbuf);
	l->rbuf = NULL;
	if (peer_put_idle(l->p, l) == -1) {
		l->state = LINK_READY;
		gwlink_close(l, "pool full");
		return 1;
	}
	arm(l, LINK_IDLE_MS);
	(void)half_want(&l->h, 1, 0);
	return 0;
}

/* LINK_READY: write the request, read the reply.  Returns 1 if freed. */
static int
exchange(struct gwlink *l)
{
	struct gw_msg m;
	const char *why = NULL;
	ssize_t n;

	while (l->wlen > 0) {
		n = half_write(&l->h, l->wbuf, l->wlen);
		if (n == HALF_AGAIN)
			break;
		if (n == HALF_ERR) {
			link_fail(l, l->h.err);
			return 1;
		}
		memmove(l->wbuf, l->wbuf + n, l->wlen - (size_t)n);
		l->wlen -= (size_t)n;
	}
	if (l->rbuf == NULL && (l->rbuf = malloc(LINK_RBUF)) == NULL) {
		link_fail(l, "out of memory");
		return 1;
	}
	for (;;) {
		switch (gw_parse(l->rbuf, l->rlen, &m, &why)) {
		case GW_PARSE_BAD:
			link_fail(l, why);
			return 1;
		case GW_PARSE_DONE:
			if (l->cb == NULL) {
				link_fail(l, "unsolicited reply");
				return 1;
			}
			return deliver(l, &m);
		case GW_PARSE_NEED_MORE:
			break;
		}
		if (l->rlen == LINK_RBUF) {
			link_fail(l, "reply too long");
			return 1;
		}
		n = half_read(&l->h, l->rbuf + l->rlen, LINK_RBUF - l->rlen);
		if (n == HALF_AGAIN)
			break;
		if (n == HALF_ERR || n == 0) {
			link_fail(l, n == 0 ? "peer closed the link" : l->h.err);
			return 1;
		}
		l->rlen += (size_t)n;
	}
	(void)half_want(&l->h, 1, l->wlen > 0);
	return 0;
}

static void
link_io(evutil_socket_t fd, short what, void *arg)
{
	struct gwlink *l = arg;
	char why[320];
	uint8_t b;
	int r;

	(void)fd;
	(void)what;
	switch (l->state) {
	case LINK_CONNECTING:
		if (start_tls(l, why, sizeof(why)) == -1) {
			link_fail(l, why);
			return;
		}
		/* FALLTHROUGH */
	case LINK_TLS:
		r = half_handshake(&l->h);
		if (r == HALF_AGAIN) {
			(void)half_want(&l->h, 0, 0);
			return;
		}
		if (r == HALF_ERR) {
			snprintf(why, sizeof(why), "TLS handshake failed: %s",
			    l->h.err);
			link_fail(l, why);
			return;
		}
		if (check_server(l, why, sizeof(why)) == -1) {
			link_fail(l, why);
			return;
		}
		log_debug("link=%llu peer=%s TLS %s %s%s",
		    (unsigned long long)l->id, l->p->cfg->name,
		    SSL_get_version(l->h.ssl), SSL_get_cipher_name(l->h.ssl),
		    SSL_session_reused(l->h.ssl) ? " resumed" : "");
		l->state = LINK_READY;
		if (l->spare && l->cb == NULL) {
			l->p->warming = NULL;
			l->state = LINK_IDLE;
			if (peer_put_idle(l->p, l) == -1) {
				l->state = LINK_READY;
				gwlink_close(l, "pool full");
				return;
			}
			arm(l, LINK_IDLE_MS);
			(void)half_want(&l->h, 1, 0);
			return;
		}
		if (l->direct) {
			gwlink_cb *cb = l->cb;
			l->cb = NULL;
			cb(l, 0, NULL, NULL, l->arg);	/* hands over */
			return;
		}
		arm(l, l->p->gw->cfg->resolve_timeout_ms);
		/* FALLTHROUGH */
	case LINK_READY:
		(void)exchange(l);
		return;
	case LINK_IDLE:
		/* The server speaks only when asked: EOF or junk ends it. */
		r = (int)half_read(&l->h, &b, 1);
		if (r == HALF_AGAIN)
			return;
		gwlink_close(l, r == 0 ? "peer closed idle link" :
		    "unexpected bytes on idle link");
		return;
	}
}

static void
link_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gwlink *l = arg;

	(void)fd;
	(void)what;
	if (l->state == LINK_IDLE)
		gwlink_close(l, "idle");
	else
		link_fail(l, l->state == LINK_READY ? "reply timeout" :
		    "connect/TLS timeout");
}

int
gwlink_handover(struct gwlink *l, struct half *dst, struct event_base *base,
    void (*cb)(int, short, void *), void *arg, uint8_t *leftover, size_t cap,
    size_t *n)
{
	struct gw_msg m;
	const char *why = NULL;
	int r = 0;

	*n = 0;
	if (gw_parse(l->rbuf, l->rlen, &m, &why) == GW_PARSE_DONE) {
		size_t extra = l->rlen - m.consumed;
		if (extra > cap)
			r = -1;
		else {
			memcpy(leftover, l->rbuf + m.consumed, extra);
			*n = extra;
		}
	}
	if (half_move(dst, &l->h, base, cb, arg) == -1)
		r = -1;
	l->cb = NULL;
	link_free(l);
	return r;
}
