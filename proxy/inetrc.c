/* inetrc.c — see inetrc.h. */
#include "proxy/inetrc.h"

#include <arpa/inet.h>

#include "config/config.h"

/* Writes {host, {a,b,c,d}, ["n1", "n2"]}. */
static void
host_line(FILE *f, struct in_addr a, char *const *names, size_t n)
{
	uint32_t ip = ntohl(a.s_addr);

	fprintf(f, "{host, {%u,%u,%u,%u}, [", ip >> 24, (ip >> 16) & 0xff,
	    (ip >> 8) & 0xff, ip & 0xff);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", names[i]);
	fprintf(f, "]}.\n");
}

int
inetrc_write(FILE *f, const struct config *cfg)
{
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };

	fprintf(f, "%% Erlang inetrc written by distgate for %s (%s).\n"
	    "%% Use it with ERL_INETRC=<this file>.\n", cfg->name, cfg->path);
	fprintf(f, "{lookup, [file, native]}.\n");
	host_line(f, lo, cfg->hostnames, cfg->nhostnames);
	for (size_t i = 0; i < cfg->npeers; i++)
		host_line(f, cfg->peers[i].alias, cfg->peers[i].hostnames,
		    cfg->peers[i].nhostnames);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
