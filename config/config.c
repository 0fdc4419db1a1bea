/*
 * config.c — load, check and free the configuration; see config.h.
 *
 * The file is read whole, then fed to libinih's ini_parse_stream() one
 * line at a time by reader(), which counts lines, strips comments and
 * indentation (so inih never merges "continuation" lines), checks the
 * syntax of each line and handles section headers itself (inih calls the
 * handler for keys only).  handler() looks the key up in config_keys[]
 * and runs its setter.  The first error stops the parse: reader() returns
 * NULL once an error is recorded.  apply_required() then checks required
 * keys and applies defaults, and apply_rules() the rules that tie keys
 * together (config_rules.c).
 */
#include "config/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX	(1024 * 1024)

enum sect { SECT_NONE, SECT_GATEWAY, SECT_TLS, SECT_PEER, SECT_NODE };

static const char *const sect_names[] = {
	"", "gateway", "tls", "peer", "node",
};

/* Where a [peer NAME] or [node ALIVE] section and its keys are. */
struct sect_meta {
	unsigned line;				/* of its header */
	unsigned keyline[CONFIG_MAX_KEYS];	/* line of each key, or 0 */
};

struct parse {
	struct config *cfg;
	const char *path;		/* as given; prefixes every error */
	char *dir;			/* absolute directory of path */
	char *text;			/* the file, NUL-terminated, ours */
	size_t len, pos;
	unsigned lineno;
	int failed;
	char *err;
	size_t errlen;
	enum sect sect;			/* current section */
	size_t peer;			/* current peer if SECT_PEER */
	size_t node;			/* current node if SECT_NODE */
	unsigned gw_line, tls_line;	/* header lines, 0 if absent */
	unsigned keyline[CONFIG_MAX_KEYS]; /* [gateway] and [tls] keys */
	struct sect_meta *pm;		/* parallel to cfg->peers */
	struct sect_meta *nm;		/* parallel to cfg->nodes */
	char why[256];			/* reason from a setter */
};

static int fail(struct parse *p, unsigned line, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records the first error as "path:line: what: reason"; returns -1. */
static int
fail(struct parse *p, unsigned line, const char *what, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (p->err == NULL || p->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line != 0)
		snprintf(p->err, p->errlen, "%s:%u: %s: %s", p->path, line,
		    what, reason);
	else
		snprintf(p->err, p->errlen, "%s: %s: %s", p->path, what,
		    reason);
	return -1;
}

static size_t
key_index(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			break;
	return i;
}

static int
run_setter(struct parse *p, const struct config_key *k,
    struct config_peer *peer, struct config_node *node, const char *value)
{
	struct config_setctx ctx = {
		.cfg = p->cfg, .peer = peer, .node = node, .dir = p->dir,
		.why = p->why, .whylen = sizeof(p->why),
	};

	p->why[0] = '\0';
	return k->set(k, &ctx, value);
}

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
add_named(struct parse *p, int is_peer, const char *name)
{
	struct config *cfg = p->cfg;
	size_t n = is_peer ? cfg->npeers : cfg->nnodes;
	struct sect_meta *meta;
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
begin_named(struct parse *p, char *inner, const char *what)
{
	int is_peer = inner[0] == 'p';
	const char *name = skip_ws(inner + 4);
	const struct sect_meta *meta = is_peer ? p->pm : p->nm;
	size_t n = is_peer ? p->cfg->npeers : p->cfg->nnodes;

	if (*name == '\0')
		return fail(p, p->lineno, what, "missing %s (write [%s])",
		    is_peer ? "NAME" : "ALIVE",
		    is_peer ? "peer NAME" : "node ALIVE");
	if (is_peer && (!config_valid_name(name) ||
	    strlen(name) > CONFIG_PEER_NAME_MAX))
		return fail(p, p->lineno, what, "invalid peer name (at most"
		    " %d letters, digits, '-', '.', '_')",
		    CONFIG_PEER_NAME_MAX);
	if (!is_peer && !config_valid_alive(name))
		return fail(p, p->lineno, what, "invalid node name (1 to 255"
		    " letters, digits, '-', '_': the part before '@')");
	for (size_t i = 0; i < n; i++)
		if (is_peer ? strcasecmp(p->cfg->peers[i].name, name) == 0 :
		    strcmp(p->cfg->nodes[i].name, name) == 0)
			return fail(p, p->lineno, what, "duplicate section"
			    " (first at line %u)", meta[i].line);
	p->sect = is_peer ? SECT_PEER : SECT_NODE;
	if (add_named(p, is_peer, name) == -1)
		return fail(p, p->lineno, what, "out of memory");
	return 0;
}

/* Handles a "[...]" line S (comments and outer blanks already gone). */
static int
begin_section(struct parse *p, char *s)
{
	char what[320], *close, *inner;
	unsigned *seen;

	if ((close = strchr(s, ']')) == NULL)
		return fail(p, p->lineno, s, "missing ']'");
	if (close[1] != '\0')
		return fail(p, p->lineno, s, "text after ']'");
	*close = '\0';
	inner = skip_ws(s + 1);
	rstrip(inner);
	snprintf(what, sizeof(what), "[%s]", inner);
	if (strcmp(inner, "gateway") == 0 || strcmp(inner, "tls") == 0) {
		p->sect = inner[0] == 'g' ? SECT_GATEWAY : SECT_TLS;
		seen = p->sect == SECT_GATEWAY ? &p->gw_line : &p->tls_line;
		if (*seen != 0)
			return fail(p, p->lineno, what, "duplicate section"
			    " (first at line %u)", *seen);
		*seen = p->lineno;
		return 0;
	}
	if ((strncmp(inner, "peer", 4) == 0 || strncmp(inner, "node", 4) ==
	    0) && (inner[4] == '\0' || inner[4] == ' ' || inner[4] == '\t'))
		return begin_named(p, inner, what);
	return fail(p, p->lineno, what, "unknown section");
}

/*
 * The ini_reader: hands inih the next line as "[section]" or "key=value"
 * (or an empty line), after checking its syntax.  Returns NULL at the end
 * of the text or once an error has been recorded.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *line, *end, *s, *eq, *value;
	int indented;

	if (p->failed || p->pos >= p->len)
		return NULL;
	line = p->text + p->pos;
	if ((end = memchr(line, '\n', p->len - p->pos)) == NULL)
		end = p->text + p->len;
	p->pos = (size_t)(end - p->text) + 1;
	*end = '\0';
	p->lineno++;
	if (strlen(line) != (size_t)(end - line)) {
		fail(p, p->lineno, "line", "NUL byte");
		return NULL;
	}
	if (end > line && end[-1] == '\r')
		*--end = '\0';
	s = line;
	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	for (char *c = s; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			fail(p, p->lineno, "line", "control character 0x%02x",
			    (unsigned)(unsigned char)*c);
			return NULL;
		}
	indented = *s == ' ' || *s == '\t';
	s = skip_ws(s);
	for (char *c = s; *c != '\0'; c++)
		if ((*c == ';' || *c == '#') &&
		    (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	rstrip(s);
	if (*s == '\0') {
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (*s == '[') {
		if (begin_section(p, s) == -1)
			return NULL;
		if (p->sect == SECT_PEER)
			snprintf(str, (size_t)num, "[peer %s]\n",
			    p->cfg->peers[p->peer].name);
		else
			snprintf(str, (size_t)num, "[%s]\n",
			    sect_names[p->sect]);
		return str;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		fail(p, p->lineno, s, "expected key = value%s", indented ?
		    " (indented continuation lines are not supported)" : "");
		return NULL;
	}
	*eq = '\0';
	value = skip_ws(eq + 1);
	rstrip(s);
	if (*s == '\0') {
		fail(p, p->lineno, "=", "missing key name before '='");
		return NULL;
	}
	for (char *c = s; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
			fail(p, p->lineno, s, "invalid key name");
			return NULL;
		}
	if (strlen(s) + strlen(value) + 3 > (size_t)num) {
		fail(p, p->lineno, s, "line too long (key and value take at"
		    " most %d characters)", num - 3);
		return NULL;
	}
	snprintf(str, (size_t)num, "%s=%s\n", s, value);
	return str;
}

/* The ini_handler: runs one key's setter.  Returns 1, or 0 on error. */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	const struct config_key *k;
	struct config_peer *peer = NULL;
	struct config_node *node = NULL;
	unsigned *kl = p->keyline;
	size_t i;

	(void)section;
	if (p->failed)
		return 0;
	if (p->sect == SECT_NONE) {
		fail(p, p->lineno, name, "key outside any section");
		return 0;
	}
	if ((i = key_index(sect_names[p->sect], name)) == config_nkeys) {
		if (p->sect == SECT_PEER || p->sect == SECT_NODE)
			fail(p, p->lineno, name, "unknown key in [%s %s]",
			    sect_names[p->sect], p->sect == SECT_PEER ?
			    p->cfg->peers[p->peer].name :
			    p->cfg->nodes[p->node].name);
		else
			fail(p, p->lineno, name, "unknown key in [%s]",
			    sect_names[p->sect]);
		return 0;
	}
	k = &config_keys[i];
	if (p->sect == SECT_PEER) {
		peer = &p->cfg->peers[p->peer];
		kl = p->pm[p->peer].keyline;
	} else if (p->sect == SECT_NODE) {
		node = &p->cfg->nodes[p->node];
		kl = p->nm[p->node].keyline;
	}
	if (kl[i] != 0)
		fail(p, p->lineno, name, "duplicate key (first at line %u)",
		    kl[i]);
	else if (*value == '\0' && !(k->flags & CONFIG_KEY_EMPTY_OK))
		fail(p, p->lineno, name, "empty value");
	else if (run_setter(p, k, peer, node, value) == -1)
		fail(p, p->lineno, name, "%s", p->why);
	kl[i] = p->lineno;
	return !p->failed;
}

/*
 * Checks that key I, absent from the section whose header is at LINE
 * (with key lines KL), is not required there, then applies its default.
 */
static int
absent_key(struct parse *p, size_t i, unsigned line, const unsigned *kl,
    struct config_peer *peer, struct config_node *node)
{
	const struct config_key *k = &config_keys[i];
	char what[300];

	if (kl[i] != 0)
		return 0;
	if (peer != NULL || node != NULL)
		snprintf(what, sizeof(what), "[%s %s]", k->section,
		    peer != NULL ? peer->name : node->name);
	else
		snprintf(what, sizeof(what), "[%s]", k->section);
	if ((k->flags & CONFIG_KEY_REQUIRED) && !((k->flags &
	    CONFIG_KEY_VIA_FILLS) && peer != NULL && peer->via != NULL))
		return fail(p, line, what, "missing required key %s", k->name);
	if (k->def != NULL && run_setter(p, k, peer, node, k->def) == -1)
		return fail(p, 0, k->name, "default %s: %s", k->def, p->why);
	return 0;
}

/*
 * Required sections, links between peers (which must see keys as set,
 * before defaults), required keys, defaults for absent keys, then what
 * follows from them.
 */
static int
apply_required(struct parse *p)
{
	struct config *cfg = p->cfg;
	const char *key;
	size_t where;
	int rc = 0;

	if (p->gw_line == 0)
		return fail(p, 0, "[gateway]", "missing section");
	if (p->tls_line == 0)
		return fail(p, 0, "[tls]", "missing section");
	if (config_rule_peer_links(cfg, &where, &key, p->why,
	    sizeof(p->why)) == -1)
		return fail(p, p->pm[where].keyline[key_index("peer", key)],
		    key, "%s", p->why);
	for (size_t i = 0; i < config_nkeys && rc == 0; i++) {
		const char *sect = config_keys[i].section;

		if (strcmp(sect, "peer") == 0)
			for (size_t j = 0; j < cfg->npeers && rc == 0; j++)
				rc = absent_key(p, i, p->pm[j].line,
				    p->pm[j].keyline, &cfg->peers[j], NULL);
		else if (strcmp(sect, "node") == 0)
			for (size_t j = 0; j < cfg->nnodes && rc == 0; j++)
				rc = absent_key(p, i, p->nm[j].line,
				    p->nm[j].keyline, NULL, &cfg->nodes[j]);
		else
			rc = absent_key(p, i, strcmp(sect, "gateway") == 0 ?
			    p->gw_line : p->tls_line, p->keyline, NULL, NULL);
	}
	if (rc == -1)
		return -1;
	if (cfg->name == NULL && (cfg->name = strdup(cfg->hostnames[0])) ==
	    NULL)
		return fail(p, 0, "name", "out of memory");
	if (config_rule_peer_fill(cfg, p->why, sizeof(p->why)) == -1)
		return fail(p, 0, "via", "%s", p->why);
	for (size_t j = 0; j < cfg->npeers; j++)
		if (cfg->peers[j].identity == NULL &&
		    (cfg->peers[j].identity = strdup(cfg->peers[j].name)) ==
		    NULL)
			return fail(p, 0, "identity", "out of memory");
	if (config_rule_peer_nodes(cfg, p->why, sizeof(p->why)) == -1)
		return fail(p, 0, "nodes", "%s", p->why);
	return 0;
}

/* The cross-field rules of config_rules.c, with the line to blame. */
static int
apply_rules(struct parse *p)
{
	struct config *cfg = p->cfg;
	char what[300];
	const char *key;
	size_t where;
	int explicit_alias;

	if (config_rule_ports(cfg, p->why, sizeof(p->why)) == -1)
		return fail(p, p->keyline[key_index("gateway", "listen")],
		    "listen", "%s", p->why);
	if (config_rule_hostnames(cfg, &where, p->why, sizeof(p->why)) == -1)
		return fail(p, where == cfg->npeers ?
		    p->keyline[key_index("gateway", "hostnames")] :
		    p->pm[where].keyline[key_index("peer", "hostnames")],
		    "hostnames", "%s", p->why);
	if (config_rule_aliases(cfg, &where, &explicit_alias, p->why,
	    sizeof(p->why)) == -1) {
		if (explicit_alias)
			return fail(p, p->pm[where].keyline[key_index("peer",
			    "alias")], "alias", "%s", p->why);
		snprintf(what, sizeof(what), "[peer %s]",
		    cfg->peers[where].name);
		return fail(p, p->pm[where].line, what, "%s", p->why);
	}
	if (config_rule_nodes(cfg, &where, &key, p->why, sizeof(p->why)) ==
	    -1) {
		if (key != NULL)
			return fail(p, p->nm[where].keyline[key_index("node",
			    key)], key, "%s", p->why);
		snprintf(what, sizeof(what), "[node %s]",
		    cfg->nodes[where].name);
		return fail(p, p->nm[where].line, what, "%s", p->why);
	}
	if (config_rule_public(cfg, &key, p->why, sizeof(p->why)) == -1)
		return fail(p, p->keyline[key_index("gateway", key)], key, "%s",
		    p->why);
	return 0;
}

/* Parses p->text (owned by p) into a new config; returns 0 or -1. */
static int
load(struct parse *p, struct config **out)
{
	int rc;

	if ((p->cfg = calloc(1, sizeof(*p->cfg))) == NULL ||
	    (p->cfg->path = strdup(p->path)) == NULL)
		return fail(p, 0, "load", "out of memory");
	if ((p->dir = config_path_dir(p->path)) == NULL)
		return fail(p, 0, "directory", "%s", strerror(errno));
	rc = ini_parse_stream(reader, p, handler, p);
	if (!p->failed && rc != 0)
		fail(p, rc > 0 ? (unsigned)rc : 0, "syntax", "cannot parse");
	if (p->failed || apply_required(p) == -1 || apply_rules(p) == -1)
		return -1;
	*out = p->cfg;
	p->cfg = NULL;
	return 0;
}

static int
load_owned(const char *path, char *text, size_t len, struct config **out,
    char *err, size_t errlen)
{
	struct parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	p.text = text;
	p.len = len;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL)
		rc = fail(&p, 0, "load", "out of memory");
	else
		rc = load(&p, out);
	config_free(p.cfg);
	free(p.pm);
	free(p.nm);
	free(p.dir);
	free(p.text);
	return rc;
}

int
config_load_buffer(const char *name, const char *text, size_t len,
    struct config **out, char *err, size_t errlen)
{
	char *copy = malloc(len + 1);

	if (copy != NULL) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return load_owned(name, copy, len, out, err, errlen);
}

int
config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct parse p;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(&p, 0, "cannot open", "%s", strerror(errno));
	if ((text = malloc(FILE_MAX + 1)) == NULL) {
		fail(&p, 0, "load", "out of memory");
		goto fail;
	}
	while ((n = read(fd, text + len, FILE_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(&p, 0, "cannot read", "%s", strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		if (len > FILE_MAX) {
			fail(&p, 0, "cannot read", "larger than %d bytes",
			    FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	text[len] = '\0';
	return load_owned(path, text, len, out, err, errlen);
fail:
	free(text);
	close(fd);
	return -1;
}
