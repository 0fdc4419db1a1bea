# logs.sh — the gateways' logs: log_mark, log_grep, log_count, log_first,
# expect_log, expect_log_first, expect_no_log; audit lines (audit_field,
# DG_AUDIT_RE) and DG_ID, how a line names a connection.

# shellcheck shell=bash

# How a gateway log line names a connection: conn=N (EPMD ones: epmd=N).
DG_ID='(conn|epmd)=[0-9]+'

# log_mark HOST: the current size of HOST's gateway log (for --since).
log_mark() { stat -c %s "$(gw_log "$1")" 2>/dev/null || echo 0; }

# log_grep HOST SINCE ERE: HOST's log lines written after byte SINCE that
# match ERE (case-insensitive).
log_grep() {
	tail -c "+$(($2 + 1))" "$(gw_log "$1")" 2>/dev/null | grep -Ei -- "$3"
}

# expect_log [--since MARK] HOST ERE [SECS]: wait (default 5 s) until
# HOST's gateway log has a line matching ERE, then pass; else fail.
expect_log() {
	local since=0
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	local h=$1 re=$2 secs=${3:-5} line
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to look for /$re/ in)"
		return 0
	fi
	if wait_for "$secs" log_grep "$h" "$since" "$re"; then
		# sed stops reading at the first match: no SIGPIPE under pipefail.
		line=$(log_grep "$h" "$since" "$re" | sed -n '1{p;q}' || true)
		pass "gateway $h logged: ${line:0:200}"
	else
		echo "--- tail of $(gw_log "$h"):" >&2
		tail -n 15 "$(gw_log "$h")" >&2 || true
		fail "gateway $h never logged /$re/ within ${secs}s"
	fi
}

# log_count HOST SINCE ERE: how many lines of HOST's gateway log after byte
# SINCE match ERE (case-insensitive).
log_count() {
	local n
	n=$(log_grep "$1" "$2" "$3" | wc -l) || true
	echo "$((n + 0))"
}

# log_first HOST SINCE ERE: the first line of HOST's gateway log after byte
# SINCE that matches ERE (case-insensitive); status 1 when none does.
# Unlike `log_grep | head -n 1`, safe under pipefail with many matches.
log_first() {
	grep -Ei -m 1 -- "$3" < <(tail -c "+$(($2 + 1))" "$(gw_log "$1")" 2>/dev/null)
}

# expect_log_first [--since MARK] HOST ERE [SECS]: expect_log for patterns
# that may match many lines (thousands of audit lines).
expect_log_first() {
	local since=0
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	local h=$1 re=$2 secs=${3:-5} line
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to look for /$re/ in)"
		return 0
	fi
	if wait_for "$secs" log_first "$h" "$since" "$re"; then
		line=$(log_first "$h" "$since" "$re") || true
		pass "gateway $h logged: ${line:0:200}"
	else
		echo "--- tail of $(gw_log "$h"):" >&2
		tail -n 15 "$(gw_log "$h")" >&2 || true
		fail "gateway $h never logged /$re/ within ${secs}s"
	fi
}

# expect_no_log [--since MARK] HOST ERE: HOST's gateway log (after MARK)
# has no line matching ERE.
expect_no_log() {
	local since=0 line
	if [ "$1" = --since ]; then since=$2; shift 2; fi
	if [ "$DG_PLAIN" = 1 ]; then
		pass "(DG_PLAIN: no gateway log to check for /$2/)"
		return 0
	fi
	line=$(log_first "$1" "$since" "$2") || true
	[ -z "$line" ] || fail "gateway $1 logged /$2/: ${line:0:300}"
	pass "gateway $1 did not log /$2/"
}

# audit_field LINE FIELD: the value of FIELD in an audit line (without the
# quotes of subject=, san=, reason=); empty when FIELD is missing.
audit_field() {
	local re
	re="(^|[ ])$2=(\"([^\"]*)\"|([^ \"]*))"
	if [[ $1 =~ $re ]]; then
		printf '%s\n' "${BASH_REMATCH[3]}${BASH_REMATCH[4]}"
	fi
}

# DG_AUDIT_RE: an audit line with every field of the contract, in order.
DG_AUDIT_RE='audit conn=[0-9]+ dir=(in|out) peer=[^ ]+ addr=[^ ]+ subject="[^"]*" san="[^"]*" initiator=[^ ]+ acceptor=[^ ]+ hidden=(yes|no) verdict=(ok|refused|error) code=[a-z_]+ reason="[^"]*" bytes_out=[0-9]+ bytes_in=[0-9]+ duration=[0-9]+\.[0-9]{3}s'

# ---- the audit file ---------------------------------------------------------
# With DG_AUDIT_FILES=1, gw_config gives every gateway an audit_file: it has
# every audit line, while the log's copy of refusals is rate-limited.

# audit_of HOST: path of HOST's audit file.
audit_of() { echo "$DG_LOGDIR/audit-$1.log"; }

# audit_mark HOST: the size of HOST's audit file now (for audit_count).
audit_mark() { stat -c %s "$(audit_of "$1")" 2>/dev/null || echo 0; }

# audit_grep HOST SINCE ERE: HOST's audit lines after byte SINCE matching
# ERE (case-insensitive).
audit_grep() {
	tail -c "+$(($2 + 1))" "$(audit_of "$1")" 2>/dev/null | grep -Ei -- "$3"
}

# audit_count HOST SINCE ERE: how many of them.
audit_count() {
	local n
	n=$(audit_grep "$1" "$2" "$3" | wc -l) || true
	echo "$((n + 0))"
}

# expect_audit --since MARK HOST ERE [SECS]: wait (default 5 s) until
# HOST's audit file has a line matching ERE after MARK.
expect_audit() {
	local since=$2 h=$3 re=$4 secs=${5:-5} line
	if wait_for "$secs" audit_grep "$h" "$since" "$re"; then
		line=$(audit_grep "$h" "$since" "$re" | sed -n '1{p;q}' || true)
		pass "gateway $h audited: ${line:0:200}"
	else
		fail "gateway $h never audited /$re/ within ${secs}s"
	fi
}
