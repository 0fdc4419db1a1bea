#!/usr/bin/env bash
# Goal of this test: a native inet_tls_dist node reaches a cookie-only node
# behind distgate.  hostC runs no distgate: a real epmd and n1@hostC.test
# started with -proto_dist inet_tls and hostC's certificate; its inetrc maps
# hostB.test to B's wire address.  hostB's distgate has public_epmd on
# 10.77.0.2:4369, public_ports, expose = b1 and a [peer hostC] of kind
# native; b1 and b2 run there.  n1 connects to b1 (true), rpc works both
# ways, a global name on b1 answers n1, and B's audit line for it says
# dir=in, peer=hostC, hostC.test's certificate, verdict ok.  On the public
# EPMD: PORT_PLEASE2 answers b1's pinned port and "not found" for b2 (not
# exposed) and nosuch; NAMES lists nothing with public_names = no and only
# b1 with yes; ALIVE2 is refused; b1's port is the same after a restart.
# B's edge checks hold for native nodes: a wrong cookie is refused
# (bad_cookie) before b1 sees it, a hidden native node is refused
# (hidden_not_allowed).
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B=b1@hostB.test
N=n1@hostC.test
BIP=$(host_ip hostB)

SERVER='
Srv = spawn(fun Loop() ->
	receive {ping, From, Msg} ->
		io:format("b1 got ~p~n", [Msg]),
		From ! {pong, node(), Msg},
		Loop()
	end end),
yes = global:register_name(b1_server, Srv)'

# gw_b NAMES: start hostB's gateway, public_names = NAMES.
gw_b() {
	local peer=()
	mapfile -t peer < <(peer_native hostC)
	gw_start --peers " " hostB "cookie_file = $DG_COOKIE_FILE" \
	    "public_epmd = $BIP:4369" "public_ports = 4400-4499" \
	    "public_names = $1" "expose = b1" "${peer[@]}"
}

ns_setup 3
wire_host hostC
gw_b no
node_start hostB b1 erl name "$SERVER"
node_start hostB b2

step "the public EPMD, public_names = no"
p=$(epmd_port_please hostC "$BIP" b1)
expect_match "$p" '^44[0-9][0-9]$' "PORT_PLEASE2 b1 on the public EPMD answers a port of public_ports"
wait_for 5 listening hostB "$p" || fail "nothing listens on b1's port $p"
pass "b1's pinned port $p is open on hostB"
expect_eq "$(epmd_port_please hostC "$BIP" b2)" none "PORT_PLEASE2 b2 (not exposed) is not found"
expect_eq "$(epmd_port_please hostC "$BIP" nosuch)" none "PORT_PLEASE2 nosuch is not found"
r=$(epmd_names hostC "$BIP")
expect_nomatch "$r" 'name ' "NAMES on the public EPMD lists no node"
r=$(epmd_alive2 hostC "$BIP" evil)
expect_nomatch "$r" '^(76|79) 00' "ALIVE2 on the public EPMD is refused (reply '$r')"
expect_nomatch "$(epmd_port_please hostC "$BIP" evil)" '^[0-9]+$' "evil did not get registered"

step "n1 (native TLS) connects to b1"
wire_start hostC n1
r=$(wire_rpc hostC "$N" "net_kernel:connect_node('$B')") || fail "rpc to n1"
expect_eq "$r" true "net_kernel:connect_node('$B') from n1"
r=$(wire_rpc hostC "$N" "rpc:call('$B', erlang, node, [], 5000)") || fail "rpc to n1"
expect_eq "$(unq "$r")" "$B" "rpc:call n1 -> b1"
r=$(node_rpc hostB "$B" "{lists:member('$N', nodes()), rpc:call('$N', erlang, node, [], 5000)}") ||
	fail "rpc to b1"
expect_eq "$(unq "$r")" "{true,$N}" "b1 sees n1 and rpc:call b1 -> n1 works"
r=$(wire_rpc hostC "$N" "
	ok = global:sync(),
	P = global:whereis_name(b1_server),
	P ! {ping, self(), <<\"hello from n1\">>},
	receive {pong, W, M} -> {W, M} after 5000 -> no_answer end") || fail "rpc to n1"
expect_eq "$(unq "$r")" "{$B,<<\"hello from n1\">>}" "b1's global server answered n1"
wait_for 5 grep -q 'b1 got <<"hello from n1">>' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "b1 did not print the message"
pass "b1 printed n1's message"

step "B's audit line for the native connection"
mark=$(log_mark hostB)
r=$(wire_rpc hostC "$N" "erlang:disconnect_node('$B')") || fail "rpc to n1"
expect_eq "$r" true "n1 disconnects from b1"
expect_log --since "$mark" hostB "audit conn=[0-9]+ dir=in peer=hostC .*san=\"[^\"]*hostC\\.test[^\"]*\" initiator=$N acceptor=$B " 10
AUDIT=$(log_grep hostB "$mark" "audit .*initiator=$N" | head -n 1)
expect_match "$AUDIT" "$DG_AUDIT_RE" "the audit line has every field of the contract"

step "b2 is not reachable from n1"
r=$(wire_rpc hostC "$N" "net_adm:ping('b2@hostB.test')") || fail "rpc to n1"
expect_eq "$r" pang "n1 cannot reach b2 (not exposed)"

step "B's edge checks apply to native nodes"
mark=$(log_mark hostB)
node_cookie hostC w1 "wrong$DG_COOKIE"
r=$(wire_eval hostC w1 "net_adm:ping('$B')") || fail "w1 on hostC"
expect_eq "$r" pang "w1 (native, wrong cookie) cannot reach b1"
expect_log --since "$mark" hostB "audit .*dir=in peer=hostC .*initiator=w1@hostC\\.test .*verdict=refused code=bad_cookie"
expect_file_lacks "$DG_LOGDIR/node-b1@hostB.log" "w1@hostC|nvalid challenge" "b1 never saw w1"
mark=$(log_mark hostB)
r=$(wire_eval --hidden hostC h1 "net_adm:ping('$B')") || fail "h1 on hostC"
expect_eq "$r" pang "h1 (native, hidden) cannot reach b1 (allow_hidden = no)"
expect_log --since "$mark" hostB "audit .*dir=in peer=hostC .*initiator=h1@hostC\\.test .*verdict=refused code=hidden_not_allowed"

step "public_names = yes, after a gateway restart"
gw_stop hostB || true
gw_b yes
wait_for 10 node_registered hostB b1 || fail "b1 did not register again"
wait_for 10 node_registered hostB b2 || fail "b2 did not register again"
expect_eq "$(epmd_port_please hostC "$BIP" b1)" "$p" "b1 has the same public port after the restart"
r=$(epmd_names hostC "$BIP")
expect_match "$r" "name b1 at port $p" "NAMES lists b1 with its public port"
expect_nomatch "$r" 'name b2 ' "NAMES does not list b2 (not exposed)"
r=$(wire_rpc hostC "$N" "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "rpc to n1"
expect_eq "$(unq "$r")" "{true,$B}" "n1 reaches b1 again after the restart"

# Last, so that everything above has been checked: OTP's inet_tls_dist ends
# a connection without a TLS close_notify; that is its normal way to close.
step "the verdict of n1's disconnect"
expect_eq "$(audit_field "$AUDIT" verdict) $(audit_field "$AUDIT" code)" "ok ok" \
	"a native node's ordinary disconnect is audited verdict=ok code=ok"
