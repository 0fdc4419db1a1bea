#!/usr/bin/env bash
# run.sh [--quick] — distgate's benchmark: `make bench` (full, about 8
# minutes) and `make bench-quick` (--quick, under 2 minutes, every cell
# measured once or twice).  What it measures and how: bench/README.md.
#
# Needs root (network namespaces), Debian's erlang, stunnel4, openssl and
# a C compiler; installs what is missing through apt-get.  Prints each
# cell as it is measured, then the table of medians, the ratios and one
# PASS/FAIL line per target, and last "bench: N passed, N failed".  The
# report also goes to bench/results/last.txt (the samples to
# last-samples.tsv, the logs to logs/).  Exit status: 0 when every cell
# was measured (whatever the targets say), 1 when one could not be.
#
# Environment: BENCH_RUNS, BENCH_DUR (seconds per throughput cell),
# BENCH_RAW_RUNS, BENCH_SLOW (seconds of the slow-receiver run),
# BENCH_IDLE (tunnels), BENCH_SUITE (aes128: every TLS on
# TLS_AES_128_GCM_SHA256, distgate's first choice; default: each tool's
# own default), DISTGATE (the gateway binary, default ./distgate).
set -Eeuo pipefail

B_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B_ROOT=$(cd "$B_DIR/.." && pwd)

QUICK=0
case ${1:-} in
--quick) QUICK=1;;
"") ;;
*) echo "usage: $0 [--quick]" >&2; exit 2;;
esac

if [ "$QUICK" = 1 ]; then
	RUNS=2 DUR=0.8 RTT_N=500 SETUP_N=3 RAW_RUNS=1 RAW_DUR=1 RAW_RTT_N=1000
	SLOW=10 SLOW_DIRECT=5 SPEED_S=1 LIMIT=170
else
	RUNS=7 DUR=3 RTT_N=3000 SETUP_N=10 RAW_RUNS=5 RAW_DUR=2 RAW_RTT_N=5000
	SLOW=60 SLOW_DIRECT=15 SPEED_S=3 LIMIT=1500
fi
RUNS=${BENCH_RUNS:-$RUNS}
DUR=${BENCH_DUR:-$DUR}
RAW_RUNS=${BENCH_RAW_RUNS:-$RAW_RUNS}
SLOW=${BENCH_SLOW:-$SLOW}
IDLE_N=${BENCH_IDLE:-1000}

# The whole run is bounded: timeout(1) TERMs us, the trap cleans up.
if [ -z "${B_BOUNDED:-}" ]; then
	B_BOUNDED=1 exec timeout -k 15 "$LIMIT" "$0" "$@"
fi

# shellcheck source=bench/lib.sh
. "$B_DIR/lib.sh"
# shellcheck source=bench/cells.sh
. "$B_DIR/cells.sh"

B_TAG=dgb$$
B_DISTGATE=${DISTGATE:-$B_ROOT/distgate}
B_DGLOAD=$B_ROOT/build/bench/dgload
B_RESDIR=$B_DIR/results
B_LOG=$B_RESDIR/logs
TCK=$(getconf CLK_TCK)
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# ---- preparation ----------------------------------------------------------------

# deps: the project's packages (deploy/deps.sh) and the benchmark's own.
deps() {
	local p missing=()
	"$B_ROOT/deploy/deps.sh" || die "deploy/deps.sh failed"
	for p in stunnel4 gcc; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
		    grep -qx installed || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# build: the load tool (if its sources changed) and the Erlang modules.
build() {
	local src=("$B_DIR"/dgload.c "$B_DIR"/dgload_net.c "$B_DIR"/dgload_run.c
	    "$B_DIR"/dgload_idle.c) f stale=0
	[ -x "$B_DGLOAD" ] || stale=1
	for f in "${src[@]}" "$B_DIR/dgload.h"; do
		[ "$f" -nt "$B_DGLOAD" ] && stale=1
	done
	if [ "$stale" = 1 ]; then
		mkdir -p "$(dirname "$B_DGLOAD")"
		"${CC:-cc}" -O2 -g -std=c11 -D_GNU_SOURCE -I"$B_ROOT" -Wall -Wextra \
		    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		    -Wvla -Wpointer-arith -Wcast-qual -pthread -o "$B_DGLOAD" \
		    "${src[@]}" || die "cannot build $B_DGLOAD"
	fi
	B_EBIN=$B_WORK/ebin
	mkdir -p "$B_EBIN"
	erlc -o "$B_EBIN" "$B_DIR"/erl/*.erl || die "erlc failed"
}

# rec CELL KEY VALUE: one sample.
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$B_SAMPLES"; }

# rec_lines CELL: "key value" lines on stdin become samples.
rec_lines() {
	local k v
	while read -r k v; do
		[ -n "$k" ] && rec "$1" "$k" "$v"
	done
}

# get KEY TEXT: the value of line "KEY value" in TEXT.
get() { printf '%s\n' "$2" | awk -v k="$1" '$1 == k { print $2; exit }'; }

# num KEY TEXT: the same, rounded for progress lines ("?" when missing).
num() {
	printf '%s\n' "$2" | awk -v k="$1" '$1 == k { v = $2 + 0
		printf (v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f"), v; f = 1; exit }
		END { if (!f) printf "?" }'
}

# ---- the crypto floor -------------------------------------------------------------

crypto_floor() {
	local enc dec
	speed() {
		openssl speed -mr "$@" -evp aes-128-gcm -bytes 16384 \
		    -seconds "$SPEED_S" 2>/dev/null |
		    sed -n 's/^+F:[0-9]*:AES-128-GCM:\([0-9.]*\)$/\1/p' | tail -n 1
	}
	enc=$(speed)
	dec=$(speed -decrypt)
	if [ -z "$enc" ] || [ -z "$dec" ]; then
		die "openssl speed gave no result"
	fi
	rec crypto enc_mbps "$(awk -v b="$enc" 'BEGIN { printf "%.1f", b / 1e6 }')"
	rec crypto dec_mbps "$(awk -v b="$dec" 'BEGIN { printf "%.1f", b / 1e6 }')"
	rec crypto floor_s_per_gb "$(awk -v e="$enc" -v d="$dec" \
	    'BEGIN { printf "%.4f", 1e9 / e + 1e9 / d }')"
	say "crypto floor: aes-128-gcm 16 KiB encrypt $((${enc%.*} / 1000000)) MB/s, decrypt $((${dec%.*} / 1000000)) MB/s"
}

# ---- raw data path and memory (dgload) -------------------------------------------

# raw_args CELL: dgload's target arguments for CELL's A side.
raw_args() {
	case $1 in
	direct) echo "--raw --to $B_NET.2:6000";;
	stunnel) echo "--raw --to 127.0.0.1:5002 --pids ${B_GW[stunnel]}";;
	distgate) echo "--epmd $B_ALIAS:4369 --name la@hostA.test --node bl@hostB.test --pids ${B_GW[distgate]}";;
	esac
}

# dgload_run CELL SECS ARG...: dgload run in CELL's A, bounded by SECS.
dgload_run() {
	local cell=$1 secs=$2 out
	shift 2
	# shellcheck disable=SC2046 # raw_args is a word list
	out=$(in_ns "$cell" a timeout -k 5 "$secs" "$B_DGLOAD" run \
	    $(raw_args "$cell") "$@" 2>>"$B_LOG/dgload-run.log") || {
		echo "bench: dgload run in $cell failed (see $B_LOG/dgload-run.log)" >&2
		return 1
	}
	printf '%s\n' "$out"
}

# growth_ab CELL PREFIX KEY TEXT: lines "KEY pid before after" (gateway A
# first) become samples PREFIX_a and PREFIX_b (KiB of growth).
growth_ab() {
	printf '%s\n' "$4" | awk -v k="$3" '$1 == k { print $4 - $3 }' |
	    paste -sd ' ' | {
		read -r a b || true
		[ -n "${a:-}" ] && rec "$1" "${2}_a" "$a"
		[ -n "${b:-}" ] && rec "$1" "${2}_b" "$b"
		true
	}
}

memory_phase() {
	local cell out
	for cell in distgate stunnel; do
		out=$(dgload_run "$cell" 60 --key sat "oneway:65536:$RAW_DUR") ||
			continue
		growth_ab "$cell" sat_kib sat_oneway_rss_kb "$out"
		out=$(dgload_run "$cell" 300 "idle:$IDLE_N:4:0") || continue
		printf '%s\n' "$out" | awk '$1 == "idle_kib_per_tunnel" { print $3 }' |
		    paste -sd ' ' | {
			read -r a b || true
			rec "$cell" idle_kib_a "${a:-}"
			rec "$cell" idle_kib_b "${b:-}"
		}
		rec "$cell" idle_open_s "$(get idle_open_s "$out")"
		rec "$cell" idle_setup_ms "$(get idle_setup_ms_p50 "$out")"
		say "$(printf '%-8s' "$cell") memory: $IDLE_N idle tunnels in $(get idle_open_s "$out") s, KiB per tunnel on gateway A, B: $(printf '%s\n' "$out" | awk '$1 == "idle_kib_per_tunnel" { printf "%s%s", s, $3; s = ", " }')"
	done
}

raw_round() {
	local cell=$1 out k
	out=$(dgload_run "$cell" $((RAW_DUR * 2 + 60)) --key raw \
	    "oneway:65536:$RAW_DUR" "duplex:65536:$RAW_DUR" "rtt:$RAW_RTT_N") ||
		return 0
	for k in raw_oneway_mbps raw_oneway_cpu_s_per_gb raw_duplex_mbps \
	    raw_rtt_p50_us raw_rtt_p99_us; do
		[ -n "$(get $k "$out")" ] && rec "$cell" "$k" "$(get $k "$out")"
	done
	say "$(printf '%-8s' "$cell") raw $2: one way $(num raw_oneway_mbps "$out") MB/s, both ways $(num raw_duplex_mbps "$out") MB/s, rtt p50/p99 $(num raw_rtt_p50_us "$out")/$(num raw_rtt_p99_us "$out") us${B_GW[$cell]:+, gateways $(num raw_oneway_cpu_s_per_gb "$out") CPU s/GB}"
}

# ---- Erlang cells ----------------------------------------------------------------

gw_list() { echo "[${B_GW[$1]:-}]"; }

erl_round() {
	local cell=$1 out opts
	opts="#{dur => $DUR, gw => $(gw_list "$cell"), bpid => ${B_NODE_PID[$cell/b]}, tck => $TCK, rtt_n => $RTT_N, setup_n => $SETUP_N}"
	ctl_cmd "$cell" round "$opts" 300 || return 0
	out=$B_OUT
	printf '%s\n' "$out" | rec_lines "$cell"
	say "$(printf '%-8s' "$cell") erl $2: 64 KiB $(num tput64k_mbps "$out") MB/s, 1 MiB $(num tput1m_mbps "$out") MB/s, 64 B $(num rate64_mps "$out") msg/s, rtt p50/p99 $(num rtt_p50_us "$out")/$(num rtt_p99_us "$out") us, setup $(num setup_ms "$out") ms${B_GW[$cell]:+, gateways $(num gw_cpu_s_per_gb "$out") CPU s/GB}"
}

slow_receiver() {
	local cell=$1 secs=$2 tp out g
	# b is stopped 90 ms of every 100 ms: it reads its socket slowly.
	"$B_DGLOAD" throttle "${B_NODE_PID[$cell/b]}" 90 10 $((secs + 30)) &
	tp=$!
	B_PIDS+=("$tp")
	ctl_cmd "$cell" slow "#{dur => $secs, gw => $(gw_list "$cell")}" \
	    $((secs + 90)) || true
	out=$B_OUT
	stop_pids "$tp"
	kill -CONT "${B_NODE_PID[$cell/b]}" 2>/dev/null || true
	[ -n "$out" ] || return 0
	rec "$cell" slow_busy "$(get slow_busy_dist_port "$out")"
	rec "$cell" slow_mbps "$(get slow_sent_mbps "$out")"
	# slow_rss_kb PID S0 S1 ... Sn: S0 before, then one per second.  Flat
	# means: no growth after the first second, on either gateway.
	g=$(printf '%s\n' "$out" | awk '$1 == "slow_rss_kb" && NF > 3 {
		m = $4; for (i = 5; i <= NF; i++) if ($i > m) m = $i
		if (m - $4 > f) f = m - $4
		t = m > $3 ? m : $3; if (t - $3 > a) a = t - $3; n++ }
		END { if (n) printf "%d %d\n", f, a }')
	if [ -n "$g" ]; then
		rec "$cell" slow_rss_growth_kib "${g% *}"
		rec "$cell" slow_rss_total_kib "${g#* }"
	fi
	say "$(printf '%-8s' "$cell") slow receiver ${secs}s: busy_dist_port $(get slow_busy_dist_port "$out") times, $(num slow_sent_mbps "$out") MB/s${g:+, gateway RSS growth after 1 s ${g% *} KiB (from start ${g#* } KiB)}"
}

# ---- main -------------------------------------------------------------------------

main() {
	local r i cell cells unmeasured=0
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	[ -x "$B_DISTGATE" ] || die "no gateway binary at $B_DISTGATE (make distgate)"
	deps
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	B_WORK=$(mktemp -d /tmp/distgate-bench.XXXXXX)
	b_trap
	rm -rf "$B_LOG"
	mkdir -p "$B_LOG"
	B_SAMPLES=$B_WORK/samples.tsv
	: >"$B_SAMPLES"
	build
	say "distgate bench$([ "$QUICK" = 1 ] && echo ' (quick)'): $RUNS runs of ${DUR}s per Erlang cell, $RAW_RUNS raw runs of ${RAW_DUR}s, $IDLE_N idle tunnels, slow receiver ${SLOW}s; suite $B_TLS_SUITE"
	crypto_floor
	pki_setup
	cell_direct
	cell_tls
	cell_stunnel
	cell_distgate
	say "cells up: direct, tls, stunnel, distgate (gateways ${B_GW[distgate]}, stunnels ${B_GW[stunnel]})"
	for cell in direct tls stunnel distgate; do
		ctl_cmd "$cell" connect '#{}' 60 ||
			die "$cell: a cannot reach b (see $B_LOG/node-$cell-a.log)"
		printf '%s\n' "$B_OUT" | rec_lines "$cell"
	done
	memory_phase
	cells=(direct stunnel distgate)
	for ((r = 1; r <= RAW_RUNS; r++)); do
		for ((i = 0; i < 3; i++)); do
			raw_round "${cells[(r + i) % 3]}" "$r/$RAW_RUNS"
		done
	done
	cells=(direct tls stunnel distgate)
	for ((r = 1; r <= RUNS; r++)); do
		for ((i = 0; i < 4; i++)); do
			erl_round "${cells[(r + i) % 4]}" "$r/$RUNS"
		done
	done
	slow_receiver distgate "$SLOW"
	slow_receiver direct "$SLOW_DIRECT"
	mkdir -p "$B_RESDIR"
	cp "$B_SAMPLES" "$B_RESDIR/last-samples.tsv"
	{
		echo "distgate bench, $(date -u +%FT%TZ), $(git -C "$B_ROOT" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores$([ "$QUICK" = 1 ] && echo ', quick')"
		echo "runs: $RUNS Erlang x ${DUR}s, $RAW_RUNS raw x ${RAW_DUR}s, $IDLE_N idle tunnels, slow receiver ${SLOW}s (direct ${SLOW_DIRECT}s); TLS suite: $B_TLS_SUITE"
		awk -f "$B_DIR/report.awk" "$B_SAMPLES"
	} >"$B_RESDIR/last.txt" || unmeasured=1
	echo
	cat "$B_RESDIR/last.txt"
	say "done; report in bench/results/last.txt"
	if [ "$unmeasured" = 1 ]; then
		echo "bench: some cells could not be measured (see bench/results/logs)" >&2
		exit 1
	fi
}

main
