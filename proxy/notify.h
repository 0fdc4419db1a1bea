/*
 * notify.h — telling the service manager how distgate is doing, through
 * sd_notify(3) (libsystemd): READY, RELOADING, STOPPING and STATUS.
 *
 * Each call is a no-op when NOTIFY_SOCKET is unset (not started by
 * systemd with Type=notify), and a failure to send is logged at debug
 * level and otherwise ignored: the manager's view is advice, never a
 * reason to stop serving.
 */
#ifndef DISTGATE_NOTIFY_H
#define DISTGATE_NOTIFY_H

/* READY=1: start-up is done (listening, privileges dropped), or a reload
 * is finished. */
void notify_ready(void);

/* RELOADING=1 with MONOTONIC_USEC: a reload begins; notify_ready() ends
 * it. */
void notify_reloading(void);

/* STOPPING=1: the gateway is shutting down. */
void notify_stopping(void);

/* STATUS=<text>: a one-line summary shown by systemctl status.  The text
 * is cut at 255 bytes; a line end in it is replaced by a space.  Sends
 * only when the text differs from the last one sent. */
void notify_status(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
