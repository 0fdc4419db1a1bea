#!/usr/bin/env bash
# layers.sh — checks the layering the README's "Code layout" describes.
#
#   proxy/util/   includes nothing of ours but proxy/util/
#   proxy/wire/   pure: no libevent, no socket or file I/O calls; includes
#                 only proxy/wire/, proxy/util/, crypto/ and config/config.h
#   crypto/       includes only crypto/ and proxy/util/
#   config/       includes only config/, crypto/ and proxy/util/
#   proxy/        no import cycle among its modules (a module is X.c + X.h)
#
# Prints one line per check and "layers: N passed, N failed"; exits 1 when
# a check failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0

check() {	# check NAME OUTPUT: passes when OUTPUT is empty
	if [ -z "$2" ]; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		printf '%s\n' "$2" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

# includes FILE...: "file: header" for each #include "..." line.
includes() {
	grep -H -E '^#include "' "$@" 2>/dev/null |
		sed -E 's/^([^:]*):#include "([^"]*)".*/\1: \2/'
}

# allowed PATTERN FILE...: includes of FILES not matching PATTERN.
allowed() {
	local pat=$1
	shift
	includes "$@" | awk -v pat="$pat" '{ if ($2 !~ pat) print }'
}

check "proxy/util includes only proxy/util" \
	"$(allowed '^proxy/util/' proxy/util/*.[ch])"
check "proxy/wire includes only wire, util, crypto and config.h" \
	"$(allowed '^(proxy/(wire|util)/|crypto/|config/config\.h$)' \
		proxy/wire/*.[ch])"
check "proxy/wire uses no libevent" \
	"$(grep -n -E '#include <event2/|\bevent_[a-z_]+\(|\bevtimer_' \
		proxy/wire/*.[ch])"
check "proxy/wire makes no socket or file I/O call" \
	"$(grep -n -E '\b(socket|connect|bind|listen|accept4?|send|recv|sendmsg|recvmsg|read|write|open|close|fopen|setsockopt|getsockopt)\(' \
		proxy/wire/*.c | grep -v -E '^\S+:[0-9]+:\s*(/\*|\*)')"
check "crypto includes only crypto and proxy/util" \
	"$(allowed '^(crypto|proxy/util)/' crypto/*.[ch])"
check "config includes only config, crypto and proxy/util" \
	"$(allowed '^(config|crypto|proxy/util)/' config/*.[ch])"

# Import cycles among proxy/ modules: an edge X -> Y when X.c or X.h
# includes Y.h; tsort reports a cycle.
cycles=$(
	for f in proxy/*.[ch] proxy/*/*.[ch]; do
		from=${f%.*}
		includes "$f" | while read -r _ h; do
			case $h in proxy/*) ;; *) continue ;; esac
			to=${h%.h}
			[ "$to" = "$from" ] || echo "$from $to"
		done
		echo "$from $from"
	done | tsort 2>&1 >/dev/null | grep -v '^tsort: -:'
)
check "no import cycle among proxy/ modules" "$cycles"

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
