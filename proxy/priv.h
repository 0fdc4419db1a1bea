/*
 * priv.h — least privilege: which user distgate runs as, and the drop to
 * it once start-up is done.
 *
 * distgate needs no privilege to serve: its ports are above 1024 and the
 * loopback alias addresses need no set-up on Linux.  Started as root it
 * binds, reads its files, then drops to [gateway] user (setgroups,
 * setresgid, setresuid, each checked, then checked that it cannot be
 * undone) before the event loop serves anyone.  Started as root without
 * user it refuses, unless run_as_root = yes.
 */
#ifndef DISTGATE_PRIV_H
#define DISTGATE_PRIV_H

#include <stddef.h>
#include <sys/types.h>

struct config;

#define PRIV_NAME_MAX	64

struct priv_plan {
	int drop;			/* 1: change to uid/gid */
	int as_root;			/* 1: stays root (run_as_root = yes) */
	uid_t uid;
	gid_t gid;
	char user[PRIV_NAME_MAX];	/* "" when no user is configured */
	char group[PRIV_NAME_MAX];
};

/*
 * Decides, from CFG's user, group and run_as_root and the ids the process
 * runs with (EUID, EGID), what priv_drop() will do, looking the user and
 * group up (getpwnam, getgrnam).  Returns 0 with PLAN filled in, or -1
 * with a reason in ERR when distgate must not start: root without user or
 * run_as_root, user together with run_as_root = yes, an unknown user or
 * group, user or group root, group without user, or a non-root process
 * that is not the configured user.  Owns nothing after the call.
 */
int priv_plan(const struct config *cfg, uid_t euid, gid_t egid,
    struct priv_plan *plan, char *err, size_t errlen);

/*
 * Carries out PLAN: when it drops, keeps only the group (setgroups with
 * one entry), then setresgid and setresuid to it, then checks every real,
 * effective and saved id and the group list, and that setuid(0) and
 * setgid(0) now fail.  In every case sets no_new_privs (distgate never
 * executes anything).  Returns 0, or -1 with a reason in ERR: the caller
 * must then exit without serving.  Call once, after every listener is
 * bound and every file read, before the event loop runs.
 */
int priv_drop(const struct priv_plan *plan, char *err, size_t errlen);

#endif
