/*
 * config.c — config_load(): read the file, have config_ini.c parse it,
 * then check required keys, apply defaults and run the rules that tie
 * keys together (config_rules.c); see config.h.
 */
#include "config/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_MAX	(1024 * 1024)

int
config_fail(struct config_parse *p, unsigned line, const char *what,
    const char *fmt, ...)
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

int
config_run_setter(struct config_parse *p, const struct config_key *k,
    struct config_peer *peer, struct config_node *node, const char *value)
{
	struct config_setctx ctx = {
		.cfg = p->cfg, .peer = peer, .node = node, .dir = p->dir,
		.why = p->why, .whylen = sizeof(p->why),
	};

	p->why[0] = '\0';
	return k->set(k, &ctx, value);
}

/* The line of [gateway] key KEY, or 0 when it is absent. */
static unsigned
gw_line(const struct config_parse *p, const char *key)
{
	return p->keyline[config_key_index("gateway", key)];
}

/* The line of key KEY in [peer] section I, or 0. */
static unsigned
peer_line(const struct config_parse *p, size_t i, const char *key)
{
	return p->pm[i].keyline[config_key_index("peer", key)];
}

/* The line of key KEY in [node] section I, or 0. */
static unsigned
node_line(const struct config_parse *p, size_t i, const char *key)
{
	return p->nm[i].keyline[config_key_index("node", key)];
}

/*
 * Checks that key I, absent from the section whose header is at LINE
 * (with key lines KL), is not required there, then applies its default.
 */
static int
absent_key(struct config_parse *p, size_t i, unsigned line,
    const unsigned *kl, struct config_peer *peer, struct config_node *node)
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
		return config_fail(p, line, what, "missing required key %s",
		    k->name);
	if (k->def != NULL && config_run_setter(p, k, peer, node, k->def) ==
	    -1)
		return config_fail(p, 0, k->name, "default %s: %s", k->def,
		    p->why);
	return 0;
}

/*
 * Required sections, links between peers (which must see keys as set,
 * before defaults), required keys, defaults for absent keys, then what
 * follows from them.
 */
static int
apply_required(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	const char *key;
	size_t where;
	int rc = 0;

	if (p->gw_line == 0)
		return config_fail(p, 0, "[gateway]", "missing section");
	if (p->tls_line == 0)
		return config_fail(p, 0, "[tls]", "missing section");
	if (config_rule_peer_links(cfg, &where, &key, p->why,
	    sizeof(p->why)) == -1)
		return config_fail(p, peer_line(p, where, key), key, "%s",
		    p->why);
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
		return config_fail(p, 0, "name", "out of memory");
	if (config_rule_peer_fill(cfg, p->why, sizeof(p->why)) == -1)
		return config_fail(p, 0, "via", "%s", p->why);
	for (size_t j = 0; j < cfg->npeers; j++)
		if (cfg->peers[j].identity == NULL &&
		    (cfg->peers[j].identity = strdup(cfg->peers[j].name)) ==
		    NULL)
			return config_fail(p, 0, "identity", "out of memory");
	if (config_rule_peer_nodes(cfg, p->why, sizeof(p->why)) == -1)
		return config_fail(p, 0, "nodes", "%s", p->why);
	return 0;
}

/* The cross-field rules of config_rules.c, with the line to blame. */
static int
apply_rules(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	char what[300];
	const char *key;
	size_t where;
	int explicit_alias;

	if (config_rule_ports(cfg, p->why, sizeof(p->why)) == -1)
		return config_fail(p, gw_line(p, "listen"), "listen", "%s",
		    p->why);
	if (config_rule_hostnames(cfg, &where, p->why, sizeof(p->why)) == -1)
		return config_fail(p, where == cfg->npeers ?
		    gw_line(p, "hostnames") : peer_line(p, where, "hostnames"),
		    "hostnames", "%s", p->why);
	if (config_rule_aliases(cfg, &where, &explicit_alias, p->why,
	    sizeof(p->why)) == -1) {
		if (explicit_alias)
			return config_fail(p, peer_line(p, where, "alias"),
			    "alias", "%s", p->why);
		snprintf(what, sizeof(what), "[peer %s]",
		    cfg->peers[where].name);
		return config_fail(p, p->pm[where].line, what, "%s", p->why);
	}
	if (config_rule_nodes(cfg, &where, &key, p->why, sizeof(p->why)) ==
	    -1) {
		if (key != NULL)
			return config_fail(p, node_line(p, where, key), key,
			    "%s", p->why);
		snprintf(what, sizeof(what), "[node %s]",
		    cfg->nodes[where].name);
		return config_fail(p, p->nm[where].line, what, "%s", p->why);
	}
	if (config_rule_public(cfg, &key, p->why, sizeof(p->why)) == -1)
		return config_fail(p, gw_line(p, key), key, "%s", p->why);
	if (config_rule_status(cfg, p->why, sizeof(p->why)) == -1)
		return config_fail(p, gw_line(p, "status_listen"),
		    "status_listen", "%s", p->why);
	return 0;
}

/* Parses p->text (owned by p) into a new config; returns 0 or -1. */
static int
load(struct config_parse *p, struct config **out)
{
	if ((p->cfg = calloc(1, sizeof(*p->cfg))) == NULL ||
	    (p->cfg->path = strdup(p->path)) == NULL)
		return config_fail(p, 0, "load", "out of memory");
	if ((p->dir = config_path_dir(p->path)) == NULL)
		return config_fail(p, 0, "directory", "%s", strerror(errno));
	if (config_ini_parse(p) == -1 || apply_required(p) == -1 ||
	    apply_rules(p) == -1)
		return -1;
	*out = p->cfg;
	p->cfg = NULL;
	return 0;
}

static int
load_owned(const char *path, char *text, size_t len, struct config **out,
    char *err, size_t errlen)
{
	struct config_parse p;
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
		rc = config_fail(&p, 0, "load", "out of memory");
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
	struct config_parse p;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return config_fail(&p, 0, "cannot open", "%s", strerror(errno));
	if ((text = malloc(FILE_MAX + 1)) == NULL) {
		config_fail(&p, 0, "load", "out of memory");
		goto fail;
	}
	while ((n = read(fd, text + len, FILE_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			config_fail(&p, 0, "cannot read", "%s",
			    strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		if (len > FILE_MAX) {
			config_fail(&p, 0, "cannot read", "larger than %d"
			    " bytes", FILE_MAX);
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
