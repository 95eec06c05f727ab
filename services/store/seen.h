/*
 * The seen-heartbeats store (node.md §10.3): verified heartbeat wires keyed
 * by (operator_spk_hex, endpoint), in their own sqlite file
 * (DMP_HEARTBEAT_DB_PATH) with the reference's schema, so an existing
 * dmp_heartbeats.db opens in place. Served over IPC to the https-frontend
 * (heartbeats POSTed to us, the seen listings) and to the heartbeat service
 * (our own heartbeat, gossip it received). Every wire is verified again here:
 * the store trusts no sender with what it keeps.
 *
 * Beyond the reference: rows older than DMP_HEARTBEAT_RETENTION_HOURS (by
 * received_at) and expired rows are swept on a timer (the reference never
 * schedules its sweep, node.md §17.16), and the row cap is enforced on every
 * accept.
 */
#ifndef DM_STORE_SEEN_H
#define DM_STORE_SEEN_H

#include <stdint.h>
#include <uv.h>

#include "common/node/config.h"
#include "common/node/ipc.h"

#define SEEN_LIST_MAX	     500 /* rows per SeenList reply (node.md §10.4) */
#define SEEN_SWEEP_EVERY_MS  60000
#define SEEN_REMOTE_ADDR_MAX 300

/* Opens the file when heartbeats are enabled and starts the sweep timer. */
void seen_start(uv_loop_t *loop, const struct dm_config *cfg);
/* Stops the timer and closes the file. */
void seen_close(void);

/* Handlers for the store's rule table. */
void seen_on_put(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void seen_on_list(struct dm_ipc_conn *conn, const Dm__Envelope *msg);

/* One sweep at `now` (s): expired rows, rows past retention, the row cap.
 * Returns rows deleted or < 0. Exposed for tests. */
int seen_sweep(int64_t now);

#endif
