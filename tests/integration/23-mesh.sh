#!/usr/bin/env bash
# Goal of this test: a mixed cluster meshes as a flat one would.  a1 (hostA)
# and b1 (hostB) are cookie-only nodes behind distgate (each gateway with
# public_epmd, public_ports, the other gateway as a peer and hostC, hostD
# as kind native peers); c1 (hostC) and d1 (hostD) are native inet_tls_dist
# nodes with a real epmd each.  Two separate pairs first (a1 -> c1, a
# gateway node dialling a native one; d1 -> b1, a native node dialling a
# gateway one), then one connect a1 -> b1 joins them: global's connect_all
# must then complete the mesh by itself (native-native, native-gateway and
# gateway-native links): every node's nodes() lists the other three, and a
# name that c1 registers with global is seen, with the same pid, from all
# four, and answers a message from each.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
C=c1@hostC.test
D=d1@hostD.test
ALL="$A $B $C $D"

# on NODE CODE: evaluate CODE on NODE (behind distgate or native).
on() {
	local h=${1#*@}
	h=${h%.test}
	case $h in
	hostA|hostB) node_rpc "$h" "$1" "$2";;
	*) wire_rpc "$h" "$1" "$2";;
	esac
}

# gw_mesh HOST OTHER: HOST's gateway: public EPMD, OTHER as a gateway
# peer, hostC and hostD native.
gw_mesh() {
	local c=() d=()
	mapfile -t c < <(peer_native hostC)
	mapfile -t d < <(peer_native hostD)
	gw_start --peers "$2" "$1" "cookie_file = $DG_COOKIE_FILE" \
	    "public_epmd = $(host_ip "$1"):4369" "public_ports = 4400-4499" \
	    "${c[@]}" "${d[@]}"
}

# others NODE: the three nodes other than NODE, sorted, as an Erlang list.
others() {
	local n out=""
	for n in $(printf '%s\n' $ALL | grep -vx "$1" | sort); do out+="$n,"; done
	echo "[${out%,}]"
}

ns_setup 4
pki_leaf hostD
wire_host hostC
wire_host hostD
gw_mesh hostA hostB
gw_mesh hostB hostA
node_start hostA a1
node_start hostB b1
wire_start hostC c1
wire_start hostD d1

step "two separate pairs"
r=$(on "$A" "net_kernel:connect_node('$C')") || fail "rpc to a1"
expect_eq "$r" true "a1 -> c1 (gateway node dials a native one)"
r=$(on "$D" "net_kernel:connect_node('$B')") || fail "rpc to d1"
expect_eq "$r" true "d1 -> b1 (native node dials a gateway one)"
r=$(on "$A" "lists:sort(nodes())") || fail "rpc to a1"
expect_eq "$(unq "$r")" "[$C]" "a1 knows only c1 so far"

step "one connect joins them: a1 -> b1"
r=$(on "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 -> b1 (gateway to gateway)"

# full_mesh: every node's nodes() is the other three.
full_mesh() {
	local n r
	for n in $ALL; do
		r=$(on "$n" "lists:sort(nodes())") || return 1
		[ "$(unq "$r")" = "$(others "$n")" ] || {
			echo "$n: $r" >&2
			return 1
		}
	done
}
wait_for 20 full_mesh || { full_mesh; fail "no full mesh after 20 s"; }
for n in $ALL; do
	r=$(on "$n" "lists:sort(nodes())") || fail "rpc to $n"
	expect_eq "$(unq "$r")" "$(others "$n")" "$n is connected to the other three"
done

step "a global name registered on c1 (native)"
r=$(on "$C" "
	P = spawn(fun Loop() -> receive {ping, From} -> From ! {pong, node()}, Loop() end end),
	{global:register_name(mesh_c1, P), P}") || fail "rpc to c1"
expect_match "$r" '^\{yes,<[0-9.]+>\}$' "c1 registers mesh_c1 with global"
for n in $ALL; do
	r=$(on "$n" "
		ok = global:sync(),
		P = global:whereis_name(mesh_c1),
		P ! {ping, self()},
		receive {pong, W} -> {node(P), W} after 5000 -> no_answer end") || fail "rpc to $n"
	expect_eq "$(unq "$r")" "{$C,$C}" "$n sees mesh_c1 on c1 and it answers"
done
