/* priv.c — see priv.h. */
#include "proxy/priv.h"
#include "proxy/util/errf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "config/config.h"

#define HOW_TO	"set user = NAME in [gateway] to drop to that user once " \
		"listening, or run_as_root = yes to stay root (containers)"

/* getpwnam/getgrnam set errno only on a real failure, and leave it
 * alone (or set ENOENT and friends) when the name is simply unknown. */
static const char *
lookup_error(int e)
{
	if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM)
		return NULL;
	return strerror(e);
}

static int
plan_user(const struct config *cfg, uid_t euid, gid_t egid,
    struct priv_plan *plan, char *err, size_t errlen)
{
	const struct passwd *pw;
	const struct group *gr;
	const char *e;

	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL)
		return (e = lookup_error(errno)) != NULL ?
		    errf(err, errlen, "user = %s: looking it up: %s",
		    cfg->user, e) :
		    errf(err, errlen, "user = %s: no such user", cfg->user);
	if (pw->pw_uid == 0)
		return errf(err, errlen, "user = %s: that is root (uid 0); "
		    "name an unprivileged user, or drop user and set "
		    "run_as_root = yes", cfg->user);
	plan->uid = pw->pw_uid;
	plan->gid = pw->pw_gid;
	(void)snprintf(plan->user, sizeof(plan->user), "%s", cfg->user);
	if (cfg->group != NULL) {
		errno = 0;
		if ((gr = getgrnam(cfg->group)) == NULL)
			return (e = lookup_error(errno)) != NULL ?
			    errf(err, errlen, "group = %s: looking it up: %s",
			    cfg->group, e) :
			    errf(err, errlen, "group = %s: no such group",
			    cfg->group);
		plan->gid = gr->gr_gid;
		(void)snprintf(plan->group, sizeof(plan->group), "%s",
		    cfg->group);
	} else {
		errno = 0;
		gr = getgrgid(plan->gid);
		(void)snprintf(plan->group, sizeof(plan->group), "%s",
		    gr != NULL ? gr->gr_name : "");
	}
	if (plan->gid == 0)
		return errf(err, errlen, "group of user %s is root (gid 0): "
		    "set group = NAME to an unprivileged group", cfg->user);
	if (euid == 0) {
		plan->drop = 1;
		return 0;
	}
	if (euid != plan->uid)
		return errf(err, errlen, "user = %s (uid %lu), but distgate "
		    "runs as uid %lu: start it as root (it then drops to %s) "
		    "or as %s itself", cfg->user, (unsigned long)plan->uid,
		    (unsigned long)euid, cfg->user, cfg->user);
	if (egid != plan->gid)
		return errf(err, errlen, "user = %s runs with gid %lu, but the "
		    "configured group is gid %lu: start it with that group "
		    "(systemd: Group=), or as root", cfg->user,
		    (unsigned long)egid, (unsigned long)plan->gid);
	return 0;
}

int
priv_plan(const struct config *cfg, uid_t euid, gid_t egid,
    struct priv_plan *plan, char *err, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));
	if (cfg->group != NULL && cfg->user == NULL)
		return errf(err, errlen, "group = %s needs user = NAME",
		    cfg->group);
	if (cfg->user != NULL && cfg->run_as_root)
		return errf(err, errlen, "user = %s and run_as_root = yes "
		    "contradict each other: keep one", cfg->user);
	if (cfg->user != NULL)
		return plan_user(cfg, euid, egid, plan, err, errlen);
	if (euid == 0 && !cfg->run_as_root)
		return errf(err, errlen, "refusing to run as root: " HOW_TO);
	plan->as_root = euid == 0;
	return 0;
}

/* Returns 0 when the real, effective and saved ids are all UID / GID and
 * the only supplementary group is GID. */
static int
check_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	int n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return errf(err, errlen, "getresuid/getresgid: %s",
		    strerror(errno));
	if (ru != uid || eu != uid || su != uid)
		return errf(err, errlen, "uids are %lu/%lu/%lu, not %lu",
		    (unsigned long)ru, (unsigned long)eu, (unsigned long)su,
		    (unsigned long)uid);
	if (rg != gid || eg != gid || sg != gid)
		return errf(err, errlen, "gids are %lu/%lu/%lu, not %lu",
		    (unsigned long)rg, (unsigned long)eg, (unsigned long)sg,
		    (unsigned long)gid);
	if ((n = getgroups(2, groups)) == -1)
		return errf(err, errlen, "getgroups: %s", strerror(errno));
	if (n != 1 || groups[0] != gid)
		return errf(err, errlen, "supplementary groups are not just %lu",
		    (unsigned long)gid);
	return 0;
}

int
priv_drop(const struct priv_plan *plan, char *err, size_t errlen)
{
	char why_ids[256];

	if (plan->drop) {
		if (setgroups(1, &plan->gid) == -1)
			return errf(err, errlen, "setgroups(%lu): %s",
			    (unsigned long)plan->gid, strerror(errno));
		if (setresgid(plan->gid, plan->gid, plan->gid) == -1)
			return errf(err, errlen, "setresgid(%lu): %s",
			    (unsigned long)plan->gid, strerror(errno));
		if (setresuid(plan->uid, plan->uid, plan->uid) == -1)
			return errf(err, errlen, "setresuid(%lu): %s",
			    (unsigned long)plan->uid, strerror(errno));
		if (check_ids(plan->uid, plan->gid, why_ids,
		    sizeof(why_ids)) == -1)
			return errf(err, errlen, "after dropping to %s: %s",
			    plan->user, why_ids);
		/* Root's saved id is gone: neither may come back. */
		if (setuid(0) != -1 || setgid(0) != -1)
			return errf(err, errlen, "after dropping to %s, "
			    "setuid(0) or setgid(0) still succeeds",
			    plan->user);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return errf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s",
		    strerror(errno));
	return 0;
}
