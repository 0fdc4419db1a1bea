#!/usr/bin/env bash
# Goal of this test: distgate runs without privilege, the way
# deploy/distgate.service runs it.  A throwaway system user U is created
# (and removed at the end).  Started as root without user and without
# run_as_root, -t and the gateway refuse, exit 1, name both ways out
# (user = NAME, run_as_root = yes) and listen on nothing; user = an
# unknown name is refused the same way.  With run_as_root = yes it runs as
# root and says so.  hostA's gateway is started as root with user = U: its
# /proc status shows every uid and gid U's, the group list just U's
# group, no capability (permitted, effective, ambient) and no_new_privs,
# and it logs the drop.  hostB's gateway is started the way the unit
# starts it: as U from the start (setpriv: no capability in any set, an
# empty bounding set, no_new_privs), with user = U and its key owned by
# U; as U, a config naming another user is refused.  With both gateways
# unprivileged, the seed scenario's story (03) passes: connect, global
# name, rpc both ways, EPMD names and a fast pang.  hostB, given a
# NOTIFY_SOCKET (an Erlang listener standing in for systemd), sends
# READY=1 once listening, a STATUS= summary, and STOPPING=1 on SIGTERM.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/story.sh"
require_root
DG_NAMES=name
command -v useradd >/dev/null && command -v setpriv >/dev/null ||
	skip "useradd (passwd) and setpriv (util-linux) are needed"

A=a1@hostA.test
B=b1@hostB.test
HB=hostB.test
U=dg50u$$
U=${U:0:32}
UDIR=""

# The user goes first at exit (-f: our gateways may still run as it;
# dg_cleanup then kills them by PID), then the usual cleanup.
trap 'rc=$?; userdel -f "$U" >/dev/null 2>&1; [ -n "$UDIR" ] && rm -rf "$UDIR"; (exit $rc); dg_cleanup' EXIT
useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$U" || fail "useradd $U"
UID_U=$(id -u "$U")
GID_U=$(id -g "$U")
pass "made user $U (uid $UID_U, gid $GID_U)"

ns_setup 2

# status_of PID FIELD: the value of FIELD in /proc/PID/status, tabs as
# spaces.
status_of() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' ' |
		sed 's/ $//'
}

# unprivileged PID WHO: PID runs as U with no capability and
# no_new_privs.
unprivileged() {
	local pid=$1 who=$2 f
	expect_eq "$(status_of "$pid" Uid)" "$UID_U $UID_U $UID_U $UID_U" \
	    "$who: real, effective, saved and fs uid are $U's"
	expect_eq "$(status_of "$pid" Gid)" "$GID_U $GID_U $GID_U $GID_U" \
	    "$who: every gid is $U's group"
	for f in CapPrm CapEff CapAmb; do
		expect_eq "$(status_of "$pid" "$f")" 0000000000000000 \
		    "$who: $f is empty"
	done
	expect_eq "$(status_of "$pid" NoNewPrivs)" 1 "$who: no_new_privs is set"
}

# no_listener HOST WHAT
no_listener() {
	if listening "$1" 4369 || listening "$1" "$DG_TLS_PORT"; then
		fail "$2: something listens on $1"
	fi
	pass "$2: nothing listens on $1"
}

# refused_start NAME CFG RE [RUNNER...]: -t on CFG and a gateway started
# with it on hostA (through RUNNER, e.g. setpriv) exit 1 with RE in their
# output, and nothing listens.
refused_start() {
	local name=$1 cfg=$2 re=$3 out rc=0 log pid
	shift 3
	out=$(timeout 10 "$@" "$DG_BIN" -c "$cfg" -t 2>&1) || rc=$?
	expect_eq "$rc" 1 "$name: -t exits 1"
	expect_match "$out" "$re" "$name: -t says why"
	log=$DG_LOGDIR/gw-$name.log
	spawn "$log" hostA env DG_RUN_TAG="$DG_TAG" "$@" "$DG_BIN" -c "$cfg"
	pid=$DG_LAST_PID
	wait_for 10 not pid_alive "$pid" || fail "$name: the gateway still runs after 10 s"
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	forget_pids "$pid"
	expect_eq "$rc" 1 "$name: the gateway exits 1"
	expect_match "$(cat "$log")" "$re" "$name: the gateway says why"
	no_listener hostA "$name"
}

step "root, without user and without run_as_root: refused"
cfg=$(gw_config hostA)
grep -q '^run_as_root = yes$' "$cfg" || fail "test bug: no run_as_root line in $cfg"
sed -i '/^run_as_root = yes$/d' "$cfg"
refused_start root-refused "$cfg" \
	'refusing to run as root: set user = NAME in \[gateway\] .* or run_as_root = yes to stay root'

step "root, user = a name that does not exist: refused"
cfg=$(DG_GW_USER=no-such-user-dg50 gw_config hostA)
refused_start no-such-user "$cfg" 'user = no-such-user-dg50: no such user'

step "root, run_as_root = yes: runs as root, and says so"
gw_start hostA
expect_eq "$(status_of "${DG_GW_PID[hostA]}" Uid)" "0 0 0 0" "hostA's gateway runs as root"
expect_log hostA 'running as root \(run_as_root = yes\)'
gw_stop hostA

step "hostA: started as root with user = $U, drops before serving"
DG_GW_USER=$U gw_start hostA "cookie_file = $DG_COOKIE_FILE"
unprivileged "${DG_GW_PID[hostA]}" "hostA (dropped)"
expect_eq "$(status_of "${DG_GW_PID[hostA]}" Groups)" "$GID_U" \
	"hostA (dropped): the only supplementary group is $U's"
expect_log hostA "running as user $U \\(uid $UID_U\\), group $U \\(gid $GID_U\\)"
# The drop comes before the start-up line: nothing was served as root.
drop=$(grep -n "running as user $U" "$(gw_log hostA)" | tail -n 1 | cut -d: -f1)
started=$(grep -n 'distgate .* started' "$(gw_log hostA)" | tail -n 1 | cut -d: -f1)
[ -n "$drop" ] && [ -n "$started" ] && [ "$drop" -lt "$started" ] ||
	fail "hostA: the drop (line ${drop:-?}) is not logged before 'started' (line ${started:-?})"
pass "hostA: dropped (log line $drop) before it started serving (line $started)"

step "hostB: started as $U, as the systemd unit does (no capability at all)"
# U's own copies of what it reads: its key and cookie owned by it, 0600.
UDIR=$(mktemp -d "${TMPDIR:-/tmp}/distgate-it50.XXXXXX")
cp "$DG_PKI/hostB.crt" "$DG_PKI/hostB.key" "$DG_PKI/ca.crt" "$DG_COOKIE_FILE" "$UDIR/"
cookie=$UDIR/$(basename "$DG_COOKIE_FILE")
chown -R "$U:$U" "$UDIR"
chmod 0700 "$UDIR"
chmod 0600 "$UDIR/hostB.key" "$cookie"
AS_U=(setpriv --reuid="$U" --regid="$U" --clear-groups --no-new-privs
	--inh-caps=-all --ambient-caps=-all --bounding-set=-all)

cfgB=$(DG_GW_USER=$U gw_config hostB "cookie_file = $cookie")
sed -i -e "s|^cert = .*|cert = $UDIR/hostB.crt|" \
	-e "s|^key = .*|key = $UDIR/hostB.key|" -e "s|^ca = .*|ca = $UDIR/ca.crt|" "$cfgB"

# As U, a config naming another user is refused.
other=$DG_LOGDIR/other-user.ini
sed "s|^user = .*|user = nobody|" "$cfgB" >"$other"
out=$(timeout 10 "${AS_U[@]}" "$DG_BIN" -c "$other" -t 2>&1) && fail "-t as $U with user = nobody passed: $out"
expect_match "$out" "user = nobody \\(uid 65534\\), but distgate runs as uid $UID_U" \
	"as $U, user = nobody is refused, naming both uids"

out=$(timeout 10 "${AS_U[@]}" "$DG_BIN" -c "$cfgB" -t 2>&1) || fail "-t as $U exited $?: $out"
expect_match "$out" '^configuration OK$' "-t as $U (ExecStartPre) accepts the config"
# systemd's side of sd_notify: a datagram socket whose messages an Erlang
# listener appends to a file, one a line (continuation lines too).
notify_sock=$UDIR/notify
notes=$DG_LOGDIR/notify.out
: >"$notes"
spawn "$DG_LOGDIR/notify-listener.log" hostB env DG_RUN_TAG="$DG_TAG" \
	erl -noshell -eval "
		{ok, S} = gen_udp:open(0, [{ifaddr, {local, \"$notify_sock\"}},
		    binary, {active, false}]),
		{ok, F} = file:open(\"$notes\", [append, raw]),
		Loop = fun L() -> {ok, {_, _, D}} = gen_udp:recv(S, 0),
		    ok = file:write(F, [D, <<\"\\n\">>]), L() end,
		Loop()."
wait_for 15 test -S "$notify_sock" || fail "the notify listener made no socket"
chown "$U" "$notify_sock"

log=$(gw_log hostB)
echo "### 50: start $(date -u +%FT%TZ) as $U: $DG_BIN -c $cfgB" >>"$log"
spawn "$log" hostB env DG_RUN_TAG="$DG_TAG" NOTIFY_SOCKET="$notify_sock" \
	"${AS_U[@]}" "$DG_BIN" -c "$cfgB"
DG_GW_PID[hostB]=$DG_LAST_PID
gw_ready hostB || { tail -n 20 "$log" >&2; fail "hostB's gateway, run as $U, is not listening"; }
"${AS_U[@]}" "$DG_BIN" -c "$cfgB" inetrc >"$(inetrc_of hostB)" 2>>"$log" ||
	fail "distgate inetrc as $U failed (see $log)"
unprivileged "${DG_GW_PID[hostB]}" "hostB (started as $U)"
expect_eq "$(status_of "${DG_GW_PID[hostB]}" CapBnd)" 0000000000000000 \
	"hostB (started as $U): the bounding set is empty"
expect_no_log hostB 'running as (user|root)'
wait_for 5 grep -qx 'READY=1' "$notes" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$notes")"
pass "hostB told the service manager READY=1"
wait_for 5 grep -qE '^STATUS=1 peer\(s\), 0 local node\(s\), connections: [0-9]+ local, [0-9]+ remote$' "$notes" ||
	fail "no STATUS line on NOTIFY_SOCKET: $(cat "$notes")"
pass "hostB's STATUS: $(grep -m1 '^STATUS=' "$notes")"

step "the seed story through two unprivileged gateways"
node_start hostB b1 erl name "$STORY_SERVER"
node_start hostA a1 erl name
story_play
expect_log_first hostA 'cookie digests are checked at the edge'
expect_log_first hostB 'cookie digests are checked at the edge'

step "both stop cleanly on SIGTERM, still as $U"
gw_stop hostA || fail "hostA's gateway exited $? on SIGTERM"
pass "hostA's gateway exited 0"
gw_stop hostB || fail "hostB's gateway exited $? on SIGTERM"
pass "hostB's gateway exited 0"
expect_eq "$(grep -cx 'STOPPING=1' "$notes")" 1 "hostB told the service manager STOPPING=1"
expect_eq "$(grep -cx 'READY=1' "$notes")" 1 "READY=1 was sent once"
