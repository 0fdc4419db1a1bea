#!/usr/bin/env bash
# Goal of this test: the certificates of deploy/distgate-pki work for real.
# The helper makes a CA and certificates for hostA, hostB (gateways) and
# hostC (a native inet_tls_dist host, no distgate), and both gateways run
# with its CRL.  The seed story (scenario 03: connect, global name,
# message, rpc both ways, net_adm:names, a quick pang) plays between a1 on
# hostA and b1 on hostB; n1 on hostC, started with the ssl_dist_optfile
# the helper prints, connects to b1 through B's public EPMD and rpc works
# both ways.  Then hostA is revoked with the helper and both gateways
# restart with the new CRL: a1 can no longer reach b1 (B logs
# code=bad_certificate for hostA's address), nor b1 a1, while n1 still
# can.  After `distgate-pki renew` (a new key and certificate, same names)
# and a restart of gateway A, a1 reaches b1 again.  Last, hostC is revoked
# and B, restarted, refuses n1 (bad_certificate) while a1 still connects.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/story.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
HB=hostB.test
N=n1@hostC.test
BIP=$(host_ip hostB)
PKI=$DG_ROOT/deploy/distgate-pki

ns_setup 3
# The gateways' [tls] files come from $DG_PKI (gw_config): the helper's
# directory instead of the throwaway one pki_setup made.
DG_PKI=$DG_WORK/cluster-pki
DG_TLS_LINES="crl = $DG_PKI/crl.pem"

# dist_optfile HOST: native nodes on HOST use the optfile the helper prints
# (replaces lib/wire.sh's own, which wire_cmd calls).
dist_optfile() {
	local f=$DG_LOGDIR/ssl_dist-$1-helper.conf
	[ -e "$f" ] || "$PKI" optfile "$DG_PKI" "$1" --prefix "$DG_PKI" >"$f" ||
		fail "distgate-pki optfile $1"
	echo "$f"
}

# gw_a, gw_b: start the gateways, both with the helper's CRL; B also serves
# native nodes on hostC (as in scenario 20).
gw_a() {
	gw_start --peers "hostB" hostA "cookie_file = $DG_COOKIE_FILE"
}
gw_b() {
	local peer=()
	mapfile -t peer < <(peer_native hostC)
	gw_start --peers "hostA" hostB "cookie_file = $DG_COOKIE_FILE" \
	    "public_epmd = $BIP:4369" "public_ports = 4400-4499" "${peer[@]}"
}

step "the cluster PKI, made with distgate-pki"
"$PKI" init "$DG_PKI" --days 30 >"$DG_LOGDIR/pki.out" || fail "distgate-pki init"
for h in hostA hostB hostC; do
	"$PKI" issue "$DG_PKI" "$h" --dns "$h.test" --days 2 >>"$DG_LOGDIR/pki.out" ||
		fail "distgate-pki issue $h"
done
expect_file_lacks "$DG_LOGDIR/pki.out" 'PRIVATE KEY' "the helper printed no key"
expect_eq "$(stat -c %a "$DG_PKI/hostA.key")" 600 "hostA.key is mode 600"
SERIAL_A=$(openssl x509 -in "$DG_PKI/hostA.crt" -noout -serial | cut -d= -f2)

gw_a
gw_b
node_start hostB b1 erl name "$STORY_SERVER"
node_start hostA a1 erl name
wire_host hostC
wire_start hostC n1

story_play

step "a native node with the helper's optfile"
r=$(wire_rpc hostC "$N" "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "rpc to n1"
expect_eq "$(unq "$r")" "{true,$B}" "n1 (helper's optfile) connects to b1 and rpc works"
r=$(node_rpc hostB "$B" "rpc:call('$N', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$N" "rpc:call b1 -> n1"
expect_log hostB "conn=[0-9]+ route peer=hostC node=b1"

step "revoke hostA; the gateways restart with the new CRL"
"$PKI" revoke "$DG_PKI" hostA --reason keyCompromise >>"$DG_LOGDIR/pki.out" ||
	fail "distgate-pki revoke hostA"
openssl crl -in "$DG_PKI/crl.pem" -noout -text | grep -q "Serial Number: $SERIAL_A" ||
	fail "the CRL does not list hostA's serial $SERIAL_A"
pass "the CRL lists hostA's serial"
gw_stop hostB || true
gw_stop hostA || true
node_stop hostA a1
gw_b
gw_a
node_start hostA a1 erl name
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
mark=$(log_mark hostB)
r=$(node_rpc hostA "$A" "net_adm:ping('$B')") || fail "rpc to a1"
expect_eq "$r" pang "a1 cannot reach b1 with hostA's revoked certificate"
expect_log --since "$mark" hostB "audit .*addr=$(host_ip hostA):[0-9]+ .*verdict=refused code=bad_certificate reason=\"[^\"]*revoked" 10
r=$(node_rpc hostB "$B" "net_adm:ping('$A')") || fail "rpc to b1"
expect_eq "$r" pang "b1 cannot reach a1 either (B refuses hostA's server certificate)"
r=$(wire_rpc hostC "$N" "net_adm:ping('$B')") || fail "rpc to n1"
expect_eq "$r" pong "n1 (not revoked) still reaches b1"

step "renew hostA: a new key and certificate with the same names"
"$PKI" renew "$DG_PKI" hostA >>"$DG_LOGDIR/pki.out" || fail "distgate-pki renew hostA"
expect_eq "$(openssl x509 -in "$DG_PKI/hostA.crt" -noout -ext subjectAltName | sed -n '2p' | tr -d ' ')" \
	"DNS:hostA,DNS:hostA.test" "the renewed certificate has hostA's names"
gw_stop hostA || true
gw_a
wait_for 10 node_registered hostA a1 || fail "a1 did not register again"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B}" "a1 reaches b1 again with the renewed certificate"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "and b1 reaches a1"

step "revoke hostC: B refuses its native node too"
"$PKI" revoke "$DG_PKI" hostC >>"$DG_LOGDIR/pki.out" || fail "distgate-pki revoke hostC"
gw_stop hostB || true
gw_b
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
mark=$(log_mark hostB)
r=$(wire_rpc hostC "$N" "net_adm:ping('$B')") || fail "rpc to n1"
expect_eq "$r" pang "n1 cannot reach b1 with hostC's revoked certificate"
expect_log --since "$mark" hostB "audit .*addr=$(host_ip hostC):[0-9]+ .*verdict=refused code=bad_certificate reason=\"[^\"]*revoked" 10
r=$(node_rpc hostA "$A" "net_adm:ping('$B')") || fail "rpc to a1"
expect_eq "$r" pong "a1 (renewed) still reaches b1"
