# mesh.sh — the four shapes of host in one cluster (scenarios 40, 41):
# mesh_setup, mesh_bastion_start, host_of, mesh_on.
#
# hostA and hostB: cookie-only nodes (a1, b1) behind distgate, each gateway
# with a public EPMD for native nodes, the other one and the bastion as
# gateway peers (the bastion's [peer hostD] admits hostE's nodes), hostC
# native and hostE via hostD.  hostC: a real epmd and native inet_tls_dist
# nodes (n1); its inetrc sends hostE.test to the bastion's public EPMD.
# hostD: the bastion; its certificate also names hostE.test (native nodes
# dialling e1 check it); [peer hostA], [peer hostB] and [peer hostC]
# (native, through the public EPMD) reach hostE, and each has an
# inside_alias on hostD (MESH_ALIAS_A/_B/_C) where hostE's nodes find that
# host; [peer hostE] (plain) reaches hostA, hostB and hostC.  hostE: a real
# epmd and plain inet_tcp nodes (e1); its inetrc sends hostA/B/C.test to
# the inside aliases, and nftables admits the bastion's addresses only.

# shellcheck shell=bash

MESH_ALIAS_A=$DG_NET.41
MESH_ALIAS_B=$DG_NET.42
MESH_ALIAS_C=$DG_NET.43

# host_of NODE: hostA for a1@hostA.test.
host_of() {
	local h=${1#*@}
	echo "${h%.test}"
}

# mesh_on [--timeout SECS] NODE CODE: evaluate Erlang CODE on the running
# NODE of any shape (hostA/hostB behind distgate, hostC native, hostE
# plain) from a hidden control node on its host; print the result.
mesh_on() {
	local t=30 h
	if [ "$1" = --timeout ]; then t=$2; shift 2; fi
	h=$(host_of "$1")
	DG_RPCS=$((${DG_RPCS:-0} + 1))
	case $h in
	hostA|hostB) node_rpc --timeout "$t" "$h" "$1" "$2";;
	hostC) wire_eval --timeout "$t" --hidden --target "$1" "$h" "ctl$DG_RPCS" "$2";;
	hostE) wire_eval --tcp --timeout "$t" --hidden --target "$1" "$h" "ctl$DG_RPCS" "$2";;
	*) fail "mesh_on: no node shape for $h";;
	esac
}

# mesh_setup: the five hosts, hostC's and hostE's epmd and inetrc, hostE's
# firewall, hostA's and hostB's gateways; MESH_BASTION holds the arguments
# of gw_config/gw_start for the bastion (see mesh_bastion_start).
mesh_setup() {
	local h o more=() in=()
	ns_setup 5
	pki_leaf hostD hostE.test hostE
	host_addr_add hostD "$MESH_ALIAS_A" "$MESH_ALIAS_B" "$MESH_ALIAS_C"
	wire_host hostC
	inetrc_write hostC "hostE=$(host_ip hostD)"
	wire_host hostE
	inetrc_write hostE "hostA=$MESH_ALIAS_A" "hostB=$MESH_ALIAS_B" "hostC=$MESH_ALIAS_C"
	only_from hostE "$(host_ip hostD)" "$MESH_ALIAS_A" "$MESH_ALIAS_B" "$MESH_ALIAS_C"
	for h in hostA hostB; do
		o=hostB
		[ "$h" = hostB ] && o=hostA
		gw_peer_lines "$h" hostD "nodes = *@hostD.test *@hostE.test"
		mapfile -t more < <(peer_native hostC; peer_via hostE hostD)
		gw_start --peers "$o hostD" "$h" "cookie_file = $DG_COOKIE_FILE" \
		    "public_epmd = $(host_ip "$h"):4369" "public_ports = 4400-4499" "${more[@]}"
	done
	gw_peer_lines hostD hostA "reach = hostE" "inside_alias = $MESH_ALIAS_A"
	gw_peer_lines hostD hostB "reach = hostE" "inside_alias = $MESH_ALIAS_B"
	mapfile -t in < <(peer_native hostC "reach = hostE" "inside_alias = $MESH_ALIAS_C"
		peer_plain hostE "reach = hostA hostB hostC")
	MESH_BASTION=(--peers "hostA hostB" hostD "cookie_file = $DG_COOKIE_FILE"
		"public_epmd = $(host_ip hostD):4369" "public_ports = 4400-4499" "${in[@]}")
}

# mesh_bastion_start: check the bastion's file with distgate -t (failing
# with -t's message when it is refused), then start the bastion.
mesh_bastion_start() {
	local cfg out
	cfg=$(gw_config "${MESH_BASTION[@]}")
	out=$(timeout 10 "$DG_BIN" -c "$cfg" -t 2>&1) ||
		fail "distgate -t refuses the bastion's file (inside_alias, reach on plain and native peers: issue 10 items 1-2): $out"
	expect_match "$out" '^configuration OK$' "-t accepts the bastion's file"
	gw_start "${MESH_BASTION[@]}"
}
