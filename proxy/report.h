/*
 * report.h — what the status endpoint (status.h) serves, written from
 * the running gateway into a strbuf: the metrics in the Prometheus text
 * format, the status as JSON, and the same status as a table for people
 * (what `distgate status` prints).
 *
 * Each walks the gateway's connection list (conn_foreach) and reads the
 * counters kept where events happen (gateway.h, peer.h); none changes
 * anything.  Each returns 0, or -1 when the text did not fit SB's bound
 * (or memory ran out).
 */
#ifndef DISTGATE_REPORT_H
#define DISTGATE_REPORT_H

struct gateway;
struct strbuf;

int report_metrics(struct gateway *gw, struct strbuf *sb);
int report_status_json(struct gateway *gw, struct strbuf *sb);
int report_status_text(struct gateway *gw, struct strbuf *sb);

#endif
