#!/usr/bin/env bash
# deps.sh — install the Debian packages distgate needs to build and test.
#
# Quiet and exit 0 when everything is present.  Otherwise installs the
# missing packages with apt-get, as root or through sudo; when neither is
# possible prints the exact command to run and exits 1.  Idempotent.
set -euo pipefail

PACKAGES=(
	gcc make pkg-config
	libssl-dev libevent-dev libinih-dev libcmocka-dev
	erlang-base erlang-ssl elixir
	openssl iproute2 nftables tcpdump procps stunnel4 util-linux
	clang libclang-rt-14-dev llvm-14	# make fuzz: libFuzzer, sanitizers, llvm-symbolizer
	prometheus jq curl	# status endpoint scenarios: promtool check metrics/rules
	libsystemd-dev	# sd_notify (proxy/notify.c)
	systemd	# systemd-analyze: tests/systemd.sh checks deploy/distgate.service
	mandoc dpkg-dev debhelper fakeroot lintian	# man page lint; the .deb and its test
)

# is_installed PKG: true when dpkg knows PKG as installed.
is_installed() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) ||
		return 1
	[ "$status" = installed ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: dpkg-query not found; this script knows Debian only." >&2
	echo "deps.sh: install by hand: ${PACKAGES[*]}" >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

install_cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
echo "deps.sh: missing packages: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ] && [ -z "${CI:-}" ]; then
	as_root=(sudo)	# interactive: sudo may ask for a password
else
	echo "deps.sh: need root to install them; run:" >&2
	echo "  sudo apt-get update && sudo $install_cmd" >&2
	exit 1
fi

"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"

# Verify: apt-get can succeed and still leave a package out (held, renamed).
still=()
for p in "${missing[@]}"; do
	is_installed "$p" || still+=("$p")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "deps.sh: still missing after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "deps.sh: installed ${missing[*]}"
