/*
 * secfile.h — secret files (the TLS private key, cookie files): opened
 * once, checked on the open descriptor, read from that same descriptor.
 *
 * The open is O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY: a
 * symbolic link as the last component of the path is refused (directories
 * on the way are followed), and a FIFO cannot hang start-up.  fstat() of
 * the descriptor must then show a regular file, owned by root or by the
 * running (effective) user, that group and other have no permission on
 * at all.  Checking the descriptor, not the path, leaves no window between
 * the check and the read.
 */
#ifndef DISTGATE_SECFILE_H
#define DISTGATE_SECFILE_H

#include <stddef.h>

#define SECFILE_MAX	(64 * 1024)	/* bound of secfile_read() */

/*
 * Opens PATH and checks it as above.  Returns the descriptor (the caller
 * closes it), or -1 with a reason in ERR (when not NULL; the path is not
 * in it): "is a symbolic link", "not a regular file", "owned by uid N
 * (must be root or the running user)", "readable by group/other",
 * "writable by group/other", "executable by group/other", or the
 * strerror of open().
 */
int secfile_open(const char *path, char *err, size_t errlen);

/* secfile_open() and close: returns 0 or -1 with the reason in ERR. */
int secfile_check(const char *path, char *err, size_t errlen);

/*
 * Opens PATH with secfile_open() and reads all of it, at most MAX bytes,
 * into a new buffer (NUL-terminated; *LEN excludes the NUL) that the
 * caller releases with secfile_free().  Returns the buffer, or NULL with
 * a reason in ERR: those of secfile_open(), "larger than MAX bytes", the
 * strerror of read(), "out of memory".
 */
unsigned char *secfile_read(const char *path, size_t max, size_t *len,
    char *err, size_t errlen);

/* Wipes the LEN bytes (and the NUL) secfile_read() returned in BUF and
 * frees it; NULL is a no-op. */
void secfile_free(unsigned char *buf, size_t len);

#endif
