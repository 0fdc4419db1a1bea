#!/usr/bin/env bash
# Goal of this test: the lockout window slides, as docs/configuration.md
# says ("how far back failures are counted"), so a burst that straddles
# the end of a window is counted whole.  Gateway B has lockout_window =
# 10s and the default lockout_failures = 10 (and lockout_guesses = 0, so
# that the guess budget, scenario 31, does not stop the burst first: the
# window here counts the failures of the node name a9 from hostA).  On hostA a node a9 with a
# WRONG cookie tries to connect to b1: once at t = 0, 8 times at t = 7 s
# and 8 more times at t = 11 s.  At 11 s the 8 failures of 7 s are still
# inside the last 10 s, so the second attempt of the last burst is the
# 10th failure within the window: B logs a ban and refuses the rest
# (code=locked_out).  In all, at most 11 bad_cookie audit lines (1 + 8 + 2)
# where a window fixed at the first failure restarts at 10 s and lets all
# 17 through without a ban.  The scenario takes about 25 s.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B=b1@hostB.test
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

# The attempts, timed from the first: {Results, T0, T1} (wall clock, ms).
SEQUENCE="
	T0 = erlang:monotonic_time(millisecond),
	W0 = erlang:system_time(millisecond),
	Try = fun() -> R = net_kernel:connect_node('$B'),
		erlang:disconnect_node('$B'), R end,
	At = fun(Ms) -> Left = T0 + Ms - erlang:monotonic_time(millisecond),
		if Left > 0 -> timer:sleep(Left); true -> ok end end,
	R0 = [Try()],
	At(7000),
	R7 = [Try() || _ <- lists:seq(1, 8)],
	At(11000),
	R11 = [Try() || _ <- lists:seq(1, 8)],
	{R0 ++ R7 ++ R11, W0, erlang:system_time(millisecond)}"

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "lockout_window = 10s" \
	"lockout_guesses = 0"
node_start hostB b1

step "a9 (wrong cookie): 1 attempt at 0 s, 8 at 7 s, 8 at 11 s"
node_cookie hostA a9 "$WRONG"
mark=$(log_mark hostB)
r=$(node_eval --timeout 60 hostA a9 "$SEQUENCE") || fail "a9 on hostA"
echo "# a9's results: $r"
[[ $r =~ ^\{\[([a-z,]+)\],([0-9]+),([0-9]+)\}$ ]] || fail "a9's result: $r"
t0=${BASH_REMATCH[2]} t1=${BASH_REMATCH[3]}
expect_nomatch "${BASH_REMATCH[1]}" true "no wrong-cookie attempt connected"
pass "figure: 17 attempts in $((t1 - t0)) ms"

step "the burst at 11 s met a ban"
sleep 1
bad=$(log_count hostB "$mark" 'audit .*code=bad_cookie')
locked=$(log_count hostB "$mark" 'audit .*code=locked_out')
pass "figure: bad_cookie audit lines=$bad, locked_out audit lines=$locked"
expect_log_first --since "$mark" hostB 'lockout key=[^ ]+ failures=10 window=10s ban='
[ "$bad" -le 11 ] ||
	fail "$bad bad_cookie audit lines: more than 10 failures fell within 10 s without a ban"
pass "$bad bad_cookie audit lines (at most 10 within any 10 s, 11 in all)"
[ "$bad" -ge 10 ] || fail "only $bad bad_cookie audit lines: the ban came too early"
pass "the ban came at the 10th failure within the window, not before"
[ "$locked" -ge 1 ] || fail "no attempt after the ban was refused with code=locked_out"
pass "the attempts after the ban were refused: $locked audit lines code=locked_out"
line=$(log_first hostB "$mark" 'audit .*code=locked_out') || true
expect_eq "$(audit_field "$line" verdict)" refused "the locked_out line's verdict"
