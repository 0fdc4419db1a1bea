#!/usr/bin/env bash
# Goal of this test: hidden connections (PUBLISHED flag clear) from a peer
# are refused at the edge unless that peer has allow_hidden = yes.  Gateway
# B first runs with [peer hostA] allow_hidden = no: a hidden node
# (erl -hidden -name h1@hostA.test), an Elixir remote shell
# (iex --hidden --name ops@hostA.test --remsh b1@hostB.test, driven on a
# pseudo-terminal) and an Erlang remote shell with a dynamic name
# (erl -name undefined -remsh b1@hostB.test) all fail to reach b1, each
# with an audit line code=hidden_not_allowed hidden=yes in B's log, while a
# visible node on A still connects.  After gateway B restarts with
# allow_hidden = yes, the hidden node's rpc works and both remote shells
# evaluate on b1 and print its name.  (Elixir 1.14's iex --remsh is an
# ordinary visible connection unless --hidden is given; IEx ignores
# --remsh without a terminal, hence tty_shell.)
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

B=b1@hostB.test
ERLARGS="-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"
HIDDEN_REFUSED='audit .*code=hidden_not_allowed'

# hidden_h1 CODE: evaluate CODE on a hidden node h1 on hostA.
hidden_h1() { node_eval --hidden hostA h1 "$1"; }

# iex_remsh OUT: an Elixir remote shell from ops@hostA.test (hidden) into
# b1; it types IO.puts with b1's node name.
iex_remsh() {
	local envv=()
	mapfile -t envv < <(node_env hostA ops)
	tty_shell hostA "$1" 'IO.puts("remsh_ok #{node()}")' 'remsh_ok [a-z]' \
	    "${envv[@]}" TERM=xterm iex --hidden --name ops@hostA.test \
	    --erl "$ERLARGS" --remsh "$B"
}

# erl_remsh OUT: an Erlang remote shell with a dynamic name (no -name of
# its own: hidden, DFLAG_NAME_ME) into b1.  A dynamic long name takes the
# host part from the host name, so it runs in a UTS namespace named
# hostA.test.
erl_remsh() {
	local envv=()
	mapfile -t envv < <(node_env hostA remsh)
	# shellcheck disable=SC2086 # ERLARGS is a word list
	tty_shell hostA "$1" 'io:format("remsh_ok ~s~n", [node()]).' 'remsh_ok [a-z]' \
	    "${envv[@]}" TERM=xterm unshare --uts sh -c \
	    'hostname hostA.test && exec "$@"' sh \
	    erl -name undefined $ERLARGS -remsh "$B"
}

ns_setup 2
gw_peer_lines hostB hostA "allow_hidden = no"
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
# An Elixir node: iex --remsh needs IEx on the remote node.
node_start hostB b1 elixir name

step "allow_hidden = no: a hidden node is refused"
mark=$(log_mark hostB)
r=$(hidden_h1 "{net_kernel:connect_node('$B'), nodes(hidden)}") || fail "h1 on hostA"
expect_eq "$r" "{false,[]}" "hidden h1 cannot connect to b1"
expect_log_first --since "$mark" hostB "$HIDDEN_REFUSED"
line=$(log_first hostB "$mark" "$HIDDEN_REFUSED") || true
expect_eq "$(audit_field "$line" initiator)" h1@hostA.test "the refusal names h1 as initiator"
expect_eq "$(audit_field "$line" verdict)" refused "the refusal's verdict"
expect_eq "$(audit_field "$line" hidden)" yes "the refusal says hidden=yes"

step "allow_hidden = no: iex --remsh is refused"
mark=$(log_mark hostB)
out=$DG_LOGDIR/remsh-iex-1.out
iex_remsh "$out"
expect_file_lacks "$out" "remsh_ok $B" "iex --remsh did not evaluate on b1"
expect_log_first --since "$mark" hostB "$HIDDEN_REFUSED"
line=$(log_first hostB "$mark" "$HIDDEN_REFUSED") || true
expect_eq "$(audit_field "$line" initiator)" ops@hostA.test "the refused remsh is ops@hostA.test"
expect_eq "$(audit_field "$line" hidden)" yes "the remsh refusal says hidden=yes"

step "allow_hidden = no: erl -remsh with a dynamic name is refused"
mark=$(log_mark hostB)
out=$DG_LOGDIR/remsh-erl-1.out
erl_remsh "$out"
expect_file_lacks "$out" "remsh_ok $B" "erl -remsh did not evaluate on b1"
expect_log_first --since "$mark" hostB "$HIDDEN_REFUSED"
line=$(log_first hostB "$mark" "$HIDDEN_REFUSED") || true
# (a dynamic-name send_name carries only the host part)
expect_match "$(audit_field "$line" initiator)" '^([^@ ]+@)?hostA\.test$' \
	"the refused dynamic-name initiator is on hostA"
expect_eq "$(audit_field "$line" hidden)" yes "the dynamic-name refusal says hidden=yes"

step "a visible node from A still connects"
r=$(node_eval hostA a1 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000)}") ||
	fail "a1 on hostA"
expect_eq "$(unq "$r")" "{true,$B}" "visible a1 connects to b1 and rpc works"
r=$(node_rpc hostB "$B" "[N || N <- nodes(hidden), N =/= node()]") || fail "rpc to b1"
# (the local control node is hidden too: only remote names count)
expect_nomatch "$r" 'hostA' "b1 never had a hidden connection from hostA"

step "gateway B restarts with allow_hidden = yes"
gw_stop hostB || true
gw_peer_lines hostB hostA "allow_hidden = yes"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
wait_for 10 node_registered hostB b1 || fail "b1 did not re-register with gateway B"
pass "b1 re-registered"

step "allow_hidden = yes: the hidden node's rpc works"
mark=$(log_mark hostB)
r=$(hidden_h1 "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000),
	lists:member('$B', nodes()), lists:member('$B', nodes(hidden))}") || fail "h1 on hostA"
expect_eq "$(unq "$r")" "{true,$B,false,true}" "hidden h1 connects (hidden) and rpc works"
expect_no_log --since "$mark" hostB 'code=hidden_not_allowed'

step "allow_hidden = yes: iex --remsh evaluates on b1"
out=$DG_LOGDIR/remsh-iex-2.out
iex_remsh "$out"
grep -q "remsh_ok $B" "$out" || { tail -n 20 "$out" >&2; fail "iex --remsh printed no remsh_ok $B"; }
pass "iex --remsh printed: $(grep -m 1 "remsh_ok $B" "$out" | tr -d '\r')"

step "allow_hidden = yes: erl -remsh evaluates on b1"
out=$DG_LOGDIR/remsh-erl-2.out
erl_remsh "$out"
grep -q "remsh_ok $B" "$out" || { tail -n 20 "$out" >&2; fail "erl -remsh printed no remsh_ok $B"; }
pass "erl -remsh printed: $(grep -m 1 "remsh_ok $B" "$out" | tr -d '\r')"
expect_log_first --since "$mark" hostB 'audit .*hidden=yes .*code=ok'
expect_no_log --since "$mark" hostB 'code=hidden_not_allowed'
