#!/usr/bin/env bash
# Goal of this test: a ban acts at once, on every open connection and
# pending request of the banned key, not only at the next accept.  b1 on
# hostB is connected to a1 on hostA (an inbound tunnel at A with hostB's
# identity).  From hostB, a client holding hostB's certificate opens 26
# mutual-TLS connections to A: 25 that stay idle and one (the keeper) that
# sends a valid RESOLVE every second, renewing its idle timer.  Then each
# of the 25 sends, at the same moment, a ROUTE whose node name holds a
# control byte (a bad_request, counted for lockout; A has the default
# lockout_failures = 10).  A answers 10 of them with bad_request, bans
# hostB's identity at the 10th and closes at once, with code locked_out,
# the other 15, the keeper and b1's established connection: within 2 s,
# not at a 30 s idle timeout; b1 sees a1 go down.  Every connection has
# exactly one audit line.  Today's code checks a ban only at accept and
# after the TLS handshake: all 25 get bad_request and the keeper and b1's
# link stay up.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
DG_AUDIT_FILES=1	# count audit lines in the audit file: the log's copy is rate-limited

A=a1@hostA.test
B=b1@hostB.test
N=25
BAD_ROUTE='44 47 01 02 00 02 62 01'	# ROUTE "b\x01"
RESOLVE=$(gw_req_hex 01 a1)

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
node_start hostA a1
node_start hostB b1

step "b1 connects to a1"
r=$(node_rpc hostB "$B" "net_kernel:connect_node('$A')") || fail "rpc to b1"
expect_eq "$r" true "b1 connects to a1"
watch_link hostB "$B" "$A"

step "hostB's certificate: $N idle TLS connections to A and a keeper"
go=$DG_WORK/tlsmany.go
tool_log=$DG_LOGDIR/tlsmany.log
tool_start "$tool_log" hostB tlsmany "$(host_ip hostA)" "$DG_TLS_PORT" \
    "$DG_PKI/hostB.crt" "$DG_PKI/hostB.key" "$DG_PKI/ca.crt" "$N" \
    "$BAD_ROUTE" "$go" "$RESOLVE" 1000
tool_pid=$DG_LAST_PID
wait_for 30 grep -q "tlsmany: connected $N" "$tool_log" ||
	fail "the TLS client did not connect $N times (see $tool_log)"
pass "$N connections and the keeper passed the TLS handshake"
sleep 2		# the keeper renews its link twice

step "a bad ROUTE on each of the $N at the same moment"
mark=$(log_mark hostA)
amark=$(audit_mark hostA)
touch "$go"
wait_for 15 grep -q 'tlsmany: done' "$tool_log" || fail "the TLS client did not finish"
forget_pids "$tool_pid"
sleep 0.5
bad=$(audit_count hostA "$amark" 'audit .*code=bad_request')
locked=$(audit_count hostA "$amark" 'audit .*code=locked_out')
pass "figure: bad_request audit lines=$bad, locked_out audit lines=$locked"
[ "$bad" -le 10 ] || fail "$bad bad_request refusals: the ban did not stop the open connections"
pass "$bad bad_request refusals (lockout_failures = 10)"
expect_log_first --since "$mark" hostA 'lockout key=id:hostB\.test failures=10 '
expect_log_first --since "$mark" hostA 'lockout key=id:hostB\.test closed [0-9]+ open connection'

step "the rest were closed at once"
done_line=$(grep 'tlsmany: done' "$tool_log")
echo "# $done_line"
expect_match "$done_line" "closed=$N of $N keeper=[0-9]+$" "every connection and the keeper were closed"
keeper_ms=${done_line##*keeper=}
[ "$keeper_ms" -lt 2000 ] || fail "the keeper was closed after $keeper_ms ms"
pass "figure: the keeper was closed $keeper_ms ms after the requests"
slowest=$(sed -n 's/^tlsmany: conn [0-9]* closed after \([0-9]*\) ms.*/\1/p' "$tool_log" | sort -n | tail -n 1)
[ "$slowest" -lt 2000 ] || fail "a connection was closed only after $slowest ms"
pass "figure: the last of the $N was closed $slowest ms after the requests"
[ "$locked" -ge $((N - bad + 2)) ] ||
	fail "only $locked locked_out lines (want the $((N - bad)) others, the keeper and b1's link)"
pass "$locked connections closed with code=locked_out"
line=$(audit_grep hostA "$amark" "audit .*initiator=$B .*code=locked_out" | sed -n "1{p;q}") && [ -n "$line" ] ||
	fail "b1's established connection was not closed with code=locked_out"
pass "b1's established connection ended: ${line:0:160}"
r=$(node_rpc hostB "$B" "persistent_term:get(dg_nodedown, none)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "b1 saw a1 go down"

step "one audit line per connection"
dups=$(log_grep hostA "$mark" 'audit conn=' | sed -E 's/.*audit (conn=[0-9]+) .*/\1/' | sort | uniq -d)
[ -z "$dups" ] || fail "connections with more than one audit line: $dups"
pass "no connection has two audit lines"
