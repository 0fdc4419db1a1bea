#!/usr/bin/env bash
# Goal of this test: two hosts, each behind its own distgate (both checking
# the cookie digests: cookie_file set), Erlang nodes with long names
# a1@hostA.test and b1@hostB.test.  Across the gateways: connect_node
# works; a process registered with global on B receives a message sent
# from A through global:whereis_name and answers; rpc:call works both ways;
# net_adm:names("hostB.test") lists b1 from A; a ping to a node that does
# not exist on B is pang in under a second.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/story.sh"
require_root
DG_NAMES=name

A=a1@hostA.test
B=b1@hostB.test
HB=hostB.test

ns_setup 2
gw_start hostA "cookie_file = $DG_COOKIE_FILE"
gw_start hostB "cookie_file = $DG_COOKIE_FILE"
node_start hostB b1 erl name "$STORY_SERVER"
node_start hostA a1 erl name

story_play
