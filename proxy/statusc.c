/* statusc.c — the status endpoint's command-line client.  See statusc.h. */
#include "proxy/statusc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/config.h"
#include "proxy/netutil.h"
#include "proxy/util/clock.h"
#include "proxy/util/sockaddr.h"

int
statusc_parse(const char *buf, size_t len, int *code, size_t *body)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	int c;

	if (end == NULL || len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    buf[8] != ' ')
		return -1;
	c = 0;
	for (size_t i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		c = c * 10 + (buf[i] - '0');
	}
	*code = c;
	*body = (size_t)(end - buf) + 4;
	return 0;
}

/* Waits until FD is ready for EVENTS or DEADLINE (clock_ms) passes.
 * Returns 0, or -1 (errno ETIMEDOUT on time). */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now;
	int r;

	for (;;) {
		now = clock_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

/* Sends REQ and reads the whole reply into *OUT (malloc'd; *LEN). */
static int
exchange(int fd, const char *req, uint64_t deadline, char **out, size_t *len)
{
	size_t off = 0, n = strlen(req), cap = 0;
	char *buf = NULL;

	while (off < n) {
		ssize_t w;

		if (wait_fd(fd, POLLOUT, deadline) == -1)
			return -1;
		if ((w = send(fd, req + off, n - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	*len = 0;
	for (;;) {
		ssize_t r;

		if (*len + 4096 + 1 > cap) {
			char *p;

			if (cap >= STATUSC_MAX_REPLY) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = p;
		}
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			free(buf);
			return -1;
		}
		r = recv(fd, buf + *len, cap - *len - 1, 0);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		*len += (size_t)r;
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

int
statusc_get(const struct config *cfg, const char *path, FILE *out,
    char *err, size_t errlen)
{
	const struct sockaddr *a =
	    (const struct sockaddr *)&cfg->status_listen.ss;
	uint64_t deadline = clock_ms() + STATUSC_TIMEOUT_MS;
	char where[128], req[256], *buf = NULL;
	size_t len = 0, body;
	int fd, code, cerr;

	if (cfg->status_listen.len == 0) {
		snprintf(err, errlen, "%s: status_listen is not set: the "
		    "status endpoint is off", cfg->path);
		return -1;
	}
	if (a->sa_family == AF_UNIX)
		snprintf(where, sizeof(where), "unix:%s",
		    ((const struct sockaddr_un *)a)->sun_path);
	else
		(void)sa_fmt(a, where, sizeof(where));
	if ((fd = net_connect(a, cfg->status_listen.len)) == -1 ||
	    wait_fd(fd, POLLOUT, deadline) == -1)
		cerr = errno;
	else
		cerr = net_connect_result(fd);
	if (cerr != 0) {
		snprintf(err, errlen, "status endpoint %s: %s (is distgate "
		    "running?)", where, strerror(cerr));
		if (fd != -1)
			close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n"
	    "Connection: close\r\n\r\n", path);
	if (exchange(fd, req, deadline, &buf, &len) == -1) {
		snprintf(err, errlen, "status endpoint %s: %s", where,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (statusc_parse(buf, len, &code, &body) == -1 || code != 200) {
		snprintf(err, errlen, "status endpoint %s: %s", where,
		    statusc_parse(buf, len, &code, &body) == -1 ?
		    "not an HTTP reply" : "did not answer 200");
		free(buf);
		return -1;
	}
	(void)fwrite(buf + body, 1, len - body, out);
	free(buf);
	return 0;
}
