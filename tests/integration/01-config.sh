#!/usr/bin/env bash
# Goal of this test: `distgate -t` accepts a good configuration (and warns
# when a peer has no cookie, so the edge cannot check digests) and rejects
# bad ones with exit 1 and a "FILE:LINE: KEY: reason" message that names the
# offending line (unknown key, bad port, private key readable by others,
# idle_timeout below net_ticktime, bad log level, bad peer port); `distgate
# inetrc` prints an inetrc that Erlang can read, mapping this host to
# 127.0.0.1 and each peer to its alias; --version and --help work.
# Needs no root: no namespace, no node.
source "$(dirname "$0")/lib.sh"

pki_setup
DG_HOSTS=(hostA hostB)
good=$(gw_config hostA)

step "a good file"
out=$(timeout 10 "$DG_BIN" -c "$good" -t 2>&1) || fail "-t on a good file exited $?: $out"
expect_match "$out" '^configuration OK$' "-t says configuration OK"
expect_match "$out" '^warning: peer hostB has no cookie .*cannot check the cookie digests' \
    "-t warns that the edge cannot check cookies for hostB (no cookie_file)"
with_cookie=$(gw_config hostA "cookie_file = $DG_COOKIE_FILE")
out=$(timeout 10 "$DG_BIN" -c "$with_cookie" -t 2>&1) || fail "-t with a cookie exited $?: $out"
expect_eq "$out" "configuration OK" "-t with cookie_file: no warning"

# bad NAME KEY EDIT...: copy the good file with sed EDITs applied, check
# that -t exits 1 naming KEY on the line where KEY (or its new line) is.
bad() {
	local name=$1 key=$2 f line out rc=0
	shift 2
	f=$DG_LOGDIR/bad-$name.ini
	sed "$@" "$good" >"$f"
	line=$(grep -n "^$key *=" "$f" | tail -n 1 | cut -d: -f1)
	[ -n "$line" ] || fail "test bug: no '$key' line in $f"
	out=$(timeout 10 "$DG_BIN" -c "$f" -t 2>&1) || rc=$?
	expect_eq "$rc" 1 "$name: -t exits 1"
	expect_match "$out" "(^|/)bad-$name\\.ini:$line: $key: .+" \
	    "$name: message names line $line and key $key"
}

step "bad files"
bad unknown-key frobnicate -e '/^\[gateway\]/a frobnicate = yes'
bad bad-port listen -e 's/^listen = .*/listen = 10.77.0.1:99999/'
cp "$DG_PKI/hostA.key" "$DG_WORK/open.key"
chmod 0644 "$DG_WORK/open.key"
bad key-mode-0644 key -e "s|^key = .*|key = $DG_WORK/open.key|"
bad idle-timeout-30s idle_timeout -e '/^\[gateway\]/a idle_timeout = 30s'
bad log-level log_level -e 's/^log_level = .*/log_level = loud/'
bad peer-port address -e 's/^address = \(.*\):4370/address = \1:70000/'

step "inetrc"
out=$(timeout 10 "$DG_BIN" -c "$good" inetrc 2>"$DG_LOGDIR/inetrc.err") ||
	fail "distgate inetrc exited $?: $(cat "$DG_LOGDIR/inetrc.err")"
printf '%s\n' "$out" >"$DG_LOGDIR/hostA.inetrc"
flat=$(printf '%s\n' "$out" | tr -d ' \t')
expect_match "$flat" '^\{lookup,\[file,native\]\}\.$' "inetrc looks up files first"
expect_match "$flat" '^\{host,\{127,0,0,1\},\["hostA","hostA\.test"\]\}\.$' \
    "inetrc maps this host to 127.0.0.1"
expect_match "$flat" '^\{host,\{127,0,1,[0-9]+\},\["hostB","hostB\.test"\]\}\.$' \
    "inetrc maps peer hostB to an alias in 127.0.1.0/24"
r=$(timeout 20 erl -noshell -eval "
	{ok, Ts} = file:consult(\"$DG_LOGDIR/hostA.inetrc\"),
	io:format(\"~p~n\", [length(Ts)]), halt()." 2>&1) ||
	fail "erl cannot read the inetrc: $r"
expect_eq "$r" 3 "Erlang reads the inetrc: 3 terms"

step "--version and --help"
out=$(timeout 10 "$DG_BIN" --version 2>&1) || fail "--version exited $?"
expect_match "$out" "$(sed 's/\./\\./g' "$DG_ROOT/VERSION")" "--version prints the version"
out=$(timeout 10 "$DG_BIN" --help 2>&1) || fail "--help exited $?"
expect_match "$out" '-c' "--help mentions -c"
