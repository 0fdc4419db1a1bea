/*
 * fuzz_cookie.c — cookie_load() on the input as the whole content of a
 * cookie file.  cookie.h reads only from a path, so each input is
 * written over one scratch file (mode 0600, in /dev/shm when there is
 * one) made at start-up.
 *
 * Checks against cookie.h's contract: the file loads exactly when it is
 * at most 1024 bytes and, without its trailing CR and LF bytes, holds
 * 1..255 printable ASCII characters and is not white space only; then the cookie's digests are
 * those of that text (MD5 of text and decimal challenge, as
 * dist_util:gen_digest), cookie_check() accepts its digest and refuses a
 * changed one; a refusal never repeats the cookie text.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crypto/cookie.h"
#include "fuzz.h"

static char path[64];
static int fd = -1;

static void
cleanup(void)
{
	if (fd != -1)
		(void)unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	snprintf(path, sizeof(path), "%s/distgate-fuzz-cookie.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_CHECK((fd = mkstemp(path)) != -1);	/* mode 0600 */
	FUZZ_CHECK(atexit(cleanup) == 0);
	return 0;
}

/* What cookie.h promises the file DATA holds, or -1 if it is refused. */
static long
expected_len(const uint8_t *data, size_t size)
{
	size_t len = size, blank = 1;

	if (size > 1024)
		return -1;
	for (size_t i = 0; i < size; i++)
		blank &= data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
		    data[i] == '\n';
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (blank || len == 0 || len > 255)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			return -1;
	return (long)len;
}

static void
md5_of(const uint8_t *text, size_t len, uint32_t challenge, uint8_t out[16])
{
	char buf[300];
	unsigned olen = 0;
	int n;

	memcpy(buf, text, len);
	n = snprintf(buf + len, sizeof(buf) - len, "%lu",
	    (unsigned long)challenge);
	FUZZ_CHECK(EVP_Digest(buf, len + (size_t)n, out, &olen, EVP_md5(),
	    NULL) == 1 && olen == 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	long want = expected_len(data, size);
	struct cookie *c;
	uint8_t d[16], ref[16];

	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	c = cookie_load(path, err, sizeof(err));
	if (c == NULL) {
		FUZZ_CHECK(want == -1);
		FUZZ_CHECK(err[0] != '\0');
		/* Long enough not to turn up in the message by chance. */
		if (size >= 16 && size <= 255 && memchr(data, '\0', size) ==
		    NULL) {
			char text[256];
			memcpy(text, data, size);
			text[size] = '\0';
			FUZZ_CHECK(strstr(err, text) == NULL);
		}
		return 0;
	}
	FUZZ_CHECK(want != -1);
	for (uint32_t ch = 0; ch < 3; ch++) {
		uint32_t challenge = ch == 0 ? 0 : ch == 1 ? 4294967295U :
		    (uint32_t)size * 2654435761U;

		FUZZ_CHECK(cookie_digest(c, challenge, d) == 0);
		md5_of(data, (size_t)want, challenge, ref);
		FUZZ_CHECK(memcmp(d, ref, 16) == 0);
		FUZZ_CHECK(cookie_check(c, challenge, d) == 1);
		d[challenge % 16] ^= 1;
		FUZZ_CHECK(cookie_check(c, challenge, d) == 0);
	}
	cookie_free(c);
	return 0;
}
