# lib.sh — shared harness for the integration scenarios (source it).
#
# Hosts are Linux network namespaces joined by one bridge ("switch", in its
# own namespace) on 10.77.0.0/24: hostA = .1, hostB = .2, hostC = .3, ...
# Each host runs its own distgate (or, with DG_PLAIN=1, a real epmd and
# direct distribution across the wire, to tell harness faults from gateway
# faults) and its own Erlang/Elixir nodes.
#
# Environment (all optional):
#   DG_BIN      gateway binary (default: ./distgate at the repository root)
#   DG_LOGDIR   where logs and configs go, kept after the run; must be new
#               or empty (default: tests/integration/.run/<scenario>,
#               emptied first)
#   DG_TAG      prefix of namespace names and the tag every started process
#               carries as DG_RUN_TAG in its environment (default: dg<PID>)
#   DG_NAMES    name (default: -name x@hostA.test) or sname (-sname x@hostA)
#   DG_PLAIN    1: epmd instead of distgate, nodes reachable on the wire
#   DG_NODE_LOOPBACK  0: nodes listen on every address (default: loopback)
#   DG_VERBOSE  1: trace every command (set -x)
#
# Every started process is recorded by PID; the EXIT trap stops them (TERM,
# then KILL after a bound), kills anything else still carrying our tag or
# living in our namespaces, deletes the namespaces (their veths go with
# them) and removes the work directory (keys, cookies, node homes).
set -Eeuo pipefail
[ "${DG_VERBOSE:-0}" = 1 ] && set -x

DG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DG_BIN=${DG_BIN:-$DG_ROOT/distgate}
DG_TEST=${DG_TEST:-$(basename "$0" .sh)}
if [ -z "${DG_LOGDIR:-}" ]; then
	# Our own directory: start it afresh (logs are appended to).
	DG_LOGDIR=$DG_ROOT/tests/integration/.run/$DG_TEST
	rm -rf "$DG_LOGDIR"
fi
DG_TAG=${DG_TAG:-dg$$}
DG_NAMES=${DG_NAMES:-name}
DG_PLAIN=${DG_PLAIN:-0}
DG_TLS_PORT=4370
DG_NET=10.77.0
# How a gateway log line names a connection: conn=N (EPMD ones: epmd=N).
DG_ID='(conn|epmd)=[0-9]+'

DG_HOSTS=()			# hosts made by ns_setup, in order
DG_NAMESPACES=()		# every namespace we created
DG_PIDS=()			# every background process we started
declare -A DG_GW_PID=()		# host -> gateway (or epmd) PID
declare -A DG_NODE_PID=()	# "host/name" -> long-lived node PID
DG_EVALS=0			# counter for short-lived node log names
DG_CHECKS=0			# passed assertions
DG_T0=$(date +%s)

mkdir -p "$DG_LOGDIR"
DG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/distgate-it.$DG_TAG.XXXXXX")
chmod 0700 "$DG_WORK"
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# ---- reporting --------------------------------------------------------------

# step MSG: announce what the scenario does next.
step() { printf '# [%3ss] %s\n' "$(($(date +%s) - DG_T0))" "$*"; }

# pass MSG: one passed check.
pass() { DG_CHECKS=$((DG_CHECKS + 1)); printf 'ok - %s\n' "$*"; }

# fail MSG: report and end the scenario (the EXIT trap cleans up).
fail() {
	printf 'FAIL - %s\n' "$*" >&2
	exit 1
}

# skip MSG: the scenario cannot run here; run.sh counts exit 77 as skipped.
skip() {
	printf 'SKIP - %s\n' "$*" >&2
	exit 77
}

# expect_eq ACTUAL EXPECTED MSG
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	pass "$3"
}

# expect_match ACTUAL ERE MSG
expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: '$1' does not match /$2/"
	pass "$3"
}

# expect_nomatch ACTUAL ERE MSG
expect_nomatch() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3: '$1' matches /$2/"
	fi
	pass "$3"
}

# wait_for SECS CMD [ARG...]: run CMD every 0.2 s until it succeeds.
# Returns 0 when it did, 1 when SECS ran out.
wait_for() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# unq TEXT: TEXT without single quotes (Erlang quotes a1@hostA.test but
# not a1@hostA; compare node names unquoted).
unq() { printf '%s\n' "${1//\'/}"; }

# now_ms: wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- hosts and namespaces ---------------------------------------------------

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

# pki_setup: certificates for every host (+ rogue, hostZ) and the cookie.
pki_setup() {
	[ -e "$DG_WORK/pki/ca.crt" ] && return 0
	"$DG_ROOT/deploy/pki.sh" "$DG_WORK/pki" hostA hostB hostC >/dev/null
	DG_PKI=$DG_WORK/pki
	# A fresh random cookie for the whole run (dg + 32 hex digits).
	DG_COOKIE=dg$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	DG_COOKIE_FILE=$DG_WORK/cookie
	(umask 077 && printf '%s' "$DG_COOKIE" >"$DG_COOKIE_FILE")
	chmod 0400 "$DG_COOKIE_FILE"
}
DG_PKI=$DG_WORK/pki

# ---- processes --------------------------------------------------------------

# pid_alive PID
pid_alive() { kill -0 "$1" 2>/dev/null; }

# stop_pids SECS SIGNAL PID...: signal, wait up to SECS, then KILL; reap.
stop_pids() {
	local secs=$1 sig=$2 p left deadline
	shift 2
	# (stderr off: bash reports signalled background jobs as "Killed")
	{
		for p in "$@"; do kill "-$sig" "$p" || true; done
		deadline=$(($(date +%s%N) + secs * 1000000000))
		while :; do
			left=()
			for p in "$@"; do pid_alive "$p" && left+=("$p"); done
			[ ${#left[@]} -eq 0 ] && break
			if [ "$(date +%s%N)" -ge "$deadline" ]; then
				for p in "${left[@]}"; do
					echo "# $p did not stop after SIG$sig: KILL"
					kill -KILL "$p" || true
				done
				break
			fi
			sleep 0.1
		done
		for p in "$@"; do wait "$p" || true; done
	} 2>/dev/null
	forget_pids "$@"
}

# forget_pids PID...: drop PIDs from DG_PIDS once they are gone (so the
# cleanup never signals a recycled PID).
forget_pids() {
	local p q keep=()
	for p in "${DG_PIDS[@]}"; do
		for q in "$@"; do [ "$p" = "$q" ] && continue 2; done
		keep+=("$p")
	done
	DG_PIDS=("${keep[@]}")
}

# tagged_pids TAG: processes whose environment carries DG_RUN_TAG=TAG.
tagged_pids() {
	local f p
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		grep -qzx -- "DG_RUN_TAG=$1" "$f" 2>/dev/null && echo "$p"
	done
	return 0
}

# spawn LOG HOST CMD...: start CMD in HOST's namespace in the background
# (stdin closed, output appended to LOG), record its PID in DG_PIDS and
# $DG_LAST_PID.  ip netns exec, env, unshare, sh and erl all exec, so the
# PID stays the one of the final program (distgate, epmd, beam.smp).
spawn() {
	local log=$1 ns
	ns=$(ns_of "$2")
	shift 2
	ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 &
	DG_LAST_PID=$!
	DG_PIDS+=("$DG_LAST_PID")
}

# dg_cleanup: the EXIT trap.  Stops everything, deletes namespaces and the
# work directory, keeps $DG_LOGDIR.  Runs once, ignoring further signals.
dg_cleanup() {
	local rc=$? p ns stray
	trap '' INT TERM HUP
	trap - EXIT ERR
	set +e
	if [ ${#DG_PIDS[@]} -gt 0 ]; then
		stop_pids 5 TERM "${DG_PIDS[@]}"
	fi
	# Children our processes started (auto-started epmd, erl_child_setup,
	# tcpdump...), and anything else inside our namespaces.
	stray=$(tagged_pids "$DG_TAG")
	for ns in "${DG_NAMESPACES[@]}"; do
		stray+=" $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	done
	for p in $stray; do kill -KILL "$p" 2>/dev/null; done
	for ((p = 0; p < ${#DG_NAMESPACES[@]}; p++)); do
		ip netns del "${DG_NAMESPACES[p]}" 2>/dev/null
	done
	rm -rf "$DG_WORK"
	if [ "$rc" -eq 0 ] && [ "$DG_CHECKS" -gt 0 ]; then
		echo "# $DG_TEST: $DG_CHECKS checks passed ($(($(date +%s) - DG_T0)) s)"
	fi
	exit "$rc"
}
trap dg_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'echo "error: ${BASH_SOURCE[0]##*/}:$LINENO: \`$BASH_COMMAND\` failed" >&2' ERR

# ---- gateways ---------------------------------------------------------------

# gw_config [--cert NAME] [--peers "HOST..."] HOST [LINE...]: write HOST's
# INI to $DG_LOGDIR/gw-HOST.ini and print its path.  --cert picks another
# certificate from the PKI (rogue, hostZ); --peers lists the peer sections
# (default: every other host of ns_setup).  Extra LINEs go right after the
# [gateway] keys; a LINE "[section]" opens a section of its own.
gw_config() {
	local cert="" peers="" h p cfg ip
	while :; do
		case $1 in
		--cert) cert=$2; shift 2;;
		--peers) peers=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1
	shift
	cert=${cert:-$h}
	if [ -z "$peers" ]; then
		for p in "${DG_HOSTS[@]}"; do [ "$p" = "$h" ] || peers+="$p "; done
	fi
	ip=$(host_ip "$h")
	cfg=$DG_LOGDIR/gw-$h.ini
	{
		echo "; $h, written by tests/integration/lib.sh"
		echo "[gateway]"
		echo "hostnames = $h $h.test"
		echo "listen = $ip:$DG_TLS_PORT"
		echo "log_level = debug"
		for p in "$@"; do echo "$p"; done
		echo
		echo "[tls]"
		echo "cert = $DG_PKI/$cert.crt"
		echo "key = $DG_PKI/$cert.key"
		echo "ca = $DG_PKI/ca.crt"
		for p in $peers; do
			echo
			echo "[peer $p]"
			echo "address = $(host_ip "$p"):$DG_TLS_PORT"
			echo "hostnames = $p $p.test"
			echo "identity = $p.test"
		done
	} >"$cfg"
	echo "$cfg"
}

# gw_log HOST: path of HOST's gateway log.
gw_log() { echo "$DG_LOGDIR/gw-$1.log"; }

# inetrc_of HOST: path of the inetrc that HOST's nodes use.
inetrc_of() { echo "$DG_LOGDIR/$1.inetrc"; }

# plain_inetrc HOST: DG_PLAIN's inetrc: every host by its wire address.
plain_inetrc() {
	local h
	echo '{lookup,[file,native]}.'
	for h in "${DG_HOSTS[@]}"; do
		echo "{host, {${DG_NET//./,},$(host_index "$h")}, [\"$h\",\"$h.test\"]}."
	done
}

# alias_of HOST PEER: the address HOST's inetrc gives PEER (dotted).
alias_of() {
	tr -d ' \t' <"$(inetrc_of "$1")" |
		sed -n "s/^{host,{\([0-9]*,[0-9]*,[0-9]*,[0-9]*\)},\[\"$2\".*/\1/p" |
		head -n 1 | tr , .
}

# listening HOST PORT: something in HOST listens on TCP PORT.
listening() {
	in_ns "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# gw_start [--cert NAME] [--peers "..."] HOST [LINE...]: write the config,
# start the gateway in HOST's namespace (log: gw-HOST.log), wait (10 s)
# until it listens on 4369 and its TLS port, and write HOST's inetrc.
gw_start() {
	local args=() h cfg log pid
	while [ "${1:-}" = --cert ] || [ "${1:-}" = --peers ]; do
		args+=("$1" "$2")
		shift 2
	done
	h=$1
	cfg=$(gw_config "${args[@]}" "$@")
	log=$(gw_log "$h")
	echo "### lib.sh: start $(date -u +%FT%TZ) $DG_BIN -c $cfg" >>"$log"
	if [ "$DG_PLAIN" = 1 ]; then
		spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" epmd
		plain_inetrc "$h" >"$(inetrc_of "$h")"
	else
		spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" "$DG_BIN" -c "$cfg"
		"$DG_BIN" -c "$cfg" inetrc >"$(inetrc_of "$h")" 2>>"$log" ||
			fail "gw_start $h: distgate inetrc failed (see $log)"
	fi
	pid=$DG_LAST_PID
	DG_GW_PID[$h]=$pid
	gw_ready "$h" || {
		tail -n 20 "$log" >&2
		fail "gw_start $h: not listening on 4369/$DG_TLS_PORT after 10 s"
	}
}

# gw_ready HOST: wait (10 s) for HOST's gateway to listen; 1 if it died.
gw_ready() {
	local h=$1 pid=${DG_GW_PID[$1]} i
	for ((i = 0; i < 50; i++)); do
		pid_alive "$pid" || return 1
		if listening "$h" 4369 &&
		    { [ "$DG_PLAIN" = 1 ] || listening "$h" "$DG_TLS_PORT"; }; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# gw_stop HOST [SIGNAL]: stop HOST's gateway (default TERM; KILL after
# 5 s) and return its exit status.
gw_stop() {
	local h=$1 sig=${2:-TERM} pid=${DG_GW_PID[$1]:-} rc=0 i
	[ -n "$pid" ] || fail "gw_stop $h: no gateway started"
	# (stderr off: bash reports a signalled background job as "Killed")
	{
		kill "-$sig" "$pid" || true
		for ((i = 0; i < 50; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		if pid_alive "$pid"; then
			echo "# gateway $h ignored SIG$sig for 5 s: KILL"
			kill -KILL "$pid" || true
		fi
		wait "$pid" || rc=$?
	} 2>/dev/null
	forget_pids "$pid"
	unset "DG_GW_PID[$h]"
	return "$rc"
}

# log_mark HOST: the current size of HOST's gateway log (for --since).
log_mark() { stat -c %s "$(gw_log "$1")" 2>/dev/null || echo 0; }

# log_grep HOST SINCE ERE: HOST's log lines written after byte SINCE that
# match ERE (case-insensitive).
log_grep() {
	tail -c "+$(($2 + 1))" "$(gw_log "$1")" 2>/dev/null | grep -Ei -- "$3"
}

# expect_log [--since MARK] HOST ERE [SECS]: wait (default 5 s) until
# HOST's gateway log has a line matching ERE, then pass; else fail.
expect_log() {
	local since=0
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	local h=$1 re=$2 secs=${3:-5} line
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to look for /$re/ in)"
		return 0
	fi
	if wait_for "$secs" log_grep "$h" "$since" "$re"; then
		line=$(log_grep "$h" "$since" "$re" | head -n 1)
		pass "gateway $h logged: ${line:0:200}"
	else
		echo "--- tail of $(gw_log "$h"):" >&2
		tail -n 15 "$(gw_log "$h")" >&2 || true
		fail "gateway $h never logged /$re/ within ${secs}s"
	fi
}

# ---- nodes ------------------------------------------------------------------

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

# not CMD...: succeed when CMD fails.
not() { ! "$@"; }

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
	     case rpc:call(T, erl_eval, exprs, [Es, []], 30000) of
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
	# env -i is argv[1]; add our variables right after it.
	argv=("${argv[@]:0:2}" "DG_CODE=$code" "${argv[@]:2}")
	[ -n "$target" ] && argv=("${argv[@]:0:2}" "DG_TARGET=$target" "${argv[@]:2}")
	if [ "$kind" = elixir ]; then
		argv+=(-e "$DG_EX_WRAPPER")
	else
		argv+=(-eval "$DG_ERL_WRAPPER")
	fi
	printf '### lib.sh: %s on %s%s:\n%s\n' "$n" "$h" \
	    "${target:+ (rpc to $target)}" "$code" >"$log"
	# --foreground: stay in our process group, so that a TERM to the
	# group (run.sh's timeout, ^C) reaches the node at once.
	in_ns "$h" timeout --foreground -k 5 "$secs" "${argv[@]}" </dev/null >>"$log" 2>&1 || true
	out=$(sed -n 's/^DGRESULT //p' "$log")
	if [ -z "$out" ]; then
		echo "--- $log:" >&2
		tail -n 20 "$log" >&2
		echo "node_eval $n on $h: no result" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# node_rpc HOST NODE CODE: evaluate Erlang CODE on the running NODE (on
# HOST) from a hidden local control node; print the result.
node_rpc() {
	DG_RPCS=$((${DG_RPCS:-0} + 1))
	node_eval --hidden --target "$2" "$1" "ctl$DG_RPCS" "$3"
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

# ---- packet capture ---------------------------------------------------------

# capture_start HOST PCAP: tcpdump on HOST's eth0 into PCAP (full packets);
# waits (10 s) until it listens.
capture_start() {
	local log=$DG_LOGDIR/tcpdump-$1.log
	spawn "$log" "$1" env DG_RUN_TAG="$DG_TAG" \
	    tcpdump -i eth0 -n -s 0 -U --immediate-mode -Z root -w "$2"
	DG_CAPTURE_PID=$DG_LAST_PID
	wait_for 10 grep -q 'listening on' "$log" || fail "tcpdump did not start"
}

# capture_stop: stop the capture (its file is complete afterwards).
capture_stop() { stop_pids 5 INT "$DG_CAPTURE_PID"; }

# ---- raw TCP ----------------------------------------------------------------

# raw_send HOST ADDR PORT DATA [SECS]: from HOST, connect to ADDR:PORT, send
# DATA (printf %b escapes, e.g. '\x00\x01n'), read until the peer closes or
# SECS (default 5) pass; SECS 0 closes right after sending.  Prints the
# reply as hex bytes on one line.  Returns 0 if the peer closed (FIN or
# reset; or SECS was 0), 124 if it kept the connection open, 2 if the
# connect failed.
raw_send() {
	_raw_send "$1" "$2" "$3" data "$4" "${5:-5}"
}

# raw_send_file HOST ADDR PORT FILE [SECS]: raw_send with the bytes of FILE.
raw_send_file() {
	_raw_send "$1" "$2" "$3" file "$4" "${5:-5}"
}

# _raw_send HOST ADDR PORT data|file ARG SECS: the body of raw_send*.
_raw_send() {
	timeout --foreground -k 2 $(($6 + 10)) ip netns exec "$(ns_of "$1")" bash -c '
		trap "" PIPE
		exec 3<>"/dev/tcp/$1/$2" || exit 2
		if [ "$3" = file ]; then cat -- "$4"; else printf %b "$4"; fi >&3
		[ "$5" = 0 ] && exit 0
		t=$(mktemp) || exit 3
		timeout "$5" cat <&3 >"$t"; rc=$?
		[ $rc -eq 124 ] || rc=0		# EOF or reset: closed
		echo $(od -An -v -tx1 "$t")
		rm -f "$t"
		exit $rc' raw_send "$2" "$3" "$4" "$5" "$6" 2>/dev/null
}

# tcp_connects HOST ADDR PORT: a TCP connect from HOST succeeds within 3 s.
tcp_connects() {
	in_ns "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' tcp "$2" "$3" \
	    2>/dev/null
}
