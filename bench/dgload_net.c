/*
 * dgload_net.c — sockets, EPMD requests, the two halves of the
 * distribution handshake and 4-byte frames, for bench/dgload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench/dgload.h"

/* OTP 25.2.3's send_name flags, PUBLISHED set. */
#define HS_FLAGS	0x0000000d07df7fbdULL
#define HS_CREATION	0x4442474cU	/* any value above 3 */
#define HS_CHALLENGE	0x2a2a2a2aU
#define HS_MSG_MAX	1024

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

double
dgl_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
dgl_hostport(const char *s, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long v;

	if (colon == NULL || (size_t)(colon - s) >= cap || colon == s)
		return -1;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
sockaddr_of(const char *addr, uint16_t port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "dgload: bad address %s\n", addr);
		return -1;
	}
	return 0;
}

int
dgl_connect(const char *addr, uint16_t port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if (sockaddr_of(addr, port, &sa) == -1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	fprintf(stderr, "dgload: connect %s:%u: %s\n", addr, port,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
dgl_listen(const char *addr, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	int fd, one = 1;

	if (sockaddr_of(addr, port, &sa) == -1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen) == -1)
		goto fail;
	*bound = ntohs(sa.sin_port);
	return fd;
fail:
	fprintf(stderr, "dgload: listen %s:%u: %s\n", addr, port,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
dgl_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t k;

	while (n > 0) {
		k = send(fd, b, n, MSG_NOSIGNAL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int
dgl_read_full(int fd, void *p, size_t n)
{
	uint8_t *b = p;
	ssize_t k;

	while (n > 0) {
		k = recv(fd, b, n, 0);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int
dgl_epmd_register(const char *addr, uint16_t eport, const char *alive,
    uint16_t port)
{
	uint8_t req[2 + 13 + DGL_NAME_MAX], rep[6];
	size_t nlen = strlen(alive), len = 13 + nlen;
	int fd;

	if (nlen == 0 || nlen >= DGL_NAME_MAX)
		return -1;
	put16(req, (uint16_t)len);
	req[2] = 'x';
	put16(req + 3, port);
	req[5] = 'M';			/* normal node */
	req[6] = 0;			/* TCP/IPv4 */
	put16(req + 7, 6);		/* highest version */
	put16(req + 9, 5);		/* lowest */
	put16(req + 11, (uint16_t)nlen);
	memcpy(req + 13, alive, nlen);
	put16(req + 13 + nlen, 0);	/* no extra */
	if ((fd = dgl_connect(addr, eport)) == -1)
		return -1;
	if (dgl_write_all(fd, req, 2 + len) == -1 ||
	    dgl_read_full(fd, rep, sizeof(rep)) == -1 ||
	    rep[0] != 'v' || rep[1] != 0) {
		fprintf(stderr, "dgload: ALIVE2 %s at %s:%u refused\n", alive,
		    addr, eport);
		close(fd);
		return -1;
	}
	return fd;
}

int
dgl_epmd_port(const char *addr, uint16_t eport, const char *alive,
    uint16_t *port)
{
	uint8_t req[3 + DGL_NAME_MAX], rep[4];
	size_t nlen = strlen(alive);
	int fd, rc = -1;

	if (nlen == 0 || nlen >= DGL_NAME_MAX)
		return -1;
	put16(req, (uint16_t)(nlen + 1));
	req[2] = 'z';
	memcpy(req + 3, alive, nlen);
	if ((fd = dgl_connect(addr, eport)) == -1)
		return -1;
	/* Only the port matters: the rest of the reply is left unread. */
	if (dgl_write_all(fd, req, 3 + nlen) == 0 &&
	    dgl_read_full(fd, rep, sizeof(rep)) == 0 &&
	    rep[0] == 'w' && rep[1] == 0) {
		*port = get16(rep + 2);
		rc = 0;
	} else {
		fprintf(stderr, "dgload: PORT_PLEASE2 %s at %s:%u failed\n",
		    alive, addr, eport);
	}
	close(fd);
	return rc;
}

/* Sends one handshake message (2-byte length).  Returns 0/-1. */
static int
hs_send(int fd, const uint8_t *p, size_t len)
{
	uint8_t b[2 + HS_MSG_MAX];

	if (len > HS_MSG_MAX)
		return -1;
	put16(b, (uint16_t)len);
	memcpy(b + 2, p, len);
	return dgl_write_all(fd, b, 2 + len);
}

/* Reads one handshake message into P (cap HS_MSG_MAX); returns its
 * length or -1. */
static long
hs_recv(int fd, uint8_t *p)
{
	uint8_t h[2];
	size_t len;

	if (dgl_read_full(fd, h, 2) == -1)
		return -1;
	len = get16(h);
	if (len == 0 || len > HS_MSG_MAX || dgl_read_full(fd, p, len) == -1)
		return -1;
	return (long)len;
}

/* Builds an 'N' message: send_name (challenge 0: no challenge field) or
 * send_challenge into P.  Returns its length. */
static size_t
hs_build_n(uint8_t *p, const char *name, int challenge)
{
	size_t nlen = strlen(name), o = 9;

	p[0] = 'N';
	put64(p + 1, HS_FLAGS);
	if (challenge) {
		put32(p + o, HS_CHALLENGE);
		o += 4;
	}
	put32(p + o, HS_CREATION);
	put16(p + o + 4, (uint16_t)nlen);
	memcpy(p + o + 6, name, nlen);
	return o + 6 + nlen;
}

/* Copies the name of an 'N' message (OFF: offset of its creation) into
 * OUT.  Returns 0/-1. */
static int
hs_name(const uint8_t *p, long len, size_t off, char *out, size_t cap)
{
	size_t nlen;

	if (len < (long)off + 6 || p[0] != 'N')
		return -1;
	nlen = get16(p + off + 4);
	if ((long)(off + 6 + nlen) > len || nlen >= cap)
		return -1;
	memcpy(out, p + off + 6, nlen);
	out[nlen] = '\0';
	return 0;
}

int
dgl_hs_initiate(int fd, const char *name, char *peer, size_t cap)
{
	uint8_t m[HS_MSG_MAX];
	long len;
	const char *what;

	if (strlen(name) >= DGL_NAME_MAX)
		return -1;
	what = "send_name";
	if (hs_send(fd, m, hs_build_n(m, name, 0)) == -1)
		goto fail;
	what = "status";
	len = hs_recv(fd, m);
	if (len < 3 || m[0] != 's' || m[1] != 'o' || m[2] != 'k')
		goto fail;
	what = "challenge";
	len = hs_recv(fd, m);
	if (hs_name(m, len, 13, peer, cap) == -1)
		goto fail;
	what = "challenge_reply";
	m[0] = 'r';
	put32(m + 1, get32(m + 9) ^ 0x55555555U);
	memset(m + 5, 0, 16);		/* digest: unchecked without cookie */
	if (hs_send(fd, m, 21) == -1)
		goto fail;
	what = "challenge_ack";
	len = hs_recv(fd, m);
	if (len != 17 || m[0] != 'a')
		goto fail;
	return 0;
fail:
	fprintf(stderr, "dgload: handshake as %s failed at %s\n", name, what);
	return -1;
}

int
dgl_hs_accept(int fd, const char *name, char *peer, size_t cap)
{
	uint8_t m[HS_MSG_MAX];
	long len;
	const char *what;

	if (strlen(name) >= DGL_NAME_MAX)
		return -1;
	what = "send_name";
	len = hs_recv(fd, m);
	if (hs_name(m, len, 9, peer, cap) == -1)
		goto fail;
	what = "status";
	if (hs_send(fd, (const uint8_t *)"sok", 3) == -1)
		goto fail;
	what = "challenge";
	if (hs_send(fd, m, hs_build_n(m, name, 1)) == -1)
		goto fail;
	what = "challenge_reply";
	len = hs_recv(fd, m);
	if (len != 21 || m[0] != 'r')
		goto fail;
	what = "challenge_ack";
	m[0] = 'a';
	memset(m + 1, 0, 16);
	if (hs_send(fd, m, 17) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "dgload: handshake as %s failed at %s\n", name, what);
	return -1;
}

int
dgl_rd_init(struct dgl_rd *r, int fd, size_t cap)
{
	r->fd = fd;
	r->cap = cap;
	r->off = r->len = 0;
	r->bytes = 0;
	r->buf = malloc(cap);
	return r->buf == NULL ? -1 : 0;
}

void
dgl_rd_free(struct dgl_rd *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Refills R's buffer (keeping unread bytes).  Returns 0, 1 on EOF, -1. */
static int
rd_fill(struct dgl_rd *r)
{
	ssize_t k;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len);
		r->off = 0;
	}
	for (;;) {
		k = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (k > 0)
			break;
		if (k == 0)
			return 1;
		if (errno != EINTR)
			return -1;
	}
	r->len += (size_t)k;
	return 0;
}

int
dgl_rd_frame(struct dgl_rd *r, uint8_t *head, size_t hcap, size_t *plen)
{
	size_t want, take, skip;
	int rc;

	while (r->len < 4) {
		if ((rc = rd_fill(r)) != 0)
			return r->len == 0 && rc == 1 ? 1 : -1;
	}
	*plen = get32(r->buf + r->off);
	r->off += 4;
	r->len -= 4;
	r->bytes += 4;
	want = *plen < hcap ? *plen : hcap;
	while (r->len < want) {
		if (rd_fill(r) != 0)
			return -1;
	}
	memcpy(head, r->buf + r->off, want);
	skip = *plen;
	for (;;) {
		take = skip < r->len ? skip : r->len;
		r->off += take;
		r->len -= take;
		r->bytes += take;
		skip -= take;
		if (skip == 0)
			break;
		if (rd_fill(r) != 0)
			return -1;
	}
	return 0;
}

int
dgl_send_frame(int fd, const void *p, size_t len)
{
	uint8_t h[4];
	struct iovec iov[2];
	size_t done = 0, total = 4 + len, k;
	ssize_t n;

	put32(h, (uint32_t)len);
	while (done < total) {
		int i = 0;

		if (done < 4) {
			iov[i].iov_base = h + done;
			iov[i++].iov_len = 4 - done;
			k = 0;
		} else {
			k = done - 4;
		}
		iov[i].iov_base = (uint8_t *)(uintptr_t)p + k;
		iov[i++].iov_len = len - k;
		n = writev(fd, iov, i);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}
