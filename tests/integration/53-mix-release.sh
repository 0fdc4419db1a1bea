#!/usr/bin/env bash
# Goal of this test: deploy/release/'s recipes work.  A tiny Elixir
# application (mix new --sup, no dependencies, offline: MIX_ENV=prod,
# HEX_OFFLINE=1) is built with `mix release` and deploy/release/rel/'s
# env.sh.eex, vm.args.eex and remote.vm.args.eex.  Its release runs as
# relapp@hostA.test and relapp@hostB.test, each behind its host's distgate
# (started with bin/relapp start, nothing but RELEASE_NODE, ERL_INETRC and
# DISTGATE_NODE_HOST set): the nodes listen on loopback only and run no
# epmd; they connect across the gateways, rpc works both ways and a
# GenServer registered with global on B answers A.  A node started with
# deploy/release/vm.args (the plain Erlang recipe, through -args_file)
# reaches relapp@hostB.test too.  From hostA, `bin/relapp rpc` and
# `bin/relapp remote` (on a pseudo-terminal) with
# RELEASE_NODE=relapp@hostB.test are refused while B's [peer hostA] has
# allow_hidden = no (B logs hidden_not_allowed for a hostA.test name), and
# both evaluate on relapp@hostB.test once it has allow_hidden = yes.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
command -v mix >/dev/null || skip "mix is not installed (Debian: elixir)"

A=relapp@hostA.test
B=relapp@hostB.test
REL=$DG_WORK/relapp/_build/prod/rel/relapp
HIDDEN_REFUSED='audit .*code=hidden_not_allowed'

# build_release: mix new + the recipe + mix release, offline, in $DG_WORK.
build_release() {
	local log=$DG_LOGDIR/mix.log
	(
		set -e
		cd "$DG_WORK"
		export HOME=$DG_WORK/mixhome MIX_ENV=prod HEX_OFFLINE=1 \
		    MIX_HOME=$DG_WORK/mixhome/.mix DG_RUN_TAG=$DG_TAG
		mkdir -p "$HOME"
		timeout -k 5 60 mix new relapp --sup
		cd relapp
		mkdir -p rel
		cp "$DG_ROOT"/deploy/release/rel/*.eex rel/
		cat >lib/relapp/echo.ex <<-'EX'
		defmodule Relapp.Echo do
		  use GenServer
		  def start_link(_), do: GenServer.start_link(__MODULE__, nil, name: {:global, {:relapp_echo, node()}})
		  @impl true
		  def init(nil), do: {:ok, nil}
		  @impl true
		  def handle_call({:echo, msg}, _from, s), do: {:reply, {node(), msg}, s}
		end
		EX
		sed -i 's/children = \[/children = [Relapp.Echo/' lib/relapp/application.ex
		grep -q 'children = \[Relapp.Echo' lib/relapp/application.ex
		timeout -k 5 120 mix release --overwrite
	) >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "mix release failed (see $log)"; }
	[ -x "$REL/bin/relapp" ] || fail "no $REL/bin/relapp"
}

# rel_env HOST [NODE]: env(1) arguments for bin/relapp on HOST, RELEASE_NODE
# NODE (default relapp@HOST.test).
rel_env() {
	printf '%s\n' env -i "PATH=$PATH" "LANG=C.UTF-8" "HOME=$(node_home "$1" relapp)" \
	    "DG_RUN_TAG=$DG_TAG" "ERL_INETRC=$(inetrc_of "$1")" \
	    "DISTGATE_NODE_HOST=$1.test" "RELEASE_NODE=${2:-relapp@$1.test}" \
	    "RELEASE_COOKIE=$DG_COOKIE" "RELEASE_TMP=$DG_WORK/reltmp-$1"
}

# rel_start HOST: bin/relapp start on HOST; wait (30 s) until registered.
rel_start() {
	local h=$1 log=$DG_LOGDIR/node-relapp@$1.log envv=()
	mapfile -t envv < <(rel_env "$h")
	echo "### lib.sh: start $(date -u +%FT%TZ) bin/relapp start on $h" >>"$log"
	spawn "$log" "$h" "${envv[@]}" "$REL/bin/relapp" start
	DG_NODE_PID[$h/relapp]=$DG_LAST_PID
	wait_for 30 node_registered "$h" relapp || {
		tail -n 20 "$log" >&2
		fail "relapp on $h not registered after 30 s"
	}
	pass "bin/relapp start on $h: relapp registered with the gateway"
}

# rel_rpc OUT EXPR: bin/relapp rpc EXPR on hostA for relapp@hostB.test,
# bounded (30 s), output to OUT; its exit status.
rel_rpc() {
	local envv=()
	mapfile -t envv < <(rel_env hostA "$B")
	in_ns hostA timeout --foreground -k 5 30 "${envv[@]}" "$REL/bin/relapp" rpc "$2" \
	    </dev/null >"$1" 2>&1
}

# rel_remote OUT: bin/relapp remote on hostA for relapp@hostB.test on a
# pseudo-terminal; it types IO.puts with the node's name.
rel_remote() {
	local envv=()
	mapfile -t envv < <(rel_env hostA "$B")
	tty_shell hostA "$1" 'IO.puts("remsh_ok #{node()}")' 'remsh_ok [a-z]' \
	    "${envv[@]}" TERM=xterm "$REL/bin/relapp" remote
}

ns_setup 2
step "mix release, offline, with deploy/release/rel/"
t0=$(now_ms)
build_release
pass "built $REL in $(($(now_ms) - t0)) ms"
for f in env.sh vm.args remote.vm.args; do
	[ -e "$REL/releases/0.1.0/$f" ] || fail "the release has no $f"
done
expect_match "$(cat "$REL/releases/0.1.0/vm.args")" 'inet_dist_use_interface \{127,0,0,1\}' \
	"vm.args keeps distribution on loopback"
grep -q 'RELEASE_DISTRIBUTION=name' "$REL/releases/0.1.0/env.sh" ||
	fail "env.sh does not set RELEASE_DISTRIBUTION=name"
pass "env.sh sets RELEASE_DISTRIBUTION=name"

gw_peer_lines hostB hostA "allow_hidden = no"
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
rel_start hostB
rel_start hostA

step "the release nodes: loopback only, no epmd of their own"
p=$(node_port hostB relapp)
expect_match "$p" '^[0-9]+$' "relapp's port on hostB"
r=$(in_ns hostB ss -Hltn "sport = :$p" | awk '{ print $4 }')
expect_match "$r" "^127\\.0\\.0\\.1:$p\$" "relapp on hostB listens on loopback only"
in_ns hostB ss -Hltnp 2>/dev/null | grep -q '"epmd"' && fail "an epmd runs on hostB"
pass "no epmd on hostB"

step "the release nodes connect and rpc across the gateways"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "rpc to relapp on hostA"
expect_eq "$(unq "$r")" "{true,$B}" "relapp@hostA connects to relapp@hostB and rpc works"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to relapp on hostB"
expect_eq "$(unq "$r")" "$A" "rpc:call relapp@hostB -> relapp@hostA"
r=$(node_rpc hostA "$A" "
	ok = global:sync(),
	gen_server:call({global, {relapp_echo, '$B'}}, {echo, <<\"hello from A\">>}, 5000)") ||
	fail "rpc to relapp on hostA"
expect_eq "$(unq "$r")" "{$B,<<\"hello from A\">>}" "B's global Relapp.Echo answered A"
expect_log hostB "conn=[0-9]+ route peer=hostA node=relapp"

step "a node with the plain Erlang recipe (deploy/release/vm.args)"
sed -e "s/^-name .*/-name plain@hostA.test/" \
    -e "s|/etc/distgate/inetrc|$(inetrc_of hostA)|" \
    "$DG_ROOT/deploy/release/vm.args" >"$DG_LOGDIR/plain-vm.args"
envv=()
mapfile -t envv < <(node_env hostA plain)
# (without node_env's ERL_INETRC: vm.args names the file)
for i in "${!envv[@]}"; do
	case ${envv[$i]} in ERL_INETRC=*) unset "envv[$i]";; esac
done
log=$DG_LOGDIR/eval-plain@hostA.log
in_ns hostA timeout --foreground -k 5 30 "${envv[@]}" erl -args_file "$DG_LOGDIR/plain-vm.args" \
    -noshell -eval "io:put_chars([\"DGRESULT \", io_lib:print({application:get_env(kernel, inetrc),
	rpc:call('$B', erlang, node, [], 5000)}, 1, 1000000, -1), \"\\n\"]), halt()." </dev/null >"$log" 2>&1 || true
r=$(sed -n 's/^DGRESULT //p' "$log")
expect_eq "$r" "{{ok,\"$(inetrc_of hostA)\"},'$B'}" "plain@hostA.test (vm.args recipe) reaches relapp@hostB"

step "allow_hidden = no: bin/relapp rpc and remote from hostA are refused"
mark=$(log_mark hostB)
out=$DG_LOGDIR/rel-rpc-1.out
rel_rpc "$out" 'IO.puts("rpc_ok #{node()}")' && fail "bin/relapp rpc succeeded: $(tail -n 3 "$out")"
expect_file_lacks "$out" "rpc_ok $B" "bin/relapp rpc did not evaluate on relapp@hostB"
expect_log_first --since "$mark" hostB "$HIDDEN_REFUSED"
line=$(log_first hostB "$mark" "$HIDDEN_REFUSED") || true
expect_match "$(audit_field "$line" initiator)" '^rpc-[0-9]+-relapp@hostA\.test$' \
	"the refused rpc node is named after hostA"
mark=$(log_mark hostB)
out=$DG_LOGDIR/rel-remote-1.out
rel_remote "$out"
expect_file_lacks "$out" "remsh_ok $B" "bin/relapp remote did not evaluate on relapp@hostB"
expect_log_first --since "$mark" hostB "$HIDDEN_REFUSED"
line=$(log_first hostB "$mark" "$HIDDEN_REFUSED") || true
expect_match "$(audit_field "$line" initiator)" '^remote-[0-9]+-relapp@hostA\.test$' \
	"the refused remote shell is named after hostA"

step "gateway B restarts with allow_hidden = yes"
gw_stop hostB || true
gw_peer_lines hostB hostA "allow_hidden = yes"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
wait_for 10 node_registered hostB relapp || fail "relapp did not re-register with gateway B"
pass "relapp re-registered"

step "allow_hidden = yes: bin/relapp rpc and remote from hostA work"
mark=$(log_mark hostB)
out=$DG_LOGDIR/rel-rpc-2.out
rel_rpc "$out" 'IO.puts("rpc_ok #{node()}")' || fail "bin/relapp rpc failed: $(tail -n 5 "$out")"
grep -q "rpc_ok $B" "$out" || fail "bin/relapp rpc printed no rpc_ok $B: $(tail -n 5 "$out")"
pass "bin/relapp rpc printed: $(grep -m 1 "rpc_ok" "$out")"
out=$DG_LOGDIR/rel-remote-2.out
rel_remote "$out"
grep -q "remsh_ok $B" "$out" || { tail -n 20 "$out" >&2; fail "bin/relapp remote printed no remsh_ok $B"; }
pass "bin/relapp remote printed: $(grep -m 1 "remsh_ok $B" "$out" | tr -d '\r')"
expect_log_first --since "$mark" hostB "audit .*initiator=remote-[0-9]+-relapp@hostA\\.test .*hidden=yes .*code=ok"
expect_no_log --since "$mark" hostB 'code=hidden_not_allowed'
