/* half.c — see half.h. */
#include "proxy/half.h"

#include <errno.h>
#include <stdio.h>
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

/* Records OpenSSL's reason for a failed call in h->errbuf. */
static int
ssl_fail(struct half *h, int ret, int code)
{
	unsigned long e = ERR_get_error();

	if (e != 0) {
		ERR_error_string_n(e, h->errbuf, sizeof(h->errbuf));
		h->err = h->errbuf;
	} else if (code == SSL_ERROR_SYSCALL && ret == 0)
		h->err = "connection closed during TLS";
	else if (code == SSL_ERROR_SYSCALL) {
		snprintf(h->errbuf, sizeof(h->errbuf), "%s",
		    errno ? strerror(errno) : "TLS syscall error");
		h->err = h->errbuf;
	} else
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
		h->err = strerror(errno);
		return HALF_ERR;
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
		h->err = strerror(errno);
		return HALF_ERR;
	}
	size_t put = 0;
	ERR_clear_error();
	h->wr_needs_r = 0;
	if (SSL_write_ex(h->ssl, buf, len, &put) == 1)
		return (ssize_t)put;
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
		if (shutdown(h->fd, SHUT_WR) == -1 && errno != ENOTCONN) {
			h->err = strerror(errno);
			return HALF_ERR;
		}
		return 0;
	}
	ERR_clear_error();
	h->wr_needs_r = 0;
	int r = SSL_shutdown(h->ssl);
	if (r >= 0)
		return 0;	/* close_notify sent (0: peer's not yet seen) */
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
	int w = wr || h->rd_needs_w || h->hs_needs_w;

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
	half_init(dst);
	half_init(src);
	if (half_open(dst, base, fd, ssl, cb, arg) == -1)
		return -1;
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
		ERR_clear_error();
		SSL_free(h->ssl);
	}
	if (h->fd != -1)
		close(h->fd);
	half_init(h);
}
