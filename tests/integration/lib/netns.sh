# netns.sh — hosts as network namespaces: host names, addresses and
# namespaces (host_index, host_ip, ip_tuple, ns_of, in_ns), ns_setup (one
# bridge, a veth per host), host_addr_add, listening, and only_from
# (nftables).

# shellcheck shell=bash

# require_root: skip the scenario unless we can make network namespaces.
require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "ip (iproute2) not installed"
	command -v erl >/dev/null || skip "erl (erlang-base) not installed"
	ip netns add "${DG_TAG}probe" 2>/dev/null ||
		skip "ip netns add fails here (no CAP_SYS_ADMIN?)"
	ip netns del "${DG_TAG}probe"
}

# host_index HOST: hostA -> 1, hostB -> 2, ...
host_index() {
	local l=${1#host}
	case $l in
	[A-I]) printf '%d\n' $(($(printf '%d' "'$l") - 64));;
	*) fail "host_index: bad host '$1' (want hostA..hostI)";;
	esac
}

# host_ip HOST: its address on the test network.
host_ip() { echo "$DG_NET.$(host_index "$1")"; }

# ip_tuple HOST: HOST's wire address as an Erlang tuple ({10,77,0,3}).
ip_tuple() { echo "{${DG_NET//./,},$(host_index "$1")}"; }

# ns_of HOST: the namespace that plays HOST.
ns_of() {
	if [ "${DG_NS_BY_HOST:-0}" = 1 ]; then
		echo "$1"
	else
		local l=${1#host}
		echo "$DG_TAG${l,,}"
	fi
}

# in_ns HOST CMD [ARG...]: run CMD inside HOST's namespace.
in_ns() {
	local ns
	ns=$(ns_of "$1")
	shift
	ip netns exec "$ns" "$@"
}

# netns_add NAME: create a namespace with loopback up; remembered for cleanup.
netns_add() {
	if ip netns list | grep -qx -- "$1\( (id: [0-9]*)\)\?"; then
		fail "namespace $1 already exists (left over? ip netns del $1)"
	fi
	ip netns add "$1"
	DG_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# ns_setup N: hosts hostA.. (N of them) on one switch, plus the PKI.
ns_setup() {
	local n=$1 i h ns sw letters=ABCDEFGHI
	[ "$n" -ge 1 ] && [ "$n" -le 9 ] || fail "ns_setup: 1..9 hosts"
	sw=$(ns_of hostS)
	[ "${DG_NS_BY_HOST:-0}" = 1 ] && sw="${DG_TAG}switch"
	netns_add "$sw"
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for ((i = 1; i <= n; i++)); do
		h=host${letters:i-1:1}
		ns=$(ns_of "$h")
		netns_add "$ns"
		ip link add eth0 netns "$ns" type veth peer name "p$i" netns "$sw"
		ip -n "$sw" link set "p$i" master br0 up
		ip -n "$ns" addr add "$(host_ip "$h")/24" dev eth0
		ip -n "$ns" link set eth0 up
		in_ns "$h" hostname >/dev/null	# namespace usable
		DG_HOSTS+=("$h")
	done
	pki_setup
}

# host_addr_add HOST ADDR...: give HOST's eth0 more addresses on the test
# network (secondary ones: HOST still sends from host_ip by default).
host_addr_add() {
	local h=$1 a
	shift
	for a in "$@"; do
		ip -n "$(ns_of "$h")" addr add "$a/24" dev eth0 ||
			fail "host_addr_add $h $a failed"
	done
}

# listening HOST PORT: something in HOST listens on TCP PORT.
listening() {
	in_ns "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# ---- firewall inside a namespace ------------------------------------------------

# only_from HOST ADDR...: nftables in HOST's namespace refuses (TCP reset,
# else drop) every packet on eth0 whose source is none of ADDRs.
only_from() {
	local h=$1 set
	shift
	command -v nft >/dev/null || skip "nft (nftables) not installed"
	set=$(printf '%s, ' "$@")
	set=${set%, }
	in_ns "$h" nft -f - <<-NFT || fail "only_from $h: nft failed"
	table inet dg_only_from {
		chain input {
			type filter hook input priority 0; policy accept;
			iifname "eth0" ip saddr != { $set } meta l4proto tcp reject with tcp reset
			iifname "eth0" ip saddr != { $set } drop
		}
	}
	NFT
}
