#!/usr/bin/env bash
# soak.sh [SECONDS] — node churn through two gateways, by hand (not in CI).
#
# Two hosts (network namespaces) with a gateway each, as in the integration
# scenarios.  For SECONDS (default 1800): start a node on each host, connect
# them, send 1,000 messages and a 1 MiB binary each way, stop both; again
# (four names per host, reused: each remote name keeps its alias port).
# Every 10 s it samples both gateways' open descriptors and RSS into
# $DG_LOGDIR/soak.csv (t, fds_A, rss_A_KiB, fds_B, rss_B_KiB), and at the
# end prints the least-squares slope of each per hour, the cycles done and
# the failures seen.  Needs root.  Logs stay in the directory it prints.
set -uo pipefail
SECS=${1:-1800}
export DG_TEST=soak DG_TAG=dgsoak$$ DG_NAMES=name
export DG_LOGDIR=${DG_LOGDIR:-$(mktemp -d /tmp/distgate-soak.XXXXXX)}
source "$(dirname "$0")/integration/lib.sh"
require_root
echo "soak: $SECS s, logs in $DG_LOGDIR"

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
GA=${DG_GW_PID[hostA]}
GB=${DG_GW_PID[hostB]}
csv=$DG_LOGDIR/soak.csv
echo "t,fds_a,rss_a,fds_b,rss_b" >"$csv"

sample() {
	local t=$1
	printf '%s,%s,%s,%s,%s\n' "$t" "$(ls "/proc/$GA/fd" | wc -l)" \
	    "$(awk '/^VmRSS:/ { print $2 }' "/proc/$GA/status")" \
	    "$(ls "/proc/$GB/fd" | wc -l)" \
	    "$(awk '/^VmRSS:/ { print $2 }' "/proc/$GB/status")" >>"$csv"
}

t0=$(date +%s)
next=$t0
cycles=0
failures=0
while [ $(($(date +%s) - t0)) -lt "$SECS" ]; do
	n=$((cycles % 4))
	node_start hostA "a$n"
	node_start hostB "b$n"
	r=$(node_rpc hostA "a$n@hostA.test" "
		B = 'b$n@hostB.test', true = net_kernel:connect_node(B),
		[erlang:send({rex, B}, {ping, I}) || I <- lists:seq(1, 1000)],
		Big = binary:copy(<<1>>, 1048576),
		{Big, Big} = {rpc:call(B, erlang, hd, [[Big]], 10000), Big},
		ok" 2>/dev/null) || r=failed
	[ "$(unq "$r")" = ok ] || { failures=$((failures + 1)); echo "soak: cycle $cycles failed: $r"; }
	node_stop hostA "a$n"
	node_stop hostB "b$n"
	cycles=$((cycles + 1))
	now=$(date +%s)
	if [ "$now" -ge "$next" ]; then
		sample $((now - t0))
		next=$((next + 10))
	fi
done
sample $(($(date +%s) - t0))

# Least-squares slope of column C over t, per hour.
slope() {
	awk -F, -v c="$1" 'NR > 1 { n++; x = $1; y = $c; sx += x; sy += y;
		sxx += x * x; sxy += x * y }
		END { d = n * sxx - sx * sx; if (n < 2 || d == 0) { print "n/a"; exit }
		printf "%.2f", (n * sxy - sx * sy) / d * 3600 }' "$csv"
}
echo "soak: $cycles cycles, $failures failed, $(($(date +%s) - t0)) s"
echo "soak: gateway A: fds $(slope 2)/h, RSS $(slope 3) KiB/h"
echo "soak: gateway B: fds $(slope 4)/h, RSS $(slope 5) KiB/h"
echo "soak: first and last samples:"
sed -n '2p;$p' "$csv"
