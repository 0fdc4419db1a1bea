/* secfile.c — see secfile.h. */
#include "crypto/secfile.h"
#include "proxy/util/errf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

int
secfile_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	uid_t me = geteuid();
	int fd, e;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		e = errno;
		/* ELOOP is also "too many links" on the way: tell them apart
		 * (lstat only chooses the message). */
		if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return errf(err, errlen, "is a symbolic link");
		return errf(err, errlen, "%s", strerror(e));
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		(void)close(fd);
		return errf(err, errlen, "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		(void)errf(err, errlen, "not a regular file");
	else if (st.st_uid != 0 && st.st_uid != me)
		(void)errf(err, errlen, "owned by uid %lu (must be root or the "
		    "running user)", (unsigned long)st.st_uid);
	else if (st.st_mode & (S_IRGRP | S_IROTH))
		(void)errf(err, errlen, "readable by group/other");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		(void)errf(err, errlen, "writable by group/other");
	else if (st.st_mode & (S_IXGRP | S_IXOTH))
		(void)errf(err, errlen, "executable by group/other");
	else
		return fd;
	(void)close(fd);
	return -1;
}

int
secfile_check(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = secfile_open(path, err, errlen)) == -1)
		return -1;
	(void)close(fd);
	return 0;
}

unsigned char *
secfile_read(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	unsigned char *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	*lenp = 0;
	if ((fd = secfile_open(path, err, errlen)) == -1)
		return NULL;
	/* One byte more than MAX tells a file of MAX bytes from a longer
	 * one, and holds the NUL. */
	if ((buf = OPENSSL_malloc(max + 1)) == NULL) {
		(void)errf(err, errlen, "out of memory");
		goto fail;
	}
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			(void)errf(err, errlen, "%s", strerror(errno));
			goto fail1;
		}
		len += (size_t)n;
	}
	if (len > max) {
		(void)errf(err, errlen, "larger than %zu bytes", max);
		goto fail1;
	}
	buf[len] = '\0';
	(void)close(fd);
	*lenp = len;
	return buf;

fail1:
	OPENSSL_clear_free(buf, max + 1);
fail:
	(void)close(fd);
	return NULL;
}

void
secfile_free(unsigned char *buf, size_t len)
{
	if (buf != NULL)
		OPENSSL_clear_free(buf, len + 1);
}
