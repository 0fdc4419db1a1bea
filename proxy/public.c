/* public.c — pinned TLS ports for native nodes.  See public.h. */
#include "proxy/public.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/inbound.h"
#include "proxy/listener.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/wire/policy.h"

#define PUBLIC_MAX	1024

struct pinned {
	struct public *pub;
	char *name;		/* ALIVE, or ALIVE@PEER for an inside node */
	char *target;		/* inside node: its full name; else NULL */
	uint16_t port;
	struct listener *l;	/* NULL while the node is away */
};

struct public {
	struct gateway *gw;
	struct pinned *p[PUBLIC_MAX];
	size_t n;
};

static struct pinned *
find(const struct public *pub, const char *name)
{
	for (size_t i = 0; i < pub->n; i++)
		if (strcmp(pub->p[i]->name, name) == 0)
			return pub->p[i];
	return NULL;
}

static int
port_taken(const struct public *pub, uint16_t port)
{
	for (size_t i = 0; i < pub->n; i++)
		if (pub->p[i]->port == port)
			return 1;
	return 0;
}

static struct pinned *
add(struct public *pub, const char *name, uint16_t port)
{
	struct pinned *pn;

	if (pub->n == PUBLIC_MAX || (pn = calloc(1, sizeof(*pn))) == NULL)
		return NULL;
	if ((pn->name = strdup(name)) == NULL) {
		free(pn);
		return NULL;
	}
	pn->pub = pub;
	pn->port = port;
	pub->p[pub->n++] = pn;
	return pn;
}

static void
load_state(struct public *pub)
{
	const char *path = pub->gw->cfg->state_file;
	char name[256];
	unsigned port;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return;
	while (fscanf(f, "%255s %u", name, &port) == 2)
		if (port > 0 && port < 65536 && find(pub, name) == NULL &&
		    !port_taken(pub, (uint16_t)port))
			(void)add(pub, name, (uint16_t)port);
	fclose(f);
}

static void
save_state(const struct public *pub)
{
	const char *path = pub->gw->cfg->state_file;
	char tmp[4096];
	FILE *f;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "we")) == NULL) {
		log_warn("state_file %s", tmp);
		return;
	}
	for (size_t i = 0; i < pub->n; i++)
		fprintf(f, "%s %u\n", pub->p[i]->name, pub->p[i]->port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		log_warn("state_file %s", path);
}

struct public *
public_new(struct gateway *gw, char *err, size_t errlen)
{
	const struct config *cfg = gw->cfg;
	struct public *pub;

	if (cfg->public_epmd.len == 0)
		return NULL;
	if ((pub = calloc(1, sizeof(*pub))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pub->gw = gw;
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].tls_port != 0)
			(void)add(pub, cfg->nodes[i].name, cfg->nodes[i].tls_port);
	load_state(pub);
	return pub;
}

void
public_free(struct public *pub)
{
	if (pub == NULL)
		return;
	for (size_t i = 0; i < pub->n; i++) {
		listener_free(pub->p[i]->l);
		free(pub->p[i]->name);
		free(pub->p[i]->target);
		free(pub->p[i]);
	}
	free(pub);
}

/* A stable port for NAME from the range: FNV-1a of the name, then the
 * next free one. */
static uint16_t
allocate(struct public *pub, const char *name)
{
	const struct config *cfg = pub->gw->cfg;
	unsigned span = (unsigned)cfg->public_port_hi - cfg->public_port_lo + 1;
	uint32_t h = 2166136261u;

	if (cfg->public_port_lo == 0)
		return 0;
	for (const char *s = name; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	for (unsigned i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(cfg->public_port_lo +
		    (h + i) % span);
		if (!port_taken(pub, port))
			return port;
	}
	return 0;
}


static void
pinned_accept(int fd, const struct sockaddr *peer,
    const struct sockaddr *local, void *arg)
{
	struct pinned *pn = arg;

	inbound_accept_direct(fd, peer, local, pn->pub->gw,
	    pn->target != NULL ? pn->target : pn->name);
}

/* Opens PN's listener on the public address.  Returns 0 or -1 (logged). */
static int
open_pinned(struct pinned *pn)
{
	const struct config *cfg = pn->pub->gw->cfg;
	struct config_sockaddr sa = cfg->public_epmd;
	char err[256];

	sa_set_port((struct sockaddr *)&sa.ss, pn->port);
	pn->l = listener_new(pn->pub->gw->base, (struct sockaddr *)&sa.ss,
	    sa.len, "pinned", pinned_accept, pn, err, sizeof(err));
	if (pn->l == NULL) {
		log_warnx("public node=%s: %s", pn->name, err);
		return -1;
	}
	listener_set_dead_peer(pn->l, cfg->dead_peer_timeout_ms);
	log_info("public node=%s pinned TLS port %u", pn->name, pn->port);
	return 0;
}

void
public_node_up(struct public *pub, const char *name)
{
	const struct config *cfg;
	struct pinned *pn;
	uint16_t port;

	if (pub == NULL)
		return;
	cfg = pub->gw->cfg;
	if (!policy_exposed_public(cfg, name) || pub->gw->draining)
		return;
	if ((pn = find(pub, name)) == NULL) {
		if ((port = allocate(pub, name)) == 0 ||
		    (pn = add(pub, name, port)) == NULL) {
			log_warnx("public node=%s: no pinned port free "
			    "(public_ports)", name);
			return;
		}
		save_state(pub);
	}
	if (pn->l == NULL)
		(void)open_pinned(pn);
}

uint16_t
public_inside_port(struct public *pub, const char *alive, const char *peer,
    const char *full)
{
	char key[512];
	struct pinned *pn;
	uint16_t port;

	if (pub == NULL)
		return 0;
	snprintf(key, sizeof(key), "%s@%s", alive, peer);
	if ((pn = find(pub, key)) == NULL) {
		if ((port = allocate(pub, key)) == 0 ||
		    (pn = add(pub, key, port)) == NULL) {
			log_warnx("public node=%s: no pinned port free "
			    "(public_ports)", key);
			return 0;
		}
		save_state(pub);
	}
	if (pn->target == NULL && (pn->target = strdup(full)) == NULL)
		return 0;
	if (pn->l == NULL && (pub->gw->draining || open_pinned(pn) == -1))
		return 0;
	return pn->port;
}

void
public_node_down(struct public *pub, const char *name)
{
	struct pinned *pn;

	if (pub == NULL || (pn = find(pub, name)) == NULL || pn->l == NULL)
		return;
	listener_free(pn->l);
	pn->l = NULL;
	log_info("public node=%s pinned port %u closed", name, pn->port);
}

void
public_stop_listening(struct public *pub)
{
	if (pub == NULL)
		return;
	for (size_t i = 0; i < pub->n; i++) {
		listener_free(pub->p[i]->l);
		pub->p[i]->l = NULL;
	}
}

uint16_t
public_port(const struct public *pub, const char *name)
{
	const struct pinned *pn;

	if (pub == NULL || (pn = find(pub, name)) == NULL || pn->l == NULL)
		return 0;
	return pn->port;
}
