#include "cli/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/err.h"

/* ---- replay cache -------------------------------------------------------- */

int cli_replay_load(const char *path, uint64_t now, struct cli_replay *ret)
{
	struct cli_replay rc = {.path = cli_xstrdup(path)};
	json_error_t jerr;
	json_t *root, *row;
	size_t i, len;
	char *text;
	int r = cli_read_file(path, CLI_REPLAY_MAX_BYTES, &text, &len);

	if (r == -ENOENT) {
		*ret = rc;
		return 0;
	}
	if (r < 0) {
		free(rc.path);
		return r;
	}
	root = json_loadb(text, len, 0, &jerr);
	free(text);
	if (root == NULL || !json_is_array(root)) {
		json_decref(root);
		free(rc.path);
		return DM_EINVAL;
	}
	rc.rows = cli_xcalloc(json_array_size(root), sizeof(*rc.rows));
	json_array_foreach(root, i, row)
	{
		struct cli_replay_row *w = &rc.rows[rc.count];
		json_t *exp = json_array_get(row, 2);
		const char *spk = json_string_value(json_array_get(row, 0));
		const char *mid = json_string_value(json_array_get(row, 1));
		if (!json_is_array(row) || json_array_size(row) != 3 || !json_is_number(exp) ||
		    !cli_hex32(spk, w->spk) || !cli_is_hex(mid, 32) ||
		    dm_hex_decode(mid, 32, w->msg_id, 16) != 16)
			continue;
		double e = json_number_value(exp);
		if (e < 0 || e > 1e18 || (uint64_t)e < now)
			continue;
		w->exp = (uint64_t)e;
		rc.count++;
	}
	json_decref(root);
	*ret = rc;
	return 0;
}

bool cli_replay_seen(const struct cli_replay *rc, const uint8_t spk[32], const uint8_t msg_id[16],
		     uint64_t now)
{
	for (size_t i = 0; i < rc->count; i++)
		if (rc->rows[i].exp >= now && !memcmp(rc->rows[i].spk, spk, 32) &&
		    !memcmp(rc->rows[i].msg_id, msg_id, 16))
			return true;
	return false;
}

static int replay_save(const struct cli_replay *rc, uint64_t now)
{
	json_t *root = json_array();
	char *text;
	int r;

	for (size_t i = 0; i < rc->count; i++) {
		char spk[65], mid[33];
		if (rc->rows[i].exp < now)
			continue;
		dm_hex_encode(rc->rows[i].spk, 32, spk);
		dm_hex_encode(rc->rows[i].msg_id, 16, mid);
		json_array_append_new(root,
				      json_pack("[s,s,I]", spk, mid, (json_int_t)rc->rows[i].exp));
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return DM_ENOMEM;
	r = cli_write_atomic(rc->path, text, strlen(text), 0600);
	free(text);
	return r;
}

int cli_replay_add(struct cli_replay *rc, const uint8_t spk[32], const uint8_t msg_id[16],
		   uint64_t exp, uint64_t now)
{
	rc->rows = cli_xrealloc(rc->rows, (rc->count + 1) * sizeof(*rc->rows));
	memcpy(rc->rows[rc->count].spk, spk, 32);
	memcpy(rc->rows[rc->count].msg_id, msg_id, 16);
	rc->rows[rc->count].exp = exp;
	rc->count++;
	return replay_save(rc, now);
}

void cli_replay_free(struct cli_replay *rc)
{
	free(rc->path);
	free(rc->rows);
	memset(rc, 0, sizeof(*rc));
}

/* ---- sqlite helpers ------------------------------------------------------ */

static int open_private(const char *path, const char *schema, sqlite3 **ret)
{
	sqlite3 *db = NULL;
	int fd;

	/* Create the file 0600 ourselves: sqlite would honour the umask. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return DM_EUNAVAIL;
	}
	*ret = db;
	return 0;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* ---- prekeys.db ---------------------------------------------------------- */

static const char prekeys_schema[] =
    "CREATE TABLE IF NOT EXISTS prekeys (prekey_id INTEGER PRIMARY KEY, private_key BLOB NOT "
    "NULL, public_key BLOB NOT NULL, exp INTEGER NOT NULL, created_at INTEGER NOT NULL, "
    "wire_record TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS idx_prekeys_exp ON prekeys(exp);";

int cli_prekeys_open(const char *path, sqlite3 **ret)
{
	return open_private(path, prekeys_schema, ret);
}

int cli_prekeys_put(sqlite3 *db, uint32_t id, const uint8_t priv[32], const uint8_t pub[32],
		    uint64_t exp, uint64_t created, const char *wire)
{
	sqlite3_stmt *st = prep(db, "INSERT OR REPLACE INTO prekeys VALUES (?,?,?,?,?,?)");
	int rc;
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, priv, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, pub, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)exp);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)created);
	sqlite3_bind_text(st, 6, wire, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : DM_EUNAVAIL;
}

int cli_prekeys_get(sqlite3 *db, uint32_t id, uint64_t now, uint8_t ret_priv[32], uint64_t *ret_exp)
{
	sqlite3_stmt *st = prep(db, "SELECT private_key, exp FROM prekeys WHERE prekey_id = ?");
	int r = DM_ENOTFOUND;
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		sqlite3_int64 exp = sqlite3_column_int64(st, 1);
		if (exp > 0 && (uint64_t)exp > now) {
			memcpy(ret_priv, sqlite3_column_blob(st, 0), 32);
			*ret_exp = (uint64_t)exp;
			r = 0;
		}
	}
	sqlite3_finalize(st);
	return r;
}

bool cli_prekeys_exists(sqlite3 *db, uint32_t id)
{
	sqlite3_stmt *st = prep(db, "SELECT 1 FROM prekeys WHERE prekey_id = ?");
	bool found;
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int cli_prekeys_delete(sqlite3 *db, uint32_t id)
{
	sqlite3_stmt *st = prep(db, "DELETE FROM prekeys WHERE prekey_id = ?");
	int rc;
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : DM_EUNAVAIL;
}

long cli_prekeys_live(sqlite3 *db, uint64_t now)
{
	sqlite3_stmt *st = prep(db, "SELECT COUNT(*) FROM prekeys WHERE exp > ?");
	long n = 0;
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- intros.db ----------------------------------------------------------- */

static const char intros_schema[] =
    "CREATE TABLE IF NOT EXISTS intros (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_spk BLOB "
    "NOT NULL, msg_id BLOB NOT NULL, plaintext BLOB NOT NULL, sender_mailbox_domain TEXT NOT "
    "NULL, sender_label TEXT NOT NULL DEFAULT '', received_at INTEGER NOT NULL, msg_exp INTEGER "
    "NOT NULL, UNIQUE(sender_spk, msg_id));"
    "CREATE INDEX IF NOT EXISTS idx_intros_received_at ON intros(received_at DESC);"
    "CREATE TABLE IF NOT EXISTS denylist (sender_spk BLOB PRIMARY KEY, blocked_at INTEGER NOT "
    "NULL, note TEXT NOT NULL DEFAULT '');";

int cli_intros_open(const char *path, sqlite3 **ret)
{
	return open_private(path, intros_schema, ret);
}

bool cli_intros_blocked(sqlite3 *db, const uint8_t spk[32])
{
	sqlite3_stmt *st = prep(db, "SELECT 1 FROM denylist WHERE sender_spk = ?");
	bool found;
	if (st == NULL)
		return false;
	sqlite3_bind_blob(st, 1, spk, 32, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int cli_intros_add(sqlite3 *db, const struct cli_intro *in)
{
	sqlite3_stmt *st;
	int rc;
	if (cli_intros_blocked(db, in->spk))
		return 0;
	st = prep(db, "INSERT OR IGNORE INTO intros (sender_spk, msg_id, plaintext, "
		      "sender_mailbox_domain, sender_label, received_at, msg_exp) VALUES "
		      "(?,?,?,?,?,?,?)");
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_blob(st, 1, in->spk, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, in->msg_id, 16, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, in->plaintext_len ? (const void *)in->plaintext : "",
			  (int)in->plaintext_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, in->domain ? in->domain : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, in->label ? in->label : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)in->received_at);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)in->msg_exp);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return DM_EUNAVAIL;
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

static bool read_intro(sqlite3_stmt *st, struct cli_intro *in)
{
	const void *pt;
	int n;
	memset(in, 0, sizeof(*in));
	if (sqlite3_column_bytes(st, 1) != 32 || sqlite3_column_bytes(st, 2) != 16)
		return false;
	in->id = sqlite3_column_int64(st, 0);
	memcpy(in->spk, sqlite3_column_blob(st, 1), 32);
	memcpy(in->msg_id, sqlite3_column_blob(st, 2), 16);
	pt = sqlite3_column_blob(st, 3);
	n = sqlite3_column_bytes(st, 3);
	in->plaintext = cli_xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(in->plaintext, pt, (size_t)n);
	in->plaintext[n] = 0;
	in->plaintext_len = (size_t)n;
	in->domain = cli_xstrdup((const char *)(sqlite3_column_text(st, 4) ?: (const uint8_t *)""));
	in->label = cli_xstrdup((const char *)(sqlite3_column_text(st, 5) ?: (const uint8_t *)""));
	in->received_at = (uint64_t)sqlite3_column_int64(st, 6);
	in->msg_exp = (uint64_t)sqlite3_column_int64(st, 7);
	return true;
}

#define INTRO_COLS                                                                                 \
	"SELECT id, sender_spk, msg_id, plaintext, sender_mailbox_domain, sender_label, "          \
	"received_at, msg_exp FROM intros "

int cli_intros_list(sqlite3 *db, struct cli_intro **ret, size_t *ret_count)
{
	sqlite3_stmt *st = prep(db, INTRO_COLS "ORDER BY received_at DESC, id DESC");
	struct cli_intro *v = NULL;
	size_t n = 0;
	if (st == NULL)
		return DM_EUNAVAIL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = cli_xrealloc(v, (n + 1) * sizeof(*v));
		if (read_intro(st, &v[n]))
			n++;
	}
	sqlite3_finalize(st);
	*ret = v;
	*ret_count = n;
	return 0;
}

int cli_intros_get(sqlite3 *db, long long id, struct cli_intro **ret)
{
	sqlite3_stmt *st = prep(db, INTRO_COLS "WHERE id = ?");
	struct cli_intro *v = cli_xcalloc(1, sizeof(*v));
	int r = DM_ENOTFOUND;
	if (st == NULL) {
		free(v);
		return DM_EUNAVAIL;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && read_intro(st, v))
		r = 0;
	sqlite3_finalize(st);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	return 0;
}

int cli_intros_remove(sqlite3 *db, long long id)
{
	sqlite3_stmt *st = prep(db, "DELETE FROM intros WHERE id = ?");
	int rc;
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : DM_EUNAVAIL;
}

int cli_intros_block(sqlite3 *db, const uint8_t spk[32], const char *note, uint64_t now)
{
	sqlite3_stmt *st = prep(
	    db, "INSERT OR IGNORE INTO denylist (sender_spk, blocked_at, note) VALUES (?,?,?)");
	int rc;
	if (st == NULL)
		return DM_EUNAVAIL;
	sqlite3_bind_blob(st, 1, spk, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_text(st, 3, note ? note : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : DM_EUNAVAIL;
}

void cli_intros_free(struct cli_intro *v, size_t count)
{
	for (size_t i = 0; v && i < count; i++) {
		sodium_memzero(v[i].plaintext, v[i].plaintext_len);
		free(v[i].plaintext);
		free(v[i].domain);
		free(v[i].label);
	}
	free(v);
}
