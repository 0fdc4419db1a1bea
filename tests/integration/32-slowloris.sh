#!/usr/bin/env bash
# Goal of this test: slow clients cost a bounded time and nothing else.
# While a1 <-> b1 are connected, 200 connections to hostB's local EPMD
# (from hostB itself, as a local user without the cookie could) and 200 to
# hostB's TLS port (from hostA) each send one byte a second (the start of a
# ClientHello, on the TLS port) and never a whole request or handshake.  Meanwhile a new node registers on hostB and
# a1 <-> b1 keep carrying rpc; every slow connection is closed by the
# gateway's timers (EPMD request and TLS handshake bounds, logged), and its
# descriptors come back; the gateway's CPU stays low.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
B2=b2@hostB.test
N=200

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1
node_start hostA a1
GB=${DG_GW_PID[hostB]}
BIP=$(host_ip hostB)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
watch_link hostA "$A" "$B"
sleep 1
fd0=$(ls "/proc/$GB/fd" | wc -l)

# slow HOST ADDR PORT BYTES: from HOST, N connections to ADDR:PORT, each
# sent one byte of BYTES (hex, then zeros) a second for 30 s; in the
# background.
slow() {
	spawn "$DG_LOGDIR/slow-$1-$3.log" "$1" env DG_RUN_TAG="$DG_TAG" timeout 40 bash -c '
		trap "" PIPE
		fds=()
		for ((i = 0; i < '"$N"'; i++)); do
			exec {fd}<>"/dev/tcp/$0/$1" && fds+=("$fd")
		done
		echo "opened ${#fds[@]}"
		read -r -a bytes <<<"$2"
		for ((t = 0; t < 30; t++)); do
			b=${bytes[t]:-00}
			for fd in "${fds[@]}"; do printf "\x$b" >&"$fd" 2>/dev/null; done
			sleep 1
		done' "$2" "$3" "$4"
}

step "$N slow clients on hostB's EPMD and $N on its TLS port"
mark=$(log_mark hostB)
c0=$(awk '{ print $14 + $15 }' "/proc/$GB/stat")
# EPMD: a PORT_PLEASE2 of 31 bytes; TLS: a ClientHello of 512.
slow hostB 127.0.0.1 4369 "00 20 7a 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61"
slow hostA "$BIP" "$DG_TLS_PORT" "16 03 01 02 00 01 00 01 fc 03 03"
wait_for 10 grep -q opened "$DG_LOGDIR/slow-hostB-4369.log" || fail "the EPMD slow clients did not start"
wait_for 10 grep -q opened "$DG_LOGDIR/slow-hostA-$DG_TLS_PORT.log" || fail "the TLS slow clients did not start"
echo "# $(cat "$DG_LOGDIR/slow-hostB-4369.log") to EPMD, $(cat "$DG_LOGDIR/slow-hostA-$DG_TLS_PORT.log") to TLS"

step "local service and the established link while they trickle"
node_start hostB b2
wait_for 10 node_registered hostB b2 || fail "b2 could not register on hostB"
pass "b2 registered on hostB"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B2'), rpc:call('$B2', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B2}" "a1 reaches b2"
link_intact hostA "$A" "$B"

step "the gateway's timers end every slow client"
expect_log --since "$mark" hostB "audit conn=[0-9]+ dir=in .*code=tls_timeout reason=\"TLS handshake timeout\"" 15
expect_log --since "$mark" hostB "epmd=[0-9]+ client=127.0.0.1:[0-9]+ closed: no complete request in time" 15
fds_at_most() { [ "$(ls "/proc/$GB/fd" | wc -l)" -le "$1" ]; }
# b2 and its registration stay: a few descriptors more than before.
wait_for 20 fds_at_most $((fd0 + 8)) ||
	fail "hostB's gateway holds $(ls "/proc/$GB/fd" | wc -l) descriptors, $fd0 before"
pass "hostB's gateway is back to $(ls "/proc/$GB/fd" | wc -l) descriptors ($fd0 before, b2 since)"
c1=$(awk '{ print $14 + $15 }' "/proc/$GB/stat")
used=$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))
[ "$used" -lt 3000 ] || fail "hostB's gateway used $used ms of CPU"
pass "hostB's gateway used $used ms of CPU over the attack"
link_intact hostA "$A" "$B"
