#!/usr/bin/env bash
# Goal of this test: a bastion routes an outside node to one internal host
# and nothing else.  hostA plays the outside host O (its distgate has
# [peer hostB] and [peer hostC], [peer hostD] with via = hostB); hostB is
# the bastion ([peer hostA] reach = hostC; hostC and hostD of kind plain);
# hostC and hostD are internal hosts with a real epmd and plain inet_tcp
# nodes (app@hostC.test, d1@hostD.test) on their own addresses, and
# nftables there accepts only the bastion's address.  From hostA no TCP
# reaches hostC (EPMD port or app's port) while the bastion does; a1 on
# hostA connects to app@hostC.test through the bastion (true), rpc works
# both ways, and the bastion logs the route; d1@hostD.test (not in reach)
# is pang and the bastion logs node_not_exposed; ROUTE requests sent by
# hand for d1@hostD and for b1@hostB (the bastion's own node, by full name)
# are answered not_allowed and audited node_not_exposed.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
APP=app@hostC.test
D1=d1@hostD.test
BIP=$(host_ip hostB)

ns_setup 4
pki_leaf hostD
wire_host hostC
wire_host hostD
only_from hostC "$BIP"
only_from hostD "$BIP"
wire_start --tcp hostC app
wire_start --tcp hostD d1

mapfile -t OUT < <(peer_via hostC hostB; peer_via hostD hostB)
gw_start --peers hostB hostA "cookie_file = $DG_COOKIE_FILE" "${OUT[@]}"
gw_peer_lines hostB hostA "reach = hostC"
mapfile -t IN < <(peer_plain hostC; peer_plain hostD)
gw_start --peers hostA hostB "cookie_file = $DG_COOKIE_FILE" "${IN[@]}"
node_start hostA a1
node_start hostB b1

step "the internal hosts are reachable from the bastion only"
port=$(node_port hostC app)
[ -n "$port" ] || fail "app's port unknown"
tcp_connects hostB "$(host_ip hostC)" 4369 || fail "the bastion cannot reach hostC's epmd"
pass "the bastion opens TCP to hostC:4369"
tcp_connects hostB "$(host_ip hostC)" "$port" || fail "the bastion cannot reach app's port"
pass "the bastion opens TCP to app's port $port"
if tcp_connects hostA "$(host_ip hostC)" 4369; then fail "hostA reached hostC:4369 directly"; fi
pass "hostA cannot open TCP to hostC:4369"
if tcp_connects hostA "$(host_ip hostC)" "$port"; then fail "hostA reached app's port directly"; fi
pass "hostA cannot open TCP to app's port $port"
if tcp_connects hostA "$(host_ip hostD)" 4369; then fail "hostA reached hostD:4369 directly"; fi
pass "hostA cannot open TCP to hostD:4369"

step "a1 -> app@hostC.test through the bastion"
mark=$(log_mark hostB)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$APP')") || fail "rpc to a1"
expect_eq "$r" true "net_kernel:connect_node('$APP') from a1"
expect_log --since "$mark" hostB "route peer=hostA node=app@hostC(\\.test)?( |$)"
r=$(node_rpc hostA "$A" "rpc:call('$APP', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$r")" "$APP" "rpc:call a1 -> app"
r=$(wire_rpc --tcp hostC "$APP" "{lists:member('$A', nodes()), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to app"
expect_eq "$(unq "$r")" "{true,$A}" "app sees a1 and rpc:call app -> a1 works"
r=$(node_rpc hostA "$A" "rpc:call('$APP', lists, seq, [1, 5000], 5000) =:= lists:seq(1, 5000)") ||
	fail "rpc to a1"
expect_eq "$r" true "a 5000-element list comes back intact from app"

step "hostD is not in reach"
mark=$(log_mark hostB)
r=$(node_rpc hostA "$A" "net_adm:ping('$D1')") || fail "rpc to a1"
expect_eq "$r" pang "a1 cannot reach d1@hostD.test (hostD not in reach)"
# (checked last: see the end)
PING_LINE=""
if wait_for 5 log_first hostB "$mark" "node_not_exposed"; then
	PING_LINE=$(log_first hostB "$mark" "node_not_exposed")
fi
r=$(wire_rpc --tcp hostD "$D1" "nodes()") || fail "rpc to d1"
expect_eq "$r" "[]" "d1 saw no node"

step "ROUTE requests by full name, sent by hand with hostA's certificate"
for name in d1@hostD d1@hostD.test b1@hostB; do
	mark=$(log_mark hostB)
	r=$(tls_request hostA hostB "$(gw_req_hex 02 "$name")" 1)
	expect_match "$r" '^44 47 01 82 [0-9a-f]{2} [0-9a-f]{2} 02( |$)' "ROUTE $name: not_allowed"
	expect_log --since "$mark" hostB "audit .*peer=hostA .*verdict=refused code=node_not_exposed"
done
r=$(wire_rpc --tcp hostD "$D1" "nodes()") || fail "rpc to d1"
expect_eq "$r" "[]" "d1 still saw no node"

step "a1 and app after the refusals"
r=$(node_rpc hostA "$A" "lists:sort(nodes())") || fail "rpc to a1"
expect_eq "$(unq "$r")" "[$APP]" "a1 is connected to app only"
link=$(node_rpc hostA "$A" "rpc:call('$APP', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$link")" "$APP" "rpc a1 -> app still works"

# Last, so that everything above has been checked: a1's ping of d1 (a
# lookup by full name towards a host outside reach) is in the bastion's log.
step "the bastion logged a1's attempt on hostD"
[ -n "$PING_LINE" ] || fail "the bastion logged no node_not_exposed for a1's ping of $D1"
pass "the bastion logged a1's attempt: ${PING_LINE:0:200}"
