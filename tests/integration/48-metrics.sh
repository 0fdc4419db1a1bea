#!/usr/bin/env bash
# Goal of this test: the status endpoint reports what real nodes did.
# Gateway A serves it on 127.0.0.1 (TCP), gateway B on a unix socket.  a1
# (A) connects to b1 (B) and sends 1 MiB; a9 (A) tries b1 with a wrong
# cookie and is refused at B's edge.  Then: /metrics of both passes
# `promtool check metrics`; A counts one tunnel open to peer hostB and its
# bytes grow with traffic, client TLS handshakes, a link round trip, both
# certificate expiries in the future, one local node; B counts
# refusals_total{code="bad_cookie"} >= 1 and server handshakes.  /status is
# JSON (jq) naming a1, the tunnel a1 -> b1 with peer hostB, and peer hostB
# with link up; `distgate status` prints the tunnel in its table and
# `distgate status --json` the JSON.  An unknown path is 404, POST 501.
# B's unix socket is mode 0660 and gone after B stops.  The example alert
# rules in deploy/prometheus pass `promtool check rules`.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
command -v promtool >/dev/null || fail "promtool missing (deploy/deps.sh installs prometheus)"
command -v jq >/dev/null || fail "jq missing (deploy/deps.sh installs it)"

A=a1@hostA.test
B=b1@hostB.test
PORT=9471
SOCK=$DG_LOGDIR/status-hostB.sock
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

# get HOST PATH [CURL ARG...]: the body of PATH from HOST's endpoint.
get() {
	local h=$1 p=$2
	shift 2
	if [ "$h" = hostB ]; then
		in_ns hostB curl -sS --max-time 5 --unix-socket "$SOCK" "$@" "http://localhost$p"
	else
		in_ns "$h" curl -sS --max-time 5 "$@" "http://127.0.0.1:$PORT$p"
	fi
}

# metric HOST SAMPLE: the value of SAMPLE (name with labels, exactly as
# exposed) in HOST's /metrics; empty when absent.
metric() {
	get "$1" /metrics | awk -v s="$2" 'index($0, s " ") == 1 { print $2 }'
}

# metric_is HOST SAMPLE VALUE: SAMPLE's value is VALUE ("" absent).
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }

# check_metrics HOST TAG: promtool accepts HOST's /metrics.
check_metrics() {
	local f=$DG_LOGDIR/metrics-$1-$2.txt out
	get "$1" /metrics >"$f" || fail "scrape $1"
	out=$(promtool check metrics <"$f" 2>&1) ||
		fail "promtool check metrics on $1 ($f): $out"
	pass "promtool check metrics: $1's /metrics ($(wc -l <"$f") lines) is well formed${out:+ ($out)}"
}

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE" "status_listen = 127.0.0.1:$PORT" \
    "link_ping_interval = 1s"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "status_listen = unix:$SOCK"

step "the endpoints answer before any node"
check_metrics hostA idle
check_metrics hostB idle
expect_eq "$(stat -c %a "$SOCK")" 660 "B's unix socket is mode 0660"
expect_eq "$(metric hostA 'distgate_tunnels_open{peer="hostB"}')" 0 "A: no tunnel open yet"
expect_match "$(get hostA /metrics)" '^distgate_build_info\{version="[^"]+",openssl="OpenSSL [^"]+",libevent="[^"]+"\} 1$' \
    "build info names version, OpenSSL and libevent"

step "a1 connects to b1 and sends 1 MiB; a9 (wrong cookie) is refused"
node_start hostB b1 erl name
node_start hostA a1 erl name
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
before=$(metric hostA 'distgate_tunnel_bytes_total{peer="hostB",direction="out"}')
r=$(node_rpc hostA "$A" "rpc:call('$B', erlang, byte_size,
	[crypto:strong_rand_bytes(1048576)], 10000)") || fail "send from a1"
expect_eq "$r" 1048576 "a1 sent 1 MiB to b1"
node_cookie hostA a9 "$WRONG"
r=$(node_eval hostA a9 "net_adm:ping('$B')") || fail "a9 on hostA"
expect_eq "$r" pang "a9 (wrong cookie) gets pang"

step "A's metrics: one tunnel to hostB, bytes grew, handshakes, round trip"
check_metrics hostA busy
wait_for 10 metric_is hostA 'distgate_tunnels_open{peer="hostB"}' 1 ||
	fail "A's tunnels to hostB: $(metric hostA 'distgate_tunnels_open{peer="hostB"}'), expected 1"
pass "A has one tunnel open to hostB"
after=$(metric hostA 'distgate_tunnel_bytes_total{peer="hostB",direction="out"}')
[ -n "$after" ] && [ "$after" -ge $((before + 1048576)) ] ||
	fail "A's bytes out to hostB went from $before to $after, expected +1 MiB or more"
pass "A's bytes out to hostB grew from $before to $after"
v=$(metric hostA 'distgate_tls_handshakes_total{side="client",result="ok"}')
[ "${v:-0}" -ge 1 ] || fail "A's client handshakes ok = '$v'"
pass "A counted $v client TLS handshakes"
v=$(metric hostA 'distgate_tls_handshake_duration_seconds_count')
[ "${v:-0}" -ge 1 ] || fail "A's handshake histogram count = '$v'"
pass "A's handshake histogram holds $v observations"
wait_for 10 not metric_is hostA 'distgate_peer_link_rtt_seconds{peer="hostB"}' "" ||
	fail "A measured no round trip to hostB in 10 s"
pass "A's round trip to hostB: $(metric hostA 'distgate_peer_link_rtt_seconds{peer="hostB"}') s"
expect_eq "$(metric hostA 'distgate_peer_link_up{peer="hostB"}')" 1 "A's link to hostB is up"
now=$(date +%s)
for c in host ca; do
	v=$(metric hostA "distgate_cert_expiry_timestamp_seconds{cert=\"$c\"}")
	[ -n "$v" ] && [ "$v" -gt "$now" ] || fail "$c certificate expiry '$v' is not after now ($now)"
	pass "$c certificate expires at $v ($(((v - now) / 86400)) days)"
done
v=$(metric hostA distgate_local_nodes)
[ "${v:-0}" -ge 1 ] || fail "A's local nodes = '$v'"
pass "A has $v local node(s) registered"

step "B's metrics: the refusal by its code, server handshakes"
check_metrics hostB busy
v=$(metric hostB 'distgate_refusals_total{code="bad_cookie",verdict="refused"}')
[ "${v:-0}" -ge 1 ] || fail "B's bad_cookie refusals = '$v'"
pass "B counted $v bad_cookie refusal(s)"
v=$(metric hostB 'distgate_tls_handshakes_total{side="server",result="ok"}')
[ "${v:-0}" -ge 2 ] || fail "B's server handshakes ok = '$v' (a1 and a9 at least)"
pass "B counted $v server TLS handshakes"
expect_eq "$(metric hostB 'distgate_tunnels_open{peer="hostA"}')" 1 "B: one tunnel open to hostA"

step "/status JSON and distgate status"
j=$(get hostA /status) || fail "GET /status"
printf '%s\n' "$j" >"$DG_LOGDIR/status-hostA.json"
expect_eq "$(jq -r '[.nodes[].name] | index("a1") != null' <<<"$j")" true "/status lists node a1"
expect_eq "$(jq -r '.tunnels | length' <<<"$j")" 1 "/status lists one tunnel"
expect_eq "$(jq -r '.tunnels[0] | "\(.dir) \(.peer) \(.initiator) \(.acceptor) \(.state)"' <<<"$j")" \
    "out hostB $A $B established" "the tunnel: out to hostB, a1 -> b1, established"
v=$(jq -r '.tunnels[0].bytes_out' <<<"$j")
[ "$v" -ge 1048576 ] || fail "the tunnel's bytes_out = $v"
pass "the tunnel carried $v bytes out"
expect_eq "$(jq -r '.peers[0] | "\(.name) \(.link)"' <<<"$j")" "hostB up" "peer hostB, link up"
cfg=$DG_LOGDIR/gw-hostA.ini
t=$(in_ns hostA "$DG_BIN" -c "$cfg" status) || fail "distgate status exited $?"
printf '%s\n' "$t" >"$DG_LOGDIR/status-hostA.txt"
expect_match "$t" "^  [0-9]+ +out +hostB +$A +$B +established " "the table shows the tunnel a1 -> b1"
expect_match "$t" "^  hostB +gateway +[0-9.:]+ +up " "the table shows peer hostB up"
expect_match "$t" "^  a1 +[0-9]+ +normal" "the table shows node a1"
t=$(in_ns hostA "$DG_BIN" -c "$cfg" status --json) || fail "distgate status --json exited $?"
expect_eq "$(jq -r '.tunnels[0].acceptor' <<<"$t")" "$B" "status --json prints the JSON"
t=$(in_ns hostB "$DG_BIN" -c "$DG_LOGDIR/gw-hostB.ini" status) || fail "distgate status on B (unix socket)"
expect_match "$t" "^  [0-9]+ +in +hostA +$A +$B +established " "on B, over the unix socket, the tunnel is inbound"

step "unknown path, other methods"
expect_eq "$(get hostA /nope -o /dev/null -w '%{http_code}')" 404 "GET /nope is 404"
expect_eq "$(get hostA /metrics -o /dev/null -w '%{http_code}' -X POST)" 501 "POST /metrics is refused (501, evhttp's code for a method not allowed)"

step "the example alert rules"
out=$(promtool check rules "$DG_ROOT/deploy/prometheus/distgate-alerts.yml" 2>&1) ||
	fail "promtool check rules: $out"
pass "promtool check rules: $(grep -o '[0-9]* rules found' <<<"$out")"

step "B's unix socket goes with B"
gw_stop hostB || fail "hostB's gateway exited $?"
[ ! -e "$SOCK" ] || fail "$SOCK is left after B stopped"
pass "the socket is removed at stop"
