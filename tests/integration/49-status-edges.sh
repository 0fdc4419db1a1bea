#!/usr/bin/env bash
# Goal of this test: the status endpoint's edges.  `distgate -t` refuses a
# status_listen beyond loopback (exit 1, naming the line and
# status_allow_remote) and accepts it with status_allow_remote = yes.
# `distgate status` exits 1 with a clear message when status_listen is
# unset and when nothing answers.  A gateway refuses to start when the
# socket path holds a regular file (left untouched), and replaces a stale
# socket.  Requests are bounded: headers beyond 8 KiB get no 200, a
# silent connection is closed within the idle limit (5 s), and the
# gateway still answers afterwards.
source "$(dirname "$0")/lib.sh"
require_root

ns_setup 1
SOCK=$DG_LOGDIR/status.sock

step "configuration checks"
cfg=$(gw_config hostA "status_listen = 10.77.0.1:9471")
out=$(timeout 10 "$DG_BIN" -c "$cfg" -t 2>&1) && fail "-t accepted a remote status_listen: $out"
line=$(grep -n '^status_listen' "$cfg" | cut -d: -f1)
expect_match "$out" "gw-hostA\\.ini:$line: status_listen: not a loopback address.*status_allow_remote = yes" \
    "-t refuses a remote status_listen, naming line $line"
cfg=$(gw_config hostA "status_listen = 10.77.0.1:9471" "status_allow_remote = yes")
out=$(timeout 10 "$DG_BIN" -c "$cfg" -t 2>&1) || fail "-t with status_allow_remote: $out"
pass "-t accepts it with status_allow_remote = yes"

step "distgate status when the endpoint is off or silent"
cfg=$(gw_config hostA)
rc=0; out=$(timeout 10 "$DG_BIN" -c "$cfg" status 2>&1) || rc=$?
expect_eq "$rc" 1 "status without status_listen exits 1"
expect_match "$out" "status_listen is not set: the status endpoint is off" "and says the endpoint is off"
cfg=$(gw_config hostA "status_listen = unix:$SOCK")
rc=0; out=$(timeout 10 "$DG_BIN" -c "$cfg" status --json 2>&1) || rc=$?
expect_eq "$rc" 1 "status with nothing listening exits 1"
expect_match "$out" "status endpoint unix:$SOCK: .*is distgate running" "and names the endpoint"

step "the socket path"
echo "not a socket" >"$SOCK"
log=$(gw_log hostA)
rc=0; in_ns hostA timeout 10 "$DG_BIN" -c "$cfg" >>"$log" 2>&1 || rc=$?
expect_eq "$rc" 1 "the gateway does not start over a regular file"
expect_log hostA "status_listen $SOCK: exists and is not a socket"
expect_eq "$(cat "$SOCK")" "not a socket" "the file is left as it was"
rm -f "$SOCK"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
[ -S "$SOCK" ] || fail "test bug: no stale socket"
gw_start hostA "status_listen = unix:$SOCK"
out=$(in_ns hostA "$DG_BIN" -c "$cfg" status) || fail "status after replacing a stale socket"
expect_match "$out" "^distgate hostA " "a stale socket is replaced and the endpoint answers"

step "bounded requests"
code=$(in_ns hostA curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
    -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" http://localhost/metrics 2>/dev/null) || true
[ "$code" != 200 ] || fail "a request with 9000 bytes of headers got 200"
pass "9000 bytes of headers: no 200 (got '${code:-no reply}')"
t0=$(now_ms)
in_ns hostA timeout 15 python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(12)
print(len(s.recv(1)))" "$SOCK" >"$DG_LOGDIR/idle.out" 2>&1 || true
dt=$(($(now_ms) - t0))
expect_eq "$(cat "$DG_LOGDIR/idle.out")" 0 "a silent connection is closed by the gateway (EOF)"
[ "$dt" -lt 9000 ] || fail "the silent connection lasted $dt ms (limit 5 s)"
pass "it was closed after $dt ms"
out=$(in_ns hostA "$DG_BIN" -c "$cfg" status --json) || fail "status after the bounds"
expect_eq "$(jq -r .gateway.name <<<"$out")" hostA "the endpoint still answers"
gw_stop hostA || fail "gateway exited $?"
