/*
 * fuzz_epmd_reply.c — what another host's epmd answers distgate's EPMD
 * client (proxy/epmdc.c): the input taken whole as a PORT2_RESP
 * (epmd_parse_port2) and as a NAMES reply (epmd_names_next over the text
 * after its 4-byte header), with a large and a small name buffer.
 *
 * Checks: an accepted PORT2 reply has the right tag, result 0, 12 bytes
 * at least and a port; the NAMES walk always advances and ends; a name it
 * gives fits its buffer and is the whole name of a line "name N at port
 * DIGITS" (no space, no NUL), with a non-zero port, and a NAMES line of
 * our own for it reads back the same.
 */
#include <string.h>

#include "fuzz.h"
#include "proxy/util/bytes.h"
#include "proxy/wire/epmd_proto.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
check_port2(const uint8_t *data, size_t size)
{
	struct epmd_port2 p2;
	const char *why = NULL;

	memset(&p2, 0, sizeof(p2));
	if (epmd_parse_port2(data, size, &p2, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(size >= 12 && data[0] == EPMD_PORT2_RESP && data[1] == 0);
	FUZZ_CHECK(p2.port != 0 && p2.port == get16(data + 2));
	FUZZ_CHECK(p2.node_type == data[4] && p2.protocol == data[5]);
	FUZZ_CHECK(p2.high == get16(data + 6) && p2.low == get16(data + 8));
}

/* Walks TEXT with a name buffer of exactly CAP bytes. */
static void
walk_names(const char *text, size_t len, size_t cap)
{
	char *name = malloc(cap);
	size_t off = 0, prev;
	unsigned steps = 0;
	uint16_t port;
	int rc;

	FUZZ_CHECK(name != NULL);
	for (;;) {
		prev = off;
		port = 0;
		rc = epmd_names_next(text, len, &off, name, cap, &port);
		FUZZ_CHECK(rc >= -1 && rc <= 1);
		if (rc == -1) {
			FUZZ_CHECK(prev >= len && off == prev);
			break;
		}
		FUZZ_CHECK(off > prev && off <= len);
		FUZZ_CHECK(++steps <= len);
		if (rc == 0)
			continue;
		/* The line taken is exactly "name N at port DIGITS". */
		const char *got = text + prev;
		size_t ll = off - prev, nlen = strnlen(name, cap);
		if (got[ll - 1] == '\n')
			ll--;
		FUZZ_CHECK(nlen > 0 && nlen < cap && nlen <= EPMD_MAX_NAME);
		FUZZ_CHECK(ll > 5 + nlen + 9);
		FUZZ_CHECK(memcmp(got, "name ", 5) == 0);
		FUZZ_CHECK(memcmp(got + 5, name, nlen) == 0);
		FUZZ_CHECK(memcmp(got + 5 + nlen, " at port ", 9) == 0);
		for (size_t i = 5 + nlen + 9; i < ll; i++)
			FUZZ_CHECK(got[i] >= '0' && got[i] <= '9');
		FUZZ_CHECK(strchr(name, ' ') == NULL);
		FUZZ_CHECK(port != 0);

		/* Our own NAMES line of that entry reads back the same. */
		uint8_t line[EPMD_MAX_NAME + 32];
		char again[EPMD_MAX_NAME + 1];
		size_t n = epmd_names_line(line, sizeof(line), name, port), o = 0;
		uint16_t p = 0;
		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(epmd_names_next((const char *)line, n, &o, again,
		    sizeof(again), &p) == 1);
		FUZZ_CHECK(o == n && p == port && strcmp(again, name) == 0);
	}
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_port2(data, size);
	/* A NAMES reply: u32 port of that epmd, then text lines. */
	if (size >= 4) {
		walk_names((const char *)data + 4, size - 4, EPMD_MAX_NAME + 1);
		walk_names((const char *)data + 4, size - 4, 8);
	}
	return 0;
}
