#include "services/store/sync.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/err.h"
#include "common/node/log.h"

/* Pull replies stop adding names this far below the frame cap. */
#define PULL_REPLY_BUDGET (DM_FRAME_MAX - 16 * 1024)
#define COMPARE_MAX	  (DM_SYNC_DIGEST_LIMIT_MAX)

enum {
	S_DIGEST_REC,
	S_DIGEST_TOMB,
	S_PULL,
	S_PAIR,
	S_TOMB_GET,
	S_TOMB_INSERT,
	S_TOMB_UPDATE,
	S_TOMB_DELETE,
	S_TOMB_EXPIRE,
	S_DEL_ONE,
	S_DEL_ALL,
	S_DEL_PAIR,
	S_EXPIRED_REC,
	S_EXPIRED_TOMB,
	S_MAX_REC,
	S_MAX_TOMB,
	S_MAX
};

/* Row values compare bytewise (BINARY collation) and walk the sync indexes. */
static const char *const sql[S_MAX] = {
    [S_DIGEST_REC] = "SELECT stored_ts, name, value_hash, expires_at, 0 FROM records "
		     "WHERE (stored_ts, name, value_hash) > (?1, ?2, ?3) AND expires_at > ?4 "
		     "ORDER BY stored_ts, name, value_hash LIMIT ?5",
    [S_DIGEST_TOMB] = "SELECT stored_ts, name, value_hash, expires_at, deleted_ms FROM "
		      "tombstones WHERE (stored_ts, name, value_hash) > (?1, ?2, ?3) AND "
		      "expires_at > ?4 ORDER BY stored_ts, name, value_hash LIMIT ?5",
    [S_PULL] = "SELECT name, value, expires_at, stored_ts, value_hash FROM records "
	       "WHERE name = ?1 AND expires_at > ?2 ORDER BY stored_ts, value_hash",
    [S_PAIR] = "SELECT stored_ts, expires_at, value FROM records "
	       "WHERE name = ?1 AND value_hash = ?2",
    [S_TOMB_GET] = "SELECT expires_at FROM tombstones WHERE name = ?1 AND value_hash = ?2",
    [S_TOMB_INSERT] = "INSERT INTO tombstones (name, value_hash, deleted_ms, stored_ts, "
		      "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_TOMB_UPDATE] = "UPDATE tombstones SET deleted_ms = ?3, stored_ts = ?4, expires_at = ?5 "
		      "WHERE name = ?1 AND value_hash = ?2",
    [S_TOMB_DELETE] = "DELETE FROM tombstones WHERE name = ?1 AND value_hash = ?2",
    [S_TOMB_EXPIRE] = "DELETE FROM tombstones WHERE expires_at <= ?1 "
		      "RETURNING name, value_hash",
    [S_DEL_ONE] = "DELETE FROM records WHERE name = ?1 AND value = ?2 "
		  "RETURNING value_hash, expires_at",
    [S_DEL_ALL] = "DELETE FROM records WHERE name = ?1 RETURNING value_hash, expires_at",
    [S_DEL_PAIR] = "DELETE FROM records WHERE name = ?1 AND value_hash = ?2",
    [S_EXPIRED_REC] = "SELECT name, value_hash FROM records WHERE expires_at <= ?1",
    [S_EXPIRED_TOMB] = "SELECT name, value_hash FROM tombstones WHERE expires_at <= ?1",
    [S_MAX_REC] = "SELECT stored_ts, name, value_hash FROM records WHERE expires_at > ?1 "
		  "ORDER BY stored_ts DESC, name DESC, value_hash DESC LIMIT 1",
    [S_MAX_TOMB] = "SELECT stored_ts, name, value_hash FROM tombstones WHERE expires_at > ?1 "
		   "ORDER BY stored_ts DESC, name DESC, value_hash DESC LIMIT 1",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS tombstones ("
    " name TEXT NOT NULL, value_hash TEXT NOT NULL, deleted_ms INTEGER NOT NULL,"
    " stored_ts INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " PRIMARY KEY (name, value_hash));"
    "CREATE INDEX IF NOT EXISTS idx_tombstones_sync ON tombstones(stored_ts, name, value_hash);"
    "CREATE INDEX IF NOT EXISTS idx_tombstones_expires ON tombstones(expires_at);";

/* Count and XOR of the pair hashes of every row of one table. */
struct tally {
	uint64_t count;
	uint8_t acc[DM_SYNC_PAIR_HASH_BYTES];
};

struct store_sync {
	struct store_db *db;
	sqlite3 *h;
	sqlite3_stmt *st[S_MAX];
	struct tally rec, tomb;
};

static sqlite3_stmt *stmt(struct store_sync *ss, int idx)
{
	return ss->st[idx];
}

static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void tally_flip(struct tally *t, const char *name, size_t name_len, const char *hash,
		       bool add)
{
	uint8_t h[DM_SYNC_PAIR_HASH_BYTES];
	if (strlen(hash) != DM_SYNC_HASH_HEX)
		return; /* a row written by hand without its hash: not part of any digest */
	dm_sync_pair_hash(name, name_len, hash, h);
	dm_sync_xor(t->acc, h);
	if (add)
		t->count++;
	else if (t->count > 0)
		t->count--;
}

static int tally_table(sqlite3 *h, const char *table, struct tally *t)
{
	char q[96];
	snprintf(q, sizeof(q), "SELECT name, value_hash FROM %s", table);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, q, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	int r;
	memset(t, 0, sizeof(*t));
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		tally_flip(t, (const char *)sqlite3_column_text(s, 0),
			   (size_t)sqlite3_column_bytes(s, 0),
			   (const char *)sqlite3_column_text(s, 1), true);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -EIO;
}

struct store_sync *store_sync_open(struct store_db *db, char *err, size_t errlen)
{
	struct store_sync *ss = calloc(1, sizeof(*ss));
	char *msg = NULL;
	if (ss == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ss->db = db;
	ss->h = store_db_handle(db);
	if (sqlite3_exec(ss->h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "tombstone table: %s", msg ? msg : sqlite3_errmsg(ss->h));
		sqlite3_free(msg);
		goto fail;
	}
	for (int i = 0; i < S_MAX; i++) {
		if (sqlite3_prepare_v3(ss->h, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ss->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "sync statement %d: %s", i, sqlite3_errmsg(ss->h));
			goto fail;
		}
	}
	if (tally_table(ss->h, "records", &ss->rec) < 0 ||
	    tally_table(ss->h, "tombstones", &ss->tomb) < 0) {
		snprintf(err, errlen, "summing the record set: %s", sqlite3_errmsg(ss->h));
		goto fail;
	}
	return ss;
fail:
	store_sync_close(ss);
	return NULL;
}

void store_sync_recount(struct store_sync *ss)
{
	if (tally_table(ss->h, "records", &ss->rec) < 0 ||
	    tally_table(ss->h, "tombstones", &ss->tomb) < 0)
		log_warnx("cannot recount the sync summary: %s", sqlite3_errmsg(ss->h));
}

void store_sync_close(struct store_sync *ss)
{
	if (ss == NULL)
		return;
	for (int i = 0; i < S_MAX; i++)
		sqlite3_finalize(ss->st[i]);
	free(ss);
}

static void value_hash(const uint8_t *value, size_t len, char out[DM_SYNC_HASH_HEX + 1])
{
	uint8_t h[32];
	crypto_hash_sha256(h, value, len);
	dm_hex_encode(h, sizeof(h), out);
}

/* ---- tombstones ---- */

/* The tombstone's expiry, 0 if there is none. */
static int tomb_get(struct store_sync *ss, const char *name, const char *hash, int64_t *ret_exp)
{
	sqlite3_stmt *s = stmt(ss, S_TOMB_GET);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	*ret_exp = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	done(s);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : -EIO;
}

static int tomb_drop(struct store_sync *ss, const char *name, const char *hash)
{
	sqlite3_stmt *s = stmt(ss, S_TOMB_DELETE);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	done(s);
	if (r != SQLITE_DONE)
		return -EIO;
	if (sqlite3_changes(ss->h) > 0)
		tally_flip(&ss->tomb, name, strlen(name), hash, false);
	return 0;
}

/* Inserts the tombstone, or updates the one there (`existed`). */
static int tomb_write(struct store_sync *ss, const char *name, const char *hash, int64_t deleted_ms,
		      int64_t stored_ms, int64_t expires_at, bool existed)
{
	sqlite3_stmt *s = stmt(ss, existed ? S_TOMB_UPDATE : S_TOMB_INSERT);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, deleted_ms);
	sqlite3_bind_int64(s, 4, stored_ms);
	sqlite3_bind_int64(s, 5, expires_at);
	int r = sqlite3_step(s);
	done(s);
	if (r != SQLITE_DONE)
		return -EIO;
	if (!existed)
		tally_flip(&ss->tomb, name, strlen(name), hash, true);
	return 0;
}

int store_sync_put(struct store_sync *ss, Dm__Role role, const char *name, const uint8_t *value,
		   size_t value_len, uint32_t ttl, int64_t now_ms, uint32_t max_values,
		   bool *ret_created)
{
	char hash[DM_SYNC_HASH_HEX + 1];
	int64_t texp;
	value_hash(value, value_len, hash);
	if (tomb_get(ss, name, hash, &texp) < 0)
		return -EIO;
	if (texp != 0) {
		/* Only a peer is kept out; a user publishing the value again wins. */
		if (role == DM__ROLE__ROLE_SYNC && texp > now_ms / 1000)
			return DM_EMISMATCH;
		if (tomb_drop(ss, name, hash) < 0)
			return -EIO;
	}
	int r = store_db_put(ss->db, name, value, value_len, ttl, now_ms, max_values, ret_created);
	if (r == 0 && *ret_created)
		tally_flip(&ss->rec, name, strlen(name), hash, true);
	return r;
}

int store_sync_delete(struct store_sync *ss, const char *name, const uint8_t *value,
		      size_t value_len, int64_t now_ms, unsigned *ret_deleted)
{
	int idx = value != NULL ? S_DEL_ONE : S_DEL_ALL;
	sqlite3_stmt *s = stmt(ss, idx);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(s, 2, (const char *)value, (int)value_len, SQLITE_STATIC);
	/* RETURNING rows are all computed before the first one is handed out,
	 * so writing tombstones while stepping is safe; collect them first anyway
	 * to keep one statement active at a time. */
	struct gone {
		char hash[DM_SYNC_HASH_HEX + 1];
		int64_t expires_at;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct gone *g = realloc(rows, ncap * sizeof(*g));
			if (g == NULL)
				break;
			rows = g;
			cap = ncap;
		}
		const char *h = (const char *)sqlite3_column_text(s, 0);
		snprintf(rows[n].hash, sizeof(rows[n].hash), "%s", h ? h : "");
		rows[n].expires_at = sqlite3_column_int64(s, 1);
		n++;
	}
	done(s);
	if (r != SQLITE_DONE) {
		free(rows);
		return r == SQLITE_ROW ? DM_ENOMEM : -EIO;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		tally_flip(&ss->rec, name, strlen(name), rows[i].hash, false);
		if (rows[i].expires_at <= now_ms / 1000 || strlen(rows[i].hash) != DM_SYNC_HASH_HEX)
			continue; /* already expired: nothing a peer could bring back */
		int64_t texp;
		rc = tomb_get(ss, name, rows[i].hash, &texp);
		if (rc == 0)
			rc = tomb_write(ss, name, rows[i].hash, now_ms, now_ms, rows[i].expires_at,
					texp != 0);
	}
	free(rows);
	if (rc == 0)
		*ret_deleted = (unsigned)n;
	return rc;
}

int store_sync_tombstone(struct store_sync *ss, const char *name, const char *hash,
			 int64_t deleted_ms, int64_t expires_at, int64_t now_ms,
			 unsigned *ret_deleted, bool *ret_recorded, uint8_t **ret_value,
			 size_t *ret_value_len)
{
	sqlite3_stmt *s = stmt(ss, S_PAIR);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	bool have = r == SQLITE_ROW;
	int64_t stored = have ? sqlite3_column_int64(s, 0) : 0;
	uint8_t *value = NULL;
	size_t vlen = 0;
	if (have && stored <= deleted_ms) {
		vlen = (size_t)sqlite3_column_bytes(s, 2);
		value = malloc(vlen + 1);
		if (value != NULL && vlen > 0)
			memcpy(value, sqlite3_column_blob(s, 2), vlen);
	}
	done(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -EIO;
	if (have && stored > deleted_ms) {
		/* Published (again) here after the peer deleted it: ours stands. */
		*ret_deleted = 0;
		*ret_recorded = false;
		*ret_value = NULL;
		*ret_value_len = 0;
		return 0;
	}
	if (have && value == NULL)
		return DM_ENOMEM;
	if (have) {
		s = stmt(ss, S_DEL_PAIR);
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
		r = sqlite3_step(s);
		done(s);
		if (r != SQLITE_DONE) {
			free(value);
			return -EIO;
		}
		tally_flip(&ss->rec, name, strlen(name), hash, false);
	}
	bool recorded = false;
	int64_t texp;
	if (tomb_get(ss, name, hash, &texp) < 0) {
		free(value);
		return -EIO;
	}
	if (texp != 0) {
		recorded = true; /* known already: keep its position in our digest */
	} else if (expires_at > now_ms / 1000) {
		/* A fresh stored_ts, so the tombstone travels on to our other peers. */
		if (tomb_write(ss, name, hash, deleted_ms, now_ms, expires_at, false) < 0) {
			free(value);
			return -EIO;
		}
		recorded = true;
	}
	*ret_deleted = have ? 1 : 0;
	*ret_recorded = recorded;
	*ret_value = value;
	*ret_value_len = vlen;
	return 0;
}

void store_sync_forget_row(struct store_sync *ss, const struct store_row *row)
{
	char hash[DM_SYNC_HASH_HEX + 1];
	value_hash(row->value, row->value_len, hash);
	tally_flip(&ss->rec, row->name, row->name_len, hash, false);
}

int store_sync_expire(struct store_sync *ss, int64_t now_s)
{
	sqlite3_stmt *s = stmt(ss, S_TOMB_EXPIRE);
	sqlite3_bind_int64(s, 1, now_s);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		tally_flip(&ss->tomb, (const char *)sqlite3_column_text(s, 0),
			   (size_t)sqlite3_column_bytes(s, 0),
			   (const char *)sqlite3_column_text(s, 1), false);
	done(s);
	return r == SQLITE_DONE ? 0 : -EIO;
}

/* ---- queries ---- */

static uint32_t ttl_left(int64_t expires_at, int64_t now_s)
{
	int64_t t = expires_at - now_s;
	return t < 1 ? 1 : t > DM_SYNC_TTL_MAX ? DM_SYNC_TTL_MAX : (uint32_t)t;
}

/* Entries of one table after the cursor, at most `limit`, into `out`. */
struct page {
	Dm__SyncEntry *e;
	char **strs; /* names and hashes, owned */
	size_t n, cap;
};

static void page_free(struct page *p)
{
	for (size_t i = 0; i < 2 * p->n; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->e);
	memset(p, 0, sizeof(*p));
}

static int page_load(struct store_sync *ss, int idx, const Dm__SyncDigest *q, int64_t now_ms,
		     uint32_t limit, bool tomb, struct page *p)
{
	sqlite3_stmt *s = stmt(ss, idx);
	int64_t now_s = now_ms / 1000;
	p->cap = limit;
	p->e = calloc(limit, sizeof(*p->e));
	p->strs = calloc(2 * (size_t)limit, sizeof(*p->strs));
	if (p->e == NULL || p->strs == NULL)
		return DM_ENOMEM;
	sqlite3_bind_int64(s, 1, q->ts_ms);
	sqlite3_bind_text(s, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, q->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_s);
	sqlite3_bind_int64(s, 5, limit);
	int r, rc = 0;
	while ((r = sqlite3_step(s)) == SQLITE_ROW && p->n < limit) {
		char *name = strdup((const char *)sqlite3_column_text(s, 1));
		char *hash = strdup((const char *)sqlite3_column_text(s, 2));
		p->strs[2 * p->n] = name;
		p->strs[2 * p->n + 1] = hash;
		Dm__SyncEntry *e = &p->e[p->n++];
		dm__sync_entry__init(e);
		if (name == NULL || hash == NULL) {
			rc = DM_ENOMEM;
			break;
		}
		e->name = name;
		e->hash = hash;
		e->ts_ms = sqlite3_column_int64(s, 0);
		e->ttl = ttl_left(sqlite3_column_int64(s, 3), now_s);
		if (tomb) {
			e->has_deleted = e->deleted = true;
			e->has_deleted_ms = true;
			e->deleted_ms = sqlite3_column_int64(s, 4);
		}
	}
	done(s);
	if (rc == 0 && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = -EIO;
	return rc;
}

static int entry_cmp(const Dm__SyncEntry *a, const Dm__SyncEntry *b)
{
	if (a->ts_ms != b->ts_ms)
		return a->ts_ms < b->ts_ms ? -1 : 1;
	int r = strcmp(a->name, b->name);
	return r ? r : strcmp(a->hash, b->hash);
}

void store_sync_on_digest(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			  int64_t now_ms)
{
	const Dm__SyncDigest *q = msg->sync_digest;
	if (q->limit == 0 || q->limit > DM_SYNC_DIGEST_LIMIT_MAX || q->ts_ms < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "bad cursor or limit");
		return;
	}
	struct page rec = {0}, tomb = {0};
	uint32_t want = q->limit + 1; /* one more says whether there is more */
	int rc = page_load(ss, S_DIGEST_REC, q, now_ms, want, false, &rec);
	if (rc == 0 && q->has_tombstones && q->tombstones)
		rc = page_load(ss, S_DIGEST_TOMB, q, now_ms, want, true, &tomb);
	if (rc < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, rc, NULL);
		page_free(&rec);
		page_free(&tomb);
		return;
	}
	/* Merge the two ordered pages. */
	size_t total = rec.n + tomb.n, i = 0, j = 0, n = 0;
	size_t keep = total < q->limit ? total : q->limit;
	Dm__SyncEntry **out = calloc(keep ? keep : 1, sizeof(*out));
	if (out == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		page_free(&rec);
		page_free(&tomb);
		return;
	}
	size_t bytes = 0;
	bool cut = false;
	while (n < keep) {
		Dm__SyncEntry *e;
		if (j >= tomb.n || (i < rec.n && entry_cmp(&rec.e[i], &tomb.e[j]) < 0))
			e = &rec.e[i++];
		else
			e = &tomb.e[j++];
		bytes += strlen(e->name) + DM_SYNC_HASH_HEX + 48;
		if (bytes > PULL_REPLY_BUDGET) {
			cut = true; /* a shorter page; has_more sends the asker on */
			break;
		}
		out[n++] = e;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncDigestReply rep = DM__SYNC_DIGEST_REPLY__INIT;
	rep.status = 0;
	rep.n_entries = n;
	rep.entries = out;
	rep.has_more = cut || total > q->limit;
	env.body_case = DM__ENVELOPE__BODY_SYNC_DIGEST_REPLY;
	env.sync_digest_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	free(out);
	page_free(&rec);
	page_free(&tomb);
}

struct pulled {
	Dm__SyncValue *v;
	Dm__SyncValue **ptrs;
	size_t n, cap, bytes;
};

static void pulled_free(struct pulled *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value.data);
		free(p->v[i].hash);
	}
	free(p->v);
	free(p->ptrs);
}

static int pulled_add(struct pulled *p, sqlite3_stmt *s, int64_t now_s)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 32;
		Dm__SyncValue *v = realloc(p->v, ncap * sizeof(*v));
		if (v == NULL)
			return DM_ENOMEM;
		p->v = v;
		p->cap = ncap;
	}
	size_t vlen = (size_t)sqlite3_column_bytes(s, 1);
	Dm__SyncValue *v = &p->v[p->n];
	dm__sync_value__init(v);
	v->name = strdup((const char *)sqlite3_column_text(s, 0));
	v->hash = strdup((const char *)sqlite3_column_text(s, 4));
	v->value.data = malloc(vlen + 1);
	if (v->name == NULL || v->hash == NULL || v->value.data == NULL) {
		free(v->name);
		free(v->hash);
		free(v->value.data);
		return DM_ENOMEM;
	}
	if (vlen > 0)
		memcpy(v->value.data, sqlite3_column_blob(s, 1), vlen);
	v->value.len = vlen;
	v->ttl = ttl_left(sqlite3_column_int64(s, 2), now_s);
	v->has_ts_ms = true;
	v->ts_ms = sqlite3_column_int64(s, 3);
	p->n++;
	p->bytes += vlen + strlen(v->name) + 96;
	return 0;
}

void store_sync_on_pull(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			int64_t now_ms)
{
	const Dm__SyncPull *q = msg->sync_pull;
	if (q->n_names > DM_SYNC_PULL_NAMES_MAX) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "too many names");
		return;
	}
	struct pulled p = {0};
	int64_t now_s = now_ms / 1000;
	size_t served = 0;
	int rc = 0;
	for (; served < q->n_names && rc == 0; served++) {
		size_t mark = p.n, bytes = p.bytes;
		sqlite3_stmt *s = stmt(ss, S_PULL);
		sqlite3_bind_text(s, 1, q->names[served], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now_s);
		int r;
		while ((r = sqlite3_step(s)) == SQLITE_ROW && rc == 0)
			rc = pulled_add(&p, s, now_s);
		done(s);
		if (rc == 0 && r != SQLITE_ROW && r != SQLITE_DONE)
			rc = -EIO;
		if (rc == 0 && p.bytes > PULL_REPLY_BUDGET && served > 0) {
			/* Over budget: this name goes in the next request. */
			for (size_t i = mark; i < p.n; i++) {
				free(p.v[i].name);
				free(p.v[i].value.data);
				free(p.v[i].hash);
			}
			p.n = mark;
			p.bytes = bytes;
			break;
		}
	}
	if (rc < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, rc, NULL);
		pulled_free(&p);
		return;
	}
	p.ptrs = calloc(p.n ? p.n : 1, sizeof(*p.ptrs));
	if (p.ptrs == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		pulled_free(&p);
		return;
	}
	for (size_t i = 0; i < p.n; i++)
		p.ptrs[i] = &p.v[i];
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncPullReply rep = DM__SYNC_PULL_REPLY__INIT;
	rep.n_values = p.n;
	rep.values = p.ptrs;
	rep.served = (uint32_t)served;
	env.body_case = DM__ENVELOPE__BODY_SYNC_PULL_REPLY;
	env.sync_pull_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	pulled_free(&p);
}

/* The tally minus the rows that expired but were not swept yet. */
static int live_tally(struct store_sync *ss, int idx, const struct tally *all, int64_t now_s,
		      struct tally *ret)
{
	*ret = *all;
	sqlite3_stmt *s = stmt(ss, idx);
	sqlite3_bind_int64(s, 1, now_s);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		tally_flip(ret, (const char *)sqlite3_column_text(s, 0),
			   (size_t)sqlite3_column_bytes(s, 0),
			   (const char *)sqlite3_column_text(s, 1), false);
	done(s);
	return r == SQLITE_DONE ? 0 : -EIO;
}

/* The larger of the newest live row of each table. */
static int max_cursor(struct store_sync *ss, int64_t now_s, struct dm_sync_cursor *ret, bool *found)
{
	*found = false;
	for (int idx = S_MAX_REC; idx <= S_MAX_TOMB; idx++) {
		sqlite3_stmt *s = stmt(ss, idx);
		sqlite3_bind_int64(s, 1, now_s);
		int r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			struct dm_sync_cursor c = {.ts_ms = sqlite3_column_int64(s, 0)};
			snprintf(c.name, sizeof(c.name), "%s",
				 (const char *)sqlite3_column_text(s, 1));
			snprintf(c.hash, sizeof(c.hash), "%s",
				 (const char *)sqlite3_column_text(s, 2));
			if (!*found || dm_sync_cursor_cmp(&c, ret) > 0)
				*ret = c;
			*found = true;
		}
		done(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}

void store_sync_on_summary(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			   int64_t now_ms)
{
	int64_t now_s = now_ms / 1000;
	struct tally rec, tomb;
	struct dm_sync_cursor max;
	bool found;
	if (live_tally(ss, S_EXPIRED_REC, &ss->rec, now_s, &rec) < 0 ||
	    live_tally(ss, S_EXPIRED_TOMB, &ss->tomb, now_s, &tomb) < 0 ||
	    max_cursor(ss, now_s, &max, &found) < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncSummary rep = DM__SYNC_SUMMARY__INIT;
	rep.records = rec.count;
	rep.digest.data = rec.acc;
	rep.digest.len = sizeof(rec.acc);
	rep.tombstones = tomb.count;
	rep.tomb_digest.data = tomb.acc;
	rep.tomb_digest.len = sizeof(tomb.acc);
	if (found) {
		rep.has_max_ts_ms = true;
		rep.max_ts_ms = max.ts_ms;
		rep.max_name = max.name;
		rep.max_hash = max.hash;
	}
	env.body_case = DM__ENVELOPE__BODY_SYNC_SUMMARY;
	env.sync_summary = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
}

static Dm__SyncAction compare_one(struct store_sync *ss, const Dm__SyncEntry *e, int64_t now_s,
				  int *rc)
{
	sqlite3_stmt *s = stmt(ss, S_PAIR);
	sqlite3_bind_text(s, 1, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, e->hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	int64_t exp = r == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
	done(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		*rc = -EIO;
		return DM__SYNC_ACTION__SYNC_IN_SYNC;
	}
	if (r == SQLITE_ROW && exp > now_s)
		return (int64_t)e->ttl > exp - now_s + DM_SYNC_TTL_SLOP
			   ? DM__SYNC_ACTION__SYNC_REFRESH
			   : DM__SYNC_ACTION__SYNC_IN_SYNC;
	int64_t texp;
	if (tomb_get(ss, e->name, e->hash, &texp) < 0) {
		*rc = -EIO;
		return DM__SYNC_ACTION__SYNC_IN_SYNC;
	}
	return texp > now_s ? DM__SYNC_ACTION__SYNC_TOMBSTONED : DM__SYNC_ACTION__SYNC_PULL;
}

void store_sync_on_compare(struct store_sync *ss, struct dm_ipc_conn *conn, const Dm__Envelope *msg,
			   int64_t now_ms)
{
	const Dm__SyncCompare *q = msg->sync_compare;
	if (q->n_entries > COMPARE_MAX) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "too many entries");
		return;
	}
	Dm__SyncAction *acts = calloc(q->n_entries ? q->n_entries : 1, sizeof(*acts));
	if (acts == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	int rc = 0;
	for (size_t i = 0; i < q->n_entries && rc == 0; i++)
		acts[i] = compare_one(ss, q->entries[i], now_ms / 1000, &rc);
	if (rc < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, rc, NULL);
		free(acts);
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncCompareReply rep = DM__SYNC_COMPARE_REPLY__INIT;
	rep.n_actions = q->n_entries;
	rep.actions = acts;
	env.body_case = DM__ENVELOPE__BODY_SYNC_COMPARE_REPLY;
	env.sync_compare_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	free(acts);
}
