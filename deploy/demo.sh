#!/usr/bin/env bash
# demo.sh — distgate end to end on one machine (run by `make demo`).
#
# Two hosts, hostA and hostB, are Linux network namespaces joined by a
# bridge.  Each runs its own distgate (its EPMD, and mutual TLS on port
# 4370) and one Elixir node: b1 on hostB registers a :global :server that
# prints what it gets; a2 on hostA connects to b1 and sends it a message.
# Shows b1's output and the gateways' log lines about the connection, then
# tears everything down.  Needs root (network namespaces).  DEMO_KEEP=1
# keeps the logs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root to create network namespaces; run: sudo make demo" >&2
	exit 1
fi
for cmd in ip erl elixir openssl; do
	command -v "$cmd" >/dev/null ||
		{ echo "demo: $cmd not found (make deps installs it)" >&2; exit 1; }
done
[ -x "$root/distgate" ] || { echo "demo: build first: make" >&2; exit 1; }
for ns in hostA hostB; do
	if ip netns list | grep -q "^$ns\( \|$\)"; then
		echo "demo: namespace $ns already exists (left over? ip netns del $ns)" >&2
		exit 1
	fi
done

export DG_NS_BY_HOST=1 DG_NAMES=name DG_TAG=dgdemo$$ DG_TEST=demo
export DG_LOGDIR=${DG_LOGDIR:-$(mktemp -d /tmp/distgate-demo.XXXXXX)}
# shellcheck source=../tests/integration/lib.sh
source "$root/tests/integration/lib.sh"

# Stop after 60 s whatever happens; the EXIT trap tears down.
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep 60 & s=$!
	wait "$s" && kill -TERM $$
) 2>/dev/null &
DG_PIDS+=("$!")
if [ "${DEMO_KEEP:-0}" != 1 ]; then
	# (set +e first: under errexit, "(exit $rc)" would end the trap there
	# and skip dg_cleanup whenever the demo failed.)
	# shellcheck disable=SC2154 # rc is set inside the trap
	trap 'rc=$?; set +e; rm -rf "$DG_LOGDIR"; (exit $rc); dg_cleanup' EXIT
else
	echo "demo: logs in $DG_LOGDIR"
fi

n=0
# say TEXT: a numbered step.
say() { n=$((n + 1)); printf '\n== %d. %s\n' "$n" "$*"; }
# show FILE: indented.
show() { sed 's/^/     /' "$1"; }

SERVER='
pid = spawn(fn ->
  loop = fn loop ->
    receive do
      msg ->
        IO.puts("I got a message! #{msg}")
        loop.(loop)
    end
  end
  loop.(loop)
end)
:yes = :global.register_name(:server, pid)'

CLIENT='
true = Node.connect(:"b1@hostB.test")
:ok = :global.sync()
:global.whereis_name(:server) |> send("hello from node 2!")
:rpc.call(:"b1@hostB.test", Node, :self, [])'

say "Two hosts: network namespaces hostA (10.77.0.1) and hostB (10.77.0.2) on a bridge"
ns_setup 2
echo "     ip netns: $(ip netns list | grep -E '^host[AB]' | awk '{ print $1 }' | tr '\n' ' ')"

say "A throwaway PKI: one CA, a certificate per host (deploy/pki.sh)"
for f in ca hostA hostB; do
	echo "     $f.crt: $(openssl x509 -in "$DG_PKI/$f.crt" -noout -subject -ext subjectAltName 2>/dev/null |
		grep -v 'Alternative' | tr -s ' \n' ' ')"
done

say "A gateway on each host: its EPMD on 127.0.0.1:4369, mutual TLS on port 4370, cookies checked at the edge"
# The cluster's cookie: both gateways check both digests of every
# handshake at the edge, before a node sees a wrong one.
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
echo "     hostA's configuration:"
grep -v '^;' "$DG_LOGDIR/gw-hostA.ini" | grep . | sed 's/^/       /'
echo "     hostA's nodes resolve hostB through this inetrc (distgate inetrc):"
grep -v '^%' "$(inetrc_of hostA)" | sed 's/^/       /'

say "Node 1 on hostB: b1@hostB.test with a :global :server"
echo '     elixir --name b1@hostB.test --erl "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}" --no-halt -e ...'
node_start hostB b1 elixir name "$SERVER"
echo "     registered with hostB's gateway: $(in_ns hostB epmd -names | grep '^name')"

say "Node 2 on hostA: a2@hostA.test connects to b1 and sends \"hello from node 2!\""
printf '%s\n' "$CLIENT" | grep . | sed 's/^/       /'
r=$(node_eval --elixir --timeout 20 hostA a2 "$CLIENT") || fail "node 2 failed"
echo "     node 2 got an answer from $r"

say "What node 1 printed"
wait_for 5 grep -qF 'I got a message!' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "node 1 printed nothing"
grep -F 'I got a message!' "$DG_LOGDIR/node-b1@hostB.log" | sed 's/^/     /'

say "The gateways' log lines about that connection"
for h in hostA hostB; do
	log=$(gw_log "$h")
	ids=$(grep -oE 'conn=[0-9]+ .*(node=|resolve )b1' "$log" |
		grep -oE '^conn=[0-9]+' | sort -u | tr '\n' '|')
	echo "     $h:"
	if [ -n "$ids" ]; then
		grep -E "(${ids%|})( |$)" "$log" | cut -c1-220 | sed 's/^/       /'
	else
		grep 'conn=' "$log" | cut -c1-220 | sed 's/^/       /'
	fi
done

say "Tearing down: nodes, gateways, namespaces"
