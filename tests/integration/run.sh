#!/usr/bin/env bash
# run.sh — run the integration scenarios tests/integration/NN-*.sh in order.
#
# TESTS="02 05-elixir" runs only those (number or full name).  Each scenario
# runs under `timeout 180` with DG_LOGDIR=tests/integration/.run/NAME (its
# output is NAME/test.out there; gateway logs gw-HOST.log, node logs
# node-*.log, short-lived nodes eval-*.log).  Prints PASS/FAIL/SKIP per
# scenario, the tails of the logs of a failed one, and finally
# "integration: N passed, N failed" (", N skipped").  Namespaces or
# processes a scenario leaves behind fail it, and are removed.
# V=1 prints every scenario's full output.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2
export DG_BIN=${DG_BIN:-$root/distgate}
per_test=${DG_TEST_TIMEOUT:-180}
run_tag=dg$$r	# per scenario: dg<PID>r<NN>; never a prefix of another run's

# tagged_pids PREFIX: processes whose DG_RUN_TAG starts with PREFIX.
tagged_pids() {
	local f p
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		grep -qz -- "^DG_RUN_TAG=$1" "$f" 2>/dev/null && echo "$p"
	done
	return 0
}

# leftovers PREFIX: report and remove namespaces/processes tagged PREFIX.
# Returns 1 when there were any.
leftovers() {
	local ns pids found=0 p
	ns=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$1" || true)
	# Processes KILLed by the cleanup may take a moment to disappear.
	for p in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(tagged_pids "$1")
		[ -z "$pids" ] && break
		sleep 0.2
	done
	if [ -n "$pids" ]; then
		found=1
		echo "  leftover processes:"
		for p in $pids; do
			echo "    $(ps -o pid=,args= -p "$p" 2>/dev/null | cut -c1-150)"
		done
		for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	fi
	if [ -n "$ns" ]; then
		found=1
		echo "  leftover namespaces: ${ns//$'\n'/ }"
		for p in $ns; do ip netns del "$p" 2>/dev/null; done
	fi
	for p in "${TMPDIR:-/tmp}/distgate-it.$1"*; do
		[ -e "$p" ] || continue
		found=1
		echo "  leftover work directory: $p"
		rm -rf "$p"
	done
	[ "$found" -eq 0 ]
}

# Which scenarios.
all=(tests/integration/[0-9][0-9]-*.sh)
selected=()
if [ -n "${TESTS:-}" ]; then
	for want in $TESTS; do
		hit=0
		for t in "${all[@]}"; do
			n=$(basename "$t" .sh)
			case $n in "$want"|"$want"-*) selected+=("$t"); hit=1;; esac
		done
		[ "$hit" -eq 1 ] || { echo "run.sh: no scenario '$want'" >&2; exit 2; }
	done
else
	selected=("${all[@]}")
	# 99-audit-codes reads the logs of every scenario before it.
	export DG_SUITE_ALL=1
fi

[ -x "$DG_BIN" ] || echo "run.sh: warning: $DG_BIN is not built" >&2

passed=0
failed=0
skipped=0
failed_names=()
for t in "${selected[@]}"; do
	name=$(basename "$t" .sh)
	logdir=$root/tests/integration/.run/$name
	rm -rf "$logdir"
	mkdir -p "$logdir"
	tag=${run_tag}${name%%-*}
	t0=$(date +%s)
	DG_TAG=$tag DG_LOGDIR=$logdir DG_TEST=$name \
	    timeout -k 60 "$per_test" bash "$t" >"$logdir/test.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	[ "$rc" -eq 124 ] && echo "run.sh: timed out after $per_test s" >>"$logdir/test.out"
	if ! left=$(leftovers "$tag"); then
		printf 'run.sh: the scenario left things behind:\n%s\n' "$left" >>"$logdir/test.out"
		[ "$rc" -eq 0 ] && rc=1
	fi
	[ "${V:-0}" = 1 ] && sed 's/^/    /' "$logdir/test.out"
	case $rc in
	0)
		echo "PASS $name (${secs}s)"
		passed=$((passed + 1));;
	77)
		echo "SKIP $name: $(grep -m1 '^SKIP' "$logdir/test.out" | sed 's/^SKIP - //')"
		skipped=$((skipped + 1));;
	*)
		echo "FAIL $name (${secs}s)"
		echo "  exit status $rc$([ "$rc" -eq 124 ] && echo " (timed out)")"
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "  --- tail of $logdir/test.out"
		tail -n 40 "$logdir/test.out" | sed 's/^/  | /'
		for g in "$logdir"/gw-*.log; do
			[ -e "$g" ] || continue
			echo "  --- tail of $g"
			tail -n 25 "$g" | sed 's/^/  | /'
		done;;
	esac
done

# Whatever escaped the per-scenario checks.
if ! left=$(leftovers "$run_tag"); then
	echo "run.sh: leftovers after the run:"
	echo "$left"
	failed=$((failed + 1))
fi

[ "$failed" -gt 0 ] && echo "failed: ${failed_names[*]} (logs in tests/integration/.run/)"
line="integration: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line+=", $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
