# story.sh — the cross-host story that 03 (long names) and 04 (short
# names) both play: STORY_SERVER is b1's start code; story_play, called
# once gateways and nodes are up, runs the checks.  Needs A and B (full
# node names of a1 and b1) and HB (host B as A's nodes name it).  Not a
# scenario by itself: run.sh runs NN-*.sh only.

# Registered with global on b1: prints what it gets and answers.
STORY_SERVER='
Srv = spawn(fun Loop() ->
	receive {ping, From, Msg} ->
		io:format("b1 got ~p~n", [Msg]),
		From ! {pong, node(), Msg},
		Loop()
	end end),
yes = global:register_name(b1_server, Srv)'

story_play() {
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
	r=$(node_rpc hostA "$A" "net_adm:names(\"$HB\")") || fail "rpc to a1"
	expect_match "$r" '^\{ok,\[.*\{"b1",[0-9]+\}.*\]\}$' "net_adm:names(\"$HB\") lists b1"
	r=$(node_rpc hostA "$A" "{T, R} = timer:tc(net_adm, ping, ['nosuch@$HB']), {R, T div 1000}") ||
		fail "rpc to a1"
	expect_match "$r" '^\{pang,[0-9]+\}$' "net_adm:ping(nosuch@$HB) is pang"
	ms=$(echo "$r" | sed 's/^{pang,\([0-9]*\)}$/\1/')
	[ "$ms" -lt 1000 ] || fail "pang took $ms ms (limit 1000)"
	pass "pang in $ms ms"

	# Both gateways logged the connection to b1 under a connection id.
	expect_log hostA "conn=[0-9]+.*b1"
	expect_log hostB "conn=[0-9]+.*b1"
}
