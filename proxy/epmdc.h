/*
 * epmdc.h — an asynchronous EPMD client, for hosts without distgate (native
 * TLS nodes' epmd, or an internal host's epmd behind a bastion): a conn
 * (conn.h) of kind CONN_KIND_EPMDC.
 *
 * One request per connection, as epmd wants: PORT_PLEASE2 or NAMES, then
 * the reply until the server closes.  Bounded in time and size.
 */
#ifndef DISTGATE_EPMDC_H
#define DISTGATE_EPMDC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct gateway;
struct epmdc;

/*
 * PORT_PLEASE2 result: PORT 0 when not found or on failure (REASON says
 * which); else the node's port, type and versions.  NAMES result: TEXT
 * is the reply after its 4-byte header (lines "name N at port P\n"),
 * LEN its length.  Called once, never from inside epmdc_*().
 */
typedef void epmdc_cb(void *arg, uint16_t port, uint8_t node_type,
    uint16_t high, uint16_t low, const char *text, size_t len,
    const char *reason);

/* Asks the EPMD at SA for NAME (alive part).  Returns a handle for
 * epmdc_cancel(), or NULL (CB will not fire). */
struct epmdc *epmdc_port_please(struct gateway *gw,
    const struct sockaddr *sa, socklen_t len, const char *name,
    unsigned timeout_ms, epmdc_cb *cb, void *arg);

/* Asks the EPMD at SA for its NAMES list. */
struct epmdc *epmdc_names(struct gateway *gw, const struct sockaddr *sa,
    socklen_t len, unsigned timeout_ms, epmdc_cb *cb, void *arg);

/* Drops a pending request: CB will not fire. */
void epmdc_cancel(struct epmdc *q);

#endif
