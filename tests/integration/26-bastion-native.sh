#!/usr/bin/env bash
# Goal of this test: bastion routing to an internal host of kind native.
# hostA plays the outside host O ([peer hostB], [peer hostC] via = hostB);
# hostB is the bastion ([peer hostA] reach = hostC; [peer hostC] kind =
# native, its epmd at 10.77.0.3); hostC runs a real epmd and
# n1@hostC.test with -proto_dist inet_tls and hostC's certificate, and
# nftables there accepts only the bastion's address.  hostA cannot open
# TCP to hostC's epmd; a1 on hostA connects to n1 through the bastion
# (true), rpc works both ways, the bastion logs the route, and the leg
# from the bastion to n1 is TLS with hostC.test's certificate.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
N=n1@hostC.test
BIP=$(host_ip hostB)
CIP=$(host_ip hostC)

ns_setup 3
wire_host hostC
only_from hostC "$BIP"
wire_start hostC n1

mapfile -t OUT < <(peer_via hostC hostB)
gw_start --peers hostB hostA "cookie_file = $DG_COOKIE_FILE" "${OUT[@]}"
gw_peer_lines hostB hostA "reach = hostC"
mapfile -t IN < <(peer_native hostC)
gw_start --peers hostA hostB "${IN[@]}"
node_start hostA a1

step "hostC is reachable from the bastion only"
tcp_connects hostB "$CIP" 4369 || fail "the bastion cannot reach hostC:4369"
pass "the bastion opens TCP to hostC:4369"
if tcp_connects hostA "$CIP" 4369; then fail "hostA reached hostC:4369 directly"; fi
pass "hostA cannot open TCP to hostC:4369"

step "a1 -> n1@hostC.test through the bastion"
mark=$(log_mark hostB)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$N')") || fail "rpc to a1"
expect_eq "$r" true "net_kernel:connect_node('$N') from a1"
expect_log --since "$mark" hostB "bastion route peer=hostA node=n1@hostC(\\.test)? via=hostC"
expect_log --since "$mark" hostB "peer=hostC TLS TLSv1\\.[23]"
r=$(node_rpc hostA "$A" "rpc:call('$N', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$r")" "$N" "rpc:call a1 -> n1"
r=$(wire_rpc hostC "$N" "{lists:member('$A', nodes()), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to n1"
expect_eq "$(unq "$r")" "{true,$A}" "n1 sees a1 and rpc:call n1 -> a1 works"
r=$(node_rpc hostA "$A" "rpc:call('$N', lists, seq, [1, 5000], 5000) =:= lists:seq(1, 5000)") ||
	fail "rpc to a1"
expect_eq "$r" true "a 5000-element list comes back intact from n1"
