#include "services/store/seen.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/codec/hex.h"
#include "common/dmp/heartbeat.h"
#include "common/err.h"
#include "common/node/log.h"

#define BUSY_WAIT_MS 2000
#define WIRE_MAX     1200

/* node.md §10.3 verbatim, plus our one-row table for this node's own heartbeat. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS heartbeats_seen ("
    " operator_spk_hex TEXT NOT NULL, endpoint TEXT NOT NULL, wire TEXT NOT NULL,"
    " ts INTEGER NOT NULL, exp INTEGER NOT NULL, version TEXT NOT NULL DEFAULT '',"
    " received_at INTEGER NOT NULL, remote_addr TEXT,"
    " PRIMARY KEY (operator_spk_hex, endpoint));"
    "CREATE INDEX IF NOT EXISTS idx_hb_ts ON heartbeats_seen(ts DESC);"
    "CREATE INDEX IF NOT EXISTS idx_hb_exp ON heartbeats_seen(exp);"
    "CREATE INDEX IF NOT EXISTS idx_hb_received ON heartbeats_seen(received_at);"
    "CREATE TABLE IF NOT EXISTS heartbeat_self ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), operator_spk_hex TEXT NOT NULL,"
    " endpoint TEXT NOT NULL, ts INTEGER NOT NULL);";

static sqlite3 *db;
static const struct dm_config *config;
static uv_timer_t sweep_timer;
static bool timer_on, open_failed_logged;

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static sqlite3 *seen_db(void)
{
	if (db != NULL)
		return db;
	if (config == NULL || !config->heartbeat_enabled)
		return NULL;
	const char *path = config->heartbeat_db_path;
	sqlite3 *h = NULL;
	char *msg = NULL;
	mode_t old = umask(0077);
	int r = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old);
	/* Losing the last seconds of gossip in a power cut costs nothing: NORMAL. */
	if (r != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
			 &msg) != SQLITE_OK ||
	    sqlite3_exec(h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		if (!open_failed_logged)
			log_warnx("seen store %s: %s, answering discovery requests with errors",
				  path, msg ? msg : sqlite3_errmsg(h));
		open_failed_logged = true;
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, BUSY_WAIT_MS);
	log_info("seen store %s open", path);
	db = h;
	return db;
}

/* Runs `sql` with one integer parameter; rows changed or -EIO. */
static int exec_i64(sqlite3 *h, const char *sql, int64_t a)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, a);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? sqlite3_changes(h) : -EIO;
}

/* Deletes the oldest rows by received_at beyond the cap. */
static int enforce_cap(sqlite3 *h)
{
	int64_t max = config->heartbeat_seen_max_rows;
	return exec_i64(h,
			"DELETE FROM heartbeats_seen WHERE rowid IN (SELECT rowid FROM "
			"heartbeats_seen ORDER BY received_at DESC, ts DESC LIMIT -1 OFFSET ?1)",
			max);
}

int seen_sweep(int64_t now)
{
	sqlite3 *h = seen_db();
	if (h == NULL)
		return DM_EUNAVAIL;
	int total = 0, r;
	if ((r = exec_i64(h, "DELETE FROM heartbeats_seen WHERE exp <= ?1", now)) < 0)
		return r;
	total += r;
	if (config->heartbeat_retention_hours > 0) {
		int64_t cutoff = now - (int64_t)config->heartbeat_retention_hours * 3600;
		if ((r = exec_i64(h, "DELETE FROM heartbeats_seen WHERE received_at < ?1",
				  cutoff)) < 0)
			return r;
		total += r;
	}
	if ((r = enforce_cap(h)) < 0)
		return r;
	return total + r;
}

static void sweep_cb(uv_timer_t *t)
{
	(void)t;
	int n = seen_sweep(now_s());
	if (n > 0)
		log_debug("seen store: swept %d rows", n);
}

void seen_start(uv_loop_t *loop, const struct dm_config *cfg)
{
	config = cfg;
	if (!cfg->heartbeat_enabled)
		return;
	(void)seen_sweep(now_s()); /* opens the file, drops what expired while we were down */
	uv_timer_init(loop, &sweep_timer);
	uv_timer_start(&sweep_timer, sweep_cb, SEEN_SWEEP_EVERY_MS, SEEN_SWEEP_EVERY_MS);
	timer_on = true;
}

void seen_close(void)
{
	if (timer_on)
		uv_close((uv_handle_t *)&sweep_timer, NULL);
	timer_on = false;
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
}

/* ---- accept ---- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* node.md §10.3 accept(): purge expired, upsert keeping the newer ts, cap rows. */
static int accept_wire(sqlite3 *h, const char *wire, const struct dm_heartbeat *hb,
		       const char *spk_hex, const char *remote, bool self, int64_t now)
{
	static const char upsert[] =
	    "INSERT INTO heartbeats_seen (operator_spk_hex, endpoint, wire, ts, exp, version,"
	    " received_at, remote_addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (operator_spk_hex, endpoint) DO UPDATE SET wire = excluded.wire,"
	    " ts = excluded.ts, exp = excluded.exp, version = excluded.version,"
	    " received_at = excluded.received_at, remote_addr = excluded.remote_addr"
	    " WHERE excluded.ts >= heartbeats_seen.ts";
	static const char self_sql[] =
	    "INSERT INTO heartbeat_self (id, operator_spk_hex, endpoint, ts) VALUES (1, ?1, ?2, ?3)"
	    " ON CONFLICT (id) DO UPDATE SET operator_spk_hex = excluded.operator_spk_hex,"
	    " endpoint = excluded.endpoint, ts = excluded.ts WHERE excluded.ts >= "
	    "heartbeat_self.ts";
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	int r = exec_i64(h, "DELETE FROM heartbeats_seen WHERE exp <= ?1", now);
	sqlite3_stmt *s = NULL;
	if (r >= 0 && sqlite3_prepare_v2(h, upsert, -1, &s, NULL) == SQLITE_OK) {
		bind_text(s, 1, spk_hex);
		bind_text(s, 2, hb->endpoint);
		bind_text(s, 3, wire);
		sqlite3_bind_int64(s, 4, (int64_t)hb->ts);
		sqlite3_bind_int64(s, 5, (int64_t)hb->exp);
		bind_text(s, 6, hb->version);
		sqlite3_bind_int64(s, 7, now);
		bind_text(s, 8, remote);
		r = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
	} else {
		r = -EIO;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (r == 0 && self) {
		if (sqlite3_prepare_v2(h, self_sql, -1, &s, NULL) == SQLITE_OK) {
			bind_text(s, 1, spk_hex);
			bind_text(s, 2, hb->endpoint);
			sqlite3_bind_int64(s, 3, (int64_t)hb->ts);
			r = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
		} else {
			r = -EIO;
		}
		sqlite3_finalize(s);
	}
	if (r == 0 && enforce_cap(h) < 0)
		r = -EIO;
	if (r == 0 && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

void seen_on_put(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__SeenPut *req = msg->seen_put;
	size_t len = strlen(req->wire);
	const char *remote = req->remote_addr;
	bool self = req->has_self && req->self;
	/* Only the heartbeat service speaks for this node. */
	if (self && conn->peer_role != DM__ROLE__ROLE_HEARTBEAT) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EMISMATCH,
					 "self heartbeat from a frontend");
		return;
	}
	if (len > WIRE_MAX || (remote != NULL && strlen(remote) > SEEN_REMOTE_ADDR_MAX)) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "wire or address too long");
		return;
	}
	sqlite3 *h = seen_db();
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EUNAVAIL, "seen store unavailable");
		return;
	}
	int64_t now = now_s();
	struct dm_heartbeat hb;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenPutResult res = DM__SEEN_PUT_RESULT__INIT;
	int r = dm_heartbeat_parse(req->wire, len, (uint64_t)now, &hb);
	if (r == 0) {
		char spk_hex[2 * DM_ED25519_PK_BYTES + 1];
		dm_hex_encode(hb.operator_spk, sizeof(hb.operator_spk), spk_hex);
		r = accept_wire(h, req->wire, &hb, spk_hex, remote, self, now);
		if (r < 0)
			log_warnx("seen store: %s", sqlite3_errmsg(h));
	}
	res.status = r;
	if (r == 0) {
		res.has_operator_spk = true;
		res.operator_spk.data = hb.operator_spk;
		res.operator_spk.len = sizeof(hb.operator_spk);
	}
	env.body_case = DM__ENVELOPE__BODY_SEEN_PUT_RESULT;
	env.seen_put_result = &res;
	(void)dm_ipc_reply(conn, msg->seq, &env);
}

/* ---- list ---- */

struct list_ctx {
	Dm__SeenRow rows[SEEN_LIST_MAX];
	Dm__SeenRow *ptrs[SEEN_LIST_MAX];
	size_t n;
};

static void list_free(struct list_ctx *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->rows[i].wire);
		free(l->rows[i].remote_addr);
	}
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t == NULL ? NULL : strdup((const char *)t);
}

static int list_rows(sqlite3 *h, struct list_ctx *l, uint32_t limit, const char *exclude,
		     int64_t now)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h,
			       "SELECT wire, ts, received_at, remote_addr FROM heartbeats_seen"
			       " WHERE exp > ?1 AND operator_spk_hex != ?2"
			       " ORDER BY ts DESC, received_at DESC LIMIT ?3",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, exclude, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, limit);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW && l->n < limit) {
		Dm__SeenRow *row = &l->rows[l->n];
		dm__seen_row__init(row);
		row->wire = col_dup(s, 0);
		if (row->wire == NULL)
			break;
		row->ts = sqlite3_column_int64(s, 1);
		row->has_received_at = true;
		row->received_at = sqlite3_column_int64(s, 2);
		row->remote_addr = col_dup(s, 3);
		l->ptrs[l->n] = row;
		l->n++;
	}
	sqlite3_finalize(s);
	return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : -EIO;
}

void seen_on_list(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__SeenList *req = msg->seen_list;
	sqlite3 *h = seen_db();
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EUNAVAIL, "seen store unavailable");
		return;
	}
	uint32_t limit = req->limit > SEEN_LIST_MAX ? SEEN_LIST_MAX : req->limit;
	char exclude[2 * DM_ED25519_PK_BYTES + 1] = "";
	if (req->has_exclude_spk && req->exclude_spk.len == DM_ED25519_PK_BYTES)
		dm_hex_encode(req->exclude_spk.data, DM_ED25519_PK_BYTES, exclude);
	struct list_ctx *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	int r = list_rows(h, l, limit, exclude, now_s());
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenListReply rep = DM__SEEN_LIST_REPLY__INIT;
	uint8_t self_spk[DM_ED25519_PK_BYTES];
	char *self_ep = NULL;
	sqlite3_stmt *s;
	if (r == 0 && sqlite3_prepare_v2(h, "SELECT operator_spk_hex, endpoint FROM heartbeat_self",
					 -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *hx = (const char *)sqlite3_column_text(s, 0);
			if (hx != NULL &&
			    dm_hex_decode(hx, strlen(hx), self_spk, sizeof(self_spk)) ==
				(long)sizeof(self_spk)) {
				rep.has_self_spk = true;
				rep.self_spk.data = self_spk;
				rep.self_spk.len = sizeof(self_spk);
				self_ep = col_dup(s, 1);
				rep.self_endpoint = self_ep;
			}
		}
		sqlite3_finalize(s);
	}
	if (r < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, r, "seen list failed");
	} else {
		rep.status = 0;
		rep.n_rows = l->n;
		rep.rows = l->ptrs;
		env.body_case = DM__ENVELOPE__BODY_SEEN_LIST_REPLY;
		env.seen_list_reply = &rep;
		(void)dm_ipc_reply(conn, msg->seq, &env);
	}
	free(self_ep);
	list_free(l);
	free(l);
}
