#!/usr/bin/env bash
# Goal of this test: two hosts, each behind its own distgate, Erlang nodes
# with short names a1@hostA and b1@hostB (each node sees its own host
# name).  Across the gateways: connect_node works; a process registered
# with global on B receives a message sent from A through
# global:whereis_name and answers; rpc:call works both ways;
# net_adm:names("hostB") lists b1 from A; a ping to a node that does not
# exist on B is pang in under a second.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=sname

A=a1@hostA
B=b1@hostB

# Registered with global on b1: prints what it gets and answers.
SERVER='
Srv = spawn(fun Loop() ->
	receive {ping, From, Msg} ->
		io:format("b1 got ~p~n", [Msg]),
		From ! {pong, node(), Msg},
		Loop()
	end end),
yes = global:register_name(b1_server, Srv)'

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl sname "$SERVER"
node_start hostA a1 erl sname

step "each node sees its own host name"
r=$(node_rpc hostA "$A" 'inet:gethostname()') || fail "rpc to a1"
expect_eq "$r" '{ok,"hostA"}' "a1 runs on hostA"
r=$(node_rpc hostB "$B" 'inet:gethostname()') || fail "rpc to b1"
expect_eq "$r" '{ok,"hostB"}' "b1 runs on hostB"

step "connect A -> B"
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "net_kernel:connect_node('$B') from a1"
r=$(node_rpc hostA "$A" "lists:member('$B', nodes())") || fail "rpc to a1"
expect_eq "$r" true "b1 is in a1's nodes()"

step "global name, message and answer"
r=$(node_rpc hostA "$A" "
	ok = global:sync(),
	P = global:whereis_name(b1_server),
	P ! {ping, self(), <<\"hello from a1\">>},
	receive {pong, N, M} -> {N, M} after 5000 -> no_answer end") || fail "rpc to a1"
expect_eq "$(unq "$r")" "{$B,<<\"hello from a1\">>}" "b1's global server answered a1"
wait_for 5 grep -q 'b1 got <<"hello from a1">>' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "b1 did not print the message"
pass "b1 printed the message"

step "rpc both ways"
r=$(node_rpc hostA "$A" "rpc:call('$B', erlang, node, [], 5000)") || fail "rpc to a1"
expect_eq "$(unq "$r")" "$B" "rpc:call a1 -> b1"
r=$(node_rpc hostB "$B" "rpc:call('$A', erlang, node, [], 5000)") || fail "rpc to b1"
expect_eq "$(unq "$r")" "$A" "rpc:call b1 -> a1"
r=$(node_rpc hostA "$A" "rpc:call('$B', lists, seq, [1, 5000], 5000) =:= lists:seq(1, 5000)") ||
	fail "rpc to a1"
expect_eq "$r" true "a 5000-element list comes back intact"

step "EPMD queries for the remote host"
r=$(node_rpc hostA "$A" 'net_adm:names("hostB")') || fail "rpc to a1"
expect_match "$r" '^\{ok,\[.*\{"b1",[0-9]+\}.*\]\}$' "net_adm:names(\"hostB\") lists b1"
r=$(node_rpc hostA "$A" "{T, R} = timer:tc(net_adm, ping, ['nosuch@hostB']), {R, T div 1000}") ||
	fail "rpc to a1"
expect_match "$r" '^\{pang,[0-9]+\}$' "net_adm:ping(nosuch@hostB) is pang"
ms=$(echo "$r" | sed 's/^{pang,\([0-9]*\)}$/\1/')
[ "$ms" -lt 1000 ] || fail "pang took $ms ms (limit 1000)"
pass "pang in $ms ms"

# Both gateways logged the connection to b1 under a connection id.
expect_log hostA "conn=[0-9]+.*b1"
expect_log hostB "conn=[0-9]+.*b1"
