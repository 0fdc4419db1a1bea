/*
 * test_prom.c — cmocka tests for the status endpoint's pure formatters:
 * proxy/util/strbuf.c (bound, JSON strings), proxy/util/prom.c (families,
 * label escaping, values, the histogram) and statusc_parse() (the
 * client's reading of a response head).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/statusc.h"
#include "proxy/util/prom.h"
#include "proxy/util/strbuf.h"

static void
test_strbuf_bound(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb, 8);
	assert_int_equal(sb_puts(&sb, "12345"), 0);
	assert_int_equal(sb_printf(&sb, "%d", 678), 0);
	assert_string_equal(sb.buf, "12345678");
	assert_int_equal(sb_puts(&sb, "9"), -1);
	assert_true(sb.failed);
	/* Failed: kept what it had, ignores the rest. */
	assert_int_equal(sb_puts(&sb, ""), -1);
	assert_string_equal(sb.buf, "12345678");
	sb_free(&sb);
	sb_init(&sb, 4);
	assert_int_equal(sb_printf(&sb, "%s", "too long"), -1);
	assert_null(sb.buf);
	sb_free(&sb);
}

static void
test_json_str(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb, 1024);
	sb_json_str(&sb, "a\"b\\c\nd\x01" "e\x7f");
	sb_puts(&sb, " ");
	sb_json_str(&sb, NULL);
	assert_false(sb.failed);
	assert_string_equal(sb.buf,
	    "\"a\\\"b\\\\c\\u000ad\\u0001e\\u007f\" null");
	sb_free(&sb);
}

static void
test_samples(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb, 4096);
	prom_family(&sb, "x_total", "counter", "Help with \\ and\nline.");
	prom_sample(&sb, "x_total", 3, "peer", "a\"b\\c\nd", "dir", "in",
	    NULL);
	prom_sample(&sb, "x_total", 0.25, NULL);
	prom_sample(&sb, "x_total", 1e18, NULL);
	prom_sample(&sb, "x_total", 12345678901.0, NULL);
	prom_sample(&sb, "x_total", -2, "k", "", NULL);
	assert_false(sb.failed);
	assert_string_equal(sb.buf,
	    "# HELP x_total Help with \\\\ and\\nline.\n"
	    "# TYPE x_total counter\n"
	    "x_total{peer=\"a\\\"b\\\\c\\nd\",dir=\"in\"} 3\n"
	    "x_total 0.25\n"
	    "x_total 1e+18\n"
	    "x_total 12345678901\n"
	    "x_total{k=\"\"} -2\n");
	sb_free(&sb);
}

static void
test_histogram(void **state)
{
	struct prom_hist h;
	struct strbuf sb;

	(void)state;
	memset(&h, 0, sizeof(h));
	prom_hist_observe(&h, 0.0005);
	prom_hist_observe(&h, 0.001);	/* on the bound: in it */
	prom_hist_observe(&h, 0.3);
	prom_hist_observe(&h, 60);	/* beyond the last: +Inf only */
	prom_hist_observe(&h, -1);	/* a clock oddity counts as 0 */
	sb_init(&sb, 8192);
	prom_hist_write(&sb, "d_seconds", "D.", &h);
	assert_false(sb.failed);
	assert_non_null(strstr(sb.buf, "# TYPE d_seconds histogram\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_bucket{le=\"0.001\"} 3\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_bucket{le=\"0.25\"} 3\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_bucket{le=\"0.5\"} 4\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_bucket{le=\"10\"} 4\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_sum 60.3015\n"));
	assert_non_null(strstr(sb.buf, "d_seconds_count 5\n"));
	sb_free(&sb);
}

static void
test_http_head(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "\r\nhi";
	int code;
	size_t body;

	(void)state;
	assert_int_equal(statusc_parse(ok, strlen(ok), &code, &body), 0);
	assert_int_equal(code, 200);
	assert_string_equal(ok + body, "hi");
	assert_int_equal(statusc_parse("HTTP/1.0 404 Not Found\r\n\r\n", 26,
	    &code, &body), 0);
	assert_int_equal(code, 404);
	assert_int_equal(body, 26);
	assert_int_equal(statusc_parse("HTTP/1.1 200 OK\r\n", 17, &code,
	    &body), -1);
	assert_int_equal(statusc_parse("SSH-2.0-x\r\n\r\n", 13, &code, &body),
	    -1);
	assert_int_equal(statusc_parse("HTTP/1.1 2x0 OK\r\n\r\n", 19, &code,
	    &body), -1);
	assert_int_equal(statusc_parse("", 0, &code, &body), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_bound),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_http_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
