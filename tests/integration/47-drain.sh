#!/usr/bin/env bash
# Goal of this test: SIGTERM drains hostA's gateway (drain_timeout), with
# real nodes on both sides.  a1 (hostA) streams 64 KiB messages to b1
# (hostB: an outbound tunnel on hostA), one every 5 ms; b2 (hostB) pings a2 (hostA) every
# 50 ms (an inbound tunnel on hostA); global meshes the four nodes, so
# hostA carries four tunnels.  After SIGTERM to hostA's gateway:
#   - it logs "draining: 4 tunnels, up to 20.000s";
#   - the tunnels keep carrying messages (b1's count and b2's pongs grow);
#   - new connections are refused: hostA's TLS port is closed (a new node
#     on hostB cannot reach a2), and so are the alias ports (a new node on
#     hostA cannot reach b1); both are hidden, so that global does not
#     cut the visible mesh to prevent overlapping partitions;
#   - hostA's local EPMD still answers: a name registers, NAMES lists a1
#     and a2, and an rpc from a local control node reaches a1;
#   - at drain_timeout every tunnel ends with code shutdown (audit lines),
#     the four nodes see nodedown, the process exits 0 within
#     drain_timeout + 3 s, and not one TCP reset (RST with a non-zero
#     sequence: refused SYNs are not counted) crosses hostA's loopback,
#     where its nodes' sockets are (nftables counter).
# Then, after a restart each: a second SIGTERM during the drain, and a
# SIGINT, stop the gateway at once (exit 0 within 2 s).
source "$(dirname "$0")/lib.sh"
require_root
command -v nft >/dev/null || skip "nft (nftables) not installed"
DG_NAMES=name
DG_AUDIT_FILES=1

A1=a1@hostA.test
A2=a2@hostA.test
B1=b1@hostB.test
B2=b2@hostB.test
DRAIN=20

ns_setup 2
gw_start hostA "drain_timeout = ${DRAIN}s"
gw_start hostB
for n in b1 b2; do node_start hostB $n; done
for n in a1 a2; do node_start hostA $n; done
GA=${DG_GW_PID[hostA]}

# down_file NODE: where NODE writes the time it saw its peer go down.
down_file() { echo "$DG_WORK/down-$1"; }

# WATCH(PEER, FILE): a process that writes the time of PEER's nodedown.
watch() {
	echo "spawn(fun() -> erlang:monitor_node('$1', true),
		receive {nodedown, _} -> file:write_file(\"$2\",
			integer_to_list(erlang:system_time(millisecond)))
		end end)"
}

step "a1 streams to b1, b2 pings a2"
r=$(node_rpc hostA "$A1" "
	true = net_kernel:connect_node('$B1'),
	ok = rpc:call('$B1', erlang, apply, [fun() ->
		C = counters:new(1, []), persistent_term:put(dg_rx, C),
		P = spawn(fun Sink() -> receive _ -> counters:add(C, 1, 1),
			Sink() end end),
		catch unregister(dg_sink), true = register(dg_sink, P),
		$(watch "$A1" "$(down_file b1)"), ok end, []], 5000),
	ok = rpc:call('$A2', erlang, apply, [fun() ->
		P = spawn(fun Pong() -> receive {ping, F} -> F ! pong, Pong() end
			end),
		true = register(dg_pong, P), ok end, []], 5000),
	$(watch "$B1" "$(down_file a1)"),
	Bin = binary:copy(<<7>>, 65536),
	spawn(fun() -> erlang:monitor_node('$B1', true),
		Loop = fun L() -> erlang:send({dg_sink, '$B1'}, Bin),
			receive {nodedown, _} -> done after 5 -> L() end end,
		Loop() end),
	ok") || fail "rpc to a1"
expect_eq "$(unq "$r")" ok "a1 streams to b1"
r=$(node_rpc hostB "$B2" "
	true = net_kernel:connect_node('$A2'),
	ok = rpc:call('$A2', erlang, apply, [fun() ->
		$(watch "$B2" "$(down_file a2)"), ok end, []], 5000),
	$(watch "$A2" "$(down_file b2)"),
	C = counters:new(1, []), persistent_term:put(dg_pongs, C),
	spawn(fun() -> erlang:monitor_node('$A2', true),
		Loop = fun L() -> {dg_pong, '$A2'} ! {ping, self()},
			receive {nodedown, _} -> done;
				pong -> counters:add(C, 1, 1),
					receive {nodedown, _} -> done
					after 50 -> L() end
			after 2000 -> L() end end,
		Loop() end),
	ok") || fail "rpc to b2"
expect_eq "$(unq "$r")" ok "b2 pings a2"

# Resets on each host's loopback and wire, from now on.  A refused SYN is
# answered by an RST with sequence 0: those are not counted.
for h in hostA hostB; do
	in_ns "$h" nft -f - <<-NFT || fail "nft on $h"
	table inet dg_rst {
		counter lo_rst { }
		counter wire_rst { }
		chain out {
			type filter hook output priority 0; policy accept;
			oifname "lo" tcp flags & rst == rst tcp sequence != 0 counter name lo_rst
			oifname != "lo" tcp flags & rst == rst tcp sequence != 0 counter name wire_rst
		}
	}
	NFT
done
# rsts HOST COUNTER: packets counted so far.
rsts() {
	in_ns "$1" nft list counter inet dg_rst "$2" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
sleep 1

step "SIGTERM to hostA's gateway"
mark=$(log_mark hostA)
amark=$(audit_mark hostA)
t0=$(now_ms)
kill -TERM "$GA"
expect_log --since "$mark" hostA "draining: [0-9]+ tunnels, up to ${DRAIN}\.000s"
ntun=$(log_grep hostA "$mark" "draining: [0-9]+ tunnels" | sed -n 's/.*draining: \([0-9]*\) tunnels.*/\1/p' | head -n 1)
[ "$ntun" -ge 2 ] || fail "hostA drains $ntun tunnels, not the two pairs' (and global's)"

if listening hostA "$DG_TLS_PORT"; then fail "hostA still listens on its TLS port"; fi
if tcp_connects hostB "$(host_ip hostA)" "$DG_TLS_PORT"; then
	fail "hostB could open a TCP connection to hostA's TLS port"
fi
pass "hostA's TLS port is closed: hostB's TCP connect is refused"
listening hostA 4369 || fail "hostA's local EPMD stopped listening"
r=$(epmd_alive2 hostA 127.0.0.1 dgdrain)
expect_match "$r" '^(76|79) 00 ' "hostA's local EPMD registers a name while draining"
r=$(epmd_names hostA 127.0.0.1)
expect_match "$r" "name a1 at port" "hostA's local EPMD lists a1 while draining"
expect_match "$r" "name a2 at port" "hostA's local EPMD lists a2 while draining"

step "established tunnels still carry messages; new ones are refused"
# From a control node on hostA (it registers with, and finds a1 through,
# hostA's EPMD): b1's count twice, a second apart.
r=$(node_rpc hostA "$A1" "
	Get = fun() -> rpc:call('$B1', erlang, apply, [fun() ->
		counters:get(persistent_term:get(dg_rx), 1) end, []], 5000) end,
	N1 = Get(), timer:sleep(1000), N2 = Get(),
	{N2 > N1, N1, N2}") || fail "rpc to a1 while draining"
echo "# b1's count while draining: $r"
expect_match "$r" '^\{true,[0-9]+,[0-9]+\}$' "a1's stream to b1 still flows"
r=$(node_rpc hostB "$B2" "
	C = persistent_term:get(dg_pongs),
	N1 = counters:get(C, 1), timer:sleep(1000), N2 = counters:get(C, 1),
	{N2 > N1, N1, N2}") || fail "rpc to b2 while draining"
echo "# b2's pongs while draining: $r"
expect_match "$r" '^\{true,[0-9]+,[0-9]+\}$' "b2's pings to a2 are still answered"
r=$(node_eval --hidden hostA newa "net_kernel:connect_node('$B1')") || fail "new node on hostA"
expect_eq "$r" false "a new node on hostA cannot open a connection to b1 (alias ports closed)"
r=$(node_eval --hidden hostB newb "net_kernel:connect_node('$A2')") || fail "new node on hostB"
expect_eq "$r" false "a new node on hostB cannot open a connection to a2 (TLS port closed)"
t_checked=$(now_ms)
[ $((t_checked - t0)) -lt $((DRAIN * 1000 - 1000)) ] ||
	fail "the checks while draining took $((t_checked - t0)) ms: too long for drain_timeout ${DRAIN}s"
file_gone() { [ ! -e "$1" ]; }
for n in a1 a2 b1 b2; do
	file_gone "$(down_file $n)" || fail "$n saw nodedown before drain_timeout"
done
pass "no node saw nodedown during the drain ($((t_checked - t0)) ms in)"

step "drain_timeout: the tunnels end, the gateway exits"
wait_for $((DRAIN + 10)) not pid_alive "$GA" || fail "hostA's gateway still runs $((DRAIN + 10)) s after SIGTERM"
t_exit=$(now_ms)
rc=0
wait "$GA" 2>/dev/null || rc=$?
forget_pids "$GA"
unset "DG_GW_PID[hostA]"
expect_eq "$rc" 0 "hostA's gateway exited with status 0"
ms=$((t_exit - t0))
echo "# exit $ms ms after SIGTERM (drain_timeout ${DRAIN}000 ms)"
[ "$ms" -ge $((DRAIN * 1000 - 500)) ] || fail "exited after $ms ms: before drain_timeout"
[ "$ms" -le $((DRAIN * 1000 + 3000)) ] || fail "exited after $ms ms: more than drain_timeout + 3 s"
pass "hostA's gateway exited $ms ms after SIGTERM (drain_timeout + at most 3 s)"
expect_log --since "$mark" hostA "drain_timeout \(${DRAIN}000ms\) reached: ending $ntun tunnels"
expect_log --since "$mark" hostA "drained: .* after [0-9]+ ms; stopping"
n=$(audit_count hostA "$amark" 'code=shutdown reason="drain_timeout reached"')
expect_eq "$n" "$ntun" "$ntun audit lines with code shutdown, reason drain_timeout reached"
expect_audit --since "$amark" hostA "dir=out .*initiator=$A1 .*code=shutdown"
expect_audit --since "$amark" hostA "dir=in .*initiator=$B2 .*code=shutdown"

for n in a1 a2 b1 b2; do
	wait_for 5 test -s "$(down_file $n)" || fail "$n saw no nodedown"
	d=$(($(cat "$(down_file $n)") - t0))
	echo "# $n saw nodedown $d ms after SIGTERM"
	[ "$d" -ge $((DRAIN * 1000 - 500)) ] || fail "$n saw nodedown after $d ms: before drain_timeout"
done
pass "all four nodes saw nodedown, at drain_timeout"
sleep 1
for h in hostA hostB; do
	echo "# resets sent on $h: loopback $(rsts $h lo_rst), wire $(rsts $h wire_rst)"
done
expect_eq "$(rsts hostA lo_rst)" 0 "no TCP reset on hostA's loopback: its nodes saw clean closes"

step "a second SIGTERM during the drain stops at once"
gw_start hostA "drain_timeout = ${DRAIN}s"
GA=${DG_GW_PID[hostA]}
wait_for 15 node_registered hostA a1 || fail "a1 did not register again"
r=$(node_rpc hostA "$A1" "net_kernel:connect_node('$B1')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1 again"
mark=$(log_mark hostA)
kill -TERM "$GA"
expect_log --since "$mark" hostA "draining: [0-9]+ tunnels?, up to"
t0=$(now_ms)
kill -TERM "$GA"
wait_for 2 not pid_alive "$GA" || fail "hostA's gateway still runs 2 s after a second SIGTERM"
ms=$(($(now_ms) - t0))
rc=0
wait "$GA" 2>/dev/null || rc=$?
forget_pids "$GA"
unset "DG_GW_PID[hostA]"
expect_eq "$rc" 0 "hostA's gateway exited with status 0"
expect_log --since "$mark" hostA "SIGTERM while draining: stopping now, [1-9][0-9]* tunnels? still open"
pass "the second SIGTERM stopped it within $ms ms"

step "SIGINT stops at once"
gw_start hostA "drain_timeout = ${DRAIN}s"
GA=${DG_GW_PID[hostA]}
wait_for 15 node_registered hostA a1 || fail "a1 did not register again"
r=$(node_rpc hostA "$A1" "net_kernel:connect_node('$B1')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1 again"
mark=$(log_mark hostA)
t0=$(now_ms)
kill -INT "$GA"
wait_for 2 not pid_alive "$GA" || fail "hostA's gateway still runs 2 s after SIGINT"
ms=$(($(now_ms) - t0))
rc=0
wait "$GA" 2>/dev/null || rc=$?
forget_pids "$GA"
unset "DG_GW_PID[hostA]"
expect_eq "$rc" 0 "hostA's gateway exited with status 0"
expect_log --since "$mark" hostA "SIGINT: stopping now"
expect_no_log --since "$mark" hostA "draining:"
pass "SIGINT stopped it within $ms ms"
