/* netutil.c — see netutil.h. */
#include "proxy/netutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
net_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

int
net_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
net_listen(const struct sockaddr *sa, socklen_t len, int backlog)
{
	int fd, one = 1, saved;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1)
		goto fail;
	if (bind(fd, sa, len) == -1 || listen(fd, backlog) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
net_connect(const struct sockaddr *sa, socklen_t len)
{
	int fd, saved;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	(void)net_nodelay(fd);
	if (connect(fd, sa, len) == -1 && errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
net_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return errno;
	return err;
}

int
net_dead_peer(int fd, unsigned timeout_ms)
{
	int on = 1, idle, intvl, cnt, user;

	if (timeout_ms == 0)
		return 0;
	idle = (int)(timeout_ms / 2000);
	intvl = (int)(timeout_ms / 8000);
	if (idle < 1)
		idle = 1;
	if (intvl < 1)
		intvl = 1;
	/* Probes at idle, idle + intvl, ...: enough of them to reach the
	 * timeout (the user timeout closes at it anyway). */
	cnt = ((int)(timeout_ms / 1000) - idle + intvl - 1) / intvl;
	if (cnt < 1)
		cnt = 1;
	user = (int)timeout_ms;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ==
	    -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) ==
	    -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user,
	    sizeof(user)) == -1)
		return -1;
	return 0;
}

/*
 * The kernel prints each 32-bit word of the address as it lies in memory,
 * in host order; reading the words back with strtoul and copying them
 * into place restores the address.
 */
static int
proc_addr_is_loopback(const char *hex, int v6)
{
	char word[9];
	uint32_t w[4];
	int n = v6 ? 4 : 1;

	if (strlen(hex) != (size_t)n * 8)
		return 0;
	for (int i = 0; i < n; i++) {
		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		w[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	uint8_t b[16];
	memcpy(b, w, (size_t)n * 4);
	if (!v6)
		return b[0] == 127;
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (memcmp(b, lo6, 16) == 0)
		return 1;
	return memcmp(b, mapped, 12) == 0 && b[12] == 127;
}

/* Scans one /proc/net/tcp{,6} file; see net_port_exposed(). */
static int
scan_proc(const char *path, uint16_t port, int v6, int *found)
{
	char line[512], addr[64];
	unsigned lport, st;
	int exposed = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {	/* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
		    addr, &lport, &st) != 3)
			continue;
		if (lport != port || st != 0x0A)	/* TCP_LISTEN */
			continue;
		*found = 1;
		if (!proc_addr_is_loopback(addr, v6))
			exposed = 1;
	}
	fclose(f);
	return exposed;
}

int
net_port_exposed(uint16_t port, const char *root)
{
	char p4[256], p6[256];
	int found = 0, e4, e6;

	/* /proc/self/net is /proc/net, and is still there when procfs is
	 * mounted with subset=pid (systemd's ProcSubset=pid). */
	if (root == NULL)
		root = "/proc/self";
	snprintf(p4, sizeof(p4), "%s/net/tcp", root);
	snprintf(p6, sizeof(p6), "%s/net/tcp6", root);
	e4 = scan_proc(p4, port, 0, &found);
	e6 = scan_proc(p6, port, 1, &found);
	if (!found)
		return -1;
	return e4 == 1 || e6 == 1;
}
