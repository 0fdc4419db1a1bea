# report.awk — bench/run.sh's report: medians of the samples
# ("cell<TAB>key<TAB>value" lines), the table with distgate's ratios,
# one PASS/FAIL line per target and "bench: N passed, N failed".
# Exits 0, or 3 when a cell that should have been measured was not.

BEGIN { FS = "\t" }

$3 != "" {
	k = $1 SUBSEP $2
	vals[k] = (k in vals) ? vals[k] " " $3 : $3
}

# med(CELL, KEY): the median of the samples, "" when there are none.
function med(cell, key,    k, n, a, i, j, t) {
	k = cell SUBSEP key
	if (!(k in vals))
		return ""
	n = split(vals[k], a, " ")
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n % 2)
		return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

# nruns(CELL, KEY): how many samples.
function nruns(cell, key,    k, a) {
	k = cell SUBSEP key
	return (k in vals) ? split(vals[k], a, " ") : 0
}

# worse(CELL, KEY): the larger of the medians of KEY_a and KEY_b.
function worse(cell, key,    a, b) {
	a = med(cell, key "_a")
	b = med(cell, key "_b")
	if (a == "" || b == "")
		return ""
	return a > b ? a : b
}

function fmt(v) {
	if (v == "")
		return "-"
	v += 0
	if (v < 0 && v > -0.005)
		v = 0
	if (v >= 100 || v <= -100)
		return sprintf("%.0f", v)
	if (v >= 10 || v <= -10)
		return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}

function ratio(a, b) {
	if (a == "" || b == "" || b + 0 == 0)
		return ""
	return a / b
}

function rfmt(r) {
	return r == "" ? "-" : sprintf("%.2fx", r)
}

# row(LABEL, V1..V4): one table row; WANT is a string of four 0/1 flags
# saying which columns must have a value.
function row(label, d, t, s, g, want) {
	printf "%-34s %10s %10s %10s %10s   %8s %8s %8s\n", label, fmt(d),
	    fmt(t), fmt(s), fmt(g), rfmt(ratio(g, d)), rfmt(ratio(g, t)),
	    rfmt(ratio(g, s))
	need(label, "direct", d, substr(want, 1, 1))
	need(label, "inet_tls", t, substr(want, 2, 1))
	need(label, "stunnel", s, substr(want, 3, 1))
	need(label, "distgate", g, substr(want, 4, 1))
}

function need(label, col, v, flag) {
	if (flag == "1" && v == "") {
		missing = missing "  " label " (" col ")\n"
		nmissing++
	}
}

function erow(label, key, want) {
	row(label, med("direct", key), med("tls", key), med("stunnel", key),
	    med("distgate", key), want)
}

# target(TEXT, VALUE, OP, LIMIT, SHOW, LIMTEXT): one target line; SHOW is
# how the measured VALUE is printed, LIMTEXT (optional) how the limit is.
function target(text, v, op, limit, show, limtext,    ok) {
	if (v == "") {
		printf "FAIL %s (not measured)\n", text
		nfail++
		return
	}
	ok = (op == ">=") ? (v >= limit) : (v <= limit)
	if (limtext == "")
		limtext = "limit " op " " limit
	printf "%s %s (%s, %s)\n", ok ? "PASS" : "FAIL", text, show, limtext
	if (ok)
		npass++
	else
		nfail++
}

function rtarget(text, a, b, op, limit,    r) {
	r = ratio(a, b)
	target(text, r, op, limit, r == "" ? "" : sprintf("%.2fx", r),
	    "limit " op " " limit "x")
}

END {
	runs = nruns("distgate", "tput64k_mbps")
	raw = nruns("distgate", "raw_oneway_mbps")
	floor = med("crypto", "floor_s_per_gb")
	printf "\n%-34s %10s %10s %10s %10s   %8s %8s %8s\n", "medians", "direct",
	    "inet_tls", "stunnel", "distgate", "dg/dir", "dg/tls", "dg/stun"
	printf "Erlang distribution, %d runs\n", runs
	erow("throughput 64 KiB msgs, MB/s", "tput64k_mbps", "1111")
	erow("throughput 1 MiB msgs, MB/s", "tput1m_mbps", "1111")
	erow("rate 64-byte msgs, msg/s", "rate64_mps", "1111")
	erow("round trip p50, us", "rtt_p50_us", "1111")
	erow("round trip p99, us", "rtt_p99_us", "1111")
	erow("setup (connect + ping), ms", "setup_ms", "1111")
	erow("gateway CPU, s/GB", "gw_cpu_s_per_gb", "0011")
	erow("node CPU (both), s/GB", "node_cpu_s_per_gb", "1111")
	printf "Raw data path (dgload, no Erlang), %d runs\n", raw
	erow("one way 64 KiB frames, MB/s", "raw_oneway_mbps", "1011")
	erow("both ways at once, MB/s", "raw_duplex_mbps", "1011")
	erow("round trip p50, us", "raw_rtt_p50_us", "1011")
	erow("round trip p99, us", "raw_rtt_p99_us", "1011")
	erow("gateway CPU one way, s/GB", "raw_oneway_cpu_s_per_gb", "0011")
	printf "Memory (the worse of the two gateways)\n"
	row("per idle tunnel, KiB", "", "", worse("stunnel", "idle_kib"),
	    worse("distgate", "idle_kib"), "0011")
	row("per saturated tunnel, KiB", "", "", worse("stunnel", "sat_kib"),
	    worse("distgate", "sat_kib"), "0011")
	printf "Slow receiver (b stopped 90 ms in 100)\n"
	row("busy_dist_port events", med("direct", "slow_busy"), "", "",
	    med("distgate", "slow_busy"), "1001")
	row("sender got through, MB/s", med("direct", "slow_mbps"), "", "",
	    med("distgate", "slow_mbps"), "1001")
	row("gateway RSS growth after 1 s, KiB", "", "", "",
	    med("distgate", "slow_rss_growth_kib"), "0001")
	printf "Crypto floor (openssl speed -evp aes-128-gcm, 16 KiB, encrypt + decrypt): %s s/GB (%s + %s MB/s)\n",
	    fmt(floor), fmt(med("crypto", "enc_mbps")), fmt(med("crypto", "dec_mbps"))
	if (floor == "")
		need("crypto floor", "openssl", "", "1")
	printf "\nTargets\n"
	g = "distgate"
	rtarget("throughput 64 KiB: distgate >= 5x inet_tls_dist",
	    med(g, "tput64k_mbps"), med("tls", "tput64k_mbps"), ">=", 5)
	rtarget("throughput 64 KiB: distgate >= 2x stunnel pair",
	    med(g, "tput64k_mbps"), med("stunnel", "tput64k_mbps"), ">=", 2)
	rtarget("throughput 64 KiB: distgate >= 0.5x direct plain",
	    med(g, "tput64k_mbps"), med("direct", "tput64k_mbps"), ">=", 0.5)
	rtarget("rate 64-byte messages: distgate >= 3x inet_tls_dist",
	    med(g, "rate64_mps"), med("tls", "rate64_mps"), ">=", 3)
	rtarget("round trip p50: distgate <= 1.25x inet_tls_dist",
	    med(g, "rtt_p50_us"), med("tls", "rtt_p50_us"), "<=", 1.25)
	rtarget("round trip p50: distgate <= 0.8x stunnel pair",
	    med(g, "rtt_p50_us"), med("stunnel", "rtt_p50_us"), "<=", 0.8)
	rtarget("round trip p99: distgate <= 1.5x inet_tls_dist",
	    med(g, "rtt_p99_us"), med("tls", "rtt_p99_us"), "<=", 1.5)
	rtarget("setup: distgate <= 0.5x inet_tls_dist",
	    med(g, "setup_ms"), med("tls", "setup_ms"), "<=", 0.5)
	rtarget("gateway CPU per GB: distgate <= 3x crypto floor",
	    med(g, "gw_cpu_s_per_gb"), floor, "<=", 3)
	v = worse(g, "idle_kib")
	target("memory per idle established tunnel <= 32 KiB", v, "<=", 32,
	    v == "" ? "" : sprintf("%.1f KiB", v), "limit 32 KiB")
	v = med(g, "slow_rss_growth_kib")
	target("slow receiver: gateway memory flat over the run",
	    v, "<=", 4096, v == "" ? "" : sprintf("RSS growth %d KiB", v),
	    "limit 4096 KiB")
	a = med(g, "slow_busy")
	b = med("direct", "slow_busy")
	v = show = ""
	if (a != "" && b != "") {
		v = (a > 0 && b > 0)
		show = sprintf("%d events via distgate, %d direct", a, b)
	}
	target("slow receiver: sender sees busy_dist_port via distgate as on a direct link",
	    v, ">=", 1, show, "both must be > 0")
	if (nmissing > 0)
		printf "\nNot measured:\n%s", missing
	printf "\nbench: %d passed, %d failed\n", npass, nfail
	exit nmissing > 0 ? 3 : 0
}
