#!/usr/bin/env bash
# Goal of this test: a cluster of the four shapes of host converges under
# global as a flat cluster would (issue 10 item 4).  The hosts are those of
# lib/mesh.sh: a1 (hostA) and b1 (hostB) behind distgate, n1 (hostC)
# native, e1 (hostE) plain inside, behind the bastion hostD.  Every node
# runs with OTP 25's default prevent_overlapping_partitions and
# net_ticktime 6.  20 runs, each from fresh nodes (the gateways stay up):
# each node registers a global name (mesh_ALIVE), then, all at the same
# moment (a file they wait for), connects to ONE other node: a1 -> b1,
# b1 -> n1, n1 -> e1 (a native node into the inside), e1 -> a1 (an inside
# node out); global must make the other links itself.  A run converges
# when every node's global:registered_names(), sorted, is the four names
# and each name is at the node that registered it; it must do so on all
# four nodes within 10 s, and stay right (0.5 s on end) with each node
# connected to the other three at the end.  Each run's time (the last of the four
# nodes) and min/median/max are printed.  Then a partition: hostE's link
# dropped (nftables) beyond net_ticktime; a1, b1 and n1 lose e1 and e1
# loses them all; the link healed, e1 connects to a1 only, and the names
# converge on all four again within 10 s.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
DG_ERL_ARGS="-kernel net_ticktime 6"
RUNS=${DG_MESH_RUNS:-20}
BOUND_MS=10000

A=a1@hostA.test
B=b1@hostB.test
N=n1@hostC.test
E=e1@hostE.test
ALL="$A $B $N $E"
# Whom each node connects to.
declare -A TARGET=([$A]=$B [$B]=$N [$N]=$E [$E]=$A)
WANT="[{mesh_a1,'$A'},{mesh_b1,'$B'},{mesh_e1,'$E'},{mesh_n1,'$N'}]"
CONV=$DG_WORK/conv
mkdir -p "$CONV"

# conv_code RUN TARGET REGISTER: Erlang for a node: a process that (with
# REGISTER true) registers mesh_ALIVE with global and says so in
# $CONV/RUN-ALIVE.ready, waits for $CONV/go-RUN, connects to TARGET (none:
# no connect), then polls (10 ms) until the global names have been WANT
# for 0.5 s on end (giving up BOUND_MS + 2 s after the go), and writes
# $CONV/RUN-ALIVE: "ok MS FULL NODES" (MS: the wall clock in ms since when
# the names have been right; FULL: connected to the other three then) or
# "timeout NAMES NODES".  The process stays (it holds the global name).
conv_code() {
	cat <<-ERL
	Dir = "$CONV", Run = "$1", Target = '$2', Want = $WANT,
	[Alive | _] = string:split(atom_to_list(node()), "@"),
	Got = fun() -> lists:sort([{X, case global:whereis_name(X) of
		P when is_pid(P) -> node(P); U -> U end} || X <- global:registered_names()]) end,
	Write = fun(F, T) -> ok = file:write_file(filename:join(Dir, F ++ ".tmp"), T),
		ok = file:rename(filename:join(Dir, F ++ ".tmp"), filename:join(Dir, F)) end,
	spawn(fun() ->
		case $3 of
		true -> yes = global:register_name(list_to_atom("mesh_" ++ Alive), self()),
			Write(Run ++ "-" ++ Alive ++ ".ready", "ready\n");
		false -> ok
		end,
		Go = filename:join(Dir, "go-" ++ Run),
		WaitGo = fun W() -> case filelib:is_regular(Go) of
			true -> ok; false -> timer:sleep(5), W() end end,
		WaitGo(),
		_ = case Target of none -> ok; _ -> net_kernel:connect_node(Target) end,
		Deadline = os:system_time(millisecond) + $BOUND_MS + 2000,
		Poll = fun P(Since) ->
			Now = os:system_time(millisecond),
			case Got() =:= Want of
			true when Since =/= none, Now - Since >= 500 -> {ok, Since};
			true when Since =/= none -> timer:sleep(10), P(Since);
			true -> timer:sleep(10), P(Now);
			false when Now < Deadline -> timer:sleep(10), P(none);
			false -> timeout
			end end,
		Out = case Poll(none) of
			{ok, Ms} ->
				Full = length(nodes()) =:= length(Want) - 1,
				io_lib:format("ok ~b ~p ~w~n", [Ms, Full, lists:sort(nodes())]);
			timeout -> io_lib:format("timeout ~w ~w~n", [Got(), lists:sort(nodes())])
			end,
		Write(Run ++ "-" ++ Alive, Out),
		receive stop -> ok end
	end),
	started
	ERL
}

# alive_of NODE: a1 for a1@hostA.test.
alive_of() { echo "${1%@*}"; }

# start_nodes RUN: start the four nodes at once, each with conv_code, and
# wait (20 s) until each has registered its global name.
start_nodes() {
	local x h n argv=() code
	for x in $ALL; do
		h=$(host_of "$x") n=$(alive_of "$x")
		code=$(conv_code "$1" "${TARGET[$x]}" true)
		case $h in
		hostA|hostB) mapfile -t argv < <(node_cmd "$h" "$n" erl name 0);;
		hostC) mapfile -t argv < <(wire_cmd "$h" "$n" tls 0);;
		hostE) mapfile -t argv < <(wire_cmd "$h" "$n" tcp 0);;
		esac
		echo "### lib.sh: start $(date -u +%FT%TZ) $n on $h, run $1" >>"$DG_LOGDIR/node-$x.log"
		spawn "$DG_LOGDIR/node-$x.log" "$h" "${argv[@]}" -eval "$code"
		DG_NODE_PID[$h/$n]=$DG_LAST_PID
	done
	for x in $ALL; do
		wait_for 20 test -e "$CONV/$1-$(alive_of "$x").ready" || {
			tail -n 20 "$DG_LOGDIR/node-$x.log" >&2
			fail "run $1: $x did not register its global name within 20 s"
		}
	done
}

# stop_nodes: kill the four nodes at once (an orderly stop takes seconds
# each); wait until they are unregistered.
stop_nodes() {
	local x pids=()
	for x in $ALL; do pids+=("${DG_NODE_PID[$(host_of "$x")/$(alive_of "$x")]}"); done
	stop_pids 5 KILL "${pids[@]}"
	for x in $ALL; do
		unset "DG_NODE_PID[$(host_of "$x")/$(alive_of "$x")]"
		wait_for 5 not node_registered "$(host_of "$x")" "$(alive_of "$x")" ||
			fail "$x still registered after it stopped"
	done
}

# go RUN: release the nodes waiting for run RUN; prints the time (ms).
go() {
	local t
	t=$(now_ms)
	echo "$t" >"$CONV/go-$1.tmp"
	mv "$CONV/go-$1.tmp" "$CONV/go-$1"
	echo "$t"
}

# converged RUN T0: wait (BOUND_MS + 5 s) for the four nodes' reports of
# RUN; fail unless each says ok and stable within BOUND_MS of T0; print the
# convergence time in ms (the last node's).
converged() {
	local run=$1 t0=$2 x f line worst=0 ms why=""
	for x in $ALL; do
		f=$CONV/$run-$(alive_of "$x")
		wait_for $((BOUND_MS / 1000 + 5)) test -e "$f" || why+="$x sent no report; "
	done
	for x in $ALL; do
		f=$CONV/$run-$(alive_of "$x")
		[ -e "$f" ] || continue
		read -r line <"$f"
		case $line in
		"ok "*)
			# shellcheck disable=SC2086 # the report's words
			set -- $line
			ms=$(($2 - t0))
			[ "$ms" -gt "$worst" ] && worst=$ms
			[ "$3" = true ] || why+="$x: names right from ${ms} ms on, but connected to $4 only; ";;
		*) why+="$x: $line; ";;
		esac
	done
	[ -z "$why" ] || fail "run $run: no convergence within $BOUND_MS ms: $(unq "$why")"
	[ "$worst" -le "$BOUND_MS" ] || fail "run $run: converged in $worst ms, over $BOUND_MS ms"
	echo "$worst"
}

mesh_setup
step "the bastion"
mesh_bastion_start

step "$RUNS runs from fresh nodes: a1 -> b1, b1 -> n1, n1 -> e1, e1 -> a1"
TIMES=()
for ((run = 1; run <= RUNS; run++)); do
	start_nodes "$run"
	t0=$(go "$run")
	ms=$(converged "$run" "$t0")
	TIMES+=("$ms")
	pass "run $run: the four nodes agree on the four global names after $ms ms"
	# The last run's nodes stay for the partition.
	if [ "$run" -lt "$RUNS" ]; then stop_nodes; fi
done
mapfile -t SORTED < <(printf '%s\n' "${TIMES[@]}" | sort -n)
n=${#SORTED[@]}
if ((n % 2)); then med=${SORTED[n / 2]}; else med=$(((SORTED[n / 2 - 1] + SORTED[n / 2]) / 2)); fi
echo "# convergence times (ms): ${TIMES[*]}"
echo "# convergence over $n runs: min ${SORTED[0]} ms, median $med ms, max ${SORTED[n - 1]} ms"
pass "$n runs of $RUNS converged within $BOUND_MS ms"

step "partition: hostE's link dropped beyond net_ticktime"
in_ns hostE nft -f - <<-NFT || fail "nft: could not drop hostE's link"
table inet dg_partition {
	chain input { type filter hook input priority -10; policy accept; iifname "eth0" drop; }
	chain output { type filter hook output priority -10; policy accept; oifname "eth0" drop; }
}
NFT
t_cut=$(now_ms)
# lost NODE: on NODE, wait (20 s) until e1 (for e1: every node) is gone.
lost_code() {
	if [ "$1" = "$E" ]; then
		echo "W = fun L(K) -> case nodes() of [] -> gone; Ns when K =:= 0 -> Ns; _ -> timer:sleep(100), L(K - 1) end end, W(200)"
	else
		echo "W = fun L(K) -> case lists:member('$E', nodes()) of false -> gone; true when K =:= 0 -> still; true -> timer:sleep(100), L(K - 1) end end, W(200)"
	fi
}
for x in $A $B $N $E; do
	r=$(mesh_on "$x" "$(lost_code "$x")") || fail "rpc to $x"
	if [ "$x" = "$E" ]; then
		expect_eq "$r" gone "e1 lost every outside node ($(($(now_ms) - t_cut)) ms after the cut)"
	else
		expect_eq "$r" gone "$x lost e1 ($(($(now_ms) - t_cut)) ms after the cut)"
	fi
done
r=$(mesh_on "$E" "lists:sort(global:registered_names())") || fail "rpc to e1"
expect_eq "$r" "[mesh_e1]" "e1's global knows only its own name"
r=$(mesh_on "$A" "lists:sort(global:registered_names())") || fail "rpc to a1"
expect_eq "$r" "[mesh_a1,mesh_b1,mesh_n1]" "a1's global no longer has mesh_e1"

step "heal: e1 connects to a1 only"
# Pollers on the four running nodes, released by the go file; e1's dials a1.
for x in $ALL; do
	tgt=none
	[ "$x" = "$E" ] && tgt=$A
	r=$(mesh_on "$x" "$(conv_code heal "$tgt" false)") || fail "rpc to $x"
	expect_eq "$r" started "a poller runs on $x"
done
in_ns hostE nft delete table inet dg_partition || fail "nft: could not heal hostE's link"
t0=$(go heal)
ms=$(converged heal "$t0")
echo "# convergence after the heal: $ms ms"
pass "after the heal, the four nodes agree on the four global names after $ms ms"
