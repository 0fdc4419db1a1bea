#!/usr/bin/env bash
# Goal of this test: a peer whose network vanishes without a reset is
# detected as dead, and nothing of it lingers.  a1 (hostA) and b1 (hostB),
# both with net_ticktime 8, are connected through the two gateways (with
# their default dead_peer_timeout and link_ping_interval), and hostA's
# gateway has an idle link to hostB's in its pool.  Then every packet
# between the hosts is dropped (nftables, no reset) for 40 s, longer than
# net_ticktime: both nodes see nodedown; within the bound of docs/design.md
# ("Dead peers": dead_peer_timeout + max(dead_peer_timeout/8,
# net_ticktime/2), here 24 s) both gateways have closed the tunnel (audit
# line, code timeout) and released its descriptors and those of the idle
# link (counted in /proc/PID/fd before, during and after), and hostA's
# gateway has closed its pooled link because a PING got no PONG.  The
# network comes back: a1 pings b1 again, and each gateway holds exactly
# the descriptors it held when the nodes were first connected: no stale
# tunnel; and hostA's new idle link is pinged, and answered PONG, with no
# bad_request on hostB.  Prints the measured time from the cut to the
# release.
source "$(dirname "$0")/lib.sh"
require_root
command -v nft >/dev/null || skip "nft (nftables) not installed"
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
TICK=8			# net_ticktime of both nodes, seconds
DEAD_PEER_MS=20000	# the default dead_peer_timeout
OUTAGE=40		# seconds without a network
SLACK_MS=1500		# our polling and a busy machine's scheduling
half_tick_ms=$((TICK * 1000 / 2))
eighth_ms=$((DEAD_PEER_MS / 8))
BOUND_MS=$((DEAD_PEER_MS + (half_tick_ms > eighth_ms ? half_tick_ms : eighth_ms)))

# fd_count HOST: descriptors HOST's gateway holds.
fd_count() {
	local fds=("/proc/${DG_GW_PID[$1]}/fd/"*)
	echo "${#fds[@]}"
}

# wire_count HOST OTHER: TCP sockets of HOST's gateway whose far end is
# OTHER (ss lists only sockets the kernel still has in its tables).
wire_count() {
	local n
	n=$(in_ns "$1" ss -Htnp state all dst "$(host_ip "$2")" |
		grep -c "pid=${DG_GW_PID[$1]}," || true)
	echo "$((n + 0))"
}

# settled HOST: HOST's gateway holds the same number of descriptors twice
# in a row, half a second apart (short-lived control nodes are gone).
settled() {
	local a b
	a=$(fd_count "$1")
	sleep 0.5
	b=$(fd_count "$1")
	[ "$a" = "$b" ]
}

# cut / restore: every packet arriving on eth0 of either host is dropped
# (no reset, no ICMP): the network between them has vanished.
cut() {
	local h
	for h in hostA hostB; do
		in_ns "$h" nft -f - <<-NFT || fail "cut $h: nft failed"
		table inet dg_cut {
			chain input {
				type filter hook input priority -10; policy accept;
				iifname "eth0" drop
			}
		}
		NFT
	done
}
restore() {
	local h
	for h in hostA hostB; do
		in_ns "$h" nft delete table inet dg_cut || fail "restore $h: nft failed"
	done
}

# watch HOST NODE PEER: NODE notes the time of PEER's nodedown; prints
# NODE's net_ticktime.
WATCH='
	P = spawn(fun() -> erlang:monitor_node(PEER, true),
		receive {nodedown, _} ->
			persistent_term:put(dg_down, os:system_time(millisecond))
		end end),
	register(dg_watch, P), {lists:member(PEER, nodes()), net_kernel:get_net_ticktime()}'
watch() {
	node_rpc "$1" "$2" "PEER = '$3', ${WATCH}"
}

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl name "net_kernel:set_net_ticktime($TICK, 0)"
node_start hostA a1 erl name "net_kernel:set_net_ticktime($TICK, 0)"

step "a1 connects to b1; both watch the link"
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
r=$(watch hostA "$A" "$B") || fail "watch on a1"
expect_eq "$r" "{true,$TICK}" "a1 watches b1, net_ticktime $TICK"
r=$(watch hostB "$B" "$A") || fail "watch on b1"
expect_eq "$r" "{true,$TICK}" "b1 watches a1, net_ticktime $TICK"
# A lookup that leaves a link idle in hostA's pool right before the cut.
r=$(node_rpc hostA "$A" "net_adm:names(\"hostB.test\")") || fail "names"
expect_match "$r" '^\{ok,\[\{"b1",[0-9]+\}\]\}$' "a1 lists hostB's nodes (a pooled link is left idle)"

wait_for 5 settled hostA || fail "hostA's descriptors do not settle"
wait_for 5 settled hostB || fail "hostB's descriptors do not settle"
fd_a0=$(fd_count hostA)
fd_b0=$(fd_count hostB)
wire_a0=$(wire_count hostA hostB)
wire_b0=$(wire_count hostB hostA)
if [ "$wire_a0" -lt 2 ] || [ "$wire_b0" -lt 2 ]; then
	fail "expected a tunnel and a pooled link between the gateways: hostA has $wire_a0, hostB $wire_b0 sockets to the other"
fi
pass "connected: hostA's gateway holds $fd_a0 descriptors ($wire_a0 to hostB), hostB's $fd_b0 ($wire_b0 to hostA)"
# Released: no socket to the other host, and one local descriptor fewer
# (the tunnel's loopback leg).
fd_a_dead=$((fd_a0 - wire_a0 - 1))
fd_b_dead=$((fd_b0 - wire_b0 - 1))

# released: both gateways are down to those counts.
released() {
	[ "$(fd_count hostA)" -eq "$fd_a_dead" ] && [ "$(fd_count hostB)" -eq "$fd_b_dead" ] &&
	    [ "$(wire_count hostA hostB)" -eq 0 ] && [ "$(wire_count hostB hostA)" -eq 0 ]
}

step "the network between the hosts vanishes for $OUTAGE s (packets dropped, no reset)"
mark_a=$(log_mark hostA)
mark_b=$(log_mark hostB)
cut
t_cut=$(now_ms)
rel_ms=""
mid_a="" mid_b=""
while [ $(($(now_ms) - t_cut)) -lt $((OUTAGE * 1000 - 2000)) ]; do
	if released; then
		rel_ms=$(($(now_ms) - t_cut))
		break
	fi
	# What the gateways hold halfway through the bound, for the report.
	if [ -z "$mid_a" ] && [ $(($(now_ms) - t_cut)) -ge $((BOUND_MS / 2)) ]; then
		mid_a=$(fd_count hostA) mid_b=$(fd_count hostB)
	fi
	sleep 0.2
done
[ -n "$mid_a" ] && pass "$((BOUND_MS / 2000)) s after the cut: hostA's gateway holds $mid_a descriptors, hostB's $mid_b"
[ -n "$rel_ms" ] || fail "$(($(now_ms) - t_cut)) ms after the cut the gateways still hold the dead peer's descriptors: hostA $(fd_count hostA) (want $fd_a_dead, $(wire_count hostA hostB) to hostB), hostB $(fd_count hostB) (want $fd_b_dead, $(wire_count hostB hostA) to hostA)"
pass "both gateways released the dead peer's descriptors $rel_ms ms after the cut: hostA $fd_a0 -> $fd_a_dead, hostB $fd_b0 -> $fd_b_dead"
[ "$rel_ms" -le $((BOUND_MS + SLACK_MS)) ] ||
	fail "released after $rel_ms ms: over the bound of $BOUND_MS ms (+$SLACK_MS ms slack)"
pass "within the bound of $BOUND_MS ms (dead_peer_timeout + max(dead_peer_timeout/8, net_ticktime/2))"

expect_log --since "$mark_a" hostA "audit conn=[0-9]+ dir=out peer=hostB .*acceptor=$B .*verdict=error code=timeout reason=\"remote [a-z]+: Connection timed out\""
expect_log --since "$mark_b" hostB "audit conn=[0-9]+ dir=in peer=hostA .*initiator=$A .*verdict=error code=timeout reason=\"remote [a-z]+: Connection timed out\""
# (a link with no request waiting on it audits its own failure)
expect_log --since "$mark_a" hostA "audit link=[0-9]+ dir=out peer=hostB .*code=timeout reason=\"no PONG"

step "both nodes saw nodedown"
for n in "$A" "$B"; do
	h=${n#*@}
	r=$(node_rpc "${h%.test}" "$n" "persistent_term:get(dg_down, none)") || fail "rpc to $n"
	[[ $r =~ ^[0-9]+$ ]] || fail "$n saw no nodedown: $r"
	pass "$n saw nodedown $((r - t_cut)) ms after the cut"
done

rest_ms=$((OUTAGE * 1000 - ($(now_ms) - t_cut)))
if [ "$rest_ms" -gt 0 ]; then
	sleep "$((rest_ms / 1000)).$(printf %03d $((rest_ms % 1000)))"
fi
step "the network comes back after $(($(now_ms) - t_cut)) ms"
mark_a=$(log_mark hostA)
restore

r=""
for i in 1 2 3; do
	r=$(node_rpc hostA "$A" "net_adm:ping('$B')") || fail "rpc to a1"
	[ "$r" = pong ] && break
	sleep 1
done
expect_eq "$r" pong "a1 pings b1 again"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "b1 calls a1"

back() {
	[ "$(fd_count hostA)" -eq "$fd_a0" ] && [ "$(fd_count hostB)" -eq "$fd_b0" ] &&
	    [ "$(wire_count hostA hostB)" -eq "$wire_a0" ] &&
	    [ "$(wire_count hostB hostA)" -eq "$wire_b0" ]
}
wait_for 10 back ||
	fail "no stale tunnel expected: hostA holds $(fd_count hostA) descriptors ($(wire_count hostA hostB) to hostB), had $fd_a0 ($wire_a0); hostB $(fd_count hostB) ($(wire_count hostB hostA)), had $fd_b0 ($wire_b0)"
pass "each gateway holds what it held when first connected: hostA $fd_a0 ($wire_a0 to hostB), hostB $fd_b0 ($wire_b0 to hostA)"

step "hostA's new idle link is pinged (every 10 s) and answered"
expect_log --since "$mark_a" hostA "link=[0-9]+ peer=hostB PONG" 15
expect_no_log hostB "bad_request"
