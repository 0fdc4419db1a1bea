/*
 * dgload_idle.c — the idle-tunnel test of bench/dgload: many established
 * tunnels, each with one ping through it, and the memory they cost the
 * processes probed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/dgload.h"

#define PING_LEN	64
#define WARM_TUNNELS	10	/* opened before the baseline is taken */
#define MAX_THREADS	64

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The idle test's shared state: tunnels [next, end) still to open. */
struct idle {
	const struct dgl_target *t;
	int *fds;
	double *ms;
	unsigned next, end;
	int failed;
	pthread_mutex_t mu;
};

/* Opens one tunnel and passes one ping through it; returns the fd. */
static int
idle_one(const struct dgl_target *t)
{
	uint8_t p[PING_LEN], h[PING_LEN], c = DGL_F_ECHO;
	struct dgl_rd r;
	size_t len;
	int fd, ok;

	if ((fd = dgl_open(t)) == -1)
		return -1;
	memset(p, 0, sizeof(p));
	p[0] = DGL_F_PING;
	if (dgl_rd_init(&r, fd, 256) == -1) {
		close(fd);
		return -1;
	}
	ok = dgl_send_frame(fd, &c, 1) == 0 &&
	    dgl_send_frame(fd, p, sizeof(p)) == 0 &&
	    dgl_rd_frame(&r, h, sizeof(h), &len) == 0 && len == sizeof(p);
	dgl_rd_free(&r);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *
idle_main(void *arg)
{
	struct idle *st = arg;
	unsigned i;
	double t;

	for (;;) {
		pthread_mutex_lock(&st->mu);
		i = st->next < st->end && !st->failed ? st->next++ : st->end;
		pthread_mutex_unlock(&st->mu);
		if (i == st->end)
			return NULL;
		t = dgl_now();
		st->fds[i] = idle_one(st->t);
		st->ms[i] = (dgl_now() - t) * 1e3;
		if (st->fds[i] == -1) {
			pthread_mutex_lock(&st->mu);
			st->failed = 1;
			pthread_mutex_unlock(&st->mu);
		}
	}
}

/* Opens tunnels [FROM, TO) with PAR threads.  Returns 0/-1. */
static int
idle_open(struct idle *st, unsigned from, unsigned to, unsigned par)
{
	pthread_t th[MAX_THREADS];
	unsigned i, k = 0;

	st->next = from;
	st->end = to;
	for (i = 0; i < par && i < MAX_THREADS; i++) {
		if (pthread_create(&th[k], NULL, idle_main, st) == 0)
			k++;
	}
	for (i = 0; i < k; i++)
		(void)pthread_join(th[i], NULL);
	return k == 0 || st->failed ? -1 : 0;
}

int
dgl_idle(const struct dgl_target *t, unsigned n, unsigned par, double hold,
    const struct dgl_probe *pr)
{
	struct idle st = { .t = t, .failed = 0 };
	struct timespec settle = { 1, 0 }, rest;
	unsigned total = n + WARM_TUNNELS, i;
	long rss0[DGL_MAXPIDS], rss1;
	double t0, t1;
	int rc = -1;

	pthread_mutex_init(&st.mu, NULL);
	st.fds = malloc(total * sizeof(*st.fds));
	st.ms = calloc(total, sizeof(*st.ms));
	if (st.fds == NULL || st.ms == NULL)
		goto out;
	for (i = 0; i < total; i++)
		st.fds[i] = -1;
	if (idle_open(&st, 0, WARM_TUNNELS, 1) == -1)
		goto out;
	(void)nanosleep(&settle, NULL);
	for (i = 0; i < (unsigned)pr->n; i++)
		rss0[i] = dgl_rss_kb(pr->pid[i]);
	t0 = dgl_now();
	if (idle_open(&st, WARM_TUNNELS, total, par) == -1)
		goto out;
	t1 = dgl_now();
	(void)nanosleep(&settle, NULL);
	printf("idle_tunnels %u\nidle_open_s %.2f\n", n, t1 - t0);
	for (i = 0; i < (unsigned)pr->n; i++) {
		rss1 = dgl_rss_kb(pr->pid[i]);
		printf("idle_rss_kb %d %ld %ld\n", pr->pid[i], rss0[i], rss1);
		printf("idle_kib_per_tunnel %d %.2f\n", pr->pid[i],
		    (double)(rss1 - rss0[i]) / n);
	}
	qsort(st.ms + WARM_TUNNELS, n, sizeof(*st.ms), cmp_double);
	printf("idle_setup_ms_p50 %.2f\n", st.ms[WARM_TUNNELS + n / 2]);
	fflush(stdout);
	rest.tv_sec = (time_t)hold;
	rest.tv_nsec = (long)((hold - (double)rest.tv_sec) * 1e9);
	while (nanosleep(&rest, &rest) == -1 && errno == EINTR)
		;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "dgload: idle tunnels failed\n");
	for (i = 0; st.fds != NULL && i < total; i++) {
		if (st.fds[i] != -1)
			close(st.fds[i]);
	}
	free(st.fds);
	free(st.ms);
	pthread_mutex_destroy(&st.mu);
	return rc;
}
