#!/usr/bin/env bash
# run.sh BUILD NAME... — run the libFuzzer harnesses BUILD/bin/fuzz_NAME,
# one after the other, each on a copy of tests/fuzz/corpus/NAME/ (the
# committed seeds never grow) with tests/fuzz/NAME.dict when there is one.
#
#   FUZZ_SECONDS=N   run each harness N seconds (default 30, or no time
#                    bound when only FUZZ_RUNS is given)
#   FUZZ_RUNS=N      run each harness N executions (-runs=N); a long run
#                    is e.g. FUZZ_RUNS=10000000 make fuzz
#   FUZZ_ARGS=...    more libFuzzer flags (e.g. -max_len=8192)
#
# Prints one line per harness — executions, executions per second, new
# corpus units — then "fuzz: N passed, N failed".  A harness passes when
# libFuzzer exits 0.  A crash, leak, timeout or out-of-memory input is
# kept in BUILD/fuzz-crashes/NAME/ and its path printed; the full output
# of every harness is in BUILD/fuzz-logs/NAME.log.  Exits 1 when any
# harness failed.
set -uo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD NAME..." >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift

seconds=${FUZZ_SECONDS:-}
runs=${FUZZ_RUNS:-}
if [ -z "$seconds" ] && [ -z "$runs" ]; then
	seconds=30
fi
limits=()
[ -n "$seconds" ] && limits+=("-max_total_time=$seconds")
[ -n "$runs" ] && limits+=("-runs=$runs")

logs=$build/fuzz-logs
crashes=$build/fuzz-crashes
mkdir -p "$logs" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/distgate-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# fstat LOG KEY: the value of libFuzzer's final "stat::KEY:" line, or "?".
fstat() {
	local v
	v=$(sed -n "s/^stat::$2: *//p" "$1" | tail -n 1)
	echo "${v:-?}"
}

passed=0
failed=0
for name in "$@"; do
	bin=$build/bin/fuzz_$name
	log=$logs/$name.log
	corpus=$work/$name
	mkdir -p "$corpus" "$crashes/$name"
	if [ -d "$here/corpus/$name" ]; then
		cp -pR "$here/corpus/$name/." "$corpus/"
	fi
	seeds=$(find "$corpus" -type f | wc -l)
	dict=()
	[ -f "$here/$name.dict" ] && dict=("-dict=$here/$name.dict")
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin not built"
		failed=$((failed + 1))
		continue
	fi
	start=$(date +%s)
	"$bin" "${limits[@]}" "${dict[@]}" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$crashes/$name/" ${FUZZ_ARGS:-} \
		"$corpus" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(fstat "$log" number_of_executed_units)
	rate=$(fstat "$log" average_exec_per_sec)
	added=$(fstat "$log" new_units_added)
	if [ "$rc" -eq 0 ]; then
		printf 'PASS %-13s %10s execs %7s/s %4ss  seeds %s, +%s units\n' \
			"$name" "$execs" "$rate" "$secs" "$seeds" "$added"
		passed=$((passed + 1))
		continue
	fi
	printf 'FAIL %-13s exit %s after %s execs, %ss (log: %s)\n' \
		"$name" "$rc" "$execs" "$secs" "$log"
	grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' "$log" |
		sed 's/^/    /'
	found=$(sed -n 's/.*Test unit written to //p' "$log")
	if [ -n "$found" ]; then
		printf '%s\n' "$found" | sed 's/^/    input: /'
	else
		echo "    no input kept (see the log)"
	fi
	failed=$((failed + 1))
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
