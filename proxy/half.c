/* half.c — see half.h. */
#include "proxy/half.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

void
half_init(struct half *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

int
half_open(struct half *h, struct event_base *base, int fd, SSL *ssl,
    void (*cb)(int, short, void *), void *arg)
{
	h->fd = fd;
	h->ssl = ssl;
	h->rd_ready = 1;
	h->rev = event_new(base, fd, EV_READ | EV_PERSIST, cb, arg);
	h->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, cb, arg);
	if (h->rev == NULL || h->wev == NULL)
		return -1;
	return 0;
}

/* Records a failed system call's errno E and its text. */
static int
sys_fail(struct half *h, int e)
{
	h->errnum = e;
	h->err = strerror(e);
	return HALF_ERR;
}

/* Records OpenSSL's reason for a failed call in h->errbuf, and the errno
 * of a failed system call under it (a dead peer's ETIMEDOUT). */
static int
ssl_fail(struct half *h, int ret, int code)
{
	int saved = errno;
	unsigned long e = ERR_get_error();

	h->sslerr = e;
	h->errnum = code == SSL_ERROR_SYSCALL ? saved : 0;
	if (e != 0) {
		ERR_error_string_n(e, h->errbuf, sizeof(h->errbuf));
		h->err = h->errbuf;
	} else if (code == SSL_ERROR_SYSCALL && saved != 0) {
		snprintf(h->errbuf, sizeof(h->errbuf), "%s", strerror(saved));
		h->err = h->errbuf;
	} else if (code == SSL_ERROR_SYSCALL)
		h->err = ret == 0 ? "connection closed during TLS" :
		    "TLS syscall error";
	else
		h->err = "TLS protocol error";
	ERR_clear_error();
	return HALF_ERR;
}

ssize_t
half_read(struct half *h, void *buf, size_t len)
{
	ssize_t n;

	if (h->ssl == NULL) {
		n = read(h->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR) {
			h->rd_ready = 0;
			return HALF_AGAIN;
		}
		return sys_fail(h, errno);
	}
	size_t got = 0;
	ERR_clear_error();
	errno = 0;
	h->rd_needs_w = 0;
	if (SSL_read_ex(h->ssl, buf, len, &got) == 1)
		return (ssize_t)got;
	int code = SSL_get_error(h->ssl, 0);
	switch (code) {
	case SSL_ERROR_WANT_READ:
		h->rd_ready = 0;
		return HALF_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		h->rd_needs_w = 1;
		h->rd_ready = 0;
		return HALF_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && errno == 0)
			return 0;	/* FIN without close_notify */
		/* FALLTHROUGH */
	default:
		return ssl_fail(h, 0, code);
	}
}

ssize_t
half_write(struct half *h, const void *buf, size_t len)
{
	ssize_t n;

	if (h->ssl == NULL) {
		n = send(h->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR)
			return HALF_AGAIN;
		return sys_fail(h, errno);
	}
	size_t put = 0;
	ERR_clear_error();
	errno = 0;
	h->wr_needs_r = 0;
	if (SSL_write_ex(h->ssl, buf, len, &put) == 1) {
		/* Gathered records go out now, or when writable. */
		if (half_flush(h) == HALF_ERR)
			return HALF_ERR;
		return (ssize_t)put;
	}
	int code = SSL_get_error(h->ssl, 0);
	if (code == SSL_ERROR_WANT_WRITE)
		return HALF_AGAIN;
	if (code == SSL_ERROR_WANT_READ) {
		h->wr_needs_r = 1;
		return HALF_AGAIN;
	}
	return ssl_fail(h, -1, code);
}

int
half_pending(const struct half *h)
{
	return h->ssl != NULL && SSL_has_pending(h->ssl);
}

/*
 * The gathering write BIO: records are appended to a buffer that exists
 * only while it holds bytes, and leave in one send() on flush.  Its own
 * method table is made once and never changes.
 */
struct gather {
	int fd;
	uint8_t *buf;
	size_t len, cap;
};

static int
gather_send(BIO *b, struct gather *g)
{
	size_t off = 0;
	ssize_t n;

	while (off < g->len) {
		n = send(g->fd, g->buf + off, g->len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (off > 0)
				memmove(g->buf, g->buf + off, g->len - off);
			g->len -= off;
			if (errno == EAGAIN)
				BIO_set_retry_write(b);
			return -1;
		}
		off += (size_t)n;
	}
	free(g->buf);		/* drained: an idle tunnel keeps nothing */
	g->buf = NULL;
	g->len = 0;
	return 0;
}

static int
gather_write(BIO *b, const char *data, int dlen)
{
	struct gather *g = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (dlen <= 0)
		return 0;
	/* Full: send first; a would-block leaves the retry flag set, and
	 * OpenSSL offers the same record again once the socket drains. */
	if (g->len + (size_t)dlen > g->cap &&
	    (gather_send(b, g) == -1 || (size_t)dlen > g->cap))
		return -1;
	if (g->buf == NULL && (g->buf = malloc(g->cap)) == NULL)
		return -1;
	memcpy(g->buf + g->len, data, (size_t)dlen);
	g->len += (size_t)dlen;
	return dlen;
}

static long
gather_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct gather *g = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		BIO_clear_retry_flags(b);
		return gather_send(b, g) == 0 ? 1 : 0;
	case BIO_CTRL_WPENDING:
		return (long)g->len;
	case BIO_CTRL_PENDING:
		return 0;
	default:
		return 0;
	}
}

static int
gather_destroy(BIO *b)
{
	struct gather *g = BIO_get_data(b);

	if (g != NULL) {
		free(g->buf);
		free(g);
	}
	BIO_set_data(b, NULL);
	return 1;
}

static const BIO_METHOD *
gather_method(void)
{
	static BIO_METHOD *m;

	if (m == NULL && (m = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK, "distgate gather")) != NULL) {
		(void)BIO_meth_set_write(m, gather_write);
		(void)BIO_meth_set_ctrl(m, gather_ctrl);
		(void)BIO_meth_set_destroy(m, gather_destroy);
	}
	return m;
}

int
half_gather(struct half *h, int cap)
{
	const BIO_METHOD *m = gather_method();
	struct gather *g;
	BIO *b;

	if (h->ssl == NULL || h->gathered || m == NULL || cap <= 0)
		return -1;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	if ((b = BIO_new(m)) == NULL) {
		free(g);
		return -1;
	}
	g->fd = h->fd;
	g->cap = (size_t)cap;
	BIO_set_data(b, g);
	BIO_set_init(b, 1);
	SSL_set0_wbio(h->ssl, b);	/* the socket BIO stays the rbio */
	h->gathered = 1;
	return 0;
}

int
half_unflushed(const struct half *h)
{
	return h->gathered && BIO_wpending(SSL_get_wbio(h->ssl)) > 0;
}

int
half_flush(struct half *h)
{
	BIO *b;

	if (!h->gathered)
		return 0;
	b = SSL_get_wbio(h->ssl);
	if (BIO_wpending(b) == 0)
		return 0;
	errno = 0;
	if (BIO_flush(b) == 1)
		return 0;
	if (BIO_should_retry(b))
		return HALF_AGAIN;
	h->errnum = errno;
	snprintf(h->errbuf, sizeof(h->errbuf), "%s",
	    errno ? strerror(errno) : "TLS write failed");
	h->err = h->errbuf;
	return HALF_ERR;
}

int
half_handshake(struct half *h)
{
	int r;

	ERR_clear_error();
	h->hs_needs_r = h->hs_needs_w = 0;
	errno = 0;
	if ((r = SSL_do_handshake(h->ssl)) == 1)
		return 1;
	int code = SSL_get_error(h->ssl, r);
	if (code == SSL_ERROR_WANT_READ) {
		h->hs_needs_r = 1;
		return HALF_AGAIN;
	}
	if (code == SSL_ERROR_WANT_WRITE) {
		h->hs_needs_w = 1;
		return HALF_AGAIN;
	}
	return ssl_fail(h, r, code);
}

int
half_shutdown_wr(struct half *h)
{
	if (h->ssl == NULL) {
		if (shutdown(h->fd, SHUT_WR) == -1 && errno != ENOTCONN)
			return sys_fail(h, errno);
		return 0;
	}
	ERR_clear_error();
	errno = 0;
	h->wr_needs_r = 0;
	int r = SSL_shutdown(h->ssl);
	if (r >= 0)		/* close_notify written (0: peer's not seen) */
		return half_flush(h) == HALF_ERR ? HALF_ERR : 0;
	int code = SSL_get_error(h->ssl, r);
	if (code == SSL_ERROR_WANT_WRITE)
		return HALF_AGAIN;
	if (code == SSL_ERROR_WANT_READ) {
		h->wr_needs_r = 1;
		return HALF_AGAIN;
	}
	return ssl_fail(h, r, code);
}

int
half_want(struct half *h, int rd, int wr)
{
	int r = rd || h->wr_needs_r || h->hs_needs_r;
	int w = wr || h->rd_needs_w || h->hs_needs_w || half_unflushed(h);

	if (h->fd == -1)
		return 0;
	if (r != h->rev_on) {
		if ((r ? event_add(h->rev, NULL) : event_del(h->rev)) == -1)
			return -1;
		h->rev_on = r;
	}
	if (w != h->wev_on) {
		if ((w ? event_add(h->wev, NULL) : event_del(h->wev)) == -1)
			return -1;
		h->wev_on = w;
	}
	return 0;
}

int
half_move(struct half *dst, struct half *src, struct event_base *base,
    void (*cb)(int, short, void *), void *arg)
{
	int fd = src->fd;
	SSL *ssl = src->ssl;

	if (src->rev != NULL)
		event_free(src->rev);
	if (src->wev != NULL)
		event_free(src->wev);
	unsigned gathered = src->gathered;

	half_init(dst);
	half_init(src);
	if (half_open(dst, base, fd, ssl, cb, arg) == -1)
		return -1;
	dst->gathered = gathered;
	return 0;
}

void
half_clear(struct half *h)
{
	if (h->rev != NULL)
		event_free(h->rev);
	if (h->wev != NULL)
		event_free(h->wev);
	if (h->ssl != NULL) {
		/* Best effort close_notify: the peer sees a clean end and a
		 * client session stays resumable. */
		if (SSL_is_init_finished(h->ssl) &&
		    !(SSL_get_shutdown(h->ssl) & SSL_SENT_SHUTDOWN))
			(void)SSL_shutdown(h->ssl);
		(void)half_flush(h);
		ERR_clear_error();
		SSL_free(h->ssl);
	}
	if (h->fd != -1)
		close(h->fd);
	half_init(h);
}
