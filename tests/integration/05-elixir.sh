#!/usr/bin/env bash
# Goal of this test: the seed scenario with Elixir nodes across two
# gateways.  b1@hostB.test runs a process registered with
# :global.register_name(:server, pid) that prints "I got a message! <msg>";
# a2@hostA.test does Node.connect(:"b1@hostB.test") (true) and sends
# "hello from node 2!" to :global.whereis_name(:server); b1 prints
# "I got a message! hello from node 2!".  Node.ping works from B to A too.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

SERVER='
pid = spawn(fn ->
  loop = fn loop ->
    receive do
      msg ->
        IO.puts("I got a message! #{msg}")
        loop.(loop)
    end
  end
  loop.(loop)
end)
:yes = :global.register_name(:server, pid)
IO.puts("server registered")'

CLIENT='
connected = Node.connect(:"b1@hostB.test")
:ok = :global.sync()
:global.whereis_name(:server) |> send("hello from node 2!")
# A round trip on the same connection: the message is delivered first.
{connected, :rpc.call(:"b1@hostB.test", Node, :self, [])}'

ns_setup 2
gw_start hostA
gw_start hostB

step "node 1: b1 on hostB with the :global :server"
node_start hostB b1 elixir name "$SERVER"
wait_for 10 grep -q 'server registered' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "b1 did not register :server"
pass "b1 registered :server"

step "node 2: a2 on hostA connects and sends"
r=$(node_eval --elixir hostA a2 "$CLIENT") || fail "a2 failed"
expect_eq "$r" '{true, :"b1@hostB.test"}' 'Node.connect(:"b1@hostB.test") is true'

step "node 1 got it"
wait_for 5 grep -qF 'I got a message! hello from node 2!' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "b1 did not print 'I got a message! hello from node 2!'"
pass "b1 printed: $(grep -F 'I got a message!' "$DG_LOGDIR/node-b1@hostB.log")"

step "the other direction: Node.ping from an Elixir node on B to one on A"
node_start hostA a1 elixir name
r=$(node_eval --elixir hostB b2 'Node.ping(:"a1@hostA.test")') || fail "b2 failed"
expect_eq "$r" ":pong" 'Node.ping(:"a1@hostA.test") from hostB'

# Both gateways logged the connection to b1 under a connection id.
expect_log hostA "conn=[0-9]+.*b1"
expect_log hostB "conn=[0-9]+.*b1"
