/*
 * cookie.h — Erlang distribution cookies and their handshake digests.
 *
 * A digest is MD5 over the cookie's characters immediately followed by the
 * challenge written as an unsigned decimal number (dist_util:gen_digest).
 * Cookies live in memory only while the gateway runs and are wiped when
 * freed; they are never logged, and neither are digests.
 */
#ifndef DISTGATE_COOKIE_H
#define DISTGATE_COOKIE_H

#include <stddef.h>
#include <stdint.h>

struct cookie;

/*
 * Reads the cookie from PATH as OTP reads ~/.erlang.cookie: the file's
 * text without its trailing line ends (CR, LF); spaces are part of it.
 * The file is opened once and checked on its descriptor as secfile.h
 * says (no symbolic link, a regular file owned by root or the running
 * user, denying group/other), must be at most 1024 bytes long and hold
 * 1..255 printable ASCII characters.  Returns a new cookie, or NULL with
 * "PATH: reason" in ERR (which never contains the cookie).
 */
struct cookie *cookie_load(const char *path, char *err, size_t errlen);

/* Makes a cookie from TEXT (tests). */
struct cookie *cookie_new(const char *text, size_t len);

/* Wipes and frees; NULL is a no-op. */
void cookie_free(struct cookie *c);

/* Writes MD5(cookie ‖ decimal(challenge)) into OUT.  Returns 0 or -1. */
int cookie_digest(const struct cookie *c, uint32_t challenge,
    uint8_t out[16]);

/* Returns 1 if DIGEST is the digest of CHALLENGE under C (compared in
 * constant time), 0 if not. */
int cookie_check(const struct cookie *c, uint32_t challenge,
    const uint8_t digest[16]);

#endif
