#!/usr/bin/env bash
# Goal of this test: every connection that ends leaves exactly one audit
# line, in the gateway log and in audit_file, with every field of the
# contract.  Gateway B has audit_file set.  One connection a1 <-> b1 that
# ends normally (connect, rpc, disconnect_node) and one refused one (a3,
# wrong cookie, pings b1).  The audit file then has exactly one line per
# connection, each with all fields in order: verdict=ok code=ok for the
# first, verdict=refused code=bad_cookie for the second; subject and san
# carry hostA's certificate subject CN and SAN names; the gateway log has
# the same lines, once each; gateway A logged its own side (dir=out, with
# hostB's certificate).
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
AUDIT=$DG_LOGDIR/audit-hostB.log
WRONG=dgwrong$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
# A whole audit line (after any prefix the file or the log puts first).
LINE_RE="(^|[ :])${DG_AUDIT_RE}\$"

# audit_lines ERE: the audit file's lines matching ERE.
audit_lines() { grep -E -- "$1" "$AUDIT" 2>/dev/null || true; }

# check_cert_fields LINE HOST: subject names HOST.test as CN, san names
# HOST.test and HOST (deploy/pki.sh's certificates).
check_cert_fields() {
	local subject san
	subject=$(audit_field "$1" subject)
	san=$(audit_field "$1" san)
	expect_match "$subject" "CN ?= ?$2\\.test" "subject=\"$subject\" carries CN=$2.test"
	expect_match "$san" "(^|[^A-Za-z0-9.])$2\\.test([^A-Za-z0-9.]|$)" "san=\"$san\" carries $2.test"
	expect_match "$san" "(^|[^A-Za-z0-9.])$2([^A-Za-z0-9.]|$)" "san=\"$san\" carries $2"
}

# once_in_log HOST LINE: HOST's gateway log has exactly one audit line for
# LINE's connection, and it is LINE (from "audit conn=" on).
once_in_log() {
	local id body n
	id=$(audit_field "$2" conn)
	body=audit${2#*audit}
	n=$(log_count "$1" 0 "audit conn=$id ")
	expect_eq "$n" 1 "gateway $1's log has one audit line for conn=$id"
	grep -qF -- "$body" < <(log_grep "$1" 0 "audit conn=$id ") ||
		fail "gateway $1's audit line for conn=$id differs from the audit file's"
	pass "gateway $1's audit line for conn=$id is the audit file's"
}

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE" "audit_file = $AUDIT"
node_start hostB b1
node_start hostA a1

step "a1 <-> b1: connect, rpc, disconnect"
r=$(node_rpc hostA "$A" "{net_kernel:connect_node('$B'), rpc:call('$B', erlang, node, [], 5000),
	erlang:disconnect_node('$B')}") || fail "rpc to a1"
expect_eq "$(unq "$r")" "{true,$B,true}" "a1 connects to b1, rpc works, disconnects"
wait_for 5 grep -q 'initiator=a1@hostA.test' "$AUDIT" ||
	fail "no audit line for a1 in $AUDIT within 5 s"
pass "the audit file has a line for a1's connection"

step "a3 with a wrong cookie pings b1"
node_cookie hostA a3 "$WRONG"
r=$(node_eval hostA a3 "net_adm:ping('$B')") || fail "a3 on hostA"
expect_eq "$r" pang "net_adm:ping('$B') from a3 (wrong cookie)"
wait_for 5 grep -q 'initiator=a3@hostA.test' "$AUDIT" ||
	fail "no audit line for a3 in $AUDIT within 5 s"
pass "the audit file has a line for a3's connection"

step "the audit file"
sleep 1
echo "# $AUDIT:"
sed 's/^/#   /' "$AUDIT" || fail "no audit file $AUDIT"
bad=$(grep -Evc -- "$LINE_RE" "$AUDIT" || true)
[ "$bad" -eq 0 ] || fail "$bad line(s) of the audit file lack fields of the contract: $(grep -Ev -m 1 -- "$LINE_RE" "$AUDIT")"
pass "every line of the audit file has all fields of the contract, in order"
dups=$(grep -Eo 'audit conn=[0-9]+ ' "$AUDIT" | sort | uniq -d | tr '\n' ' ')
expect_eq "$dups" "" "no connection has two lines in the audit file"

ok=$(audit_lines 'initiator=a1@hostA\.test ')
expect_eq "$(printf '%s\n' "$ok" | grep -c .)" 1 "exactly one audit line for a1's connection"
expect_eq "$(audit_field "$ok" dir)" in "a1's line: dir"
expect_eq "$(audit_field "$ok" peer)" hostA "a1's line: peer"
expect_match "$(audit_field "$ok" addr)" '^10\.77\.0\.1:[0-9]+$' "a1's line: addr is hostA's"
expect_eq "$(audit_field "$ok" acceptor)" "$B" "a1's line: acceptor"
expect_eq "$(audit_field "$ok" hidden)" no "a1's line: hidden"
expect_eq "$(audit_field "$ok" verdict)" ok "a1's line: verdict"
expect_eq "$(audit_field "$ok" code)" ok "a1's line: code"
expect_match "$(audit_field "$ok" bytes_out)" '^[1-9][0-9]*$' "a1's line: bytes_out > 0"
expect_match "$(audit_field "$ok" bytes_in)" '^[1-9][0-9]*$' "a1's line: bytes_in > 0"
check_cert_fields "$ok" hostA

refused=$(audit_lines 'initiator=a3@hostA\.test ')
expect_eq "$(printf '%s\n' "$refused" | grep -c .)" 1 "exactly one audit line for a3's connection"
expect_eq "$(audit_field "$refused" dir)" in "a3's line: dir"
expect_eq "$(audit_field "$refused" peer)" hostA "a3's line: peer"
expect_eq "$(audit_field "$refused" verdict)" refused "a3's line: verdict"
expect_eq "$(audit_field "$refused" code)" bad_cookie "a3's line: code"
expect_eq "$(audit_field "$refused" hidden)" no "a3's line: hidden"
check_cert_fields "$refused" hostA

step "the gateway logs"
once_in_log hostB "$ok"
once_in_log hostB "$refused"
expect_log_first hostA 'audit .*dir=out .*initiator=a1@hostA\.test .*acceptor=b1@hostB\.test .*verdict=ok code=ok'
line=$(log_first hostA 0 'audit .*dir=out .*initiator=a1@hostA\.test') || true
expect_match "$line" "$LINE_RE" "A's audit line has all fields of the contract"
check_cert_fields "$line" hostB
