/*
 * The record store's sqlite file (node.md §3): the reference's schema and
 * migrations, so an existing reference dmp.db can be opened in place.
 * WAL mode; synchronous=FULL by default, so a committed transaction survives
 * power loss, not just a crash of this process.
 */
#ifndef DM_STORE_DB_H
#define DM_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_db;

struct store_row {
	const char *name;
	size_t name_len;
	const uint8_t *value; /* borrowed: valid only during the callback */
	size_t value_len;
	uint32_t ttl;
	int64_t expires_at; /* s */
	int64_t stored_ms;
};

/* Called once per row; return non-zero to stop early. */
typedef int (*store_row_fn)(const struct store_row *row, void *arg);

/* Opens (creating, migrating) the file; NULL with a reason in `err`. */
struct store_db *store_db_open(const char *path, bool sync_full, char *err, size_t errlen);
void store_db_close(struct store_db *db);
/* The open sqlite handle, for the store's other tables (sync.c). */
struct sqlite3 *store_db_handle(struct store_db *db);

int store_db_begin(struct store_db *db);
int store_db_commit(struct store_db *db);
void store_db_rollback(struct store_db *db);

/* Upsert (name, value): DM_ETOOBIG if new and the name already holds
 * `max_values` live values (0 = no cap). Sets *ret_created. */
int store_db_put(struct store_db *db, const char *name, const uint8_t *value, size_t value_len,
		 uint32_t ttl, int64_t now_ms, uint32_t max_values, bool *ret_created);
/* Deletes one value (or all values when `value` is NULL); *ret_deleted rows. */
int store_db_delete(struct store_db *db, const char *name, const uint8_t *value, size_t value_len,
		    unsigned *ret_deleted);
/* Live values at `name`, oldest first. Returns the number of rows or < 0. */
int store_db_get(struct store_db *db, const char *name, bool fold_case, int64_t now_s,
		 store_row_fn fn, void *arg);
/* Every live row. */
int store_db_scan(struct store_db *db, int64_t now_s, store_row_fn fn, void *arg);
/* Deletes rows with expires_at <= now_s, reporting each. Returns count or < 0. */
int store_db_expire(struct store_db *db, int64_t now_s, store_row_fn fn, void *arg);
/* Live values and distinct live names. */
int store_db_count(struct store_db *db, int64_t now_s, uint64_t *ret_records, uint64_t *ret_names);

#endif
