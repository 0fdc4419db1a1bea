#!/usr/bin/env bash
# Goal of this test: a flood of garbage connections does not flood the
# log, and no line is lost silently.  Gateway B runs at log_level info
# with a public EPMD and an audit file.  From hostC, in two rounds 6 s
# apart (more than the 5 s window), 1,500 connections one after the
# other to B's public EPMD, each sending a request with an unknown tag,
# and 1,500 to B's TLS port, each sending plaintext (the first ten fail
# the TLS handshake, then hostC's address is locked out).  B closes every
# one.  Then: B's log grew by at most 11 lines (10 lines + 1 summary) per
# message class per 5 s window the attack spans, plus one window for late
# summaries and 40 lines for the rest of the run: about 140 lines for the
# 3,000 connections, where B wrote a line per connection before.  It
# writes "N similar suppressed" summaries while it runs (the first
# round's, from its timer) and when it stops (the second round's); per
# class, the lines logged plus the numbers in the summaries add up to
# exactly the connections made; the audit file still has one line per
# TLS connection; B still serves: a node registers and a1 on hostA pings
# it.  Figures are printed as "ok - figure: ..." lines.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
DG_LOG_LEVEL=info

A=a1@hostA.test
B2=b2@hostB.test
N_EPMD=1500
N_TLS=1500
WINDOW_S=5		# proxy/util/log.c: LOG_RL_WINDOW_MS
LINES_PER_CLASS_WINDOW=11	# LOG_RL_BURST lines + one summary
AUDIT=$DG_LOGDIR/audit-hostB.log
C_RE='10\.77\.0\.3:[0-9]+'

# flood ADDR PORT COUNT DATA: from hostC, COUNT connections one after the
# other to ADDR:PORT; each sends DATA (printf %b) and reads until the
# gateway closes (2 s at most).  Prints how many connected.
flood() {
	in_ns hostC timeout -k 2 150 bash -c '
		trap "" PIPE
		n=0
		for ((i = 0; i < $3; i++)); do
			exec 3<>"/dev/tcp/$1/$2" || continue
			n=$((n + 1))
			printf %b "$4" >&3
			while read -r -t 2 -u 3 _; do :; done
			exec 3>&-
		done 2>/dev/null
		echo "$n"' flood "$@"
}

# sum_suppressed CLASS_ERE: the sum of N over B's "N similar suppressed"
# lines whose class matches CLASS_ERE.
sum_suppressed() {
	log_grep hostB "$mark" "class=\"$1\": [0-9]+ similar suppressed" |
		sed -E 's/.*: ([0-9]+) similar suppressed.*/\1/' |
		awk '{ s += $1 } END { print s + 0 }'
}

ns_setup 3
ipb=$(host_ip hostB)
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "audit_file = $AUDIT" \
	"public_epmd = $ipb:4369" "public_ports = 4400-4410"
node_start hostA a1

# check_bound WHEN: B's log grew since the flood began by at most
# LINES_PER_CLASS_WINDOW per class per window the attack spans (plus the
# one a late summary falls in), plus 40 lines for what else the run logs
# (b2, the ping's tunnel, the lockout ban, the stop).  The classes are the
# ones with summaries, at least the 3 the flood hits (EPMD bad_request,
# tls_failed, locked_out).
check_bound() {
	local grown classes nclasses limit
	grown=$(($(wc -l <"$(gw_log hostB)") - lines0))
	classes=$(log_grep hostB "$mark" 'similar suppressed' |
		sed -E 's/.*class="([^"]*)".*/\1/' | sort -u) || true
	nclasses=$(printf '%s\n' "$classes" | grep -c . || true)
	echo "# classes with summaries ($1):"
	printf '%s\n' "$classes" | sed 's/^/#   /'
	[ "$nclasses" -ge 3 ] || nclasses=3
	limit=$((nclasses * LINES_PER_CLASS_WINDOW * (secs / WINDOW_S + 2) + 40))
	pass "figure: $1: B's log grew by $grown lines for $((made_epmd + made_tls)) connections in ${secs}s (limit $limit)"
	[ "$grown" -le "$limit" ] ||
		fail "$1: B's log grew by $grown lines (limit $limit): the flood is not rate-limited"
	pass "$1: B's log grew by $grown lines, within $limit"
}
# round N: half the connections of each kind, from hostC.
made_epmd=0
made_tls=0
round() {
	local n
	n=$(flood "$ipb" 4369 $((N_EPMD / 2)) '\x00\x05Qjunk') || fail "EPMD flood $1 failed"
	made_epmd=$((made_epmd + n))
	n=$(flood "$ipb" "$DG_TLS_PORT" $((N_TLS / 2)) 'GET / HTTP/1.0\r\n\r\n') ||
		fail "TLS flood $1 failed"
	made_tls=$((made_tls + n))
}

step "hostC, round 1: $((N_EPMD / 2)) garbage requests to B's public EPMD, $((N_TLS / 2)) plaintext connections to its TLS port"
mark=$(log_mark hostB)
lines0=$(wc -l <"$(gw_log hostB)")
t0=$(now_ms)
round 1
secs=$((($(now_ms) - t0 + 999) / 1000))
check_bound "after round 1"

step "round 1's summaries, from B's timer once the window is over"
expect_log_first --since "$mark" hostB 'class="epmd [a-z]+ [a-z_]+": [0-9]+ similar suppressed' \
	$((WINDOW_S + 3))
expect_log_first --since "$mark" hostB 'class="audit [a-z]+ [a-z_]+": [0-9]+ similar suppressed' 3
sleep 1

step "hostC, round 2"
round 2
t1=$(now_ms)
secs=$(((t1 - t0 + 999) / 1000))
pass "figure: $made_epmd EPMD and $made_tls TLS connections in two rounds over $((t1 - t0)) ms"
expect_eq "$made_epmd" "$N_EPMD" "every EPMD connection was made"
expect_eq "$made_tls" "$N_TLS" "every TLS connection was made"

step "B still serves: b2 registers, a1 pings it"
node_start hostB b2
r=$(node_rpc hostA "$A" "net_adm:ping('$B2')") || fail "rpc to a1"
expect_eq "$r" pong "a1 pings b2 across hosts"

check_bound "B running"

step "B stops: round 2's summaries at the stop"
stop_mark=$(log_mark hostB)
gw_stop hostB || true
expect_log_first --since "$stop_mark" hostB 'similar suppressed' 1
check_bound "B stopped"

step "the counts add up"
epmd_lines=$(log_count hostB "$mark" "epmd=[0-9]+ client=$C_RE closed")
epmd_supp=$(sum_suppressed 'epmd [a-z]+ [a-z_]+')
pass "figure: EPMD: $epmd_lines lines + $epmd_supp suppressed"
expect_eq "$((epmd_lines + epmd_supp))" "$made_epmd" \
	"EPMD lines logged + suppressed = connections made"
tls_lines=$(log_count hostB "$mark" "audit conn=[0-9]+ dir=in peer=- addr=$C_RE .*verdict=(refused|error)")
tls_supp=$(sum_suppressed 'audit (refused|error) [a-z_]+')
pass "figure: TLS: $tls_lines audit lines + $tls_supp suppressed"
expect_eq "$((tls_lines + tls_supp))" "$made_tls" \
	"TLS audit lines logged + suppressed = connections made"
n=$(grep -Ec "addr=$C_RE " "$AUDIT" || true)
expect_eq "$n" "$made_tls" "the audit file has one line per TLS connection"
