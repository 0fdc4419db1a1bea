#!/usr/bin/env bash
# Goal of this test: a distribution handshake cut at any byte leaves
# nothing behind.  A test initiator on hostA (erl/cutter.erl, with the
# cluster's cookie) dials b1@hostB.test through hostA's alias port and
# measures the T bytes it sends in a whole handshake; then, for every K in
# 0..T-1, it sends the first K of them and closes.  Each cut ends, on both
# gateways, as one audit line code=handshake_aborted (T of them in each
# audit file);
# both gateways hold the descriptors they held before (plus at most the
# pool of idle links between them); and a whole handshake still completes (the
# acceptor's ack checks out).
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

ns_setup 2
# The audit file has every audit line (the log's copy is rate-limited).
gw_start hostA "cookie_file = $DG_COOKIE_FILE" "audit_file = $DG_LOGDIR/audit-hostA.log"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "audit_file = $DG_LOGDIR/audit-hostB.log"
node_start hostB b1
GA=${DG_GW_PID[hostA]}
GB=${DG_GW_PID[hostB]}
alias=$(alias_of hostA hostB)
port=$(epmd_port_please hostA "$alias" b1)
expect_match "$port" '^[0-9]+$' "hostA's alias EPMD answers a port for b1"
sleep 1
fa0=$(ls "/proc/$GA/fd" | wc -l)
fb0=$(ls "/proc/$GB/fd" | wc -l)
ma=$(stat -c %s "$DG_LOGDIR/audit-hostA.log")
mb=$(stat -c %s "$DG_LOGDIR/audit-hostB.log")

step "the handshake cut at every byte"
ebin=$(erl_tool cutter)
out=$(in_ns hostA timeout 120 env HOME="$DG_WORK" erl -noshell -pa "$ebin" \
    -run cutter main "$alias" "$port" x1@hostA.test "$DG_COOKIE" 2>&1) ||
	fail "cutter failed: $(echo "$out" | tail -n 5)"
echo "$out" | sed 's/^/# /' | head -n 5
total=$(echo "$out" | sed -n 's/^cutter: total \([0-9]*\)$/\1/p')
[ -n "$total" ] && [ "$total" -gt 40 ] || fail "cutter measured no whole handshake: $out"
pass "a whole handshake is $total bytes from the initiator"
expect_match "$out" '^cutter: complete ok$' "after $total cuts a whole handshake completes, ack checked"

step "each cut audited once on both gateways, descriptors back"
sleep 1
na=$(tail -c "+$((ma + 1))" "$DG_LOGDIR/audit-hostA.log" | grep -cE 'audit conn=[0-9]+ dir=out .*code=handshake_aborted')
nb=$(tail -c "+$((mb + 1))" "$DG_LOGDIR/audit-hostB.log" | grep -cE 'audit conn=[0-9]+ dir=in .*code=handshake_aborted')
expect_eq "$na" "$total" "hostA audited $total cuts as handshake_aborted"
expect_eq "$nb" "$total" "hostB audited $total cuts as handshake_aborted"
fds_at_most() { [ "$(ls "/proc/$1/fd" | wc -l)" -le "$2" ]; }
# hostA may keep up to 4 idle links to hostB ready (its pool): no more.
wait_for 10 fds_at_most "$GA" $((fa0 + 4)) || fail "hostA's gateway holds $(ls "/proc/$GA/fd" | wc -l) descriptors, $fa0 before"
# ...and hostB the server side of each of those links.
wait_for 10 fds_at_most "$GB" $((fb0 + 4)) || fail "hostB's gateway holds $(ls "/proc/$GB/fd" | wc -l) descriptors, $fb0 before"
pass "hostA's gateway holds $(ls "/proc/$GA/fd" | wc -l) descriptors, hostB's $(ls "/proc/$GB/fd" | wc -l) ($fa0 and $fb0 before; up to 4 pooled links allowed)"
node_registered hostB b1 || fail "b1 is gone"
pass "b1 is still registered"
