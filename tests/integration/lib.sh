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
declare -A DG_PEER_LINES=()	# "host/peer" -> extra lines of that [peer]
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
# Lines given with gw_peer_lines end the [peer] sections they are for.
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
			# Lines set by gw_peer_lines (none unless a scenario asks).
			if [ -n "${DG_PEER_LINES[$h/$p]:-}" ]; then
				printf '%s\n' "${DG_PEER_LINES[$h/$p]}"
			fi
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
		# sed stops reading at the first match: no SIGPIPE under pipefail.
		line=$(log_grep "$h" "$since" "$re" | sed -n '1{p;q}' || true)
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
	argv=("${argv[@]:0:2}" "DG_CODE=$code" "${argv[@]:2}")
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

# ---- edge verification: cookies, peer policy, audit -------------------------

# cookie_new NAME [VALUE]: write the cookie file $DG_WORK/cookies/NAME (mode
# 0400) holding VALUE (default: a fresh random "dg" + 32 hex digits, no
# newline) and print its path.
cookie_new() {
	local f=$DG_WORK/cookies/$1 v=${2:-}
	[ -n "$v" ] || v=dg$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$DG_WORK/cookies"
	rm -f -- "$f"
	(umask 077 && printf '%s' "$v" >"$f")
	chmod 0400 "$f"
	echo "$f"
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

# gw_peer_lines HOST PEER [LINE...]: LINEs go at the end of the [peer PEER]
# section of HOST's configuration from the next gw_config/gw_start on
# (e.g. "nodes = app*@hostA.test"); without LINEs, drops them again.
gw_peer_lines() {
	local key="$1/$2"
	shift 2
	if [ $# -eq 0 ]; then
		unset "DG_PEER_LINES[$key]"
	else
		DG_PEER_LINES[$key]=$(printf '%s\n' "$@")
	fi
}

# log_count HOST SINCE ERE: how many lines of HOST's gateway log after byte
# SINCE match ERE (case-insensitive).
log_count() {
	local n
	n=$(log_grep "$1" "$2" "$3" | wc -l) || true
	echo "$((n + 0))"
}

# log_first HOST SINCE ERE: the first line of HOST's gateway log after byte
# SINCE that matches ERE (case-insensitive); status 1 when none does.
# Unlike `log_grep | head -n 1`, safe under pipefail with many matches.
log_first() {
	grep -Ei -m 1 -- "$3" < <(tail -c "+$(($2 + 1))" "$(gw_log "$1")" 2>/dev/null)
}

# expect_log_first [--since MARK] HOST ERE [SECS]: expect_log for patterns
# that may match many lines (thousands of audit lines).
expect_log_first() {
	local since=0
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	local h=$1 re=$2 secs=${3:-5} line
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to look for /$re/ in)"
		return 0
	fi
	if wait_for "$secs" log_first "$h" "$since" "$re"; then
		line=$(log_first "$h" "$since" "$re") || true
		pass "gateway $h logged: ${line:0:200}"
	else
		echo "--- tail of $(gw_log "$h"):" >&2
		tail -n 15 "$(gw_log "$h")" >&2 || true
		fail "gateway $h never logged /$re/ within ${secs}s"
	fi
}

# expect_no_log [--since MARK] HOST ERE: HOST's gateway log (after MARK)
# has no line matching ERE.
expect_no_log() {
	local since=0 line
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to check for /$2/)"
		return 0
	fi
	line=$(log_first "$1" "$since" "$2") || true
	[ -z "$line" ] || fail "gateway $1 logged /$2/: ${line:0:300}"
	pass "gateway $1 did not log /$2/"
}

# expect_file_lacks FILE ERE MSG: no line of FILE matches ERE.
expect_file_lacks() {
	local line
	line=$(grep -E -m 1 -- "$2" "$1" 2>/dev/null) || true
	[ -z "$line" ] || fail "$3: ${1##*/} has: ${line:0:300}"
	pass "$3"
}

# audit_field LINE FIELD: the value of FIELD in an audit line (without the
# quotes of subject=, san=, reason=); empty when FIELD is missing.
audit_field() {
	local re
	re="(^|[ ])$2=(\"([^\"]*)\"|([^ \"]*))"
	if [[ $1 =~ $re ]]; then
		printf '%s\n' "${BASH_REMATCH[3]}${BASH_REMATCH[4]}"
	fi
}

# DG_AUDIT_RE: an audit line with every field of the contract, in order.
DG_AUDIT_RE='audit conn=[0-9]+ dir=(in|out) peer=[^ ]+ addr=[^ ]+ subject="[^"]*" san="[^"]*" initiator=[^ ]+ acceptor=[^ ]+ hidden=(yes|no) verdict=(ok|refused|error) code=[a-z_]+ reason="[^"]*" bytes_out=[0-9]+ bytes_in=[0-9]+ duration=[0-9]+\.[0-9]{3}s'

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

# ---- raw TLS to a peer gateway ----------------------------------------------

# tls_request HOST PEER HEX [SECS]: from HOST, open a mutual-TLS connection
# to PEER's gateway with HOST's certificate (or $DG_TLS_CERT's), send the
# bytes HEX ("44 47 01 ..."), and print what came back as hex bytes on one
# line, read until the server closes or SECS (default 3) pass.
tls_request() {
	local h=$1 p=$2 hex=$3 secs=${4:-3} cert=${DG_TLS_CERT:-$1} out
	out=$(mktemp "$DG_WORK/tls.XXXXXX")
	# -quiet implies -ign_eof: s_client stays until the server closes.
	{ printf '%b' "$(printf '%s' "$hex" | tr -cd '0-9a-fA-F' | sed -E 's/(..)/\\x\1/g')"; sleep "$secs"; } |
	    in_ns "$h" timeout -k 2 "$((secs + 2))" openssl s_client -quiet \
	    -connect "$(host_ip "$p"):$DG_TLS_PORT" -cert "$DG_PKI/$cert.crt" \
	    -key "$DG_PKI/$cert.key" -CAfile "$DG_PKI/ca.crt" \
	    -verify_return_error >"$out" 2>/dev/null || true
	# shellcheck disable=SC2046,SC2005 # one line of hex bytes
	echo $(od -An -v -tx1 "$out")
	rm -f -- "$out"
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

# ==== native TLS nodes, plain hosts, bastions (scenarios 20-29) ==============
#
# Hosts without distgate run a real epmd bound to their wire address (plus
# loopback) and nodes that listen on that address: native ones with
# -proto_dist inet_tls (an ssl_dist_optfile per host), plain ones with
# inet_tcp.  Their inetrc maps every host of ns_setup to its wire address
# (hosts behind distgate answer there through public_epmd).

# pki_leaf HOST: HOST.crt/HOST.key from the run's CA (SAN HOST.test and
# HOST, serverAuth + clientAuth), for hosts that pki_setup did not cover
# (hostD...).  Does nothing when the certificate exists.
pki_leaf() {
	local h=$1
	pki_setup
	[ -e "$DG_PKI/$h.crt" ] && return 0
	(umask 077 && openssl req -x509 -new -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj "/CN=$h.test" -CA "$DG_PKI/ca.crt" -CAkey "$DG_PKI/ca.key" \
	    -keyout "$DG_PKI/$h.key" -out "$DG_PKI/$h.crt" \
	    -addext "basicConstraints=critical,CA:FALSE" \
	    -addext "keyUsage=critical,digitalSignature" \
	    -addext "extendedKeyUsage=serverAuth,clientAuth" \
	    -addext "subjectAltName=DNS:$h.test,DNS:$h") 2>/dev/null ||
		fail "pki_leaf: openssl could not make $h's certificate"
	chmod 0644 "$DG_PKI/$h.crt"
}

# ip_tuple HOST: HOST's wire address as an Erlang tuple ({10,77,0,3}).
ip_tuple() { echo "{${DG_NET//./,},$(host_index "$1")}"; }

# wire_host HOST: make HOST a host without distgate: its inetrc maps every
# host of ns_setup to its wire address, and a real epmd runs there on
# HOST's address and loopback (log: epmd-HOST.log); waits (10 s) until it
# listens.
wire_host() {
	local h=$1 log=$DG_LOGDIR/epmd-$1.log
	plain_inetrc "$h" >"$(inetrc_of "$h")"
	echo "### lib.sh: start $(date -u +%FT%TZ) epmd on $h" >>"$log"
	spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" \
	    ERL_EPMD_ADDRESS="$(host_ip "$h")" epmd
	wait_for 10 listening "$h" 4369 || fail "epmd on $h did not start"
}

# dist_optfile HOST [CERT]: write the ssl_dist_optfile of native nodes on
# HOST presenting certificate CERT (default HOST's; e.g. rogue) and print
# its path.  Both sides verify the other against the cluster CA; a client
# checks the server's certificate against the host part of the node name
# it dials (OTP 25 sends it as SNI and checks it by default).  Options in
# $DG_DIST_OPTS (Erlang terms, e.g. "{versions, ['tlsv1.3']}") go into
# both lists; DG_DIST_RENEG=0 leaves out {secure_renegotiate, true}
# (a TLS 1.2 option, which OTP refuses together with versions
# ['tlsv1.3']).
dist_optfile() {
	local h=$1 cert=${2:-$1} f reneg="" tag=""
	# One file per variant: a running node may read its file again.
	if [ -n "${DG_DIST_OPTS:-}" ] || [ "${DG_DIST_RENEG:-1}" != 1 ]; then
		tag=-$(printf '%s/%s' "${DG_DIST_OPTS:-}" "${DG_DIST_RENEG:-1}" | cksum | cut -d ' ' -f 1)
	fi
	f=$DG_LOGDIR/ssl_dist-$h-$cert$tag.conf
	local files="{certfile, \"$DG_PKI/$cert.crt\"}, {keyfile, \"$DG_PKI/$cert.key\"},
	    {cacertfile, \"$DG_PKI/ca.crt\"}${DG_DIST_OPTS:+, $DG_DIST_OPTS}"
	[ "${DG_DIST_RENEG:-1}" = 1 ] && reneg=", {secure_renegotiate, true}"
	cat >"$f" <<-OPTS
	[{server, [$files,
	    {verify, verify_peer}, {fail_if_no_peer_cert, true}$reneg]},
	 {client, [$files,
	    {verify, verify_peer}$reneg]}].
	OPTS
	echo "$f"
}

# wire_cmd HOST NAME tls|tcp HIDDEN [CERT]: prints (one per line) the argv
# of node NAME@HOST.test on a host without distgate, listening on HOST's
# wire address: tls a native inet_tls_dist node with CERT (dist_optfile),
# tcp a plain inet_tcp_dist node.
wire_cmd() {
	local h=$1 n=$2 proto=$3 hidden=$4 cert=${5:-$1} opt
	node_env "$h" "$n"
	printf '%s\n' unshare --uts sh -c 'hostname "$1"; cd "$HOME"; shift; exec "$@"' \
	    sh "$h" erl -name "$n@$h.test" -start_epmd false \
	    -kernel inet_dist_use_interface "$(ip_tuple "$h")"
	if [ "$proto" = tls ]; then
		opt=$(dist_optfile "$h" "$cert")
		printf '%s\n' -proto_dist inet_tls -ssl_dist_optfile "$opt"
	fi
	[ "$hidden" = 1 ] && echo -hidden
	echo -noshell
}

# wire_start [--tcp] [--cert CERT] HOST NAME [CODE]: start a long-lived
# native TLS node (plain inet_tcp with --tcp) NAME@HOST.test on a wire_host
# (log: node-NAME@HOST.log), evaluating the Erlang CODE; waits (20 s) until
# it is registered with HOST's epmd.
wire_start() {
	local proto=tls cert="" h n code log argv=() i
	while :; do
		case $1 in
		--tcp) proto=tcp; shift;;
		--cert) cert=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1 n=$2 code=${3:-}
	log=$DG_LOGDIR/node-$n@$h.log
	mapfile -t argv < <(wire_cmd "$h" "$n" "$proto" 0 "$cert")
	[ -n "$code" ] && argv+=(-eval "$code")
	echo "### lib.sh: start $(date -u +%FT%TZ) $n on $h ($proto)" >>"$log"
	spawn "$log" "$h" "${argv[@]}"
	DG_NODE_PID[$h/$n]=$DG_LAST_PID
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

# wire_eval [--tcp] [--cert CERT] [--hidden] [--target NODE] [--timeout
# SECS] HOST NAME CODE: node_eval for a short-lived native TLS node (plain
# with --tcp) NAME@HOST.test on a wire_host.
wire_eval() {
	local proto=tls cert="" hidden=0 target="" secs=30 h n code log argv=() out
	while :; do
		case $1 in
		--tcp) proto=tcp; shift;;
		--cert) cert=$2; shift 2;;
		--hidden) hidden=1; shift;;
		--target) target=$2; shift 2;;
		--timeout) secs=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1 n=$2 code=$3
	DG_EVALS=$((DG_EVALS + 1))
	log=$DG_LOGDIR/eval-$(printf %02d "$DG_EVALS")-$n@$h.log
	mapfile -t argv < <(wire_cmd "$h" "$n" "$proto" "$hidden" "$cert")
	argv+=(-eval "$DG_ERL_WRAPPER")
	printf '### lib.sh: %s on %s (%s)%s:\n%s\n' "$n" "$h" "$proto" \
	    "${target:+ (rpc to $target)}" "$code" >"$log"
	eval_run wire_eval "$h" "$n" "$secs" "$log" "$code" "$target" "${argv[@]}"
}

# wire_rpc [--tcp] HOST NODE CODE: evaluate Erlang CODE on the running NODE
# of a wire_host from a hidden control node there (native TLS, or plain
# with --tcp); print the result.
wire_rpc() {
	local proto=()
	if [ "$1" = --tcp ]; then proto=(--tcp); shift; fi
	DG_RPCS=$((${DG_RPCS:-0} + 1))
	wire_eval "${proto[@]}" --hidden --target "$2" "$1" "ctl$DG_RPCS" "$3"
}

# peer_native HOST [LINE...]: the lines of a [peer HOST] of kind native
# (its epmd at HOST's wire address, identity HOST.test) plus LINEs, for
# gw_start (with --peers naming the other peers).
peer_native() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "kind = native" "address = $(host_ip "$h")" \
	    "hostnames = $h $h.test" "identity = $h.test" "$@"
}

# peer_plain HOST [LINE...]: the lines of a [peer HOST] of kind plain (its
# epmd at HOST's wire address) plus LINEs.
peer_plain() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "kind = plain" "address = $(host_ip "$h")" \
	    "hostnames = $h $h.test" "$@"
}

# peer_gateway HOST [LINE...]: the lines of a [peer HOST] running distgate
# (as gw_config writes them) plus LINEs.
peer_gateway() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "address = $(host_ip "$h"):$DG_TLS_PORT" \
	    "hostnames = $h $h.test" "identity = $h.test" "$@"
}

# peer_via HOST BASTION [LINE...]: the lines of a [peer HOST] reached
# through the peer BASTION, plus LINEs.
peer_via() {
	local h=$1 b=$2
	shift 2
	printf '%s\n' "[peer $h]" "via = $b" "hostnames = $h $h.test" "$@"
}

# ---- raw EPMD requests --------------------------------------------------------

# epmd_port_please HOST ADDR NAME [PORT]: from HOST, ask the EPMD at
# ADDR:PORT (4369) for NAME (PORT_PLEASE2); prints the port, "none" when
# the answer is "not found", or "closed"/"bad:HEX" for anything else.
epmd_port_please() {
	local h=$1 a=$2 n=$3 p=${4:-4369} len hex rc=0
	len=$((${#n} + 1))
	hex=$(raw_send "$h" "$a" "$p" "$(printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255)))z$n" 3) || rc=$?
	[ "$rc" -eq 2 ] && { echo "connect_failed"; return 0; }
	case $hex in
	"77 00 "*) set -- $hex; echo $((16#$3 * 256 + 16#$4));;
	"77 "??*) echo none;;
	"") echo closed;;
	*) echo "bad:$hex";;
	esac
}

# epmd_names HOST ADDR [PORT]: from HOST, send NAMES to the EPMD at
# ADDR:PORT; prints the text after the 4-byte port ("name b1 at port N"
# lines, "" when none), or "closed" when nothing came back.
epmd_names() {
	local hex
	hex=$(raw_send "$1" "$2" "${3:-4369}" '\x00\x01n' 3) || true
	[ -n "$hex" ] || { echo closed; return 0; }
	hex=$(echo "$hex" | cut -d ' ' -f 5-)
	[ -n "$hex" ] || return 0
	printf '%b' "$(printf '%s' "$hex" | tr -cd '0-9a-f' | sed -E 's/(..)/\\x\1/g')"
}

# epmd_alive2 HOST ADDR NAME [PORT]: from HOST, try to register NAME (port
# 5555) with the EPMD at ADDR:PORT; prints the reply as hex ("" when the
# connection was closed without one).
epmd_alive2() {
	local n=$3 len
	len=$((13 + ${#n}))
	raw_send "$1" "$2" "${4:-4369}" "$(printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255)))x\\x15\\xb3M\\x00\\x00\\x06\\x00\\x05$(printf '\\x%02x\\x%02x' 0 ${#n})$n\\x00\\x00" 3 || true
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

# gw_req_hex TYPE NAME: a gateway-protocol request (version 1) of TYPE
# (01 RESOLVE, 02 ROUTE) for NAME, as hex bytes for tls_request.
gw_req_hex() {
	local len=${#2}
	printf '44 47 01 %s %02x %02x' "$1" $((len >> 8)) $((len & 255))
	printf '%s' "$2" | od -An -v -tx1 | tr -s ' \n' ' '
	echo
}
