/*
 * test_splice.c — the data path of a tunnel (proxy/splice.c over
 * proxy/half.c and proxy/tunnel.c), driven over socketpairs with real TLS
 * on the remote leg, without root, network namespaces or Erlang.
 *
 * Each test builds a gateway by hand (tunnel_fixture.h), makes one tunnel,
 * and plays both nodes from the test: the local node on the 2-byte-framed
 * local leg, the remote side on the TLS leg (4-byte frames) or a plain
 * one (2-byte frames).  Covered: the handshake re-framed at every split
 * point and one byte at a time, back-pressure each way, half-close each
 * way, and every close path with the code its audit line carries,
 * including what an inbound refusal does to the lockout table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tunnel_fixture.h"

/* ---- handshake scripts ------------------------------------------------ */

#define STREAM_MAX	512
#define STREAM_MSGS	8
#define STREAM_PHASES	4
#define CUT_NONE	0
#define CUT_BYTES	SIZE_MAX

/*
 * One direction of a handshake: the bytes as its sender writes them (SRC,
 * framed for the sender's leg) and as its receiver must read them (DST,
 * framed for the receiver's leg), with message ends, and the points where
 * the sender waits for the other side.
 */
struct stream {
	int from;			/* FX_LOCAL_SIDE or FX_REMOTE_SIDE */
	unsigned sp, dp;		/* source and destination prefixes */
	uint8_t src[STREAM_MAX], dst[STREAM_MAX];
	size_t srclen, dstlen;
	size_t src_end[STREAM_MSGS], dst_end[STREAM_MSGS];
	size_t nmsg;
	size_t hs_src, hs_dst;		/* end of the last message */
	size_t phase[STREAM_PHASES];	/* where in SRC the sender waits */
	size_t nphase;
};

struct script {
	struct stream ini, acc;
};

/* Bytes after the handshake: not a valid frame in any leg's framing. */
static const uint8_t trail_ini[] = { 0, 0, 0, 0, 'i', 'n', 'i', 0xff, 0x7f };
static const uint8_t trail_acc[] = { 0, 0, 0xff, 0xff, 'a', 'c', 'c', 0 };

static void
stream_init(struct stream *s, int from, unsigned rprefix)
{
	memset(s, 0, sizeof(*s));
	s->from = from;
	s->sp = from == FX_LOCAL_SIDE ? 2 : rprefix;
	s->dp = from == FX_LOCAL_SIDE ? rprefix : 2;
}

static void
stream_msg(struct stream *s, const uint8_t *p, size_t n)
{
	assert_true(s->nmsg < STREAM_MSGS);
	assert_true(s->srclen + 4 + n <= STREAM_MAX);
	s->srclen += fx_frame(s->src + s->srclen, s->sp, p, n);
	s->dstlen += fx_frame(s->dst + s->dstlen, s->dp, p, n);
	s->src_end[s->nmsg] = s->hs_src = s->srclen;
	s->dst_end[s->nmsg] = s->hs_dst = s->dstlen;
	s->nmsg++;
}

static void
stream_data(struct stream *s, const uint8_t *p, size_t n)
{
	assert_true(s->srclen + n <= STREAM_MAX);
	memcpy(s->src + s->srclen, p, n);
	memcpy(s->dst + s->dstlen, p, n);
	s->srclen += n;
	s->dstlen += n;
}

static void
stream_wait(struct stream *s)
{
	assert_true(s->nphase < STREAM_PHASES);
	s->phase[s->nphase++] = s->srclen;
}

/* What S's receiver must hold once W bytes of SRC were written: the
 * re-framed messages that are whole, then any bytes after the last. */
static size_t
stream_expect(const struct stream *s, size_t w)
{
	size_t e = 0;

	if (s->nmsg > 0 && w >= s->hs_src)
		return s->hs_dst + (w - s->hs_src);
	for (size_t i = 0; i < s->nmsg; i++)
		if (s->src_end[i] <= w)
			e = s->dst_end[i];
	return e;
}

/*
 * The whole handshake of an OUTBOUND (local node initiates) or inbound
 * tunnel whose remote leg frames with RPREFIX bytes, digests under COOKIE
 * (NULL: zeroes), and with TRAIL, bytes after each side's last message.
 */
static void
script_make(struct script *s, int outbound, unsigned rprefix,
    const char *cookie, int trail)
{
	uint8_t m[FX_MSG_MAX];
	const char *ini = outbound ? FX_LOCAL : FX_REMOTE;
	const char *acc = outbound ? FX_REMOTE : FX_LOCAL;

	stream_init(&s->ini, outbound ? FX_LOCAL_SIDE : FX_REMOTE_SIDE,
	    rprefix);
	stream_init(&s->acc, outbound ? FX_REMOTE_SIDE : FX_LOCAL_SIDE,
	    rprefix);
	stream_msg(&s->ini, m, fx_msg_name(m, FX_FLAGS, ini));
	stream_wait(&s->ini);
	stream_msg(&s->acc, m, fx_msg_status(m, "ok"));
	stream_msg(&s->acc, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B, acc));
	stream_wait(&s->acc);
	stream_msg(&s->ini, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B, cookie));
	stream_wait(&s->ini);
	stream_msg(&s->acc, m, fx_msg_ack(m, FX_CHAL_A, cookie));
	if (trail) {
		/* The acceptor's data follow its ack in the same write; the
		 * initiator's come once it has the ack. */
		stream_data(&s->acc, trail_acc, sizeof(trail_acc));
		stream_data(&s->ini, trail_ini, sizeof(trail_ini));
	}
}

/* Both receivers hold exactly what they must after DONE[i] bytes of each
 * stream were written, and the tunnel is still open. */
static void
check_received(struct fx *f, struct stream *const st[2], const size_t done[2],
    uint8_t got[2][STREAM_MAX], size_t gotn[2])
{
	for (int i = 0; i < 2; i++) {
		size_t want = stream_expect(st[i], done[i]);
		assert_int_equal(fx_read(f, 1 - st[i]->from, got[i],
		    STREAM_MAX, &gotn[i]), FX_OPEN);
		assert_int_equal(gotn[i], want);
		assert_memory_equal(got[i], st[i]->dst, want);
	}
	assert_true(fx_alive(f));
}

/*
 * Plays S on f->t: the phases in protocol order (initiator, acceptor,
 * initiator, ...), each written into its sender's end; the stream CUT_IN
 * is cut at byte CUT (CUT_BYTES: one byte per write).  The loop is pumped
 * after every write and both receivers are checked after each.  Ends with
 * the tunnel established.
 */
static void
play(struct fx *f, struct script *s, const struct stream *cut_in, size_t cut)
{
	struct stream *const st[2] = { &s->ini, &s->acc };
	size_t done[2] = { 0, 0 }, ph[2] = { 0, 0 }, gotn[2] = { 0, 0 };
	uint8_t got[2][STREAM_MAX];

	while (ph[0] <= st[0]->nphase || ph[1] <= st[1]->nphase) {
		for (int i = 0; i < 2; i++) {
			struct stream *x = st[i];
			if (ph[i] > x->nphase)
				continue;
			size_t end = ph[i] < x->nphase ? x->phase[ph[i]] :
			    x->srclen;
			ph[i]++;
			while (done[i] < end) {
				size_t n = end - done[i];
				if (x == cut_in && cut == CUT_BYTES)
					n = 1;
				else if (x == cut_in && cut > done[i] &&
				    cut < end)
					n = cut - done[i];
				fx_write(f, x->from, x->src + done[i], n);
				done[i] += n;
				fx_pump(f);
				check_received(f, st, done, got, gotn);
			}
		}
	}
	assert_int_equal(gotn[0], s->ini.dstlen);
	assert_int_equal(gotn[1], s->acc.dstlen);
	assert_int_equal(f->t->c.state, TUN_ESTABLISHED);
	assert_false(f->t->up.handshake);
	assert_false(f->t->down.handshake);
}

/* Makes a tunnel and plays the whole handshake in S (no trailing
 * bytes): the tunnel is established and both ends drained. */
static void
establish(struct fx *f, struct script *s, int outbound, int tls,
    const char *cookie)
{
	assert_int_equal(fx_tunnel(f, outbound, tls), 0);
	script_make(s, outbound, tls ? 4 : 2, cookie, 0);
	play(f, s, NULL, CUT_NONE);
}

/* Closes the open tunnel as the gateway would when stopping, reads its
 * audit line, and drops the test's ends. */
static void
finish(struct fx *f)
{
	char line[1024];

	conn_close_all(&f->gw, CONN_NKINDS, RC_SHUTDOWN, "test over");
	fx_expect_close(f, "ok", "shutdown", line, sizeof(line));
	fx_drop_ends(f);
}

/* ---- 1. handshake re-framing ------------------------------------------- */

/* Every byte of both directions arrives alone (TLS: one record each). */
static void
hs_bytewise(struct fx *f, int outbound, int tls)
{
	struct script s;

	fx_cookie(f, FX_COOKIE);
	assert_int_equal(fx_tunnel(f, outbound, tls), 0);
	script_make(&s, outbound, tls ? 4 : 2, FX_COOKIE, 1);
	/* Cutting one stream bytewise, then the other, covers both. */
	play(f, &s, &s.ini, CUT_BYTES);
	finish(f);
	assert_int_equal(fx_tunnel(f, outbound, tls), 0);
	script_make(&s, outbound, tls ? 4 : 2, FX_COOKIE, 1);
	play(f, &s, &s.acc, CUT_BYTES);
	finish(f);
}

static void
test_hs_bytewise_outbound(void **state)
{
	hs_bytewise(*state, 1, 1);
}

static void
test_hs_bytewise_inbound(void **state)
{
	hs_bytewise(*state, 0, 1);
}

/* A plain remote leg (a bastion's inside host): 2-byte frames both ways. */
static void
test_hs_bytewise_plain(void **state)
{
	hs_bytewise(*state, 0, 0);
}

/* Each direction's stream, cut in two writes at every offset 0 < k < len
 * (inside a length prefix, a payload, at a message boundary, inside the
 * bytes after the last message), on a fresh tunnel each time. */
static void
hs_every_split(struct fx *f, int outbound)
{
	struct script s;
	unsigned tunnels = 0;

	fx_cookie(f, FX_COOKIE);
	for (int which = 0; which < 2; which++) {
		script_make(&s, outbound, 4, FX_COOKIE, 1);
		size_t len = which == 0 ? s.ini.srclen : s.acc.srclen;
		for (size_t k = 1; k < len; k++) {
			assert_int_equal(fx_tunnel(f, outbound, 1), 0);
			script_make(&s, outbound, 4, FX_COOKIE, 1);
			play(f, &s, which == 0 ? &s.ini : &s.acc, k);
			finish(f);
			tunnels++;
		}
	}
	/* Both streams, every cut: not a loop that silently did nothing. */
	script_make(&s, outbound, 4, FX_COOKIE, 1);
	assert_int_equal(tunnels, s.ini.srclen - 1 + s.acc.srclen - 1);
}

/* Outbound: the initiator's messages go 2 -> 4 (local -> TLS), the
 * acceptor's 4 -> 2. */
static void
test_hs_every_split_outbound(void **state)
{
	hs_every_split(*state, 1);
}

/* Inbound: the initiator's messages go 4 -> 2, the acceptor's 2 -> 4. */
static void
test_hs_every_split_inbound(void **state)
{
	hs_every_split(*state, 0);
}

/*
 * Handshake messages staged while the destination buffer is full are
 * re-framed once a flush makes room, even when the source has nothing
 * more to send: a local node slow to read, 4 KiB buffers, and a remote
 * initiator whose messages are large (a send_name with bytes after the
 * name, which parsers ignore, then status messages, which an initiator
 * may send and the gateway passes on).
 */
static void
test_hs_staged_while_full(void **state)
{
	struct fx *f = *state;
	enum { NMSG = 8, PAD = 2000 };
	uint8_t m[FX_MSG_MAX], out[NMSG * (2 + FX_MSG_MAX)], all[NMSG *
	    (4 + FX_MSG_MAX)];
	size_t mlen[NMSG], want = 0, alln = 0, sent = 0, got = 0;

	f->cfg.buffer_size = 4096;
	f->sockbuf = 4096;
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	for (int i = 0; i < NMSG; i++) {
		if (i == 0)
			mlen[i] = fx_msg_name(m, FX_FLAGS, FX_REMOTE);
		else
			mlen[i] = fx_msg_status(m, "");
		memset(m + mlen[i], 'a' + i, PAD);
		mlen[i] += PAD;
		alln += fx_frame(all + alln, 4, m, mlen[i]);
		want += fx_frame(out + want, 2, m, mlen[i]);
	}
	/* The remote writes as the gateway takes it; the local node reads
	 * only once nothing moves any more, then reads everything. */
	for (int round = 0; round < 200 && got < want; round++) {
		size_t w = 0;
		ERR_clear_error();
		if (sent < alln && SSL_write_ex(f->rssl, all + sent,
		    alln - sent, &w) == 1)
			sent += w;
		fx_pump(f);
		if (round == 19) {
			/* The case at hand: a whole message staged behind a
			 * buffer too full to take it. */
			assert_true(f->t->down.len > 0);
			assert_true(f->t->down.len + 2 + 2000 >
			    f->cfg.buffer_size);
			assert_true(f->t->down.hslen >= 4 + 2000);
		}
		if (round >= 20) {
			uint8_t b[sizeof(out)];
			size_t n = 0;
			assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b),
			    &n), FX_OPEN);
			assert_true(got + n <= want);
			assert_memory_equal(b, out + got, n);
			got += n;
		}
	}
	assert_int_equal(sent, alln);
	assert_int_equal(got, want);
	assert_true(fx_alive(f));
	assert_int_equal(f->t->c.state, TUN_HANDSHAKE);
}

/* ---- 2. back-pressure -------------------------------------------------- */

#define BP_TOTAL	(512 * 1024)
#define BP_CHUNK	1024

static uint8_t bp_data[BP_TOTAL];

static void
bp_fill(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < BP_TOTAL; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bp_data[i] = (uint8_t)(x >> 32);
	}
}

/* Writes into SIDE's end from bp_data at *SENT until it would block;
 * returns how many bytes it took.  A TLS write that would block is
 * retried later with the same bytes (moving-buffer mode is on). */
static size_t
bp_write(struct fx *f, int side, size_t *sent)
{
	size_t before = *sent;

	while (*sent < BP_TOTAL) {
		size_t n = BP_TOTAL - *sent < BP_CHUNK ? BP_TOTAL - *sent :
		    BP_CHUNK;
		if (side == FX_REMOTE_SIDE) {
			size_t w = 0;
			ERR_clear_error();
			if (SSL_write_ex(f->rssl, bp_data + *sent, n,
			    &w) != 1) {
				assert_int_equal(SSL_get_error(f->rssl, 0),
				    SSL_ERROR_WANT_WRITE);
				break;
			}
			*sent += w;
		} else {
			ssize_t w = write(f->lfd, bp_data + *sent, n);
			if (w == -1) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			*sent += (size_t)w;
		}
	}
	return *sent - before;
}

/* Reads SIDE's end and checks each byte against bp_data in order. */
static size_t
bp_read(struct fx *f, int side, size_t *rcvd)
{
	static uint8_t b[128 * 1024];
	size_t n = 0;

	assert_int_equal(fx_read(f, side, b, sizeof(b), &n), FX_OPEN);
	assert_true(*rcvd + n <= BP_TOTAL);
	if (memcmp(b, bp_data + *rcvd, n) != 0)
		fail_msg("bytes %zu..%zu differ from what was sent", *rcvd,
		    *rcvd + n);
	*rcvd += n;
	return n;
}

/*
 * FROM writes while the far end reads nothing: the writes stop being
 * accepted, the direction's buffer never exceeds buffer_size, the source
 * socket keeps unread bytes and has no read interest.  Then the far end
 * drains: every byte arrives, in order, and the source is read again.
 */
static void
backpressure(struct fx *f, int from)
{
	struct script s;
	size_t sent = 0, rcvd = 0, blocked_at;
	struct dir *d;
	struct half *src;
	int avail = 0;

	bp_fill();
	f->cfg.buffer_size = 4096;
	f->sockbuf = 8192;
	establish(f, &s, 1, 1, NULL);
	d = from == FX_LOCAL_SIDE ? &f->t->up : &f->t->down;
	src = from == FX_LOCAL_SIDE ? &f->t->local : &f->t->c.h;

	/* Until a write after a pump takes nothing. */
	for (int i = 0; ; i++) {
		assert_true(i < 1000);
		size_t took = bp_write(f, from, &sent);
		fx_pump(f);
		assert_true(d->buf == NULL || d->cap == f->cfg.buffer_size);
		assert_true(d->len <= f->cfg.buffer_size);
		if (took == 0 && i > 0)
			break;
	}
	blocked_at = sent;
	assert_true(sent < BP_TOTAL / 2);
	assert_int_equal(d->len, f->cfg.buffer_size);	/* full */
	assert_int_equal(ioctl(src->fd, FIONREAD, &avail), 0);
	assert_true(avail > 0);		/* the source keeps bytes */
	assert_false(src->rev_on);		/* ... and is not read */
	fx_expect_nothing(f, from);		/* nothing went back */

	/* Drain and keep writing: everything arrives, in order. */
	for (int i = 0; rcvd < BP_TOTAL; i++) {
		assert_true(i < 20000);
		(void)bp_read(f, 1 - from, &rcvd);
		(void)bp_write(f, from, &sent);
		fx_pump(f);
		assert_true(d->len <= f->cfg.buffer_size);
	}
	assert_true(blocked_at < sent);		/* reading resumed */
	assert_int_equal(sent, BP_TOTAL);
	assert_int_equal(rcvd, BP_TOTAL);
	assert_true(src->rev_on);		/* waiting for more again */
	assert_int_equal(from == FX_LOCAL_SIDE ? f->t->c.bytes_out :
	    f->t->c.bytes_in, (from == FX_LOCAL_SIDE ? s.ini.dstlen :
	    s.acc.dstlen) + BP_TOTAL);
	finish(f);
}

/* Local node -> TLS peer that does not read. */
static void
test_backpressure_up(void **state)
{
	backpressure(*state, FX_LOCAL_SIDE);
}

/* TLS peer -> local node that does not read. */
static void
test_backpressure_down(void **state)
{
	backpressure(*state, FX_REMOTE_SIDE);
}

/* ---- 3. half-close ----------------------------------------------------- */

static const uint8_t data_up[] = "from the local node, before its FIN";
static const uint8_t data_down[] = "from the remote side";

/* Ends SIDE's write direction: FIN, or TLS close_notify. */
static void
end_side(struct fx *f, int side)
{
	if (side == FX_REMOTE_SIDE && f->rssl != NULL) {
		ERR_clear_error();
		assert_true(SSL_shutdown(f->rssl) >= 0);
	} else
		assert_int_equal(shutdown(side == FX_LOCAL_SIDE ? f->lfd :
		    f->rfd, SHUT_WR), 0);
}

/*
 * FIRST writes and ends its direction; the other end reads the data then
 * an orderly end (EOF; TLS: close_notify); the other direction still
 * carries data; when it ends too, the tunnel closes with code ok and the
 * bytes each way counted.
 */
static void
halfclose(struct fx *f, int outbound, int tls, int first)
{
	struct script s;
	const uint8_t *d1 = first == FX_LOCAL_SIDE ? data_up : data_down;
	const uint8_t *d2 = first == FX_LOCAL_SIDE ? data_down : data_up;
	size_t n1 = first == FX_LOCAL_SIDE ? sizeof(data_up) :
	    sizeof(data_down);
	size_t n2 = first == FX_LOCAL_SIDE ? sizeof(data_down) :
	    sizeof(data_up);
	int second = 1 - first;
	uint8_t b[256];
	size_t n = 0;
	char line[1024], v[64];

	establish(f, &s, outbound, tls, NULL);
	fx_write(f, first, d1, n1);
	end_side(f, first);
	fx_pump(f);
	assert_int_equal(fx_read(f, second, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, n1);
	assert_memory_equal(b, d1, n1);
	assert_true(fx_alive(f));
	assert_true(first == FX_LOCAL_SIDE ? f->t->up.shut : f->t->down.shut);

	/* The other way still works, and ends on its own. */
	fx_write(f, second, d2, n2);
	fx_pump(f);
	n = 0;
	assert_int_equal(fx_read(f, first, b, sizeof(b), &n), FX_OPEN);
	assert_int_equal(n, n2);
	assert_memory_equal(b, d2, n2);
	assert_true(fx_alive(f));
	end_side(f, second);
	fx_pump(f);
	n = 0;
	assert_int_equal(fx_read(f, first, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);

	fx_expect_close(f, "ok", "ok", line, sizeof(line));
	size_t to_remote = (outbound ? s.ini.dstlen : s.acc.dstlen) +
	    sizeof(data_up);
	size_t to_local = (outbound ? s.acc.dstlen : s.ini.dstlen) +
	    sizeof(data_down);
	assert_int_equal(strtoull(fx_field(line, "bytes_out", v, sizeof(v)),
	    NULL, 10), to_remote);
	assert_int_equal(strtoull(fx_field(line, "bytes_in", v, sizeof(v)),
	    NULL, 10), to_local);
	assert_string_equal(fx_field(line, "initiator", v, sizeof(v)),
	    outbound ? FX_LOCAL : FX_REMOTE);
	assert_string_equal(fx_field(line, "acceptor", v, sizeof(v)),
	    outbound ? FX_REMOTE : FX_LOCAL);
	assert_string_equal(fx_field(line, "dir", v, sizeof(v)),
	    outbound ? "out" : "in");
	assert_string_equal(fx_field(line, "peer", v, sizeof(v)), FX_PEER);
}

static void
test_halfclose_local_first(void **state)
{
	halfclose(*state, 1, 1, FX_LOCAL_SIDE);
}

static void
test_halfclose_remote_first(void **state)
{
	halfclose(*state, 0, 1, FX_REMOTE_SIDE);
}

static void
test_halfclose_plain_local_first(void **state)
{
	halfclose(*state, 0, 0, FX_LOCAL_SIDE);
}

static void
test_halfclose_plain_remote_first(void **state)
{
	halfclose(*state, 1, 0, FX_REMOTE_SIDE);
}

/* ---- 3b. the gateway ends a tunnel in order (drain) ---------------------- */

/*
 * splice_end(), as at drain_timeout: both ends had sent bytes the gateway
 * had not read yet, yet both read an orderly end (a socketpair whose peer
 * closes with unread bytes reads ECONNRESET, which fx_read() fails on);
 * what was in flight is dropped; what the ends send afterwards is read and
 * dropped; the tunnel closes with code shutdown once both ends closed.
 */
static void
end_in_order(struct fx *f, int tls)
{
	struct script s;
	uint8_t b[256];
	size_t n;
	char line[1024], v[64];

	establish(f, &s, 1, tls, NULL);
	fx_write(f, FX_LOCAL_SIDE, data_up, sizeof(data_up));
	fx_write(f, FX_REMOTE_SIDE, data_down, sizeof(data_down));
	splice_end(f->t, RC_SHUTDOWN, "drain_timeout reached");
	fx_pump(f);
	assert_true(fx_alive(f));
	assert_int_equal(f->t->c.state, TUN_CLOSING);
	n = 0;
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(fx_read(f, FX_REMOTE_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);

	fx_write(f, FX_LOCAL_SIDE, data_up, sizeof(data_up));
	end_side(f, FX_LOCAL_SIDE);
	fx_pump(f);
	assert_true(fx_alive(f));
	assert_true(f->t->local_done);
	assert_false(f->t->remote_done);
	end_side(f, FX_REMOTE_SIDE);
	fx_pump(f);
	fx_expect_close(f, "ok", "shutdown", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "drain_timeout reached");
	fx_drop_ends(f);
}

static void
test_end_in_order(void **state)
{
	end_in_order(*state, 1);
}

static void
test_end_in_order_plain(void **state)
{
	end_in_order(*state, 0);
}

/* Ends that never close: the tunnel closes TUNNEL_LINGER_MS after
 * splice_end(), still with the code it gave. */
static void
test_end_linger_bound(void **state)
{
	struct fx *f = *state;
	struct script s;
	char line[1024];
	uint64_t ms;

	establish(f, &s, 0, 1, NULL);
	splice_end(f->t, RC_SHUTDOWN, "drain_timeout reached");
	ms = fx_run_until_closed(f, TUNNEL_LINGER_MS + 3000);
	assert_true(ms >= TUNNEL_LINGER_MS - 100);
	assert_true(ms < TUNNEL_LINGER_MS + 1000);
	fx_expect_close(f, "ok", "shutdown", line, sizeof(line));
	assert_non_null(strstr(line, "did not close in time"));
	fx_drop_ends(f);
}

/* ---- 4. close paths and their codes ------------------------------------ */

/* Stopping the gateway closes an established tunnel with code shutdown;
 * both nodes see an orderly end. */
static void
test_close_shutdown(void **state)
{
	struct fx *f = *state;
	struct script s;
	uint8_t b[64];
	size_t n = 0;
	char line[1024];

	establish(f, &s, 1, 1, NULL);
	conn_close_all(&f->gw, CONN_KIND_TUNNEL, RC_SHUTDOWN, "stopping");
	fx_expect_close(f, "ok", "shutdown", line, sizeof(line));
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(fx_read(f, FX_REMOTE_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
}

/* A handshake that does not finish within handshake_timeout_ms. */
static void
test_close_timeout(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX];
	char line[1024], v[128];
	uint64_t t0;

	f->cfg.handshake_timeout_ms = 80;
	t0 = clock_ms();
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	assert_true(fx_alive(f));
	(void)fx_run_until_closed(f, 3000);
	/* Not before its time, and not much after. */
	assert_true(clock_ms() - t0 >= 80);
	assert_true(clock_ms() - t0 < 2000);
	fx_expect_close(f, "error", "timeout", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "distribution handshake timeout");
	/* Not a refusal: the source is not counted. */
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP,
	    clock_ms()), 0);
}

/* A frame that cannot be a handshake message (length above the cap):
 * refused, and the local node gets none of it. */
static void
test_close_malformed_garbage(void **state)
{
	struct fx *f = *state;
	static const uint8_t junk[] = { 0x7f, 0xff, 0xff, 0xff, 'N', 0, 0 };
	uint8_t b[64];
	size_t n = 0;
	char line[1024], v[128];

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_write(f, FX_REMOTE_SIDE, junk, sizeof(junk));
	fx_pump(f);
	fx_expect_close(f, "refused", "malformed_handshake", line,
	    sizeof(line));
	assert_non_null(strstr(fx_field(line, "reason", v, sizeof(v)),
	    "handshake message too long"));
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
}

/* A message out of order: the remote initiator sends a second send_name
 * where its challenge reply belongs; the local node never sees it. */
static void
test_close_malformed_order(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	size_t n = 0;
	char line[1024], v[128];

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    FX_LOCAL));
	fx_pump(f);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_expect_close(f, "refused", "malformed_handshake", line,
	    sizeof(line));
	assert_non_null(strstr(fx_field(line, "reason", v, sizeof(v)),
	    "unexpected message 'N' from the initiator"));
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
}

/* A node closes mid-handshake (here the local initiator after its
 * send_name; then the TLS peer after its status). */
static void
test_close_handshake_aborted(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX];
	char line[1024], v[128];

	assert_int_equal(fx_tunnel(f, 1, 1), 0);
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	assert_int_equal(shutdown(f->lfd, SHUT_WR), 0);
	fx_pump(f);
	fx_expect_close(f, "error", "handshake_aborted", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "local node closed during the handshake");
	assert_string_equal(fx_field(line, "initiator", v, sizeof(v)),
	    FX_LOCAL);
	fx_drop_ends(f);

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_status(m, "nok"));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_status(m, "nok"));
	end_side(f, FX_REMOTE_SIDE);
	fx_pump(f);
	fx_expect_close(f, "error", "handshake_aborted", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "peer closed during the handshake");
	/* An error, not a refusal: the source is not counted. */
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP,
	    clock_ms()), 0);
}

/* Encrypts TEXT as the test's TLS end would send it, into REC; flips
 * one ciphertext byte when CORRUPT.  Returns the record's length. */
static size_t
tls_record(struct fx *f, const char *text, int corrupt, uint8_t *rec,
    size_t cap)
{
	BIO *mem = BIO_new(BIO_s_mem()), *sock = SSL_get_wbio(f->rssl);
	size_t n = strlen(text);
	int len;

	assert_non_null(mem);
	assert_int_equal(BIO_up_ref(sock), 1);
	SSL_set0_wbio(f->rssl, mem);
	assert_int_equal(SSL_write(f->rssl, text, (int)n), (int)n);
	len = BIO_read(mem, rec, (int)cap);
	SSL_set0_wbio(f->rssl, sock);		/* frees MEM */
	assert_true(len > 5 + (int)n);
	assert_int_equal(rec[0], 0x17);		/* application data */
	if (corrupt)
		rec[len - 1] ^= 0x01;		/* the AEAD tag */
	return (size_t)len;
}

/*
 * A TLS record corrupted on the wire, mid-stream: the gateway's read
 * fails and the tunnel closes with io_error; the local node never gets
 * that record's bytes.  Alone, and right behind a good record in the same
 * segment (read ahead with it, after it).
 */
static void
test_close_io_error(void **state)
{
	struct fx *f = *state;
	struct script s;
	uint8_t rec[512], b[64];
	size_t n, len;
	char line[1024];

	for (int behind = 0; behind < 2; behind++) {
		establish(f, &s, 0, 1, NULL);
		len = behind ? tls_record(f, "good", 0, rec, sizeof(rec)) : 0;
		len += tls_record(f, "secret data", 1, rec + len,
		    sizeof(rec) - len);
		assert_int_equal(write(f->rfd, rec, len), (ssize_t)len);
		fx_pump(f);
		fx_expect_close(f, "error", "io_error", line, sizeof(line));
		assert_non_null(strstr(line, "reason=\"remote read: "));
		n = 0;
		assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n),
		    FX_EOF);
		assert_true(n == 0 || (behind && n == 4 &&
		    memcmp(b, "good", 4) == 0));
		fx_drop_ends(f);
	}
}

/* Inbound, cookie set: the remote initiator's reply carries the digest
 * of another cookie.  Refused; the local acceptor never sees the reply. */
static void
test_close_bad_cookie_inbound(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	size_t n = 0;
	char line[1024], v[128];

	fx_cookie(f, FX_COOKIE);
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    FX_LOCAL));
	fx_pump(f);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B,
	    "not-the-cookie"));
	fx_pump(f);
	fx_expect_close(f, "refused", "bad_cookie", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "initiator " FX_REMOTE " does not know the cookie");
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	/* counted against the node name from that identity (guard.h) */
	assert_int_equal(lockout_banned(f->gw.lockout,
	    "node:" FX_PEER_ID "/" FX_REMOTE, clock_ms()), 1);
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP,
	    clock_ms()), 0);
}

/* Outbound, cookie set: the remote acceptor's ack is wrong.  Refused; the
 * local initiator never sees the ack; outbound refusals are not counted
 * against anyone. */
static void
test_close_bad_cookie_outbound(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[128];
	size_t n = 0;
	char line[1024], v[128];

	fx_cookie(f, FX_COOKIE);
	assert_int_equal(fx_tunnel(f, 1, 1), 0);
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    FX_REMOTE));
	fx_pump(f);
	n = 0;
	(void)fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n);
	assert_true(n > 0);
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B,
	    FX_COOKIE));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B,
	    FX_COOKIE));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_ack(m, FX_CHAL_A,
	    "not-the-cookie"));
	fx_pump(f);
	fx_expect_close(f, "refused", "bad_cookie", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "acceptor " FX_REMOTE " does not know the cookie");
	n = 0;
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP,
	    clock_ms()), 0);
	assert_int_equal(lockout_banned(f->gw.lockout, "id:" FX_PEER_ID,
	    clock_ms()), 0);
}

/* Names outside the peer's patterns: an inbound initiator, and an
 * outbound acceptor that is not the node asked for. */
static void
test_close_name_not_allowed(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	size_t n = 0;
	char line[1024], v[160];

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS,
	    "evil@hostC.test"));
	fx_pump(f);
	fx_expect_close(f, "refused", "name_not_allowed", line, sizeof(line));
	assert_string_equal(fx_field(line, "initiator", v, sizeof(v)),
	    "evil@hostC.test");
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	fx_drop_ends(f);

	/* Outbound to a1: a2@hostA.test matches the pattern but is not a1. */
	assert_int_equal(fx_tunnel(f, 1, 1), 0);
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    "a2@hostA.test"));
	fx_pump(f);
	fx_expect_close(f, "refused", "name_not_allowed", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "acceptor a2@hostA.test is not the node a1 asked for");
	/* The status may have gone through before; the challenge did not. */
	n = 0;
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_true(n == 0 || (n == 2 + 3 && memcmp(b, "\0\3sok", 5) == 0));
}

/* A hidden initiator (PUBLISHED clear) from a peer without allow_hidden
 * is refused; with allow_hidden it passes. */
static void
test_close_hidden_not_allowed(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	size_t n = 0;
	char line[1024], v[64];

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS_HIDDEN,
	    FX_REMOTE));
	fx_pump(f);
	fx_expect_close(f, "refused", "hidden_not_allowed", line,
	    sizeof(line));
	assert_string_equal(fx_field(line, "hidden", v, sizeof(v)), "yes");
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	fx_drop_ends(f);

	f->peer.allow_hidden = 1;
	lockout_free(f->gw.lockout);	/* the refusal banned that name */
	f->gw.lockout = lockout_new(1, 60000, 60000);
	assert_non_null(f->gw.lockout);
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS_HIDDEN,
	    FX_REMOTE));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS_HIDDEN,
	    FX_REMOTE));
	assert_true(fx_alive(f));
	assert_true(f->t->hidden);
}

/* An inbound refusal is counted through the close path (guard.h): with
 * lockout_failures 1, a handshake refusal bans the node name from that
 * identity, not the address or the identity: the next try of that name is
 * refused at its send_name, another name of the same peer goes on. */
static void
test_lockout_inbound_refusal(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	size_t n = 0;
	char line[1024], v[160];
	uint64_t now = clock_ms();

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS_HIDDEN,
	    FX_REMOTE));
	fx_pump(f);
	fx_expect_close(f, "refused", "hidden_not_allowed", line,
	    sizeof(line));
	fx_drop_ends(f);
	now = clock_ms();
	assert_int_equal(lockout_banned(f->gw.lockout,
	    "node:" FX_PEER_ID "/" FX_REMOTE, now), 1);
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP, now), 0);
	assert_int_equal(lockout_banned(f->gw.lockout, "id:" FX_PEER_ID, now),
	    0);
	assert_int_equal(lockout_bans(f->gw.lockout), 1);

	/* the same name again: refused before the local node sees it */
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_REMOTE));
	fx_pump(f);
	fx_expect_close(f, "refused", "locked_out", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "node " FX_REMOTE " of " FX_PEER_ID " is locked out");
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	fx_drop_ends(f);
	/* another name of the same peer goes on */
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS,
	    "a2@hostA.test"));
	fx_pump(f);
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS,
	    "a2@hostA.test"));
	assert_true(fx_alive(f));
}

/* A bystander inbound tunnel from ADDR with peer IDX (-1: before its
 * certificate was seen; else in the distribution handshake as initiator
 * NAME, or established when SETTLED). */
static struct tunnel *
bystander(struct fx *f, const char *addr, long idx, const char *name,
    int settled)
{
	struct tunnel *t = tunnel_new(&f->gw, 0);

	assert_non_null(t);
	(void)snprintf(t->rip, sizeof(t->rip), "%s", addr);
	(void)snprintf(t->raddr, sizeof(t->raddr), "%s:4370", addr);
	conn_set_state(&t->c, TUN_TLS_ACCEPT);
	if (idx >= 0) {
		t->peer_idx = idx;
		conn_set_state(&t->c, TUN_REQUESTS);
		conn_set_state(&t->c, TUN_NODE_CONNECT);
		conn_set_state(&t->c, TUN_HANDSHAKE);
		(void)snprintf(t->initiator, sizeof(t->initiator), "%s", name);
		if (settled)
			conn_set_state(&t->c, TUN_ESTABLISHED);
	}
	return t;
}

/* Reads N audit lines; checks each is CODE or locked_out; returns how
 * many were locked_out (every other one must be CODE, exactly one). */
static int
audit_codes(struct fx *f, int n, const char *code)
{
	char line[1024], v[64];
	int locked = 0, other = 0;

	for (int i = 0; i < n; i++) {
		fx_audit_next(f, line, sizeof(line));
		fx_field(line, "code", v, sizeof(v));
		if (strcmp(v, "locked_out") == 0) {
			locked++;
			assert_string_equal(fx_field(line, "verdict", v,
			    sizeof(v)), "refused");
		} else {
			assert_string_equal(v, code);
			other++;
		}
	}
	assert_int_equal(other, 1);
	/* no further line: each closed tunnel has exactly one */
	assert_null(fgets(line, sizeof(line), f->gw.audit));
	f->audit_off = ftell(f->gw.audit);
	return locked;
}

/* A ban acts at once: the close that starts it closes, with code
 * locked_out and one audit line each, every open inbound tunnel under
 * the banned key, and nothing else.  An address: those from it not yet
 * authenticated; a node name: that name's unsettled handshakes from that
 * identity; an identity: everything of it.  Outbound ones never. */
static void
test_lockout_ban_closes_open(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX];
	struct tunnel *out, *t;

	out = tunnel_new(&f->gw, 1);		/* outbound: never banned */
	assert_non_null(out);
	(void)snprintf(out->rip, sizeof(out->rip), "%s", FX_RIP);
	out->peer_idx = 0;
	conn_set_state(&out->c, TUN_ROUTE);

	/* a node name: its handshakes, not its established link */
	(void)bystander(f, "192.0.2.99", 0, "evil@hostA.test", 0);
	(void)bystander(f, "192.0.2.99", 0, "evil@hostA.test", 1);
	(void)bystander(f, "192.0.2.99", 0, "good@hostA.test", 0);
	(void)bystander(f, FX_RIP, -1, "", 0);
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS_HIDDEN,
	    "evil@hostA.test"));
	fx_pump(f);
	assert_int_equal(audit_codes(f, 2, "hidden_not_allowed"), 1);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 4);
	fx_drop_ends(f);
	f->t = NULL;

	/* an address: the unauthenticated one from it, not the others */
	t = bystander(f, FX_RIP, -1, "", 0);
	conn_close(&t->c, RC_TLS_FAILED, "test");
	assert_int_equal(audit_codes(f, 2, "tls_failed"), 1);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 3);

	/* an identity: every connection of it */
	t = bystander(f, "192.0.2.98", 0, "", 0);
	conn_close(&t->c, RC_BAD_REQUEST, "test");
	assert_int_equal(audit_codes(f, 3, "bad_request"), 2);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 1);
	/* the bans do not count locked_out closes as failures */
	assert_int_equal(lockout_bans(f->gw.lockout), 3);
}

/* Runs an inbound handshake of NAME whose reply carries the digest of
 * COOKIE, up to the refusal or to the established tunnel (1), which it
 * then closes. */
static int
inbound_hs(struct fx *f, const char *name, const char *cookie)
{
	uint8_t m[FX_MSG_MAX];

	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, name));
	fx_pump(f);
	if (!fx_alive(f))
		return 0;
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, name));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    FX_LOCAL));
	fx_pump(f);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B,
	    cookie));
	fx_pump(f);
	if (!fx_alive(f))
		return 0;
	fx_recv(f, FX_LOCAL_SIDE, m, fx_msg_reply(m, FX_CHAL_A, FX_CHAL_B,
	    cookie));
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_ack(m, FX_CHAL_A, FX_COOKIE));
	fx_pump(f);
	assert_true(fx_alive(f));
	assert_int_equal(f->t->c.state, TUN_ESTABLISHED);
	conn_close(&f->t->c, RC_OK, "test over");
	f->t = NULL;
	return 1;
}

/* The guess budget (lockout_guesses 2): two wrong cookies under any
 * names spend it; a new name is then refused at its send_name, before
 * the local node sees anything; a name known good (it proved the cookie
 * before) still connects; a wrong cookie under it takes that away. */
static void
test_guess_budget(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX], b[64];
	char line[1024], v[256];
	size_t n = 0;

	fx_cookie(f, FX_COOKIE);
	lockout_free(f->gw.lockout);	/* no name bans in the way */
	f->gw.lockout = lockout_new(100, 60000, 60000);
	f->gw.trust = trust_new(2, 3600000, 86400000);
	assert_non_null(f->gw.lockout);
	assert_non_null(f->gw.trust);

	assert_int_equal(inbound_hs(f, "good@hostA.test", FX_COOKIE), 1);
	fx_audit(f, line, sizeof(line));
	assert_true(trust_name_good(f->gw.trust, FX_PEER_ID, "good@hostA.test",
	    clock_ms()));
	fx_drop_ends(f);
	for (int i = 1; i <= 2; i++) {
		char name[32];
		(void)snprintf(name, sizeof(name), "x%d@hostA.test", i);
		assert_int_equal(inbound_hs(f, name, "wrong"), 0);
		fx_expect_close(f, "refused", "bad_cookie", line,
		    sizeof(line));
		fx_drop_ends(f);
	}
	assert_int_equal(trust_guesses_left(f->gw.trust, FX_PEER_ID,
	    clock_ms()), 0);

	/* a new name, even with the right cookie: refused at send_name */
	assert_int_equal(fx_tunnel(f, 0, 1), 0);
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS,
	    "new@hostA.test"));
	fx_pump(f);
	fx_expect_close(f, "refused", "guess_limit", line, sizeof(line));
	assert_non_null(strstr(fx_field(line, "reason", v, sizeof(v)),
	    "not known good"));
	assert_int_equal(fx_read(f, FX_LOCAL_SIDE, b, sizeof(b), &n), FX_EOF);
	assert_int_equal(n, 0);
	fx_drop_ends(f);

	/* the known-good name connects */
	assert_int_equal(inbound_hs(f, "good@hostA.test", FX_COOKIE), 1);
	fx_audit(f, line, sizeof(line));
	assert_string_equal(fx_field(line, "code", v, sizeof(v)), "ok");
	fx_drop_ends(f);
	/* a wrong cookie under it: one try, then it is like any name */
	assert_int_equal(inbound_hs(f, "good@hostA.test", "wrong"), 0);
	fx_expect_close(f, "refused", "bad_cookie", line, sizeof(line));
	fx_drop_ends(f);
	assert_int_equal(inbound_hs(f, "good@hostA.test", FX_COOKIE), 0);
	fx_expect_close(f, "refused", "guess_limit", line, sizeof(line));
}

/* The same refusal on an outbound tunnel counts against nobody. */
static void
test_lockout_outbound_refusal(void **state)
{
	struct fx *f = *state;
	uint8_t m[FX_MSG_MAX];
	char line[1024];
	uint64_t now;

	assert_int_equal(fx_tunnel(f, 1, 1), 0);
	fx_send(f, FX_LOCAL_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_pump(f);
	fx_recv(f, FX_REMOTE_SIDE, m, fx_msg_name(m, FX_FLAGS, FX_LOCAL));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_status(m, "ok"));
	fx_send(f, FX_REMOTE_SIDE, m, fx_msg_challenge(m, FX_FLAGS, FX_CHAL_B,
	    "a1@hostC.test"));
	fx_pump(f);
	fx_expect_close(f, "refused", "name_not_allowed", line, sizeof(line));
	now = clock_ms();
	assert_int_equal(lockout_banned(f->gw.lockout, "addr:" FX_RIP, now), 0);
	assert_int_equal(lockout_banned(f->gw.lockout, "id:" FX_PEER_ID, now),
	    0);
	assert_int_equal(lockout_bans(f->gw.lockout), 0);
}

#define T(name)	\
	cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hs_bytewise_outbound),
		T(test_hs_bytewise_inbound),
		T(test_hs_bytewise_plain),
		T(test_hs_every_split_outbound),
		T(test_hs_every_split_inbound),
		T(test_hs_staged_while_full),
		T(test_backpressure_up),
		T(test_backpressure_down),
		T(test_halfclose_local_first),
		T(test_halfclose_remote_first),
		T(test_halfclose_plain_local_first),
		T(test_halfclose_plain_remote_first),
		T(test_end_in_order),
		T(test_end_in_order_plain),
		T(test_end_linger_bound),
		T(test_close_shutdown),
		T(test_close_timeout),
		T(test_close_malformed_garbage),
		T(test_close_malformed_order),
		T(test_close_handshake_aborted),
		T(test_close_io_error),
		T(test_close_bad_cookie_inbound),
		T(test_close_bad_cookie_outbound),
		T(test_close_name_not_allowed),
		T(test_close_hidden_not_allowed),
		T(test_lockout_inbound_refusal),
		T(test_lockout_outbound_refusal),
		T(test_lockout_ban_closes_open),
		T(test_guess_budget),
	};

	return cmocka_run_group_tests(tests, fx_pki_setup, fx_pki_teardown);
}
