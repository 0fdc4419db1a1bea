# wire.sh — native TLS nodes, plain hosts, bastions (scenarios 20-29):
# wire_host, dist_optfile, wire_cmd, wire_start, wire_eval, wire_rpc.
#
# Hosts without distgate run a real epmd bound to their wire address (plus
# loopback) and nodes that listen on that address: native ones with
# -proto_dist inet_tls (an ssl_dist_optfile per host), plain ones with
# inet_tcp.  Their inetrc maps every host of ns_setup to its wire address
# (hosts behind distgate answer there through public_epmd).

# shellcheck shell=bash

# wire_host HOST: make HOST a host without distgate: its inetrc maps every
# host of ns_setup to its wire address, and a real epmd runs there on
# HOST's address and loopback (log: epmd-HOST.log); waits (10 s) until it
# listens.
wire_host() {
	local h=$1 log=$DG_LOGDIR/epmd-$1.log
	plain_inetrc "$h" >"$(inetrc_of "$h")"
	echo "### lib.sh: start $(date -u +%FT%TZ) epmd on $h" >>"$log"
	spawn "$log" "$h" env DG_RUN_TAG="$DG_TAG" \
	    ERL_EPMD_ADDRESS="$(host_ip "$h")" epmd
	wait_for 10 listening "$h" 4369 || fail "epmd on $h did not start"
}

# dist_optfile HOST [CERT]: write the ssl_dist_optfile of native nodes on
# HOST presenting certificate CERT (default HOST's; e.g. rogue) and print
# its path.  Both sides verify the other against the cluster CA; a client
# checks the server's certificate against the host part of the node name
# it dials (OTP 25 sends it as SNI and checks it by default).  Options in
# $DG_DIST_OPTS (Erlang terms, e.g. "{versions, ['tlsv1.3']}") go into
# both lists; DG_DIST_RENEG=0 leaves out {secure_renegotiate, true}
# (a TLS 1.2 option, which OTP refuses together with versions
# ['tlsv1.3']).
dist_optfile() {
	local h=$1 cert=${2:-$1} f reneg="" tag=""
	# One file per variant: a running node may read its file again.
	if [ -n "${DG_DIST_OPTS:-}" ] || [ "${DG_DIST_RENEG:-1}" != 1 ]; then
		tag=-$(printf '%s/%s' "${DG_DIST_OPTS:-}" "${DG_DIST_RENEG:-1}" | cksum | cut -d ' ' -f 1)
	fi
	f=$DG_LOGDIR/ssl_dist-$h-$cert$tag.conf
	local files="{certfile, \"$DG_PKI/$cert.crt\"}, {keyfile, \"$DG_PKI/$cert.key\"},
	    {cacertfile, \"$DG_PKI/ca.crt\"}${DG_DIST_OPTS:+, $DG_DIST_OPTS}"
	[ "${DG_DIST_RENEG:-1}" = 1 ] && reneg=", {secure_renegotiate, true}"
	cat >"$f" <<-OPTS
	[{server, [$files,
	    {verify, verify_peer}, {fail_if_no_peer_cert, true}$reneg]},
	 {client, [$files,
	    {verify, verify_peer}$reneg]}].
	OPTS
	echo "$f"
}

# wire_cmd HOST NAME tls|tcp HIDDEN [CERT]: prints (one per line) the argv
# of node NAME@HOST.test on a host without distgate, listening on HOST's
# wire address: tls a native inet_tls_dist node with CERT (dist_optfile),
# tcp a plain inet_tcp_dist node.
wire_cmd() {
	local h=$1 n=$2 proto=$3 hidden=$4 cert=${5:-$1} opt
	node_env "$h" "$n"
	printf '%s\n' unshare --uts sh -c 'hostname "$1"; cd "$HOME"; shift; exec "$@"' \
	    sh "$h" erl -name "$n@$h.test" -start_epmd false \
	    -kernel inet_dist_use_interface "$(ip_tuple "$h")"
	if [ "$proto" = tls ]; then
		opt=$(dist_optfile "$h" "$cert")
		printf '%s\n' -proto_dist inet_tls -ssl_dist_optfile "$opt"
	fi
	[ "$hidden" = 1 ] && echo -hidden
	# shellcheck disable=SC2086 # a word list
	[ -n "${DG_ERL_ARGS:-}" ] && printf '%s\n' $DG_ERL_ARGS
	echo -noshell
}

# wire_start [--tcp] [--cert CERT] HOST NAME [CODE]: start a long-lived
# native TLS node (plain inet_tcp with --tcp) NAME@HOST.test on a wire_host
# (log: node-NAME@HOST.log), evaluating the Erlang CODE; waits (20 s) until
# it is registered with HOST's epmd.
wire_start() {
	local proto=tls cert="" h n code log argv=() i
	while :; do
		case $1 in
		--tcp) proto=tcp; shift;;
		--cert) cert=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1 n=$2 code=${3:-}
	log=$DG_LOGDIR/node-$n@$h.log
	mapfile -t argv < <(wire_cmd "$h" "$n" "$proto" 0 "$cert")
	[ -n "$code" ] && argv+=(-eval "$code")
	echo "### lib.sh: start $(date -u +%FT%TZ) $n on $h ($proto)" >>"$log"
	spawn "$log" "$h" "${argv[@]}"
	DG_NODE_PID[$h/$n]=$DG_LAST_PID
	for ((i = 0; i < 100; i++)); do
		pid_alive "$DG_LAST_PID" || {
			tail -n 20 "$log" >&2
			fail "node $n on $h exited during start-up"
		}
		node_registered "$h" "$n" && return 0
		sleep 0.2
	done
	tail -n 20 "$log" >&2
	fail "node $n on $h not registered after 20 s"
}

# wire_eval [--tcp] [--cert CERT] [--hidden] [--target NODE] [--timeout
# SECS] HOST NAME CODE: node_eval for a short-lived native TLS node (plain
# with --tcp) NAME@HOST.test on a wire_host.
wire_eval() {
	local proto=tls cert="" hidden=0 target="" secs=30 h n code log argv=() out
	while :; do
		case $1 in
		--tcp) proto=tcp; shift;;
		--cert) cert=$2; shift 2;;
		--hidden) hidden=1; shift;;
		--target) target=$2; shift 2;;
		--timeout) secs=$2; shift 2;;
		*) break;;
		esac
	done
	h=$1 n=$2 code=$3
	DG_EVALS=$((DG_EVALS + 1))
	log=$DG_LOGDIR/eval-$(printf %02d "$DG_EVALS")-$n@$h.log
	mapfile -t argv < <(wire_cmd "$h" "$n" "$proto" "$hidden" "$cert")
	argv+=(-eval "$DG_ERL_WRAPPER")
	printf '### lib.sh: %s on %s (%s)%s:\n%s\n' "$n" "$h" "$proto" \
	    "${target:+ (rpc to $target)}" "$code" >"$log"
	eval_run wire_eval "$h" "$n" "$secs" "$log" "$code" "$target" "${argv[@]}"
}

# wire_rpc [--tcp] HOST NODE CODE: evaluate Erlang CODE on the running NODE
# of a wire_host from a hidden control node there (native TLS, or plain
# with --tcp); print the result.
wire_rpc() {
	local proto=()
	if [ "$1" = --tcp ]; then proto=(--tcp); shift; fi
	DG_RPCS=$((${DG_RPCS:-0} + 1))
	wire_eval "${proto[@]}" --hidden --target "$2" "$1" "ctl$DG_RPCS" "$3"
}
