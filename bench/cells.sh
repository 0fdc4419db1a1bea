# bench/cells.sh — the four cells of the benchmark (source it after
# lib.sh).  Every cell is a pair of namespaces (lib.sh) with a sending node
# a@hostA.test in A (driven through a FIFO on its standard input, see
# ctl_cmd) and a receiving node b@hostB.test in B (dgbench:serve()):
#
#   direct    epmd in A and B, nodes on the wire, plain inet_tcp_dist
#   tls       the same with -proto_dist inet_tls, TLS 1.3, mutual
#   stunnel   epmd in A and B; b listens on 127.0.0.1:4500; a stunnel
#             server in B (10.77.0.2:5443 -> 4500) and a stunnel client in
#             A (127.0.0.1:5001 -> 10.77.0.2:5443); a's EPMD module
#             (bench/erl/dgb_epmd.erl) sends it to 127.0.0.1:5001
#   distgate  a distgate in A and in B (4370 between them), nodes on
#             loopback, resolved through `distgate inetrc`
#
# Besides the nodes, B of direct, stunnel and distgate runs a dgload
# acceptor for the raw data path: on the wire (direct TCP, port 6000),
# behind the stunnel pair (127.0.0.1:6000, reached from A at
# 127.0.0.1:5002) and registered as bl with gateway B (distgate).

# shellcheck disable=SC2034 # B_GW, B_OUT, B_ALIAS are read by run.sh
declare -A B_NODE_PID=()	# "cell/side" -> beam PID
declare -A B_CTL_FD=()		# cell -> write end of a's command FIFO
declare -A B_CTL_SEQ=()		# cell -> last command number
declare -A B_GW=()		# cell -> "PID,PID" of its gateways (A, B)
B_ALIAS=""			# gateway A's alias address for hostB
B_TLS_SUITE=${BENCH_SUITE:-aes128}

# pki_setup: the CA, hostA/hostB certificates (ECDSA P-256), the cookie
# and a private HOME per node holding it.
pki_setup() {
	local c h
	"$B_ROOT/deploy/pki.sh" "$B_WORK/pki" hostA hostB >/dev/null
	c=dgb$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	for h in a b; do
		mkdir -p "$B_WORK/home-$h"
		(umask 077 && printf '%s' "$c" >"$B_WORK/home-$h/.erlang.cookie")
	done
}

# wire_inetrc: hostA and hostB by their wire addresses.
wire_inetrc() {
	local f=$B_WORK/wire.inetrc
	if [ ! -e "$f" ]; then
		printf '%s\n' '{lookup, [file, native]}.' \
		    "{host, {10,77,0,1}, [\"hostA\", \"hostA.test\"]}." \
		    "{host, {10,77,0,2}, [\"hostB\", \"hostB.test\"]}." >"$f"
	fi
	echo "$f"
}

# tls_optfile SIDE: the ssl_dist_optfile of the tls cell's node on host
# SIDE (a/b): TLS 1.3 only, verify_peer both ways, fail_if_no_peer_cert.
tls_optfile() {
	local h f ciphers=""
	h=host${1^^}
	f=$B_WORK/ssl_dist-$1.conf
	if [ "$B_TLS_SUITE" = aes128 ]; then
		ciphers=", {ciphers, [#{key_exchange => any, cipher => aes_128_gcm, mac => aead, prf => sha256}]}"
	fi
	local common="{certfile, \"$B_WORK/pki/$h.crt\"}, {keyfile, \"$B_WORK/pki/$h.key\"},
    {cacertfile, \"$B_WORK/pki/ca.crt\"}, {versions, ['tlsv1.3']}$ciphers"
	cat >"$f" <<-EOF
	[{server, [$common, {verify, verify_peer}, {fail_if_no_peer_cert, true}]},
	 {client, [$common, {verify, verify_peer}]}].
	EOF
	echo "$f"
}

# epmd_start CELL SIDE: a real epmd there (all addresses, port 4369).
epmd_start() {
	spawn "$B_LOG/epmd-$1$2.log" "$1" "$2" epmd
	wait_for 10 listening "$1" "$2" 4369 || die "epmd in $1/$2 did not start"
}

# node_start CELL SIDE INETRC [ENV=V...] -- [ERLARG...]: start node a or b
# of CELL (a: the command loop reading its FIFO, b: the server) and wait
# until it is registered.
node_start() {
	local cell=$1 side=$2 inetrc=$3 envs=() code log fifo fd
	shift 3
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	log=$B_LOG/node-$cell-$side.log
	if [ "$side" = a ]; then
		code='dgbench:control()'
		fifo=$B_WORK/ctl-$cell
		mkfifo -m 0600 "$fifo"
		exec {fd}<>"$fifo"
		B_CTL_FD[$cell]=$fd
		B_CTL_SEQ[$cell]=0
	else
		code='dgbench:serve()'
		fifo=/dev/null
	fi
	B_STDIN=$fifo spawn "$log" "$cell" "$side" env -i "PATH=$PATH" \
	    "HOME=$B_WORK/home-$side" "LANG=C.UTF-8" "ERL_INETRC=$inetrc" \
	    "${envs[@]}" erl -noshell -name "$side@host${side^^}.test" \
	    -start_epmd false -pa "$B_EBIN" "$@" -eval "$code"
	B_NODE_PID[$cell/$side]=$B_LAST_PID
	wait_for 30 registered "$cell" "$side" "$side" || {
		tail -n 20 "$log" >&2
		die "node $side of $cell not registered after 30 s"
	}
}

# ctl_cmd CELL CMD OPTS SECS: send {Seq, CMD, 'b@hostB.test', OPTS} to a
# of CELL and set B_OUT to its "key value" result lines.  Returns 1 if it
# did not finish within SECS or reported an error.  Not in a subshell: it
# counts the commands.
ctl_cmd() {
	local cell=$1 seq log deadline
	seq=$((B_CTL_SEQ[$cell] + 1))
	B_CTL_SEQ[$cell]=$seq
	B_OUT=""
	log=$B_LOG/node-$cell-a.log
	printf '{%d, %s, '"'"'b@hostB.test'"'"', %s}.\n' "$seq" "$2" "$3" \
	    >&"${B_CTL_FD[$cell]}"
	deadline=$(($(date +%s) + $4))
	until grep -q "^DGB_DONE $seq\$" "$log"; do
		if [ "$(date +%s)" -ge "$deadline" ] ||
		    ! alive "${B_NODE_PID[$cell/a]}"; then
			echo "bench: $cell: '$2' did not finish in $4 s" >&2
			return 1
		fi
		sleep 0.1
	done
	B_OUT=$(sed -n "s/^R $seq //p" "$log")
	if grep -q "^R $seq error " "$log"; then
		grep "^R $seq error " "$log" | cut -c 1-400 >&2
		return 1
	fi
}

cell_direct() {
	local rc
	pair_setup direct
	rc=$(wire_inetrc)
	epmd_start direct a
	epmd_start direct b
	spawn "$B_LOG/dgload-direct.log" direct b "$B_DGLOAD" accept --raw \
	    "$B_NET.2:6000"
	node_start direct b "$rc" --
	node_start direct a "$rc" --
	wait_for 10 listening direct b 6000 || die "dgload acceptor (direct)"
}

cell_tls() {
	local rc
	pair_setup tls
	rc=$(wire_inetrc)
	epmd_start tls a
	epmd_start tls b
	node_start tls b "$rc" -- -proto_dist inet_tls \
	    -ssl_dist_optfile "$(tls_optfile b)"
	node_start tls a "$rc" -- -proto_dist inet_tls \
	    -ssl_dist_optfile "$(tls_optfile a)"
}

# stunnel_conf SIDE: the configuration of the stunnel on host SIDE.
stunnel_conf() {
	local h f p=$B_WORK/pki
	h=host${1^^}
	f=$B_WORK/stunnel-$1.conf
	{
		echo "foreground = yes"
		echo "pid ="
		echo "debug = warning"
		if [ "$1" = a ]; then
			printf '[%s]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = %s:%s\ncheckHost = hostB.test\n' \
			    dist 5001 "$B_NET.2" 5443 raw 5002 "$B_NET.2" 5444
		else
			printf '[%s]\naccept = %s:%s\nconnect = 127.0.0.1:%s\nrequireCert = yes\n' \
			    dist "$B_NET.2" 5443 4500 raw "$B_NET.2" 5444 6000
		fi
	} >"$f"
	# Every service: the same certificates, TLS 1.3 only, chain checked.
	sed -i "/^\\[/a cert = $p/$h.crt\\nkey = $p/$h.key\\nCAfile = $p/ca.crt\\nverifyChain = yes\\nsslVersionMin = TLSv1.3" "$f"
	if [ "$B_TLS_SUITE" = aes128 ]; then
		sed -i '/^\[/a ciphersuites = TLS_AES_128_GCM_SHA256' "$f"
	fi
	echo "$f"
}

cell_stunnel() {
	local rc a b
	pair_setup stunnel
	rc=$(wire_inetrc)
	epmd_start stunnel a
	epmd_start stunnel b
	spawn "$B_LOG/stunnel-b.log" stunnel b stunnel4 "$(stunnel_conf b)"
	b=$B_LAST_PID
	spawn "$B_LOG/stunnel-a.log" stunnel a stunnel4 "$(stunnel_conf a)"
	a=$B_LAST_PID
	B_GW[stunnel]="$a,$b"
	if ! wait_for 10 listening stunnel b 5444 ||
	    ! wait_for 10 listening stunnel a 5002; then
		die "stunnel did not start (see $B_LOG/stunnel-*.log)"
	fi
	spawn "$B_LOG/dgload-stunnel.log" stunnel b "$B_DGLOAD" accept --raw \
	    127.0.0.1:6000
	node_start stunnel b "$rc" -- -kernel inet_dist_use_interface \
	    '{127,0,0,1}' -kernel inet_dist_listen_min 4500 \
	    -kernel inet_dist_listen_max 4500
	node_start stunnel a "$rc" DGB_STUNNEL_PORT=5001 -- \
	    -epmd_module dgb_epmd
	wait_for 10 listening stunnel b 6000 || die "dgload acceptor (stunnel)"
}

# gw_conf SIDE: distgate's configuration on host SIDE (a/b).
gw_conf() {
	local h o f ip oip p=$B_WORK/pki
	if [ "$1" = a ]; then
		h=hostA o=hostB ip=$B_NET.1 oip=$B_NET.2
	else
		h=hostB o=hostA ip=$B_NET.2 oip=$B_NET.1
	fi
	f=$B_WORK/gw-$1.ini
	cat >"$f" <<-EOF
	[gateway]
	hostnames = $h $h.test
	listen = $ip:4370
	log_level = info
	max_connections = 4096
	run_as_root = yes

	[tls]
	cert = $p/$h.crt
	key = $p/$h.key
	ca = $p/ca.crt

	[peer $o]
	address = $oip:4370
	hostnames = $o $o.test
	identity = $o.test
	EOF
	echo "$f"
}

cell_distgate() {
	local side conf pids=() rc
	pair_setup distgate
	for side in a b; do
		conf=$(gw_conf "$side")
		"$B_DISTGATE" -c "$conf" inetrc >"$B_WORK/gw-$side.inetrc" ||
			die "distgate -c $conf inetrc failed"
		spawn "$B_LOG/distgate-$side.log" distgate "$side" \
		    "$B_DISTGATE" -c "$conf"
		pids+=("$B_LAST_PID")
	done
	B_GW[distgate]="${pids[0]},${pids[1]}"
	for side in a b; do
		wait_for 10 listening distgate "$side" 4370 ||
			die "distgate in $side did not start (see $B_LOG)"
	done
	B_ALIAS=$(tr -d ' \t' <"$B_WORK/gw-a.inetrc" |
	    sed -n 's/^{host,{\([0-9,]*\)},\["hostB".*/\1/p' | head -n 1 | tr , .)
	[ -n "$B_ALIAS" ] || die "no alias for hostB in $B_WORK/gw-a.inetrc"
	spawn "$B_LOG/dgload-distgate.log" distgate b "$B_DGLOAD" accept \
	    --name bl@hostB.test --register 127.0.0.1:4369 127.0.0.1:0
	wait_for 10 registered distgate b bl || die "dgload acceptor (distgate)"
	for side in b a; do
		rc=$B_WORK/gw-$side.inetrc
		node_start distgate "$side" "$rc" -- \
		    -kernel inet_dist_use_interface '{127,0,0,1}'
	done
}
