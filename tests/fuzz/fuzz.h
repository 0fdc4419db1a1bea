/*
 * fuzz.h — what the libFuzzer harnesses of tests/fuzz/ share: the entry
 * points' prototypes, an invariant check that aborts (so libFuzzer keeps
 * the input), and quiet logging.  Each harness is one fuzz_NAME.c over
 * one parser; `make fuzz` builds and runs them (tests/fuzz/run.sh).
 */
#ifndef DISTGATE_FUZZ_H
#define DISTGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proxy/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the parser under test: on failure print it and abort,
 * which libFuzzer reports as a crash with this input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* Errors only: a parser that logs must not flood the fuzzer's output. */
static inline void
fuzz_quiet(void)
{
	log_init(LOG_LVL_ERROR, 0);
}

#endif
