#!/usr/bin/env bash
# Goal of this test: a gateway that dies and comes back recovers without
# restarting any node.  a1 (hostA) and b1 (hostB) are connected; hostB's
# distgate is killed (SIGKILL) and started again; b1, untouched, registers
# again within a few seconds (OTP retries every 2 s) and a1 reaches the
# same b1 (same creation) again: connect and rpc.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1
node_start hostA a1
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'),
	rpc:call('$B', erlang, system_info, [creation], 5000)}") || fail "rpc to a1"
expect_match "$r" '^\{true,[0-9]+\}$' "a1 connects to b1"
creation=$(echo "$r" | sed 's/^{true,\([0-9]*\)}$/\1/')
b1_pid=${DG_NODE_PID[hostB/b1]}

step "hostB's gateway is killed"
gw_stop hostB KILL || true
if node_registered hostB b1; then fail "something still answers EPMD on hostB"; fi
pass "hostB has no EPMD now"
wait_for 10 test "$(node_rpc hostA "$A" "lists:member('$B', nodes())")" = false ||
	fail "a1 still lists b1 10 s after hostB's gateway died"
pass "a1 saw the link to b1 go down"

step "hostB's gateway starts again"
t0=$(now_ms)
gw_start hostB
wait_for 15 node_registered hostB b1 || fail "b1 did not register again within 15 s"
ms=$(($(now_ms) - t0))
[ "$ms" -le 8000 ] || fail "b1 took $ms ms to register again (limit 8000)"
pass "b1 registered again after $ms ms"
pid_alive "$b1_pid" || fail "b1 died"
pass "b1 is the same process"

step "a1 reaches b1 again"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'),
	rpc:call('$B', erlang, system_info, [creation], 5000)}") || fail "rpc to a1"
expect_eq "$r" "{true,$creation}" "a1 connects to the same b1 and calls it"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "b1 calls a1"
