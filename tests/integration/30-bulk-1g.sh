#!/usr/bin/env bash
# Goal of this test: 1 GiB through the gateway pair, checksummed at both
# ends.  a1 (host A) streams 1024 random 1 MiB binaries to a process on b1
# (host B); b1's MD5 over everything it got must equal a1's, and both
# gateways' audit lines count at least 1 GiB each way it went.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl name "$BULK_SINK"
node_start hostA a1 erl name "$BULK_SINK"

step "connect"
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"

step "1 GiB A -> B in 1 MiB messages"
t0=$(now_ms)
r=$(send_stream hostA "$A" "$B" 1024 1048576 120) || fail "stream A -> B"
ms=$(($(now_ms) - t0))
expect_eq "$r" true "b1's MD5 of 1 GiB equals a1's"
pass "1 GiB A -> B took $ms ms ($((1024 * 1000 / (ms > 0 ? ms : 1))) MiB/s, MD5 both ends included)"

step "both gateways counted it"
gw_stop hostA
gw_stop hostB
for h in hostA hostB; do
	l=$(grep -E 'audit conn=[0-9]+ .*initiator=a1@hostA.test acceptor=b1@' "$(gw_log "$h")" | tail -n 1)
	[ "$h" = hostA ] && f=bytes_out || f=bytes_in
	n=$(echo "$l" | sed -n "s/.*$f=\([0-9]*\).*/\1/p")
	[ -n "$n" ] && [ "$n" -ge $((1024 * 1048576)) ] || fail "$h: $f=$n, expected >= 1 GiB: $l"
	pass "$h's audit line: $f=$n"
done
