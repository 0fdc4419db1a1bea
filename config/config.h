/*
 * config.h — the frozen configuration.
 *
 * config_load() parses one INI file (Debian's libinih, driven through
 * ini_parse_stream() with our own line reader so errors carry a line
 * number), validates every key and the cross-field rules once, and returns
 * an immutable struct.  Nothing here is global: the struct is passed
 * explicitly to whoever needs it.  Unknown sections and keys are errors.
 * Error messages read "file:line: key: reason" (line 0 for whole-file or
 * cross-field errors that belong to no single line).
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

/* One [peer NAME] section: a remote host with its own gateway. */
struct config_peer {
	char *name;			/* NAME from the section header */
	char *address;			/* "host:port" as written */
	struct config_sockaddr addr;	/* resolved at load time */
	char **hostnames;		/* host parts its nodes use; >= 1 */
	size_t nhostnames;
	struct in_addr alias;		/* 127.x.y.z: configured or assigned */
	char *identity;			/* expected certificate identity
					   (SAN DNS, SAN URI, else CN);
					   default: NAME */
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
	unsigned max_connections;	/* default 1024 */
	size_t buffer_size;		/* bytes per direction; default 65536 */
	unsigned epmd_timeout_ms;	/* default 10000 */
	unsigned tls_timeout_ms;	/* TLS handshake; default 5000 */
	unsigned connect_timeout_ms;	/* upstream connect; default 5000 */
	unsigned handshake_timeout_ms;	/* dist handshake; default 10000 */
	unsigned resolve_timeout_ms;	/* resolve round trip; default 3000 */
	unsigned idle_timeout_ms;	/* established link idle; 0 = none;
					   else must be > 60000; default 0 */

	/* [tls] */
	char *cert;			/* PEM chain; required */
	char *key;			/* PEM key; required; mode must deny
					   group/other */
	char *ca;			/* PEM CA bundle; required */
	char *crl;			/* optional PEM CRL file */
	int min_version;		/* TLS1_2_VERSION or TLS1_3_VERSION;
					   default TLS1_3_VERSION */

	struct config_peer *peers;
	size_t npeers;
};

/*
 * Loads and validates PATH.  On success returns 0 and stores a new config
 * in *out (the caller owns it; free with config_free()).  On failure
 * returns -1, writes "file:line: key: reason" into err (NUL-terminated,
 * truncated to errlen) and leaves *out untouched.
 */
int config_load(const char *path, struct config **out, char *err,
    size_t errlen);

/* Frees everything; NULL is a no-op. */
void config_free(struct config *cfg);

/* Returns the peer whose alias address is ADDR (network order) or NULL. */
const struct config_peer *config_peer_by_alias(const struct config *cfg,
    struct in_addr addr);

/*
 * Returns 0 if PATH is a regular file that group and other cannot read,
 * -1 otherwise with a reason in err ("readable by group/other", or the
 * strerror of stat()).
 */
int config_check_secret_file(const char *path, char *err, size_t errlen);

/*
 * Parses a duration: "250ms", "10s", "2m", or a bare number of seconds.
 * Returns 0 and stores milliseconds, or -1.
 */
int config_parse_duration(const char *s, unsigned *ms);

#endif
