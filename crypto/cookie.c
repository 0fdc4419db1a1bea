/* cookie.c — see cookie.h. */
#include "crypto/cookie.h"
#include "crypto/secfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define COOKIE_MAX	255
#define COOKIE_FILE_MAX	1024	/* bytes of a cookie file, line ends too */

struct cookie {
	size_t len;
	char text[COOKIE_MAX + 1];
};

struct cookie *
cookie_new(const char *text, size_t len)
{
	struct cookie *c;

	if (len == 0 || len > COOKIE_MAX)
		return NULL;
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return NULL;
	memcpy(c->text, text, len);
	c->len = len;
	return c;
}

struct cookie *
cookie_load(const char *path, char *err, size_t errlen)
{
	char buf[COOKIE_FILE_MAX + 1], why[128];	/* one more: tells a longer file */
	struct cookie *c = NULL;
	size_t len = 0, blank = 1;
	ssize_t n;
	int fd;

	/* Opened once, checked on the descriptor (secfile.h), read from it. */
	if ((fd = secfile_open(path, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len,
	    sizeof(buf) - len)) != 0) {
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	/* Not cut short: what lies beyond would decide what the cookie is. */
	if (len > COOKIE_FILE_MAX) {
		snprintf(err, errlen, "%s: cookie file longer than %d bytes",
		    path, COOKIE_FILE_MAX);
		goto done;
	}
	for (size_t i = 0; i < len; i++)
		blank &= buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n';
	/* As OTP reads ~/.erlang.cookie: line ends at the end go, anything
	 * else (spaces included) is part of the cookie. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (blank || len == 0 || len > COOKIE_MAX) {
		snprintf(err, errlen, "%s: cookie must hold 1..%d characters",
		    path, COOKIE_MAX);
		goto done;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e) {
			snprintf(err, errlen, "%s: cookie holds a character "
			    "outside printable ASCII (OTP refuses it too)", path);
			goto done;
		}
	}
	if ((c = cookie_new(buf, len)) == NULL)
		snprintf(err, errlen, "out of memory");
done:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return c;
}

void
cookie_free(struct cookie *c)
{
	if (c != NULL)
		OPENSSL_clear_free(c, sizeof(*c));
}

int
cookie_digest(const struct cookie *c, uint32_t challenge, uint8_t out[16])
{
	char buf[COOKIE_MAX + 16];
	unsigned int olen = 0;
	int n, r;

	memcpy(buf, c->text, c->len);
	n = snprintf(buf + c->len, sizeof(buf) - c->len, "%lu",
	    (unsigned long)challenge);
	r = EVP_Digest(buf, c->len + (size_t)n, out, &olen, EVP_md5(), NULL);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r == 1 && olen == 16 ? 0 : -1;
}

int
cookie_check(const struct cookie *c, uint32_t challenge,
    const uint8_t digest[16])
{
	uint8_t want[16];
	int ok;

	if (cookie_digest(c, challenge, want) == -1)
		return 0;
	ok = CRYPTO_memcmp(want, digest, 16) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}
