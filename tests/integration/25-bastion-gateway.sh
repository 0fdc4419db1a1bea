#!/usr/bin/env bash
# Goal of this test: bastion routing to an internal host that runs distgate
# itself, with the edge checks still applied inside.  hostA plays the
# outside host O ([peer hostB], [peer hostC] via = hostB); hostB is the
# bastion ([peer hostA] reach = hostC; [peer hostC] of kind gateway; no
# cookie of its own); hostC's distgate has [peer hostB] (the bastion's
# certificate) whose nodes patterns admit the outside nodes, a cookie
# file and expose = app, and nftables there accepts only the bastion's
# address.  hostA cannot open TCP to hostC:4370.  a1 on hostA connects to
# app@hostC.test through the bastion (true), rpc works both ways, and both
# the bastion and hostC log the route.  c2, registered on hostC but not
# exposed, is pang from a1.  a2 on hostA with a wrong cookie is pang to
# app: hostC's gateway refuses it (bad_cookie) and app never sees it;
# a1's link to app is not disturbed.  With hostC's [peer hostB] back to its
# default nodes (*@hostB...), a3 on hostA is refused name_not_allowed.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
APP=app@hostC.test
BIP=$(host_ip hostB)
CIP=$(host_ip hostC)

ns_setup 3
only_from hostC "$BIP"

mapfile -t OUT < <(peer_via hostC hostB)
gw_start --peers hostB hostA "cookie_file = $DG_COOKIE_FILE" "${OUT[@]}"
gw_peer_lines hostB hostA "reach = hostC"
gw_start --peers "hostA hostC" hostB
gw_peer_lines hostC hostB "nodes = *@hostA.test *@hostB.test"
gw_start --peers hostB hostC "cookie_file = $DG_COOKIE_FILE" "expose = app"
node_start hostC app
node_start hostC c2
node_start hostA a1

step "hostC is reachable from the bastion only"
tcp_connects hostB "$CIP" "$DG_TLS_PORT" || fail "the bastion cannot reach hostC:$DG_TLS_PORT"
pass "the bastion opens TCP to hostC:$DG_TLS_PORT"
if tcp_connects hostA "$CIP" "$DG_TLS_PORT"; then fail "hostA reached hostC:$DG_TLS_PORT directly"; fi
pass "hostA cannot open TCP to hostC:$DG_TLS_PORT"

step "a1 -> app@hostC.test through the bastion"
markb=$(log_mark hostB)
markc=$(log_mark hostC)
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$APP')") || fail "rpc to a1"
expect_eq "$r" true "net_kernel:connect_node('$APP') from a1"
expect_log --since "$markb" hostB "bastion route peer=hostA node=app@hostC(\\.test)? via=hostC"
expect_log --since "$markc" hostC "route peer=hostB node=app( |$)"
r=$(node_rpc hostA "$A" "rpc:call('$APP', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$r")" "$APP" "rpc:call a1 -> app"
r=$(node_rpc hostC "$APP" "{lists:member('$A', nodes()), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to app"
expect_eq "$(unq "$r")" "{true,$A}" "app sees a1 and rpc:call app -> a1 works"
watch_link hostA "$A" "$APP"

step "c2 is not exposed on hostC"
r=$(node_rpc hostA "$A" "net_adm:ping('c2@hostC.test')") || fail "rpc to a1"
expect_eq "$r" pang "a1 cannot reach c2 (not in hostC's expose)"

step "a2 (wrong cookie) on hostA"
node_cookie hostA a2 "wrong$DG_COOKIE"
markc=$(log_mark hostC)
r=$(node_eval hostA a2 "net_adm:ping('$APP')") || fail "a2 on hostA"
expect_eq "$r" pang "a2 with a wrong cookie cannot reach app"
expect_log --since "$markc" hostC "audit .*dir=in peer=hostB .*initiator=a2@hostA\\.test .*verdict=refused code=bad_cookie"
expect_file_lacks "$DG_LOGDIR/node-app@hostC.log" "a2@hostA|nvalid challenge" "app never saw a2"
r=$(node_rpc hostC "$APP" "lists:sort(nodes())") || fail "rpc to app"
expect_eq "$(unq "$r")" "[$A]" "app is connected to a1 only"
link_intact hostA "$A" "$APP"

step "hostC's name rules apply to what comes through the bastion"
gw_stop hostC || true
gw_peer_lines hostC hostB
gw_start --peers hostB hostC "cookie_file = $DG_COOKIE_FILE" "expose = app"
wait_for 10 node_registered hostC app || fail "app did not register again"
markc=$(log_mark hostC)
r=$(node_eval hostA a3 "net_adm:ping('$APP')") || fail "a3 on hostA"
expect_eq "$r" pang "a3 cannot reach app once hostC's [peer hostB] admits only *@hostB names"
expect_log --since "$markc" hostC "audit .*dir=in peer=hostB .*initiator=a3@hostA\\.test .*verdict=refused code=name_not_allowed"
