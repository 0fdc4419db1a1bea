#!/usr/bin/env bash
# Goal of this test: a cookie-only node behind distgate dials a native
# inet_tls_dist node.  hostC runs no distgate: a real epmd and
# n1@hostC.test with -proto_dist inet_tls and hostC's certificate.  hostA's
# distgate has [peer hostC] kind = native (its epmd at 10.77.0.3, identity
# hostC.test).  a1 on hostA (loopback, no TLS of its own) connects to n1:
# true; rpc works both ways over that link, net_adm:names lists n1, a ping
# to a node that does not exist on hostC is pang; A's audit line says
# dir=out, peer=hostC, hostC.test's certificate, over TLS 1.2 or newer.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
N=n1@hostC.test

ns_setup 3
wire_host hostC
mapfile -t PEER < <(peer_native hostC)
gw_start --peers hostB hostA "cookie_file = $DG_COOKIE_FILE" "${PEER[@]}"
wire_start hostC n1
node_start hostA a1

step "a1 -> n1"
mark=$(log_mark hostA)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$N')") || fail "rpc to a1"
expect_eq "$r" true "net_kernel:connect_node('$N') from a1"
expect_log --since "$mark" hostA "peer=hostC TLS TLSv1\\.[23]"
r=$(node_rpc hostA "$A" "rpc:call('$N', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$r")" "$N" "rpc:call a1 -> n1"
r=$(wire_rpc hostC "$N" "{lists:member('$A', nodes()), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to n1"
expect_eq "$(unq "$r")" "{true,$A}" "n1 sees a1 and rpc:call n1 -> a1 works"
r=$(node_rpc hostA "$A" "rpc:call('$N', lists, seq, [1, 5000], 5000) =:= lists:seq(1, 5000)") ||
	fail "rpc to a1"
expect_eq "$r" true "a 5000-element list comes back intact from n1"

step "EPMD of the native host, through A's alias"
r=$(node_rpc hostA "$A" 'net_adm:names("hostC.test")') || fail "rpc to a1"
expect_match "$r" '^\{ok,\[.*\{"n1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostC.test\") lists n1"
r=$(node_rpc hostA "$A" "{T, R} = timer:tc(net_adm, ping, ['nosuch@hostC.test']), {R, T div 1000}") ||
	fail "rpc to a1"
expect_match "$r" '^\{pang,[0-9]+\}$' "net_adm:ping(nosuch@hostC.test) is pang"

step "A's audit line"
mark=$(log_mark hostA)
r=$(node_rpc hostA "$A" "erlang:disconnect_node('$N')") || fail "rpc to a1"
expect_eq "$r" true "a1 disconnects from n1"
expect_log --since "$mark" hostA "audit conn=[0-9]+ dir=out peer=hostC .*san=\"[^\"]*hostC\\.test[^\"]*\" initiator=$A acceptor=$N " 10
line=$(log_grep hostA "$mark" "audit .*acceptor=$N" | head -n 1)
expect_match "$line" "$DG_AUDIT_RE" "the audit line has every field of the contract"
expect_eq "$(audit_field "$line" verdict)" ok "a1's own disconnect is audited verdict=ok"

step "again, after the disconnect"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$N'), rpc:call('$N', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$N}" "a1 connects to n1 again"
