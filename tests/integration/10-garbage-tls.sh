#!/usr/bin/env bash
# Goal of this test: junk on the public TLS port is logged and closed, and
# does not disturb an established link.  From hostA's namespace to hostB's
# port 4370: plaintext, random bytes, a TLS client that stops in the middle
# of its ClientHello (hostB's tls_timeout is 2s), and a TLS client with a
# valid certificate that sends a garbage gateway request or one with an
# unknown protocol version.  Each attempt gets a log line with a reason on
# hostB and is closed.  The a1 <-> b1 link opened before never goes down and
# still carries messages afterwards (and during the stalled handshake).
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
# A line with a reason (not one of the debug lines about TLS states).
REASON="$DG_ID.*(reason|fail|error|invalid|bad|refus|timeout|timed out|unexpected|garbage|magic|version|wrong)"

ns_setup 2
gw_start hostA
gw_start hostB "tls_timeout = 2s"
node_start hostB b1
node_start hostA a1
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
watch_link hostA "$A" "$B"
ipb=$(host_ip hostB)

# junk NAME KIND ARG SECS: raw_send(_file) to hostB:4370 from hostA; expect
# hostB to close within SECS and to log a reason.
junk() {
	local name=$1 kind=$2 arg=$3 secs=$4 mark rc=0
	mark=$(log_mark hostB)
	if [ "$kind" = file ]; then
		raw_send_file hostA "$ipb" "$DG_TLS_PORT" "$arg" "$secs" >/dev/null || rc=$?
	else
		raw_send hostA "$ipb" "$DG_TLS_PORT" "$arg" "$secs" >/dev/null || rc=$?
	fi
	expect_eq "$rc" 0 "$name: hostB closed the connection within ${secs}s"
	expect_log --since "$mark" hostB "$REASON"
}

# tls_junk NAME FILE: a TLS client with hostA's valid certificate sends
# FILE after the handshake; hostB must close and log a reason.
tls_junk() {
	local name=$1 file=$2 mark rc=0 out=$DG_LOGDIR/s_client-$1.log
	mark=$(log_mark hostB)
	in_ns hostA timeout --foreground 15 openssl s_client -connect "$ipb:$DG_TLS_PORT" \
	    -servername hostB.test -cert "$DG_PKI/hostA.crt" \
	    -key "$DG_PKI/hostA.key" -CAfile "$DG_PKI/ca.crt" \
	    -verify_return_error -ign_eof <"$file" >"$out" 2>&1 || rc=$?
	grep -q 'Verify return code: 0 (ok)' "$out" ||
		fail "$name: the TLS handshake itself failed (see $out)"
	[ "$rc" -ne 124 ] || fail "$name: hostB kept the connection open for 15 s"
	pass "$name: TLS handshake done, then hostB closed the connection"
	expect_log --since "$mark" hostB "$REASON"
}

step "plaintext and random bytes"
junk "plaintext" data 'hello, this is not TLS\r\n\r\n' 10
head -c 1024 /dev/urandom >"$DG_WORK/random.bin"
junk "1 KiB of random bytes" file "$DG_WORK/random.bin" 10

step "a ClientHello that never completes, while a1 and b1 talk"
# Record header: handshake, TLS 1.0, 300 bytes; then 6 of them.
stall_out=$DG_WORK/stall.out
mark=$(log_mark hostB)
t0=$(now_ms)
( rc=0
  raw_send hostA "$ipb" "$DG_TLS_PORT" '\x16\x03\x01\x01\x2c\x01\x00\x01\x28\x03\x03' 15 \
      >/dev/null || rc=$?
  echo "$rc $(($(now_ms) - t0))" >"$stall_out" ) &
stall_pid=$!
DG_PIDS+=("$stall_pid")
sleep 0.5
link_intact hostA "$A" "$B"
wait_for 20 test -s "$stall_out" || fail "the stalled client never finished"
read -r rc ms <"$stall_out"
forget_pids "$stall_pid"
expect_eq "$rc" 0 "stalled handshake: hostB closed the connection"
[ "$ms" -ge 1500 ] && [ "$ms" -le 10000 ] ||
	fail "stalled handshake closed after $ms ms (expected about tls_timeout = 2s)"
pass "stalled handshake closed after $ms ms"
expect_log --since "$mark" hostB "$REASON"

step "valid TLS, garbage gateway requests"
{ printf 'XX'; head -c 62 /dev/urandom; } >"$DG_WORK/garbage.req"
tls_junk "garbage request" "$DG_WORK/garbage.req"
# Magic "DG", version 9, RESOLVE, body "b1".
printf 'DG\x09\x01\x00\x02b1' >"$DG_WORK/version9.req"
tls_junk "unknown protocol version" "$DG_WORK/version9.req"

step "the link opened before the attacks"
link_intact hostA "$A" "$B"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "b1 still calls a1"
