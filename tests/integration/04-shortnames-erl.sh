#!/usr/bin/env bash
# Goal of this test: two hosts, each behind its own distgate, Erlang nodes
# with short names a1@hostA and b1@hostB (each node sees its own host
# name).  Across the gateways: connect_node works; a process registered
# with global on B receives a message sent from A through
# global:whereis_name and answers; rpc:call works both ways;
# net_adm:names("hostB") lists b1 from A; a ping to a node that does not
# exist on B is pang in under a second.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/story.sh"
require_root
DG_NAMES=sname

A=a1@hostA
B=b1@hostB
HB=hostB

ns_setup 2
gw_start hostA
gw_start hostB
node_start hostB b1 erl sname "$STORY_SERVER"
node_start hostA a1 erl sname

step "each node sees its own host name"
r=$(node_rpc hostA "$A" 'inet:gethostname()') || fail "rpc to a1"
expect_eq "$r" '{ok,"hostA"}' "a1 runs on hostA"
r=$(node_rpc hostB "$B" 'inet:gethostname()') || fail "rpc to b1"
expect_eq "$r" '{ok,"hostB"}' "b1 runs on hostB"

story_play
