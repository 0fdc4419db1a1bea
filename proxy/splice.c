/* splice.c — handshake relay and byte pipe.  See splice.h. */
#include "proxy/splice.h"

#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "config/config.h"
#include "crypto/tls.h"
#include "proxy/tunnel.h"
#include "proxy/wire/dist_hs.h"
#include "proxy/gateway.h"
#include "proxy/guard.h"
#include "proxy/util/clock.h"
#include "proxy/util/log.h"
#include "proxy/wire/hs_verify.h"

#define PUMP_ROUNDS	16	/* then yield to other conns via a kick */
#define SPLICE_TLS_RBUF	(64 * 1024)	/* TLS read-ahead buffer */
#define SPLICE_TLS_WBUF	(72 * 1024)	/* gathers a 64 KiB write's records */

static size_t
dir_room(const struct dir *d)
{
	return d->buf == NULL ? 0 : d->cap - d->off - d->len;
}

static void
copy_name(char *dst, const char *src)
{
	snprintf(dst, TUNNEL_NAME_MAX, "%.*s", TUNNEL_NAME_MAX - 1, src);
}

/*
 * Lets the verifier see one handshake message before it is forwarded;
 * keeps the conn's names and hidden flag for the audit line.  Returns 0,
 * or -1 with the failure recorded when the message must not reach the other side.
 */
static int
hs_inspect(struct tunnel *t, struct dir *d, const uint8_t *p, size_t n)
{
	struct hs_verify *v = t->hv;

	int r = hs_verify_msg(v, d->from_initiator, p, n);

	/* Kept even for a refusal: the audit line names who was refused. */
	t->hidden = v->hidden;
	copy_name(t->initiator, v->initiator);
	copy_name(t->acceptor, v->acceptor);
	return r == -1 ? conn_fail(&t->c, v->code, "%s", v->reason) : 0;
}

/* The lockout model's say on an inbound initiator (guard.h). */
static enum reason
admit(void *arg, const char *initiator, int guess, char *why, size_t whylen)
{
	struct tunnel *t = arg;

	return guard_admit(t->c.gw, t->c.gw->cfg->peers[t->peer_idx].identity,
	    initiator, guess, why, whylen);
}

static const struct cookie *
cookie_for(void *arg, const char *local_alive, const char *remote_alive)
{
	struct tunnel *t = arg;

	return gateway_cookie_for(t->c.gw, t->peer_idx, local_alive,
	    remote_alive);
}

/*
 * Re-frames whole handshake messages from d->hs into d->buf.  Stops when
 * the staging holds no whole message or the buffer is full.  Returns 0 or
 * -1 with the failure recorded.
 */
static int
hs_filter(struct tunnel *t, struct dir *d)
{
	const uint8_t *payload;
	size_t plen, used;
	const char *why = NULL;

	while (d->handshake && d->hslen > 0) {
		switch (dist_hs_next(d->hs, d->hslen, d->src_prefix, &payload,
		    &plen, &used, &why)) {
		case DIST_BAD:
			return conn_fail(&t->c, RC_MALFORMED_HANDSHAKE,
			    "bad handshake message from %s: %s",
			    d->from_initiator ? "initiator" : "acceptor", why);
		case DIST_NEED_MORE:
			return 0;
		case DIST_DONE:
			break;
		}
		switch (tunnel_reserve(t, d, d->dst_prefix + plen)) {
		case -1:
			return conn_fail(&t->c, RC_INTERNAL, "out of memory");
		case TUNNEL_FULL:
			return 0;	/* wait for room */
		}
		if (hs_inspect(t, d, payload, plen) == -1)
			return -1;
		d->len += dist_hs_frame(d->buf + d->off + d->len,
		    d->cap - d->off - d->len, d->dst_prefix, payload, plen);
		d->nmsg++;
		if (dist_hs_is_last(d->from_initiator, payload[0]))
			d->handshake = 0;
		memmove(d->hs, d->hs + used, d->hslen - used);
		d->hslen -= used;
	}
	return 0;
}

/* Reads from SRC into D.  Returns 0 or -1 with the failure recorded. */
static int
dir_fill(struct tunnel *t, struct dir *d, struct half *src, int *progress)
{
	ssize_t n;
	int r;

	if (d->handshake && d->hslen > 0) {
		/* Whole messages staged while the buffer was full: a flush may
		 * have made room, and no read may come to re-frame them. */
		unsigned before = d->nmsg;
		if (hs_filter(t, d) == -1)
			return -1;
		if (d->nmsg != before)
			*progress = 1;
	}
	if (!d->handshake && d->hslen > 0) {
		/* Bytes that followed the last handshake message. */
		size_t k = d->hslen;
		if ((r = tunnel_reserve(t, d, 1)) != 0)
			return r == -1 ? conn_fail(&t->c, RC_INTERNAL,
			    "out of memory") : 0;
		if (k > dir_room(d))
			k = dir_room(d);
		memcpy(d->buf + d->off + d->len, d->hs, k);
		d->len += k;
		memmove(d->hs, d->hs + k, d->hslen - k);
		d->hslen -= k;
		*progress = 1;
		if (d->hslen > 0)
			return 0;
	}
	if (d->eof)
		return 0;
	/* Level-triggered events: a socket that said "would block" is not
	 * read again until it is reported readable (saves a syscall a turn). */
	if (!src->rd_ready && !half_pending(src))
		return 0;
	size_t want;
	if (d->handshake) {
		if (d->hslen == TUNNEL_HS_CAP)
			return 0;
		want = TUNNEL_HS_CAP - d->hslen;
		n = half_read(src, d->hs + d->hslen, want);
	} else {
		if ((r = tunnel_reserve(t, d, 1)) != 0)	/* full: wait */
			return r == -1 ? conn_fail(&t->c, RC_INTERNAL,
			    "out of memory") : 0;
		want = dir_room(d);
		n = half_read(src, d->buf + d->off + d->len, want);
	}
	if (n == HALF_AGAIN)
		return 0;
	/* A short read drained the socket: do not ask again until the event
	 * loop says so (a TLS half still serves what OpenSSL buffered). */
	if (n > 0 && (size_t)n < want)
		src->rd_ready = 0;
	if (n == HALF_ERR)
		return conn_fail(&t->c, conn_io_reason(src), "%s read: %s",
		    src == &t->local ? "local" :
		    "remote", src->err ? src->err : "error");
	*progress = 1;
	if (n == 0) {
		d->eof = 1;
		if (d->handshake || d->hslen > 0)
			return conn_fail(&t->c, RC_HANDSHAKE_ABORTED,
			    "%s closed during the handshake",
			    src == &t->local ? "local node" : "peer");
		return 0;
	}
	if (d->handshake) {
		d->hslen += (size_t)n;
		return hs_filter(t, d);
	}
	d->len += (size_t)n;
	/* TLS hands out one record per read: take what else is already
	 * here so the node gets it in one write, not one per record.  An
	 * end or error met here is taken now: once read out of OpenSSL's
	 * buffer, no event would ever report it again. */
	for (int i = 0; i < 8 && src->ssl != NULL && dir_room(d) > 0 &&
	    (half_pending(src) || src->rd_ready); i++) {
		want = dir_room(d);
		n = half_read(src, d->buf + d->off + d->len, want);
		if (n == HALF_AGAIN)
			break;
		if (n == HALF_ERR)
			return conn_fail(&t->c, conn_io_reason(src),
			    "%s read: %s", src == &t->local ? "local" : "remote",
			    src->err ? src->err : "error");
		if (n == 0) {
			d->eof = 1;
			break;
		}
		d->len += (size_t)n;
	}
	return 0;
}

/* Writes D's buffer to DST; ends DST's write side after EOF.  Returns 0 or
 * -1 with the failure recorded. */
static int
dir_flush(struct tunnel *t, struct dir *d, struct half *dst, int *progress)
{
	ssize_t n;

	while (d->len > 0) {
		n = half_write(dst, d->buf + d->off, d->len);
		if (n == HALF_AGAIN)
			return 0;
		if (n == HALF_ERR)
			return conn_fail(&t->c, conn_io_reason(dst),
			    "%s write: %s",
			    dst == &t->local ? "local" : "remote",
			    dst->err ? dst->err : "error");
		d->off += (size_t)n;
		d->len -= (size_t)n;
		if (d == &t->up)
			t->c.bytes_out += (uint64_t)n;
		else
			t->c.bytes_in += (uint64_t)n;
		*progress = 1;
	}
	d->off = 0;
	if (half_unflushed(dst)) {
		int r = half_flush(dst);
		if (r == HALF_AGAIN)
			return 0;
		if (r == HALF_ERR)
			return conn_fail(&t->c, conn_io_reason(dst),
			    "remote write: %s",
			    dst->err ? dst->err : "error");
		*progress = 1;
	}
	if (d->eof && !d->shut && d->hslen == 0) {
		int r = d->shut_sent ? 0 : half_shutdown_wr(dst);
		if (r == 0) {
			d->shut_sent = 1;
			r = half_flush(dst);	/* the close_notify itself */
		}
		if (r == HALF_AGAIN)
			return 0;
		if (r == HALF_ERR)
			return conn_fail(&t->c, conn_io_reason(dst),
			    "%s shutdown: %s",
			    dst == &t->local ? "local" : "remote",
			    dst->err ? dst->err : "error");
		d->shut = 1;
		*progress = 1;
	}
	return 0;
}

int
splice_flush_up(struct tunnel *t)
{
	int progress = 0;

	if (dir_flush(t, &t->up, &t->c.h, &progress) == -1)
		return -1;
	return half_want(&t->c.h, 0, t->up.len > 0) == -1 ?
	    conn_fail(&t->c, RC_INTERNAL, "event setup failed") : 0;
}

/* Frees a drained buffer so an idle link costs little memory. */
static void
dir_release(struct dir *d)
{
	if (d->buf != NULL && d->len == 0) {
		free(d->buf);
		d->buf = NULL;
		d->cap = d->off = 0;
	}
	if (d->hs != NULL && !d->handshake && d->hslen == 0) {
		free(d->hs);
		d->hs = NULL;
	}
}

/* Reads per half and wake-up while closing, then a kick. */
#define LINGER_READS	16

/*
 * TUN_CLOSING, one half H whose write side D ends: ends it, then reads and
 * drops what comes until the far end closes.  *DONE is set once H has
 * nothing more to give (EOF, or an error: the socket is finished either
 * way).  Returns 1 if H should be read again without an event (OpenSSL
 * holds more), else 0.
 */
static int
linger_half(struct half *h, struct dir *d, unsigned *done)
{
	uint8_t scrap[16384];
	ssize_t n;
	int r;

	if (!d->shut) {
		r = d->shut_sent ? 0 : half_shutdown_wr(h);
		if (r == 0) {
			d->shut_sent = 1;
			r = half_flush(h);
		}
		if (r == 0 || r == HALF_ERR)
			d->shut = 1;	/* sent, or it never will be */
		if (r == HALF_ERR)
			*done = 1;
	}
	for (int i = 0; !*done && i < LINGER_READS; i++) {
		n = half_read(h, scrap, sizeof(scrap));
		if (n == HALF_AGAIN)
			return 0;
		if (n == 0 || n == HALF_ERR)
			*done = 1;
	}
	return !*done;
}

/* The step of a tunnel in TUN_CLOSING.  Returns -1 (with the code
 * splice_end() recorded) once both far ends closed, else 0. */
static int
linger_step(struct tunnel *t)
{
	unsigned ldone = t->local_done, rdone = t->remote_done;
	int again;

	again = linger_half(&t->local, &t->down, &ldone);
	again |= linger_half(&t->c.h, &t->up, &rdone);
	t->local_done = ldone;
	t->remote_done = rdone;
	if (t->local_done && t->remote_done)
		return -1;
	if (again)
		tunnel_kick(t);
	if (half_want(&t->local, !t->local_done, !t->down.shut) == -1 ||
	    half_want(&t->c.h, !t->remote_done, !t->up.shut) == -1)
		return conn_fail(&t->c, RC_INTERNAL, "event setup failed");
	return 0;
}

void
splice_end(struct tunnel *t, enum reason code, const char *why)
{
	struct dir *d[2] = { &t->up, &t->down };

	if (t->c.state != TUN_ESTABLISHED) {
		conn_close(&t->c, code, why);
		return;
	}
	(void)conn_fail(&t->c, code, "%s", why);
	/* The connection is cut: bytes of a half-sent message are of no use
	 * to the node that would get them. */
	for (int i = 0; i < 2; i++) {
		d[i]->off = d[i]->len = 0;
		d[i]->eof = 1;
	}
	conn_set_state(&t->c, TUN_CLOSING);
	t->step = linger_step;
	if (linger_step(t) == -1)
		conn_close_failed(&t->c);
}

int
splice_pump(struct tunnel *t)
{
	struct dir *up = &t->up, *down = &t->down;
	int progress = 1, rounds;

	for (rounds = 0; progress && rounds < PUMP_ROUNDS; rounds++) {
		progress = 0;
		if (dir_fill(t, up, &t->local, &progress) == -1 ||
		    dir_flush(t, up, &t->c.h, &progress) == -1 ||
		    dir_fill(t, down, &t->c.h, &progress) == -1 ||
		    dir_flush(t, down, &t->local, &progress) == -1)
			return -1;
	}
	if (rounds > 1)
		t->last_io = (time_t)(clock_ms() / 1000);
	if (up->shut && down->shut)
		return conn_fail(&t->c, RC_OK, "closed");
	if (t->c.state == TUN_HANDSHAKE && !up->handshake && !down->handshake) {
		conn_set_state(&t->c, TUN_ESTABLISHED);
		if (!t->outbound && t->hv->checked_a) {
			t->proved = 1;
			guard_proved(t->c.gw,
			    t->c.gw->cfg->peers[t->peer_idx].identity,
			    t->initiator);
		}
		free(t->hv);
		t->hv = NULL;
	}
	if (progress)
		tunnel_kick(t);	/* more to do: come back after others */
	if (t->c.state == TUN_ESTABLISHED) {
		dir_release(up);
		dir_release(down);
	}
	int lrd = !up->eof && (up->handshake ? up->hslen < TUNNEL_HS_CAP :
	    up->buf == NULL || up->len < up->cap);
	int rrd = !down->eof && (down->handshake ?
	    down->hslen < TUNNEL_HS_CAP : down->buf == NULL ||
	    down->len < down->cap);
	int lwr = down->len > 0 || (down->eof && !down->shut);
	int rwr = up->len > 0 || (up->eof && !up->shut);
	if (half_want(&t->local, lrd, lwr) == -1 ||
	    half_want(&t->c.h, rrd, rwr) == -1)
		return conn_fail(&t->c, RC_INTERNAL, "event setup failed");
	return 0;
}

int
splice_start(struct tunnel *t, int local_initiator)
{
	struct dir *up = &t->up, *down = &t->down;

	const struct config_peer *peer = &t->c.gw->cfg->peers[t->peer_idx];
	struct hs_policy pol = {
		.remote_initiator = local_initiator == 0,
		.names = peer->nodes,
		.nnames = peer->nnodes,
		.allow_hidden = peer->allow_hidden,
		.expect_alive = local_initiator ? t->target : NULL,
		.cookie_for = cookie_for,
		.admit = local_initiator ? NULL : admit,
		.arg = t,
	};

	if (up->hs == NULL && (up->hs = malloc(TUNNEL_HS_CAP)) == NULL)
		return conn_fail(&t->c, RC_INTERNAL, "out of memory");
	if (down->hs == NULL && (down->hs = malloc(TUNNEL_HS_CAP)) == NULL)
		return conn_fail(&t->c, RC_INTERNAL, "out of memory");
	if ((t->hv = malloc(sizeof(*t->hv))) == NULL)
		return conn_fail(&t->c, RC_INTERNAL, "out of memory");
	/*
	 * An idle tunnel keeps no TLS record buffers (about 34 KiB).  A
	 * native OTP node ends its TLS without close_notify: distribution
	 * frames carry their own lengths, so a bare FIN is an ordinary end.
	 */
	struct half *tls[2] = { &t->c.h, &t->local };
	for (int i = 0; i < 2; i++) {
		if (tls[i]->ssl == NULL)
			continue;
		/* One read() takes several records when they are there. */
		tls_tune_stream(tls[i]->ssl, SPLICE_TLS_RBUF);
		/* Records of one write leave in one send. */
		if (half_gather(tls[i], SPLICE_TLS_WBUF) == -1)
			return conn_fail(&t->c, RC_INTERNAL, "TLS buffer setup");
	}
	hs_verify_init(t->hv, &pol);
	t->step = splice_pump;
	/* inet_tcp_dist frames the handshake with 2-byte lengths, TLS legs
	 * with 4 as inet_tls_dist does; a bastion may have TLS both sides. */
	up->src_prefix = down->dst_prefix = t->local.ssl ? 4 : 2;
	up->dst_prefix = down->src_prefix = t->c.h.ssl ? 4 : 2;
	up->from_initiator = local_initiator != 0;
	down->from_initiator = local_initiator == 0;
	up->handshake = down->handshake = 1;
	conn_set_state(&t->c, TUN_HANDSHAKE);
	if (down->hslen > 0 && hs_filter(t, down) == -1)
		return -1;
	return splice_pump(t);
}
