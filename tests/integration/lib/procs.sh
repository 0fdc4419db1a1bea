# procs.sh — background processes, recorded by PID: spawn, pid_alive,
# stop_pids, forget_pids, tagged_pids; dg_cleanup, the EXIT trap (stop
# every process, kill strays by tag or namespace, delete the namespaces
# and the work directory), and the traps themselves.

# shellcheck shell=bash

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
