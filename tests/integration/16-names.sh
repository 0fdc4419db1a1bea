#!/usr/bin/env bash
# Goal of this test: a gateway admits only the node names it is told to,
# both ways.  Gateway B has [peer hostA] nodes = app*@hostA.test and
# expose = b1.  From A: a1@hostA.test is refused at B's edge (audit
# code=name_not_allowed, b1 never sees it) while app1@hostA.test connects
# and rpc works.  b2, running on B but not exposed, is invisible from A:
# its ping is pang and net_adm:names("hostB.test") lists b1 but not b2.
# Straight at B's gateway protocol with hostA's certificate: RESOLVE b2
# answers no_such_node, NAMES omits b2, and ROUTE b2 is refused with an
# audit line code=node_not_exposed.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B1=b1@hostB.test
B2=b2@hostB.test
B1_LOG=$DG_LOGDIR/node-b1@hostB.log

# gwmsg TYPE NAME: a gateway-protocol request (docs/gateway-protocol.md)
# of TYPE (hex) with body NAME, as hex bytes.
gwmsg() {
	local body
	body=$(printf '%s' "$2" | od -An -v -tx1 | tr -s ' \n' '  ')
	printf '44 47 01 %s %02x %02x %s\n' "$1" $((${#2} >> 8)) $((${#2} & 255)) "$body"
}

ns_setup 2
gw_peer_lines hostB hostA "nodes = app*@hostA.test"
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "expose = b1"
node_start hostB b1 erl name "
	spawn(fun() -> ok = net_kernel:monitor_nodes(true, [{node_type, all}]),
		(fun L() -> receive M -> io:format(\"b1 saw ~p~n\", [M]), L() end end)()
	end)"
node_start hostB b2

step "a1@hostA.test does not match app*@hostA.test: refused"
mark=$(log_mark hostB)
r=$(node_eval hostA a1 "net_kernel:connect_node('$B1')") || fail "a1 on hostA"
expect_eq "$r" false "net_kernel:connect_node('$B1') from a1"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*code=name_not_allowed'
line=$(log_first hostB "$mark" 'audit .*code=name_not_allowed') || true
expect_eq "$(audit_field "$line" initiator)" a1@hostA.test "the refusal names a1 as initiator"
expect_eq "$(audit_field "$line" verdict)" refused "the refusal's verdict"
sleep 0.5
expect_file_lacks "$B1_LOG" "a1@hostA|rejected|Invalid challenge" "b1 never saw a1"

step "app1@hostA.test matches: connects, rpc works"
mark=$(log_mark hostB)
r=$(node_eval hostA app1 "{net_kernel:connect_node('$B1'), rpc:call('$B1', erlang, node, [], 5000)}") ||
	fail "app1 on hostA"
expect_eq "$(unq "$r")" "{true,$B1}" "app1 connects to b1, rpc works"
expect_log_first --since "$mark" hostB 'audit .*initiator=app1@hostA\.test .*code=ok'
expect_no_log --since "$mark" hostB 'code=name_not_allowed'

step "b2 is not exposed: invisible from A"
mark=$(log_mark hostB)
r=$(node_eval hostA app2 "{net_adm:ping('$B2'), net_adm:ping('$B1'), net_adm:names(\"hostB.test\")}") ||
	fail "app2 on hostA"
expect_match "$r" '^\{pang,pong,\{ok,\[.*\]\}\}$' "from app2: ping b2 is pang, ping b1 is pong, names answers"
expect_match "$r" '\{"b1",[0-9]+\}' "net_adm:names(\"hostB.test\") lists b1"
expect_nomatch "$r" '"b2"' "net_adm:names(\"hostB.test\") does not list b2"
expect_file_lacks "$DG_LOGDIR/node-b2@hostB.log" "app2@hostA|rejected" "b2 never saw app2"
if n=$(log_count hostB "$mark" 'node_not_exposed') && [ "$n" -gt 0 ]; then
	pass "B logged node_not_exposed $n time(s) for it"
fi

step "B's gateway protocol, with hostA's certificate"
r=$(tls_request hostA hostB "$(gwmsg 01 b2) $(gwmsg 03 '')" 2)
echo "# RESOLVE b2 + NAMES -> $r"
expect_match "$r" '^44 47 01 81 [0-9a-f]{2} [0-9a-f]{2} 01' "RESOLVE b2 answers no_such_node"
expect_match "$r" '44 47 01 83 [0-9a-f]{2} [0-9a-f]{2} 00 .*02 62 31' "NAMES lists b1"
names=${r#*44 47 01 83 }
expect_nomatch "$names" '02 62 32' "NAMES does not list b2"
r=$(tls_request hostA hostB "$(gwmsg 01 b1)" 1)
expect_match "$r" '^44 47 01 81 00 06 00 00 06 00 05 4d$' "RESOLVE b1 answers ok (versions 6-5, normal node)"
mark=$(log_mark hostB)
r=$(tls_request hostA hostB "$(gwmsg 02 b2)" 3)
echo "# ROUTE b2 -> $r"
expect_match "$r" '^44 47 01 82 [0-9a-f]{2} [0-9a-f]{2} 0[12]' "ROUTE b2 is refused (not_allowed or no_such_node)"
expect_log_first --since "$mark" hostB 'audit .*dir=in .*code=node_not_exposed'
line=$(log_first hostB "$mark" 'audit .*code=node_not_exposed') || true
expect_eq "$(audit_field "$line" verdict)" refused "the node_not_exposed line's verdict"
