/*
 * sockaddr.h — the one set of address helpers: ports, loopback, wildcard,
 * comparison and formatting of IPv4 and IPv6 socket addresses.
 *
 * Pure: no socket is opened or read.  Every function takes any
 * struct sockaddr; families other than AF_INET and AF_INET6 are "not
 * loopback", "not wildcard", port 0, and format as "-".
 */
#ifndef DISTGATE_SOCKADDR_H
#define DISTGATE_SOCKADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Returns the port of SA in host order, 0 for other families. */
uint16_t sa_port(const struct sockaddr *sa);

/* Sets the port (host order) of an AF_INET or AF_INET6 address; other
 * families are left alone. */
void sa_set_port(struct sockaddr *sa, uint16_t port);

/* Returns 1 if SA is 127.0.0.0/8, ::1 or v4-mapped 127.0.0.0/8. */
int sa_is_loopback(const struct sockaddr *sa);

/* Returns 1 if SA is 0.0.0.0 or ::. */
int sa_is_wildcard(const struct sockaddr *sa);

/* Returns 1 if A and B have the same family and address (not port). */
int sa_same_addr(const struct sockaddr *a, const struct sockaddr *b);

/* Formats SA as "1.2.3.4:5" or "[::1]:5" into BUF.  Returns BUF. */
char *sa_fmt(const struct sockaddr *sa, char *buf, size_t len);

/* Formats only the address of SA ("1.2.3.4", "::1").  Returns BUF. */
char *sa_fmt_ip(const struct sockaddr *sa, char *buf, size_t len);

#endif
