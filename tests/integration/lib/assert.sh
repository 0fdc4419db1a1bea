# assert.sh — reporting and checks: step, pass, fail, skip, expect_eq,
# expect_match, expect_nomatch, expect_file_lacks; wait_for (and not, to
# wait for something to stop); small helpers unq and now_ms.

# shellcheck shell=bash

# step MSG: announce what the scenario does next.
step() { printf '# [%3ss] %s\n' "$(($(date +%s) - DG_T0))" "$*"; }

# pass MSG: one passed check.
pass() { DG_CHECKS=$((DG_CHECKS + 1)); printf 'ok - %s\n' "$*"; }

# fail MSG: report and end the scenario (the EXIT trap cleans up).
fail() {
	printf 'FAIL - %s\n' "$*" >&2
	exit 1
}

# skip MSG: the scenario cannot run here; run.sh counts exit 77 as skipped.
skip() {
	printf 'SKIP - %s\n' "$*" >&2
	exit 77
}

# expect_eq ACTUAL EXPECTED MSG
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	pass "$3"
}

# expect_match ACTUAL ERE MSG
expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: '$1' does not match /$2/"
	pass "$3"
}

# expect_nomatch ACTUAL ERE MSG
expect_nomatch() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3: '$1' matches /$2/"
	fi
	pass "$3"
}

# expect_file_lacks FILE ERE MSG: no line of FILE matches ERE.
expect_file_lacks() {
	local line
	line=$(grep -E -m 1 -- "$2" "$1" 2>/dev/null) || true
	[ -z "$line" ] || fail "$3: ${1##*/} has: ${line:0:300}"
	pass "$3"
}

# wait_for SECS CMD [ARG...]: run CMD every 0.2 s until it succeeds.
# Returns 0 when it did, 1 when SECS ran out.
wait_for() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# not CMD...: succeed when CMD fails.
not() { ! "$@"; }

# unq TEXT: TEXT without single quotes (Erlang quotes a1@hostA.test but
# not a1@hostA; compare node names unquoted).
unq() { printf '%s\n' "${1//\'/}"; }

# now_ms: wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
