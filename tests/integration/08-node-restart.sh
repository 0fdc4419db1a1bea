#!/usr/bin/env bash
# Goal of this test: a node that stops and starts again is reachable again
# through the gateways.  a1 (hostA) and b1 (hostB) are connected; b1 stops:
# its registration disappears and a1 sees it go; b1 starts again with a new
# creation, re-registers, and a1 connects to it and calls it (rpc and a
# message to its new global server) without anything else restarting.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
SERVER='yes = global:register_name(b1_server, spawn(fun Loop() ->
	receive {ping, From} -> From ! {pong, erlang:system_info(creation)}, Loop() end end))'

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl name "$SERVER"
node_start hostA a1
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'),
	rpc:call('$B', erlang, system_info, [creation], 5000)}") || fail "rpc to a1"
expect_match "$r" '^\{true,[0-9]+\}$' "a1 connects to b1 and reads its creation"
c1=$(echo "$r" | sed 's/^{true,\([0-9]*\)}$/\1/')

step "b1 stops"
node_stop hostB b1
pass "b1's registration is gone"
wait_for 10 test "$(node_rpc hostA "$A" "lists:member('$B', nodes())")" = false ||
	fail "a1 still lists b1 in nodes() 10 s after it stopped"
pass "a1 saw b1 go"

step "b1 starts again"
node_start hostB b1 erl name "$SERVER"
pass "b1 registered again"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'),
	rpc:call('$B', erlang, system_info, [creation], 5000)}") || fail "rpc to a1"
expect_match "$r" '^\{true,[0-9]+\}$' "a1 connects to the new b1 and calls it"
c2=$(echo "$r" | sed 's/^{true,\([0-9]*\)}$/\1/')
[ "$c1" != "$c2" ] || fail "b1 kept creation $c1 across a restart"
pass "b1's creation changed: $c1 -> $c2"
r=$(node_rpc hostA "$A" "
	ok = global:sync(),
	global:whereis_name(b1_server) ! {ping, self()},
	receive {pong, C} -> C after 5000 -> timeout end") || fail "rpc to a1"
expect_eq "$r" "$c2" "the new b1's global server answers a1"
