/*
 * config_files.c — what the configuration says about files: the setters
 * of file keys, the checks of secret, cookie and audit files, and the
 * paths they resolve against; see config_int.h and config.h.
 */
#include "config/config_int.h"
#include "crypto/cookie.h"
#include "crypto/secfile.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
config_set_file(const struct config_key *k, const struct config_setctx *ctx,
    const char *v)
{
	char reason[128], *why = ctx->why;
	size_t whylen = ctx->whylen;
	struct stat st;
	char *path;

	if (v[0] == '\0')
		return 0;
	if ((path = config_path_join(ctx->dir, v)) == NULL)
		return config_why(why, whylen, "out of memory");
	if (k->flags & CONFIG_KEY_SECRET) {
		/* Checked as the gateway opens them (crypto/secfile.h):
		 * no stat() that would follow a symbolic link. */
		if (((k->flags & CONFIG_KEY_COOKIE) ?
		    config_check_cookie_file(path, reason, sizeof(reason)) :
		    config_check_secret_file(path, reason,
		    sizeof(reason))) == -1) {
			config_why(why, whylen, "%s: %s", path, reason);
			goto fail;
		}
	} else if (stat(path, &st) == -1 || access(path, R_OK) == -1) {
		config_why(why, whylen, "%s: %s", path, strerror(errno));
		goto fail;
	} else if (!S_ISREG(st.st_mode)) {
		config_why(why, whylen, "%s: not a regular file", path);
		goto fail;
	}
	*(char **)config_key_field(k, ctx) = path;
	return 0;
fail:
	free(path);
	return -1;
}

int
config_set_new_file(const struct config_key *k,
    const struct config_setctx *ctx, const char *v)
{
	char reason[128];
	char *path;

	if (v[0] == '\0')
		return 0;
	if ((path = config_path_join(ctx->dir, v)) == NULL)
		return config_why(ctx->why, ctx->whylen, "out of memory");
	if (config_check_audit_file(path, reason, sizeof(reason)) == -1) {
		config_why(ctx->why, ctx->whylen, "%s: %s", path, reason);
		free(path);
		return -1;
	}
	*(char **)config_key_field(k, ctx) = path;
	return 0;
}

char *
config_path_dir(const char *path)
{
	const char *slash;
	char *cwd, *dir;
	int rc;

	while (strncmp(path, "./", 2) == 0)
		path += 2;
	slash = strrchr(path, '/');
	if (slash == path)
		return strdup("/");
	if (path[0] == '/')
		return strndup(path, (size_t)(slash - path));
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	if (slash == NULL)
		return cwd;
	rc = asprintf(&dir, "%s/%.*s", strcmp(cwd, "/") == 0 ? "" : cwd,
	    (int)(slash - path), path);
	free(cwd);
	return rc == -1 ? NULL : dir;
}

char *
config_path_join(const char *dir, const char *v)
{
	char *s;

	if (v[0] == '/')
		return strdup(v);
	if (asprintf(&s, "%s%s%s", dir,
	    strcmp(dir, "/") == 0 ? "" : "/", v) == -1)
		return NULL;
	return s;
}

int
config_check_secret_file(const char *path, char *err, size_t errlen)
{
	char reason[128];

	if (secfile_check(path, reason, sizeof(reason)) == -1)
		return config_why(err, errlen, "%s", reason);
	return 0;
}

/* Returns 1 if PATH holds only white space (or nothing). */
static int
file_is_blank(const char *path)
{
	char b[256];
	ssize_t n;
	int fd, blank = 1;

	if ((fd = secfile_open(path, NULL, 0)) == -1)
		return 0;
	while (blank && (n = read(fd, b, sizeof(b))) > 0)
		for (ssize_t i = 0; i < n && blank; i++)
			blank = b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
			    b[i] == '\n';
	OPENSSL_cleanse(b, sizeof(b));
	close(fd);
	return blank;
}

int
config_check_cookie_file(const char *path, char *err, size_t errlen)
{
	/* The same rules the gateway applies when it reads the cookie at
	 * start-up, so that -t and start-up agree. */
	char buf[512];
	struct cookie *c;
	const char *r;

	if (config_check_secret_file(path, err, errlen) == -1)
		return -1;
	if ((c = cookie_load(path, buf, sizeof(buf))) != NULL) {
		cookie_free(c);
		return 0;
	}
	/* cookie_load() names the path first; keep only its reason. */
	r = strstr(buf, ": ");
	r = r != NULL ? r + 2 : buf;
	if (strncmp(r, "cookie must hold 1..", 20) == 0 &&
	    file_is_blank(path))
		r = "cookie file is empty";
	return config_why(err, errlen, "%s", r);
}

int
config_check_audit_file(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int rc = -1;

	if (slash == NULL || slash[1] == '\0')
		return config_why(err, errlen, "not a file name");
	if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return config_why(err, errlen, "out of memory");
	if (stat(dir, &st) == -1)
		config_why(err, errlen, "directory %s: %s", dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		config_why(err, errlen, "%s is not a directory", dir);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		config_why(err, errlen, "is a directory");
	else
		rc = 0;
	free(dir);
	return rc;
}
