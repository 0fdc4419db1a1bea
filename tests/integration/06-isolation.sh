#!/usr/bin/env bash
# Goal of this test: between hosts only the gateways' TLS port is used and
# nothing of the distribution protocol is visible on the wire.  While a1 on
# hostA and b1 on hostB talk (an established link, and a new connection
# with its handshake), a capture on hostA's interface shows TCP only to or
# from port 4370, and none of the node names, the message text or the
# cookie in clear; direct TCP connects from hostA to hostB's 4369 and to
# b1's own port fail, while hostB's 4370 answers.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
TEXT=SECRET-PAYLOAD-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

ECHO='register(echo, spawn(fun Loop() ->
	receive {From, Msg} -> From ! {echoed, Msg}, Loop() end end))'

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl name "$ECHO"
node_start hostA a1
r=$(node_rpc hostA "$A" "net_kernel:connect_node('$B')") || fail "rpc to a1"
expect_eq "$r" true "a1 connects to b1"

step "capture on hostA's interface while the nodes talk"
pcap=$DG_LOGDIR/hostA-eth0.pcap
capture_start hostA "$pcap"
r=$(node_rpc hostA "$A" "
	{echo, '$B'} ! {self(), <<\"$TEXT\">>},
	receive {echoed, M} -> M after 5000 -> timeout end") || fail "rpc to a1"
expect_eq "$r" "<<\"$TEXT\">>" "a1's message came back from b1 (established link)"
r=$(node_eval hostA a3 "
	true = net_kernel:connect_node('$B'),
	{echo, '$B'} ! {self(), \"$TEXT\"},
	receive {echoed, M} -> M after 5000 -> timeout end") || fail "a3"
expect_eq "$r" "\"$TEXT\"" "a3's message came back from b1 (new connection)"
capture_stop

tcpdump -r "$pcap" -nn tcp 2>/dev/null >"$DG_LOGDIR/capture.txt"
total=$(wc -l <"$DG_LOGDIR/capture.txt")
on_tls=$(tcpdump -r "$pcap" -nn "tcp port $DG_TLS_PORT" 2>/dev/null | wc -l)
other=$(tcpdump -r "$pcap" -nn "tcp and not port $DG_TLS_PORT" 2>/dev/null)
[ "$on_tls" -gt 0 ] || fail "no traffic on port $DG_TLS_PORT in the capture"
pass "$on_tls TCP packets on port $DG_TLS_PORT"
[ -z "$other" ] || fail "TCP traffic beside port $DG_TLS_PORT: $(echo "$other" | head -n 3)"
pass "all $total TCP packets are to or from port $DG_TLS_PORT"
for s in "@hostA" "@hostB" "$TEXT" "$DG_COOKIE"; do
	if grep -qaF -- "$s" "$pcap"; then fail "'$s' is visible in the capture"; fi
done
pass "no node name, message text or cookie in clear on the wire"

step "no way around the gateway"
port_b1=$(node_port hostB b1)
expect_match "$port_b1" '^[0-9]+$' "b1 listens on port $port_b1 in hostB"
ipb=$(host_ip hostB)
if tcp_connects hostA "$ipb" 4369; then fail "hostA reaches $ipb:4369"; fi
pass "hostA cannot connect to $ipb:4369"
if tcp_connects hostA "$ipb" "$port_b1"; then fail "hostA reaches b1 at $ipb:$port_b1"; fi
pass "hostA cannot connect to b1's port $ipb:$port_b1"
tcp_connects hostA "$ipb" "$DG_TLS_PORT" || fail "hostA cannot reach $ipb:$DG_TLS_PORT"
pass "hostA reaches $ipb:$DG_TLS_PORT (the gateway)"
link_ok=$(node_rpc hostA "$A" "lists:member('$B', nodes())") || fail "rpc to a1"
expect_eq "$link_ok" true "a1 and b1 still connected"
