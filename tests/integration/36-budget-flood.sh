#!/usr/bin/env bash
# Goal of this test: local service is never starved by remote load.  An
# attacker on hostC (no certificate) tries to hold 5,000 TCP connections
# to hostB's TLS port, each slot reconnecting 5 s after the gateway closes
# it: first 5,000 silent ones from one address, then 5,000 from 50
# addresses (extra addresses on hostC's veth) that each send the start of
# a ClientHello and stall (so that OpenSSL allocates its buffers).  Gateway B runs with the defaults
# (max_connections 1024, max_local_connections 1024, max_pending 256,
# max_pending_per_source 16, tls_timeout 5s) and the file descriptor
# limit raised as an operator would (ulimit -n, 20000 here).  During each
# attack: B's EPMD answers a local lookup at once, a new local node
# registers, a1 on hostA keeps exchanging messages with b1 on its
# established connection (none of its round trips fails), a new TLS
# connection from hostA (a legitimate peer) gets its answer within 1 s
# (three tries), and B's RSS stays under 32 MiB (the figure is printed).
# Handshakes that time out count for lockout: the attacking addresses are
# banned.  Last, hostD's gateway starts with ulimit -n 512: it fits its
# budgets to that limit (logged), and under a flood from hostC its local
# EPMD still answers and a node registers, without its listeners ever
# pausing on EMFILE.  About 90 s.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
SLOTS=5000
REOPEN_MS=5000
RSS_LIMIT_KB=$((32 * 1024))
# AddressSanitizer's shadow memory and quarantine are not the gateway's:
# under a sanitizer build the RSS is printed, not held to the bound.
ASAN=0
grep -qa __asan_init "$DG_BIN" && ASAN=1
RESOLVE_B1=$(gw_req_hex 01 b1)

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 12000 ] ||
	skip "the hard file descriptor limit ($hard) is below 12000"
ulimit -n "$hard"	# for the gateways and the attacker alike

# a1's round-trip loop (as in 18-lockout): a message to b1's echo server
# every 20 ms; each answer, or its absence after 2 s, stored in ets dg_rt.
PINGER="
	Self = self(),
	P = spawn(fun() ->
		ets:new(dg_rt, [named_table, public, ordered_set]),
		Self ! ready,
		(fun L(I) ->
			Ref = make_ref(),
			{echo, '$B'} ! {self(), Ref},
			R = receive {Ref, pong} -> ok after 2000 -> fail end,
			ets:insert(dg_rt, {{erlang:system_time(millisecond), I}, R}),
			timer:sleep(20),
			L(I + 1)
		end)(0)
	end),
	receive ready -> ok end,
	register(dg_pinger, P), started"

# rt_count FROM TO: a1's {ok, fail} round-trip counts between two times.
rt_count() {
	node_rpc hostA "$A" "
		Rs = [R || {{T, _}, R} <- ets:tab2list(dg_rt), T >= $1, T =< $2],
		{length([x || ok <- Rs]), length([x || fail <- Rs])}"
}

# probe HOST PEER: a new mutual-TLS connection from HOST to PEER's gateway
# with HOST's certificate and a RESOLVE of b1; prints the probe's line.
probe() {
	in_ns "$1" env -i "PATH=$PATH" "HOME=$DG_WORK" "DG_RUN_TAG=$DG_TAG" \
	    timeout -k 2 20 erl -noshell -pa "$(erl_tool flood)" -run flood main \
	    probe "$(host_ip "$2")" "$DG_TLS_PORT" "$DG_PKI/$1.crt" \
	    "$DG_PKI/$1.key" "$DG_PKI/ca.crt" "$RESOLVE_B1" 2>&1 |
		grep '^probe:' || echo "probe: failed no output"
}

# rss_start HOST: sample the RSS of HOST's gateway every 0.2 s into
# $DG_WORK/rss-HOST (kB, one a line).
rss_start() {
	local pid=${DG_GW_PID[$1]} out=$DG_WORK/rss-$1
	: >"$out"
	( while :; do
		sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null
		sleep 0.2
	  done >>"$out" ) &
	DG_RSS_PID=$!
	DG_PIDS+=("$DG_RSS_PID")
}
rss_stop() { stop_pids 2 TERM "$DG_RSS_PID"; }
rss_max() { sort -n "$DG_WORK/rss-$1" | tail -n 1; }
# rss_bound KB: KB is under RSS_LIMIT_KB (not checked under ASan).
rss_bound() {
	if [ "$ASAN" = 1 ]; then
		pass "(sanitizer build: RSS $1 kB not held to $RSS_LIMIT_KB kB)"
	elif [ "$1" -lt "$RSS_LIMIT_KB" ]; then
		pass "B's RSS stayed under $RSS_LIMIT_KB kB"
	else
		fail "B's RSS reached $1 kB (limit $RSS_LIMIT_KB)"
	fi
}

# attack_start HOST SRCS [HEX]: the attacker on hostC, SLOTS connections
# from the comma-separated SRCS to HOST's TLS port, each sending the bytes
# HEX (default none), for 60 s at most.
attack_start() {
	DG_STATUS=$DG_WORK/flood-$1-$(date +%s%N)
	tool_start "$DG_LOGDIR/flood.log" hostC flood hold "$DG_STATUS" 60 \
	    "$(host_ip "$1")" "$DG_TLS_PORT" "$SLOTS" "$REOPEN_MS" "$2" "${3:-}"
	DG_ATTACK_PID=$DG_LAST_PID
}
attack_opened() { sed -n 's/.*opened=\([0-9]*\).*/\1/p' "$DG_STATUS" 2>/dev/null; }
attack_ready() { [ "$(attack_opened)" -ge "$SLOTS" ] 2>/dev/null; }
attack_stop() {
	echo "# attacker: $(cat "$DG_STATUS" 2>/dev/null)"
	stop_pids 5 TERM "$DG_ATTACK_PID"
}

# under_attack HOST WHAT NEWNODE: the checks made while the attack runs.
under_attack() {
	local h=$1 what=$2 node=$3 t0 t1 r i line ms
	wait_for 20 attack_ready ||
		fail "the attacker did not open $SLOTS connections (status: $(cat "$DG_STATUS" 2>/dev/null))"
	pass "$what: the attacker opened $(attack_opened) connections"
	for ((i = 1; i <= 3; i++)); do
		sleep 2
		t0=$(now_ms)
		in_ns "$h" timeout 2 epmd -names 2>/dev/null | grep -q "^name b1 at port " ||
			fail "$what: B's EPMD did not answer a local lookup within 2 s"
		t1=$(now_ms)
		pass "$what: B's EPMD answered a local lookup ($((t1 - t0)) ms)"
		line=$(probe hostA "$h")
		ms=$(echo "$line" | sed -n 's/^probe: ms=\([0-9]*\) got=.*/\1/p')
		[ -n "$ms" ] || fail "$what: a new TLS connection from hostA failed: $line"
		[ "$ms" -lt 1000 ] || fail "$what: hostA's new TLS connection took $ms ms"
		pass "figure: $what: hostA's new TLS connection answered in $ms ms"
	done
	t0=$(now_ms)
	node_start "$h" "$node"
	pass "figure: $what: node $node registered in $(($(now_ms) - t0)) ms"
}

ns_setup 4
pki_leaf hostD
gw_start hostA
gw_start hostB
node_start hostB b1 erl name "
	register(echo, spawn(fun L() -> receive {From, Ref} -> From ! {Ref, pong}, L() end end))"
node_start hostA a1

step "a1 connects to b1 and starts exchanging messages"
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
r=$(node_rpc hostA "$A" "$PINGER") || fail "rpc to a1"
expect_eq "$r" started "a1's round-trip loop started"
rss_start hostB
sleep 1
rss0=$(rss_max hostB)
pass "figure: B's RSS before the attacks: $rss0 kB"

step "attack 1: $SLOTS connections from one address ($(host_ip hostC))"
mark=$(log_mark hostB)
t_start=$(now_ms)
attack_start hostB "$(host_ip hostC)"
under_attack hostB "one address" b2
expect_log_first --since "$mark" hostB 'lockout key=addr:10\.77\.0\.3 failures=10 '
attack_stop
t_end=$(now_ms)
rss1=$(rss_max hostB)
pass "figure: B's highest RSS during attack 1: $rss1 kB"
rss_bound "$rss1"
r=$(rt_count "$t_start" "$t_end") || fail "rpc to a1"
[[ $r =~ ^\{([0-9]+),([0-9]+)\}$ ]] || fail "a1's counts: $r"
pass "figure: a1's round trips during attack 1: ${BASH_REMATCH[1]} (failed: ${BASH_REMATCH[2]})"
[ "${BASH_REMATCH[1]}" -gt 0 ] || fail "a1 made no round trip during attack 1"
expect_eq "${BASH_REMATCH[2]}" 0 "none of a1's round trips failed during attack 1"
expect_log_first --since "$mark" hostB 'refused: max_pending_per_source \(16\) reached'
expect_log_first --since "$mark" hostB 'audit .*addr=10\.77\.0\.3:.*code=tls_timeout'
n=$(log_count hostB "$mark" 'code=tls_timeout')
pass "figure: attack 1: tls_timeout audit lines=$n, locked_out=$(log_count hostB "$mark" 'code=locked_out')"

step "attack 2: $SLOTS stalled ClientHellos from 50 addresses"
srcs=""
for ((i = 100; i < 150; i++)); do
	ip -n "$(ns_of hostC)" addr add "10.77.0.$i/24" dev eth0
	srcs+="10.77.0.$i,"
done
mark=$(log_mark hostB)
t_start=$(now_ms)
attack_start hostB "${srcs%,}" '16 03 01 01 2c 01 00 01 28 03 03'
under_attack hostB "50 addresses" b3
bans=$(log_count hostB "$mark" 'lockout key=addr:10\.77\.0\.1[0-4][0-9] failures=')
attack_stop
t_end=$(now_ms)
rss2=$(rss_max hostB)
pass "figure: B's highest RSS during attack 2: $rss2 kB"
rss_bound "$rss2"
r=$(rt_count "$t_start" "$t_end") || fail "rpc to a1"
[[ $r =~ ^\{([0-9]+),([0-9]+)\}$ ]] || fail "a1's counts: $r"
pass "figure: a1's round trips during attack 2: ${BASH_REMATCH[1]} (failed: ${BASH_REMATCH[2]})"
[ "${BASH_REMATCH[1]}" -gt 0 ] || fail "a1 made no round trip during attack 2"
expect_eq "${BASH_REMATCH[2]}" 0 "none of a1's round trips failed during attack 2"
pass "figure: attack 2: addresses banned during it=$bans, evicted=$(log_count hostB "$mark" 'code=evicted'), tls_timeout=$(log_count hostB "$mark" 'code=tls_timeout')"
[ "$bans" -ge 1 ] || fail "none of the 50 attacking addresses was banned during the attack"
rss_stop
r=$(node_rpc hostA "$A" "rpc:call('$B', erlang, node, [], 5000)") || fail "rpc to a1"
expect_log_first hostB 'budgets: local=1024 remote=1024 pending=256 \(per source 16\)'
expect_eq "$(unq "$r")" "$B" "a1 still calls b1 after the attacks"
expect_no_log hostB 'listener=.* accept paused'

step "hostD's gateway with ulimit -n 512: budgets fitted to the limit"
# (as a wrapper: this shell could not raise its hard limit back)
wrap=$DG_WORK/distgate-nofile512
printf '#!/bin/sh\nulimit -n 512 || exit 1\nexec %q "$@"\n' "$DG_BIN" >"$wrap"
chmod 0755 "$wrap"
DG_BIN=$wrap gw_start hostD
node_start hostD d1
expect_log_first hostD 'file descriptor limit 512 .* below'
line=$(log_first hostD 0 'budgets: local=') || fail "hostD logged no budgets"
pass "figure: hostD: ${line#*distgate info: }"
mark=$(log_mark hostD)
rss_start hostD
attack_start hostD "$(host_ip hostC),${srcs%,}"
wait_for 20 attack_ready || fail "the attacker did not open $SLOTS connections"
for ((i = 1; i <= 3; i++)); do
	sleep 1
	in_ns hostD timeout 2 epmd -names 2>/dev/null | grep -q "^name d1 at port " ||
		fail "hostD's EPMD did not answer a local lookup within 2 s"
done
pass "hostD's EPMD answered local lookups under the flood"
node_start hostD d2
pass "a node registered at hostD under the flood"
attack_stop
rss_stop
pass "figure: hostD's highest RSS during the flood: $(rss_max hostD) kB"
expect_no_log hostD 'accept paused'
expect_no_log --since "$mark" hostD 'Too many open files'
