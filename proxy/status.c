/* status.c — the status endpoint over evhttp.  See status.h. */
#include "proxy/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "config/config.h"
#include "proxy/gateway.h"
#include "proxy/netutil.h"
#include "proxy/report.h"
#include "proxy/util/log.h"
#include "proxy/util/sockaddr.h"
#include "proxy/util/strbuf.h"

struct status {
	struct gateway *gw;
	struct evhttp *http;
	char *unix_path;		/* removed at stop, or NULL */
	unsigned long served;
};

static const struct route {
	const char *path;
	const char *type;
	int (*build)(struct gateway *gw, struct strbuf *sb);
} routes[] = {
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    report_metrics },
	{ "/status", "application/json", report_status_json },
	{ "/status.txt", "text/plain; charset=utf-8", report_status_text },
};

static void
reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer *b = evbuffer_new();

	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if (b != NULL)
		(void)evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct status *s = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const struct route *r = NULL;
	struct evbuffer *b;
	struct strbuf sb;

	s->served++;
	for (size_t i = 0; path != NULL && i < sizeof(routes) /
	    sizeof(routes[0]); i++)
		if (strcmp(path, routes[i].path) == 0)
			r = &routes[i];
	if (r == NULL) {
		reply_text(req, HTTP_NOTFOUND, "Not Found", "not found: try "
		    "/metrics, /status or /status.txt");
		return;
	}
	sb_init(&sb, STATUS_MAX_REPLY);
	if (r->build(s->gw, &sb) == -1 || sb.buf == NULL) {
		log_warnx("status: %s: reply larger than %u bytes or out of "
		    "memory", r->path, STATUS_MAX_REPLY);
		sb_free(&sb);
		reply_text(req, HTTP_INTERNAL, "Internal Server Error",
		    "reply too large");
		return;
	}
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", r->type);
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	if ((b = evbuffer_new()) == NULL ||
	    evbuffer_add(b, sb.buf, sb.len) == -1) {
		if (b != NULL)
			evbuffer_free(b);
		sb_free(&sb);
		reply_text(req, HTTP_INTERNAL, "Internal Server Error",
		    "out of memory");
		return;
	}
	sb_free(&sb);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Removes a stale unix socket at PATH; anything else there is an error. */
static int
clear_unix(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : (snprintf(err, errlen,
		    "status_listen %s: %s", path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "status_listen %s: exists and is not a "
		    "socket", path);
		return -1;
	}
	if (unlink(path) == -1) {
		snprintf(err, errlen, "status_listen %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
status_start(struct gateway *gw, char *err, size_t errlen)
{
	const struct config_sockaddr *sa = &gw->cfg->status_listen;
	const struct sockaddr *a = (const struct sockaddr *)&sa->ss;
	struct status *s;
	char where[128];
	int fd;

	if (sa->len == 0)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->gw = gw;
	if (a->sa_family == AF_UNIX) {
		const char *path = ((const struct sockaddr_un *)a)->sun_path;
		mode_t old;

		snprintf(where, sizeof(where), "unix:%s", path);
		if (clear_unix(path, err, errlen) == -1)
			goto fail;
		old = umask(0117);	/* the socket is born 0660 */
		fd = net_listen(a, sa->len, 16);
		umask(old);
		if (fd != -1 && (s->unix_path = strdup(path)) == NULL) {
			close(fd);
			(void)unlink(path);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	} else {
		(void)sa_fmt(a, where, sizeof(where));
		fd = net_listen(a, sa->len, 16);
	}
	if (fd == -1) {
		snprintf(err, errlen, "status_listen %s: %s", where,
		    strerror(errno));
		goto fail;
	}
	if ((s->http = evhttp_new(gw->base)) == NULL ||
	    evhttp_accept_socket(s->http, fd) == -1) {
		close(fd);
		snprintf(err, errlen, "status_listen %s: evhttp setup failed",
		    where);
		goto fail;
	}
	evhttp_set_max_headers_size(s->http, STATUS_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, 0);
	evhttp_set_timeout(s->http, STATUS_TIMEOUT_S);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, on_request, s);
	gw->status = s;
	log_info("listening status on %s", where);
	return 0;
fail:
	status_free(s);
	return -1;
}

void
status_free(struct status *s)
{
	if (s == NULL)
		return;
	if (s->http != NULL)
		evhttp_free(s->http);	/* closes the bound socket */
	if (s->unix_path != NULL) {
		(void)unlink(s->unix_path);
		free(s->unix_path);
	}
	free(s);
}
