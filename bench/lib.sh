# bench/lib.sh — processes, namespaces and clean-up for bench/run.sh
# (source it).
#
# Each cell of the benchmark gets its own pair of network namespaces,
# "<tag><cell>a" (host A, 10.77.0.1) and "<tag><cell>b" (host B,
# 10.77.0.2), joined by one veth pair, so that the four ways of carrying
# distribution stand side by side and the rounds can interleave them.
# Every process we start is recorded by PID; the EXIT trap stops them
# (TERM, then KILL), kills whatever else lives in our namespaces, deletes
# the namespaces and the work directory.

B_PIDS=()		# every background process we started
B_NAMESPACES=()		# every namespace we made
B_T0=$(date +%s)
B_NET=10.77.0

# say MSG: progress line with the elapsed time.
say() { printf '[%4ss] %s\n' "$(($(date +%s) - B_T0))" "$*"; }

# die MSG: report and end the run (the trap cleans up).
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

# ns CELL SIDE: the namespace of CELL's host SIDE (a or b).
ns() { echo "${B_TAG}$1$2"; }

# in_ns CELL SIDE CMD...: run CMD in that namespace.
in_ns() {
	local n
	n=$(ns "$1" "$2")
	shift 2
	ip netns exec "$n" "$@"
}

# pair_setup CELL: the two namespaces of CELL, loopback up, joined by a veth.
pair_setup() {
	local a b
	a=$(ns "$1" a)
	b=$(ns "$1" b)
	ip netns add "$a"
	B_NAMESPACES+=("$a")
	ip netns add "$b"
	B_NAMESPACES+=("$b")
	ip -n "$a" link set lo up
	ip -n "$b" link set lo up
	ip link add eth0 netns "$a" type veth peer name eth0 netns "$b"
	ip -n "$a" addr add "$B_NET.1/24" dev eth0
	ip -n "$b" addr add "$B_NET.2/24" dev eth0
	ip -n "$a" link set eth0 up
	ip -n "$b" link set eth0 up
}

# spawn LOG CELL SIDE CMD...: start CMD in the background in that
# namespace (stdin closed unless B_STDIN names a file, output appended to
# LOG); its PID (ip netns exec and env exec, so the program's own) is in
# $B_LAST_PID.
spawn() {
	local log=$1 n
	n=$(ns "$2" "$3")
	shift 3
	ip netns exec "$n" env B_RUN_TAG="$B_TAG" "$@" \
	    <"${B_STDIN:-/dev/null}" >>"$log" 2>&1 &
	B_LAST_PID=$!
	B_PIDS+=("$B_LAST_PID")
}

# alive PID
alive() { kill -0 "$1" 2>/dev/null; }

# stop_pids PID...: TERM, wait up to 5 s, then KILL; forget them.
stop_pids() {
	local p left deadline keep=() q
	{
		# (CONT first: a throttled node may be stopped)
		for p in "$@"; do kill -CONT "$p" || true; kill -TERM "$p" || true; done
		deadline=$(($(date +%s) + 5))
		while :; do
			left=0
			for p in "$@"; do alive "$p" && left=1; done
			[ "$left" = 0 ] && break
			if [ "$(date +%s)" -ge "$deadline" ]; then
				for p in "$@"; do kill -KILL "$p" || true; done
				break
			fi
			sleep 0.1
		done
		for p in "$@"; do wait "$p" || true; done
	} 2>/dev/null
	for p in "${B_PIDS[@]}"; do
		for q in "$@"; do [ "$p" = "$q" ] && continue 2; done
		keep+=("$p")
	done
	B_PIDS=("${keep[@]}")
}

# wait_for SECS CMD...: run CMD every 0.1 s until it succeeds; 1 when
# SECS ran out.
wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# listening CELL SIDE PORT: something listens on TCP PORT there.
listening() {
	in_ns "$1" "$2" ss -Hltn "sport = :$3" 2>/dev/null | grep -q .
}

# registered CELL SIDE NAME: the EPMD there (epmd or distgate) lists NAME.
registered() {
	in_ns "$1" "$2" timeout 5 epmd -names 2>/dev/null |
	    grep -q "^name $3 at port "
}

# b_cleanup: the EXIT trap.
b_cleanup() {
	local rc=$? p n stray=""
	trap '' INT TERM HUP
	trap - EXIT
	set +e
	[ ${#B_PIDS[@]} -gt 0 ] && stop_pids "${B_PIDS[@]}"
	for n in "${B_NAMESPACES[@]}"; do
		stray+=" $(ip netns pids "$n" 2>/dev/null | tr '\n' ' ')"
	done
	for p in $stray; do kill -KILL "$p" 2>/dev/null; done
	for n in "${B_NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
	[ -n "${B_WORK:-}" ] && rm -rf "$B_WORK"
	exit "$rc"
}

# b_trap: install the clean-up.
b_trap() {
	trap b_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}
