/*
 * reload.h — live reload of the configuration (SIGHUP, `distgate
 * reload`) and the certificate lifecycle (expiry warnings).
 *
 * A reload re-reads proxy.ini and every file it names (certificate, key,
 * CA, CRL, cookie files) into a new state beside the running one; any
 * error there is logged as `distgate -t` prints it and the running
 * configuration stays.  Otherwise it swaps at once: configuration, TLS
 * contexts (open connections keep theirs), cookies, peers (matched by
 * name; their alias addresses never move) and the TLS listener when
 * `listen` moved.  Then each open connection the new policy no longer
 * allows is closed with code `revoked` (docs/audit.md): its peer removed,
 * its certificate revoked by the new CRL, expired or no longer the
 * peer's identity, its remote node outside the peer's `nodes`, or hidden
 * without `allow_hidden`.  Everything else stays up.  The lockout table,
 * the registry of local nodes, audit lines and pinned public ports
 * survive; keys only a restart applies keep their running value (logged).
 */
#ifndef DISTGATE_RELOAD_H
#define DISTGATE_RELOAD_H

#include <stddef.h>

struct config;
struct gateway;

/*
 * Reloads GW's configuration from the file it came from.  Counts the
 * attempt in gw->reloads and logs the outcome.  Returns 0 when the new
 * configuration runs, -1 when the old one was kept.  Called from the
 * event loop (the SIGHUP handler), never from inside a conn callback.
 */
int reload_run(struct gateway *gw);

/*
 * What `distgate reload` checks before it signals: builds the TLS
 * contexts and loads the cookies CFG names, then frees them.  Returns 0,
 * or -1 with "file: key: reason" in ERR.
 */
int reload_check_files(const struct config *cfg, char *err, size_t errlen);

/*
 * After gateway_start(): writes pid_file (when set), checks certificate
 * expiry now and arms the daily check.  Returns 0 or -1 with ERR set.
 */
int reload_init(struct gateway *gw, char *err, size_t errlen);

/* Before gateway_stop(): stops the daily check and removes pid_file (when
 * it still holds our pid).  Safe after a failed start.  The configuration
 * a reload loaded (gw->cfg_owned) stays in force until gateway_stop();
 * the caller frees it after that. */
void reload_fini(struct gateway *gw);

/*
 * Checks the expiry of [tls] cert and ca: stores them in gw->cert_expiry
 * and gw->ca_expiry, and logs a warning for each that expires within
 * cert_warn_days (or has expired).
 */
void reload_cert_check(struct gateway *gw);

/*
 * `distgate reload`: sends SIGHUP to the gateway whose pid CFG's pid_file
 * holds, after checking it is a distgate process.  Returns 0, or -1 with
 * a reason in ERR.
 */
int reload_signal(const struct config *cfg, char *err, size_t errlen);

#endif
