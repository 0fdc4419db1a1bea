#!/usr/bin/env bash
# man.sh [BIN] — the manual pages in docs/man/: `mandoc -T lint` finds
# nothing in either page, and distgate(8) has an item for every option and
# verb that `BIN --help` lists (BIN: ./distgate).  proxy.ini(5) against
# the key table is tests/unit/test_config_man.c.
#
# Prints one line per check and "man: N passed, N failed"; exits 1 when
# anything failed.  Without mandoc (make deps installs it) the lint checks
# fail: a missing tool must not pass for a clean page.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/distgate}
passed=0
failed=0

ok() { echo "PASS $*"; passed=$((passed + 1)); }
ko() { echo "FAIL $*"; failed=$((failed + 1)); }

# Lint from docs/man itself: mandoc resolves a cross-reference (.Xr) to a
# page that is not installed by looking for NAME.SECTION in the working
# directory, so distgate(8) and proxy.ini(5) find each other there.  The
# notes Debian's mandoc adds about an outdated /usr/share/man/mandoc.db are
# about the machine, not the pages.
for page in distgate.8 proxy.ini.5; do
	if ! command -v mandoc >/dev/null; then
		ko "lint $page: mandoc not found (make deps)"
		continue
	fi
	out=$(cd "$root/docs/man" && mandoc -T lint "$page" 2>&1)
	rc=$?
	out=$(printf '%s\n' "$out" | grep -v 'outdated mandoc.db' | grep .)
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "lint $page"
	else
		ko "lint $page (mandoc exit $rc):"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
done

# Every "  -x ...", "  --long ..." or "  verb ..." line of the usage text
# is an option or verb the page must describe in an item of its own:
# ".It Fl x", ".It Fl \-long" or ".It Cm verb".
if [ ! -x "$bin" ]; then
	ko "options: $bin is not built"
else
	page=$root/docs/man/distgate.8
	missing=()
	n=0
	while read -r word; do
		n=$((n + 1))
		case $word in
		--*) want=".It Fl \\-${word#--}";;
		-*) want=".It Fl ${word#-}";;
		*) want=".It Cm $word";;
		esac
		grep -qE "^$(printf '%s' "$want" | sed 's/[\\.]/\\&/g')( |$)" "$page" ||
			missing+=("$word")
	done < <("$bin" --help | sed -nE 's/^  ([-a-z][-a-z]*).*/\1/p')
	if [ "$n" -eq 0 ]; then
		ko "options: no option found in $bin --help"
	elif [ "${#missing[@]}" -eq 0 ]; then
		ok "options: distgate(8) describes all $n of --help"
	else
		ko "options: distgate(8) lacks ${missing[*]} (from --help)"
	fi
fi

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
