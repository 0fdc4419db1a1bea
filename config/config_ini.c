/*
 * config_ini.c — the parse of the text through libinih; see config_int.h.
 *
 * config_ini_parse() feeds the text (read whole by config.c) to libinih's
 * ini_parse_stream() one line at a time through reader().  The reader
 * counts lines, so that handler() and every message know the line at
 * hand: Debian's inih gives its handler no line number.  inih parses:
 * comments, blanks, "key = value" and its inline comments.  handler()
 * looks each key up in config_keys[] and runs its setter.  The first
 * error stops the parse.
 *
 * Debian's libinih 55 is built with upstream's compile-time defaults (its
 * pkg-config file adds no -D flag; a test program shows the behaviour)
 * and turns most of them into globals (ini.h) that a program may change.
 * config_ini_parse() sets those it depends on for one parse, then puts
 * them back:
 *   ini_allow_multiline = 0	(default 1) an indented line is not merged
 *				into the previous value; without "=" it is
 *				an error, with "=" an ordinary key
 *   ini_inline_comment_prefixes = ";#"	(default ";") "#" after a blank
 *				starts a comment too, as ";" does
 *   ini_stop_on_first_error = 1	(default 0) only the first error counts
 *   ini_use_stack = 0, ini_initial_alloc = LINE_CHARS_MAX + 2,
 *   ini_allow_realloc = 0	(default: 200 bytes on the stack) room for a
 *				"[node ALIVE]" header with a 255-character
 *				ALIVE; longer lines are refused by reader()
 *   ini_allow_bom = 0		reader() drops the BOM itself (below)
 * and, as built: ini_start_comment_prefixes ";#", ini_allow_no_value 0.
 * INI_CALL_HANDLER_ON_NEW_SECTION is compile-time only, and off.  inih
 * also reads "key: value"; handler() refuses it.
 *
 * The one pre-pass is for section headers.  inih tells the handler nothing
 * about a "[...]" line: an empty section, a header repeated, its line
 * number never reach it, and the section name it passes along with each
 * key is cut to 49 bytes (MAX_SECTION, compile-time), shorter than a peer
 * NAME (64) or a node ALIVE (255).  So reader() hands each line whose
 * first non-blank character is '[' (inih's own test) to begin_section()
 * before inih sees it, and handler() uses the section recorded there, not
 * inih's.  Otherwise reader() does only what a line reader must: find the
 * line end (LF or CRLF), drop a UTF-8 BOM on line 1, and refuse what inih
 * cannot take or would misread: NUL bytes (they end a C string), other
 * control characters (inih takes CR, VT and FF for blanks) and lines
 * longer than its buffer.
 */
#include "config/config_int.h"

#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_CHARS_MAX	1000	/* per line, without its line end */

static const char *const sect_names[] = {
	[CONFIG_SECT_NONE] = "", [CONFIG_SECT_GATEWAY] = "gateway",
	[CONFIG_SECT_TLS] = "tls", [CONFIG_SECT_PEER] = "peer",
	[CONFIG_SECT_NODE] = "node",
};

static char *
skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Appends a [peer NAME] (IS_PEER) or [node NAME] section and makes it
   current; returns 0, or -1 when memory runs out. */
static int
add_named(struct config_parse *p, int is_peer, const char *name)
{
	struct config *cfg = p->cfg;
	size_t n = is_peer ? cfg->npeers : cfg->nnodes;
	struct config_sect_meta *meta;
	char *copy;

	if ((copy = strdup(name)) == NULL)
		return -1;
	if ((meta = realloc(is_peer ? p->pm : p->nm, (n + 1) *
	    sizeof(*meta))) == NULL)
		goto fail;
	*(is_peer ? &p->pm : &p->nm) = meta;
	memset(&meta[n], 0, sizeof(*meta));
	meta[n].line = p->lineno;
	if (is_peer) {
		struct config_peer *v = realloc(cfg->peers, (n + 1) *
		    sizeof(*v));

		if (v == NULL)
			goto fail;
		cfg->peers = v;
		memset(&v[n], 0, sizeof(*v));
		v[n].name = copy;
		p->peer = cfg->npeers++;
	} else {
		struct config_node *v = realloc(cfg->nodes, (n + 1) *
		    sizeof(*v));

		if (v == NULL)
			goto fail;
		cfg->nodes = v;
		memset(&v[n], 0, sizeof(*v));
		v[n].name = copy;
		p->node = cfg->nnodes++;
	}
	return 0;
fail:
	free(copy);
	return -1;
}

/* Handles "[peer NAME]" or "[node ALIVE]": INNER is the text between the
   brackets, trimmed, WHAT the header for messages. */
static int
begin_named(struct config_parse *p, char *inner, const char *what)
{
	int is_peer = inner[0] == 'p';
	const char *name = skip_ws(inner + 4);
	const struct config_sect_meta *meta = is_peer ? p->pm : p->nm;
	size_t n = is_peer ? p->cfg->npeers : p->cfg->nnodes;

	if (*name == '\0')
		return config_fail(p, p->lineno, what, "missing %s (write"
		    " [%s])", is_peer ? "NAME" : "ALIVE",
		    is_peer ? "peer NAME" : "node ALIVE");
	if (is_peer && (!config_valid_name(name) ||
	    strlen(name) > CONFIG_PEER_NAME_MAX))
		return config_fail(p, p->lineno, what, "invalid peer name (at"
		    " most %d letters, digits, '-', '.', '_')",
		    CONFIG_PEER_NAME_MAX);
	if (!is_peer && !config_valid_alive(name))
		return config_fail(p, p->lineno, what, "invalid node name (1"
		    " to 255 letters, digits, '-', '_': the part before"
		    " '@')");
	for (size_t i = 0; i < n; i++)
		if (is_peer ? strcasecmp(p->cfg->peers[i].name, name) == 0 :
		    strcmp(p->cfg->nodes[i].name, name) == 0)
			return config_fail(p, p->lineno, what, "duplicate"
			    " section (first at line %u)", meta[i].line);
	p->sect = is_peer ? CONFIG_SECT_PEER : CONFIG_SECT_NODE;
	if (add_named(p, is_peer, name) == -1)
		return config_fail(p, p->lineno, what, "out of memory");
	return 0;
}

/*
 * Copies line lineno, without the blanks around it, into S (LEN bytes,
 * at least linelen + 1).  Returns S.
 */
static char *
line_text(const struct config_parse *p, char *s, size_t len)
{
	size_t a = 0, b = p->linelen;

	while (a < b && (p->line[a] == ' ' || p->line[a] == '\t'))
		a++;
	while (b > a && (p->line[b - 1] == ' ' || p->line[b - 1] == '\t'))
		b--;
	snprintf(s, len, "%.*s", (int)(b - a), p->line + a);
	return s;
}

/*
 * Handles line lineno, a section header: "[gateway]", "[tls]", "[peer
 * NAME]" or "[node ALIVE]", with blanks allowed inside the brackets and a
 * comment after them (after a blank, as inih reads inline comments).
 */
static int
begin_section(struct config_parse *p)
{
	char s[LINE_CHARS_MAX + 1], what[320], *close, *inner, *rest;
	unsigned *seen;

	line_text(p, s, sizeof(s));
	if ((close = strchr(s, ']')) == NULL)
		return config_fail(p, p->lineno, s, "missing ']'");
	rest = skip_ws(close + 1);
	if (*rest != '\0' && (rest == close + 1 || (*rest != ';' &&
	    *rest != '#')))
		return config_fail(p, p->lineno, s, "text after ']'");
	*close = '\0';
	inner = skip_ws(s + 1);
	rstrip(inner);
	snprintf(what, sizeof(what), "[%s]", inner);
	if (strcmp(inner, "gateway") == 0 || strcmp(inner, "tls") == 0) {
		p->sect = inner[0] == 'g' ? CONFIG_SECT_GATEWAY :
		    CONFIG_SECT_TLS;
		seen = inner[0] == 'g' ? &p->gw_line : &p->tls_line;
		if (*seen != 0)
			return config_fail(p, p->lineno, what, "duplicate"
			    " section (first at line %u)", *seen);
		*seen = p->lineno;
		return 0;
	}
	if ((strncmp(inner, "peer", 4) == 0 || strncmp(inner, "node", 4) ==
	    0) && (inner[4] == '\0' || inner[4] == ' ' || inner[4] == '\t'))
		return begin_named(p, inner, what);
	return config_fail(p, p->lineno, what, "unknown section");
}

/*
 * Fails on line lineno, which inih could not read as "key = value", or
 * read as "key: value", which distgate does not accept.
 */
static int
bad_line(struct config_parse *p)
{
	char s[LINE_CHARS_MAX + 1];

	return config_fail(p, p->lineno, line_text(p, s, sizeof(s)),
	    "expected key = value%s", p->linelen > 0 && (p->line[0] == ' ' ||
	    p->line[0] == '\t') ? " (indented continuation lines are not"
	    " supported)" : "");
}

/* Fails on a NUL byte or a control character other than tab in line
   lineno. */
static int
check_bytes(struct config_parse *p)
{
	if (memchr(p->line, '\0', p->linelen) != NULL)
		return config_fail(p, p->lineno, "line", "NUL byte");
	for (size_t i = 0; i < p->linelen; i++) {
		unsigned char c = (unsigned char)p->line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return config_fail(p, p->lineno, "line", "control"
			    " character 0x%02x", (unsigned)c);
	}
	return 0;
}

/*
 * The ini_reader: copies the next line of the text into STR (NUM bytes,
 * inih's line buffer) as fgets() would, and counts it; a section header
 * goes to begin_section() first.  Returns NULL at the end of the text or
 * once an error has been recorded.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *nl;
	size_t n, lead;

	if (p->failed || p->pos >= p->len)
		return NULL;
	p->line = p->text + p->pos;
	nl = memchr(p->line, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - p->line) : p->len - p->pos;
	p->pos += n + 1;
	p->lineno++;
	if (n > 0 && p->line[n - 1] == '\r')
		n--;
	if (p->lineno == 1 && n >= 3 && memcmp(p->line, "\xef\xbb\xbf", 3) ==
	    0) {
		p->line += 3;
		n -= 3;
	}
	p->linelen = n;
	if (check_bytes(p) == -1)
		return NULL;
	if (n > LINE_CHARS_MAX || n + 2 > (size_t)num) {
		config_fail(p, p->lineno, "line", "too long (at most %d"
		    " characters)", LINE_CHARS_MAX);
		return NULL;
	}
	for (lead = 0; lead < n && (p->line[lead] == ' ' ||
	    p->line[lead] == '\t'); lead++)
		;
	if (lead < n && p->line[lead] == '[' && begin_section(p) == -1)
		return NULL;
	memcpy(str, p->line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* Returns 1 if NAME can be a key: letters, digits, '_' and '-'. */
static int
valid_key(const char *name)
{
	for (const char *c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return 0;
	return 1;
}

/*
 * The ini_handler: runs one key's setter.  Returns 1, or 0 on error.
 * SECTION, inih's, is ignored: p->sect is the same section, uncut.
 */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	const struct config_key *k;
	struct config_peer *peer = NULL;
	struct config_node *node = NULL;
	unsigned *kl = p->keyline;
	size_t i;

	(void)section;
	if (p->failed)
		return 0;
	/* inih split the line at its first '=' or ':'. */
	for (i = 0; i < p->linelen && p->line[i] != '=' && p->line[i] != ':';
	    i++)
		;
	if (i < p->linelen && p->line[i] == ':') {
		bad_line(p);
		return 0;
	}
	if (*name == '\0') {
		config_fail(p, p->lineno, "=", "missing key name before '='");
		return 0;
	}
	if (!valid_key(name)) {
		config_fail(p, p->lineno, name, "invalid key name");
		return 0;
	}
	if (p->sect == CONFIG_SECT_NONE) {
		config_fail(p, p->lineno, name, "key outside any section");
		return 0;
	}
	if ((i = config_key_index(sect_names[p->sect], name)) == config_nkeys) {
		if (p->sect == CONFIG_SECT_PEER || p->sect == CONFIG_SECT_NODE)
			config_fail(p, p->lineno, name, "unknown key in [%s"
			    " %s]", sect_names[p->sect],
			    p->sect == CONFIG_SECT_PEER ?
			    p->cfg->peers[p->peer].name :
			    p->cfg->nodes[p->node].name);
		else
			config_fail(p, p->lineno, name, "unknown key in [%s]",
			    sect_names[p->sect]);
		return 0;
	}
	k = &config_keys[i];
	if (p->sect == CONFIG_SECT_PEER) {
		peer = &p->cfg->peers[p->peer];
		kl = p->pm[p->peer].keyline;
	} else if (p->sect == CONFIG_SECT_NODE) {
		node = &p->cfg->nodes[p->node];
		kl = p->nm[p->node].keyline;
	}
	if (kl[i] != 0)
		config_fail(p, p->lineno, name, "duplicate key (first at line"
		    " %u)", kl[i]);
	else if (*value == '\0' && !(k->flags & CONFIG_KEY_EMPTY_OK))
		config_fail(p, p->lineno, name, "empty value");
	else if (config_run_setter(p, k, peer, node, value) == -1)
		config_fail(p, p->lineno, name, "%s", p->why);
	kl[i] = p->lineno;
	return !p->failed;
}

/* The run-time options of Debian's libinih (ini.h) that parse() sets. */
struct inih_opts {
	bool multiline, bom, inline_comments, stop, no_value, use_stack;
	bool realloc;
	char *start_prefixes, *inline_prefixes;
	int alloc;
};

static void
swap_bool(bool *a, bool *b)
{
	bool t = *a;

	*a = *b;
	*b = t;
}

static void
swap_str(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

/* Exchanges O with inih's globals. */
static void
inih_swap(struct inih_opts *o)
{
	int alloc = ini_initial_alloc;

	swap_bool(&ini_allow_multiline, &o->multiline);
	swap_bool(&ini_allow_bom, &o->bom);
	swap_bool(&ini_allow_inline_comments, &o->inline_comments);
	swap_bool(&ini_stop_on_first_error, &o->stop);
	swap_bool(&ini_allow_no_value, &o->no_value);
	swap_bool(&ini_use_stack, &o->use_stack);
	swap_bool(&ini_allow_realloc, &o->realloc);
	swap_str(&ini_start_comment_prefixes, &o->start_prefixes);
	swap_str(&ini_inline_comment_prefixes, &o->inline_prefixes);
	ini_initial_alloc = o->alloc;
	o->alloc = alloc;
}

int
config_ini_parse(struct config_parse *p)
{
	static char prefixes[] = ";#";
	struct inih_opts o = {
		.multiline = false, .bom = false, .inline_comments = true,
		.stop = true, .no_value = false, .use_stack = false,
		.realloc = false, .start_prefixes = prefixes,
		.inline_prefixes = prefixes, .alloc = LINE_CHARS_MAX + 2,
	};
	int rc;

	inih_swap(&o);
	rc = ini_parse_stream(reader, p, handler, p);
	inih_swap(&o);
	/* inih stopped at the first error, so line lineno is the one. */
	if (!p->failed && rc > 0 && (unsigned)rc == p->lineno)
		bad_line(p);
	else if (!p->failed && rc == -2)
		config_fail(p, 0, "load", "out of memory");
	else if (!p->failed && rc != 0)
		config_fail(p, rc > 0 ? (unsigned)rc : 0, "syntax",
		    "cannot parse");
	return p->failed ? -1 : 0;
}
