/*
 * test_reason.c — the reason-code table (proxy/wire/reason.c) and
 * docs/audit.md: every code has a row, the rows say what the table says
 * (verdict, counts for lockout, meaning), and the document lists no code
 * the table lacks.  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/wire/reason.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("%s: cannot open (run from the repository root)",
		    path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_table_complete(void **state)
{
	(void)state;
	for (int i = 0; i < RC_NREASONS; i++) {
		const struct reason_info *r = reason_info((enum reason)i);
		assert_non_null(r->code);
		assert_non_null(r->meaning);
		assert_true(strlen(r->meaning) > 10);
		assert_int_equal(reason_parse(r->code), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(reason_code((enum reason)j),
			    r->code);
		/* Only refusals count toward lockout. */
		if (r->lockout)
			assert_int_equal(r->verdict, VERDICT_REFUSED);
	}
	assert_int_equal(reason_parse("no_such_code"), -1);
	assert_string_equal(reason_code(RC_NREASONS), "internal");
	assert_string_equal(reason_verdict(RC_OK), "ok");
	assert_string_equal(reason_verdict(RC_BAD_COOKIE), "refused");
	assert_string_equal(reason_verdict(RC_TIMEOUT), "error");
	assert_true(reason_counts(RC_BAD_COOKIE));
	assert_false(reason_counts(RC_LOCKED_OUT));
}

/* Splits a Markdown table row "| a | b | c | d |" into 4 trimmed cells.
 * Returns 1 if LINE is such a row whose first cell is `code`. */
static int
row_cells(char *line, char *cell[4])
{
	char *p = line, *bar;
	int n = 0;

	if (*p != '|')
		return 0;
	p++;
	while (n < 4 && (bar = strchr(p, '|')) != NULL) {
		*bar = '\0';
		while (*p == ' ')
			p++;
		for (char *e = bar - 1; e >= p && *e == ' '; e--)
			*e = '\0';
		cell[n++] = p;
		p = bar + 1;
	}
	return n == 4 && cell[0][0] == '`';
}

static void
test_doc_matches_table(void **state)
{
	char *doc = slurp("docs/audit.md");
	char *sect = strstr(doc, "\n## Reason codes\n");
	int seen[RC_NREASONS] = { 0 };
	char *line, *save = NULL, *cell[4];
	int rows = 0;

	(void)state;
	assert_non_null(sect);
	{
		char *end = strstr(sect + 1, "\n## ");
		if (end != NULL)
			*end = '\0';
	}
	for (line = strtok_r(sect, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!row_cells(line, cell))
			continue;
		size_t len = strlen(cell[0]);
		assert_true(len > 2 && cell[0][len - 1] == '`');
		cell[0][len - 1] = '\0';
		int r = reason_parse(cell[0] + 1);
		if (r < 0)
			fail_msg("docs/audit.md lists `%s`, which the table "
			    "(proxy/wire/reason.c) does not have", cell[0] + 1);
		const struct reason_info *ri = reason_info((enum reason)r);
		if (strcmp(cell[1], verdict_name(ri->verdict)) != 0)
			fail_msg("docs/audit.md: `%s` verdict \"%s\", table "
			    "says \"%s\"", ri->code, cell[1],
			    verdict_name(ri->verdict));
		if (strcmp(cell[2], ri->lockout ? "yes" : "") != 0)
			fail_msg("docs/audit.md: `%s` counts for lockout "
			    "\"%s\", table says %d", ri->code, cell[2],
			    ri->lockout);
		if (strcmp(cell[3], ri->meaning) != 0)
			fail_msg("docs/audit.md: `%s` meaning differs:\n  doc:"
			    "   %s\n  table: %s", ri->code, cell[3],
			    ri->meaning);
		assert_int_equal(seen[r], 0);
		seen[r] = 1;
		rows++;
	}
	for (int i = 0; i < RC_NREASONS; i++)
		if (!seen[i])
			fail_msg("docs/audit.md has no row for `%s`",
			    reason_code((enum reason)i));
	assert_int_equal(rows, RC_NREASONS);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_doc_matches_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
