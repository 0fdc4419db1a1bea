/*
 * registry.h — the local nodes registered with distgate's EPMD.
 *
 * Keyed by alive name.  Hands out creations as epmd does: a name seen for
 * the first time starts its counter at the Unix time (at least 4); a name
 * re-registered after it went away gets the remembered counter + 1 (up to
 * REGISTRY_REMEMBER names are remembered).  A v6 node (HighestVersion >= 6)
 * gets the 32-bit counter, never 0..3; a v5 node gets counter % 3 + 1.
 * Pure bookkeeping: no I/O, no sockets; OWNER is an opaque pointer the
 * caller uses to find the registration connection.
 */
#ifndef DISTGATE_REGISTRY_H
#define DISTGATE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define REGISTRY_REMEMBER	1000

struct registry;

struct reg_node {
	const char *name;	/* owned by the registry */
	uint16_t port;
	uint8_t node_type;
	uint8_t protocol;
	uint16_t high, low;
	uint32_t creation;
	unsigned v6:1;		/* registered over IPv6 (::1) */
	void *owner;		/* the caller's, untouched */
};

/* Returns a new empty registry holding at most MAX nodes, or NULL. */
struct registry *registry_new(size_t max);
/* Frees the registry; NULL is a no-op.  Owners are not touched. */
void registry_free(struct registry *reg);

enum registry_add_result {
	REGISTRY_OK = 0,
	REGISTRY_DUPLICATE = -1,	/* name already registered */
	REGISTRY_FULL = -2,		/* MAX nodes registered */
	REGISTRY_NOMEM = -3,
};

/*
 * Registers NAME.  V6 says the node registered over IPv6, so it listens
 * on ::1 (else 127.0.0.1).  NOW is the current Unix time (a parameter so tests can
 * fix it).  On REGISTRY_OK, *out (if non-NULL) points at the new entry,
 * valid until registry_remove() of that name.
 */
enum registry_add_result registry_add(struct registry *reg, const char *name,
    uint16_t port, uint8_t node_type, uint8_t protocol, uint16_t high,
    uint16_t low, int v6, void *owner, time_t now,
    const struct reg_node **out);

/* Unregisters NAME (remembering its creation counter).  Unknown: no-op. */
void registry_remove(struct registry *reg, const char *name);

/* Returns the entry for NAME or NULL. */
const struct reg_node *registry_find(const struct registry *reg,
    const char *name);

size_t registry_count(const struct registry *reg);

/*
 * Calls FN for each registered node, newest registration first (the order
 * of epmd's NAMES reply).  FN returns 0 to go on, non-zero to stop.
 */
void registry_foreach(const struct registry *reg,
    int (*fn)(const struct reg_node *node, void *arg), void *arg);

/*
 * Fills SS with the loopback address NODE listens on: ::1 or 127.0.0.1
 * (the family it registered from) and its port.  Returns the length.
 */
socklen_t registry_node_addr(const struct reg_node *node,
    struct sockaddr_storage *ss);

#endif
