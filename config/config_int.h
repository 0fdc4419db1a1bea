/*
 * config_int.h — inside config/: the key table that drives the parse, the
 * setters, the cross-field rules and the value parsers.  Included only by
 * the files of config/ and the unit tests; the rest of distgate sees
 * config.h.
 *
 * Addresses are tested and given ports with proxy/util/sockaddr.h (cast
 * &x.ss to struct sockaddr *); config has no helpers of its own for that.
 */
#ifndef DISTGATE_CONFIG_INT_H
#define DISTGATE_CONFIG_INT_H

#include "config/config.h"

#define CONFIG_PEER_NAME_MAX	64	/* characters of a peer NAME */

/*
 * Returns 0 if PATH (absolute) can name an audit file: it does not end in
 * '/', its directory exists and is a directory, and PATH, if it exists, is
 * not a directory.  Otherwise -1 with a reason in err when err is not NULL
 * ("not a file name", "directory DIR: " followed by the strerror of
 * stat(), "DIR is not a directory", "is a directory").  The file need not
 * exist; nothing is created.
 */
int config_check_audit_file(const char *path, char *err, size_t errlen);

/*
 * Parses a duration: "250ms", "10s", "2m", "1h", or a bare number of
 * seconds (digits only, no spaces or sign).  Returns 0 and stores
 * milliseconds, or -1 (also when the result exceeds UINT_MAX ms).
 */
int config_parse_duration(const char *s, unsigned *ms);

/* Formats a reason into BUF (when BUF is not NULL and LEN > 0) and
 * returns -1, for "return config_why(err, errlen, ...)". */
int config_why(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like config_load(), but parses the LEN bytes at TEXT as if they had been
 * read from the file NAME: NAME prefixes every error message and relative
 * paths resolve against its directory (NAME itself is not opened).  TEXT
 * need not be NUL-terminated and is not modified.  Same results as
 * config_load().
 */
int config_load_buffer(const char *name, const char *text, size_t len,
    struct config **out, char *err, size_t errlen);

/*
 * The key table (config_keys.c) that drives config_load(): one entry per
 * known {section, key}, in the order the documentation lists them.  A
 * setter parses VALUE into ctx->cfg (or ctx->peer for [peer] keys,
 * ctx->node for [node] keys) and returns 0, or -1 with a reason (no file,
 * line or key) in ctx->why.  A setter runs at most once per key and
 * section; on failure the caller frees whatever it stored through
 * config_free().  Keys that are absent get their DEF string (if any)
 * passed to their setter after parsing, once per section ([peer] and
 * [node] keys once per such section).  During parsing a peer's alias is
 * 0.0.0.0 until configured and its nodes list is empty until computed.
 */
#define CONFIG_KEY_REQUIRED	0x1	/* must appear in its section */
#define CONFIG_KEY_EMPTY_OK	0x2	/* "key =" means unset */
#define CONFIG_KEY_SECRET	0x4	/* a secret file (crypto/secfile.h):
					   config_check_secret_file() */
#define CONFIG_KEY_COOKIE	0x8	/* file must hold a cookie (with
					   SECRET: config_check_cookie_file) */
#define CONFIG_KEY_VIA_FILLS	0x10	/* [peer] key that via fills in:
					   REQUIRED applies only to peers
					   without via */
#define CONFIG_MAX_KEYS		64	/* bound on config_nkeys */

struct config_setctx {
	struct config *cfg;
	struct config_peer *peer;	/* current [peer], else NULL */
	struct config_node *node;	/* current [node], else NULL */
	const char *dir;		/* relative paths resolve here */
	char *why;			/* reason on failure */
	size_t whylen;
};

struct config_key {
	const char *section;		/* "gateway", "tls", "peer" or "node" */
	const char *name;
	const char *def;		/* default as written, or NULL */
	int flags;			/* CONFIG_KEY_* */
	size_t off;			/* field for generic setters, inside
					   struct config, or config_peer /
					   config_node for those sections */
	int (*set)(const struct config_key *key,
	    const struct config_setctx *ctx, const char *value);
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/*
 * A load in progress, shared by config.c (reads the file; required keys,
 * defaults and rules once it is parsed) and config_ini.c (the parse).
 */
enum config_sect {
	CONFIG_SECT_NONE, CONFIG_SECT_GATEWAY, CONFIG_SECT_TLS,
	CONFIG_SECT_PEER, CONFIG_SECT_NODE,
};

/* Where a [peer NAME] or [node ALIVE] section and its keys are. */
struct config_sect_meta {
	unsigned line;				/* of its header */
	unsigned keyline[CONFIG_MAX_KEYS];	/* line of each key, or 0 */
};

struct config_parse {
	struct config *cfg;
	const char *path;		/* as given; prefixes every error */
	char *dir;			/* absolute directory of path */
	char *text;			/* the file, NUL-terminated, ours */
	size_t len, pos;		/* of text; where the next line is */
	unsigned lineno;		/* of the line at hand, from 1 */
	const char *line;		/* that line in text, without its */
	size_t linelen;			/* line end (and BOM) */
	int failed;
	char *err;			/* the caller's, for the first error */
	size_t errlen;
	enum config_sect sect;		/* current section */
	size_t peer;			/* current peer if CONFIG_SECT_PEER */
	size_t node;			/* current node if CONFIG_SECT_NODE */
	unsigned gw_line, tls_line;	/* header lines, 0 if absent */
	unsigned keyline[CONFIG_MAX_KEYS]; /* [gateway] and [tls] keys */
	struct config_sect_meta *pm;	/* parallel to cfg->peers */
	struct config_sect_meta *nm;	/* parallel to cfg->nodes */
	char why[256];			/* reason from a setter */
};

/*
 * Parses p->text into p->cfg (config_ini.c): records each section and the
 * line of each key, runs each key's setter.  Returns 0, or -1 with the
 * error recorded by config_fail().
 */
int config_ini_parse(struct config_parse *p);

/*
 * Records the first error of P as "path:line: what: reason" ("path: what:
 * reason" when LINE is 0) in p->err and sets p->failed; later errors are
 * dropped.  Returns -1.
 */
int config_fail(struct config_parse *p, unsigned line, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Runs K's setter on VALUE for the current [peer] PEER or [node] NODE
   (both NULL for [gateway] and [tls]); returns its result, with a reason
   in p->why on failure. */
int config_run_setter(struct config_parse *p, const struct config_key *k,
    struct config_peer *peer, struct config_node *node, const char *value);

/* The field K->off of the struct that K's section fills in CTX: ctx->cfg,
   ctx->peer or ctx->node. */
void *config_key_field(const struct config_key *k,
    const struct config_setctx *ctx);

/* Returns the index of {SECTION, NAME} in config_keys[], or config_nkeys
   when there is no such key. */
size_t config_key_index(const char *section, const char *name);

/*
 * Cross-field rules (config_rules.c), run once by config_load() after
 * every key has its value or default.  Each returns 0, or -1 with a
 * reason (no file, line or key) in why.
 */

/* Sets every epmd_listen port to epmd_port; fails when listen uses the
   EPMD port on the wildcard address or on an epmd_listen address. */
int config_rule_ports(struct config *cfg, char *why, size_t whylen);

/* Gives every peer without nodes the list "*@H" for each of its host
   names H, in order.  Fails only when memory runs out. */
int config_rule_peer_nodes(struct config *cfg, char *why, size_t whylen);

/* Fails when a host name appears twice (case-insensitive) across
   [gateway] and all peers; *where is the peer holding the later one, or
   cfg->npeers for [gateway]. */
int config_rule_hostnames(const struct config *cfg, size_t *where,
    char *why, size_t whylen);

/*
 * Checks the configured aliases (those not 0.0.0.0): unique, none an
 * epmd_listen address.  Then gives every other peer, in order, the next
 * free address of alias_network from network+1 on, skipping 127.0.0.1,
 * epmd_listen addresses, aliases already taken and the network's last
 * address.  On failure *where is the peer at fault and *explicit_alias is
 * 1 when its configured alias is the problem, 0 when the network ran out.
 */
int config_rule_aliases(struct config *cfg, size_t *where,
    int *explicit_alias, char *why, size_t whylen);

/*
 * Checks what ties peers together, on the values as parsed (run before
 * defaults are applied, since it needs to tell a key left out from one
 * set).  For each peer, in order: with via, that via names another peer
 * (case-insensitive) which is kind gateway and has no via itself, that
 * the peer is kind gateway and has no address; without via, that an
 * address without a port belongs to a kind native or plain peer; then
 * that every reach name is another existing peer.  Rewrites via and each
 * reach name to the named peer's NAME as spelt in its header and sets
 * via_idx (-1 without via).  On failure *where is the peer at fault and
 * *key the key whose line to blame ("via", "reach" or "address").
 */
int config_rule_peer_links(struct config *cfg, size_t *where,
    const char **key, char *why, size_t whylen);

/*
 * Completes peers once every key has its value or default and
 * config_rule_peer_links() has passed: an address without a port gets
 * epmd_port; a peer with via gets copies of the via peer's address, addr
 * and (when it has none of its own) identity, falling back to the via
 * peer's NAME; min_version 0 becomes TLS1_2_VERSION for kind native and
 * [tls] min_version otherwise.  Fails only when memory runs out.
 */
int config_rule_peer_fill(struct config *cfg, char *why, size_t whylen);

/*
 * Checks [node] sections: each has cookie_file or tls_port; a tls_port is
 * not epmd_port, not the port of listen or public_epmd, and not another
 * node's tls_port.  On failure *where is the node at fault and *key is
 * "tls_port", or NULL when the section itself is at fault.
 */
int config_rule_nodes(const struct config *cfg, size_t *where,
    const char **key, char *why, size_t whylen);

/*
 * Checks the public EPMD keys: public_epmd is not the wildcard address on
 * epmd_port and does not take listen's address and port; public_ports
 * holds neither epmd_port, nor listen's port, nor public_epmd's port;
 * public_epmd has public_ports or some [node] tls_port.  On failure *key
 * is the key whose line to blame ("public_epmd" or "public_ports").
 */
int config_rule_public(const struct config *cfg, const char **key,
    char *why, size_t whylen);

/*
 * Setters of config_keys[] that live outside config_keys.c (in
 * config_files.c, config_peer.c, config_public.c), with the contract of
 * struct config_key's set.
 */

/* [peer] address: HOST:PORT, [ADDR]:PORT, HOST or [ADDR], HOST resolved
   by config_resolve(); without a port, addr's port is 0 until
   config_rule_peer_fill(). */
int config_set_peer_address(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [peer] kind: "gateway", "native" or "plain". */
int config_set_peer_kind(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [peer] inside_alias: an IP address (checked by
 * config_rule_peer_links()). */
int config_set_peer_inside_alias(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);
/* [peer] via: a peer NAME (checked by config_rule_peer_links()). */
int config_set_peer_via(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [peer] reach: a list of peer NAMEs, none twice in any case. */
int config_set_peer_reach(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* A file that must exist and be readable, as an absolute path: cert, ca,
   crl, and with CONFIG_KEY_SECRET (config_check_secret_file()) key, or
   with CONFIG_KEY_COOKIE too (config_check_cookie_file()) cookie_file;
   "" = unset. */
int config_set_file(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* A file that need not exist yet, in an existing directory
   (config_check_audit_file()): audit_file, state_file; "" = unset. */
int config_set_new_file(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [gateway] public_epmd: numeric ADDR:PORT, not loopback; "" = unset. */
int config_set_public_epmd(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [gateway] public_ports: LO-HI, at most 10000 ports; "" = unset. */
int config_set_public_ports(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* [gateway] status_listen (config_status.c): numeric ADDR:PORT or
   unix:/ABSOLUTE/PATH (its directory must exist); "" = unset. */
int config_set_status_listen(const struct config_key *k,
    const struct config_setctx *ctx, const char *v);

/* Fails when status_listen is a TCP address beyond loopback and
   status_allow_remote is not set. */
int config_rule_status(const struct config *cfg, char *why, size_t whylen);

/*
 * Value parsers used by config_load(), exported for callers (command-line
 * flags) and tests.  All are pure: they read S (NUL-terminated), write
 * their result only on success, allocate nothing unless said, and return
 * 0 or -1.  None accepts leading or trailing whitespace.
 */

/* "yes"/"no", "true"/"false", "on"/"off", "1"/"0", any case: *out = 1/0. */
int config_parse_bool(const char *s, int *out);

/* A decimal number in MIN..MAX, digits only (no sign, no spaces). */
int config_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);

/* A byte count: digits with an optional suffix k/K (x1024) or m/M
   (x1048576). */
int config_parse_size(const char *s, size_t *bytes);

/* A numeric IPv4 or IPv6 address (no brackets, no scope); port set to 0. */
int config_parse_ip(const char *s, struct config_sockaddr *out);

/*
 * Splits "HOST:PORT" or "[HOST]:PORT" (brackets required when HOST holds
 * a ':').  Copies HOST (without brackets, non-empty) into host, which has
 * room for hostlen bytes, and stores PORT (1..65535).
 */
int config_parse_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port);

/* "a.b.c.d/N" with N in 0..32: stores the address (network order) and N;
   no range or host-bit checks. */
int config_parse_cidr4(const char *s, struct in_addr *addr,
    unsigned *prefix);

/* Returns 1 if S is a valid host part or name: 1..253 characters, each a
   letter, digit, '-', '.' or '_'; else 0. */
int config_valid_name(const char *s);

/* Returns 1 if S is a valid alive name (the part of a node name before
   '@'): 1..255 characters, each a letter, digit, '_' or '-'; else 0. */
int config_valid_alive(const char *s);

/*
 * Returns 1 if S is a valid node-name pattern (fnmatch, with '*' and '?'
 * as the only wildcards), else 0.  FULL = 0: a pattern of alive names,
 * 1..255 letters, digits, '_', '-', '*', '?'.  FULL = 1: a pattern of full
 * names ALIVE@HOST: exactly one '@', ALIVE 1..255 and HOST 1..253
 * characters, each a letter, digit, '_', '-', '.', '*' or '?'.
 */
int config_valid_pattern(const char *s, int full);

/*
 * Splits S at runs of spaces, tabs and commas.  On success stores a new
 * array of *n new strings in *items (*items is NULL when *n is 0); free
 * with config_free_list().  Returns -1 only when memory runs out.
 */
int config_split_list(const char *s, char ***items, size_t *n);

/*
 * Parses a list of host names (config_valid_name(), none twice in any
 * case, at least one) into a new array as config_split_list() does.
 * Returns 0, or -1 with a reason in why ("empty list", "invalid host name
 * ...", "... listed twice", "out of memory") and nothing allocated.
 */
int config_parse_hostnames(const char *s, char ***list, size_t *n,
    char *why, size_t whylen);

/*
 * Parses a list of node-name patterns (config_valid_pattern() with FULL,
 * at least one) into a new array as config_split_list() does.  Returns 0,
 * or -1 with a reason in why naming the first bad pattern, and nothing
 * allocated.
 */
int config_parse_patterns(const char *s, int full, char ***list, size_t *n,
    char *why, size_t whylen);

/* Frees what config_split_list() returned; NULL is a no-op. */
void config_free_list(char **items, size_t n);

/* "LO-HI", each a decimal port 1..65535 (digits only), LO <= HI. */
int config_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

/*
 * Not pure: helpers of config_load() that look outside the string.
 */

/*
 * Resolves HOST, a numeric IPv4 or IPv6 address or a host name
 * (config_valid_name()), into *sa with port 0: the literal, else
 * getaddrinfo()'s first answer, so it may block on DNS.  Returns 0, or -1
 * with a reason in why ("invalid host ...", "cannot resolve ...").
 */
int config_resolve(const char *host, struct config_sockaddr *sa,
    char *why, size_t whylen);

/* Absolute directory of PATH (a relative PATH is taken from the working
   directory), as a new string, or NULL. */
char *config_path_dir(const char *path);

/* V itself when absolute, else DIR/V, as a new string, or NULL. */
char *config_path_join(const char *dir, const char *v);

#endif
