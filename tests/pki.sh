#!/usr/bin/env bash
# pki.sh — tests deploy/distgate-pki with the openssl command (no root).
#
# Goal of this test: the helper builds a CA and three host certificates
# whose key modes, SANs, extended key usages, validity and chains are what
# distgate and native inet_tls_dist nodes need; it refuses to overwrite
# keys and rejects bad input with a clear message and exit status 2; renew
# keeps the names (and, with --keep-key, the key); revoke publishes a CRL
# that lists the host's serials and that `openssl verify -crl_check`
# honours; distgate -t accepts a configuration naming the CRL, and a
# gateway really starts with it (a garbage CRL makes start-up fail); the
# optfile parses as Erlang terms (when erl is installed); no command prints
# key material.
#
# DG_BIN: the distgate binary (default ./distgate).  Prints PASS/FAIL per
# check and "pki: N passed, N failed"; exits 1 when a check failed.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PKI=$root/deploy/distgate-pki
DG_BIN=${DG_BIN:-$root/distgate}
work=$(mktemp -d "${TMPDIR:-/tmp}/distgate-pki-test.XXXXXX")
gwpid=""
trap '[ -z "$gwpid" ] || kill "$gwpid" 2>/dev/null; rm -rf "$work"' EXIT
D=$work/pki
out=$work/out

passed=0
failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; [ -s "$out" ] && sed 's/^/    /' "$out" | tail -n 8; failed=$((failed + 1)); }
# check NAME CMD...: passes when CMD succeeds.
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# pki ARGS...: run the helper, output in $out; its exit status.
pki() { "$PKI" "$@" >"$out" 2>&1; }
# also_secret_free: $out holds no key material.
secret_free() { ! grep -q 'PRIVATE KEY' "$out"; }
mode() { stat -c %a "$1"; }
not() { ! "$@"; }
# days_valid CERT: notAfter - notBefore in days.
days_valid() {
	local a b
	a=$(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
	b=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	echo $(((b - a) / 86400))
}
san() { openssl x509 -in "$1" -noout -ext subjectAltName | sed -n '2,$p' | tr -d ' '; }
eku() { openssl x509 -in "$1" -noout -ext extendedKeyUsage | sed -n '2,$p' | sed 's/^ *//'; }
pub() { openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -d ' ' -f 1; }
certpub() { openssl x509 -in "$1" -noout -pubkey | sha256sum | cut -d ' ' -f 1; }
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
exits() { local want=$1; shift; "$@" >"$out" 2>&1; [ $? -eq "$want" ]; }

echo "== init"
check "init makes a CA" pki init "$D" --days 800 --name "test cluster CA"
check "init prints no key material" secret_free
check "ca.key is mode 600" [ "$(mode "$D/ca.key")" = 600 ]
check "the CA is a CA" grep -q 'CA:TRUE' <(openssl x509 -in "$D/ca.crt" -noout -ext basicConstraints)
check "the CA key is ECDSA P-256" grep -q 'prime256v1\|P-256' <(openssl x509 -in "$D/ca.crt" -noout -text)
check "the CA is valid 800 days" [ "$(days_valid "$D/ca.crt")" = 800 ]
check "init publishes an empty CRL" exits 0 openssl crl -in "$D/crl.pem" -noout -CAfile "$D/ca.crt"
check "a second init refuses to replace the CA" exits 1 "$PKI" init "$D"
check "... and says why" grep -q 'ca.key exists' "$out"

echo "== issue"
for h in hostA hostB hostC; do
	check "issue $h" pki issue "$D" "$h" --dns "$h.test" --days 90
	check "issue $h prints no key material" secret_free
	check "$h.key is mode 600" [ "$(mode "$D/$h.key")" = 600 ]
	check "$h's SANs are DNS:$h and DNS:$h.test" [ "$(san "$D/$h.crt")" = "DNS:$h,DNS:$h.test" ]
	check "$h's EKU is serverAuth and clientAuth" \
	    [ "$(eku "$D/$h.crt")" = "TLS Web Server Authentication, TLS Web Client Authentication" ]
	check "$h is valid 90 days" [ "$(days_valid "$D/$h.crt")" = 90 ]
	check "$h's certificate is not a CA" grep -q 'CA:FALSE' <(openssl x509 -in "$D/$h.crt" -noout -ext basicConstraints)
	check "$h's chain verifies" exits 0 openssl verify -CAfile "$D/ca.crt" -purpose sslserver "$D/$h.crt"
	check "$h is good for TLS clients too" exits 0 openssl verify -CAfile "$D/ca.crt" -purpose sslclient "$D/$h.crt"
	check "$h's key matches its certificate" [ "$(pub "$D/$h.key")" = "$(certpub "$D/$h.crt")" ]
done
check "an IP SAN" pki issue "$D" hostD --dns hostD.example --ip 10.0.0.4 --days 30
check "hostD's SANs" [ "$(san "$D/hostD.crt")" = "DNS:hostD,DNS:hostD.example,IPAddress:10.0.0.4" ]
keysum=$(sha256sum <"$D/hostA.key")
check "issue refuses to replace hostA's key" exits 1 "$PKI" issue "$D" hostA
check "... says so" grep -q 'hostA.key exists' "$out"
check "... and leaves it as it was" [ "$(sha256sum <"$D/hostA.key")" = "$keysum" ]
check "a certificate outliving the CA is refused" exits 1 "$PKI" issue "$D" hostE --days 900
check "... before a key is written" [ ! -e "$D/hostE.key" ]
check "issue --force replaces hostD" pki issue "$D" hostD --force --days 30
check "bad host name: exit 2" exits 2 "$PKI" issue "$D" 'host;rm'
check "bad --dns: exit 2" exits 2 "$PKI" issue "$D" hostF --dns '-x.test'
check "bad --days: exit 2" exits 2 "$PKI" issue "$D" hostF --days 0
check "bad --ip: exit 2" exits 2 "$PKI" issue "$D" hostF --ip 10.0.0
check "unknown command: exit 2" exits 2 "$PKI" frobnicate "$D"
check "no CA: exit 1" exits 1 "$PKI" issue "$work/nothing-here" hostA
mkdir -p "$work/empty"
check "a directory without CA: exit 1" exits 1 "$PKI" issue "$work/empty" hostA
check "... says to run init" grep -q 'init' "$out"

echo "== renew"
s0=$(serial "$D/hostA.crt")
p0=$(pub "$D/hostA.key")
check "renew hostA --keep-key" pki renew "$D" hostA --keep-key --days 60
check "... a new serial" [ "$(serial "$D/hostA.crt")" != "$s0" ]
check "... the same key" [ "$(pub "$D/hostA.key")" = "$p0" ]
check "... the same SANs" [ "$(san "$D/hostA.crt")" = "DNS:hostA,DNS:hostA.test" ]
check "... valid 60 days" [ "$(days_valid "$D/hostA.crt")" = 60 ]
check "renew hostB (new key)" pki renew "$D" hostB
check "... as long as before (90 days)" [ "$(days_valid "$D/hostB.crt")" = 90 ]
check "... a new key that matches" [ "$(pub "$D/hostB.key")" = "$(certpub "$D/hostB.crt")" ]
check "renew of a host never issued: exit 1" exits 1 "$PKI" renew "$D" hostQ

echo "== revoke and crl"
c1=$(serial "$D/hostC.crt")
check "revoke hostC" pki revoke "$D" hostC --reason keyCompromise
check "the CRL lists hostC's serial" grep -q "Serial Number: $c1" <(openssl crl -in "$D/crl.pem" -noout -text)
check "the CRL is signed by the CA" exits 0 openssl crl -in "$D/crl.pem" -noout -CAfile "$D/ca.crt"
check "verify -crl_check refuses hostC" exits 2 openssl verify -crl_check -CAfile "$D/ca.crt" -CRLfile "$D/crl.pem" "$D/hostC.crt"
check "... saying it is revoked" grep -q 'revoked' "$out"
check "verify -crl_check accepts hostA" exits 0 openssl verify -crl_check -CAfile "$D/ca.crt" -CRLfile "$D/crl.pem" "$D/hostA.crt"
check "revoking hostC again: exit 1" exits 1 "$PKI" revoke "$D" hostC
check "revoke --serial of hostA's old certificate" pki revoke "$D" hostA --serial "$s0" --reason superseded
check "the CRL lists both" [ "$(openssl crl -in "$D/crl.pem" -noout -text | grep -c 'Serial Number:')" = 2 ]
check "hostA's current certificate is still good" exits 0 openssl verify -crl_check -CAfile "$D/ca.crt" -CRLfile "$D/crl.pem" "$D/hostA.crt"
check "revoke --serial of another host's certificate: exit 1" exits 1 "$PKI" revoke "$D" hostB --serial "$(serial "$D/hostA.crt")"
check "crl --days 7" pki crl "$D" --days 7
n=$(openssl crl -in "$D/crl.pem" -noout -nextupdate | cut -d= -f2)
check "the new CRL's nextUpdate is 7 days away" [ $((($(date -d "$n" +%s) - $(date +%s) + 3600) / 86400)) = 7 ]
check "list" pki list "$D"
check "list shows hostC revoked" grep -Eq '^revoked .* hostC ' "$out"
check "list shows hostA valid" grep -Eq '^valid .* hostA ' "$out"
check "no leftover temporary directories" [ -z "$(find "$D" -maxdepth 1 -name '.tmp.*')" ]

echo "== distgate takes the certificates and the CRL"
if [ -x "$DG_BIN" ]; then
	# gwconf CRL: a gateway on loopback with high random ports (as root:
	# it says it means to stay root, as the integration suite does).
	p=$((20000 + RANDOM % 20000))
	root_line=""
	[ "$(id -u)" -eq 0 ] && root_line="run_as_root = yes"
	gwconf() {
		cat <<-EOF
		[gateway]
		hostnames = hostA hostA.test
		listen = 127.0.0.1:$p
		epmd_port = $((p + 1))
		$root_line
		[tls]
		cert = $D/hostA.crt
		key = $D/hostA.key
		ca = $D/ca.crt
		crl = $1
		[peer hostB]
		address = 127.0.0.2:$p
		hostnames = hostB hostB.test
		identity = hostB.test
		EOF
	}
	gwconf "$D/crl.pem" >"$work/gw.ini"
	check "distgate -t accepts the configuration with the CRL" exits 0 "$DG_BIN" -t -c "$work/gw.ini"
	# started LOG: the gateway logged that it started (5 s), or died.
	started() {
		local i
		for ((i = 0; i < 50; i++)); do
			grep -q ' started: ' "$1" && return 0
			kill -0 "$gwpid" 2>/dev/null || return 1
			sleep 0.1
		done
		return 1
	}
	"$DG_BIN" -c "$work/gw.ini" >"$work/gw.log" 2>&1 &
	gwpid=$!
	out=$work/gw.log
	check "a gateway starts with the CRL" started "$work/gw.log"
	kill "$gwpid" 2>/dev/null; wait "$gwpid" 2>/dev/null; gwpid=""
	echo "garbage" >"$work/bad-crl.pem"
	gwconf "$work/bad-crl.pem" >"$work/gw-bad.ini"
	"$DG_BIN" -c "$work/gw-bad.ini" >"$work/gw-bad.log" 2>&1 &
	gwpid=$!
	out=$work/gw-bad.log
	check "... and not with a garbage CRL" not started "$work/gw-bad.log"
	check "... which it names" grep -q 'crl' "$work/gw-bad.log"
	kill "$gwpid" 2>/dev/null; wait "$gwpid" 2>/dev/null; gwpid=""
	out=$work/out
else
	echo "SKIP distgate checks: $DG_BIN is not built"
fi

echo "== optfile"
check "optfile hostB" pki optfile "$D" hostB --prefix /etc/erlang
check "it names hostB's files" grep -q '"/etc/erlang/hostB.key"' "$out"
check "it verifies peers both ways" [ "$(grep -c '{verify, verify_peer}' "$out")" = 2 ]
check "optfile prints no key material" secret_free
if command -v erl >/dev/null; then
	cp "$out" "$work/optfile"
	r=$(erl -noshell -eval "io:format(\"~p~n\", [element(1, file:consult(\"$work/optfile\"))]), halt()." 2>&1)
	check "the optfile parses as Erlang terms" [ "$r" = ok ]
fi
check "optfile of a host without certificate: exit 1" exits 1 "$PKI" optfile "$D" hostQ
check "optfile with a quote in --prefix: exit 2" exits 2 "$PKI" optfile "$D" hostB --prefix '/a"b'

echo "pki: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
