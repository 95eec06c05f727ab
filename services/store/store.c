#include "services/store/store.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/store/seen.h"
#include "services/store/sync.h"
#include "services/store/tokens.h"

/* Batch notifications into frames well under DM_FRAME_MAX. */
#define NOTIFY_FRAME_BYTES (96 * 1024)
/* Hard limits the store enforces whatever the frontends were configured with. */
#define STORE_NAME_MAX	255
#define STORE_VALUE_MAX 65535

enum op_kind { OP_PUT, OP_DELETE, OP_SYNC_DELETE };

struct store_op {
	enum op_kind kind;
	struct dm_ipc_conn *conn; /* NULL once the requester went away */
	uint64_t seq;
	char *name;
	uint8_t *value;
	size_t value_len;
	bool has_value;
	uint32_t ttl;
	uint32_t max_values;
	Dm__Role role; /* who asked: tombstones keep only peers out (sync.h) */
	/* OP_SYNC_DELETE: a peer's tombstone */
	char hash[DM_SYNC_HASH_HEX + 1];
	int64_t deleted_ms, tomb_expires;
	bool recorded;
	/* results */
	int status;
	bool created;
	unsigned deleted;
	int64_t expires_at, stored_ms;
	struct store_op *next;
};

struct peer {
	bool subscribed;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void op_free(struct store_op *op)
{
	free(op->name);
	free(op->value);
	free(op);
}

/* ---- change feed ---- */

struct notify_batch {
	Dm__Record *recs;
	Dm__Record **ptrs;
	size_t count, cap, bytes;
	bool deletes;
};

static void send_to_subscribers(struct store *st, Dm__RecordBatch *batch)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	env.body_case = DM__ENVELOPE__BODY_RECORD_BATCH;
	env.record_batch = batch;
	struct dm_ipc_conn *c = st->server.conns;
	while (c != NULL) {
		struct dm_ipc_conn *next = c->next; /* a send may close c */
		struct peer *p = c->data;
		if (p != NULL && p->subscribed)
			(void)dm_ipc_send(c, &env);
		c = next;
	}
}

static void notify_flush(struct store *st, struct notify_batch *nb, bool snapshot,
			 struct dm_ipc_conn *only)
{
	if (nb->count == 0)
		return;
	Dm__RecordBatch batch = DM__RECORD_BATCH__INIT;
	for (size_t i = 0; i < nb->count; i++)
		nb->ptrs[i] = &nb->recs[i];
	batch.has_snapshot = snapshot;
	batch.snapshot = snapshot;
	if (nb->deletes) {
		batch.n_deletes = nb->count;
		batch.deletes = nb->ptrs;
	} else {
		batch.n_upserts = nb->count;
		batch.upserts = nb->ptrs;
	}
	if (only != NULL) {
		Dm__Envelope env = DM__ENVELOPE__INIT;
		env.body_case = DM__ENVELOPE__BODY_RECORD_BATCH;
		env.record_batch = &batch;
		(void)dm_ipc_send(only, &env);
	} else {
		send_to_subscribers(st, &batch);
	}
	nb->count = 0;
	nb->bytes = 0;
}

/* Adds one record (borrowing its strings until the next flush). */
static int notify_add(struct store *st, struct notify_batch *nb, const char *name,
		      const uint8_t *value, size_t value_len, bool has_value, uint32_t ttl,
		      int64_t expires_at, int64_t stored_ms, bool snapshot,
		      struct dm_ipc_conn *only)
{
	if (nb->count == nb->cap) {
		size_t ncap = nb->cap ? nb->cap * 2 : 64;
		Dm__Record *r = realloc(nb->recs, ncap * sizeof(*r));
		if (r == NULL)
			return DM_ENOMEM;
		nb->recs = r;
		Dm__Record **p = realloc(nb->ptrs, ncap * sizeof(*p));
		if (p == NULL)
			return DM_ENOMEM;
		nb->ptrs = p;
		nb->cap = ncap;
	}
	Dm__Record *rec = &nb->recs[nb->count++];
	dm__record__init(rec);
	rec->name = (char *)name;
	if (has_value) {
		rec->has_value = true;
		rec->value.data = (uint8_t *)value;
		rec->value.len = value_len;
	}
	rec->has_ttl = true;
	rec->ttl = ttl;
	rec->has_expires_at = true;
	rec->expires_at = expires_at;
	rec->has_stored_ms = true;
	rec->stored_ms = stored_ms;
	nb->bytes += strlen(name) + value_len + 32;
	if (nb->bytes >= NOTIFY_FRAME_BYTES)
		notify_flush(st, nb, snapshot, only);
	return 0;
}

static void notify_done(struct notify_batch *nb)
{
	free(nb->recs);
	free(nb->ptrs);
}

/* ---- group commit ---- */

static void apply_op(struct store *st, struct store_op *op, int64_t ms)
{
	if (op->kind == OP_PUT) {
		op->status = store_sync_put(st->sync, op->role, op->name, op->value, op->value_len,
					    op->ttl, ms, op->max_values, &op->created);
		op->expires_at = ms / 1000 + op->ttl;
		op->stored_ms = ms;
	} else if (op->kind == OP_DELETE) {
		op->status = store_sync_delete(st->sync, op->name, op->has_value ? op->value : NULL,
					       op->value_len, ms, &op->deleted);
	} else {
		/* The removed value (if any) goes to subscribers as a delete. */
		op->status = store_sync_tombstone(st->sync, op->name, op->hash, op->deleted_ms,
						  op->tomb_expires, ms, &op->deleted, &op->recorded,
						  &op->value, &op->value_len);
		op->has_value = op->value != NULL;
	}
}

static void reply_op(struct store_op *op)
{
	if (op->conn == NULL)
		return;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__PutResult put = DM__PUT_RESULT__INIT;
	Dm__DeleteResult del = DM__DELETE_RESULT__INIT;
	Dm__SyncDeleteResult sdel = DM__SYNC_DELETE_RESULT__INIT;
	if (op->kind == OP_SYNC_DELETE) {
		sdel.status = op->status;
		sdel.deleted = op->deleted;
		sdel.recorded = op->recorded;
		env.body_case = DM__ENVELOPE__BODY_SYNC_DELETE_RESULT;
		env.sync_delete_result = &sdel;
	} else if (op->kind == OP_PUT) {
		put.status = op->status;
		put.has_created = op->status == 0;
		put.created = op->created;
		env.body_case = DM__ENVELOPE__BODY_PUT_RESULT;
		env.put_result = &put;
	} else {
		del.status = op->status;
		del.deleted = op->deleted;
		env.body_case = DM__ENVELOPE__BODY_DELETE_RESULT;
		env.delete_result = &del;
	}
	(void)dm_ipc_reply(op->conn, op->seq, &env);
}

static void store_flush(struct store *st)
{
	struct store_op *ops = st->queue;
	if (ops == NULL)
		return;
	st->queue = NULL;
	st->queue_tail = &st->queue;

	int64_t ms = now_ms();
	int r = store_db_begin(st->db);
	if (r == 0) {
		for (struct store_op *op = ops; op != NULL; op = op->next) {
			apply_op(st, op, ms);
			if (op->status == -EIO) {
				r = -EIO;
				break;
			}
		}
	}
	if (r == 0)
		r = store_db_commit(st->db);
	if (r < 0) {
		store_db_rollback(st->db);
		store_sync_recount(st->sync);
		log_warnx("transaction failed, %s", "answering every writer with an error");
		for (struct store_op *op = ops; op != NULL; op = op->next)
			op->status = -EIO;
	} else {
		st->commits++;
	}

	/* Durable now: answer the writers, then tell the subscribers. */
	struct notify_batch ups = {0}, dels = {.deletes = true};
	for (struct store_op *op = ops; op != NULL; op = op->next) {
		reply_op(op);
		if (op->status != 0)
			continue;
		if (op->kind == OP_PUT) {
			st->puts++;
			(void)notify_add(st, &ups, op->name, op->value, op->value_len, true,
					 op->ttl, op->expires_at, op->stored_ms, false, NULL);
		} else if (op->deleted > 0) {
			/* Deletes and upserts of one batch must reach subscribers in order. */
			notify_flush(st, &ups, false, NULL);
			(void)notify_add(st, &dels, op->name, op->value, op->value_len,
					 op->has_value, 0, 0, 0, false, NULL);
			notify_flush(st, &dels, false, NULL);
		}
	}
	notify_flush(st, &ups, false, NULL);
	notify_done(&ups);
	notify_done(&dels);
	while (ops != NULL) {
		struct store_op *next = ops->next;
		op_free(ops);
		ops = next;
	}
}

static void flush_cb(uv_check_t *h)
{
	store_flush(h->data);
}

static struct store *store_of(struct dm_ipc_conn *conn)
{
	return conn->ep->ctx;
}

static void enqueue(struct store *st, struct store_op *op)
{
	*st->queue_tail = op;
	st->queue_tail = &op->next;
}

static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len <= STORE_NAME_MAX;
}

/* ---- handlers ---- */

static void on_put(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	const Dm__PutRecord *req = msg->put_record;
	if (!name_ok(req->name) || req->value.len > STORE_VALUE_MAX || req->ttl == 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "bad name, value or ttl");
		return;
	}
	struct store_op *op = calloc(1, sizeof(*op));
	if (op == NULL || (op->name = strdup(req->name)) == NULL ||
	    (op->value = malloc(req->value.len + 1)) == NULL) {
		if (op != NULL)
			op_free(op);
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	op->kind = OP_PUT;
	op->role = conn->peer_role;
	op->conn = conn;
	op->seq = msg->seq;
	if (req->value.len)
		memcpy(op->value, req->value.data, req->value.len);
	op->value_len = req->value.len;
	op->has_value = true;
	op->ttl = req->ttl;
	op->max_values = req->has_max_values ? req->max_values : 0;
	enqueue(st, op);
}

static void on_delete(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	const Dm__DeleteRecord *req = msg->delete_record;
	if (!name_ok(req->name)) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "bad name");
		return;
	}
	struct store_op *op = calloc(1, sizeof(*op));
	if (op == NULL || (op->name = strdup(req->name)) == NULL) {
		if (op != NULL)
			op_free(op);
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	op->kind = OP_DELETE;
	op->conn = conn;
	op->seq = msg->seq;
	if (req->has_value) {
		op->value = malloc(req->value.len + 1);
		if (op->value == NULL) {
			op_free(op);
			(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
			return;
		}
		if (req->value.len)
			memcpy(op->value, req->value.data, req->value.len);
		op->value_len = req->value.len;
		op->has_value = true;
	}
	enqueue(st, op);
}

struct get_ctx {
	Dm__Record *recs;
	Dm__Record **ptrs;
	char **names;
	uint8_t **values;
	size_t count, cap, bytes;
	bool failed;
};

static int collect_row(const struct store_row *row, void *arg)
{
	struct get_ctx *g = arg;
	if (g->bytes + row->value_len + row->name_len + 32 > DM_FRAME_MAX - 1024)
		return 1; /* the cap on values per name keeps real RRsets far below this */
	if (g->count == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 16;
		Dm__Record *r = realloc(g->recs, ncap * sizeof(*r));
		if (r != NULL)
			g->recs = r;
		char **n = realloc(g->names, ncap * sizeof(*n));
		if (n != NULL)
			g->names = n;
		uint8_t **v = realloc(g->values, ncap * sizeof(*v));
		if (v != NULL)
			g->values = v;
		if (r == NULL || n == NULL || v == NULL) {
			g->failed = true;
			return 1;
		}
		g->cap = ncap;
	}
	char *name = strndup(row->name, row->name_len);
	uint8_t *value = malloc(row->value_len + 1);
	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		g->failed = true;
		return 1;
	}
	memcpy(value, row->value, row->value_len);
	Dm__Record *rec = &g->recs[g->count];
	dm__record__init(rec);
	rec->name = name;
	rec->has_value = true;
	rec->value.data = value;
	rec->value.len = row->value_len;
	rec->has_ttl = rec->has_expires_at = rec->has_stored_ms = true;
	rec->ttl = row->ttl;
	rec->expires_at = row->expires_at;
	rec->stored_ms = row->stored_ms;
	g->names[g->count] = name;
	g->values[g->count] = value;
	g->count++;
	g->bytes += row->value_len + row->name_len + 32;
	return 0;
}

static void on_get(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	store_flush(st); /* read your own writes */
	struct get_ctx g = {0};
	int n = store_db_get(st->db, msg->get_records->name,
			     msg->get_records->has_fold_case && msg->get_records->fold_case,
			     now_ms() / 1000, collect_row, &g);
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__RecordSet set = DM__RECORD_SET__INIT;
	if (n < 0 || g.failed) {
		(void)dm_ipc_reply_error(conn, msg->seq, n < 0 ? -EIO : DM_ENOMEM, NULL);
	} else {
		g.ptrs = calloc(g.count ? g.count : 1, sizeof(*g.ptrs));
		for (size_t i = 0; g.ptrs != NULL && i < g.count; i++)
			g.ptrs[i] = &g.recs[i];
		set.status = g.count ? 0 : DM_ENOTFOUND;
		set.n_records = g.ptrs ? g.count : 0;
		set.records = g.ptrs;
		env.body_case = DM__ENVELOPE__BODY_RECORD_SET;
		env.record_set = &set;
		(void)dm_ipc_reply(conn, msg->seq, &env);
	}
	for (size_t i = 0; i < g.count; i++) {
		free(g.names[i]);
		free(g.values[i]);
	}
	free(g.recs);
	free(g.ptrs);
	free(g.names);
	free(g.values);
}

struct snap_ctx {
	struct store *st;
	struct dm_ipc_conn *conn;
	struct notify_batch nb;
	uint64_t count;
	/* the batch borrows row strings, which die at the next sqlite step */
	char *names[1024];
	uint8_t *values[1024];
	size_t owned;
};

static void snap_release(struct snap_ctx *s)
{
	for (size_t i = 0; i < s->owned; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	s->owned = 0;
}

static int snap_row(const struct store_row *row, void *arg)
{
	struct snap_ctx *s = arg;
	if (s->conn->closing)
		return 1;
	if (s->owned == 1024) {
		notify_flush(s->st, &s->nb, true, s->conn);
		snap_release(s);
	}
	char *name = strndup(row->name, row->name_len);
	uint8_t *value = malloc(row->value_len + 1);
	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		return 1;
	}
	memcpy(value, row->value, row->value_len);
	s->names[s->owned] = name;
	s->values[s->owned] = value;
	s->owned++;
	s->count++;
	size_t before = s->nb.count;
	(void)notify_add(s->st, &s->nb, name, value, row->value_len, true, row->ttl,
			 row->expires_at, row->stored_ms, true, s->conn);
	if (s->nb.count < before + 1) /* flushed inside notify_add */
		snap_release(s);
	return 0;
}

static void on_subscribe(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	struct peer *p = conn->data;
	store_flush(st);
	struct snap_ctx *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	s->st = st;
	s->conn = conn;
	int n = store_db_scan(st->db, now_ms() / 1000, snap_row, s);
	notify_flush(st, &s->nb, true, conn);
	snap_release(s);
	notify_done(&s->nb);
	if (n < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, "snapshot failed");
	} else if (!conn->closing) {
		Dm__Envelope env = DM__ENVELOPE__INIT;
		Dm__SnapshotEnd end = DM__SNAPSHOT_END__INIT;
		end.records = s->count;
		env.body_case = DM__ENVELOPE__BODY_SNAPSHOT_END;
		env.snapshot_end = &end;
		(void)dm_ipc_reply(conn, msg->seq, &env);
		p->subscribed = true;
	}
	free(s);
}

static void on_stats(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__StatsReply rep = DM__STATS_REPLY__INIT;
	if (store_db_count(st->db, now_ms() / 1000, &rep.records, &rep.names) < 0) {
		(void)dm_ipc_reply_error(conn, msg->seq, -EIO, NULL);
		return;
	}
	rep.has_puts = rep.has_commits = true;
	rep.puts = st->puts;
	rep.commits = st->commits;
	env.body_case = DM__ENVELOPE__BODY_STATS_REPLY;
	env.stats_reply = &rep;
	(void)dm_ipc_reply(conn, msg->seq, &env);
}

/* ---- anti-entropy (sync.c): reads see every queued write first ---- */

static void on_sync_digest(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	store_flush(st);
	store_sync_on_digest(st->sync, conn, msg, now_ms());
}

static void on_sync_pull(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	store_flush(st);
	store_sync_on_pull(st->sync, conn, msg, now_ms());
}

static void on_sync_summary(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	store_flush(st);
	store_sync_on_summary(st->sync, conn, msg, now_ms());
}

static void on_sync_compare(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	store_flush(st);
	store_sync_on_compare(st->sync, conn, msg, now_ms());
}

static void on_sync_delete(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct store *st = store_of(conn);
	const Dm__SyncDelete *req = msg->sync_delete;
	if (!name_ok(req->name) || !dm_sync_hash_ok(req->hash, strlen(req->hash))) {
		(void)dm_ipc_reply_error(conn, msg->seq, DM_EINVAL, "bad name or hash");
		return;
	}
	struct store_op *op = calloc(1, sizeof(*op));
	if (op == NULL || (op->name = strdup(req->name)) == NULL) {
		if (op != NULL)
			op_free(op);
		(void)dm_ipc_reply_error(conn, msg->seq, DM_ENOMEM, NULL);
		return;
	}
	op->kind = OP_SYNC_DELETE;
	op->role = conn->peer_role;
	op->conn = conn;
	op->seq = msg->seq;
	memcpy(op->hash, req->hash, sizeof(op->hash));
	op->deleted_ms = req->deleted_ms;
	op->tomb_expires = req->expires_at;
	enqueue(st, op);
}

#define ALLOW(role, body, fn)                                                                      \
	{                                                                                          \
		DM__ROLE__ROLE_##role, DM__ENVELOPE__BODY_##body, fn                               \
	}

/* Who may ask the store for what (STYLE.md §3: one table per service). */
static const struct dm_ipc_rule store_rules[] = {
    ALLOW(DNS_FRONTEND, SUBSCRIBE, on_subscribe),
    ALLOW(DNS_FRONTEND, GET_RECORDS, on_get),
    ALLOW(DNS_FRONTEND, STATS_REQUEST, on_stats),
    ALLOW(HTTPS_FRONTEND, PUT_RECORD, on_put),
    ALLOW(HTTPS_FRONTEND, DELETE_RECORD, on_delete),
    ALLOW(HTTPS_FRONTEND, GET_RECORDS, on_get),
    ALLOW(HTTPS_FRONTEND, SUBSCRIBE, on_subscribe),
    ALLOW(HTTPS_FRONTEND, STATS_REQUEST, on_stats),
    ALLOW(SYNC, PUT_RECORD, on_put),
    ALLOW(SYNC, DELETE_RECORD, on_delete),
    ALLOW(SYNC, GET_RECORDS, on_get),
    ALLOW(HEARTBEAT, PUT_RECORD, on_put),
    ALLOW(HEARTBEAT, DELETE_RECORD, on_delete),
    ALLOW(HEARTBEAT, GET_RECORDS, on_get),
    ALLOW(ADMIN, PUT_RECORD, on_put),
    ALLOW(ADMIN, DELETE_RECORD, on_delete),
    ALLOW(ADMIN, GET_RECORDS, on_get),
    ALLOW(ADMIN, SUBSCRIBE, on_subscribe),
    ALLOW(ADMIN, STATS_REQUEST, on_stats),
    /* anti-entropy (sync.c): the frontend serves the sync routes, the sync service runs rounds */
    ALLOW(HTTPS_FRONTEND, SYNC_DIGEST, on_sync_digest),
    ALLOW(HTTPS_FRONTEND, SYNC_PULL, on_sync_pull),
    ALLOW(HTTPS_FRONTEND, SYNC_SUMMARY_REQUEST, on_sync_summary),
    ALLOW(SYNC, SYNC_DIGEST, on_sync_digest),
    ALLOW(SYNC, SYNC_PULL, on_sync_pull),
    ALLOW(SYNC, SYNC_SUMMARY_REQUEST, on_sync_summary),
    ALLOW(SYNC, SYNC_COMPARE, on_sync_compare),
    ALLOW(SYNC, SYNC_DELETE, on_sync_delete),
    ALLOW(ADMIN, SYNC_SUMMARY_REQUEST, on_sync_summary),
    /* the token store (tokens.c): frontend and operator only */
    ALLOW(HTTPS_FRONTEND, TOKEN_LOOKUP, tokens_on_lookup),
    ALLOW(HTTPS_FRONTEND, TOKEN_AUDIT, tokens_on_audit),
    ALLOW(HTTPS_FRONTEND, TOKEN_REGISTER, tokens_on_register),
    ALLOW(ADMIN, TOKEN_ISSUE, tokens_on_issue),
    ALLOW(ADMIN, TOKEN_LIST, tokens_on_list),
    ALLOW(ADMIN, TOKEN_REVOKE, tokens_on_revoke),
    ALLOW(ADMIN, TOKEN_ROTATE, tokens_on_rotate),
    ALLOW(ADMIN, AUDIT_TAIL, tokens_on_audit_tail),
    /* seen heartbeats (seen.c): what the frontend verified, what the heartbeat service gossips */
    ALLOW(HTTPS_FRONTEND, SEEN_PUT, seen_on_put),
    ALLOW(HTTPS_FRONTEND, SEEN_LIST, seen_on_list),
    ALLOW(HEARTBEAT, SEEN_PUT, seen_on_put),
    ALLOW(HEARTBEAT, SEEN_LIST, seen_on_list),
    ALLOW(ADMIN, SEEN_LIST, seen_on_list),
    {0, 0, NULL},
};

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	(void)ctx;
	conn->data = calloc(1, sizeof(struct peer));
	if (conn->data == NULL)
		dm_ipc_conn_close(conn);
	log_debug("%s connected (pid %d)", dm_ipc_role_name(conn->peer_role), (int)conn->peer_pid);
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct store *st = ctx;
	/* Its queued writes still commit; only the answers have nowhere to go. */
	for (struct store_op *op = st->queue; op != NULL; op = op->next)
		if (op->conn == conn)
			op->conn = NULL;
	free(conn->data);
	conn->data = NULL;
}

/*
 * A peer running under the same uid as the store (a single-user local node)
 * may claim any role; otherwise its uid must be the one of the service user
 * for the role it claims (dnsmeshd as root and systemd run each service
 * under its own user), and root may act as anything.
 */
static bool authorize(void *ctx, Dm__Role role, uid_t uid)
{
	struct store *st = ctx;
	if (uid == getuid() || uid == 0)
		return true;
	if ((unsigned)role < sizeof(st->role_uid) / sizeof(st->role_uid[0]))
		return st->role_uid[role] != (uid_t)-1 && st->role_uid[role] == uid;
	return false;
}

static void resolve_role_users(struct store *st)
{
	static const struct {
		Dm__Role role;
		const char *user;
	} users[] = {
	    {DM__ROLE__ROLE_DNS_FRONTEND, "dnsmesh-dns"},
	    {DM__ROLE__ROLE_HTTPS_FRONTEND, "dnsmesh-https"},
	    {DM__ROLE__ROLE_SYNC, "dnsmesh-sync"},
	    {DM__ROLE__ROLE_HEARTBEAT, "dnsmesh-heartbeat"},
	};
	for (size_t i = 0; i < sizeof(st->role_uid) / sizeof(st->role_uid[0]); i++)
		st->role_uid[i] = (uid_t)-1;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct passwd *pw = getpwnam(users[i].user);
		if (pw != NULL)
			st->role_uid[users[i].role] = pw->pw_uid;
	}
}

static int expire_row(const struct store_row *row, void *arg)
{
	store_sync_forget_row(arg, row);
	return 0;
}

static void cleanup_cb(uv_timer_t *t)
{
	struct store *st = t->data;
	store_flush(st);
	if (store_db_begin(st->db) < 0)
		return;
	int n = store_db_expire(st->db, now_ms() / 1000, expire_row, st->sync);
	if (n < 0 || store_sync_expire(st->sync, now_ms() / 1000) < 0 ||
	    store_db_commit(st->db) < 0) {
		store_db_rollback(st->db);
		store_sync_recount(st->sync);
		log_warnx("expiry sweep failed, %s", "will retry next interval");
		return;
	}
	if (n > 0)
		log_debug("expired %d values", n);
	/* Subscribers drop expired values by themselves (they know the expiry). */
}

int store_start(struct store *st, uv_loop_t *loop, const struct dm_config *cfg, struct store_db *db)
{
	st->loop = loop;
	st->cfg = cfg;
	st->db = db;
	st->queue = NULL;
	st->queue_tail = &st->queue;
	resolve_role_users(st);
	char err[256];
	st->sync = store_sync_open(db, err, sizeof(err));
	if (st->sync == NULL) {
		log_warnx("cannot open the sync tables: %s", err);
		return -EIO;
	}
	st->server.ep.loop = loop;
	st->server.ep.self_role = DM__ROLE__ROLE_STORE;
	st->server.ep.rules = store_rules;
	st->server.ep.on_up = on_up;
	st->server.ep.on_down = on_down;
	st->server.ep.ctx = st;
	st->server.authorize = authorize;

	int fd = dm_listen_fd("store");
	int r;
	if (fd >= 0) {
		r = dm_ipc_server_open(&st->server, fd);
	} else {
		char path[DM_PATH_MAX];
		if (dm_config_socket_path(cfg, "store.sock", path, sizeof(path)) < 0)
			return DM_ETOOBIG;
		r = dm_ipc_server_listen(&st->server, path);
		if (r < 0)
			log_warnx("cannot listen on %s: %s", path, uv_strerror(r));
	}
	if (r < 0)
		return r;
	uv_check_init(loop, &st->flush);
	st->flush.data = st;
	uv_check_start(&st->flush, flush_cb);
	uv_timer_init(loop, &st->cleanup);
	st->cleanup.data = st;
	uint64_t every = (uint64_t)cfg->cleanup_interval * 1000;
	uv_timer_start(&st->cleanup, cleanup_cb, every, every);
	seen_start(loop, cfg);
	return 0;
}

void store_stop(struct store *st)
{
	store_flush(st);
	tokens_close();
	store_sync_close(st->sync);
	st->sync = NULL;
	seen_close();
	dm_ipc_server_close(&st->server);
	uv_close((uv_handle_t *)&st->flush, NULL);
	uv_close((uv_handle_t *)&st->cleanup, NULL);
}
