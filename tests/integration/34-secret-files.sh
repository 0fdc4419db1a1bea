#!/usr/bin/env bash
# Goal of this test: secret files are opened once, without following a
# symbolic link, and checked on what was opened: a regular file, owned by
# root or the user distgate runs as, that group and other can neither
# read nor write.  `distgate -t` refuses, with exit 1 and "FILE:LINE: KEY:
# PATH: reason", a [tls] key that is a symbolic link to a good key ("is a
# symbolic link"), and a cookie_file in [gateway], [peer] and [node]
# owned by uid 65534 ("owned by uid 65534 (must be root or the running
# user)"); a gateway started with either exits 1 with the same message
# and listens on nothing.  With the key itself and a cookie file of
# root's, -t says OK, both gateways start, and a1 pings b1 with the
# cookie checked at the edge.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
OTHER_UID=65534

ns_setup 2
good=$(gw_config hostA "cookie_file = $DG_COOKIE_FILE")

# A link to hostA's own key, and the run's cookie owned by someone else.
ln -s "$DG_PKI/hostA.key" "$DG_WORK/link.key"
theirs=$(cookie_new theirs "$DG_COOKIE")
chown "$OTHER_UID" "$theirs"

# variant NAME EDIT...: the good file with sed EDITs applied; prints its
# path.
variant() {
	local name=$1 f
	shift
	f=$DG_LOGDIR/$name.ini
	sed "$@" "$good" >"$f"
	echo "$f"
}

# refused NAME KEY REASON EDIT...: -t on the good file with EDITs exits 1
# with "NAME.ini:LINE: KEY: PATH: REASON", LINE the last KEY line; a
# gateway started with it on hostA exits 1 with the same message.
refused() {
	local name=$1 key=$2 reason=$3 f line out rc=0 log pid re
	shift 3
	re=$(printf '%s' "$reason" | sed 's/[()]/\\&/g')
	f=$(variant "$name" "$@")
	line=$(grep -n "^$key *=" "$f" | tail -n 1 | cut -d: -f1)
	[ -n "$line" ] || fail "test bug: no '$key' line in $f"
	out=$(timeout 10 "$DG_BIN" -c "$f" -t 2>&1) || rc=$?
	expect_eq "$rc" 1 "$name: -t exits 1"
	expect_match "$out" "(^|/)$name\\.ini:$line: $key: /[^ ]+: $re\$" \
	    "$name: -t says line $line, $key: ...: $reason"

	log=$DG_LOGDIR/gw-$name.log
	spawn "$log" hostA env DG_RUN_TAG="$DG_TAG" "$DG_BIN" -c "$f"
	pid=$DG_LAST_PID
	wait_for 10 not pid_alive "$pid" || fail "$name: the gateway still runs after 10 s"
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	forget_pids "$pid"
	expect_eq "$rc" 1 "$name: the gateway exits 1"
	expect_match "$(cat "$log")" "(^|/)$name\\.ini:$line: $key: /[^ ]+: $re\$" \
	    "$name: the gateway says why"
	if listening hostA 4369 || listening hostA "$DG_TLS_PORT"; then
		fail "$name: something listens on hostA"
	fi
	pass "$name: nothing listens on hostA"
}

step "a [tls] key that is a symbolic link to the right key"
refused symlink-key key "is a symbolic link" \
	-e "s|^key = .*|key = $DG_WORK/link.key|"

step "a cookie_file owned by uid $OTHER_UID, in [gateway], [peer] and [node]"
OWNED="owned by uid $OTHER_UID (must be root or the running user)"
refused theirs-gateway cookie_file "$OWNED" \
	-e "s|^cookie_file = .*|cookie_file = $theirs|"
refused theirs-peer cookie_file "$OWNED" \
	-e "/^identity = hostB.test/a cookie_file = $theirs"
refused theirs-node cookie_file "$OWNED" \
	-e "\$a [node a9]" -e "\$a cookie_file = $theirs"

step "the right files: -t says OK, the gateways start, a1 pings b1"
out=$(timeout 10 "$DG_BIN" -c "$good" -t 2>&1) || fail "-t on the good file exited $?: $out"
expect_match "$out" '^configuration OK$' "-t accepts the key and a cookie file of root's"
chown 0 "$theirs"
f=$(variant theirs-now-root -e "s|^cookie_file = .*|cookie_file = $theirs|")
out=$(timeout 10 "$DG_BIN" -c "$f" -t 2>&1) || fail "-t exited $?: $out"
expect_match "$out" '^configuration OK$' "-t accepts the same cookie file once root owns it"
gw_start hostA "cookie_file = $theirs"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
node_start hostB b1
node_start hostA a1
r=$(node_rpc hostA "$A" "net_adm:ping('$B')") || fail "rpc to a1"
expect_eq "$r" pong "a1 pings b1 through both gateways"
expect_log_first hostA 'cookie digests are checked at the edge'
