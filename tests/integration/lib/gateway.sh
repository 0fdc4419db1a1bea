# gateway.sh — one distgate per host (or epmd, with DG_PLAIN=1): its INI
# (gw_config, gw_peer_lines, and peer_native/plain/gateway/via sections
# for gw_start), gw_start/gw_ready/gw_stop, and the inetrc its nodes use
# (inetrc_of, plain_inetrc, inetrc_write, alias_of).

# shellcheck shell=bash

# gw_config [--cert NAME] [--peers "HOST..."] HOST [LINE...]: write HOST's
# INI to $DG_LOGDIR/gw-HOST.ini and print its path.  --cert picks another
# certificate from the PKI (rogue, hostZ); --peers lists the peer sections
# (default: every other host of ns_setup).  The gateway stays root
# (run_as_root = yes), or drops to user DG_GW_USER when that is set.  Extra LINEs go right after the
# [gateway] keys; a LINE "[section]" opens a section of its own.
# Lines given with gw_peer_lines end the [peer] sections they are for.
# DG_TLS_LINES (newline-separated) end the [tls] section.
gw_config() {
	local cert="" peers="" h p cfg ip
	while :; do
		case $1 in
		--cert) cert=$2; shift 2;;
		--peers) peers=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1
	shift
	cert=${cert:-$h}
	if [ -z "$peers" ]; then
		for p in "${DG_HOSTS[@]}"; do [ "$p" = "$h" ] || peers+="$p "; done
	fi
	ip=$(host_ip "$h")
	cfg=$DG_LOGDIR/gw-$h.ini
	{
		echo "; $h, written by tests/integration/lib.sh"
		echo "[gateway]"
		echo "hostnames = $h $h.test"
		echo "listen = $ip:$DG_TLS_PORT"
		echo "log_level = ${DG_LOG_LEVEL:-debug}"
		# Started as root: drop to DG_GW_USER, else stay root (a
		# gateway refuses root without one of the two).
		if [ -n "${DG_GW_USER:-}" ]; then
			echo "user = $DG_GW_USER"
		else
			echo "run_as_root = yes"
		fi
		for p in "$@"; do echo "$p"; done
		[ "${DG_AUDIT_FILES:-0}" = 1 ] && echo "audit_file = $(audit_of "$h")"
		echo
		echo "[tls]"
		echo "cert = $DG_PKI/$cert.crt"
		echo "key = $DG_PKI/$cert.key"
		echo "ca = $DG_PKI/ca.crt"
		# More [tls] lines (e.g. "crl = FILE"), when a scenario sets
		# DG_TLS_LINES (newline-separated).
		if [ -n "${DG_TLS_LINES:-}" ]; then
			printf '%s\n' "$DG_TLS_LINES"
		fi
		for p in $peers; do
			echo
			echo "[peer $p]"
			echo "address = $(host_ip "$p"):$DG_TLS_PORT"
			echo "hostnames = $p $p.test"
			echo "identity = $p.test"
			# Lines set by gw_peer_lines (none unless a scenario asks).
			if [ -n "${DG_PEER_LINES[$h/$p]:-}" ]; then
				printf '%s\n' "${DG_PEER_LINES[$h/$p]}"
			fi
		done
	} >"$cfg"
	echo "$cfg"
}

# gw_log HOST: path of HOST's gateway log.
gw_log() { echo "$DG_LOGDIR/gw-$1.log"; }

# inetrc_of HOST: path of the inetrc that HOST's nodes use.
inetrc_of() { echo "$DG_LOGDIR/$1.inetrc"; }

# plain_inetrc HOST: DG_PLAIN's inetrc: every host by its wire address.
plain_inetrc() {
	local h
	echo '{lookup,[file,native]}.'
	for h in "${DG_HOSTS[@]}"; do
		echo "{host, {${DG_NET//./,},$(host_index "$h")}, [\"$h\",\"$h.test\"]}."
	done
}

# inetrc_write HOST [PEER=ADDR...]: write the inetrc of a host without
# distgate (wire_host): every host of ns_setup by its wire address, except
# each PEER given, which goes to ADDR (dotted; e.g. a bastion's address).
inetrc_write() {
	local h=$1 p a kv
	shift
	{
		echo '{lookup,[file,native]}.'
		for p in "${DG_HOSTS[@]}"; do
			a=$(host_ip "$p")
			for kv in "$@"; do
				if [ "${kv%%=*}" = "$p" ]; then a=${kv#*=}; fi
			done
			echo "{host, {${a//./,}}, [\"$p\",\"$p.test\"]}."
		done
	} >"$(inetrc_of "$h")"
}

# alias_of HOST PEER: the address HOST's inetrc gives PEER (dotted).
alias_of() {
	tr -d ' \t' <"$(inetrc_of "$1")" |
		sed -n "s/^{host,{\([0-9]*,[0-9]*,[0-9]*,[0-9]*\)},\[\"$2\".*/\1/p" |
		head -n 1 | tr , .
}

# gw_start [--cert NAME] [--peers "..."] HOST [LINE...]: write the config,
# start the gateway in HOST's namespace (log: gw-HOST.log), wait (10 s)
# until it listens on 4369 and its TLS port, and write HOST's inetrc.
gw_start() {
	local args=() h cfg log pid
	while [ "${1:-}" = --cert ] || [ "${1:-}" = --peers ]; do
		args+=("$1" "$2")
		shift 2
	done
	h=$1
	cfg=$(gw_config "${args[@]}" "$@")
	log=$(gw_log "$h")
	echo "### lib.sh: start $(date -u +%FT%TZ) $DG_BIN -c $cfg" >>"$log"
	if [ "$DG_PLAIN" = 1 ]; then
		spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" epmd
		plain_inetrc "$h" >"$(inetrc_of "$h")"
	else
		spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" "$DG_BIN" -c "$cfg"
		"$DG_BIN" -c "$cfg" inetrc >"$(inetrc_of "$h")" 2>>"$log" ||
			fail "gw_start $h: distgate inetrc failed (see $log)"
	fi
	pid=$DG_LAST_PID
	DG_GW_PID[$h]=$pid
	gw_ready "$h" || {
		tail -n 20 "$log" >&2
		fail "gw_start $h: not listening on 4369/$DG_TLS_PORT after 10 s"
	}
}

# gw_ready HOST: wait (10 s) for HOST's gateway to listen; 1 if it died.
gw_ready() {
	local h=$1 pid=${DG_GW_PID[$1]} i
	for ((i = 0; i < 50; i++)); do
		pid_alive "$pid" || return 1
		if listening "$h" 4369 &&
		    { [ "$DG_PLAIN" = 1 ] || listening "$h" "$DG_TLS_PORT"; }; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# gw_stop HOST [SIGNAL]: stop HOST's gateway (default INT, which stops at
# once; TERM drains for drain_timeout first, 30 s by default; KILL after
# 5 s) and return its exit status.
gw_stop() {
	local h=$1 sig=${2:-INT} pid=${DG_GW_PID[$1]:-} rc=0 i
	[ -n "$pid" ] || fail "gw_stop $h: no gateway started"
	# (stderr off: bash reports a signalled background job as "Killed")
	{
		kill "-$sig" "$pid" || true
		for ((i = 0; i < 50; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		if pid_alive "$pid"; then
			echo "# gateway $h ignored SIG$sig for 5 s: KILL"
			kill -KILL "$pid" || true
		fi
		wait "$pid" || rc=$?
	} 2>/dev/null
	forget_pids "$pid"
	unset "DG_GW_PID[$h]"
	return "$rc"
}

# gw_peer_lines HOST PEER [LINE...]: LINEs go at the end of the [peer PEER]
# section of HOST's configuration from the next gw_config/gw_start on
# (e.g. "nodes = app*@hostA.test"); without LINEs, drops them again.
gw_peer_lines() {
	local key="$1/$2"
	shift 2
	if [ $# -eq 0 ]; then
		unset "DG_PEER_LINES[$key]"
	else
		DG_PEER_LINES[$key]=$(printf '%s\n' "$@")
	fi
}

# peer_native HOST [LINE...]: the lines of a [peer HOST] of kind native
# (its epmd at HOST's wire address, identity HOST.test) plus LINEs, for
# gw_start (with --peers naming the other peers).
peer_native() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "kind = native" "address = $(host_ip "$h")" \
	    "hostnames = $h $h.test" "identity = $h.test" "$@"
}

# peer_plain HOST [LINE...]: the lines of a [peer HOST] of kind plain (its
# epmd at HOST's wire address) plus LINEs.
peer_plain() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "kind = plain" "address = $(host_ip "$h")" \
	    "hostnames = $h $h.test" "$@"
}

# peer_gateway HOST [LINE...]: the lines of a [peer HOST] running distgate
# (as gw_config writes them) plus LINEs.
peer_gateway() {
	local h=$1
	shift
	printf '%s\n' "[peer $h]" "address = $(host_ip "$h"):$DG_TLS_PORT" \
	    "hostnames = $h $h.test" "identity = $h.test" "$@"
}

# peer_via HOST BASTION [LINE...]: the lines of a [peer HOST] reached
# through the peer BASTION, plus LINEs.
peer_via() {
	local h=$1 b=$2
	shift 2
	printf '%s\n' "[peer $h]" "via = $b" "hostnames = $h $h.test" "$@"
}
