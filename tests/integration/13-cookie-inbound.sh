#!/usr/bin/env bash
# Goal of this test: the gateway verifies the initiator's challenge_reply
# digest on inbound connections, before the local node sees it.  Gateways
# A and B hold the cluster cookie (cookie_file); b1 on B has it too.  a1 on
# A has a WRONG cookie: its ping to b1 is pang, B logs an audit line with
# dir=in code=bad_cookie, and b1's own log never shows "Invalid challenge
# reply" or "rejected" (the reply never reached it) nor a nodeup of a1.
# Then a2 on A, with the right cookie, connects and rpc works.  The same
# with an Elixir pair: ex1 (wrong cookie) gets :pang from Node.ping to the
# Elixir node bx on B, refused at B's edge; ex2 (right cookie) connects
# and :rpc.call works.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B=b1@hostB.test
BX=bx@hostB.test
B_LOG=$DG_LOGDIR/node-b1@hostB.log
BX_LOG=$DG_LOGDIR/node-bx@hostB.log
NODE_REJECT='Invalid challenge reply|rejected'
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
expect_no_log hostB 'no cookie'
# b1 records every nodeup/nodedown it sees.
node_start hostB b1 erl name "
	spawn(fun() -> ok = net_kernel:monitor_nodes(true, [{node_type, all}]),
		(fun L() -> receive M -> io:format(\"b1 saw ~p~n\", [M]), L() end end)()
	end)"

step "a1 with a wrong cookie pings b1"
node_cookie hostA a1 "$WRONG"
mark=$(log_mark hostB)
r=$(node_eval hostA a1 "net_adm:ping('$B')") || fail "a1 on hostA"
expect_eq "$r" pang "net_adm:ping('$B') from a1 (wrong cookie)"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*code=bad_cookie'
line=$(log_first hostB "$mark" 'audit .*code=bad_cookie') || true
expect_eq "$(audit_field "$line" initiator)" a1@hostA.test "the bad_cookie line names a1 as initiator"
expect_eq "$(audit_field "$line" verdict)" refused "the bad_cookie line's verdict"
expect_eq "$(audit_field "$line" peer)" hostA "the bad_cookie line's peer"
sleep 0.5
expect_file_lacks "$B_LOG" "$NODE_REJECT" "b1 never saw a1's challenge reply"
expect_file_lacks "$B_LOG" "a1@hostA" "b1 saw no nodeup of a1"

step "a2 with the right cookie connects and rpc works"
mark=$(log_mark hostB)
r=$(node_eval hostA a2 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000),
	rpc:call('$B', lists, seq, [1, 1000], 5000) =:= lists:seq(1, 1000)}") || fail "a2 on hostA"
expect_eq "$(unq "$r")" "{true,$B,true}" "a2 connects to b1, rpc works"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*initiator=a2@hostA\.test .*code=ok'
expect_no_log --since "$mark" hostB 'code=bad_cookie'
expect_file_lacks "$B_LOG" "$NODE_REJECT" "b1 still logged no rejected challenge reply"

step "Elixir: bx on B, ex1 (wrong cookie) and ex2 (right cookie) on A"
node_start hostB bx elixir name
node_cookie hostA ex1 "$WRONG"
mark=$(log_mark hostB)
r=$(node_eval --elixir hostA ex1 "Node.ping(:\"$BX\")") || fail "ex1 on hostA"
expect_eq "$r" ":pang" "Node.ping(:\"$BX\") from ex1 (wrong cookie)"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*initiator=ex1@hostA\.test .*code=bad_cookie'
sleep 0.5
expect_file_lacks "$BX_LOG" "$NODE_REJECT" "bx never saw ex1's challenge reply"
mark=$(log_mark hostB)
r=$(node_eval --elixir hostA ex2 "{Node.connect(:\"$BX\"), :rpc.call(:\"$BX\", Node, :self, [])}") ||
	fail "ex2 on hostA"
expect_eq "$r" "{true, :\"$BX\"}" "Node.connect from ex2 (right cookie) and :rpc.call work"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*initiator=ex2@hostA\.test .*code=ok'
expect_file_lacks "$BX_LOG" "$NODE_REJECT" "bx logged no rejected challenge reply"
