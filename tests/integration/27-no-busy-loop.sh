#!/usr/bin/env bash
# Goal of this test: a request that waits costs no CPU.  hostB is a bastion
# ([peer hostA] reach = hostC hostD) whose inside hosts never answer:
# hostC (kind plain) has a "epmd" that accepts and stays silent, hostD
# (kind gateway) a TLS server that completes the handshake with hostD's
# certificate and never replies.  From hostA, with hostA's certificate,
# while each lookup waits (resolve_timeout 30 s): a RESOLVE for a node of
# hostC followed, a second later, by a second request on the same link; the
# same towards hostD; a TCP connection to the TLS port that sends nothing,
# and one that sends half a ClientHello; on hostB itself, a lookup on hostD's
# alias EPMD.  Over 5 s of all of them waiting, hostB's gateway uses less
# than 0.3 s of CPU (a busy loop burns the whole 5 s), and it still answers
# its local EPMD at once.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

ns_setup 4
pki_leaf hostC
pki_leaf hostD

# Silent inside hosts.
tool_start "$DG_LOGDIR/silent-hostC.log" hostC silent 4369 60
wait_for 20 grep -q 'silent: listening' "$DG_LOGDIR/silent-hostC.log" ||
	fail "the silent epmd on hostC did not start"
spawn "$DG_LOGDIR/s_server-hostD.log" hostD env DG_RUN_TAG="$DG_TAG" bash -c \
    "sleep 60 | exec openssl s_server -quiet -accept $DG_TLS_PORT \
    -cert '$DG_PKI/hostD.crt' -key '$DG_PKI/hostD.key' \
    -CAfile '$DG_PKI/ca.crt' -Verify 2"
wait_for 10 listening hostD "$DG_TLS_PORT" || fail "the silent TLS server on hostD did not start"

gw_peer_lines hostB hostA "reach = hostC hostD"
mapfile -t IN < <(peer_plain hostC; peer_gateway hostD)
gw_start --peers hostA hostB "resolve_timeout = 30s" "${IN[@]}"
PID=${DG_GW_PID[hostB]}
BIP=$(host_ip hostB)

# cpu_ticks PID: user + system time of PID in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# two_requests HEX1 HEX2 SECS: from hostA, over one mutual-TLS connection
# to hostB, send HEX1, a second later HEX2, then hold the connection for
# SECS; in the background.
two_requests() {
	local a b
	a=$(printf '%s' "$1" | tr -cd '0-9a-f' | sed -E 's/(..)/\\x\1/g')
	b=$(printf '%s' "$2" | tr -cd '0-9a-f' | sed -E 's/(..)/\\x\1/g')
	spawn "$DG_LOGDIR/s_client.log" hostA env DG_RUN_TAG="$DG_TAG" bash -c \
	    "{ printf '%b' '$a'; sleep 1; printf '%b' '$b'; sleep $3; } |
	    timeout $(($3 + 5)) openssl s_client -quiet -connect $BIP:$DG_TLS_PORT \
	    -cert '$DG_PKI/hostA.crt' -key '$DG_PKI/hostA.key' \
	    -CAfile '$DG_PKI/ca.crt'"
}

step "requests wait in every state"
mark=$(log_mark hostB)
two_requests "$(gw_req_hex 01 x1@hostC)" "$(gw_req_hex 01 x2@hostC)" 15
two_requests "$(gw_req_hex 01 y1@hostD)" "$(gw_req_hex 01 y2@hostD)" 15
spawn "$DG_LOGDIR/raw1.log" hostA env DG_RUN_TAG="$DG_TAG" timeout 15 \
    bash -c "exec 3<>/dev/tcp/$BIP/$DG_TLS_PORT; sleep 14"
spawn "$DG_LOGDIR/raw2.log" hostA env DG_RUN_TAG="$DG_TAG" timeout 15 \
    bash -c "exec 3<>/dev/tcp/$BIP/$DG_TLS_PORT; printf '\\x16\\x03\\x01\\x02\\x00\\x01\\x00' >&3; sleep 14"
alias=$(alias_of hostB hostD)
spawn "$DG_LOGDIR/alias.log" hostB env DG_RUN_TAG="$DG_TAG" timeout 15 \
    bash -c "exec 3<>/dev/tcp/$alias/4369; printf '\\x00\\x03zab' >&3; sleep 1; printf 'more' >&3; sleep 13"
wait_for 10 grep -q 'silent: accepted' "$DG_LOGDIR/silent-hostC.log" ||
	fail "the bastion did not ask hostC's epmd"
expect_log --since "$mark" hostB "link=[0-9]+ peer=hostD connecting"
sleep 2		# the second requests have arrived

step "5 s of waiting cost no CPU"
t0=$(cpu_ticks "$PID")
sleep 5
t1=$(cpu_ticks "$PID")
hz=$(getconf CLK_TCK)
used=$(( (t1 - t0) * 1000 / hz ))
echo "# gateway CPU over 5 s of waiting: ${used} ms"
[ "$used" -lt 300 ] || fail "hostB's gateway used $used ms of CPU in 5 s while requests waited (busy loop)"
pass "hostB's gateway used $used ms of CPU in 5 s while requests waited"

step "the gateway still serves its own host"
r=$(epmd_names hostB 127.0.0.1)
[ "$r" != closed ] || fail "hostB's local EPMD did not answer NAMES"
pass "hostB's local EPMD answers NAMES while the requests wait"
