#!/usr/bin/env bash
# Goal of this test: a source that keeps failing is locked out for a
# while, without disturbing anybody else.  Gateway B has lockout_failures
# = 5, lockout_window = 30s, lockout_ban = 4s and the default
# lockout_guesses = 10.  c2 on hostC (right cookie) connects to b1 once
# first.  Then on hostC (a valid peer) a node c9 with a WRONG cookie makes
# up to 1000 connection attempts to b1 (connect_node + disconnect_node,
# paced, at most 60 s), while a1 on hostA (right cookie) keeps exchanging
# messages with b1 on its established connection.  Then: b1 never logged
# "Invalid challenge reply"; B logged bans of the node name c9 from hostC's
# identity ("lockout key=node:hostC.test/c9@hostC.test") and audit lines
# with code=locked_out, and no ban of hostC's address or identity; the
# bad_cookie audit lines are at most lockout_failures per ban and at most
# lockout_guesses in all (the rest are refused with code=guess_limit); a1
# had round trips during the attack and none of them failed.  After the
# attack and more than the ban time, B logs the ban's expiry and c2, known
# good, connects again, while c3, a name hostC never proved, is refused
# with code=guess_limit until hostC's guesses are older than an hour; a
# new connection from hostA works too.  The measured figures are printed
# as "ok - figure: ..." lines.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
B_LOG=$DG_LOGDIR/node-b1@hostB.log
FAILURES=5
BAN_S=4
C_KEY='node:hostC\.test/c9@hostC\.test'
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

# The attack, on c9: returns {Attempts, ConnectsThatSucceeded, T0, T1}
# (wall clock, ms).  One attempt at most every 15 ms, 60 s at most.
ATTACK="
	T0 = erlang:system_time(millisecond),
	Deadline = erlang:monotonic_time(millisecond) + 60000,
	Loop = fun L(N, Ok) ->
		Now = erlang:monotonic_time(millisecond),
		case N >= 1000 orelse Now >= Deadline of
		true -> {N, Ok};
		false ->
			R = net_kernel:connect_node('$B'),
			erlang:disconnect_node('$B'),
			Left = 15 - (erlang:monotonic_time(millisecond) - Now),
			if Left > 0 -> timer:sleep(Left); true -> ok end,
			L(N + 1, if R =:= true -> Ok + 1; true -> Ok end)
		end
	end,
	{N, Ok} = Loop(0, 0),
	{N, Ok, T0, erlang:system_time(millisecond)}"

# a1's round-trip loop: a message to b1's echo server every 20 ms, each
# answer (or its absence after 2 s) stored with its time in ets dg_rt.
PINGER="
	Self = self(),
	P = spawn(fun() ->
		ets:new(dg_rt, [named_table, public, ordered_set]),
		Self ! ready,
		(fun L(I) ->
			Ref = make_ref(),
			{echo, '$B'} ! {self(), Ref},
			R = receive {Ref, pong} -> ok after 2000 -> fail end,
			ets:insert(dg_rt, {{erlang:system_time(millisecond), I}, R}),
			timer:sleep(20),
			L(I + 1)
		end)(0)
	end),
	receive ready -> ok end,
	register(dg_pinger, P), started"

# rt_count FROM TO: a1's {ok, fail} round-trip counts between two times.
rt_count() {
	node_rpc hostA "$A" "
		Rs = [R || {{T, _}, R} <- ets:tab2list(dg_rt), T >= $1, T =< $2],
		{length([x || ok <- Rs]), length([x || fail <- Rs])}"
}

ns_setup 3
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "lockout_failures = $FAILURES" \
	"lockout_window = 30s" "lockout_ban = ${BAN_S}s"
gw_start hostC "cookie_file = $DG_COOKIE_FILE"
node_start hostB b1 erl name "
	register(echo, spawn(fun L() -> receive {From, Ref} -> From ! {Ref, pong}, L() end end))"
node_start hostA a1

step "c2 on hostC (right cookie) connects to b1 once: known good"
r=$(node_eval hostC c2 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "c2 on hostC"
expect_eq "$(unq "$r")" "{true,$B}" "c2 on hostC connects to b1"

step "a1 connects to b1 and starts exchanging messages"
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"
r=$(node_rpc hostA "$A" "$PINGER") || fail "rpc to a1"
expect_eq "$r" started "a1's round-trip loop started"
sleep 1

step "c9 on hostC, wrong cookie: up to 1000 connection attempts to b1"
node_cookie hostC c9 "$WRONG"
mark=$(log_mark hostB)
r=$(node_eval --timeout 90 hostC c9 "$ATTACK") || fail "c9 on hostC"
echo "# attack result: $r"
[[ $r =~ ^\{([0-9]+),([0-9]+),([0-9]+),([0-9]+)\}$ ]] || fail "c9's result: $r"
attempts=${BASH_REMATCH[1]} succeeded=${BASH_REMATCH[2]}
t0=${BASH_REMATCH[3]} t1=${BASH_REMATCH[4]}
pass "figure: attempts=$attempts in $((t1 - t0)) ms"
expect_eq "$succeeded" 0 "no wrong-cookie attempt connected"
[ "$attempts" -ge $((FAILURES * 4)) ] || fail "only $attempts attempts in $((t1 - t0)) ms"
pass "the attack made $attempts attempts"

step "what the attack left in the logs"
sleep 1
bad=$(log_count hostB "$mark" 'audit .*code=bad_cookie')
locked=$(log_count hostB "$mark" 'audit .*code=locked_out')
limited=$(log_count hostB "$mark" 'audit .*code=guess_limit')
bans=$(log_count hostB "$mark" "lockout key=$C_KEY failures=[0-9]+ .*ban=")
allbans=$(log_count hostB "$mark" 'lockout key=[^ ]+ failures=[0-9]+ .*ban=')
pass "figure: bad_cookie audit lines=$bad, locked_out audit lines=$locked, guess_limit audit lines=$limited, bans of c9 from hostC=$bans (all keys: $allbans)"
expect_file_lacks "$B_LOG" 'Invalid challenge reply|rejected' "b1 never saw a wrong challenge reply"
expect_log_first --since "$mark" hostB "lockout key=$C_KEY failures=[0-9]+ .*ban="
expect_log_first --since "$mark" hostB 'audit .*code=locked_out'
line=$(log_first hostB "$mark" 'audit .*code=locked_out') || true
expect_eq "$(audit_field "$line" verdict)" refused "the locked_out line's verdict"
expect_match "$(audit_field "$line" addr)" '^10\.77\.0\.3:[0-9]+$' \
	"the locked_out line is about hostC's address"
[ "$bad" -ge "$FAILURES" ] || fail "only $bad bad_cookie audit lines (want >= $FAILURES)"
pass "$bad bad_cookie audit lines (>= lockout_failures)"
[ "$bad" -le $((FAILURES * (bans + 1))) ] ||
	fail "$bad bad_cookie audit lines for $bans ban(s): more than $FAILURES per ban period"
pass "$bad bad_cookie lines for $bans ban(s): at most $FAILURES per ban period"
[ "$bad" -le 10 ] || fail "$bad bad_cookie audit lines: more than lockout_guesses (10)"
pass "$bad bad_cookie lines: within hostC's guesses (10 an hour)"
[ "$limited" -ge 1 ] || fail "no attempt was refused with code=guess_limit"
pass "$limited attempts refused with code=guess_limit"
expect_no_log --since "$mark" hostB 'lockout key=(addr|id):'
expect_no_log --since "$mark" hostB "lockout key=addr:10\.77\.0\.1[^0-9]"

step "a1's round trips"
r=$(rt_count "$t0" "$t1") || fail "rpc to a1"
[[ $r =~ ^\{([0-9]+),([0-9]+)\}$ ]] || fail "a1's counts: $r"
during=${BASH_REMATCH[1]} during_fail=${BASH_REMATCH[2]}
pass "figure: a1 round trips during the attack=$during (failed: $during_fail)"
[ "$during" -gt 0 ] || fail "a1 made no round trip with b1 during the attack"
pass "a1 exchanged messages with b1 during the attack"
expect_eq "$during_fail" 0 "no a1 round trip failed during the attack"

step "after the ban: B logs its expiry, c2 (known good) connects, c3 (new) does not"
sleep $((BAN_S + 2))
r=$(node_eval hostC c2 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "c2 on hostC"
expect_eq "$(unq "$r")" "{true,$B}" "c2 on hostC connects to b1 after the ban"
mark3=$(log_mark hostB)
r=$(node_eval hostC c3 "net_kernel:connect_node('$B')") || fail "c3 on hostC"
expect_eq "$r" false "c3, a name hostC never proved, cannot connect while its guesses are spent"
expect_log_first --since "$mark3" hostB 'audit .*initiator=c3@hostC\.test .*code=guess_limit'
expect_log_first --since "$mark" hostB "lockout key=$C_KEY expired"
n=$(log_count hostB "$mark" "lockout key=$C_KEY expired")
pass "figure: expiries of hostC's ban=$n"
r=$(node_eval hostA a2 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "a2 on hostA"
expect_eq "$(unq "$r")" "{true,$B}" "a new connection from hostA (a2) works"
now=$(now_ms)
r=$(rt_count 0 "$now") || fail "rpc to a1"
[[ $r =~ ^\{([0-9]+),([0-9]+)\}$ ]] || fail "a1's counts: $r"
total=${BASH_REMATCH[1]} total_fail=${BASH_REMATCH[2]}
after=$(rt_count "$t1" "$now") || fail "rpc to a1"
pass "figure: a1 round trips in all=$total failed=$total_fail, after the attack={ok,failed}=$after"
expect_eq "$total_fail" 0 "none of a1's round trips failed, before, during or after the attack"
expect_match "$after" '^\{[1-9][0-9]*,0\}$' "a1 kept exchanging messages after the attack"
expect_file_lacks "$B_LOG" 'Invalid challenge reply|rejected' "b1 still never saw a wrong challenge reply"
