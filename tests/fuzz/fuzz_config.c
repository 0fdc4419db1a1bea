/*
 * fuzz_config.c — config_load_buffer() on the input as an INI file
 * named proxy.ini in a scratch directory that holds cert.pem, key.pem,
 * ca.pem, crl.pem, a cookie (mode 0600), open.cookie (0644), empty.cookie
 * and a directory audit/; any other name the input uses is absent.
 *
 * FUZZ_VERBOSE=1 in the environment prints each result (to see why a
 * seed does not load).
 *
 * Checks: a load either fails with a message that starts with the file's
 * name, or gives a config that keeps every invariant of the unit tests'
 * check_invariants() (tests/unit/config_invariants.h; a failed cmocka
 * assertion aborts here).
 *
 * No DNS: getaddrinfo() is wrapped (-Wl,--wrap=getaddrinfo) to numeric
 * hosts only, so a host name in [peer] address fails to resolve at once.
 */
#include <ftw.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_invariants.h"	/* tests/unit: check_invariants() */
#include "fuzz.h"

int __real_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo h;

	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return __real_getaddrinfo(node, service, &h, res);
}

static char dir[64];
static char ini[96];
static int verbose;		/* FUZZ_VERBOSE set: print each result */

static void
put_file(const char *name, const char *text, mode_t mode)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FUZZ_CHECK((f = fopen(path, "w")) != NULL);
	FUZZ_CHECK(fputs(text, f) >= 0);
	FUZZ_CHECK(fclose(f) == 0);
	FUZZ_CHECK(chmod(path, mode) == 0);
}

static void
cleanup(void)
{
	if (dir[0] != '\0')	/* rm_one(): config_fixture.h */
		(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char sub[128];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	/* A failed invariant aborts (cmocka would exit) with a trace. */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	snprintf(dir, sizeof(dir), "%s/distgate-fuzz-config.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	FUZZ_CHECK(atexit(cleanup) == 0);
	snprintf(ini, sizeof(ini), "%s/proxy.ini", dir);
	/* Stand-ins: config/ checks that they exist, not what they hold. */
	put_file("cert.pem", "CERT\n", 0644);
	put_file("key.pem", "KEY\n", 0600);
	put_file("ca.pem", "CA\n", 0644);
	put_file("crl.pem", "CRL\n", 0644);
	put_file("cookie", "Fuzz-Cookie-42\n", 0600);
	put_file("open.cookie", "Fuzz-Cookie-42\n", 0644);
	put_file("empty.cookie", "\n", 0600);
	snprintf(sub, sizeof(sub), "%s/audit", dir);
	FUZZ_CHECK(mkdir(sub, 0700) == 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	char err[512];

	if (config_load_buffer(ini, (const char *)data, size, &cfg, err,
	    sizeof(err)) == 0) {
		FUZZ_CHECK(cfg != NULL);
		if (verbose)
			fprintf(stderr, "config: loaded\n");
		check_invariants(cfg);
		config_free(cfg);
		return 0;
	}
	FUZZ_CHECK(cfg == NULL);
	if (verbose)
		fprintf(stderr, "config: %s\n", err);
	FUZZ_CHECK(strncmp(err, ini, strlen(ini)) == 0);
	return 0;
}
