/*
 * test_conn.c — the connection base (proxy/conn.c) under every kind that
 * embeds it: tunnel, EPMD server connection, gateway link, EPMD query.
 *
 * A gateway built by hand (tunnel_fixture.h); sockets are socketpairs and
 * an AF_UNIX listener in a mkdtemp directory that never accepts, so links
 * and queries connect and then wait.  Covered: ids and list membership,
 * conn_foreach/conn_count, conn_set_state and the timer of each state,
 * the budgets (gateway_admit, gateway_budgets) and pending slots,
 * conn_fail/conn_close_failed, conn_close_all by kind (including closes
 * that close others), each kind ending through its own close path with
 * everything freed (the suite also runs under AddressSanitizer with leak
 * detection), a pooled link's PINGs against the test playing the peer
 * gateway (PONG, none, a server older than PING), and the code a failed
 * read closes with (conn_io_reason: a dead peer's ETIMEDOUT).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <sys/un.h>

#include "tunnel_fixture.h"

#include "proxy/epmd.h"
#include "proxy/epmdc.h"
#include "proxy/gwlink.h"
#include "proxy/peer.h"

/* A listener nobody accepts on, and the peer a link dials. */
struct world {
	char dir[64];
	struct sockaddr_un sun;
	int lfd;
	struct peer peer;
	int epmd_fds[4];	/* the test's ends of EPMD connections */
	int nepmd;
};

/* The test's world, freed by the teardown if the test failed midway. */
static struct world *the_world;

/* What a link or query callback was told. */
struct heard {
	int calls;
	int status;
	uint16_t port;
	char reason[128];
};

static struct world *
world_new(struct fx *f)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	(void)snprintf(w->dir, sizeof(w->dir), "/tmp/test_conn.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	w->sun.sun_family = AF_UNIX;
	(void)snprintf(w->sun.sun_path, sizeof(w->sun.sun_path), "%s/s",
	    w->dir);
	w->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(w->lfd >= 0);
	assert_int_equal(bind(w->lfd, (struct sockaddr *)&w->sun,
	    sizeof(w->sun)), 0);
	assert_int_equal(listen(w->lfd, 16), 0);
	w->peer.gw = &f->gw;
	w->peer.cfg = &f->peer;
	w->peer.idx = 0;
	the_world = w;
	return w;
}

static void
world_free(struct world *w)
{
	for (int i = 0; i < w->nepmd; i++)
		close(w->epmd_fds[i]);
	close(w->lfd);
	(void)unlink(w->sun.sun_path);
	(void)rmdir(w->dir);
	free(w);
	the_world = NULL;
}

static void
no_request(struct epmd_conn *e, const struct epmd_req *req)
{
	(void)e;
	(void)req;
	fail_msg("no EPMD request was sent");
}

/* Accepts an EPMD client over a socketpair; returns the new conn, or
 * NULL when the gateway refused it. */
static struct conn *
epmd_new(struct fx *f, struct world *w)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct conn *before = f->gw.conns;
	int sp[2];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sp), 0);
	assert_true(w->nepmd < 4);
	w->epmd_fds[w->nepmd++] = sp[1];
	epmd_accept(&f->gw, sp[0], (struct sockaddr *)&sin,
	    (struct sockaddr *)&sin, no_request, NULL);
	return f->gw.conns != before ? f->gw.conns : NULL;
}

static void
link_heard(struct gwlink *link, int status, const struct gw_msg *msg,
    const char *reason, void *arg)
{
	struct heard *h = arg;

	(void)link;
	(void)msg;
	h->calls++;
	h->status = status;
	(void)snprintf(h->reason, sizeof(h->reason), "%s",
	    reason ? reason : "");
}

static void
query_heard(void *arg, uint16_t port, uint8_t node_type, uint16_t high,
    uint16_t low, const char *text, size_t len, const char *reason)
{
	struct heard *h = arg;

	(void)node_type;
	(void)high;
	(void)low;
	(void)text;
	(void)len;
	h->calls++;
	h->port = port;
	(void)snprintf(h->reason, sizeof(h->reason), "%s",
	    reason ? reason : "");
}

static struct gwlink *
link_new(struct world *w, struct heard *h)
{
	struct gwlink *l = gwlink_direct(&w->peer,
	    (struct sockaddr *)&w->sun, sizeof(w->sun), link_heard, h);

	assert_non_null(l);
	return l;
}

static struct epmdc *
query_new(struct fx *f, struct world *w, unsigned ms, struct heard *h)
{
	struct epmdc *q = epmdc_port_please(&f->gw,
	    (struct sockaddr *)&w->sun, sizeof(w->sun), "a1", ms, query_heard,
	    h);

	assert_non_null(q);
	return q;
}

/* conn_foreach callback: records the conns in list order. */
struct seen {
	struct conn *c[8];
	int n;
};

static void
see(struct conn *c, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->c[s->n++] = c;
}

/* Milliseconds until C's timer fires; -1 when it is not armed.  Measured
 * against a reference timer armed now on the same base, since libevent
 * reports expiry on the wall clock while it times on the monotonic one. */
static long
timer_left(const struct conn *c)
{
	struct event *ref = evtimer_new(c->gw->base, fx_guard_cb, NULL);
	struct timeval at, ref_at, second = { 1, 0 };
	long left = -1;

	assert_non_null(ref);
	assert_int_equal(evtimer_add(ref, &second), 0);
	assert_true(evtimer_pending(ref, &ref_at));
	if (evtimer_pending(c->timer, &at))
		left = (long)((at.tv_sec - ref_at.tv_sec) * 1000 +
		    (at.tv_usec - ref_at.tv_usec) / 1000) + 1000;
	event_free(ref);
	return left;
}

/* C's timer is armed for about MS milliseconds from now. */
static void
assert_timer(const struct conn *c, unsigned ms)
{
	long left = timer_left(c);

	if (left < (long)ms - 500 || left > (long)ms + 1)
		fail_msg("timer: %ld ms left, expected about %u", left, ms);
}

/* ---- tests ------------------------------------------------------------ */

/* Ids count up; the list is newest first; closing from the middle, the
 * head and the tail keeps it linked; counts follow kinds. */
static void
test_ids_and_list(void **state)
{
	struct fx *f = *state;
	struct world *w = world_new(f);
	struct seen s = { .n = 0 };
	char line[1024];

	struct tunnel *t1 = tunnel_new(&f->gw, 1);
	struct conn *e = epmd_new(f, w);
	struct tunnel *t2 = tunnel_new(&f->gw, 0);
	assert_non_null(t1);
	assert_non_null(e);
	assert_non_null(t2);
	assert_int_equal(t1->c.id, 1);
	assert_int_equal(e->id, 2);
	assert_int_equal(t2->c.id, 3);
	assert_int_equal(e->kind, CONN_KIND_EPMD);
	assert_string_equal(conn_state_name(&t1->c), "new");
	assert_string_equal(conn_state_name(e), "read");

	conn_foreach(&f->gw, see, &s);
	assert_int_equal(s.n, 3);
	assert_ptr_equal(s.c[0], &t2->c);
	assert_ptr_equal(s.c[1], e);
	assert_ptr_equal(s.c[2], &t1->c);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 2);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_EPMD), 1);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 0);
	assert_int_equal(conn_count(&f->gw, CONN_NKINDS), 3);
	assert_int_equal(f->gw.nconns, 3);

	conn_close(e, RC_OK, "middle");
	assert_ptr_equal(f->gw.conns, &t2->c);
	assert_ptr_equal(t2->c.next, &t1->c);
	assert_ptr_equal(t1->c.prev, &t2->c);
	assert_null(t2->c.prev);
	assert_null(t1->c.next);
	assert_int_equal(f->gw.nconns, 2);

	conn_close(&t2->c, RC_OK, "head");
	assert_ptr_equal(f->gw.conns, &t1->c);
	assert_null(t1->c.prev);
	fx_audit(f, line, sizeof(line));
	assert_non_null(strstr(line, "conn=3 dir=in "));
	conn_close(&t1->c, RC_OK, "tail");
	assert_null(f->gw.conns);
	assert_int_equal(f->gw.nconns, 0);
	fx_audit(f, line, sizeof(line));
	assert_non_null(strstr(line, "conn=1 dir=out "));

	/* Ids are never reused. */
	struct tunnel *t4 = tunnel_new(&f->gw, 1);
	assert_non_null(t4);
	assert_int_equal(t4->c.id, 4);
	world_free(w);
}

/* Each state arms its own timer; a state without one stops it; the timer
 * closes the tunnel with code timeout and the state's reason. */
static void
test_state_timers(void **state)
{
	struct fx *f = *state;
	struct tunnel *t;
	char line[1024], v[128];
	uint64_t ran;

	f->cfg.connect_timeout_ms = 30;
	f->cfg.tls_timeout_ms = 20;

	/* Outbound: ROUTE waits connect + TLS. */
	t = tunnel_new(&f->gw, 1);
	assert_non_null(t);
	assert_int_equal(timer_left(&t->c), -1);	/* NEW: none */
	conn_set_state(&t->c, TUN_ROUTE);
	assert_timer(&t->c, 50);
	ran = fx_run_until_closed(f, 3000);
	assert_true(ran >= 49 && ran < 2000);
	fx_expect_close(f, "error", "timeout", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "route timeout");

	/* Inbound: TLS 20 ms, then requests (far longer), then connect. */
	t = tunnel_new(&f->gw, 0);
	conn_set_state(&t->c, TUN_TLS_ACCEPT);
	assert_timer(&t->c, 20);
	conn_set_state(&t->c, TUN_REQUESTS);
	assert_timer(&t->c, 30000);	/* REQUEST_IDLE_MS */
	conn_set_state(&t->c, TUN_NODE_CONNECT);
	assert_timer(&t->c, 30);
	ran = fx_run_until_closed(f, 3000);
	assert_true(ran >= 29 && ran < 2000);
	fx_expect_close(f, "error", "timeout", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "node connect timeout");

	/* Established: no idle timeout configured, no timer; with one,
	 * half of it. */
	t = tunnel_new(&f->gw, 1);
	conn_set_state(&t->c, TUN_ROUTE);
	conn_set_state(&t->c, TUN_HANDSHAKE);
	assert_timer(&t->c, 10000);
	conn_set_state(&t->c, TUN_ESTABLISHED);
	assert_int_equal(timer_left(&t->c), -1);
	conn_close(&t->c, RC_OK, "done");
	fx_audit(f, line, sizeof(line));

	f->cfg.idle_timeout_ms = 120000;
	t = tunnel_new(&f->gw, 1);
	conn_set_state(&t->c, TUN_ROUTE);
	conn_set_state(&t->c, TUN_HANDSHAKE);
	conn_set_state(&t->c, TUN_ESTABLISHED);
	assert_timer(&t->c, 60000);
	assert_string_equal(conn_state_name(&t->c), "established");
}

/* Two budgets: what local nodes open (outbound tunnels, EPMD clients on
 * loopback) and what other hosts open (inbound tunnels) are counted
 * apart, so one full never refuses the other; a refused one leaves
 * nothing behind; links and EPMD queries are not counted. */
static void
test_budgets(void **state)
{
	struct fx *f = *state;
	struct world *w;
	struct heard h = { 0 };
	struct gwlink *l;
	uint8_t b[8];

	f->cfg.max_local_connections = 2;
	f->cfg.max_connections = 2;
	assert_int_equal(gateway_budgets(&f->gw, 1UL << 20, 0), 0);
	w = world_new(f);
	struct tunnel *t = tunnel_new(&f->gw, 1);
	assert_non_null(t);
	assert_non_null(epmd_new(f, w));
	assert_int_equal(f->gw.nlocal, 2);

	/* local spent: the third local one is refused... */
	assert_null(tunnel_new(&f->gw, 1));
	assert_int_equal(f->gw.refused, 1);
	assert_null(epmd_new(f, w));
	assert_int_equal(f->gw.refused, 2);
	/* The refused client's socket was closed. */
	assert_int_equal(read(w->epmd_fds[1], b, sizeof(b)), 0);
	/* ...remote ones are not, until their own budget is spent */
	assert_non_null(tunnel_new(&f->gw, 0));
	assert_non_null(tunnel_new(&f->gw, 0));
	assert_null(tunnel_new(&f->gw, 0));
	assert_int_equal(f->gw.refused, 3);
	assert_int_equal(f->gw.nremote, 2);
	assert_int_equal(f->gw.nconns, 4);
	/* links and queries are made for counted ones: never refused */
	l = gwlink_direct(&w->peer, (struct sockaddr *)&w->sun,
	    sizeof(w->sun), link_heard, &h);
	assert_non_null(l);
	(void)query_new(f, w, 10000, &h);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_EPMDC), 1);
	assert_int_equal(f->gw.nconns, 4);

	conn_close(&t->c, RC_OK, "room");
	assert_int_equal(f->gw.nlocal, 1);
	t = tunnel_new(&f->gw, 1);
	assert_non_null(t);
	assert_int_equal(f->gw.nlocal, 2);
	assert_int_equal(h.calls, 0);
	conn_close_all(&f->gw, CONN_NKINDS, RC_SHUTDOWN, "test over");
	assert_int_equal(f->gw.nconns, 0);
	assert_int_equal(f->gw.nlocal, 0);
	assert_int_equal(f->gw.nremote, 0);
	world_free(w);
}

/* The budgets fit the file descriptor limit: local nodes keep up to half
 * of what there is, remote connections get the rest; pending caps never
 * exceed the remote budget. */
static void
test_budgets_fd_limit(void **state)
{
	struct fx *f = *state;

	f->cfg.max_local_connections = 1024;
	f->cfg.max_connections = 1024;
	f->cfg.max_pending = 256;
	f->cfg.max_pending_per_source = 16;
	assert_int_equal(gateway_budgets(&f->gw, 20000, 64), 0);
	assert_int_equal(f->gw.max_local, 1024);
	assert_int_equal(f->gw.max_remote, 1024);
	assert_int_equal(f->gw.max_pending, 256);
	assert_int_equal(f->gw.max_pending_src, 16);
	/* 1000 descriptors, 64 kept: 936 for two per connection */
	assert_int_equal(gateway_budgets(&f->gw, 1000, 64), 1);
	assert_int_equal(f->gw.max_local, 234);
	assert_int_equal(f->gw.max_remote, 234);
	assert_int_equal(f->gw.max_pending, 234);
	assert_int_equal(f->gw.max_pending_src, 16);
	/* a small local budget leaves the rest to remote */
	f->cfg.max_local_connections = 10;
	assert_int_equal(gateway_budgets(&f->gw, 1000, 64), 1);
	assert_int_equal(f->gw.max_local, 10);
	assert_int_equal(f->gw.max_remote, 458);
	assert_int_equal(f->gw.max_pending, 256);
	/* nothing left at all: one each */
	assert_int_equal(gateway_budgets(&f->gw, 10, 64), 1);
	assert_int_equal(f->gw.max_local, 1);
	assert_int_equal(f->gw.max_remote, 1);
	assert_int_equal(f->gw.max_pending, 1);
	assert_int_equal(f->gw.max_pending_src, 1);
}

/* Unauthenticated inbound tunnels hold pending slots per source and in
 * all; when all are taken, the oldest of the source holding most makes
 * room (code evicted, one audit line); an authenticated one holds none. */
static void
test_pending_slots(void **state)
{
	struct fx *f = *state;
	struct tunnel *b;
	char line[1024], v[64];

	f->cfg.max_pending = 3;
	f->cfg.max_pending_per_source = 2;
	/* (evictions count for lockout: not here) */
	lockout_free(f->gw.lockout);
	f->gw.lockout = lockout_new(0, 60000, 60000);
	assert_non_null(f->gw.lockout);
	(void)gateway_budgets(&f->gw, 1UL << 20, 0);
	f->gw.pending = pending_new(f->gw.max_pending, f->gw.max_pending_src);
	assert_non_null(f->gw.pending);

	assert_non_null(tunnel_new_pending(&f->gw, "10.0.0.1"));	/* a */
	assert_non_null(b = tunnel_new_pending(&f->gw, "10.0.0.1"));
	/* per source */
	assert_null(tunnel_new_pending(&f->gw, "10.0.0.1"));
	assert_int_equal(f->gw.nremote, 2);
	assert_non_null(tunnel_new_pending(&f->gw, "10.0.0.2"));
	/* all taken: 10.0.0.1 holds most; its oldest, a, goes */
	assert_non_null(tunnel_new_pending(&f->gw, "10.0.0.3"));
	fx_audit_next(f, line, sizeof(line));
	assert_string_equal(fx_field(line, "code", v, sizeof(v)), "evicted");
	assert_string_equal(fx_field(line, "verdict", v, sizeof(v)),
	    "refused");
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 3);
	assert_int_equal(pending_count(f->gw.pending, "10.0.0.1"), 1);
	/* each holds one now: nobody holds more than 10.0.0.2 would */
	assert_null(tunnel_new_pending(&f->gw, "10.0.0.2"));
	/* b authenticates: its slot is free, it stays */
	conn_authenticated(&b->c);
	conn_authenticated(&b->c);
	assert_int_equal(pending_total(f->gw.pending), 2);
	assert_non_null(tunnel_new_pending(&f->gw, "10.0.0.2"));
	assert_int_equal(pending_count(f->gw.pending, "10.0.0.2"), 2);
	/* a public EPMD client on another host is remote and pending; one
	 * on this host's address is local */
	struct sockaddr_in far = { .sin_family = AF_INET }, here = far;
	int sp[2], sq[2];
	far.sin_addr.s_addr = htonl(0x0a000009);	/* 10.0.0.9 */
	here.sin_addr.s_addr = htonl(0x0a000001);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sq), 0);
	unsigned nlocal = f->gw.nlocal, nremote = f->gw.nremote;
	pending_give(f->gw.pending, "10.0.0.2");	/* room for it */
	epmd_accept_public(sp[0], (struct sockaddr *)&far,
	    (struct sockaddr *)&here, &f->gw);
	assert_int_equal(pending_count(f->gw.pending, "10.0.0.9"), 1);
	assert_int_equal(f->gw.nremote, nremote + 1);
	epmd_accept_public(sq[0], (struct sockaddr *)&here,
	    (struct sockaddr *)&here, &f->gw);
	assert_int_equal(f->gw.nlocal, nlocal + 1);
	assert_int_equal(pending_count(f->gw.pending, "10.0.0.1"), 0);
	conn_close_all(&f->gw, CONN_NKINDS, RC_SHUTDOWN, "test over");
	close(sp[1]);
	close(sq[1]);
	/* the slot given back above by hand was b's second one's: the
	 * table holds nothing more */
	assert_int_equal(pending_total(f->gw.pending), 0);
	assert_int_equal(f->gw.nremote, 0);
	pending_free(f->gw.pending);
	f->gw.pending = NULL;
}

/* conn_fail records a code and reason that conn_close_failed uses;
 * without one the close is internal. */
static void
test_fail_then_close(void **state)
{
	struct fx *f = *state;
	struct tunnel *t = tunnel_new(&f->gw, 1);
	char line[1024], v[128];

	assert_int_equal(conn_fail(&t->c, RC_NO_SUCH_NODE, "no node %s",
	    "x1"), -1);
	conn_close_failed(&t->c);
	fx_expect_close(f, "refused", "no_such_node", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)),
	    "no node x1");

	t = tunnel_new(&f->gw, 1);
	conn_close_failed(&t->c);
	fx_expect_close(f, "error", "internal", line, sizeof(line));
	assert_string_equal(fx_field(line, "reason", v, sizeof(v)), "error");
}

/* conn_close_all by kind closes that kind only; a tunnel's close closes
 * the query and link it waits on; a link's pending request fails. */
static void
test_close_all(void **state)
{
	struct fx *f = *state;
	struct world *w = world_new(f);
	struct heard hq = { 0 }, hl = { 0 }, ht = { 0 };
	char line[1024];

	struct tunnel *t = tunnel_new(&f->gw, 0);
	assert_non_null(t);
	t->query = query_new(f, w, 10000, &hq);
	struct tunnel *t2 = tunnel_new(&f->gw, 1);
	assert_non_null(t2);
	t2->link = link_new(w, &ht);
	assert_non_null(epmd_new(f, w));
	(void)link_new(w, &hl);
	assert_int_equal(conn_count(&f->gw, CONN_NKINDS), 6);

	conn_close_all(&f->gw, CONN_KIND_EPMD, RC_SHUTDOWN, "epmd off");
	assert_int_equal(conn_count(&f->gw, CONN_KIND_EPMD), 0);
	assert_int_equal(conn_count(&f->gw, CONN_NKINDS), 5);

	/* Two tunnels: their query and link go with them, unannounced. */
	conn_close_all(&f->gw, CONN_KIND_TUNNEL, RC_SHUTDOWN, "stopping");
	assert_int_equal(conn_count(&f->gw, CONN_KIND_TUNNEL), 0);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_EPMDC), 0);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 1);
	assert_int_equal(hq.calls, 0);
	assert_int_equal(ht.calls, 0);
	fx_audit_next(f, line, sizeof(line));	/* the newer one first */
	assert_non_null(strstr(line, "conn=3 dir=out "));
	assert_non_null(strstr(line, " code=shutdown "));
	fx_audit(f, line, sizeof(line));
	assert_non_null(strstr(line, "conn=1 dir=in "));
	assert_non_null(strstr(line, " code=shutdown "));

	/* The remaining link's requester hears why. */
	conn_close_all(&f->gw, CONN_NKINDS, RC_SHUTDOWN, "stopping");
	assert_null(f->gw.conns);
	assert_int_equal(f->gw.nconns, 0);
	assert_int_equal(hl.calls, 1);
	assert_int_equal(hl.status, -1);
	assert_string_equal(hl.reason, "stopping");
	world_free(w);
}

/* Each kind ends through its own path: the EPMD client hangs up, the
 * query and the link time out, a tunnel closes while waiting on a link. */
static void
test_each_kind_own_close(void **state)
{
	struct fx *f = *state;
	struct world *w = world_new(f);
	struct heard hq = { 0 }, hl = { 0 }, ht = { 0 };
	char line[1024];

	f->cfg.connect_timeout_ms = 30;
	f->cfg.tls_timeout_ms = 20;
	assert_non_null(epmd_new(f, w));
	close(w->epmd_fds[--w->nepmd]);
	fx_pump(f);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_EPMD), 0);

	(void)query_new(f, w, 30, &hq);
	(void)link_new(w, &hl);
	struct tunnel *t = tunnel_new(&f->gw, 1);
	assert_non_null(t);
	t->link = link_new(w, &ht);
	conn_close(&t->c, RC_ROUTE_REFUSED, "refused by test");
	fx_audit(f, line, sizeof(line));
	assert_non_null(strstr(line, " code=route_refused "));
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 1);

	/* Runs the loop until the query and the link have timed out. */
	struct event *guard = evtimer_new(f->base, fx_guard_cb, NULL);
	struct timeval tv = clock_tv(3000);
	uint64_t t0 = clock_ms();
	assert_int_equal(evtimer_add(guard, &tv), 0);
	while (f->gw.conns != NULL && clock_ms() - t0 < 3000)
		(void)event_base_loop(f->base, EVLOOP_ONCE);
	event_free(guard);
	assert_null(f->gw.conns);
	assert_int_equal(hq.calls, 1);
	assert_string_equal(hq.reason, "EPMD timeout");
	assert_int_equal(hq.port, 0);
	assert_int_equal(hl.calls, 1);
	assert_int_equal(hl.status, -1);
	assert_string_equal(hl.reason, "connect/TLS timeout");
	assert_int_equal(ht.calls, 0);
	assert_int_equal(f->gw.nconns, 0);
	world_free(w);
}

/* ---- a pooled link and its PINGs, against the test as peer gateway --- */

/* The test's end of a link: the accepted socket and its TLS server. */
struct srv {
	int fd;
	SSL *ssl;
	uint8_t in[64];
	size_t inlen;
};

/* One turn of the loop, waiting at most 5 ms for timers. */
static void
slice(struct fx *f)
{
	struct event *guard = evtimer_new(f->base, fx_guard_cb, NULL);
	struct timeval tv = clock_tv(5);

	assert_non_null(guard);
	assert_int_equal(evtimer_add(guard, &tv), 0);
	(void)event_base_loop(f->base, EVLOOP_ONCE);
	event_free(guard);
}

/* Warms a spare link to the world (the peer's address), accepts it and
 * plays its TLS server until the link is in the pool. */
static void
srv_open(struct fx *f, struct world *w, struct srv *s)
{
	uint64_t t0 = clock_ms();
	int done = 0;

	gwlink_warm(&w->peer);
	s->fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(s->fd >= 0);
	s->ssl = tls_server_new(f->pki->peer_srv, s->fd, 0);
	assert_non_null(s->ssl);
	s->inlen = 0;
	while (w->peer.nidle == 0 && clock_ms() - t0 < 2000) {
		slice(f);
		if (!done)
			done = fx_tls_step(s->ssl, "test");
	}
	assert_int_equal(w->peer.nidle, 1);
}

static void
srv_close(struct srv *s)
{
	SSL_free(s->ssl);
	close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
}

/* Runs the loop until the link has sent a whole PING (or MS pass);
 * returns 1 if it did. */
static int
srv_wait_ping(struct fx *f, struct srv *s, unsigned ms)
{
	static const uint8_t ping[] = { 0x44, 0x47, 0x01, 0x04, 0x00, 0x00 };
	uint64_t t0 = clock_ms();
	size_t n;

	while (s->inlen < sizeof(ping) && clock_ms() - t0 < ms) {
		slice(f);
		ERR_clear_error();
		if (SSL_read_ex(s->ssl, s->in + s->inlen, sizeof(s->in) -
		    s->inlen, &n) == 1)
			s->inlen += n;
	}
	if (s->inlen < sizeof(ping))
		return 0;
	assert_int_equal(s->inlen, sizeof(ping));
	assert_memory_equal(s->in, ping, sizeof(ping));
	s->inlen = 0;
	return 1;
}

static void
srv_send(struct srv *s, const uint8_t *p, size_t n)
{
	size_t put;

	assert_int_equal(SSL_write_ex(s->ssl, p, n, &put), 1);
	assert_int_equal(put, n);
}

/* Runs the loop until the peer has no link at all (or MS pass). */
static void
wait_no_link(struct fx *f, unsigned ms)
{
	uint64_t t0 = clock_ms();

	while (conn_count(&f->gw, CONN_KIND_LINK) > 0 && clock_ms() - t0 < ms)
		slice(f);
}

/*
 * An idle pooled link PINGs every link_ping_interval and leaves the pool
 * while the PING is out; a PONG puts it back; no PONG within
 * resolve_timeout closes it; a peer that answers PING with an error (a
 * distgate older than PING) is not pinged again.
 */
static void
test_link_ping(void **state)
{
	static const uint8_t pong[] = {
		0x44, 0x47, 0x01, 0x84, 0x00, 0x01, 0x00,
	};
	static const uint8_t old_server[] = {
		0x44, 0x47, 0x01, 0xff, 0x00, 0x15, 0x04, 'u', 'n', 'k', 'n',
		'o', 'w', 'n', ' ', 'r', 'e', 'q', 'u', 'e', 's', 't', ' ',
		't', 'y', 'p', 'e',
	};
	struct fx *f = *state;
	struct world *w = world_new(f);
	struct srv s;
	uint64_t t0;

	memcpy(&f->peer.addr.ss, &w->sun, sizeof(w->sun));
	f->peer.addr.len = sizeof(w->sun);
	f->peer.kind = PEER_KIND_GATEWAY;
	f->cfg.link_ping_interval_ms = 100;
	f->cfg.resolve_timeout_ms = 300;

	srv_open(f, w, &s);
	assert_true(srv_wait_ping(f, &s, 2000));
	assert_int_equal(w->peer.nidle, 0);	/* out while pinging */
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 1);
	srv_send(&s, pong, sizeof(pong));
	t0 = clock_ms();
	while (w->peer.nidle == 0 && clock_ms() - t0 < 2000)
		slice(f);
	assert_int_equal(w->peer.nidle, 1);	/* back in the pool */
	assert_int_equal(w->peer.no_ping, 0);

	/* The next PING goes unanswered: closed after resolve_timeout,
	 * long before the 25 s idle life ends. */
	assert_true(srv_wait_ping(f, &s, 2000));
	t0 = clock_ms();
	wait_no_link(f, 2000);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 0);
	assert_in_range(clock_ms() - t0, 250, 1500);
	assert_int_equal(w->peer.nidle, 0);
	srv_close(&s);

	/* A server older than PING: ERROR bad_request.  The link goes, and
	 * the peer's links are not pinged any more. */
	srv_open(f, w, &s);
	assert_true(srv_wait_ping(f, &s, 2000));
	srv_send(&s, old_server, sizeof(old_server));
	wait_no_link(f, 2000);
	assert_int_equal(conn_count(&f->gw, CONN_KIND_LINK), 0);
	assert_int_equal(w->peer.no_ping, 1);
	srv_close(&s);
	srv_open(f, w, &s);
	assert_false(srv_wait_ping(f, &s, 400));
	assert_int_equal(w->peer.nidle, 1);
	/* The link first: its close_notify would meet a closed socket. */
	conn_close_all(&f->gw, CONN_KIND_LINK, RC_SHUTDOWN, "test over");
	assert_int_equal(w->peer.nidle, 0);
	srv_close(&s);
	world_free(w);
}

/* A failed read keeps its errno in the half, and the close path's code
 * follows it: ETIMEDOUT (a dead peer) is a timeout, anything else an I/O
 * error. */
static void
test_io_reason(void **state)
{
	struct half h;
	int sv[2];
	char b[8];

	(void)state;
	half_init(&h);
	h.errnum = ETIMEDOUT;
	assert_int_equal(conn_io_reason(&h), RC_TIMEOUT);
	h.errnum = 0;
	assert_int_equal(conn_io_reason(&h), RC_IO_ERROR);
	/* The peer goes with our bytes unread: we read a reset. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	h.fd = sv[0];
	assert_int_equal(write(sv[0], "x", 1), 1);
	close(sv[1]);
	assert_int_equal(half_read(&h, b, sizeof(b)), HALF_ERR);
	assert_int_equal(h.errnum, ECONNRESET);
	assert_string_equal(h.err, strerror(ECONNRESET));
	assert_int_equal(conn_io_reason(&h), RC_IO_ERROR);
	close(sv[0]);
}

/* Conns first (links hold connections to the world's listener). */
static int
teardown(void **state)
{
	int rc = fx_teardown(state);

	if (the_world != NULL)
		world_free(the_world);
	return rc;
}

#define T(name)	cmocka_unit_test_setup_teardown(name, fx_setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ids_and_list),
		T(test_state_timers),
		T(test_budgets),
		T(test_budgets_fd_limit),
		T(test_pending_slots),
		T(test_fail_then_close),
		T(test_close_all),
		T(test_each_kind_own_close),
		T(test_link_ping),
		cmocka_unit_test(test_io_reason),
	};

	return cmocka_run_group_tests(tests, fx_pki_setup, fx_pki_teardown);
}
