/*
 * dgload_run.c — what bench/dgload measures: the acceptor's side of every
 * test, and the initiator's streams, round trips and idle tunnels, with
 * the /proc probes of the processes in between.  The idle tunnels are in
 * dgload_idle.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/dgload.h"

#define RD_CAP		(256 * 1024)
#define PING_LEN	64
#define SAMPLE_NS	50000000L	/* RSS sampling period */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

long
dgl_rss_kb(int pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

double
dgl_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the acceptor's side ------------------------------------------------- */

/* A sender thread: FSIZE-byte data frames for SECS seconds, then END. */
struct sender {
	pthread_t th;
	int fd;
	size_t fsize;
	double secs;
	int rc;
};

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	uint8_t *frame, end = DGL_F_END;
	double stop = dgl_now() + s->secs;

	s->rc = -1;
	if ((frame = calloc(1, s->fsize)) == NULL)
		return NULL;
	frame[0] = DGL_F_DATA;
	while (dgl_now() < stop) {
		if (dgl_send_frame(s->fd, frame, s->fsize) == -1)
			goto out;
	}
	if (dgl_send_frame(s->fd, &end, 1) == -1)
		goto out;
	s->rc = 0;
out:
	free(frame);
	return NULL;
}

/* Reads frames until END; *N gets the bytes read (END included). */
static int
sink(struct dgl_rd *r, uint64_t *n)
{
	uint8_t h[1];
	size_t plen;
	uint64_t b0 = r->bytes;

	for (;;) {
		if (dgl_rd_frame(r, h, 1, &plen) != 0)
			return -1;
		if (plen > 0 && h[0] == DGL_F_END)
			break;
	}
	*n = r->bytes - b0;
	return 0;
}

static int
send_count(int fd, uint64_t n)
{
	uint8_t c[9];

	c[0] = DGL_F_COUNT;
	put64(c + 1, n);
	return dgl_send_frame(fd, c, sizeof(c));
}

/* Serves one command whose payload starts at H (PLEN bytes). */
static int
serve_cmd(int fd, struct dgl_rd *r, const uint8_t *h, size_t plen)
{
	struct sender s;
	uint8_t p[PING_LEN];
	uint64_t n;
	size_t len;

	switch (plen > 0 ? h[0] : 0) {
	case DGL_F_ONEWAY:
		return sink(r, &n) == -1 ? -1 : send_count(fd, n);
	case DGL_F_DUPLEX:
		if (plen < 9)
			return -1;
		s.fd = fd;
		s.fsize = get32(h + 1);
		s.secs = get32(h + 5) / 1000.0;
		if (s.fsize < 1 || s.fsize > (1U << 24) ||
		    pthread_create(&s.th, NULL, sender_main, &s) != 0)
			return -1;
		if (sink(r, &n) == -1) {
			/* The sender ends on its own (clock or socket). */
			(void)pthread_join(s.th, NULL);
			return -1;
		}
		(void)pthread_join(s.th, NULL);
		return s.rc == -1 ? -1 : send_count(fd, n);
	case DGL_F_ECHO:
		for (;;) {
			if (dgl_rd_frame(r, p, sizeof(p), &len) != 0 ||
			    len > sizeof(p))
				return -1;
			if (len > 0 && p[0] == DGL_F_END)
				return 0;
			if (dgl_send_frame(fd, p, len) == -1)
				return -1;
		}
	default:
		fprintf(stderr, "dgload: unknown command\n");
		return -1;
	}
}

int
dgl_serve(int fd, const char *name, int raw)
{
	char peer[DGL_NAME_MAX];
	struct dgl_rd r = { .buf = NULL };
	uint8_t h[16];
	size_t plen;
	int rc;

	if (!raw && dgl_hs_accept(fd, name, peer, sizeof(peer)) == -1)
		goto fail;
	if (dgl_rd_init(&r, fd, RD_CAP) == -1)
		goto fail;
	while ((rc = dgl_rd_frame(&r, h, sizeof(h), &plen)) == 0) {
		if (serve_cmd(fd, &r, h, plen) == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	dgl_rd_free(&r);
	close(fd);
	return 0;
fail:
	dgl_rd_free(&r);
	close(fd);
	return -1;
}

/* ---- the initiator's side ------------------------------------------------ */

int
dgl_open(const struct dgl_target *t)
{
	char alive[DGL_NAME_MAX], peer[DGL_NAME_MAX], *at;
	uint16_t port = t->port;
	int fd;

	if (port == 0) {
		(void)snprintf(alive, sizeof(alive), "%s", t->node);
		if ((at = strchr(alive, '@')) != NULL)
			*at = '\0';
		if (dgl_epmd_port(t->addr, t->epmd_port, alive, &port) == -1)
			return -1;
	}
	if ((fd = dgl_connect(t->addr, port)) == -1)
		return -1;
	if (t->handshake) {
		if (dgl_hs_initiate(fd, t->name, peer, sizeof(peer)) == -1)
			goto fail;
		if (t->node[0] != '\0' && strcmp(peer, t->node) != 0) {
			fprintf(stderr, "dgload: reached %s, not %s\n", peer,
			    t->node);
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Samples the RSS of a probe's processes until told to stop. */
struct sampler {
	pthread_t th;
	const struct dgl_probe *pr;
	long max[DGL_MAXPIDS];
	volatile int stop;
	pthread_mutex_t mu;
};

static void
sample_once(struct sampler *s)
{
	long kb;
	int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->pr->n; i++) {
		kb = dgl_rss_kb(s->pr->pid[i]);
		if (kb > s->max[i])
			s->max[i] = kb;
	}
	pthread_mutex_unlock(&s->mu);
}

static void *
sampler_main(void *arg)
{
	struct sampler *s = arg;
	struct timespec ts = { 0, SAMPLE_NS };

	while (!s->stop) {
		sample_once(s);
		(void)nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Waits for END then COUNT from the far end; *N gets COUNT's value and
 * *GOT (if not NULL) the bytes read before it, END included. */
static int
await_count(struct dgl_rd *r, uint64_t *n, uint64_t *got)
{
	uint8_t h[16];
	size_t plen;
	uint64_t b0 = r->bytes;

	for (;;) {
		if (dgl_rd_frame(r, h, sizeof(h), &plen) != 0)
			return -1;
		if (plen >= 9 && h[0] == DGL_F_COUNT)
			break;
		if (got != NULL && plen > 0 && h[0] == DGL_F_END)
			*got = r->bytes - b0;
	}
	*n = get64(h + 1);
	return 0;
}

int
dgl_oneway(int fd, size_t fsize, double secs, const struct dgl_probe *pr,
    const char *key)
{
	struct sampler s = { .pr = pr, .stop = 0 };
	struct dgl_rd r = { .buf = NULL };
	double cpu0[DGL_MAXPIDS], cpu = 0, t0, t1, stop;
	long rss0[DGL_MAXPIDS];
	uint8_t *frame = NULL, c = DGL_F_ONEWAY;
	uint64_t n;
	int i, sampling = 0;

	pthread_mutex_init(&s.mu, NULL);
	if ((frame = calloc(1, fsize)) == NULL ||
	    dgl_rd_init(&r, fd, 4096) == -1)
		goto fail;
	frame[0] = DGL_F_DATA;
	for (i = 0; i < pr->n; i++) {
		rss0[i] = s.max[i] = dgl_rss_kb(pr->pid[i]);
		cpu0[i] = dgl_cpu_s(pr->pid[i]);
	}
	if (pr->n > 0) {
		if (pthread_create(&s.th, NULL, sampler_main, &s) != 0)
			goto fail;
		sampling = 1;
	}
	if (dgl_send_frame(fd, &c, 1) == -1)
		goto fail;
	t0 = dgl_now();
	stop = t0 + secs;
	while (dgl_now() < stop) {
		if (dgl_send_frame(fd, frame, fsize) == -1)
			goto fail;
	}
	sample_once(&s);		/* buffers are full right now */
	c = DGL_F_END;
	if (dgl_send_frame(fd, &c, 1) == -1 || await_count(&r, &n, NULL) == -1)
		goto fail;
	t1 = dgl_now();
	s.stop = 1;
	if (sampling)
		(void)pthread_join(s.th, NULL);
	sampling = 0;
	printf("%s_mbps %.1f\n", key, (double)n / (t1 - t0) / 1e6);
	for (i = 0; i < pr->n; i++) {
		cpu += dgl_cpu_s(pr->pid[i]) - cpu0[i];
		printf("%s_rss_kb %d %ld %ld\n", key, pr->pid[i], rss0[i],
		    s.max[i]);
	}
	if (pr->n > 0)
		printf("%s_cpu_s_per_gb %.3f\n", key, cpu / ((double)n / 1e9));
	free(frame);
	dgl_rd_free(&r);
	pthread_mutex_destroy(&s.mu);
	return 0;
fail:
	s.stop = 1;
	if (sampling)
		(void)pthread_join(s.th, NULL);
	free(frame);
	dgl_rd_free(&r);
	pthread_mutex_destroy(&s.mu);
	fprintf(stderr, "dgload: %s failed\n", key);
	return -1;
}

int
dgl_duplex(int fd, size_t fsize, double secs, const char *key)
{
	struct sender s = { .fd = fd, .fsize = fsize, .secs = secs };
	struct dgl_rd r = { .buf = NULL };
	uint8_t cmd[9];
	uint64_t theirs, ours = 0;
	double t0, t1;

	if (dgl_rd_init(&r, fd, RD_CAP) == -1)
		goto fail;
	cmd[0] = DGL_F_DUPLEX;
	put32(cmd + 1, (uint32_t)fsize);
	put32(cmd + 5, (uint32_t)(secs * 1000));
	if (dgl_send_frame(fd, cmd, sizeof(cmd)) == -1)
		goto fail;
	t0 = dgl_now();
	if (pthread_create(&s.th, NULL, sender_main, &s) != 0)
		goto fail;
	if (await_count(&r, &theirs, &ours) == -1) {
		(void)pthread_join(s.th, NULL);
		goto fail;
	}
	t1 = dgl_now();
	(void)pthread_join(s.th, NULL);
	if (s.rc == -1)
		goto fail;
	printf("%s_mbps %.1f\n", key, (double)(ours + theirs) / (t1 - t0) / 1e6);
	dgl_rd_free(&r);
	return 0;
fail:
	dgl_rd_free(&r);
	fprintf(stderr, "dgload: %s failed\n", key);
	return -1;
}

int
dgl_rtt(int fd, unsigned n, const char *key)
{
	struct dgl_rd r = { .buf = NULL };
	uint8_t p[PING_LEN], h[PING_LEN], c = DGL_F_ECHO;
	double *us = NULL, t;
	size_t len;
	unsigned i;

	if (n == 0 || (us = calloc(n, sizeof(*us))) == NULL ||
	    dgl_rd_init(&r, fd, 4096) == -1 || dgl_send_frame(fd, &c, 1) == -1)
		goto fail;
	memset(p, 0, sizeof(p));
	p[0] = DGL_F_PING;
	for (i = 0; i < n; i++) {
		t = dgl_now();
		if (dgl_send_frame(fd, p, sizeof(p)) == -1 ||
		    dgl_rd_frame(&r, h, sizeof(h), &len) != 0 || len != sizeof(p))
			goto fail;
		us[i] = (dgl_now() - t) * 1e6;
	}
	c = DGL_F_END;
	if (dgl_send_frame(fd, &c, 1) == -1)
		goto fail;
	qsort(us, n, sizeof(*us), cmp_double);
	printf("%s_p50_us %.1f\n%s_p99_us %.1f\n", key, us[n / 2], key,
	    us[(size_t)n * 99 / 100]);
	free(us);
	dgl_rd_free(&r);
	return 0;
fail:
	free(us);
	dgl_rd_free(&r);
	fprintf(stderr, "dgload: %s failed\n", key);
	return -1;
}
