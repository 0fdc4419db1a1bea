/*
 * fuzz_ident.c — certificate identities of a peer's certificate: the
 * input as DER (d2i_X509), then ident_describe(), ident_primary() and
 * ident_match() on it, with buffers of several sizes.
 *
 * Checks: a description is printable ASCII, NUL-terminated inside its
 * buffer, and a shorter buffer gets a prefix of it; a primary identity is
 * printable, fits its buffer whole or is refused, and is one of the
 * certificate's identities (ident_match); the empty and a NULL identity
 * never match.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "crypto/ident.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
check_describe(X509 *cert)
{
	static const size_t lens[] = { 1, 17, 300 };
	char full[8192], *buf;

	FUZZ_CHECK(ident_describe(cert, full, sizeof(full)) == full);
	FUZZ_CHECK(strncmp(full, "subject=", 8) == 0);
	for (const char *s = full; *s; s++)
		FUZZ_CHECK(*s >= 0x20 && *s < 0x7f);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		FUZZ_CHECK((buf = malloc(lens[i])) != NULL);
		FUZZ_CHECK(ident_describe(cert, buf, lens[i]) == buf);
		FUZZ_CHECK(strlen(buf) < lens[i]);
		FUZZ_CHECK(strncmp(buf, full, strlen(buf)) == 0);
		free(buf);
	}
}

static void
check_primary(X509 *cert)
{
	char id[1024], *small;
	size_t n;

	if (ident_primary(cert, id, sizeof(id)) == -1) {
		FUZZ_CHECK(id[0] == '\0');
		return;
	}
	n = strlen(id);
	FUZZ_CHECK(n > 0 && n < sizeof(id));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)id[i] >= 0x20 && id[i] != 0x7f);
	FUZZ_CHECK(ident_match(cert, id) == 1);
	/* Exactly its size fits; one byte less is refused, not cut. */
	FUZZ_CHECK((small = malloc(n + 1)) != NULL);
	FUZZ_CHECK(ident_primary(cert, small, n + 1) == 0);
	FUZZ_CHECK(strcmp(small, id) == 0);
	FUZZ_CHECK(ident_primary(cert, small, n) == -1);
	free(small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *cert;
	char name[64];

	cert = d2i_X509(NULL, &p, (long)size);
	if (cert == NULL) {
		/* The error queue's strings would look like a leak to
		 * libFuzzer, which then runs LeakSanitizer every time. */
		ERR_clear_error();
		return 0;
	}
	check_describe(cert);
	check_primary(cert);
	FUZZ_CHECK(ident_match(cert, "") == 0);
	FUZZ_CHECK(ident_match(cert, NULL) == 0);
	/* A name the fuzzer controls: the bytes after the certificate. */
	if (p < data + size) {
		size_t n = (size_t)(data + size - p);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		(void)ident_match(cert, name);
	}
	X509_free(cert);
	ERR_clear_error();
	return 0;
}
