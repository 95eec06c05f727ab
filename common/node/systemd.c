#include "common/node/systemd.h"

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static char **listen_names;
static int listen_count = -1;

int dm_listen_fd(const char *name)
{
	if (listen_count < 0) {
		listen_count = sd_listen_fds_with_names(1, &listen_names);
		if (listen_count < 0)
			listen_count = 0;
	}
	for (int i = 0; i < listen_count && listen_names != NULL; i++)
		if (listen_names[i] != NULL && strcmp(listen_names[i], name) == 0)
			return SD_LISTEN_FDS_START + i;
	return -1;
}

void dm_notify_ready(const char *status)
{
	if (status != NULL)
		(void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	else
		(void)sd_notify(0, "READY=1");
}

void dm_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

static void watchdog_ping(uv_timer_t *t)
{
	(void)t;
	(void)sd_notify(0, "WATCHDOG=1");
}

void dm_watchdog_start(uv_loop_t *loop, uv_timer_t *timer)
{
	uint64_t usec = 0;
	uv_timer_init(loop, timer);
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	uint64_t ms = usec / 2000;
	if (ms == 0)
		ms = 1;
	uv_timer_start(timer, watchdog_ping, 0, ms);
	/* A watchdog timer alone must not keep the loop alive at shutdown. */
	uv_unref((uv_handle_t *)timer);
}
