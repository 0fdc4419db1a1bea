#!/usr/bin/env bash
# Goal of this test: every refusal and failure the suite can provoke is
# audited with a documented code, and every documented code is provoked.
# It runs last, after the whole suite (run.sh without TESTS), and first
# provokes what no other scenario does: on hostB a fake registration of b9
# whose port refuses connections, so a ROUTE to it ends "unreachable" on
# hostB and the dialling tunnel on hostA "route_refused"; and a fake node
# b8 (a silent listener) that a ROUTE reaches, followed by a malformed
# handshake message ("malformed_handshake").  Then it reads every audit
# line of every scenario's gateway logs: each carries a code of
# docs/audit.md's table with that row's verdict and a reason that fits the
# row's meaning, and each code of the table appears at least once — but
# "internal" (out of memory, event-loop failure), which nothing here can
# provoke.
source "$(dirname "$0")/lib.sh"
require_root
[ "${DG_SUITE_ALL:-0}" = 1 ] ||
	skip "reads the whole suite's logs: runs only after every scenario (run.sh without TESTS)"
DG_NAMES=name

ns_setup 2
gw_start hostA
gw_start hostB

# alive2_hex NAME PORT: an ALIVE2 request (version 6) as printf %b bytes.
alive2_hex() {
	local n=$1 p=$2 len=$((13 + ${#1}))
	printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255))
	printf 'x\\x%02x\\x%02xM\\x00\\x00\\x06\\x00\\x05' $((p >> 8)) $((p & 255))
	printf '\\x00\\x%02x%s\\x00\\x00' ${#n} "$n"
}

# hold_registration NAME PORT: register NAME at PORT with hostB's EPMD and
# keep the registration for 60 s, in the background.
hold_registration() {
	spawn "$DG_LOGDIR/reg-$1.log" hostB env DG_RUN_TAG="$DG_TAG" timeout 60 \
	    bash -c "exec 3<>/dev/tcp/127.0.0.1/4369; printf '%b' '$(alive2_hex "$1" "$2")' >&3; sleep 59"
	wait_for 10 log_grep hostB 0 "node $1 registered" ||
		fail "the fake registration of $1 did not take"
}

step "unreachable and route_refused: b9's port refuses"
hold_registration b9 9
alias=$(alias_of hostA hostB)
port=$(epmd_port_please hostA "$alias" b9)
expect_match "$port" '^[0-9]+$' "hostA's alias EPMD answers a port for b9"
mark_a=$(log_mark hostA)
mark_b=$(log_mark hostB)
# A node's first handshake bytes (send_name), as a1 would send them.
raw_send hostA "$alias" "$port" '\x00\x0fN\x00\x00\x00\x0d\x07\xdf\x7f\xbd\x00\x00\x00\x01\x00\x00' 3 >/dev/null || true
expect_log --since "$mark_b" hostB "audit .*dir=in peer=hostA .*verdict=error code=unreachable "
expect_log --since "$mark_a" hostA "audit .*dir=out peer=hostB .*verdict=error code=route_refused "

step "malformed_handshake: garbage after a ROUTE to b8"
tool_start "$DG_LOGDIR/silent-b8.log" hostB silent 7788 60
wait_for 20 grep -q 'silent: listening' "$DG_LOGDIR/silent-b8.log" || fail "silent b8 did not start"
hold_registration b8 7788
mark_b=$(log_mark hostB)
# (the refusal closes the tunnel before the ROUTE's reply is flushed)
tls_request hostA hostB "$(gw_req_hex 02 b8) 00 00 00 03 ff ff ff" 2 >/dev/null
expect_log --since "$mark_b" hostB "audit .*dir=in peer=hostA .*verdict=refused code=malformed_handshake "

step "every audit line of the suite carries a documented code, verdict and meaning"
# The table of docs/audit.md: "code verdict" per row.
table=$(sed -n '/^## Reason codes/,/^## /p' "$DG_ROOT/docs/audit.md" |
	sed -nE 's/^\| `([a-z_]+)` \| ([a-z]+) \|.*/\1 \2/p')
[ "$(echo "$table" | wc -l)" -ge 20 ] || fail "could not read the reason table of docs/audit.md"
declare -A verdict seen
while read -r c v; do verdict[$c]=$v; seen[$c]=0; done <<<"$table"

# What each code's reason must say, from its meaning in docs/audit.md.
declare -A meaning=(
	[ok]='closed|peer closed'
	[shutdown]='gateway stopping|gateway draining|drain_timeout'
	[bad_certificate]='certificate|TLS handshake failed'
	[tls_failed]='TLS handshake failed|TLS|SSL'
	[identity_not_allowed]='identity'
	[bad_request]='request|protocol version|magic|NAMES'
	[name_not_allowed]='not allowed|not the node asked for|acceptor'
	[hidden_not_allowed]='hidden'
	[bad_cookie]='cookie'
	[malformed_handshake]='handshake|message'
	[locked_out]='locked out|ban of'
	[node_not_exposed]='not exposed|no route to that host|may not reach|reach lists'
	[no_such_node]='no such node|not found|no route to that host'
	[timeout]='timeout|in time|timed out|no PONG'
	[io_error]='read|write|shutdown|SSL|alert|reset|pipe'
	[handshake_aborted]='closed during the handshake'
	[unreachable]='refused|unreachable|reach|No route|timed out'
	[route_refused]='route refused'
	[link_failed]='link|connect|peer closed|no link'
	[tls_timeout]='TLS handshake timeout'
	[evicted]='not authenticated'
	[guess_limit]='guess|wrong cookies|budget'
	[revoked]='reload|revoked|expired|identity|nodes|hidden|certificate'
)
# One pass over every audit line: "code verdict reason" per line.
extract() {
	cat "$DG_ROOT"/tests/integration/.run/*/gw-*.log 2>/dev/null |
		grep -E 'distgate info: audit (conn|epmd|link)=' |
		sed -nE 's/.* verdict=([a-z]+) code=([a-z_]+) reason="([^"]*)".*/\2 \1 \3/p'
}
lines=0
bad=0
while read -r code v reason; do
	lines=$((lines + 1))
	if [ -z "${verdict[$code]:-}" ]; then
		echo "# undocumented code $code: $reason"; bad=$((bad + 1)); continue
	fi
	if [ "$v" != "${verdict[$code]}" ]; then
		echo "# $code: verdict $v, documented ${verdict[$code]}"; bad=$((bad + 1)); continue
	fi
	if ! [[ $reason =~ ${meaning[$code]:-.} ]]; then
		echo "# reason does not fit $code: $reason"; bad=$((bad + 1)); continue
	fi
	seen[$code]=$((seen[$code] + 1))
done < <(extract)
[ "$lines" -gt 100 ] || fail "only $lines audit lines in the suite's logs: did the suite run?"
[ "$bad" -eq 0 ] || fail "$bad of $lines audit lines do not match docs/audit.md"
pass "all $lines audit lines carry a documented code with its verdict and meaning"

missing=""
for c in "${!seen[@]}"; do
	[ "$c" = internal ] && continue
	[ "${seen[$c]}" -gt 0 ] || missing+=" $c"
	echo "# $c: ${seen[$c]}"
done
[ -z "$missing" ] || fail "documented codes the suite never produced:$missing"
pass "every documented code but internal was produced by the suite"
