#!/usr/bin/env bash
# Goal of this test: the data path carries large volumes intact and in
# order both ways.  a1 (host A) streams 64 MiB as 1 MiB binaries to a
# process on b1 (host B) and b1 streams 64 MiB of 64 KiB binaries back;
# each receiver's MD5 over everything it got must equal the sender's, and
# 20,000 small messages arrive in order.  Through two gateways with the
# default buffer size, so back-pressure and partial TLS writes are
# exercised; the gateways' summary lines must count the bytes.
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

step "64 MiB A -> B in 1 MiB messages"
t0=$(now_ms)
r=$(send_stream hostA "$A" "$B" 64 1048576) || fail "stream A -> B"
expect_eq "$r" true "b1's MD5 of 64 MiB equals a1's"
pass "A -> B took $(($(now_ms) - t0)) ms"

step "64 MiB B -> A in 64 KiB messages"
r=$(send_stream hostB "$B" "$A" 1024 65536) || fail "stream B -> A"
expect_eq "$r" true "a1's MD5 of 64 MiB equals b1's"

step "20,000 small messages in order"
r=$(node_rpc hostA "$A" "
	To = {sink, '$B'}, To ! {seq, self(), 20000},
	[To ! {n, I} || I <- lists:seq(1, 20000)],
	receive {seq_ok, R} -> R after 30000 -> timeout end") || fail "seq"
expect_eq "$r" true "20,000 messages arrived in order"

step "the gateways counted the bytes"
gw_stop hostA
l=$(grep -E 'audit conn=[0-9]+ dir=out .*acceptor=b1@' "$(gw_log hostA)" | tail -n 1)
out=$(echo "$l" | sed -n 's/.*bytes_out=\([0-9]*\).*/\1/p')
in=$(echo "$l" | sed -n 's/.*bytes_in=\([0-9]*\).*/\1/p')
[ -n "$out" ] && [ "$out" -gt $((64 * 1048576)) ] || fail "bytes_out=$out, expected > 64 MiB: $l"
[ -n "$in" ] && [ "$in" -gt $((64 * 1048576)) ] || fail "bytes_in=$in, expected > 64 MiB: $l"
pass "summary line: bytes_out=$out bytes_in=$in"
