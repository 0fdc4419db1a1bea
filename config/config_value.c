/*
 * config_value.c — value parsers for the configuration, pure except
 * config_resolve() (DNS), and the path helpers; see config_int.h.
 */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
config_why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads the leading digits of S into *v, refusing values above MAX.
 * Stores the first non-digit in *end.  Returns -1 when S has no digit.
 */
static int
read_digits(const char *s, unsigned long long max, unsigned long long *v,
    const char **end)
{
	unsigned long long n = 0;
	const char *p = s;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		unsigned long long d = (unsigned long long)(*p - '0');
		if (d > max || n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*v = n;
	*end = p;
	return 0;
}

int
config_parse_duration(const char *s, unsigned *ms)
{
	static const struct {
		const char *suffix;
		unsigned long long mult;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	unsigned long long v;
	const char *end;

	if (read_digits(s, UINT_MAX, &v, &end) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (v > UINT_MAX / units[i].mult)
			return -1;
		*ms = (unsigned)(v * units[i].mult);
		return 0;
	}
	return -1;
}

int
config_parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
config_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long long v;
	const char *end;

	if (read_digits(s, max, &v, &end) == -1 || *end != '\0' || v < min)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int
config_parse_size(const char *s, size_t *bytes)
{
	unsigned long long v, mult;
	const char *end;

	if (read_digits(s, SIZE_MAX, &v, &end) == -1)
		return -1;
	if (end[0] == '\0')
		mult = 1;
	else if ((end[0] == 'k' || end[0] == 'K') && end[1] == '\0')
		mult = 1024;
	else if ((end[0] == 'm' || end[0] == 'M') && end[1] == '\0')
		mult = 1024 * 1024;
	else
		return -1;
	if (v > SIZE_MAX / mult)
		return -1;
	*bytes = (size_t)(v * mult);
	return 0;
}

int
config_parse_ip(const char *s, struct config_sockaddr *out)
{
	struct config_sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	struct sockaddr_in *sin = (struct sockaddr_in *)&sa.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa.ss;
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sa.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sa.len = sizeof(*sin6);
	} else
		return -1;
	*out = sa;
	return 0;
}

int
config_parse_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port)
{
	const char *h, *hend, *colon;
	unsigned long p;

	if (s[0] == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		colon = hend + 1;
	} else {
		h = s;
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -1;
		hend = colon;
	}
	size_t n = (size_t)(hend - h);
	if (n == 0 || n >= hostlen || memchr(h, '[', n) != NULL ||
	    memchr(h, ']', n) != NULL)
		return -1;
	if (config_parse_uint(colon + 1, 1, 65535, &p) == -1)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int
config_parse_cidr4(const char *s, struct in_addr *addr, unsigned *prefix)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long p;
	struct in_addr a;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	if (config_parse_uint(slash + 1, 0, 32, &p) == -1)
		return -1;
	*addr = a;
	*prefix = (unsigned)p;
	return 0;
}

int
config_valid_name(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    is_digit(c) || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return n >= 1 && n <= 253;
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

int
config_valid_alive(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!is_alnum(s[n]) && s[n] != '_' && s[n] != '-')
			return 0;
	return n >= 1 && n <= 255;
}

/* Length of the run of pattern characters at S (plus '.' when DOT). */
static size_t
pattern_span(const char *s, int dot)
{
	size_t n = 0;

	while (is_alnum(s[n]) || s[n] == '_' || s[n] == '-' || s[n] == '*' ||
	    s[n] == '?' || (dot && s[n] == '.'))
		n++;
	return n;
}

int
config_valid_pattern(const char *s, int full)
{
	size_t alive = pattern_span(s, full), host;

	if (!full)
		return s[alive] == '\0' && alive >= 1 && alive <= 255;
	if (s[alive] != '@')
		return 0;
	host = pattern_span(s + alive + 1, 1);
	return s[alive + 1 + host] == '\0' && alive >= 1 && alive <= 255 &&
	    host >= 1 && host <= 253;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

int
config_split_list(const char *s, char ***items, size_t *n)
{
	char **v = NULL;
	size_t count = 0;

	for (const char *p = s; *p != '\0';) {
		if (is_sep(*p)) {
			p++;
			continue;
		}
		const char *start = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		char **nv = realloc(v, (count + 1) * sizeof(*v));
		if (nv == NULL)
			goto fail;
		v = nv;
		v[count] = strndup(start, (size_t)(p - start));
		if (v[count] == NULL)
			goto fail;
		count++;
	}
	*items = v;
	*n = count;
	return 0;
fail:
	config_free_list(v, count);
	return -1;
}

void
config_free_list(char **items, size_t n)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int
config_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long long a, b;
	const char *end;

	if (read_digits(s, 65535, &a, &end) == -1 || *end != '-' ||
	    read_digits(end + 1, 65535, &b, &end) == -1 || *end != '\0' ||
	    a < 1 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
config_parse_hostnames(const char *s, char ***list, size_t *n, char *whybuf,
    size_t whylen)
{
	char **items;
	size_t count;

	if (config_split_list(s, &items, &count) == -1)
		return config_why(whybuf, whylen, "out of memory");
	if (count == 0)
		return config_why(whybuf, whylen, "empty list");
	for (size_t i = 0; i < count; i++) {
		if (!config_valid_name(items[i])) {
			config_why(whybuf, whylen, "invalid host name \"%s\" (letters,"
			    " digits, '-', '.', '_'; at most 253)", items[i]);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(items[i], items[j]) == 0) {
				config_why(whybuf, whylen, "\"%s\" listed twice",
				    items[i]);
				goto fail;
			}
	}
	*list = items;
	*n = count;
	return 0;
fail:
	config_free_list(items, count);
	return -1;
}

int
config_parse_patterns(const char *s, int full, char ***list, size_t *n,
    char *whybuf, size_t whylen)
{
	char **items, *at;
	size_t count;

	if (config_split_list(s, &items, &count) == -1)
		return config_why(whybuf, whylen, "out of memory");
	if (count == 0)
		return config_why(whybuf, whylen, "empty list");
	for (size_t i = 0; i < count; i++) {
		const char *it = items[i];

		if (config_valid_pattern(it, full))
			continue;
		at = strchr(it, '@');
		if (!full && at != NULL)
			config_why(whybuf, whylen, "\"%s\" holds '@': list local alive"
			    " names, the part before '@'", it);
		else if (!full)
			config_why(whybuf, whylen, "invalid pattern \"%s\" (1 to 255"
			    " letters, digits, '_', '-', '*', '?')", it);
		else if (at == NULL)
			config_why(whybuf, whylen, "\"%s\" has no '@': list full node"
			    " names ALIVE@HOST, such as *@host", it);
		else if (strchr(at + 1, '@') != NULL)
			config_why(whybuf, whylen, "\"%s\" has more than one '@'", it);
		else
			config_why(whybuf, whylen, "invalid pattern \"%s\" (ALIVE@HOST,"
			    " each part letters, digits, '_', '-', '.', '*',"
			    " '?')", it);
		config_free_list(items, count);
		return -1;
	}
	*list = items;
	*n = count;
	return 0;
}

int
config_resolve(const char *host, struct config_sockaddr *sa, char *whybuf,
    size_t whylen)
{
	struct addrinfo hints, *res;
	int rc;

	if (config_parse_ip(host, sa) == 0)
		return 0;
	if (!config_valid_name(host))
		return config_why(whybuf, whylen, "invalid host \"%s\"", host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return config_why(whybuf, whylen, "cannot resolve \"%s\": %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	if (res->ai_addrlen > sizeof(sa->ss)) {
		freeaddrinfo(res);
		return config_why(whybuf, whylen, "cannot resolve \"%s\": address too long",
		    host);
	}
	memset(sa, 0, sizeof(*sa));
	memcpy(&sa->ss, res->ai_addr, res->ai_addrlen);
	sa->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
