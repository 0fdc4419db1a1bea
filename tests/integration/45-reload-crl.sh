#!/usr/bin/env bash
# Goal of this test: certificate lifecycle through reload.  hostA's gateway
# warns at start that its certificate and the CA expire within
# cert_warn_days (the run's PKI lives a few days).  hostA runs with a CRL
# that revokes nothing; c1 (hostC) and b1 (hostB) are connected to a1.  A
# new CRL revoking hostC's certificate is moved over the old file and
# `distgate reload` run: every open connection of hostC's closes at once
# with code revoked ("certificate revoked"), b1's stays, and hostC can no
# longer connect.  A reload with cert_warn_days = 1 logs no warning.
source "$(dirname "$0")/lib.sh"
require_root
DG_NAMES=name

A1=a1@hostA.test B1=b1@hostB.test C1=c1@hostC.test

ns_setup 3
CRLDIR=$DG_WORK/crl
mkdir -p "$CRLDIR"
# make_crl OUT [CERT...]: a CRL from the run's CA revoking CERTs.
make_crl() {
	local out=$1 c serial end
	shift
	: >"$CRLDIR/index.txt"
	for c in "$@"; do
		serial=$(openssl x509 -in "$c" -noout -serial | cut -d= -f2)
		end=$(date -u -d "$(openssl x509 -in "$c" -noout -enddate |
		    cut -d= -f2)" +%y%m%d%H%M%SZ)
		printf 'R\t%s\t%s\t%s\tunknown\t/CN=x\n' "$end" \
		    "$(date -u -d '-1 min' +%y%m%d%H%M%SZ)" "$serial" \
		    >>"$CRLDIR/index.txt"
	done
	[ -e "$CRLDIR/crlnumber" ] || echo 01 >"$CRLDIR/crlnumber"
	printf '%s\n' "[ca]" "default_ca = c" "[c]" \
	    "database = $CRLDIR/index.txt" "crlnumber = $CRLDIR/crlnumber" \
	    "default_md = sha256" "default_crl_days = 2" >"$CRLDIR/ca.cnf"
	openssl ca -gencrl -config "$CRLDIR/ca.cnf" -keyfile "$DG_PKI/ca.key" \
	    -cert "$DG_PKI/ca.crt" -out "$out" 2>"$CRLDIR/err" ||
		fail "make_crl: $(cat "$CRLDIR/err")"
}
make_crl "$CRLDIR/live.crl"
PIDF=$DG_LOGDIR/gw-hostA.pid
INI=$DG_LOGDIR/gw-hostA.ini

gw_start hostB
gw_start hostC
mark=$(log_mark hostA)
DG_TLS_LINES="crl = $CRLDIR/live.crl"
gw_start hostA "pid_file = $PIDF"
step "expiry warnings at start"
expect_log --since "$mark" hostA "certificate cert $DG_PKI/hostA.crt expires on .* \\(in [0-9]+ days?\\): renew it"
expect_log --since "$mark" hostA "certificate ca $DG_PKI/ca.crt expires on"

node_start hostA a1
node_start hostB b1
DG_ERL_ARGS="-connect_all false" node_start hostC c1
for p in "hostB $B1" "hostC $C1"; do
	set -- $p
	r=$(node_rpc "$1" "$2" "net_kernel:connect_node('$A1')") || fail "connect $2"
	expect_eq "$r" true "$2 connects to a1"
done
watch_link hostB "$B1" "$A1"

step "a CRL revoking hostC's certificate, then distgate reload"
make_crl "$CRLDIR/new.crl" "$DG_PKI/hostC.crt"
mv -f "$CRLDIR/new.crl" "$CRLDIR/live.crl"
mark=$(log_mark hostA)
t0=$(now_ms)
"$DG_BIN" -c "$INI" reload >/dev/null || fail "distgate reload"
wait_for 1 log_grep hostA "$mark" 'audit conn=.*initiator=c1@hostC.test .*code=revoked reason="certificate: certificate revoked"' ||
	fail "c1's tunnel not revoked within 1 s"
pass "c1's tunnel revoked for its certificate after $(($(now_ms) - t0)) ms"
n=$(log_count hostA "$mark" 'code=revoked')
expect_eq "$(log_count hostA "$mark" 'peer=hostC .*code=revoked reason="certificate: certificate revoked"')" "$n" \
    "all $n revoked connections are hostC's"
expect_eq "$(log_count hostA "$mark" 'peer=hostB .*code=')" 0 "hostB's untouched"
link_intact hostB "$B1" "$A1"

step "hostC cannot come back"
mark=$(log_mark hostA)
r=$(node_rpc hostC "$C1" "net_kernel:connect_node('$A1')") || fail "rpc c1"
expect_eq "$r" false "c1 cannot connect to a1 any more"
expect_log --since "$mark" hostA 'code=bad_certificate'

step "a reload with cert_warn_days = 1 warns of nothing"
gw_config hostA "pid_file = $PIDF" "cert_warn_days = 1" >/dev/null
mark=$(log_mark hostA)
"$DG_BIN" -c "$INI" reload >/dev/null || fail "distgate reload"
expect_log --since "$mark" hostA 'reload: configuration from .* in force'
expect_eq "$(log_count hostA "$mark" 'certificate (cert|ca) .* expires')" 0 "no expiry warning"
