#!/usr/bin/env bash
# run.sh BIN... — run cmocka unit-test binaries and count their results.
#
# Prints each binary's output, then "unit: N passed, N failed" (test
# cases: "[ RUN ]" lines with and without their "[ OK ]").  A binary that exits non-zero without reporting a failed test
# (crash, sanitizer abort, timeout) counts as one failure.  Exit status:
# 0 when nothing failed, 1 otherwise.
set -uo pipefail

passed=0
failed=0
bad_bins=()
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for bin in "$@"; do
	echo "== $bin"
	if [ ! -x "$bin" ]; then
		echo "unit: $bin: not an executable"
		failed=$((failed + 1))
		bad_bins+=("$bin")
		continue
	fi
	CMOCKA_MESSAGE_OUTPUT=stdout timeout -k 10 300 "$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# Started minus passed counts failures, errors and a crash mid-test.
	runs=$(grep -c '^\[ RUN      \]' "$out")
	p=$(grep -c '^\[       OK \]' "$out")
	f=$((runs - p))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		case $rc in
		124|137) why="timed out after 300 s";;
		*) why="exited with status $rc";;
		esac
		echo "unit: $bin $why without a test result"
		f=1
	fi
	[ "$f" -gt 0 ] && bad_bins+=("$bin")
	passed=$((passed + p))
	failed=$((failed + f))
done

[ ${#bad_bins[@]} -gt 0 ] && echo "unit: failing binaries: ${bad_bins[*]}"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
