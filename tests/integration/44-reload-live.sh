#!/usr/bin/env bash
# Goal of this test: a live reload changes nothing that is running.  While
# two node pairs (a1 -> b1, a2 -> b2) stream sequence-numbered messages
# through hostA's gateway and c1 pings a1, hostA's gateway reloads 100
# times alternating two valid configurations (through `distgate reload`
# and its pid file) and 20 times a broken one (SIGHUP: each refused with
# the file:line: key: reason `distgate -t` prints, running configuration
# kept; `distgate reload` itself refuses to signal).  No link goes down,
# every message arrives in order, every ping answers.  Then a reload that
# removes peer hostC closes exactly c1's tunnel (code revoked) within 1 s,
# while the streams' links stay.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
RELOADS=${DG_RELOADS:-100}
BROKEN=${DG_BROKEN:-20}
MSGS=${DG_STREAM_MSGS:-40000}

A1=a1@hostA.test A2=a2@hostA.test
B1=b1@hostB.test B2=b2@hostB.test
C1=c1@hostC.test

ns_setup 3
PIDF=$DG_LOGDIR/gw-hostA.pid
INI=$DG_LOGDIR/gw-hostA.ini
gw_start hostB
gw_start hostC
gw_start hostA "pid_file = $PIDF"
# The variants, written beside the file the gateway reads.
cp "$INI" "$DG_LOGDIR/v1.ini"
gw_config hostA "pid_file = $PIDF" "idle_timeout = 10m" \
    "resolve_timeout = 4s" >/dev/null
cp "$INI" "$DG_LOGDIR/v2.ini"
sed 's/^idle_timeout = 10m$/idle_timeout = 10x/' "$DG_LOGDIR/v2.ini" \
    >"$DG_LOGDIR/bad.ini"
bad_line=$(grep -n '^idle_timeout' "$DG_LOGDIR/bad.ini" | cut -d: -f1)
cp "$DG_LOGDIR/v1.ini" "$INI"
expect_eq "$(cat "$PIDF")" "${DG_GW_PID[hostA]}" "pid_file holds the gateway's pid"

node_start hostB b1 erl name "$BULK_SINK"
node_start hostB b2 erl name "$BULK_SINK"
node_start hostA a1
node_start hostA a2
# c1 stays out of global's full mesh: when its link to a1 is revoked,
# OTP's prevent_overlapping_partitions would otherwise make a1 drop b1 too.
DG_ERL_ARGS="-connect_all false" node_start hostC c1
for p in "hostA $A1 $B1" "hostA $A2 $B2" "hostC $C1 $A1"; do
	set -- $p
	r=$(node_rpc "$1" "$2" "net_kernel:connect_node('$3')") || fail "connect $2"
	expect_eq "$r" true "$2 connects to $3"
	watch_link "$1" "$2" "$3"
done

step "streams and pings start"
# Each stream: MSGS {n, I} to the peer's sink, a pause of 1 ms every 10,
# then the sink's verdict on order.  c1 pings a1 every 20 ms until a stop
# file appears, then prints "pongs pangs".
stream() {
	node_rpc --timeout 300 hostA "$1" "
		To = {sink, '$2'}, To ! {seq, self(), $MSGS},
		[begin To ! {n, I}, I rem 10 =:= 0 andalso timer:sleep(1) end
		 || I <- lists:seq(1, $MSGS)],
		receive {seq_ok, R} -> R after 200000 -> timeout end"
}
# (Each background rpc numbers its control node apart: ctl100, ...)
(DG_RPCS=100; stream "$A1" "$B1") >"$DG_LOGDIR/s1.out" 2>&1 &
s1=$!
(DG_RPCS=200; stream "$A2" "$B2") >"$DG_LOGDIR/s2.out" 2>&1 &
s2=$!
STOP=$DG_LOGDIR/pings.stop
(DG_RPCS=300; node_rpc --timeout 300 hostC "$C1" "
	Loop = fun L(Ok, Bad) ->
		case filelib:is_file(\"$STOP\") of
		true -> {Ok, Bad};
		false -> R = net_adm:ping('$A1'), timer:sleep(20),
			case R of pong -> L(Ok + 1, Bad); _ -> L(Ok, Bad + 1) end
		end end,
	Loop(0, 0)") >"$DG_LOGDIR/pings.out" 2>&1 &
pp=$!

step "$RELOADS reloads alternating two configurations, $BROKEN broken ones"
mark=$(log_mark hostA)
t0=$(now_ms)
refused=0
for ((i = 1; i <= RELOADS + BROKEN; i++)); do
	if ((i % ((RELOADS + BROKEN) / BROKEN) == 0)); then
		cp "$DG_LOGDIR/bad.ini" "$INI"
		# The command checks first and sends nothing.
		if "$DG_BIN" -c "$INI" reload >"$DG_LOGDIR/reload.out" 2>&1; then
			fail "distgate reload accepted a broken configuration"
		fi
		refused=$((refused + 1))
		kill -HUP "${DG_GW_PID[hostA]}"
	else
		cp "$DG_LOGDIR/v$((i % 2 + 1)).ini" "$INI"
		"$DG_BIN" -c "$INI" reload >"$DG_LOGDIR/reload.out" 2>&1 ||
			fail "distgate reload: $(cat "$DG_LOGDIR/reload.out")"
	fi
	# One at a time: the next starts once this one is logged.
	n=$((i))
	wait_for 5 eval "[ \$(log_count hostA $mark 'reload: configuration from|reload failed') -ge $n ]" ||
		fail "reload $i not logged within 5 s"
done
pass "$((RELOADS + BROKEN)) reloads in $(($(now_ms) - t0)) ms"
expect_match "$(cat "$DG_LOGDIR/reload.out")" "bad.ini|gw-hostA.ini:$bad_line: idle_timeout" \
    "distgate reload prints the error as -t does"
expect_eq "$(log_count hostA "$mark" 'reload: configuration from .* in force')" "$RELOADS" \
    "$RELOADS reloads applied"
expect_eq "$(log_count hostA "$mark" "reload failed, running configuration kept: .*gw-hostA.ini:$bad_line: idle_timeout: ")" \
    "$BROKEN" "$BROKEN broken ones refused with file:line: key: reason"
expect_eq "$(log_count hostA "$mark" 'code=revoked')" 0 "no connection revoked"

step "every message in order, every ping answered, no link down"
wait "$s1" || fail "stream 1: $(cat "$DG_LOGDIR/s1.out")"
wait "$s2" || fail "stream 2: $(cat "$DG_LOGDIR/s2.out")"
expect_eq "$(cat "$DG_LOGDIR/s1.out")" true "a1 -> b1: $MSGS messages in order"
expect_eq "$(cat "$DG_LOGDIR/s2.out")" true "a2 -> b2: $MSGS messages in order"
touch "$STOP"
wait "$pp" || fail "pings: $(cat "$DG_LOGDIR/pings.out")"
pings=$(unq "$(cat "$DG_LOGDIR/pings.out")")
expect_match "$pings" '^\{[1-9][0-9]*,0\}$' "c1 -> a1 pings all answered ($pings)"
link_intact hostA "$A1" "$B1"
link_intact hostA "$A2" "$B2"
link_intact hostC "$C1" "$A1"
expect_eq "$(log_count hostA "$mark" 'audit conn=.*(code=(io_error|timeout|link_failed|internal|shutdown))')" 0 \
    "no tunnel of hostA's ended in error"

step "a reload that removes peer hostC closes exactly its tunnels"
gw_config --peers hostB hostA "pid_file = $PIDF" >/dev/null
mark=$(log_mark hostA)
t0=$(now_ms)
"$DG_BIN" -c "$INI" reload >/dev/null || fail "distgate reload"
wait_for 1 log_grep hostA "$mark" 'audit conn=.*peer=hostC .*code=revoked' ||
	fail "c1's tunnel not revoked within 1 s"
pass "c1's tunnel revoked after $(($(now_ms) - t0)) ms"
expect_log --since "$mark" hostA 'reload: configuration from .* in force: 1 peer'
# c1's tunnel, and hostC's pooled request connections (initiator=-).
n=$(log_count hostA "$mark" 'audit conn=.*code=revoked')
expect_eq "$(log_count hostA "$mark" 'audit conn=.*peer=hostC .*code=revoked')" "$n" \
    "all $n revoked connections are hostC's"
expect_eq "$(log_count hostA "$mark" 'audit conn=.*initiator=c1@.*code=revoked')" 1 \
    "c1's one tunnel among them"
expect_eq "$(log_count hostA "$mark" 'audit conn=.*peer=hostB .*code=')" 0 "hostB's tunnels untouched"
link_intact hostA "$A1" "$B1"
link_intact hostA "$A2" "$B2"
r=$(node_rpc hostA "$A1" "lists:member('$C1', nodes())") || fail "rpc a1"
expect_eq "$r" false "c1 is gone from a1's nodes"

step "stop removes the pid file"
gw_stop hostA || true
[ ! -e "$PIDF" ] || fail "pid file left behind"
pass "pid file removed"
