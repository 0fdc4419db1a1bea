/*
 * registry.c — see registry.h.
 *
 * Every name the registry knows, registered or only remembered, is one
 * entry in a chained hash table.  Registered entries also sit on a list
 * with the newest registration at the head (the NAMES order); remembered
 * ones sit on a FIFO with the oldest at the head, so that the oldest is
 * forgotten first once more than REGISTRY_REMEMBER are kept.  An entry
 * keeps its name and creation counter across unregister/re-register.
 */
#include "proxy/wire/registry.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/util/sockaddr.h"

struct reg_entry {
	struct reg_node node;		/* the public part; node.name = name */
	struct reg_entry *hnext;	/* hash chain */
	struct reg_entry *prev, *next;	/* registered list or remembered FIFO */
	uint32_t counter;		/* creation counter, never 0..3 */
	int registered;
	char name[];
};

struct registry {
	size_t max;			/* registered entries allowed */
	size_t count;			/* registered entries */
	size_t nremembered;
	struct reg_entry *reg_head;	/* newest registration first */
	struct reg_entry *old_head;	/* oldest remembered first */
	struct reg_entry *old_tail;
	struct reg_entry **buckets;
	size_t nbuckets;		/* a power of two */
};

static uint32_t
hash_name(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static struct reg_entry **
bucket_of(const struct registry *reg, const char *name)
{
	return &reg->buckets[hash_name(name) & (reg->nbuckets - 1)];
}

static struct reg_entry *
lookup(const struct registry *reg, const char *name)
{
	struct reg_entry *e;

	for (e = *bucket_of(reg, name); e != NULL; e = e->hnext)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void
hash_unlink(struct registry *reg, struct reg_entry *e)
{
	struct reg_entry **pp = bucket_of(reg, e->name);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	e->hnext = NULL;
}

/* Unlinks E from the list at *HEAD (and *TAIL, unless TAIL is NULL). */
static void
list_unlink(struct reg_entry **head, struct reg_entry **tail,
    struct reg_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		*head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else if (tail != NULL)
		*tail = e->prev;
	e->prev = e->next = NULL;
}

static void
counter_bump(struct reg_entry *e)
{
	e->counter++;
	if (e->counter < 4)
		e->counter = 4;		/* 0..3 are never handed out */
}

static void
counter_start(struct reg_entry *e, time_t now)
{
	if (now < 4)
		e->counter = 4;
	else {
		e->counter = (uint32_t)now;
		if (e->counter < 4)
			e->counter = 4;
	}
}

struct registry *
registry_new(size_t max)
{
	struct registry *reg;
	size_t want, n = 16;

	if (max > SIZE_MAX / 4 - REGISTRY_REMEMBER)
		return NULL;
	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		goto fail;
	reg->max = max;
	/* Load factor at most 1/2 with every slot in use. */
	want = 2 * (max + REGISTRY_REMEMBER + 1);
	while (n < want)
		n *= 2;
	reg->nbuckets = n;
	if ((reg->buckets = calloc(n, sizeof(*reg->buckets))) == NULL)
		goto fail;
	return reg;
fail:
	free(reg);
	return NULL;
}

void
registry_free(struct registry *reg)
{
	struct reg_entry *e, *next;

	if (reg == NULL)
		return;
	for (e = reg->reg_head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	for (e = reg->old_head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(reg->buckets);
	free(reg);
}

/* Forgets the oldest remembered names beyond REGISTRY_REMEMBER. */
static void
forget_oldest(struct registry *reg)
{
	while (reg->nremembered > REGISTRY_REMEMBER) {
		struct reg_entry *e = reg->old_head;

		list_unlink(&reg->old_head, &reg->old_tail, e);
		hash_unlink(reg, e);
		reg->nremembered--;
		free(e);
	}
}

enum registry_add_result
registry_add(struct registry *reg, const char *name, uint16_t port,
    uint8_t node_type, uint8_t protocol, uint16_t high, uint16_t low,
    int v6, void *owner, time_t now, const struct reg_node **out)
{
	struct reg_entry *e;
	size_t len;

	if ((e = lookup(reg, name)) != NULL && e->registered)
		return REGISTRY_DUPLICATE;
	if (reg->count >= reg->max)
		return REGISTRY_FULL;
	if (e != NULL) {
		/* Remembered: same slot, next creation. */
		list_unlink(&reg->old_head, &reg->old_tail, e);
		reg->nremembered--;
		counter_bump(e);
	} else {
		len = strlen(name);
		if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
			return REGISTRY_NOMEM;
		memcpy(e->name, name, len + 1);
		e->node.name = e->name;
		counter_start(e, now);
		struct reg_entry **b = bucket_of(reg, e->name);
		e->hnext = *b;
		*b = e;
	}
	e->node.port = port;
	e->node.node_type = node_type;
	e->node.protocol = protocol;
	e->node.high = high;
	e->node.low = low;
	e->node.v6 = v6 != 0;
	e->node.owner = owner;
	e->node.creation = high >= 6 ? e->counter : e->counter % 3 + 1;
	e->registered = 1;
	e->prev = NULL;
	e->next = reg->reg_head;
	if (reg->reg_head != NULL)
		reg->reg_head->prev = e;
	reg->reg_head = e;
	reg->count++;
	if (out != NULL)
		*out = &e->node;
	return REGISTRY_OK;
}

void
registry_remove(struct registry *reg, const char *name)
{
	struct reg_entry *e;

	if ((e = lookup(reg, name)) == NULL || !e->registered)
		return;
	list_unlink(&reg->reg_head, NULL, e);
	reg->count--;
	e->registered = 0;
	e->node.owner = NULL;
	e->prev = reg->old_tail;
	if (reg->old_tail != NULL)
		reg->old_tail->next = e;
	else
		reg->old_head = e;
	reg->old_tail = e;
	reg->nremembered++;
	forget_oldest(reg);
}

const struct reg_node *
registry_find(const struct registry *reg, const char *name)
{
	const struct reg_entry *e = lookup(reg, name);

	return e != NULL && e->registered ? &e->node : NULL;
}

size_t
registry_count(const struct registry *reg)
{
	return reg->count;
}

void
registry_foreach(const struct registry *reg,
    int (*fn)(const struct reg_node *node, void *arg), void *arg)
{
	const struct reg_entry *e, *next;

	for (e = reg->reg_head; e != NULL; e = next) {
		next = e->next;		/* FN may remove E itself */
		if (fn(&e->node, arg) != 0)
			break;
	}
}

socklen_t
registry_node_addr(const struct reg_node *node, struct sockaddr_storage *ss)
{
	socklen_t len;

	memset(ss, 0, sizeof(*ss));
	if (node->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	sa_set_port((struct sockaddr *)ss, node->port);
	return len;
}
