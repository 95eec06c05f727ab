/*
 * The systemd service protocol, used the same way under systemd and under
 * dnsmeshd (which sets LISTEN_FDS/LISTEN_FDNAMES and NOTIFY_SOCKET for its
 * children exactly as systemd does, so each service has one code path).
 */
#ifndef DM_NODE_SYSTEMD_H
#define DM_NODE_SYSTEMD_H

#include <uv.h>

/* The inherited socket named `name` (LISTEN_FDNAMES), or -1. The first call
 * consumes the LISTEN_* variables; later calls use the saved list. */
int dm_listen_fd(const char *name);

/* READY=1 / STOPPING=1 / STATUS=... to NOTIFY_SOCKET, if set. */
void dm_notify_ready(const char *status);
void dm_notify_stopping(void);

/* If WATCHDOG_USEC is set for us, pings WATCHDOG=1 from `loop` every half
 * period: a loop that hangs stops pinging and gets noticed. */
void dm_watchdog_start(uv_loop_t *loop, uv_timer_t *timer);

#endif
