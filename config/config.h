/*
 * config.h — the frozen configuration: the struct and what the rest of
 * distgate calls (load, free, look-ups, secret and cookie file checks).
 *
 * config_load() parses one INI file (Debian's libinih, driven through
 * ini_parse_stream() with our own line reader so errors carry a line
 * number), validates every key and the cross-field rules once, and returns
 * an immutable struct.  Nothing here is global: the struct is passed
 * explicitly to whoever needs it.  Unknown sections and keys are errors.
 * Error messages read "file:line: key: reason" ("file:line: [section]:
 * reason" for a section; "file: key: reason", without a line, for
 * whole-file errors and for cross-field errors that belong to no line).
 *
 * The key table, setters, rules and value parsers behind it are in
 * config_int.h, for the files of config/ and the unit tests only.
 */
#ifndef DISTGATE_CONFIG_H
#define DISTGATE_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config_sockaddr {
	struct sockaddr_storage ss;	/* port included */
	socklen_t len;
};

/* One [peer NAME] section: a remote host (see kind). */
struct config_peer {
	char *name;			/* NAME from the section header (at
					   most 64 characters) */
	char *address;			/* "HOST:PORT", or "HOST" for kinds
					   native and plain, as written; a
					   peer with via: a copy of the via
					   peer's */
	struct config_sockaddr addr;	/* resolved at load time; port =
					   [gateway] epmd_port when address
					   has none; via: the via peer's */
	char **hostnames;		/* host parts its nodes use; >= 1 */
	size_t nhostnames;
	struct in_addr alias;		/* 127.x.y.z: configured or assigned */
	char *identity;			/* expected certificate identity
					   (SAN DNS, SAN URI, else CN);
					   default: NAME (via: the via
					   peer's identity) */
	char *cookie_file;		/* optional override of the gateway's
					   cookie for this peer's nodes; NULL
					   when absent */
	char **nodes;			/* patterns (fnmatch) of the full node
					   names this peer may present;
					   default: "*@H" for each hostname H */
	size_t nnodes;
	int allow_hidden;		/* hidden connections (remote shells,
					   dynamic names) admitted; default 0 */
	char **local_nodes;		/* patterns of local alive names this
					   peer may reach; NULL/0 = the
					   gateway's expose list */
	size_t nlocal_nodes;
	int kind;			/* PEER_KIND_*; default gateway */
	char *via;			/* name of a gateway-kind peer through
					   which this host's nodes are reached
					   with full node names; NULL.  Spelt
					   as that peer's section NAME */
	long via_idx;			/* its index in cfg->peers, or -1 */
	char **reach;			/* peer names whose nodes this peer may
					   reach through us (bastion); none by
					   default (NULL/0).  Each spelt as
					   that peer's section NAME */
	size_t nreach;
	struct config_sockaddr inside_alias; /* bastion: an address of this
					   host on the inside network where
					   kind plain peers that reach this
					   one find its nodes (EPMD on
					   epmd_port, a port per node); len
					   0 = none */
	int min_version;		/* TLS minimum towards this peer:
					   TLS1_2_VERSION or TLS1_3_VERSION,
					   never 0 after loading; default
					   [tls] min_version (native: 1.2) */
};

#define PEER_KIND_GATEWAY	0	/* runs distgate */
#define PEER_KIND_NATIVE	1	/* epmd + inet_tls_dist nodes */
#define PEER_KIND_PLAIN		2	/* epmd + inet_tcp_dist nodes (an
					   internal host behind a bastion) */

/* One [node ALIVE] section: settings of one local node. */
struct config_node {
	char *name;			/* ALIVE (the part before '@') */
	char *cookie_file;		/* this node's cookie when it differs
					   from the gateway's; NULL */
	uint16_t tls_port;		/* pinned public TLS port; 0 = none
					   (allocated from public_ports when
					   the public EPMD is on) */
};

struct config {
	char *path;			/* file it came from */

	/* [gateway] */
	char *name;			/* this gateway's name (default: first
					   hostname) */
	char **hostnames;		/* host parts this host's nodes use */
	size_t nhostnames;
	uint16_t epmd_port;		/* default 4369 */
	struct config_sockaddr *epmd_listen; /* local EPMD addresses, port =
					   epmd_port; default 127.0.0.1, ::1 */
	size_t nepmd_listen;
	struct config_sockaddr listen;	/* public TLS listener; default
					   0.0.0.0:4370 */
	int log_level;			/* enum log_level; default info */
	int syslog;			/* 0/1; default 0 */
	char *cookie_file;		/* optional; NULL when absent */
	int strict_loopback;		/* refuse nodes whose dist port listens
					   beyond loopback; default 0 */
	struct in_addr alias_network;	/* default 127.0.1.0 */
	unsigned alias_prefix;		/* default 24 */
	unsigned max_connections;	/* opened by other hosts (TLS port,
					   pinned node ports, public EPMD);
					   default 1024 */
	unsigned max_local_connections;	/* opened by this host's nodes (local
					   and alias EPMDs, alias node
					   ports); default 1024 */
	unsigned max_pending;		/* of max_connections, not yet
					   authenticated; default 256 */
	unsigned max_pending_per_source; /* of those, from one address;
					   default 16 */
	size_t buffer_size;		/* bytes per direction; default 65536 */
	unsigned epmd_timeout_ms;	/* default 10000 */
	unsigned tls_timeout_ms;	/* TLS handshake; default 5000 */
	unsigned connect_timeout_ms;	/* upstream connect; default 5000 */
	unsigned handshake_timeout_ms;	/* dist handshake; default 10000 */
	unsigned resolve_timeout_ms;	/* resolve round trip; default 3000 */
	unsigned idle_timeout_ms;	/* established link idle; 0 = none;
					   else must be > 60000; default 0 */
	unsigned dead_peer_timeout_ms;	/* TCP keepalive and TCP_USER_TIMEOUT
					   on sockets to other hosts; 0 =
					   off, else 2000..600000; default
					   20000 */
	unsigned link_ping_interval_ms;	/* PING on an idle pooled link to a
					   peer gateway this often; 0 = off,
					   else 1000..20000; default 10000 */
	unsigned drain_timeout_ms;	/* SIGTERM: established tunnels run
					   this long before they are closed;
					   0 = stop at once, else
					   1000..600000; default 30000 */
	char **expose;			/* patterns of local alive names peers
					   may reach; default "*" */
	size_t nexpose;
	unsigned lockout_failures;	/* failures that ban a source; 0 = no
					   lockout; default 10 */
	unsigned lockout_window_ms;	/* window they are counted in;
					   default 60000 */
	unsigned lockout_ban_ms;	/* how long a ban lasts; default
					   300000 */
	unsigned lockout_guesses;	/* wrong cookies per peer identity in
					   any hour; 0 = no limit; default
					   10 */
	unsigned lockout_known_good_ms;	/* how long a node name (or address)
					   that proved itself stays known
					   good; default 24h */
	char *audit_file;		/* optional: audit lines also go to
					   this file (appended); NULL = log */
	struct config_sockaddr public_epmd; /* public EPMD for native TLS
					   nodes; len 0 = off (default) */
	int public_names;		/* NAMES answered on it; default 0 */
	uint16_t public_port_lo, public_port_hi; /* range for pinned node
					   TLS ports; 0-0 = none */
	int public_min_version;		/* TLS minimum on pinned node ports;
					   default TLS1_2_VERSION */
	char *state_file;		/* remembers allocated pinned ports
					   (absolute path); NULL = none */
	struct config_sockaddr status_listen; /* status endpoint: TCP, or
					   AF_UNIX for unix:/PATH; len 0 =
					   off (default) */
	int status_allow_remote;	/* a non-loopback status_listen is
					   allowed; default 0 */
	/* Reload and certificate lifecycle (proxy/reload.h). */
	char *pid_file;			/* our pid, for `distgate reload`;
					   NULL = none (default) */
	unsigned cert_warn_days;	/* warn this many days before cert or
					   CA expires; 0 = never; default 30 */
	char *user;			/* started as root: drop to this user
					   once listening; NULL = none */
	char *group;			/* its group; NULL = the user's
					   primary group */
	int run_as_root;		/* 0/1: root without user is allowed;
					   default 0 */

	/* [tls] */
	char *cert;			/* PEM chain; required */
	char *key;			/* PEM key; required; a secret file
					   (crypto/secfile.h) */
	char *ca;			/* PEM CA bundle; required */
	char *crl;			/* optional PEM CRL file */
	int min_version;		/* TLS1_2_VERSION or TLS1_3_VERSION;
					   default TLS1_3_VERSION */

	struct config_peer *peers;
	size_t npeers;
	struct config_node *nodes;	/* [node ALIVE] sections */
	size_t nnodes;
};

/*
 * Loads and validates PATH.  On success returns 0 and stores a new config
 * in *out (the caller owns it; free with config_free()).  On failure
 * returns -1, writes "file:line: key: reason" into err (NUL-terminated,
 * truncated to errlen; err may be NULL when errlen is 0) and leaves *out
 * untouched.  Only the first error is reported.  Peer host names are
 * resolved here (getaddrinfo), so loading may block on DNS.
 */
int config_load(const char *path, struct config **out, char *err,
    size_t errlen);

/* Frees everything; NULL is a no-op. */
void config_free(struct config *cfg);

/*
 * Returns 1 when peer I is of kind native and reaches inside hosts
 * through this gateway's public EPMD, but [tls] cert names none of the
 * host names of one of them: a native node checks the server certificate
 * against the host it dials (OTP's default) and would refuse it.  Writes
 * a one-line warning into MSG then; else returns 0.
 */
int config_native_gap(const struct config *cfg, size_t i, char *msg,
    size_t len);

/*
 * Returns 1 when no cookie covers peer I's nodes — neither [gateway] nor
 * [peer] cookie_file — so the edge cannot check their cookie digests, and
 * writes a one-line warning saying so (and naming the local nodes a
 * [node] cookie_file still covers) into MSG; else returns 0.
 */
int config_cookie_gap(const struct config *cfg, size_t i, char *msg,
    size_t len);

/* Returns the peer whose alias address is ADDR (network order) or NULL. */
const struct config_peer *config_peer_by_alias(const struct config *cfg,
    struct in_addr addr);

/*
 * Returns 0 if PATH passes the gateway's own check of secret files
 * (crypto/secfile.h: opened with O_NOFOLLOW, then on the descriptor a
 * regular file owned by root or the running user on which group and other
 * have no permission), -1 otherwise with a reason in err when err is not
 * NULL ("is a symbolic link", "not a regular file", "owned by uid N (must
 * be root or the running user)", "readable by group/other", "writable by
 * group/other", "executable by group/other", or the strerror of open()).
 */
int config_check_secret_file(const char *path, char *err, size_t errlen);

/*
 * Returns 0 if PATH passes config_check_secret_file() and holds at least
 * one byte other than space, tab, CR and LF; -1 otherwise with a reason in
 * err when err is not NULL (those of config_check_secret_file(), "cookie
 * file is empty", or the strerror of open() or read()).  The bytes read
 * are wiped before returning; nothing is kept.
 */
int config_check_cookie_file(const char *path, char *err, size_t errlen);

/*
 * Reload (config_reload.c).  Makes NEW fit the running OLD: peers of OLD
 * (by name) keep their alias address, and peers only in NEW that would
 * take one of those get another free one in alias_network (an explicit
 * alias that collides is an error).  Keys that only a restart applies
 * (listed in docs/configuration.md, "Reload") keep OLD's values in NEW;
 * NOTE is called with each such key whose value differed.  Returns 0, or
 * -1 with "file: [peer NAME]: alias: reason" in ERR.
 */
int config_reload_fit(struct config *nw, const struct config *old,
    void (*note)(const char *key, void *arg), void *arg, char *err,
    size_t errlen);

/* Returns "gateway", "native" or "plain" for a PEER_KIND_*, else "?". */
const char *config_peer_kind_name(int kind);

#endif
