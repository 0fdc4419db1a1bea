#!/usr/bin/env bash
# Goal of this test: a [node ALIVE] section gives one local node its own
# cookie at the edge.  The cluster cookie is C1 ([gateway] cookie_file on
# both gateways); b2 on B runs with cookie C2, and both gateways have
# [node b2] cookie_file = C2.  a1 (cookie C1) first dials b2 without
# erlang:set_cookie: refused at B's edge (audit dir=in code=bad_cookie,
# b2 never sees the reply).  After erlang:set_cookie('b2@hostB.test', C2)
# on a1 the connection to b2 works and rpc goes through (both gateways
# checked both digests with C2).  a1 <-> b1 (C1) works before and after,
# and no link went down meanwhile.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B1=b1@hostB.test
B2=b2@hostB.test
B2_LOG=$DG_LOGDIR/node-b2@hostB.log

ns_setup 2
C1=$DG_COOKIE_FILE
C2=$(cookie_new c2)
gw_start hostA "cookie_file = $C1" "[node b2]" "cookie_file = $C2"
gw_start hostB "cookie_file = $C1" "[node b2]" "cookie_file = $C2"
# b1 uses C2 with b2 (b2 uses its own C2 with everyone): global
# (connect_all) links them directly on B, and a failed b1 <-> b2 link
# would make global disconnect a1 to prevent overlapping partitions.
node_start hostB b1 erl name "true = erlang:set_cookie('$B2', '$(cat "$C2")')"
node_cookie hostB b2 "$(cat "$C2")"
node_start hostB b2
node_start hostA a1

step "a1 <-> b1 with the cluster cookie"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B1'), rpc:call('$B1', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B1}" "a1 connects to b1 and rpc works"
watch_link hostA "$A" "$B1"

step "a1 dials b2 with the cluster cookie: refused at B's edge"
mark=$(log_mark hostB)
marka=$(log_mark hostA)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B2')") || fail "rpc to a1"
expect_eq "$r" false "net_kernel:connect_node('$B2') without set_cookie"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*initiator=a1@hostA\.test .*code=bad_cookie'
line=$(log_first hostB "$mark" 'audit .*code=bad_cookie') || true
expect_match "$(audit_field "$line" acceptor)" '^(b2@hostB\.test|-)$' "the refused connection was for b2"
sleep 0.5
expect_file_lacks "$B2_LOG" "from node 'a1@hostA.test' rejected|Invalid challenge reply" \
	"b2 never saw a1's challenge reply"
expect_no_log --since "$marka" hostA 'code=bad_cookie'

step "a1 sets b2's cookie: connects, rpc works"
mark=$(log_mark hostB)
marka=$(log_mark hostA)
r=$(node_rpc hostA "$A" "
	true = erlang:set_cookie('$B2', '$(cat "$C2")'),
	{net_kernel:connect_node('$B2'), rpc:call('$B2', erlang, node, [], 5000),
	 rpc:call('$B2', erlang, get_cookie, [], 5000) =:= '$(cat "$C2")'}") || fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B2,true}" "a1 connects to b2 with C2, rpc works, b2's cookie is C2"
expect_no_log --since "$mark" hostB 'code=bad_cookie'
expect_no_log --since "$marka" hostA 'code=bad_cookie'
expect_file_lacks "$B2_LOG" "from node 'a1@hostA.test' rejected" "b2 never rejected a1"

step "a1 <-> b1 still works"
link_intact hostA "$A" "$B1"
r=$(node_rpc hostB "$B1" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "rpc b1 -> a1"
