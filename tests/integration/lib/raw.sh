# raw.sh — raw bytes from inside a host's namespace: TCP (raw_send,
# raw_send_file, tcp_connects), mutual TLS to a peer gateway (tls_request,
# gw_req_hex), EPMD requests (epmd_port_please, epmd_names, epmd_alive2),
# and packet capture (capture_start, capture_stop).

# shellcheck shell=bash

# ---- raw TCP ----------------------------------------------------------------

# raw_send HOST ADDR PORT DATA [SECS]: from HOST, connect to ADDR:PORT, send
# DATA (printf %b escapes, e.g. '\x00\x01n'), read until the peer closes or
# SECS (default 5) pass; SECS 0 closes right after sending.  Prints the
# reply as hex bytes on one line.  Returns 0 if the peer closed (FIN or
# reset; or SECS was 0), 124 if it kept the connection open, 2 if the
# connect failed.
raw_send() {
	_raw_send "$1" "$2" "$3" data "$4" "${5:-5}"
}

# raw_send_file HOST ADDR PORT FILE [SECS]: raw_send with the bytes of FILE.
raw_send_file() {
	_raw_send "$1" "$2" "$3" file "$4" "${5:-5}"
}

# _raw_send HOST ADDR PORT data|file ARG SECS: the body of raw_send*.
_raw_send() {
	timeout --foreground -k 2 $(($6 + 10)) ip netns exec "$(ns_of "$1")" bash -c '
		trap "" PIPE
		exec 3<>"/dev/tcp/$1/$2" || exit 2
		if [ "$3" = file ]; then cat -- "$4"; else printf %b "$4"; fi >&3
		[ "$5" = 0 ] && exit 0
		t=$(mktemp) || exit 3
		timeout "$5" cat <&3 >"$t"; rc=$?
		[ $rc -eq 124 ] || rc=0		# EOF or reset: closed
		echo $(od -An -v -tx1 "$t")
		rm -f "$t"
		exit $rc' raw_send "$2" "$3" "$4" "$5" "$6" 2>/dev/null
}

# tcp_connects HOST ADDR PORT: a TCP connect from HOST succeeds within 3 s.
tcp_connects() {
	in_ns "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' tcp "$2" "$3" \
	    2>/dev/null
}

# ---- raw TLS to a peer gateway ----------------------------------------------

# tls_request HOST PEER HEX [SECS]: from HOST, open a mutual-TLS connection
# to PEER's gateway with HOST's certificate (or $DG_TLS_CERT's), send the
# bytes HEX ("44 47 01 ..."), and print what came back as hex bytes on one
# line, read until the server closes or SECS (default 3) pass.
tls_request() {
	local h=$1 p=$2 hex=$3 secs=${4:-3} cert=${DG_TLS_CERT:-$1} out
	out=$(mktemp "$DG_WORK/tls.XXXXXX")
	# -quiet implies -ign_eof: s_client stays until the server closes.
	{ printf '%b' "$(printf '%s' "$hex" | tr -cd '0-9a-fA-F' | sed -E 's/(..)/\\x\1/g')"; sleep "$secs"; } |
	    in_ns "$h" timeout -k 2 "$((secs + 2))" openssl s_client -quiet \
	    -connect "$(host_ip "$p"):$DG_TLS_PORT" -cert "$DG_PKI/$cert.crt" \
	    -key "$DG_PKI/$cert.key" -CAfile "$DG_PKI/ca.crt" \
	    -verify_return_error >"$out" 2>/dev/null || true
	# shellcheck disable=SC2046,SC2005 # one line of hex bytes
	echo $(od -An -v -tx1 "$out")
	rm -f -- "$out"
}

# gw_req_hex TYPE NAME: a gateway-protocol request (version 1) of TYPE
# (01 RESOLVE, 02 ROUTE) for NAME, as hex bytes for tls_request.
gw_req_hex() {
	local len=${#2}
	printf '44 47 01 %s %02x %02x' "$1" $((len >> 8)) $((len & 255))
	printf '%s' "$2" | od -An -v -tx1 | tr -s ' \n' ' '
	echo
}

# ---- raw EPMD requests --------------------------------------------------------

# epmd_port_please HOST ADDR NAME [PORT]: from HOST, ask the EPMD at
# ADDR:PORT (4369) for NAME (PORT_PLEASE2); prints the port, "none" when
# the answer is "not found", or "closed"/"bad:HEX" for anything else.
epmd_port_please() {
	local h=$1 a=$2 n=$3 p=${4:-4369} len hex rc=0
	len=$((${#n} + 1))
	hex=$(raw_send "$h" "$a" "$p" "$(printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255)))z$n" 3) || rc=$?
	[ "$rc" -eq 2 ] && { echo "connect_failed"; return 0; }
	case $hex in
	"77 00 "*) set -- $hex; echo $((16#$3 * 256 + 16#$4));;
	"77 "??*) echo none;;
	"") echo closed;;
	*) echo "bad:$hex";;
	esac
}

# epmd_names HOST ADDR [PORT]: from HOST, send NAMES to the EPMD at
# ADDR:PORT; prints the text after the 4-byte port ("name b1 at port N"
# lines, "" when none), or "closed" when nothing came back.
epmd_names() {
	local hex
	hex=$(raw_send "$1" "$2" "${3:-4369}" '\x00\x01n' 3) || true
	[ -n "$hex" ] || { echo closed; return 0; }
	hex=$(echo "$hex" | cut -d ' ' -f 5-)
	[ -n "$hex" ] || return 0
	printf '%b' "$(printf '%s' "$hex" | tr -cd '0-9a-f' | sed -E 's/(..)/\\x\1/g')"
}

# epmd_alive2 HOST ADDR NAME [PORT]: from HOST, try to register NAME (port
# 5555) with the EPMD at ADDR:PORT; prints the reply as hex ("" when the
# connection was closed without one).
epmd_alive2() {
	local n=$3 len
	len=$((13 + ${#n}))
	raw_send "$1" "$2" "${4:-4369}" "$(printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255)))x\\x15\\xb3M\\x00\\x00\\x06\\x00\\x05$(printf '\\x%02x\\x%02x' 0 ${#n})$n\\x00\\x00" 3 || true
}

# ---- packet capture ---------------------------------------------------------

# capture_start HOST PCAP: tcpdump on HOST's eth0 into PCAP (full packets);
# waits (10 s) until it listens.
capture_start() {
	local log=$DG_LOGDIR/tcpdump-$1.log
	spawn "$log" "$1" env DG_RUN_TAG="$DG_TAG" \
	    tcpdump -i eth0 -n -s 0 -U --immediate-mode -Z root -w "$2"
	DG_CAPTURE_PID=$DG_LAST_PID
	wait_for 10 grep -q 'listening on' "$log" || fail "tcpdump did not start"
}

# capture_stop: stop the capture (its file is complete afterwards).
capture_stop() { stop_pids 5 INT "$DG_CAPTURE_PID"; }
