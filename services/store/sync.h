/*
 * The store's side of anti-entropy (node.md §9, docs/SYNC.md): the digest,
 * pull and summary queries, the worker's diff, and tombstones.
 *
 * Tombstones: a delete leaves (name, value_hash, deleted_ms, expires_at =
 * the deleted value's expiry) in the `tombstones` table, written in the
 * same transaction. Until it expires, a put of that pair by the sync
 * service is refused (DM_EMISMATCH), so a peer that still holds the value
 * cannot bring it back; a put by anyone else (a user publishing it again)
 * clears the tombstone.
 *
 * Summary: the count and XOR of dm_sync_pair_hash() over the rows of each
 * table, kept up to date by every write here, so answering it costs two
 * index lookups plus the rows that expired since the last sweep.
 */
#ifndef DM_STORE_SYNC_H
#define DM_STORE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/dmp/sync.h"
#include "common/node/ipc.h"
#include "services/store/db.h"

struct store_sync;

/* Creates the tombstone table, prepares statements, computes the summary. */
struct store_sync *store_sync_open(struct store_db *db, char *err, size_t errlen);
void store_sync_close(struct store_sync *ss);

/*
 * store_db_put() with the tombstone rules: `role` SYNC is refused with
 * DM_EMISMATCH while a live tombstone holds the pair; any other role clears
 * it. Inside the caller's transaction.
 */
int store_sync_put(struct store_sync *ss, Dm__Role role, const char *name, const uint8_t *value,
		   size_t value_len, uint32_t ttl, int64_t now_ms, uint32_t max_values,
		   bool *ret_created);

/* store_db_delete() that leaves a tombstone for every live value it removes. */
int store_sync_delete(struct store_sync *ss, const char *name, const uint8_t *value,
		      size_t value_len, int64_t now_ms, unsigned *ret_deleted);

/*
 * A peer's tombstone: deletes the value with `hash` at `name` unless it was
 * stored after `deleted_ms`, and keeps the tombstone until `expires_at`.
 * When a value was removed, *ret_value (caller frees) holds it for the
 * change feed. Inside the caller's transaction.
 */
int store_sync_tombstone(struct store_sync *ss, const char *name, const char *hash,
			 int64_t deleted_ms, int64_t expires_at, int64_t now_ms,
			 unsigned *ret_deleted, bool *ret_recorded, uint8_t **ret_value,
			 size_t *ret_value_len);

/* The expiry sweep: a value row about to be removed (store_db_expire's callback). */
void store_sync_forget_row(struct store_sync *ss, const struct store_row *row);
/* Drops expired tombstones; inside the caller's transaction. */
int store_sync_expire(struct store_sync *ss, int64_t now_s);

/* Recomputes the summary from the tables (after a rolled-back transaction). */
void store_sync_recount(struct store_sync *ss);

/* IPC handlers (read-only queries; writes go through the store's queue). */
void store_sync_on_digest(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			  int64_t now_ms);
void store_sync_on_pull(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			int64_t now_ms);
void store_sync_on_summary(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			   int64_t now_ms);
void store_sync_on_compare(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			   int64_t now_ms);

#endif
