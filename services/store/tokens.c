#include "services/store/tokens.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/err.h"
#include "common/node/log.h"
#include "services/store/store.h"

#define HASH_HEX     64
#define SUBJECT_MAX  1024
#define TEXT_MAX     1024
#define LIST_MAX     10000 /* rows per list reply; far beyond any real node */
#define BUSY_WAIT_MS 2000

/* node.md §6.4, verbatim, so a reference token file opens unchanged. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS tokens ("
    " token_hash TEXT PRIMARY KEY, subject TEXT NOT NULL, subject_type INTEGER NOT NULL,"
    " subject_hash12 TEXT, rate_per_sec REAL NOT NULL DEFAULT 10.0,"
    " rate_burst INTEGER NOT NULL DEFAULT 50, issued_at INTEGER NOT NULL,"
    " expires_at INTEGER, revoked_at INTEGER, issuer TEXT NOT NULL DEFAULT '',"
    " note TEXT NOT NULL DEFAULT '', registered_spk TEXT);"
    "CREATE INDEX IF NOT EXISTS idx_tokens_subject ON tokens(subject)"
    " WHERE revoked_at IS NULL;"
    "CREATE TABLE IF NOT EXISTS token_audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, event TEXT NOT NULL,"
    " token_hash TEXT, subject TEXT, remote_addr TEXT, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS idx_audit_ts ON token_audit(ts);";

static sqlite3 *db;
static bool open_failed_logged;

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static struct store *store_of(struct dm_ipc_conn *conn)
{
	return conn->ep->ctx;
}

static sqlite3 *tokens_db(struct dm_ipc_conn *conn)
{
	if (db != NULL)
		return db;
	const char *path = store_of(conn)->cfg->token_db_path;
	sqlite3 *h = NULL;
	char *msg = NULL;
	/* Token digests are secrets of a kind: owner-only from the first byte. */
	mode_t old = umask(0077);
	int r = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old);
	if (r != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
			 &msg) != SQLITE_OK ||
	    sqlite3_exec(h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		if (!open_failed_logged)
			log_warnx("token store %s: %s, answering token requests with errors", path,
				  msg ? msg : sqlite3_errmsg(h));
		open_failed_logged = true;
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, BUSY_WAIT_MS);
	log_info("token store %s open", path);
	db = h;
	return db;
}

void tokens_close(void)
{
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
}

static bool hash_ok(const char *h)
{
	if (h == NULL || strlen(h) != HASH_HEX)
		return false;
	for (size_t i = 0; i < HASH_HEX; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

static bool text_ok(const char *s, size_t max)
{
	return s != NULL && strlen(s) <= max;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int audit(sqlite3 *h, const char *event, const char *hash, const char *subject,
		 const char *addr, const char *detail)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h,
			       "INSERT INTO token_audit (ts, event, token_hash, subject, "
			       "remote_addr, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_s());
	bind_text(s, 2, event);
	bind_text(s, 3, hash);
	bind_text(s, 4, subject);
	bind_text(s, 5, addr);
	bind_text(s, 6, detail);
	int r = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(s);
	return r;
}

static int exec(sqlite3 *h, const char *sql)
{
	return sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static bool is_live(sqlite3_stmt *s, int revoked_col, int expires_col, int64_t now)
{
	if (sqlite3_column_type(s, revoked_col) != SQLITE_NULL)
		return false;
	return sqlite3_column_type(s, expires_col) == SQLITE_NULL ||
	       now < sqlite3_column_int64(s, expires_col);
}

/* ---- https-frontend ---- */

void tokens_on_lookup(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenLookup *req = msg->token_lookup;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenInfo info = DM__TOKEN_INFO__INIT;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_INFO;
	env.token_info = &info;
	info.status = DM_ENOTFOUND;
	if (!hash_ok(req->token_hash)) {
		(void)dm_ipc_reply(conn, msg->seq, &env);
		return;
	}
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h,
			       "SELECT subject, subject_hash12, rate_per_sec, rate_burst, "
			       "revoked_at, expires_at FROM tokens WHERE token_hash = ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	sqlite3_bind_text(s, 1, req->token_hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		info.status = 0;
		info.subject = (char *)sqlite3_column_text(s, 0);
		info.subject_hash12 = (char *)sqlite3_column_text(s, 1);
		info.has_rate_per_sec = info.has_rate_burst = info.has_live = true;
		info.rate_per_sec = sqlite3_column_double(s, 2);
		int64_t burst = sqlite3_column_int64(s, 3);
		info.rate_burst = burst < 0 ? 0 : burst > UINT32_MAX ? UINT32_MAX : (uint32_t)burst;
		info.live = is_live(s, 4, 5, now_s());
	} else if (r != SQLITE_DONE) {
		sqlite3_finalize(s);
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	(void)dm_ipc_reply(conn, msg->seq, &env);
	sqlite3_finalize(s);
}

void tokens_on_audit(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenAudit *a = msg->token_audit;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL || !text_ok(a->event, 32) ||
	    (a->token_hash != NULL && !hash_ok(a->token_hash)) ||
	    (a->subject != NULL && !text_ok(a->subject, SUBJECT_MAX)) ||
	    (a->remote_addr != NULL && !text_ok(a->remote_addr, 64)) ||
	    (a->detail != NULL && !text_ok(a->detail, TEXT_MAX)))
		return;
	if (audit(h, a->event, a->token_hash, a->subject, a->remote_addr, a->detail) < 0)
		log_warnx("token audit row not written: %s, ignoring", sqlite3_errmsg(h));
}

/*
 * node.md §7.3 in one transaction: a live self-service token of the subject
 * registered under another key blocks (409); otherwise every self-service
 * row of the subject is revoked and the new one inserted. Admin-issued rows
 * (registered_spk NULL) neither block nor get revoked.
 */
void tokens_on_register(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenRegister *req = msg->token_register;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	if (!hash_ok(req->token_hash) || !hash_ok(req->registered_spk) ||
	    !text_ok(req->subject, SUBJECT_MAX) || req->subject[0] == '\0' ||
	    (req->remote_addr != NULL && !text_ok(req->remote_addr, 64))) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, NULL);
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenRegisterResult res = DM__TOKEN_REGISTER_RESULT__INIT;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_REGISTER_RESULT;
	env.token_register_result = &res;
	char *revoked[64];
	size_t nrev = 0;
	int64_t now = now_s();
	sqlite3_stmt *s = NULL;
	int r = exec(h, "BEGIN IMMEDIATE");
	if (r < 0)
		goto fail;
	if (sqlite3_prepare_v2(h,
			       "SELECT token_hash, registered_spk, revoked_at, expires_at FROM "
			       "tokens WHERE subject = ?1 AND revoked_at IS NULL AND "
			       "registered_spk IS NOT NULL",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail_rb;
	sqlite3_bind_text(s, 1, req->subject, -1, SQLITE_STATIC);
	bool blocked = false;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *spk = (const char *)sqlite3_column_text(s, 1);
		if (is_live(s, 2, 3, now) && (spk == NULL || strcmp(spk, req->registered_spk) != 0))
			blocked = true;
		if (nrev < sizeof(revoked) / sizeof(revoked[0])) {
			revoked[nrev] = strdup((const char *)sqlite3_column_text(s, 0));
			if (revoked[nrev] != NULL)
				nrev++;
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (r != SQLITE_DONE)
		goto fail_rb;
	if (blocked) {
		exec(h, "ROLLBACK");
		res.status = DM_EMISMATCH;
		(void)dm_ipc_reply(conn, msg->seq, &env);
		goto out;
	}
	for (size_t i = 0; i < nrev; i++) {
		if (sqlite3_prepare_v2(h, "UPDATE tokens SET revoked_at = ?1 WHERE token_hash = ?2",
				       -1, &s, NULL) != SQLITE_OK)
			goto fail_rb;
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_text(s, 2, revoked[i], -1, SQLITE_STATIC);
		r = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (r != SQLITE_DONE ||
		    audit(h, "revoked", revoked[i], req->subject, req->remote_addr,
			  "self-service rotate: superseded") < 0)
			goto fail_rb;
	}
	if (sqlite3_prepare_v2(h,
			       "INSERT INTO tokens (token_hash, subject, subject_type, "
			       "subject_hash12, rate_per_sec, rate_burst, issued_at, expires_at, "
			       "revoked_at, issuer, note, registered_spk) VALUES (?1, ?2, 1, NULL, "
			       "?3, ?4, ?5, ?6, NULL, 'self-service', '', ?7)",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail_rb;
	sqlite3_bind_text(s, 1, req->token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, req->subject, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 3, req->rate_per_sec);
	sqlite3_bind_int64(s, 4, req->rate_burst);
	sqlite3_bind_int64(s, 5, now);
	if (req->has_expires_at)
		sqlite3_bind_int64(s, 6, req->expires_at);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, req->registered_spk, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (r != SQLITE_DONE ||
	    audit(h, "issued", req->token_hash, req->subject, req->remote_addr, "self-service") <
		0 ||
	    exec(h, "COMMIT") < 0)
		goto fail_rb;
	res.status = 0;
	res.n_revoked_hashes = nrev;
	res.revoked_hashes = revoked;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	goto out;
fail_rb:
	if (s != NULL)
		sqlite3_finalize(s);
	exec(h, "ROLLBACK");
fail:
	log_warnx("token registration failed: %s", sqlite3_errmsg(h));
	(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
out:
	for (size_t i = 0; i < nrev; i++)
		free(revoked[i]);
}

/* ---- dnsmesh-node-admin ---- */

/* An admin-issued row (registered_spk NULL) and its `issued` audit row; the
 * caller holds the transaction. */
struct admin_row {
	const char *token_hash, *subject, *subject_hash12, *issuer, *note;
	double rate_per_sec;
	uint32_t rate_burst;
	bool has_expires_at;
	int64_t expires_at;
};

static bool admin_row_ok(const struct admin_row *a)
{
	return hash_ok(a->token_hash) && text_ok(a->subject, SUBJECT_MAX) &&
	       a->subject[0] != '\0' && text_ok(a->issuer, TEXT_MAX) &&
	       (a->note == NULL || text_ok(a->note, TEXT_MAX)) &&
	       (a->subject_hash12 == NULL || strlen(a->subject_hash12) == 12);
}

static int insert_admin_row(sqlite3 *h, const struct admin_row *a, int64_t now)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h,
			       "INSERT INTO tokens (token_hash, subject, subject_type, "
			       "subject_hash12, rate_per_sec, rate_burst, issued_at, expires_at, "
			       "revoked_at, issuer, note, registered_spk) VALUES (?1, ?2, 1, ?3, "
			       "?4, ?5, ?6, ?7, NULL, ?8, ?9, NULL)",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, a->token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->subject, -1, SQLITE_STATIC);
	bind_text(s, 3, a->subject_hash12);
	sqlite3_bind_double(s, 4, a->rate_per_sec);
	sqlite3_bind_int64(s, 5, a->rate_burst);
	sqlite3_bind_int64(s, 6, now);
	if (a->has_expires_at)
		sqlite3_bind_int64(s, 7, a->expires_at);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_text(s, 8, a->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, a->note ? a->note : "", -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return -EIO;
	return audit(h, "issued", a->token_hash, a->subject, NULL, a->issuer);
}

void tokens_on_issue(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenIssue *req = msg->token_issue;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	const struct admin_row row = {
	    .token_hash = req->token_hash,
	    .subject = req->subject,
	    .subject_hash12 = req->subject_hash12,
	    .issuer = req->issuer,
	    .note = req->note,
	    .rate_per_sec = req->rate_per_sec,
	    .rate_burst = req->rate_burst,
	    .has_expires_at = req->has_expires_at,
	    .expires_at = req->expires_at,
	};
	if (!admin_row_ok(&row)) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, NULL);
		return;
	}
	int64_t now = now_s();
	if (exec(h, "BEGIN IMMEDIATE") < 0)
		goto fail;
	if (insert_admin_row(h, &row, now) < 0 || exec(h, "COMMIT") < 0)
		goto fail_rb;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenIssueResult res = DM__TOKEN_ISSUE_RESULT__INIT;
	res.status = 0;
	res.has_issued_at = true;
	res.issued_at = now;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_ISSUE_RESULT;
	env.token_issue_result = &res;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	return;
fail_rb:
	exec(h, "ROLLBACK");
fail:
	(void)dm_ipc_reply_error(conn, msg->seq, -EIO, sqlite3_errmsg(h));
}

struct list_rows {
	Dm__TokenRow *rows;
	Dm__TokenRow **ptrs;
	size_t n;
};

static char *dup_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

static void list_free(struct list_rows *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->rows[i].token_hash);
		free(l->rows[i].subject);
		free(l->rows[i].subject_hash12);
		free(l->rows[i].issuer);
		free(l->rows[i].note);
	}
	free(l->rows);
	free(l->ptrs);
}

void tokens_on_list(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenList *req = msg->token_list;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	bool all = req->has_include_revoked && req->include_revoked;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h,
			       "SELECT token_hash, subject, subject_type, subject_hash12, "
			       "rate_per_sec, rate_burst, issued_at, expires_at, revoked_at, "
			       "issuer, note FROM tokens WHERE (?1 IS NULL OR subject = ?1) AND "
			       "(?2 OR revoked_at IS NULL) ORDER BY issued_at DESC, rowid DESC "
			       "LIMIT ?3",
			       -1, &s, NULL) != SQLITE_OK) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	bind_text(s, 1, req->subject);
	sqlite3_bind_int(s, 2, all);
	sqlite3_bind_int(s, 3, LIST_MAX);
	struct list_rows l = {0};
	size_t cap = 0;
	int64_t now = now_s();
	int r;
	bool oom = false;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (l.n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			Dm__TokenRow *nr = realloc(l.rows, ncap * sizeof(*nr));
			if (nr == NULL) {
				oom = true;
				break;
			}
			l.rows = nr;
			cap = ncap;
		}
		Dm__TokenRow *row = &l.rows[l.n++];
		dm__token_row__init(row);
		row->token_hash = dup_col(s, 0);
		row->subject = dup_col(s, 1);
		row->subject_type = (uint32_t)sqlite3_column_int(s, 2);
		row->subject_hash12 = dup_col(s, 3);
		row->rate_per_sec = sqlite3_column_double(s, 4);
		row->rate_burst = (uint32_t)sqlite3_column_int64(s, 5);
		row->issued_at = sqlite3_column_int64(s, 6);
		row->has_expires_at = sqlite3_column_type(s, 7) != SQLITE_NULL;
		row->expires_at = sqlite3_column_int64(s, 7);
		row->has_revoked_at = sqlite3_column_type(s, 8) != SQLITE_NULL;
		row->revoked_at = sqlite3_column_int64(s, 8);
		row->issuer = dup_col(s, 9);
		row->note = dup_col(s, 10);
		row->live = is_live(s, 8, 7, now);
		if (row->token_hash == NULL || row->subject == NULL)
			oom = true;
		if (row->issuer == NULL)
			row->issuer = strdup("");
		if (row->note == NULL)
			row->note = strdup("");
		if (row->issuer == NULL || row->note == NULL)
			oom = true;
	}
	sqlite3_finalize(s);
	l.ptrs = calloc(l.n ? l.n : 1, sizeof(*l.ptrs));
	if (oom || l.ptrs == NULL || (r != SQLITE_DONE && r != SQLITE_ROW)) {
		(void)dm_ipc_reply_error(conn, msg->seq, oom ? DM_ENOMEM : -EIO, NULL);
		list_free(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		l.ptrs[i] = &l.rows[i];
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenListReply rep = DM__TOKEN_LIST_REPLY__INIT;
	rep.status = 0;
	rep.n_rows = l.n;
	rep.rows = l.ptrs;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_LIST_REPLY;
	env.token_list_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	list_free(&l);
}

/* Collects the live hashes `sql` (bound to `arg`) selects; returns the count or < 0. */
static int live_hashes(sqlite3 *h, const char *sql, const char *arg, char **out, size_t cap)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_s());
	size_t n = 0;
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			n++; /* "more than fits": reported as ambiguous by the caller */
			break;
		}
		out[n] = dup_col(s, 0);
		if (out[n] != NULL)
			n++;
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		return -EIO;
	}
	return (int)n;
}

#define LIVE_SQL " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)"

void tokens_on_revoke(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const char *target = msg->token_revoke->target;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	if (!text_ok(target, SUBJECT_MAX) || target[0] == '\0') {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, NULL);
		return;
	}
	char *hashes[256];
	const size_t cap = sizeof(hashes) / sizeof(hashes[0]);
	int n = 0;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenRevokeResult res = DM__TOKEN_REVOKE_RESULT__INIT;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_REVOKE_RESULT;
	env.token_revoke_result = &res;
	if (exec(h, "BEGIN IMMEDIATE") < 0)
		goto fail;
	/* First every live token of the subject, then a digest prefix (node.md §8). */
	n = live_hashes(h, "SELECT token_hash FROM tokens WHERE subject = ?1" LIVE_SQL, target,
			hashes, cap);
	bool by_prefix = false;
	if (n == 0) {
		bool hexonly = strlen(target) <= HASH_HEX;
		for (const char *p = target; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				hexonly = false;
		if (hexonly)
			n = live_hashes(h,
					"SELECT token_hash FROM tokens WHERE substr(token_hash, 1, "
					"length(?1)) = ?1" LIVE_SQL,
					target, hashes, 2);
		by_prefix = true;
	}
	if (n < 0)
		goto fail_rb;
	if (n == 0 || (by_prefix && n > 1) || (size_t)n > cap) {
		exec(h, "ROLLBACK");
		if (by_prefix && n > 1)
			n = 2 < n ? 2 : n; /* only these were strdup'ed */
		res.status = n == 0 ? DM_ENOTFOUND : DM_EMISMATCH;
		(void)dm_ipc_reply(conn, msg->seq, &env);
		goto out;
	}
	int64_t now = now_s();
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(h,
				       "UPDATE tokens SET revoked_at = ?1 WHERE token_hash = ?2 "
				       "RETURNING subject",
				       -1, &s, NULL) != SQLITE_OK)
			goto fail_rb;
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_text(s, 2, hashes[i], -1, SQLITE_STATIC);
		char *subject = sqlite3_step(s) == SQLITE_ROW ? dup_col(s, 0) : NULL;
		sqlite3_finalize(s);
		int a = audit(h, "revoked", hashes[i], subject, NULL, "admin revoke");
		free(subject);
		if (a < 0)
			goto fail_rb;
	}
	if (exec(h, "COMMIT") < 0)
		goto fail_rb;
	res.status = 0;
	res.revoked = (uint32_t)n;
	res.n_revoked_hashes = (size_t)n;
	res.revoked_hashes = hashes;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	goto out;
fail_rb:
	exec(h, "ROLLBACK");
fail:
	(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
out:
	if (n > (int)cap)
		n = (int)cap;
	for (int i = 0; i < n; i++)
		free(hashes[i]);
}

#define ROTATE_HASHES_MAX 256 /* digests echoed in a rotate reply; the count is exact */

/* node.md §8: unlike the reference (revoke, then issue, two commits), one
 * transaction, so two rotations of one subject cannot both leave a live
 * token and a failed one leaves the old tokens working. */
void tokens_on_rotate(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__TokenRotate *req = msg->token_rotate;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	const struct admin_row row = {
	    .token_hash = req->token_hash,
	    .subject = req->subject,
	    .subject_hash12 = req->subject_hash12,
	    .issuer = req->issuer,
	    .note = req->note,
	    .rate_per_sec = req->rate_per_sec,
	    .rate_burst = req->rate_burst,
	    .has_expires_at = req->has_expires_at,
	    .expires_at = req->expires_at,
	};
	if (!admin_row_ok(&row)) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, NULL);
		return;
	}
	char *hashes[ROTATE_HASHES_MAX];
	size_t nkept = 0;
	uint32_t revoked = 0;
	int64_t now = now_s();
	sqlite3_stmt *s = NULL;
	if (exec(h, "BEGIN IMMEDIATE") < 0)
		goto fail;
	if (sqlite3_prepare_v2(
		h,
		"UPDATE tokens SET revoked_at = ?1 WHERE subject = ?2 AND revoked_at "
		"IS NULL AND (expires_at IS NULL OR expires_at > ?1) RETURNING "
		"token_hash",
		-1, &s, NULL) != SQLITE_OK)
		goto fail_rb;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, req->subject, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(s, 0);
		/* One audit row per token, as `token revoke` writes. */
		if (audit(h, "revoked", hash, req->subject, NULL, "admin rotate") < 0)
			goto fail_rb;
		revoked++;
		if (nkept < ROTATE_HASHES_MAX && hash != NULL &&
		    (hashes[nkept] = strdup(hash)) != NULL)
			nkept++;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (r != SQLITE_DONE || insert_admin_row(h, &row, now) < 0 || exec(h, "COMMIT") < 0)
		goto fail_rb;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenRotateResult res = DM__TOKEN_ROTATE_RESULT__INIT;
	res.status = 0;
	res.revoked = revoked;
	res.n_revoked_hashes = nkept;
	res.revoked_hashes = hashes;
	res.has_issued_at = true;
	res.issued_at = now;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_ROTATE_RESULT;
	env.token_rotate_result = &res;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	goto out;
fail_rb:
	if (s != NULL)
		sqlite3_finalize(s);
	exec(h, "ROLLBACK");
fail:
	log_warnx("token rotation failed: %s", sqlite3_errmsg(h));
	(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
out:
	for (size_t i = 0; i < nkept; i++)
		free(hashes[i]);
}

#define AUDIT_TAIL_MAX 10000
/* Reply budget: the frame cap less room for the envelope and field tags. */
#define AUDIT_REPLY_BUDGET (DM_FRAME_MAX - 4096)
#define AUDIT_ROW_OVERHEAD 64

struct audit_rows {
	Dm__AuditRow *rows;
	Dm__AuditRow **ptrs;
	size_t n;
};

static void audit_rows_free(struct audit_rows *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->rows[i].event);
		free(l->rows[i].token_hash);
		free(l->rows[i].subject);
		free(l->rows[i].remote_addr);
		free(l->rows[i].detail);
	}
	free(l->rows);
	free(l->ptrs);
}

static size_t col_len(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : (size_t)sqlite3_column_bytes(s, i);
}

/* A NULL column stays NULL; false only when a copy failed. */
static bool dup_opt(sqlite3_stmt *s, int i, char **ret)
{
	*ret = dup_col(s, i);
	return *ret != NULL || sqlite3_column_type(s, i) == SQLITE_NULL;
}

/* Fills one row from the statement; false on OOM (what was copied is still freed). */
static bool audit_row_fill(Dm__AuditRow *row, sqlite3_stmt *s)
{
	dm__audit_row__init(row);
	row->ts = sqlite3_column_int64(s, 0);
	/* event is NOT NULL in the schema; a hand-edited file still gets a string */
	row->event = dup_col(s, 1);
	if (row->event == NULL)
		row->event = strdup("");
	return row->event != NULL && dup_opt(s, 2, &row->token_hash) &&
	       dup_opt(s, 3, &row->subject) && dup_opt(s, 4, &row->remote_addr) &&
	       dup_opt(s, 5, &row->detail);
}

void tokens_on_audit_tail(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	const Dm__AuditTail *req = msg->audit_tail;
	sqlite3 *h = tokens_db(conn);
	if (h == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "token store unavailable");
		return;
	}
	if (req->event != NULL && !text_ok(req->event, 32)) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, NULL);
		return;
	}
	uint32_t limit = req->limit < AUDIT_TAIL_MAX ? req->limit : AUDIT_TAIL_MAX;
	sqlite3_stmt *s;
	/* id, not ts: rows of one second keep their order (the reference's choice too). */
	if (sqlite3_prepare_v2(h,
			       "SELECT ts, event, token_hash, subject, remote_addr, detail FROM "
			       "token_audit WHERE (?1 IS NULL OR event = ?1) ORDER BY id DESC "
			       "LIMIT ?2",
			       -1, &s, NULL) != SQLITE_OK) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	bind_text(s, 1, req->event);
	sqlite3_bind_int64(s, 2, limit);
	struct audit_rows l = {0};
	size_t cap = 0, used = 0;
	bool oom = false, truncated = false;
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		size_t need = AUDIT_ROW_OVERHEAD;
		for (int i = 1; i <= 5; i++)
			need += col_len(s, i);
		if (used + need > AUDIT_REPLY_BUDGET) {
			truncated = true;
			break;
		}
		used += need;
		if (l.n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			Dm__AuditRow *nr = realloc(l.rows, ncap * sizeof(*nr));
			if (nr == NULL) {
				oom = true;
				break;
			}
			l.rows = nr;
			cap = ncap;
		}
		if (!audit_row_fill(&l.rows[l.n++], s)) {
			oom = true;
			break;
		}
	}
	sqlite3_finalize(s);
	l.ptrs = calloc(l.n ? l.n : 1, sizeof(*l.ptrs));
	if (oom || l.ptrs == NULL || (r != SQLITE_DONE && r != SQLITE_ROW)) {
		(void)dm_ipc_reply_error(conn, msg->seq, oom || l.ptrs == NULL ? DM_ENOMEM : -EIO,
					 NULL);
		audit_rows_free(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		l.ptrs[i] = &l.rows[i];
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__AuditTailReply rep = DM__AUDIT_TAIL_REPLY__INIT;
	rep.status = 0;
	rep.n_rows = l.n;
	rep.rows = l.ptrs;
	rep.has_truncated = true;
	rep.truncated = truncated;
	env.body_case = DM__ENVELOPE__BODY_AUDIT_TAIL_REPLY;
	env.audit_tail_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
	audit_rows_free(&l);
}
