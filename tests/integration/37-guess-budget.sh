#!/usr/bin/env bash
# Goal of this test: lockout stops brute force without collateral damage.
# An attacker with a shell on hostB and no cookie gets at most
# lockout_guesses (default 10) wrong cookie guesses an hour at hostA,
# whatever node names it picks, plus one per known-good name it takes
# (that name is then known good no more), while hostB's nodes that
# connected recently keep connecting during and after the attack.  Gateway
# A checks cookies ([peer hostB] allow_hidden = yes, so that hidden tries
# are guesses too) with the default lockout settings.  b1 (connected to
# a1 throughout) and b3 (connected once, then stopped) are known good.
# The attack, on hostB, with a wrong cookie: the issue's sequence (erl
# -hidden -name h2@hostB.test and 12 calls of net_kernel:connect_node to
# a1), then 20 more names (one node renaming itself), then b3's name, then
# 12 TCP connections from hostB's address that send plaintext to A's TLS
# port.  Checked: b3 connects to a1 after h2's tries (today hostB's
# identity is banned there and every node of hostB refused); at most 10
# bad_cookie lines for all names, the others refused with code=guess_limit
# or locked_out before their cookie is checked; no ban of hostB's
# identity; after b3's name was used with a wrong cookie the real b3 is
# refused (guess_limit) while b1 still reconnects; hostB's address gets
# banned for its TLS failures yet b1 reconnects (a certificate of hostB
# came from it recently); b1's link never went down during the attack.
# Every refusal has one audit line.  About 60 s.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name
DG_AUDIT_FILES=1	# count audit lines in the audit file: the log's copy is rate-limited

A=a1@hostA.test
B1=b1@hostB.test
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
CONNECT="{net_kernel:connect_node('$A'), rpc:call('$A', erlang, node, [], 5000)}"

# renaming HOST NAME SECS CODE: a node on HOST started without a name
# (NAME's home: its cookie) evaluates CODE, which may start and stop
# distribution under names of its own choosing; prints the result.
renaming() {
	local h=$1 n=$2 secs=$3 code=$4 log argv=()
	DG_EVALS=$((DG_EVALS + 1))
	log=$DG_LOGDIR/eval-$(printf %02d "$DG_EVALS")-$n@$h.log
	mapfile -t argv < <(node_env "$h" "$n")
	argv+=(unshare --uts sh -c 'hostname "$1"; cd "$HOME"; shift; exec "$@"' sh "$h"
	    erl -noshell -start_epmd false -kernel inet_dist_use_interface '{127,0,0,1}'
	    -eval "$DG_ERL_WRAPPER")
	printf '### 31: %s on %s:\n%s\n' "$n" "$h" "$code" >"$log"
	eval_run renaming "$h" "$n" "$secs" "$log" "$code" "" "${argv[@]}"
}

# reconnect_b1: b1 drops its connection to a1 and makes a new one.
reconnect_b1() {
	node_rpc hostB "$B1" "erlang:disconnect_node('$A'), timer:sleep(200),
		{net_kernel:connect_node('$A'), rpc:call('$A', erlang, node, [], 5000)}"
}

ns_setup 2
gw_peer_lines hostA hostB "allow_hidden = yes"
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
node_start hostA a1
node_start hostB b1

step "b1 and b3 (right cookie) connect to a1: known good"
r=$(node_rpc hostB "$B1" "$CONNECT") || fail "rpc to b1"
expect_eq "$(unq "$r")" "{true,$A}" "b1 connects to a1"
r=$(node_eval hostB b3 "$CONNECT") || fail "b3 on hostB"
expect_eq "$(unq "$r")" "{true,$A}" "b3 connects to a1 (and stops)"
r=$(node_rpc hostB "$B1" "
	P = spawn(fun() -> erlang:monitor_node('$A', true),
		receive {nodedown, N} -> persistent_term:put(dg_nodedown, N) end end),
	register(dg_watch, P), watching") || fail "rpc to b1"
expect_eq "$r" watching "watching b1's link to a1"

step "the issue's attack: h2 (hidden, wrong cookie), 12 connect_node calls"
node_cookie hostB h2 "$WRONG"
mark=$(log_mark hostA)
amark=$(audit_mark hostA)
r=$(node_eval --hidden --timeout 60 hostB h2 "
	[begin R = net_kernel:connect_node('$A'), erlang:disconnect_node('$A'), R end
	 || _ <- lists:seq(1, 12)]") || fail "h2 on hostB"
expect_nomatch "$r" true "none of h2's 12 tries connected"
r=$(node_eval hostB b3 "$CONNECT") || fail "b3 on hostB"
expect_eq "$(unq "$r")" "{true,$A}" "b3 (known good) connects to a1 right after h2's tries"
expect_no_log --since "$mark" hostA 'lockout key=(id|addr):'
pass "figure: after h2: bad_cookie=$(audit_count hostA "$amark" 'audit .*code=bad_cookie') locked_out=$(audit_count hostA "$amark" 'audit .*code=locked_out') guess_limit=$(audit_count hostA "$amark" 'audit .*code=guess_limit')"

step "20 more names from one renaming node with the wrong cookie"
node_cookie hostB rn "$WRONG"
r=$(renaming hostB rn 90 "
	[begin {ok, _} = net_kernel:start([list_to_atom(\"x\" ++ integer_to_list(I) ++ \"@hostB.test\"), longnames]),
		R = net_kernel:connect_node('$A'), ok = net_kernel:stop(), R end
	 || I <- lists:seq(1, 20)]") || fail "the renaming node on hostB"
expect_nomatch "$r" true "none of the 20 names connected"
bad=$(audit_count hostA "$amark" 'audit .*code=bad_cookie')
limited=$(audit_count hostA "$amark" 'audit .*code=guess_limit')
pass "figure: 32 tries under 21 names: bad_cookie=$bad guess_limit=$limited locked_out=$(audit_count hostA "$amark" 'audit .*code=locked_out')"
[ "$bad" -le 10 ] || fail "$bad wrong cookies were checked: more than lockout_guesses (10)"
pass "$bad wrong cookies checked for all those names (lockout_guesses = 10)"
[ "$limited" -ge 20 ] || fail "only $limited tries refused with code=guess_limit"
expect_log_first --since "$mark" hostA 'trust id=hostB\.test: 10 wrong cookies within 3600s'
expect_audit --since "$amark" hostA 'audit .*initiator=x20@hostB\.test .*code=guess_limit'

r=$(node_rpc hostB "$B1" "{persistent_term:get(dg_nodedown, none), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to b1"
expect_eq "$(unq "$r")" "{none,$A}" "b1's link to a1 stayed up through the attack"

step "during and after: b1 reconnects, b3's name taken by the attacker"
r=$(reconnect_b1) || fail "rpc to b1"
expect_eq "$(unq "$r")" "{true,$A}" "b1 (known good) makes a new connection to a1"
node_cookie hostB b3 "$WRONG"
m2=$(log_mark hostA)
am2=$(audit_mark hostA)
r=$(renaming hostB b3 60 "
	[begin {ok, _} = net_kernel:start(['b3@hostB.test', longnames]),
		R = net_kernel:connect_node('$A'), ok = net_kernel:stop(), R end
	 || _ <- [1, 2]]") || fail "the attacker as b3"
expect_eq "$r" "[false,false]" "the attacker under b3's name does not connect"
expect_audit --since "$am2" hostA 'audit .*initiator=b3@hostB\.test .*code=bad_cookie'
expect_log_first --since "$m2" hostA 'trust id=hostB\.test node=b3@hostB\.test: a wrong cookie from a node known good'
n=$(audit_count hostA "$am2" 'audit .*initiator=b3@hostB\.test .*code=bad_cookie')
expect_eq "$n" 1 "one wrong cookie checked under b3's name (then it is known good no more)"
node_cookie hostB b3 "$DG_COOKIE"
m2=$(log_mark hostA)
am2=$(audit_mark hostA)
r=$(node_eval hostB b3 "$CONNECT") || fail "b3 on hostB"
expect_match "$r" '^\{false,' "the real b3 is refused now: its name was used with a wrong cookie"
expect_audit --since "$am2" hostA 'audit .*initiator=b3@hostB\.test .*code=guess_limit'
expect_no_log --since "$m2" hostA 'audit .*code=bad_cookie'

step "hostB's address fails TLS 12 times; its nodes still connect"
m3=$(log_mark hostA)
am3=$(audit_mark hostA)
for ((i = 0; i < 12; i++)); do
	raw_send hostB "$(host_ip hostA)" "$DG_TLS_PORT" 'GET / HTTP/1.0\r\n\r\n' 5 >/dev/null || true
done
expect_log_first --since "$m3" hostA 'lockout key=addr:10\.77\.0\.2 failures=10 '
r=$(reconnect_b1) || fail "rpc to b1"
expect_eq "$(unq "$r")" "{true,$A}" "b1 reconnects from hostB's banned address (a certificate of hostB came from it)"

step "the totals"
bad=$(audit_count hostA "$amark" 'audit .*code=bad_cookie')
pass "figure: wrong cookies checked in the whole attack: $bad (lockout_guesses 10, + 1 for the known-good name b3)"
[ "$bad" -le 11 ] || fail "$bad wrong cookies checked (at most 10 + 1)"
pass "at most 10 guesses an hour, plus one per known-good name taken"
expect_no_log --since "$mark" hostA 'lockout key=id:'
r=$(node_rpc hostB "$B1" "{lists:member('$A', nodes()), rpc:call('$A', erlang, node, [], 5000)}") ||
	fail "rpc to b1"
expect_eq "$(unq "$r")" "{true,$A}" "b1 is connected to a1 at the end"
dups=$(log_grep hostA "$mark" 'audit conn=' | sed -E 's/.*audit (conn=[0-9]+) .*/\1/' | sort | uniq -d)
[ -z "$dups" ] || fail "connections with more than one audit line: $dups"
pass "every refusal has exactly one audit line"
