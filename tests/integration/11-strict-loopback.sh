#!/usr/bin/env bash
# Goal of this test: with strict_loopback = yes, distgate registers only
# nodes whose distribution port listens on loopback alone.  A node started
# with inet_dist_use_interface {127,0,0,1} registers; a node listening on
# every address is refused (and says so); an ALIVE2 naming a port that
# listens on the namespace's wire address (distgate's own TLS port) gets
# result 1, while one naming a loopback-only port (4369) is accepted.
source "$(dirname "$0")/lib.sh"
require_root

# alive2 NAME PORT_HEX: ALIVE2 for a 4-letter NAME on port PORT_HEX
# ("\x11\x12"), normal node, tcp, versions 6..5, no extra.
alive2() { printf '%s' "\\x00\\x11\\x78$2\\x4d\\x00\\x00\\x06\\x00\\x05\\x00\\x04$1\\x00\\x00"; }

ns_setup 1
gw_start --peers hostB hostA "strict_loopback = yes"

step "a loopback-only node registers"
node_start hostA a1
pass "a1 (inet_dist_use_interface {127,0,0,1}) registered"

step "a node listening on every address is refused"
mark=$(log_mark hostA)
if DG_NODE_LOOPBACK=0 node_eval --timeout 20 hostA w1 'node()' >/dev/null 2>&1; then
	fail "w1, listening beyond loopback, started as a distributed node"
fi
pass "w1 could not start distribution"
grep -qE 'register/listen error|duplicate_name|Protocol .inet_tcp.' \
    "$DG_LOGDIR"/eval-*-w1@hostA.log || fail "w1 printed no registration error"
pass "w1 reports the refused registration"
expect_log --since "$mark" hostA "$DG_ID.*w1.*(refus|loopback)"
if node_registered hostA w1; then fail "w1 is registered"; fi
pass "w1 is not registered"

step "raw ALIVE2 with a wire port and with a loopback port"
reply=$(raw_send hostA 127.0.0.1 4369 "$(alive2 wide '\x11\x12')") || true
expect_match "$reply" '^76 01' "ALIVE2 for port $DG_TLS_PORT (on $(host_ip hostA)): result 1"
rc=0
reply=$(raw_send hostA 127.0.0.1 4369 "$(alive2 loop '\x11\x11')" 1) || rc=$?
expect_match "$reply" '^76 00' "ALIVE2 for port 4369 (loopback only): result 0"
expect_eq "$rc" 124 "that registration stays open"
