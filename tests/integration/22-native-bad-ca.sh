#!/usr/bin/env bash
# Goal of this test: native TLS nodes are held to the same certificate
# rules as gateways, both ways, and TLS versions are enforced.  hostB's
# distgate (public_epmd, public_ports, [peer hostC] kind = native) runs
# b1, which logs every nodeup it sees; hostC runs a real epmd and native
# nodes.  Inbound at b1's pinned port: a native node whose certificate
# comes from another CA (rogue) is refused with bad_certificate, one with
# a valid certificate for hostZ.test with identity_not_allowed; b1 never
# sees either.  Outbound from b1: a native node presenting the rogue
# certificate, or hostZ's, is refused too (pang; audited with the failed
# link's code, bad_certificate or identity_not_allowed, and the reason).
# The native client checks the host name: with B's gateway presenting hostZ's
# certificate, n1 cannot reach b1@hostB.test.  With public_min_version =
# 1.3, a default OTP 25 node (TLS 1.2) is refused and one with versions
# [tlsv1.3] gets in; with [peer hostC] min_version = 1.3 the same holds
# for b1 dialling out.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B=b1@hostB.test
BIP=$(host_ip hostB)
BLOG=$DG_LOGDIR/node-b1@hostB.log

# b1 prints every node that comes up, hidden ones included.
WATCHER='
spawn(fun() ->
	ok = net_kernel:monitor_nodes(true, [{node_type, all}]),
	(fun Loop() -> receive {nodeup, Nd, _} -> io:format("nodeup ~p~n", [Nd]), Loop();
		_ -> Loop() end end)()
	end)'

# gw_b [--cert C] [LINE...]: start hostB's gateway; LINEs go to [gateway].
gw_b() {
	local cert=() peer=()
	if [ "${1:-}" = --cert ]; then cert=(--cert "$2"); shift 2; fi
	mapfile -t peer < <(peer_native hostC "${DG_PEER_C[@]}")
	gw_start "${cert[@]}" --peers " " hostB "cookie_file = $DG_COOKIE_FILE" \
	    "public_epmd = $BIP:4369" "public_ports = 4400-4499" "$@" "${peer[@]}"
}

# refused_in CERT NAME ERE: a native node NAME on hostC presenting CERT
# cannot reach b1, B logs ERE, and b1 never saw NAME.
refused_in() {
	local crt=$1 n=$2 re=$3 mark r
	mark=$(log_mark hostB)
	r=$(wire_eval --cert "$crt" hostC "$n" "net_adm:ping('$B')") || fail "$n on hostC"
	expect_eq "$r" pang "$n ($crt's certificate) cannot reach b1"
	expect_log --since "$mark" hostB "$re"
	expect_file_lacks "$BLOG" "nodeup '?$n@" "b1 never saw $n"
}

# refused_out NAME ERE: b1 cannot reach the native node NAME on hostC and
# B logs ERE.
refused_out() {
	local n=$1 re=$2 mark r
	mark=$(log_mark hostB)
	r=$(node_rpc hostB "$B" "net_adm:ping('$n@hostC.test')") || fail "rpc to b1"
	expect_eq "$r" pang "b1 cannot reach $n"
	expect_log --since "$mark" hostB "$re"
}

ns_setup 3
wire_host hostC
DG_PEER_C=()
gw_b
node_start hostB b1 erl name "$WATCHER"

step "a working native node first"
r=$(wire_eval hostC n0 "net_adm:ping('$B')") || fail "n0 on hostC"
expect_eq "$r" pong "n0 (hostC's certificate) reaches b1"
wait_for 5 grep -q "nodeup 'n0@hostC.test'" "$BLOG" || fail "b1 did not log n0's nodeup"
pass "b1 logged n0's nodeup (the watcher works)"

step "inbound: certificates B must refuse"
refused_in rogue r1 "audit .*dir=in .*verdict=refused code=bad_certificate"
refused_in hostZ z1 "audit .*dir=in .*verdict=refused code=identity_not_allowed"

step "outbound: native nodes B must refuse"
wire_start --cert rogue hostC r2
refused_out r2 "audit .*dir=out peer=hostC .*code=bad_certificate reason=\"[^\"]*certificate verify failed"
wire_start --cert hostZ hostC z2
refused_out z2 "audit .*dir=out peer=hostC .*code=identity_not_allowed reason=\"[^\"]*(identity|hostZ)"
r=$(node_rpc hostB "$B" "nodes()") || fail "rpc to b1"
expect_eq "$r" "[]" "b1 is connected to no visible node"

step "the native client checks B's host name"
gw_stop hostB || true
gw_b --cert hostZ
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
mark=$(log_mark hostB)
r=$(wire_eval hostC n2 "net_adm:ping('$B')") || fail "n2 on hostC"
expect_eq "$r" pang "n2 refuses a gateway whose certificate does not name hostB.test"
expect_log --since "$mark" hostB "audit .*dir=in .*verdict=(refused|error)"
expect_file_lacks "$BLOG" "nodeup 'n2@" "b1 never saw n2"

step "public_min_version = 1.3"
gw_stop hostB || true
gw_b "public_min_version = 1.3"
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
mark=$(log_mark hostB)
r=$(wire_eval hostC n3 "net_adm:ping('$B')") || fail "n3 on hostC"
expect_eq "$r" pang "n3 (OTP 25 default: TLS 1.2) is refused"
expect_log --since "$mark" hostB "audit .*dir=in .*verdict=(refused|error)"
expect_file_lacks "$BLOG" "nodeup 'n3@" "b1 never saw n3"
r=$(DG_DIST_RENEG=0 DG_DIST_OPTS="{versions, ['tlsv1.3']}" wire_eval hostC n5 "net_adm:ping('$B')") || fail "n5 on hostC"
expect_eq "$r" pong "n5 with versions [tlsv1.3] reaches b1"
expect_log --since "$mark" hostB "TLSv1\\.3 .*peer=hostC"

step "[peer hostC] min_version = 1.3, b1 dialling out"
gw_stop hostB || true
DG_PEER_C=("min_version = 1.3")
gw_b
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
wire_start hostC n6
refused_out n6 "audit .*dir=out peer=hostC .*code=tls_failed reason=\"[^\"]*protocol version"
mark=$(log_mark hostB)
DG_DIST_RENEG=0 DG_DIST_OPTS="{versions, ['tlsv1.3']}" wire_start hostC n7
r=$(node_rpc hostB "$B" "{net_adm:ping('n7@hostC.test'), rpc:call('n7@hostC.test', erlang, node, [], 5000)}") ||
	fail "rpc to b1"
expect_eq "$(unq "$r")" "{pong,n7@hostC.test}" "b1 reaches n7 (versions [tlsv1.3])"
expect_log --since "$mark" hostB "link=[0-9]+ peer=hostC TLS TLSv1\\.3"
