#!/usr/bin/env bash
# pki.sh DIR [HOST...] — a throwaway PKI for tests and the demo.
#
# Writes into DIR (created if needed):
#   ca.crt ca.key              the cluster CA (ECDSA P-256)
#   HOST.crt HOST.key          per HOST: CN=HOST.test, SAN DNS:HOST.test and
#                              DNS:HOST, serverAuth + clientAuth
#   other-ca.crt other-ca.key  an unrelated CA
#   rogue.crt rogue.key        leaf signed by the other CA (CN/SAN rogue.test)
#   hostZ.crt hostZ.key        leaf signed by the real CA for a host outside
#                              the cluster (SAN hostZ.test, hostZ)
# Default HOSTs: hostA hostB hostC.  Keys are mode 0600.  Never commit them.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	echo "usage: $0 DIR [HOST...]" >&2
	exit 2
fi
dir=$1
shift
hosts=("$@")
[ ${#hosts[@]} -gt 0 ] || hosts=(hostA hostB hostC)
days=7

command -v openssl >/dev/null || { echo "pki.sh: openssl not found" >&2; exit 1; }
mkdir -p "$dir"
umask 077

# new_ca NAME CN: self-signed CA certificate NAME.crt with key NAME.key.
new_ca() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -days "$days" -subj "/CN=$2" \
		-keyout "$dir/$1.key" -out "$dir/$1.crt" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# new_leaf NAME HOST CA: leaf NAME.crt/NAME.key for HOST signed by CA.
new_leaf() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -days "$days" -subj "/CN=$2.test" \
		-CA "$dir/$3.crt" -CAkey "$dir/$3.key" \
		-keyout "$dir/$1.key" -out "$dir/$1.crt" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-addext "keyUsage=critical,digitalSignature" \
		-addext "extendedKeyUsage=serverAuth,clientAuth" \
		-addext "subjectAltName=DNS:$2.test,DNS:$2" 2>/dev/null
}

new_ca ca "distgate test CA"
new_ca other-ca "unrelated test CA"
for h in "${hosts[@]}"; do
	case $h in
	*[!A-Za-z0-9_-]*|"") echo "pki.sh: bad host name '$h'" >&2; exit 2;;
	esac
	new_leaf "$h" "$h" ca
done
case " ${hosts[*]} " in *" hostZ "*) ;; *) new_leaf hostZ hostZ ca;; esac
new_leaf rogue rogue other-ca
chmod 0600 "$dir"/*.key
chmod 0644 "$dir"/*.crt
