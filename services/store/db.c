#include "services/store/db.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/err.h"

enum {
	ST_PUT_EXISTS,
	ST_PUT_COUNT,
	ST_PUT_UPSERT,
	ST_DEL_ONE,
	ST_DEL_ALL,
	ST_GET,
	ST_GET_NOCASE,
	ST_SCAN,
	ST_EXPIRE,
	ST_COUNT,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MAX
};

static const char *const statements[ST_MAX] = {
    [ST_PUT_EXISTS] = "SELECT 1 FROM records WHERE name = ?1 AND value = ?2",
    [ST_PUT_COUNT] = "SELECT count(*) FROM records WHERE name = ?1 AND expires_at > ?2",
    [ST_PUT_UPSERT] = "INSERT OR REPLACE INTO records "
		      "(name, value, ttl, created_at, expires_at, stored_ts, value_hash) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_DEL_ONE] = "DELETE FROM records WHERE name = ?1 AND value = ?2",
    [ST_DEL_ALL] = "DELETE FROM records WHERE name = ?1",
    [ST_GET] = "SELECT name, value, ttl, expires_at, stored_ts FROM records "
	       "WHERE name = ?1 AND expires_at > ?2 ORDER BY created_at, rowid",
    [ST_GET_NOCASE] = "SELECT name, value, ttl, expires_at, stored_ts FROM records "
		      "WHERE name = ?1 COLLATE NOCASE AND expires_at > ?2 "
		      "ORDER BY created_at, rowid",
    [ST_SCAN] = "SELECT name, value, ttl, expires_at, stored_ts FROM records "
		"WHERE expires_at > ?1 ORDER BY name, created_at, rowid",
    [ST_EXPIRE] = "DELETE FROM records WHERE expires_at <= ?1 "
		  "RETURNING name, value, ttl, expires_at, stored_ts",
    [ST_COUNT] = "SELECT count(*), count(DISTINCT name) FROM records WHERE expires_at > ?1",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

/* The reference's schema (node.md §3.1) plus a case-folded name index. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS records ("
    " name TEXT NOT NULL, value TEXT NOT NULL, ttl INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " stored_ts INTEGER NOT NULL DEFAULT 0, value_hash TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (name, value));"
    "CREATE INDEX IF NOT EXISTS idx_records_name ON records(name);"
    "CREATE INDEX IF NOT EXISTS idx_records_expires ON records(expires_at);";

static const char schema_late[] =
    "CREATE INDEX IF NOT EXISTS idx_records_stored_ts ON records(stored_ts);"
    "CREATE INDEX IF NOT EXISTS idx_records_sync ON records(stored_ts, name, value_hash);"
    "CREATE INDEX IF NOT EXISTS idx_records_name_nocase ON records(name COLLATE NOCASE);";

struct store_db {
	sqlite3 *h;
	sqlite3_stmt *st[ST_MAX];
};

static int column_exists(sqlite3 *h, const char *col)
{
	sqlite3_stmt *s;
	int found = 0;
	if (sqlite3_prepare_v2(h, "PRAGMA table_info(records)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(s, 1), col) == 0)
			found = 1;
	sqlite3_finalize(s);
	return found;
}

static void sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	uint8_t h[32];
	crypto_hash_sha256(h, p, len);
	dm_hex_encode(h, sizeof(h), out);
}

/* Migrations of node.md §3.1, for databases written by older references. */
static int migrate(sqlite3 *h, char *err, size_t errlen)
{
	char *msg = NULL;
	int has_stored = column_exists(h, "stored_ts");
	int has_hash = column_exists(h, "value_hash");
	if (has_stored < 0 || has_hash < 0)
		goto fail;
	if (!has_stored &&
	    sqlite3_exec(h,
			 "ALTER TABLE records ADD COLUMN stored_ts INTEGER NOT NULL DEFAULT 0;"
			 "UPDATE records SET stored_ts = created_at * 1000;",
			 NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(h,
			 "UPDATE records SET stored_ts = stored_ts * 1000 "
			 "WHERE stored_ts > 0 AND stored_ts < 1000000000000;",
			 NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (!has_hash) {
		if (sqlite3_exec(h,
				 "ALTER TABLE records ADD COLUMN value_hash TEXT NOT NULL "
				 "DEFAULT ''",
				 NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
	}
	/* Backfill any missing hash (new column, or rows written by hand). */
	sqlite3_stmt *sel, *upd;
	if (sqlite3_prepare_v2(h, "SELECT rowid, value FROM records WHERE value_hash = ''", -1,
			       &sel, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(h, "UPDATE records SET value_hash = ?1 WHERE rowid = ?2", -1, &upd,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		goto fail;
	}
	while (sqlite3_step(sel) == SQLITE_ROW) {
		char hex[65];
		sha256_hex(sqlite3_column_blob(sel, 1), (size_t)sqlite3_column_bytes(sel, 1), hex);
		sqlite3_bind_text(upd, 1, hex, 64, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		(void)sqlite3_step(upd);
		sqlite3_reset(upd);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (sqlite3_exec(h, schema_late, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "migrating the schema: %s", msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	return -1;
}

struct store_db *store_db_open(const char *path, bool sync_full, char *err, size_t errlen)
{
	struct store_db *db = calloc(1, sizeof(*db));
	char *msg = NULL;
	if (db == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int r = sqlite3_open_v2(
	    path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 5000);
	const char *pragmas = sync_full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
					: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
	if (sqlite3_exec(db->h, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		goto fail;
	}
	if (migrate(db->h, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < ST_MAX; i++) {
		if (sqlite3_prepare_v3(db->h, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &db->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "preparing statement %d: %s", i,
				 sqlite3_errmsg(db->h));
			goto fail;
		}
	}
	return db;
fail:
	store_db_close(db);
	return NULL;
}

void store_db_close(struct store_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->h);
	free(db);
}

struct sqlite3 *store_db_handle(struct store_db *db)
{
	return db->h;
}

static int step_done(struct store_db *db, int idx)
{
	sqlite3_stmt *s = db->st[idx];
	int r = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (r == SQLITE_DONE || r == SQLITE_ROW) ? 0 : -EIO;
}

int store_db_begin(struct store_db *db)
{
	return step_done(db, ST_BEGIN);
}

int store_db_commit(struct store_db *db)
{
	return step_done(db, ST_COMMIT);
}

void store_db_rollback(struct store_db *db)
{
	(void)step_done(db, ST_ROLLBACK);
}

int store_db_put(struct store_db *db, const char *name, const uint8_t *value, size_t value_len,
		 uint32_t ttl, int64_t now_ms, uint32_t max_values, bool *ret_created)
{
	int64_t now_s = now_ms / 1000;
	sqlite3_stmt *s = db->st[ST_PUT_EXISTS];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, (const char *)value, (int)value_len, SQLITE_STATIC);
	int r = sqlite3_step(s);
	bool exists = r == SQLITE_ROW;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -EIO;
	if (!exists && max_values > 0) {
		s = db->st[ST_PUT_COUNT];
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now_s);
		r = sqlite3_step(s);
		int64_t count = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (count < 0)
			return -EIO;
		if (count >= max_values)
			return DM_ETOOBIG;
	}
	char hex[65];
	sha256_hex(value, value_len, hex);
	s = db->st[ST_PUT_UPSERT];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, (const char *)value, (int)value_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, ttl);
	sqlite3_bind_int64(s, 4, now_s);
	sqlite3_bind_int64(s, 5, now_s + ttl);
	sqlite3_bind_int64(s, 6, now_ms);
	sqlite3_bind_text(s, 7, hex, 64, SQLITE_STATIC);
	r = step_done(db, ST_PUT_UPSERT);
	if (r < 0)
		return r;
	*ret_created = !exists;
	return 0;
}

int store_db_delete(struct store_db *db, const char *name, const uint8_t *value, size_t value_len,
		    unsigned *ret_deleted)
{
	int idx = value != NULL ? ST_DEL_ONE : ST_DEL_ALL;
	sqlite3_stmt *s = db->st[idx];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(s, 2, (const char *)value, (int)value_len, SQLITE_STATIC);
	int r = step_done(db, idx);
	if (r < 0)
		return r;
	*ret_deleted = (unsigned)sqlite3_changes(db->h);
	return 0;
}

static int rows(sqlite3_stmt *s, store_row_fn fn, void *arg)
{
	int n = 0, r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_row row = {
		    .name = (const char *)sqlite3_column_text(s, 0),
		    .name_len = (size_t)sqlite3_column_bytes(s, 0),
		    .value = sqlite3_column_blob(s, 1),
		    .value_len = (size_t)sqlite3_column_bytes(s, 1),
		    .ttl = (uint32_t)sqlite3_column_int64(s, 2),
		    .expires_at = sqlite3_column_int64(s, 3),
		    .stored_ms = sqlite3_column_int64(s, 4),
		};
		if (row.value == NULL)
			row.value = (const uint8_t *)"";
		n++;
		if (fn != NULL && fn(&row, arg) != 0)
			break;
	}
	bool ok = r == SQLITE_ROW || r == SQLITE_DONE;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ok ? n : -EIO;
}

int store_db_get(struct store_db *db, const char *name, bool fold_case, int64_t now_s,
		 store_row_fn fn, void *arg)
{
	sqlite3_stmt *s = db->st[fold_case ? ST_GET_NOCASE : ST_GET];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_s);
	return rows(s, fn, arg);
}

int store_db_scan(struct store_db *db, int64_t now_s, store_row_fn fn, void *arg)
{
	sqlite3_stmt *s = db->st[ST_SCAN];
	sqlite3_bind_int64(s, 1, now_s);
	return rows(s, fn, arg);
}

int store_db_expire(struct store_db *db, int64_t now_s, store_row_fn fn, void *arg)
{
	sqlite3_stmt *s = db->st[ST_EXPIRE];
	sqlite3_bind_int64(s, 1, now_s);
	return rows(s, fn, arg);
}

int store_db_count(struct store_db *db, int64_t now_s, uint64_t *ret_records, uint64_t *ret_names)
{
	sqlite3_stmt *s = db->st[ST_COUNT];
	sqlite3_bind_int64(s, 1, now_s);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*ret_records = (uint64_t)sqlite3_column_int64(s, 0);
		*ret_names = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r == SQLITE_ROW ? 0 : -EIO;
}
