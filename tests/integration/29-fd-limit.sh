#!/usr/bin/env bash
# Goal of this test: a gateway that runs out of file descriptors keeps what
# it has and recovers.  hostB's gateway gets a limit of 64 descriptors
# (prlimit) while a1 <-> b1 are connected; hostA then opens 100 TCP
# connections to hostB's TLS port and holds them: the gateway refuses or
# pauses instead of dying or spinning, the established a1 <-> b1 link keeps
# carrying rpc.  The flood ends, the limit goes back up: the gateway accepts
# again ("resumed accepting"), a new node b2 registers on hostB and a1
# reaches it.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
B2=b2@hostB.test
FLOOD=100

ns_setup 2
gw_start hostA
# Budgets above the descriptor limit: the limit is what binds here.
gw_start hostB "max_pending_per_source = 1000" "max_pending = 1000"
node_start hostB b1
node_start hostA a1
GB=${DG_GW_PID[hostB]}
BIP=$(host_ip hostB)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
watch_link hostA "$A" "$B"

step "hostB's gateway limited to 64 descriptors, flooded with $FLOOD connections"
soft=$(prlimit --pid "$GB" --nofile --noheadings --output SOFT | tr -d ' ')
prlimit --pid "$GB" --nofile=64: || fail "prlimit failed"
mark=$(log_mark hostB)
t0=$(cut -d' ' -f14,15 "/proc/$GB/stat" | awk '{ print $1 + $2 }')
for ((i = 0; i < FLOOD; i++)); do
	spawn "$DG_LOGDIR/flood.log" hostA env DG_RUN_TAG="$DG_TAG" timeout 8 \
	    bash -c "exec 3<>/dev/tcp/$BIP/$DG_TLS_PORT; sleep 7"
done
expect_log --since "$mark" hostB "accept paused" 10
sleep 3
pid_alive "$GB" || fail "hostB's gateway died"
pass "hostB's gateway is alive"
t1=$(cut -d' ' -f14,15 "/proc/$GB/stat" | awk '{ print $1 + $2 }')
used=$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) ))
echo "# gateway CPU during the flood: $used ms"
[ "$used" -lt 2000 ] || fail "hostB's gateway used $used ms of CPU (spinning?)"
pass "hostB's gateway used $used ms of CPU during the flood"
link_intact hostA "$A" "$B"

step "the flood ends, the limit goes back up"
fds_below() { [ "$(ls "/proc/$GB/fd" | wc -l)" -lt "$1" ]; }
wait_for 15 fds_below 40 ||
	fail "hostB's gateway still holds $(ls "/proc/$GB/fd" | wc -l) descriptors"
pass "hostB's gateway released the flood's descriptors"
prlimit --pid "$GB" --nofile="$soft": || fail "prlimit failed"
expect_log --since "$mark" hostB "listener=tls resumed accepting"
node_start hostB b2
wait_for 15 node_registered hostB b2 || fail "b2 could not register on hostB"
pass "b2 registered on hostB"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B2'), rpc:call('$B2', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B2}" "a1 reaches b2"
link_intact hostA "$A" "$B"
