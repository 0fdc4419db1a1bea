# pki.sh — the run's throwaway PKI and cookies: pki_setup (CA, hostA-C,
# rogue and hostZ certificates via deploy/pki.sh, the run's cookie),
# pki_leaf (certificates for more hosts), cookie_new (extra cookie files).

# shellcheck shell=bash

# pki_setup: certificates for every host (+ rogue, hostZ) and the cookie.
pki_setup() {
	[ -e "$DG_WORK/pki/ca.crt" ] && return 0
	"$DG_ROOT/deploy/pki.sh" "$DG_WORK/pki" hostA hostB hostC >/dev/null
	DG_PKI=$DG_WORK/pki
	# A fresh random cookie for the whole run (dg + 32 hex digits).
	DG_COOKIE=dg$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	DG_COOKIE_FILE=$DG_WORK/cookie
	(umask 077 && printf '%s' "$DG_COOKIE" >"$DG_COOKIE_FILE")
	chmod 0400 "$DG_COOKIE_FILE"
}
DG_PKI=$DG_WORK/pki

# pki_leaf HOST [NAME...]: HOST.crt/HOST.key from the run's CA (SAN
# HOST.test and HOST, then each NAME as one more SAN DNS, serverAuth +
# clientAuth), for hosts that pki_setup did not cover (hostD...).  Does
# nothing when the certificate exists.
pki_leaf() {
	local h=$1 san n
	shift
	pki_setup
	[ -e "$DG_PKI/$h.crt" ] && return 0
	san="DNS:$h.test,DNS:$h"
	for n in "$@"; do san+=",DNS:$n"; done
	(umask 077 && openssl req -x509 -new -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj "/CN=$h.test" -CA "$DG_PKI/ca.crt" -CAkey "$DG_PKI/ca.key" \
	    -keyout "$DG_PKI/$h.key" -out "$DG_PKI/$h.crt" \
	    -addext "basicConstraints=critical,CA:FALSE" \
	    -addext "keyUsage=critical,digitalSignature" \
	    -addext "extendedKeyUsage=serverAuth,clientAuth" \
	    -addext "subjectAltName=$san") 2>/dev/null ||
		fail "pki_leaf: openssl could not make $h's certificate"
	chmod 0644 "$DG_PKI/$h.crt"
}

# cookie_new NAME [VALUE]: write the cookie file $DG_WORK/cookies/NAME (mode
# 0400) holding VALUE (default: a fresh random "dg" + 32 hex digits, no
# newline) and print its path.
cookie_new() {
	local f=$DG_WORK/cookies/$1 v=${2:-}
	[ -n "$v" ] || v=dg$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$DG_WORK/cookies"
	rm -f -- "$f"
	(umask 077 && printf '%s' "$v" >"$f")
	chmod 0400 "$f"
	echo "$f"
}
