/* notify.c — see notify.h. */
#include "proxy/notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "proxy/util/log.h"

#define STATUS_MAX	256

/* The last STATUS= sent, so an unchanged summary is not sent again. */
static char last_status[STATUS_MAX];

static void
send_state(const char *state)
{
	int r;

	if ((r = sd_notify(0, state)) < 0)
		log_debug("sd_notify %.40s: %s", state, strerror(-r));
}

void
notify_ready(void)
{
	send_state("READY=1");
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[80];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		send_state("RELOADING=1");
		return;
	}
	(void)snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	send_state(msg);
}

void
notify_stopping(void)
{
	send_state("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	char text[STATUS_MAX], msg[STATUS_MAX + 8];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (strcmp(text, last_status) == 0)
		return;
	memcpy(last_status, text, sizeof(last_status));
	(void)snprintf(msg, sizeof(msg), "STATUS=%s", text);
	send_state(msg);
}
