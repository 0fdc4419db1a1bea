#!/usr/bin/env bash
# Goal of this test: distgate alone is a host's EPMD.  In one namespace
# with no epmd daemon at all, an erl node registers with distgate and
# `epmd -names` lists it; a restarted node gets a new creation; malformed
# EPMD traffic on 127.0.0.1:4369 (unknown request, text, Length 0, Length
# 65535, a truncated packet, two requests in one packet) is logged with a
# reason and closed while the registered node stays registered; ALIVE2 on a
# peer's alias address is refused; a request sent on a registration
# connection drops that registration; 4369 is not reachable from the wire;
# SIGTERM stops distgate with status 0.
source "$(dirname "$0")/lib.sh"
require_root

# Lines about one of our probe connections, with some reason in them.
REASON="$DG_ID.*(reason|invalid|bad|garbage|unknown|unexpected|too|length|size|refus|denied|not allowed|closed|eof|truncat|incomplete|timeout|error|fail)"

# no_epmd_in HOST: no process called epmd runs in HOST's namespace.
no_epmd_in() {
	local p
	for p in $(ip netns pids "$(ns_of "$1")"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = epmd ] && return 1
	done
	return 0
}

# garbage NAME DATA [SECS]: send DATA to 127.0.0.1:4369, expect distgate
# to close the connection (unless SECS is 0) and log a reason.
garbage() {
	local name=$1 data=$2 secs=${3:-5} mark reply rc=0
	mark=$(log_mark hostA)
	reply=$(raw_send hostA 127.0.0.1 4369 "$data" "$secs") || rc=$?
	if [ "$secs" != 0 ]; then
		expect_eq "$rc" 0 "$name: distgate closes the connection"
		expect_eq "$reply" "" "$name: no reply"
	fi
	expect_log --since "$mark" hostA "$REASON"
}

ns_setup 1
gw_start --peers hostB hostA
no_epmd_in hostA || fail "an epmd process runs in hostA"

step "a node registers with distgate"
node_start hostA a1
no_epmd_in hostA || fail "an epmd process runs in hostA after the node started"
pass "no epmd daemon in the namespace: distgate serves EPMD"
names=$(in_ns hostA timeout 5 epmd -names) || fail "epmd -names failed"
expect_match "$names" '^epmd: up and running on port 4369' "epmd -names talks to distgate"
expect_match "$names" '^name a1 at port [0-9]+$' "epmd -names lists a1"
port_a1=$(node_port hostA a1)

step "a restarted node gets a new creation"
c1=$(node_eval hostA c1 'erlang:system_info(creation)') || fail "first c1"
wait_for 5 not node_registered hostA c1 || fail "c1 still registered after halt"
c2=$(node_eval hostA c1 'erlang:system_info(creation)') || fail "second c1"
expect_match "$c1" '^[0-9]+$' "creation is a number ($c1)"
[ "$c1" != "$c2" ] || fail "creation did not change: $c1 then $c2"
[ "$c1" -ge 4 ] && [ "$c2" -ge 4 ] || fail "creation below 4: $c1, $c2"
pass "creation changed on restart: $c1 -> $c2"

step "well-formed requests over raw TCP"
reply=$(raw_send hostA 127.0.0.1 4369 '\x00\x01n') || fail "NAMES: rc $?"
expect_match "$reply" '^00 00 11 11 ' "NAMES reply starts with port 4369"
reply=$(raw_send hostA 127.0.0.1 4369 '\x00\x07znosuch') || fail "PORT_PLEASE2: rc $?"
expect_eq "$reply" "77 01" "PORT_PLEASE2 for an unknown node: w, 1, close"

step "malformed EPMD traffic"
rnd=$(od -An -N40 -tx1 /dev/urandom | tr -s ' \n' ' ' | sed 's/ $//; s/ /\\x/g')
garbage "unknown request" "\\x00\\x29\\xee$rnd"
garbage "plain text" 'GET / HTTP/1.0\r\n\r\n'
garbage "Length 0" '\x00\x00'
garbage "Length 65535" '\xff\xff\x78\x00\x01\x02\x03\x04\x05\x06'
garbage "truncated then closed" '\x00\x20\x7a\x61\x62' 0
garbage "two requests in one packet" '\x00\x01n\x00\x01n'

step "the node survived all that"
node_registered hostA a1 || fail "a1 lost its registration"
expect_eq "$(node_port hostA a1)" "$port_a1" "a1 still registered on port $port_a1"
r=$(node_rpc hostA a1@hostA.test 'node()') || fail "rpc to a1"
expect_eq "$r" "'a1@hostA.test'" "a1 still reachable locally"

step "registration on an alias address is refused"
# alive2 NAME: ALIVE2 for a 4-letter NAME: port 5555, normal node, tcp,
# versions 6..5, no extra (17 bytes after the length).
alive2() { printf '%s' "\\x00\\x11\\x78\\x15\\xb3\\x4d\\x00\\x00\\x06\\x00\\x05\\x00\\x04$1\\x00\\x00"; }
rc=0
reply=$(raw_send hostA 127.0.0.1 4369 "$(alive2 good)" 1) || rc=$?
expect_match "$reply" '^76 00( [0-9a-f]{2}){4}$' "control: the same ALIVE2 on 127.0.0.1 registers"
expect_eq "$rc" 124 "control: the registration connection stays open"
alias_b=$(alias_of hostA hostB)
expect_match "$alias_b" '^127\.0\.1\.[0-9]+$' "hostB has an alias ($alias_b)"
mark=$(log_mark hostA)
rc=0
reply=$(raw_send hostA "$alias_b" 4369 "$(alive2 evil)") || rc=$?
expect_nomatch "$reply" '^(76|79) 00' "ALIVE2 on the alias gets no success reply"
expect_eq "$rc" 0 "ALIVE2 on the alias: connection closed"
expect_log --since "$mark" hostA "$DG_ID.*(alias|refus|not allowed|denied)"
if node_registered hostA evil; then fail "evil got registered"; fi
pass "evil is not registered"

step "a second request on a registration connection"
# Register "late", wait for the reply, then send NAMES on the same socket:
# like epmd, distgate must drop that registration and close.
mark=$(log_mark hostA)
out=$(in_ns hostA timeout --foreground 20 bash -c '
	trap "" PIPE
	exec 3<>/dev/tcp/127.0.0.1/4369 || exit 2
	printf %b "$1" >&3
	first=$(timeout 5 head -c 6 <&3 | od -An -v -tx1)
	echo first $first
	sleep 0.5
	printf %b "\x00\x01n" >&3
	timeout 5 cat <&3 >/dev/null 2>&1
	echo closed $?' dialog "$(alive2 late)") || fail "dialog failed: $out"
expect_match "$out" '^first 76 00( [0-9a-f]{2}){4}$' "late registered first"
expect_match "$out" '^closed (0|1)$' "distgate closed the registration after the second request"
expect_log --since "$mark" hostA "$DG_ID.*late.*(unregister|closed|unexpected)"
wait_for 5 not node_registered hostA late || fail "late is still registered"
pass "late is no longer registered"
node_registered hostA a1 || fail "a1 lost its registration"
pass "a1 is still registered"

step "EPMD is not on the wire"
if tcp_connects hostA "$(host_ip hostA)" 4369; then
	fail "distgate accepts EPMD on $(host_ip hostA):4369"
fi
pass "nothing listens on $(host_ip hostA):4369"

step "SIGTERM stops distgate cleanly"
rc=0
gw_stop hostA TERM || rc=$?
expect_eq "$rc" 0 "distgate exits 0 on SIGTERM"
