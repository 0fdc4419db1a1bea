#!/usr/bin/env bash
# Goal of this test: the gateway verifies the acceptor's challenge_ack on
# outbound connections, so a local node never talks to an impostor that
# does not know the cookie.  On hostB a fake acceptor (erl/impostor.erl,
# plain erl without distribution) registers as "b9" with B's gateway
# through a raw ALIVE2 and answers the handshake as b9@hostB.test with a
# wrong digest in its challenge_ack.  Gateway B has no cookie_file (it
# checks nothing and forwards); gateway A has the cookie.  a1 on A does
# net_kernel:connect_node('b9@hostB.test'): false, A logs an audit line
# with code=bad_cookie dir=out, a1 never lists b9 in nodes() and a1 itself
# logged nothing about the ack (it never saw it).  Then A restarts without
# cookie_file: the same connect is still false, but now because a1 rejects
# the ack itself, and A logs no bad_cookie: the first refusal was the
# gateway's, before the node's.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B9=b9@hostB.test
IMPOSTOR_LOG=$DG_LOGDIR/impostor-b9@hostB.log
A_LOG=$DG_LOGDIR/node-a1@hostA.log
# What a node prints when it rejects an ack or a reply itself.
NODE_REJECT='Invalid challenge|rejected'

# a1_logged_since MARK ERE: a1's log has a line matching ERE after byte MARK.
a1_logged_since() { tail -c "+$(($1 + 1))" "$A_LOG" | grep -Eq -- "$2"; }

# connect_b9 WHAT: a1 dials b9 through both gateways; the impostor gets as
# far as sending its (wrong) ack; a1's connect is false and b9 is not in
# a1's nodes().
connect_b9() {
	local what=$1 before r
	before=$(grep -c 'sent challenge_ack' "$IMPOSTOR_LOG" || true)
	r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B9')") || fail "rpc to a1"
	expect_eq "$r" false "$what: net_kernel:connect_node('$B9') from a1"
	wait_for 5 test "$(grep -c 'sent challenge_ack' "$IMPOSTOR_LOG")" -gt "$before" ||
		fail "$what: the impostor never got to send its challenge_ack (see $IMPOSTOR_LOG)"
	pass "$what: the impostor got a1's challenge_reply and sent a wrong ack"
	r=$(node_rpc hostA "$A" "{lists:member('$B9', nodes()), lists:member('$B9', nodes(hidden))}") ||
		fail "rpc to a1"
	expect_eq "$r" "{false,false}" "$what: b9 is not in a1's nodes() (visible or hidden)"
}

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB
expect_log_first hostB 'no cookie|cookie.*not (checked|verified)|not .*cookie digest'
node_start hostA a1

step "the impostor registers as b9 on hostB"
tool_start "$IMPOSTOR_LOG" hostB impostor b9 "$B9"
wait_for 20 node_registered hostB b9 || {
	cat "$IMPOSTOR_LOG" >&2
	fail "the impostor did not register b9 with B's gateway"
}
pass "b9 registered on hostB at port $(node_port hostB b9)"

step "gateway A checks the cookie: it refuses the impostor's ack"
mark=$(log_mark hostA)
nmark=$(stat -c %s "$A_LOG")
connect_b9 "A checks"
expect_log_first --since "$mark" hostA 'audit .*dir=out .*code=bad_cookie'
line=$(log_first hostA "$mark" 'audit .*code=bad_cookie') || true
expect_match "$(audit_field "$line" acceptor)" '^(b9@hostB\.test|-)$' \
	"the bad_cookie audit line names the impostor (or no acceptor yet)"
expect_eq "$(audit_field "$line" verdict)" refused "the bad_cookie audit line's verdict"
wait_for 3 grep -q 'connection closed by the other side' "$IMPOSTOR_LOG" ||
	fail "the impostor's connection was not closed after its ack"
pass "the impostor's connection was closed after its ack"
expect_nomatch "$(tail -c "+$((nmark + 1))" "$A_LOG")" "$NODE_REJECT" \
	"a1 logged nothing about the ack: it never received it"

step "gateway A restarts without cookie_file: now a1 rejects the ack itself"
gw_stop hostA || true
gw_start hostA
wait_for 10 node_registered hostA a1 || fail "a1 did not re-register with gateway A"
pass "a1 re-registered with gateway A"
mark=$(log_mark hostA)
nmark=$(stat -c %s "$A_LOG")
connect_b9 "A does not check"
# The connection's audit line, if any, carries another code.
sleep 1
expect_no_log --since "$mark" hostA 'code=bad_cookie'
n=$(log_count hostA "$mark" 'audit .*dir=out')
codes=$(log_grep hostA "$mark" 'audit .*dir=out' | sed -E 's/.* code=([^ ]+) .*/\1/' | tr '\n' ' ') || true
pass "A logged $n audit line(s) for it (code: ${codes:--}), none with code=bad_cookie"
# a1 saw the wrong ack this time, and says so (OTP 25: "** Connection
# attempt to node 'b9@hostB.test' cancelled. Invalid challenge ack. **").
wait_for 3 a1_logged_since "$nmark" 'Invalid challenge ack' ||
	fail "a1 did not log 'Invalid challenge ack' although the ack reached it"
pass "a1 rejected the ack itself: $(tail -c "+$((nmark + 1))" "$A_LOG" |
	grep -m 1 'Invalid challenge ack')"

step "the impostor is still registered (nothing crashed)"
node_registered hostB b9 || fail "b9 vanished from B's EPMD"
pass "b9 still registered"
