#!/usr/bin/env bash
# check.sh BIN... — the whole test suite: the layering check, the PKI
# helper's test (tests/pki.sh), the systemd unit (tests/systemd.sh), the
# manual pages (man.sh), unit binaries, then integration.
#
# Integration scenarios need root and working network namespaces; without
# them they are counted as skipped and the reason is printed.  The last
# line is "check: N passed, N failed" (", N skipped"): unit test cases plus
# integration scenarios.  Exits 1 when anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

passed=0
failed=0
skipped=0

# count LABEL: add the "LABEL: N passed, N failed[, N skipped]" line of
# $out to the totals; a missing line counts as one failure.
count() {
	local line p f s
	line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: $1 runner printed no result line"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
}

echo "check: layers"
"$here/layers.sh" | tee "$out"
count layers

# deploy/distgate-pki on the openssl command (no root needed).
echo "check: pki helper"
"$here/pki.sh" | tee "$out"
count pki
echo "check: systemd unit"
"$here/systemd.sh" "${DG_BIN:-$root/distgate}" | tee "$out"
count systemd
echo "check: manual pages"
"$here/man.sh" "${DG_BIN:-$root/distgate}" | tee "$out"
count man

echo "check: unit tests"
"$here/unit/run.sh" "$@" | tee "$out"
count unit

# Why integration cannot run here, or nothing.
why_not_integration() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root (network namespaces need it: sudo make check)"
	elif ! command -v ip >/dev/null; then
		echo "ip (iproute2) missing"
	elif ! command -v erl >/dev/null; then
		echo "erl missing (make deps)"
	elif ! ip netns add "dgcheck$$" 2>/dev/null; then
		echo "ip netns add fails (no CAP_SYS_ADMIN in this container?)"
	else
		ip netns del "dgcheck$$"
	fi
}

echo "check: integration tests"
why=$(why_not_integration)
if [ -z "$why" ]; then
	"$here/integration/run.sh" | tee "$out"
	count integration
else
	n=$(find "$here/integration" -maxdepth 1 -name '[0-9][0-9]-*.sh' | wc -l)
	echo "check: SKIPPED $n integration scenarios: $why"
	skipped=$((skipped + n))
fi

line="check: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line+=", $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
