/*
 * The store service: serves the record store over IPC. Writes are queued
 * while the event loop reads and committed together at the end of the loop
 * iteration (group commit); each writer is answered only after COMMIT
 * returned, and subscribers get the committed changes right after.
 */
#ifndef DM_STORE_STORE_H
#define DM_STORE_STORE_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "common/node/config.h"
#include "common/node/ipc.h"
#include "services/store/db.h"

struct store_op;
struct store_sync;

struct store {
	uv_loop_t *loop;
	const struct dm_config *cfg;
	struct store_db *db;
	struct store_sync *sync; /* tombstones and the sync summary (sync.c) */
	struct dm_ipc_server server;
	uv_check_t flush;
	uv_timer_t cleanup;
	struct store_op *queue;
	struct store_op **queue_tail;
	uid_t role_uid[8]; /* per Dm__Role; (uid_t)-1 = not a separate user */
	uint64_t puts, commits;
};

/* Starts serving on the inherited "store" socket or <run_dir>/store.sock. */
int store_start(struct store *st, uv_loop_t *loop, const struct dm_config *cfg,
		struct store_db *db);
/* Commits what is queued, closes every connection and timer. */
void store_stop(struct store *st);

#endif
