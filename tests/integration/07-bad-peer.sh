#!/usr/bin/env bash
# Goal of this test: a gateway refuses peers it must not trust, says why,
# and the healthy link is not disturbed.  hostA and hostB are a working
# pair (a1 <-> b1 connected and watched).  hostC's gateway first presents a
# certificate from another CA: hostA refuses it both when C dials A and when
# A dials C, and logs a certificate-verification reason.  Then hostC
# presents a certificate from the right CA that names hostZ.test instead of
# the configured identity hostC.test: refused both ways with a log line.
# A TLS client with no certificate is audited bad_certificate.
# Nodes on hostC never reach a1; a1 <-> b1 stays up throughout.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
VERIFY="$DG_ID.*(verif|unknown ca|bad certificate|unknown_ca)"
IDENTITY="$DG_ID.*(identity|hostZ)"

# refused_both_ways WHAT ERE: a node on hostC cannot reach a1, a1 cannot
# reach a node on hostC, and hostA logs ERE for each attempt.
refused_both_ways() {
	local what=$1 re=$2 mark r
	mark=$(log_mark hostA)
	r=$(node_eval hostC c9 "net_adm:ping('$A')") || fail "c9 on hostC"
	expect_eq "$r" pang "$what: a node on hostC cannot reach a1"
	expect_log --since "$mark" hostA "$re"
	mark=$(log_mark hostA)
	r=$(node_rpc hostA "$A" "net_adm:ping('c1@hostC.test')") || fail "rpc to a1"
	expect_eq "$r" pang "$what: a1 cannot reach hostC"
	expect_log --since "$mark" hostA "$re"
	r=$(node_rpc hostA "$A" "[N || N <- nodes(), N =/= '$B']") || fail "rpc to a1"
	expect_eq "$r" "[]" "$what: a1 is connected to nothing but b1"
}

ns_setup 3
gw_start hostA
gw_start hostB
node_start hostB b1
node_start hostA a1
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
watch_link hostA "$A" "$B"

step "hostC with a certificate from another CA"
gw_start --cert rogue hostC
node_start hostC c1
refused_both_ways "other CA" "$VERIFY"
link_intact hostA "$A" "$B"

step "hostC with a valid certificate for hostZ.test"
gw_stop hostC || true
gw_start --cert hostZ hostC
wait_for 10 node_registered hostC c1 || fail "c1 did not re-register on hostC"
refused_both_ways "identity mismatch" "$IDENTITY"

step "a client that sends no certificate"
mark=$(log_mark hostA)
r=$(in_ns hostC timeout 5 openssl s_client -connect "$(host_ip hostA):$DG_TLS_PORT" \
    -CAfile "$DG_PKI/ca.crt" </dev/null 2>&1 || true)
expect_log --since "$mark" hostA "audit .*dir=in .*verdict=refused code=bad_certificate reason=\"no client certificate\""

step "a1 <-> b1 after all that"
link_intact hostA "$A" "$B"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "rpc b1 -> a1"
