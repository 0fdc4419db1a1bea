/*
 * drain.h — the graceful stop that SIGTERM starts.
 *
 * The first SIGTERM stops everything that accepts new connections: the
 * TLS port, the public EPMD and its pinned node ports, each peer's alias
 * EPMD and alias node ports (a local node's new outbound connection is a
 * new connection too), and pooled links that carry no tunnel.  The local
 * EPMD listeners stay, with their registrations: local nodes still
 * register and look each other up.  Established tunnels run on for
 * cfg->drain_timeout_ms; then each is ended in order (splice_end(): the
 * nodes see a FIN, never a reset) with code shutdown.  The loop stops as
 * soon as no tunnel is left, or a short linger after the timeout at the
 * latest (each tunnel's close makes the loop check, through
 * gw->drain_check); gateway_stop() then closes what remains.  A second SIGTERM, a
 * SIGINT, or drain_timeout 0 stop the loop at once.
 *
 * gw->draining (DRAIN_*) and gw->drain_start_ms say where it is, for
 * whoever reports the gateway's state.
 */
#ifndef DISTGATE_DRAIN_H
#define DISTGATE_DRAIN_H

struct gateway;

enum drain_phase {
	DRAIN_NONE = 0,
	DRAIN_RUNNING,		/* tunnels run on until drain_timeout */
	DRAIN_CLOSING		/* drain_timeout passed: tunnels ending */
};

/*
 * SIGTERM: starts draining GW (logged: "draining: N tunnels, up to Ts"),
 * or stops the loop at once when GW already drains or drain_timeout is 0.
 * Timers and checks it arms fire later from the event loop, which it
 * ends with event_base_loopexit() when done.
 */
void drain_start(struct gateway *gw);

/* SIGINT (or a second SIGTERM): stops GW's loop now; WHY is logged. */
void drain_stop_now(struct gateway *gw, const char *why);

/* Frees what drain_start() made; safe when it never ran. */
void drain_free(struct gateway *gw);

#endif
