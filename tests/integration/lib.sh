# lib.sh — shared harness for the integration scenarios (source it).
#
# Hosts are Linux network namespaces joined by one bridge ("switch", in its
# own namespace) on 10.77.0.0/24: hostA = .1, hostB = .2, hostC = .3, ...
# Each host runs its own distgate (or, with DG_PLAIN=1, a real epmd and
# direct distribution across the wire, to tell harness faults from gateway
# faults) and its own Erlang/Elixir nodes.
#
# Environment (all optional):
#   DG_BIN      gateway binary (default: ./distgate at the repository root)
#   DG_LOGDIR   where logs and configs go, kept after the run; must be new
#               or empty (default: tests/integration/.run/<scenario>,
#               emptied first)
#   DG_TAG      prefix of namespace names and the tag every started process
#               carries as DG_RUN_TAG in its environment (default: dg<PID>)
#   DG_NAMES    name (default: -name x@hostA.test) or sname (-sname x@hostA)
#   DG_PLAIN    1: epmd instead of distgate, nodes reachable on the wire
#   DG_NODE_LOOPBACK  0: nodes listen on every address (default: loopback)
#   DG_ERL_ARGS  more erl flags (words split on blanks) for the nodes
#               started while it is set: one node (DG_ERL_ARGS=...
#               node_start), or every node, control nodes included, when
#               the scenario sets it (e.g. "-kernel net_ticktime 6")
#   DG_VERBOSE  1: trace every command (set -x)
#   DG_LOG_LEVEL  the gateways' log_level (default: debug)
#   DG_GW_USER  the gateways' user (they drop to it); default: none, and
#               run_as_root = yes
#
# Every started process is recorded by PID; the EXIT trap stops them (TERM,
# then KILL after a bound), kills anything else still carrying our tag or
# living in our namespaces, deletes the namespaces (their veths go with
# them) and removes the work directory (keys, cookies, node homes).
#
# The harness itself is in lib/, one topic a file, sourced below in this
# order (env.sh first: the others use its settings and state):
#   lib/env.sh      the DG_* settings above, the run's state, $DG_WORK
#   lib/assert.sh   step, pass, fail, skip, expect_eq/_match/_nomatch,
#                   expect_file_lacks, wait_for, not, unq, now_ms
#   lib/netns.sh    hosts as namespaces: require_root, ns_setup, in_ns,
#                   host_ip, ip_tuple, host_addr_add, listening,
#                   only_from (nftables)
#   lib/pki.sh      throwaway CA and certificates (pki_setup, pki_leaf),
#                   the run's cookie, cookie_new
#   lib/procs.sh    spawn, stop_pids, tagged_pids; dg_cleanup and the traps
#   lib/gateway.sh  gw_config, gw_start, gw_stop, gw_peer_lines, peer_*
#                   sections, the hosts' inetrc (inetrc_write)
#   lib/logs.sh     gateway logs: log_mark, log_grep, expect_log,
#                   expect_log_first, expect_no_log, audit_field, DG_ID
#   lib/nodes.sh    nodes behind a gateway: node_start, node_stop,
#                   node_eval, node_rpc, node_cookie, watch_link,
#                   link_intact, tool_start, tty_shell
#   lib/wire.sh     hosts without distgate: wire_host, wire_start,
#                   wire_eval, wire_rpc, dist_optfile (native TLS)
#   lib/raw.sh      raw bytes: raw_send, tcp_connects, tls_request,
#                   gw_req_hex, epmd_* requests, capture_start/_stop
#   lib/bulk.sh     BULK_SINK and send_stream: checksummed streams
#   lib/mesh.sh     the four shapes of host in one cluster: mesh_setup,
#                   mesh_bastion_start, host_of, mesh_on
set -Eeuo pipefail
[ "${DG_VERBOSE:-0}" = 1 ] && set -x

DG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/env.sh
source "$DG_ROOT/tests/integration/lib/env.sh"
# shellcheck source=lib/assert.sh
source "$DG_ROOT/tests/integration/lib/assert.sh"
# shellcheck source=lib/netns.sh
source "$DG_ROOT/tests/integration/lib/netns.sh"
# shellcheck source=lib/pki.sh
source "$DG_ROOT/tests/integration/lib/pki.sh"
# shellcheck source=lib/procs.sh
source "$DG_ROOT/tests/integration/lib/procs.sh"
# shellcheck source=lib/gateway.sh
source "$DG_ROOT/tests/integration/lib/gateway.sh"
# shellcheck source=lib/logs.sh
source "$DG_ROOT/tests/integration/lib/logs.sh"
# shellcheck source=lib/nodes.sh
source "$DG_ROOT/tests/integration/lib/nodes.sh"
# shellcheck source=lib/wire.sh
source "$DG_ROOT/tests/integration/lib/wire.sh"
# shellcheck source=lib/raw.sh
source "$DG_ROOT/tests/integration/lib/raw.sh"
# shellcheck source=lib/bulk.sh
source "$DG_ROOT/tests/integration/lib/bulk.sh"
# shellcheck source=lib/mesh.sh
source "$DG_ROOT/tests/integration/lib/mesh.sh"
