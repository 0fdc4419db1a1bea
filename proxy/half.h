/*
 * half.h — one side of a connection: a socket, plain or TLS, and its two
 * libevent events.
 *
 * The owner drives I/O with half_read()/half_write() and then declares
 * what it waits for with half_want(); a half adds or deletes its events
 * only when that interest changes.  For TLS halves, an SSL_read that needs
 * to write (or an SSL_write that needs to read) is remembered and folded
 * into the interest, so the owner only says "I want to read" or "I want
 * to write".  Both events call the owner's callback with the owner's arg.
 */
#ifndef DISTGATE_HALF_H
#define DISTGATE_HALF_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct event;
struct event_base;

/* Results below zero: -1 is an error, as everywhere; "would block" is not. */
#define HALF_ERR	(-1)	/* hard error; reason in h->err */
#define HALF_AGAIN	(-2)	/* would block; interest recorded */

struct half {
	int fd;			/* -1 when unused */
	SSL *ssl;		/* NULL for a plain socket */
	struct event *rev, *wev;
	unsigned rev_on:1, wev_on:1;
	unsigned rd_needs_w:1;	/* last SSL read/handshake wanted write */
	unsigned wr_needs_r:1;	/* last SSL write/shutdown wanted read */
	unsigned hs_needs_r:1, hs_needs_w:1;
	unsigned rd_ready:1;	/* may be readable: read until it would block */
	unsigned gathered:1;	/* half_gather() done */
	const char *err;	/* static reason after HALF_ERR */
	unsigned long sslerr;	/* OpenSSL's error code after HALF_ERR, or 0 */
	int errnum;		/* its errno, 0 when none (TLS protocol
				   error); ETIMEDOUT: a dead peer */
	char errbuf[120];	/* OpenSSL's reason, when there is one */
};

/* Sets every handle to "none" so half_clear() is safe at any point. */
void half_init(struct half *h);

/*
 * Binds FD (and SSL, which may be NULL) to the half and creates its events
 * on BASE calling CB(fd, what, ARG).  The half owns FD and SSL from now on,
 * whatever the result: the caller never closes them itself; half_clear()
 * (or the owner's close) does.  Returns 0, or -1 (events could not be
 * made).
 */
int half_open(struct half *h, struct event_base *base, int fd, SSL *ssl,
    void (*cb)(int, short, void *), void *arg);

/* Reads up to LEN bytes: >0 bytes, 0 for EOF (TLS close_notify or TCP
 * FIN), HALF_AGAIN (rd_ready is then cleared until the owner sees the
 * socket readable again), or HALF_ERR. */
ssize_t half_read(struct half *h, void *buf, size_t len);

/* Writes up to LEN bytes (LEN > 0): bytes written, HALF_AGAIN or
 * HALF_ERR.  For TLS, a retry after HALF_AGAIN must pass at least the
 * same bytes again (partial-write and moving-buffer modes are on). */
ssize_t half_write(struct half *h, const void *buf, size_t len);

/* Returns 1 if a TLS half holds decrypted bytes not yet read. */
int half_pending(const struct half *h);

/*
 * TLS halves only: from now on, records are gathered in a write buffer of
 * CAP bytes and sent together by half_flush() (half_write() flushes after
 * each call), so a 64 KiB write costs one send instead of one per 16 KiB
 * record.  Returns 0 or -1 (nothing changed).
 */
int half_gather(struct half *h, int cap);

/* Sends what half_gather()'s buffer holds: 0 when it is empty, HALF_AGAIN
 * (writability wanted), HALF_ERR.  No-op on other halves. */
int half_flush(struct half *h);

/* Returns 1 if gathered records wait to be sent. */
int half_unflushed(const struct half *h);

/* Drives the TLS handshake: 1 done, HALF_AGAIN, HALF_ERR. */
int half_handshake(struct half *h);

/* Ends the write direction: TLS close_notify or shutdown(SHUT_WR).
 * Returns 0, HALF_AGAIN or HALF_ERR. */
int half_shutdown_wr(struct half *h);

/* Declares interest: RD wants readability, WR writability (plus what a
 * pending TLS operation needs).  Returns 0 or -1 if libevent refused. */
int half_want(struct half *h, int rd, int wr);

/* Moves FD, SSL and interest from SRC into DST (re-creating the events for
 * the new owner); SRC is left empty.  Returns 0 or -1. */
int half_move(struct half *dst, struct half *src, struct event_base *base,
    void (*cb)(int, short, void *), void *arg);

/* Frees the events and the SSL, closes the fd; safe on an empty half. */
void half_clear(struct half *h);

#endif
