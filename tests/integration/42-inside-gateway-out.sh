#!/usr/bin/env bash
# Goal of this test: a node inside, behind its own distgate, dials out
# through the bastion (issue 10 item 1, the inside-gateway variant).
# hostD is the bastion: [peer hostE] (kind gateway, the inside host)
# reaches hostA (a gateway host) and hostC (native, n1 with its epmd);
# [peer hostA] and [peer hostB] reach hostE.  hostE's distgate has [peer
# hostD], whose nodes patterns admit the outside nodes, and hostA, hostB
# and hostC as peers via hostD; nftables on hostE admits the bastion only.
# hostA and hostB have [peer hostD] admitting hostE's nodes and hostE via
# hostD.  Global's connect_all is off, so each link is the one asked for.
# Checked: no TCP from hostA to hostE:4370; e1@hostE.test connects to
# a1@hostA.test (the bastion logs the route from hostE, hostA audits e1 as
# initiator) and to n1@hostC.test (the bastion dials n1 in TLS), rpc works
# both ways on each link; e1 -> b1@hostB.test (hostB missing from hostE's
# reach) is pang and the bastion logs node_not_exposed; a1 -> e1 (the
# older direction) still works; net_adm:names("hostA.test") on e1 lists
# a1 (issue 10 item 3: NAMES through a via peer).
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
DG_ERL_ARGS="-connect_all false"

A=a1@hostA.test
B=b1@hostB.test
N=n1@hostC.test
E=e1@hostE.test
DIP=$(host_ip hostD)
EIP=$(host_ip hostE)

ns_setup 5
pki_leaf hostD
pki_leaf hostE
wire_host hostC
only_from hostE "$DIP"
wire_start hostC n1

# Outside gateway hosts: the bastion's link brings hostE's nodes.
for h in hostA hostB; do
	gw_peer_lines "$h" hostD "nodes = *@hostD.test *@hostE.test"
	mapfile -t VIA < <(peer_via hostE hostD)
	gw_start --peers hostD "$h" "cookie_file = $DG_COOKIE_FILE" "${VIA[@]}"
done
# The bastion.
gw_peer_lines hostD hostA "reach = hostE"
gw_peer_lines hostD hostB "reach = hostE"
gw_peer_lines hostD hostE "reach = hostA hostC"
mapfile -t NAT < <(peer_native hostC)
gw_start --peers "hostA hostB hostE" hostD "cookie_file = $DG_COOKIE_FILE" "${NAT[@]}"
# The inside host's own gateway: every outside host through the bastion.
gw_peer_lines hostE hostD "nodes = *@hostD.test *@hostA.test *@hostB.test *@hostC.test"
mapfile -t VIA < <(peer_via hostA hostD; peer_via hostB hostD; peer_via hostC hostD)
gw_start --peers hostD hostE "cookie_file = $DG_COOKIE_FILE" "${VIA[@]}"
node_start hostA a1
node_start hostB b1
node_start hostE e1

step "hostE is reachable from the bastion only"
tcp_connects hostD "$EIP" "$DG_TLS_PORT" || fail "the bastion cannot reach hostE:$DG_TLS_PORT"
pass "the bastion opens TCP to hostE:$DG_TLS_PORT"
if tcp_connects hostA "$EIP" "$DG_TLS_PORT"; then fail "hostA reached hostE:$DG_TLS_PORT directly"; fi
pass "hostA cannot open TCP to hostE:$DG_TLS_PORT"

step "e1 (inside) -> a1 (outside gateway host)"
markd=$(log_mark hostD)
marka=$(log_mark hostA)
r=$(node_rpc hostE "$E" "net_kernel:connect_node('$A')") || fail "rpc to e1"
expect_eq "$r" true "net_kernel:connect_node('$A') from e1"
expect_log --since "$markd" hostD "route peer=hostE node=a1@hostA(\\.test)?( |$)"
r=$(node_rpc hostE "$E" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to e1"
expect_eq "$(unq "$r")" "$A" "rpc:call e1 -> a1"
r=$(node_rpc hostA "$A" "{lists:sort(nodes()), rpc:call('$E', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{[$E],$E}" "a1 sees e1 (only) and rpc:call a1 -> e1 works"
r=$(node_rpc hostE "$E" "erlang:disconnect_node('$A')") || fail "rpc to e1"
expect_eq "$r" true "e1 disconnects from a1"
expect_log --since "$marka" hostA "audit conn=[0-9]+ dir=in .*initiator=$E acceptor=$A .*verdict=(ok|error)" 10

step "e1 (inside) -> n1 (native, outside)"
markd=$(log_mark hostD)
r=$(node_rpc hostE "$E" "net_kernel:connect_node('$N')") || fail "rpc to e1"
expect_eq "$r" true "net_kernel:connect_node('$N') from e1"
expect_log --since "$markd" hostD "route peer=hostE node=n1@hostC(\\.test)?( |$)"
expect_log --since "$markd" hostD "peer=hostC TLS TLSv1\\.[23]"
r=$(node_rpc hostE "$E" "rpc:call('$N', erlang, node, [], 5000)") || fail "rpc to e1"
expect_eq "$(unq "$r")" "$N" "rpc:call e1 -> n1"
r=$(wire_rpc hostC "$N" "{lists:sort(nodes()), rpc:call('$E', erlang, node, [], 5000)}") ||
	fail "rpc to n1"
expect_eq "$(unq "$r")" "{[$E],$E}" "n1 sees e1 (only) and rpc:call n1 -> e1 works"
r=$(node_rpc hostE "$E" "erlang:disconnect_node('$N')") || fail "rpc to e1"
expect_eq "$r" true "e1 disconnects from n1"
expect_log --since "$markd" hostD "audit conn=[0-9]+ .*initiator=$E acceptor=$N .*verdict=(ok|error)" 10

step "hostB is not in hostE's reach"
markd=$(log_mark hostD)
r=$(node_rpc hostE "$E" "net_adm:ping('$B')") || fail "rpc to e1"
expect_eq "$r" pang "e1 cannot reach b1 (hostB not in the bastion's reach for hostE)"
expect_log --since "$markd" hostD "node_not_exposed"
r=$(node_rpc hostB "$B" "nodes()") || fail "rpc to b1"
expect_eq "$r" "[]" "b1 saw no node"

step "a1 -> e1, the outside-in direction"
markd=$(log_mark hostD)
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$E'), rpc:call('$E', erlang, node, [], 5000)}") ||
	fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$E}" "a1 connects to e1 through the bastion"
expect_log --since "$markd" hostD "route peer=hostA node=e1@hostE(\\.test)?( |$)"

step "EPMD NAMES of an outside host, through the bastion"
r=$(node_rpc hostE "$E" 'net_adm:names("hostA.test")') || fail "rpc to e1"
expect_match "$r" '^\{ok,\[.*\{"a1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostA.test\") on e1 lists a1 (issue 10 item 3)"
