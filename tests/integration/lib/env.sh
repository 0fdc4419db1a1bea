# env.sh — the run's settings and state (sourced first by lib.sh, which
# documents the DG_* variables): defaults from the environment, the arrays
# of hosts, namespaces and PIDs, the counters, the log directory and the
# private work directory ($DG_WORK).

# shellcheck shell=bash

DG_BIN=${DG_BIN:-$DG_ROOT/distgate}
DG_TEST=${DG_TEST:-$(basename "$0" .sh)}
if [ -z "${DG_LOGDIR:-}" ]; then
	# Our own directory: start it afresh (logs are appended to).
	DG_LOGDIR=$DG_ROOT/tests/integration/.run/$DG_TEST
	rm -rf "$DG_LOGDIR"
fi
DG_TAG=${DG_TAG:-dg$$}
DG_NAMES=${DG_NAMES:-name}
DG_PLAIN=${DG_PLAIN:-0}
DG_TLS_PORT=4370
DG_NET=10.77.0

DG_HOSTS=()			# hosts made by ns_setup, in order
DG_NAMESPACES=()		# every namespace we created
DG_PIDS=()			# every background process we started
declare -A DG_GW_PID=()		# host -> gateway (or epmd) PID
declare -A DG_NODE_PID=()	# "host/name" -> long-lived node PID
declare -A DG_PEER_LINES=()	# "host/peer" -> extra lines of that [peer]
DG_EVALS=0			# counter for short-lived node log names
DG_CHECKS=0			# passed assertions
DG_T0=$(date +%s)

mkdir -p "$DG_LOGDIR"
DG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/distgate-it.$DG_TAG.XXXXXX")
chmod 0700 "$DG_WORK"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
