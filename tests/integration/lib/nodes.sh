# nodes.sh — Erlang and Elixir nodes on hosts behind a gateway: their
# homes, cookies and command lines (node_full, node_home, node_cookie,
# node_env, node_cmd), long-lived nodes (node_start, node_stop,
# node_registered, node_port), short-lived ones (node_eval, node_rpc, and
# eval_run with its wrappers, shared with wire_eval), link watches
# (watch_link, link_intact), test tools from erl/ (erl_tool, tool_start)
# and remote shells on a pseudo-terminal (tty_shell).

# shellcheck shell=bash

# node_full NAME HOST: the node name under $DG_NAMES (a1@hostA.test or a1@hostA).
node_full() {
	if [ "${3:-$DG_NAMES}" = sname ]; then echo "$1@$2"; else echo "$1@$2.test"; fi
}

# node_home HOST NAME: a private HOME holding the run's cookie (0400).
node_home() {
	local d=$DG_WORK/home/$1-$2
	if [ ! -e "$d/.erlang.cookie" ]; then
		mkdir -p "$d"
		cp "$DG_COOKIE_FILE" "$d/.erlang.cookie"
		chmod 0400 "$d/.erlang.cookie"
	fi
	echo "$d"
}

# node_cookie HOST NAME COOKIE: node NAME on HOST gets COOKIE (text) in its
# private HOME instead of the run's cookie.  Call it before the node's
# first node_start or node_eval (it replaces a cookie already there).
node_cookie() {
	local d=$DG_WORK/home/$1-$2
	mkdir -p "$d"
	rm -f -- "$d/.erlang.cookie"
	(umask 077 && printf '%s' "$3" >"$d/.erlang.cookie")
	chmod 0400 "$d/.erlang.cookie"
}

# node_env HOST NAME: prints the env(1) arguments for a node on HOST.
node_env() {
	local inetrc
	inetrc=$(inetrc_of "$1")
	[ -e "$inetrc" ] || echo '{lookup,[file,native]}.' >"$inetrc"
	printf '%s\n' env -i "PATH=$PATH" "LANG=C.UTF-8" "HOME=$(node_home "$1" "$2")" \
	    "ERL_INETRC=$inetrc" "DG_RUN_TAG=$DG_TAG"
}

# node_cmd HOST NAME KIND MODE HIDDEN: prints (one per line) the argv that
# starts node NAME on HOST: KIND erl|elixir, MODE name|sname, HIDDEN 0|1.
node_cmd() {
	local h=$1 n=$2 kind=$3 mode=$4 hidden=$5 full erlargs
	full=$(node_full "$n" "$h" "$mode")
	erlargs="-start_epmd false"
	# Nodes listen on loopback only, unless DG_PLAIN or DG_NODE_LOOPBACK=0.
	if [ "$DG_PLAIN" != 1 ] && [ "${DG_NODE_LOOPBACK:-1}" = 1 ]; then
		erlargs+=" -kernel inet_dist_use_interface {127,0,0,1}"
	fi
	[ "$hidden" = 1 ] && erlargs+=" -hidden"
	# Extra emulator flags: for one node (DG_ERL_ARGS=... node_start) or,
	# set in the scenario, for every node, control nodes included.
	[ -n "${DG_ERL_ARGS:-}" ] && erlargs+=" $DG_ERL_ARGS"
	node_env "$h" "$n"
	# A UTS namespace per node: -sname takes its host part from hostname.
	printf '%s\n' unshare --uts sh -c 'hostname "$1"; cd "$HOME"; shift; exec "$@"' \
	    sh "$h"
	if [ "$kind" = elixir ]; then
		printf '%s\n' elixir "--$mode" "$full" --erl "$erlargs"
	else
		# shellcheck disable=SC2086 # erlargs is a word list
		printf '%s\n' erl "-$mode" "$full" $erlargs -noshell
	fi
}

# node_registered HOST NAME: epmd -names in HOST lists NAME.
node_registered() {
	in_ns "$1" timeout 5 epmd -names 2>/dev/null | grep -q "^name $2 at port "
}

# node_port HOST NAME: the port HOST's EPMD reports for NAME.
node_port() {
	in_ns "$1" timeout 5 epmd -names 2>/dev/null |
		sed -n "s/^name $2 at port \([0-9]*\)\$/\1/p"
}

# node_start HOST NAME [erl|elixir] [name|sname] [CODE]: start a long-lived
# node (log: node-NAME@HOST.log) that evaluates CODE (Erlang expressions for
# erl, Elixir for elixir) and stays up; wait (20 s) until it is registered.
node_start() {
	local h=$1 n=$2 kind=${3:-erl} mode=${4:-$DG_NAMES} code=${5:-} log argv=()
	log=$DG_LOGDIR/node-$n@$h.log
	mapfile -t argv < <(node_cmd "$h" "$n" "$kind" "$mode" 0)
	if [ "$kind" = elixir ]; then
		argv+=(--no-halt)
		[ -n "$code" ] && argv+=(-e "$code")
	elif [ -n "$code" ]; then
		argv+=(-eval "$code")
	fi
	echo "### lib.sh: start $(date -u +%FT%TZ) $n on $h" >>"$log"
	spawn "$log" "$h" "${argv[@]}"
	DG_NODE_PID[$h/$n]=$DG_LAST_PID
	local i
	for ((i = 0; i < 100; i++)); do
		pid_alive "$DG_LAST_PID" || {
			tail -n 20 "$log" >&2
			fail "node $n on $h exited during start-up"
		}
		node_registered "$h" "$n" && return 0
		sleep 0.2
	done
	tail -n 20 "$log" >&2
	fail "node $n on $h not registered after 20 s"
}

# node_stop HOST NAME: stop a node started by node_start (TERM, KILL
# after 5 s) and wait until its registration is gone (5 s).
node_stop() {
	local pid=${DG_NODE_PID[$1/$2]:-}
	[ -n "$pid" ] || fail "node_stop: no node $2 on $1"
	stop_pids 5 TERM "$pid"
	unset "DG_NODE_PID[$1/$2]"
	wait_for 5 not node_registered "$1" "$2" ||
		fail "node $2 still registered on $1 after it stopped"
}

# Wrapper evaluated by short-lived Erlang nodes: parse $DG_CODE, evaluate it
# here or (with $DG_TARGET) on that node through rpc, print the result on
# one "DGRESULT term" line, halt.
DG_ERL_WRAPPER='
Code = os:getenv("DG_CODE"),
Target = os:getenv("DG_TARGET"),
R = try
	{ok, Ts, _} = erl_scan:string(Code ++ "."),
	{ok, Es} = erl_parse:parse_exprs(Ts),
	case Target of
	false -> {value, V, _} = erl_eval:exprs(Es, []), V;
	_ -> T = list_to_atom(Target),
	     Ms = list_to_integer(os:getenv("DG_RPC_MS", "30000")),
	     case rpc:call(T, erl_eval, exprs, [Es, []], Ms) of
	     {value, V, _} -> V;
	     Bad -> {dg_rpc_failed, T, Bad}
	     end
	end
catch C:E:S -> {dg_error, C, E, S}
end,
io:put_chars(["DGRESULT ", io_lib:print(R, 1, 1000000, -1), "\n"]),
halt().'

DG_EX_WRAPPER='
r = try do
  {v, _} = Code.eval_string(System.fetch_env!("DG_CODE")); v
rescue e -> {:dg_error, Exception.message(e)}
end
IO.puts("DGRESULT " <> inspect(r, limit: :infinity, printable_limit: :infinity))'

# eval_run WHAT HOST NAME SECS LOG CODE TARGET ARGV...: run the short-lived
# node ARGV (env -i first) in HOST's namespace with CODE (and TARGET, for
# rpc) in its environment, appending to LOG, bounded by SECS; print the
# DGRESULT line, or return 1 with LOG's tail on stderr.  For node_eval and
# wire_eval.
eval_run() {
	local what=$1 h=$2 n=$3 secs=$4 log=$5 code=$6 target=$7 out
	shift 7
	local argv=("$@")
	# env -i is argv[1]; add our variables right after it.
	argv=("${argv[@]:0:2}" "DG_CODE=$code" "DG_RPC_MS=$((secs * 1000 - 1000))" "${argv[@]:2}")
	[ -n "$target" ] && argv=("${argv[@]:0:2}" "DG_TARGET=$target" "${argv[@]:2}")
	# --foreground: stay in our process group, so that a TERM to the
	# group (run.sh's timeout, ^C) reaches the node at once.
	in_ns "$h" timeout --foreground -k 5 "$secs" "${argv[@]}" </dev/null >>"$log" 2>&1 || true
	out=$(sed -n 's/^DGRESULT //p' "$log")
	if [ -z "$out" ]; then
		echo "--- $log:" >&2
		tail -n 20 "$log" >&2
		echo "$what $n on $h: no result" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# node_eval [--elixir] [--hidden] [--target NODE] [--timeout SECS] HOST NAME
# CODE: start a short-lived node NAME on HOST, evaluate CODE (Erlang
# expressions without the final dot, or Elixir with --elixir), print the
# result term on stdout.  --target evaluates CODE on NODE through rpc.
# Fails (returns 1, log on stderr) when no result came within SECS (30).
node_eval() {
	local kind=erl hidden=0 target="" secs=30 h n code log argv=() out
	while :; do
		case $1 in
		--elixir) kind=elixir; shift;;
		--hidden) hidden=1; shift;;
		--target) target=$2; shift 2;;
		--timeout) secs=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1 n=$2 code=$3
	DG_EVALS=$((DG_EVALS + 1))
	log=$DG_LOGDIR/eval-$(printf %02d "$DG_EVALS")-$n@$h.log
	mapfile -t argv < <(node_cmd "$h" "$n" "$kind" "$DG_NAMES" "$hidden")
	if [ "$kind" = elixir ]; then
		argv+=(-e "$DG_EX_WRAPPER")
	else
		argv+=(-eval "$DG_ERL_WRAPPER")
	fi
	printf '### lib.sh: %s on %s%s:\n%s\n' "$n" "$h" \
	    "${target:+ (rpc to $target)}" "$code" >"$log"
	eval_run node_eval "$h" "$n" "$secs" "$log" "$code" "$target" "${argv[@]}"
}

# node_rpc [--timeout SECS] HOST NODE CODE: evaluate Erlang CODE on the
# running NODE (on HOST) from a hidden local control node, within SECS
# (default 30); print the result.
node_rpc() {
	local t=()
	[ "$1" = --timeout ] && { t=(--timeout "$2"); shift 2; }
	DG_RPCS=$((${DG_RPCS:-0} + 1))
	node_eval --hidden "${t[@]}" --target "$2" "$1" "ctl$DG_RPCS" "$3"
}

# watch_link HOST NODE PEER: on NODE (HOST), start a process that records
# a nodedown of PEER (see link_intact).  NODE must be connected to PEER.
watch_link() {
	local r
	r=$(node_rpc "$1" "$2" "
		true = lists:member('$3', nodes()),
		P = spawn(fun() -> erlang:monitor_node('$3', true),
			receive {nodedown, N} -> persistent_term:put(dg_nodedown, N) end
		end),
		register(dg_watch, P), watching") || fail "watch_link $2 -> $3"
	expect_eq "$r" watching "watching the link $2 -> $3"
}

# link_intact HOST NODE PEER: the link NODE -> PEER has not gone down since
# watch_link and still carries a round trip (rpc to PEER).
link_intact() {
	local r
	r=$(node_rpc "$1" "$2" "
		{persistent_term:get(dg_nodedown, none),
		 lists:member('$3', nodes()),
		 rpc:call('$3', erlang, node, [], 5000)}") || fail "link_intact"
	expect_eq "$(unq "$r")" "{none,true,$3}" "link $2 -> $3 never went down and carries rpc"
}

# ---- Erlang test tools (tests/integration/erl/*.erl) ------------------------

# erl_tool NAME: compile tests/integration/erl/NAME.erl into $DG_WORK/ebin
# (once) and print that directory.
erl_tool() {
	local src=$DG_ROOT/tests/integration/erl/$1.erl out=$DG_WORK/ebin
	mkdir -p "$out"
	if [ ! -e "$out/$1.beam" ]; then
		erlc -o "$out" "$src" >&2 || fail "erl_tool: erlc $src failed"
	fi
	echo "$out"
}

# tool_start LOG HOST NAME [ARG...]: run the test tool NAME (erl_tool) as
# NAME:main([ARG...]) in plain `erl -noshell`, without distribution, in
# HOST's namespace, in the background (output appended to LOG); its PID is
# in $DG_LAST_PID.
tool_start() {
	local log=$1 h=$2 name=$3 ebin
	shift 3
	ebin=$(erl_tool "$name")
	echo "### lib.sh: start $(date -u +%FT%TZ) tool $name on $h: $*" >>"$log"
	spawn "$log" "$h" env -i "PATH=$PATH" "LANG=C.UTF-8" "HOME=$DG_WORK" \
	    "DG_RUN_TAG=$DG_TAG" erl -noshell -pa "$ebin" -run "$name" main "$@"
}

# ---- interactive shells on a pseudo-terminal --------------------------------

# tty_shell HOST OUT INPUT DONE CMD...: run CMD (an argv, e.g. node_env's
# env ... iex --remsh N) in HOST's namespace on a pseudo-terminal
# (script(1), TERM=xterm), output to OUT.  Once OUT shows a shell prompt
# ("...)N> ", 20 s; not if the shell says it could not connect), type the
# line INPUT, wait (10 s) until OUT matches the ERE DONE, then quit the
# local shell through the job-control menu (^G q).  Returns once CMD has
# ended (it is killed after 40 s).  For erl -remsh and iex --remsh, which
# need a terminal (IEx ignores --remsh on a pipe).
tty_shell() {
	local h=$1 out=$2 input=$3 done=$4 fifo pid fd cmd i
	shift 4
	cmd=$(printf '%q ' "$@")
	fifo=$(mktemp -u "$DG_WORK/tty.XXXXXX")
	mkfifo -m 0600 "$fifo"
	: >"$out"
	# (ip netns exec and timeout exec: $! stays the PID of the program)
	ip netns exec "$(ns_of "$h")" timeout -k 2 40 script -q -e -c "$cmd" \
	    /dev/null <"$fifo" >>"$out" 2>&1 &
	pid=$!
	DG_PIDS+=("$pid")
	exec {fd}>"$fifo"
	for ((i = 0; i < 100; i++)); do
		pid_alive "$pid" || break
		grep -Eq '\)[0-9]+> ' "$out" && break
		grep -Eq 'Could not (connect|find)|Shell process terminated' \
		    "$out" && break
		sleep 0.2
	done
	if pid_alive "$pid" && grep -Eq '\)[0-9]+> ' "$out"; then
		# (subshells: a write to a closed terminal is a SIGPIPE)
		(printf '%s\r' "$input" >&"$fd") 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			grep -Eq -- "$done" "$out" && break
			pid_alive "$pid" || break
			sleep 0.2
		done
	fi
	# ^G opens the job-control menu, q quits the local node only.
	(printf '\a' >&"$fd"; sleep 0.5; printf 'q\r' >&"$fd") 2>/dev/null || true
	exec {fd}>&-
	for ((i = 0; i < 50; i++)); do
		pid_alive "$pid" || break
		sleep 0.2
	done
	stop_pids 5 TERM "$pid"
	rm -f -- "$fifo"
}
