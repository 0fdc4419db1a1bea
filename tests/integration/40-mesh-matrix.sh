#!/usr/bin/env bash
# Goal of this test: every shape of host reaches every other, in both
# directions (issue 10).  Four nodes: a1 on hostA and b1 on hostB
# (cookie-only, behind distgate, each gateway with a public EPMD), n1 on
# hostC (native inet_tls_dist, a real epmd), e1 on hostE (plain inet_tcp,
# a real epmd, nftables admitting only the bastion's addresses).  hostD is
# the bastion: [peer hostA] and [peer hostB] reach hostE, [peer hostC]
# (native) reaches hostE through the bastion's public EPMD, and [peer
# hostE] (plain) reaches hostA, hostB and hostC, each of which has an
# inside_alias, an address of the bastion where hostE's nodes find it.
# The bastion's certificate also names hostE.test, which n1 checks when it
# dials e1.  Checked: hostE is reachable from the bastion only (no TCP from
# hostA, hostB, hostC); an inside alias answers hostE, not an outside host;
# from each node, net_adm:ping of each other node is pong, with global's
# connect_all off and every link closed before each ping, so that each
# link is the one the ping made, and a gateway on the way audits it with
# that node as initiator (the matrix is printed in full before any pair
# is judged); net_adm:names through the bastion lists e1 on hostA, and
# a1, b1 (not a1 for hostB) and n1 from hostE, and never e1 from the
# native n1; and `distgate -t` refuses, with exit 1 and a reason naming
# the key, a native peer with reach but no public EPMD, a plain peer whose
# reach names a peer without inside_alias, and an inside_alias that no
# plain peer reaches.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
# global opens no link by itself: every link below is the one a ping made.
DG_ERL_ARGS="-connect_all false"

A=a1@hostA.test
B=b1@hostB.test
N=n1@hostC.test
E=e1@hostE.test
ALL="$A $B $N $E"
EIP=$(host_ip hostE)

# What each direction needs (for the failure messages).
needs() {
	case "$(host_of "$1")/$(host_of "$2")" in
	hostE/*) echo "issue 10 item 1: inside nodes dial out through the bastion";;
	hostC/hostE) echo "issue 10 item 2: native nodes reach inside nodes";;
	*) echo "worked before issue 10";;
	esac
}

mesh_setup

step "the bastion's configuration"
mesh_bastion_start
GOOD=$DG_LOGDIR/gw-hostD.ini

# refused NAME KEYS SED-ARGS...: the bastion's file edited by sed is
# refused by -t: exit 1, "FILE:LINE: KEY: reason" with KEY one of KEYS
# (an ERE), and not for an unknown key.
refused() {
	local name=$1 keys=$2 f out rc=0
	shift 2
	f=$DG_LOGDIR/bad-$name.ini
	sed "$@" "$GOOD" >"$f"
	cmp -s "$f" "$GOOD" && fail "test bug: the edit for $name changed nothing"
	out=$(timeout 10 "$DG_BIN" -c "$f" -t 2>&1) || rc=$?
	expect_eq "$rc" 1 "$name: -t exits 1"
	expect_nomatch "$out" 'unknown key|configuration OK' "$name: refused for what it says, not for a key -t does not know"
	expect_match "$out" "bad-$name\\.ini:[0-9]+: ($keys): .+" "$name: the reason names the line and the key (${out##*/})"
}
refused native-reach-without-public-epmd 'reach|public_epmd|public_ports' \
	-e '/^public_epmd = /d' -e '/^public_ports = /d'
refused plain-reach-without-alias 'reach|inside_alias' -e "/^inside_alias = $MESH_ALIAS_B\$/d"
refused alias-nobody-reaches 'inside_alias|reach' -e 's/^reach = hostA hostB hostC$/reach = hostA hostC/'

node_start hostA a1
node_start hostB b1
wire_start hostC n1
wire_start --tcp hostE e1

step "hostE is reachable from the bastion only"
port=$(node_port hostE e1)
[ -n "$port" ] || fail "e1's port unknown"
for p in 4369 "$port"; do
	tcp_connects hostD "$EIP" "$p" || fail "the bastion cannot reach hostE:$p"
	pass "the bastion opens TCP to hostE:$p"
	for h in hostA hostB hostC; do
		if tcp_connects "$h" "$EIP" "$p"; then fail "$h reached hostE:$p directly"; fi
		pass "$h cannot open TCP to hostE:$p"
	done
done

step "the inside aliases answer hostE only"
r=$(epmd_port_please hostE "$MESH_ALIAS_A" a1)
expect_match "$r" '^[0-9]+$' "hostE asks $MESH_ALIAS_A (hostA's inside alias) for a1: a port"
r=$(epmd_port_please hostE "$MESH_ALIAS_A" b1)
expect_eq "$r" none "hostE asks $MESH_ALIAS_A for b1 (on hostB): not found"
r=$(epmd_port_please hostB "$MESH_ALIAS_A" a1)
expect_nomatch "$r" '^[0-9]+$' "hostB asks $MESH_ALIAS_A for a1: no port ($r)"

step "the reachability matrix"
# Each source pings each other node with every link closed first (on the
# source; a pause lets the other end see the close), and closes the link
# afterwards, so that the link audited is the one the ping opened.
declare -A RESULT=()
for x in $ALL; do
	# shellcheck disable=SC2086 # a word list
	targets=$(printf '%s\n' $ALL | grep -vx "$x" | sed "s/.*/'&'/" | paste -sd, -)
	declare -A MARK=()
	for h in hostA hostB hostD; do MARK[$h]=$(log_mark "$h"); done
	r=$(mesh_on --timeout 60 "$x" "
		[begin
			[erlang:disconnect_node(M) || M <- nodes()],
			timer:sleep(300),
			R = net_adm:ping(Y),
			Ns = nodes(),
			erlang:disconnect_node(Y),
			timer:sleep(300),
			{Y, R, Ns}
		 end || Y <- [$targets]]") || fail "rpc to $x"
	r=$(unq "$r")
	for y in $ALL; do
		[ "$y" = "$x" ] && continue
		if [[ $r == *"{$y,pong,[$y]}"* ]]; then
			RESULT[$x/$y]=pong
			# The gateway audits the link with x as initiator.  (Its
			# verdict may be error: a node that closes a link with
			# unread data resets it, and the gateway audits
			# io_error.)
			gx=$(host_of "$x") gy=$(host_of "$y")
			case $gx/$gy in
			hostA/*|hostB/*) g=$gx;;
			*/hostA|*/hostB) g=$gy;;
			*) g=hostD;;
			esac
			if wait_for 10 log_first "$g" "${MARK[$g]}" \
			    "audit conn=[0-9]+ .*initiator=$x acceptor=$y .*verdict=(ok|error)"; then
				RESULT[$x/$y]="pong (audited by $g)"
			else
				RESULT[$x/$y]="pong, but $g audited no link initiator=$x acceptor=$y"
			fi
		else
			RESULT[$x/$y]="not connected: $(printf '%s\n' "$r" | grep -o "{$y,[a-z]*,\[[^]]*\]}" || echo "$r")"
		fi
	done
	unset MARK
done
bad=""
for x in $ALL; do
	for y in $ALL; do
		[ "$y" = "$x" ] && continue
		printf '#   %-15s -> %-15s %s\n' "$x" "$y" "${RESULT[$x/$y]}"
		[[ ${RESULT[$x/$y]} == "pong (audited by "* ]] ||
			bad+="$x -> $y (${RESULT[$x/$y]}; $(needs "$x" "$y")); "
	done
done
[ -z "$bad" ] || fail "not every direction works: $bad"
pass "each of the 12 directions connects and is audited with the right initiator"

step "EPMD NAMES through the bastion"
r=$(mesh_on "$A" 'net_adm:names("hostE.test")') || fail "rpc to a1"
expect_match "$r" '^\{ok,\[.*\{"e1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostE.test\") on a1 lists e1 (issue 10 item 3)"
r=$(mesh_on "$E" 'net_adm:names("hostA.test")') || fail "rpc to e1"
expect_match "$r" '^\{ok,\[.*\{"a1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostA.test\") on e1 lists a1 (issue 10 item 3)"
r=$(mesh_on "$E" 'net_adm:names("hostB.test")') || fail "rpc to e1"
expect_match "$r" '^\{ok,\[.*\{"b1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostB.test\") on e1 lists b1"
expect_nomatch "$r" '"a1"' "net_adm:names(\"hostB.test\") on e1 does not list hostA's a1"
r=$(mesh_on "$E" 'net_adm:names("hostC.test")') || fail "rpc to e1"
expect_match "$r" '^\{ok,\[.*\{"n1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostC.test\") on e1 lists the native n1"
r=$(mesh_on "$N" 'net_adm:names("hostE.test")') || fail "rpc to n1"
expect_nomatch "$r" '"e1"' "net_adm:names(\"hostE.test\") on the native n1 never lists e1 (the public EPMD answers no NAMES: $r)"
