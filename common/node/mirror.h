/*
 * A DNS table kept equal to the store's live records through its change
 * feed. The dns-frontend answers from it; the https-frontend's DoH endpoint
 * too, so both serve the same data with the same logic.
 *
 * It rides on the service's own store connection: call dm_mirror_subscribe()
 * from the client's on_up, dm_mirror_lost() from on_down, and
 * dm_mirror_apply() from the RecordBatch rule handler. Each (re)connection
 * loads a snapshot into a NEW table that is swapped in whole at SnapshotEnd,
 * so the old data keeps answering meanwhile: a store restart never blanks
 * DNS, and while the store is down the last data set is served (values still
 * expire on time).
 */
#ifndef DM_NODE_MIRROR_H
#define DM_NODE_MIRROR_H

#include <stdint.h>
#include <uv.h>

#include "common/dns/table.h"
#include "common/node/ipc.h"

#define DM_MIRROR_SUBSCRIBE_MS 120000

struct dm_mirror;
typedef void (*dm_mirror_fn)(struct dm_mirror *m, void *arg);

struct dm_mirror {
	struct dm_dns_table *table;    /* what is served; NULL until the first snapshot */
	struct dm_dns_table *building; /* filled from a snapshot, swapped in at SnapshotEnd */
	uv_timer_t purge;	       /* drops expired values */
	dm_mirror_fn on_loaded;	       /* after every swap (may be NULL) */
	void *arg;
	const char *what; /* for log lines: "DNS", "DoH" */
	uint64_t snapshots, upserts, deletes, rejected;
};

/* Starts the purge timer (every `purge_s` seconds). */
void dm_mirror_init(struct dm_mirror *m, uv_loop_t *loop, uint32_t purge_s, const char *what);
/* Frees both tables; closes the timer. */
void dm_mirror_done(struct dm_mirror *m);
/* Subscribes on a fresh connection; a failure closes `conn` (the client reconnects). */
void dm_mirror_subscribe(struct dm_mirror *m, struct dm_ipc_conn *conn);
/* The connection dropped: abandon a half-loaded snapshot, keep serving. */
void dm_mirror_lost(struct dm_mirror *m);
/* Applies one RecordBatch from the store. */
void dm_mirror_apply(struct dm_mirror *m, const Dm__RecordBatch *b);
/* Wall-clock seconds, the unit of record expiries (coarse clock: cheap). */
uint64_t dm_mirror_now(void);

#endif
