/*
 * test_config_man.c — the manual page proxy.ini(5), docs/man/proxy.ini.5,
 * names exactly the keys of config_keys[]: each key has one ".It Ic KEY"
 * item under ".Ss The [SECTION] section" of its own section, with a line
 * "Default: VALUE." when the table has a default, and the page names no
 * key the table lacks.  The checker is also run on broken copies of the
 * page, so it is known to catch each kind of drift.
 */
#include "config_fixture.h"

#define MAN_PAGE	"docs/man/proxy.ini.5"
#define MAN_WORD	64

/* Copies the word at S (up to a blank, ']' or the end of the line) into
   OUT; returns 0, or -1 when it is empty or longer than MAN_WORD - 1. */
static int
man_word(const char *s, char out[MAN_WORD])
{
	size_t n = strcspn(s, " \t]\n");

	if (n == 0 || n >= MAN_WORD)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Returns 1 if the item body [BODY, END) has the line "Default: DEF."
   (or "Default: DEF" followed by a blank or the end of the line). */
static int
man_has_default(const char *body, const char *end, const char *def)
{
	char want[128];
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "\nDefault: %s", def);
	assert_true(n < sizeof(want));
	for (const char *s = body; s < end; s++) {
		s = memmem(s, (size_t)(end - s), want, n);
		if (s == NULL)
			return 0;
		if (s + n >= end || strchr(".\n ", s[n]) != NULL)
			return 1;
	}
	return 0;
}

/*
 * Checks TEXT (the page) against config_keys[]; prints one line per
 * problem and returns how many there were.
 */
static int
man_check(const char *text)
{
	unsigned char seen[CONFIG_MAX_KEYS] = { 0 };
	char section[MAN_WORD] = "", key[MAN_WORD];
	int problems = 0;

	for (const char *line = text; *line != '\0';) {
		const char *next = strchr(line, '\n'), *end;
		size_t i;

		next = next != NULL ? next + 1 : line + strlen(line);
		if (strncmp(line, ".Ss The [", 9) == 0) {
			if (man_word(line + 9, section) == -1) {
				print_message("man: bad section line %.40s\n",
				    line);
				problems++;
			}
		} else if (strncmp(line, ".Sh ", 4) == 0 ||
		    strncmp(line, ".Ss ", 4) == 0) {
			section[0] = '\0';
		} else if (strncmp(line, ".It Ic ", 7) == 0) {
			if (man_word(line + 7, key) == -1 ||
			    section[0] == '\0') {
				print_message("man: key item outside a"
				    " section: %.40s\n", line);
				problems++;
			} else if ((i = config_key_index(section, key)) ==
			    config_nkeys) {
				print_message("man: [%s] %s is not a key of"
				    " config_keys[]\n", section, key);
				problems++;
			} else if (seen[i]++) {
				print_message("man: [%s] %s listed twice\n",
				    section, key);
				problems++;
			} else if (config_keys[i].def != NULL) {
				/* The body: up to the next item or list end. */
				end = next;
				while (*end != '\0' &&
				    strncmp(end, ".It ", 4) != 0 &&
				    strncmp(end, ".El", 3) != 0) {
					const char *nl = strchr(end, '\n');
					end = nl != NULL ? nl + 1 :
					    end + strlen(end);
				}
				if (!man_has_default(next - 1, end,
				    config_keys[i].def)) {
					print_message("man: [%s] %s lacks"
					    " \"Default: %s.\"\n", section,
					    key, config_keys[i].def);
					problems++;
				}
			}
		}
		line = next;
	}
	for (size_t i = 0; i < config_nkeys; i++)
		if (!seen[i]) {
			print_message("man: no item for [%s] %s\n",
			    config_keys[i].section, config_keys[i].name);
			problems++;
		}
	return problems;
}

static void
test_man_names_every_key(void **state)
{
	char *man = slurp(MAN_PAGE);

	(void)state;
	assert_int_equal(man_check(man), 0);
	free(man);
}

/* TEXT with the first FROM replaced by TO (a new string). */
static char *
replace_first(const char *text, const char *from, const char *to)
{
	const char *hit = strstr(text, from);
	size_t pre, n;
	char *out;

	assert_non_null(hit);
	pre = (size_t)(hit - text);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	memcpy(out, text, pre);
	strcpy(out + pre, to);
	strcat(out, hit + strlen(from));
	return out;
}

static void
test_checker_catches_drift(void **state)
{
	char *man = slurp(MAN_PAGE), *bad;

	(void)state;
	/* A key the table lacks. */
	bad = replace_first(man, ".It Ic epmd_port ",
	    ".It Ic no_such_key No = Ar bool\nNothing.\n.It Ic epmd_port ");
	assert_int_equal(man_check(bad), 1);
	free(bad);
	/* A key missing (renamed: missing, and one the table lacks). */
	bad = replace_first(man, ".It Ic epmd_port ", ".It Ic epmd_prot ");
	assert_int_equal(man_check(bad), 2);
	free(bad);
	/* A key under another section than its own. */
	bad = replace_first(man, ".It Ic crl ", ".It Ic crl_x ");
	free(man);
	man = replace_first(bad, ".It Ic allow_hidden ", ".It Ic crl ");
	free(bad);
	assert_int_equal(man_check(man), 4);	/* crl_x, crl, two missing */
	free(man);
	/* A wrong default, and none at all. */
	man = slurp(MAN_PAGE);
	bad = replace_first(man, "\nDefault: 4369.", "\nDefault: 4370.");
	assert_int_equal(man_check(bad), 1);
	free(bad);
	bad = replace_first(man, "\nDefault: 64k.", "\nSixty-four KiB.");
	assert_int_equal(man_check(bad), 1);
	free(bad);
	/* A key listed twice. */
	bad = replace_first(man, ".It Ic buffer_size ",
	    ".It Ic expose No = Ar x\nDefault: *.\n.It Ic buffer_size ");
	assert_int_equal(man_check(bad), 1);
	free(bad);
	free(man);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_names_every_key),
		cmocka_unit_test(test_checker_catches_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
