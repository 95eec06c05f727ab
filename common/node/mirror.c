#include "common/node/mirror.h"

#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/node/log.h"

uint64_t dm_mirror_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

static uint64_t expiry_of(const Dm__Record *rec, uint64_t now)
{
	if (rec->has_expires_at)
		return rec->expires_at > 0 ? (uint64_t)rec->expires_at : 0;
	/* An upsert without an absolute expiry lives its ttl from now. */
	return now + (rec->has_ttl ? rec->ttl : 0);
}

static void upsert(struct dm_mirror *m, struct dm_dns_table *t, const Dm__Record *rec, uint64_t now)
{
	int r = dm_dns_table_put(t, rec->name, strlen(rec->name), rec->value.data, rec->value.len,
				 expiry_of(rec, now));
	if (r < 0) {
		/* A name DNS cannot carry (empty label, > 255 bytes) stays HTTP-only. */
		char esc[96];
		m->rejected++;
		log_debug("not serving %s over %s: %s, ignoring",
			  log_escape(rec->name, strlen(rec->name), esc, sizeof(esc)), m->what,
			  dm_strerror(r));
	}
}

static void remove_record(struct dm_dns_table *t, const Dm__Record *rec)
{
	/* A delete without a value removes the whole name. */
	if (!rec->has_value)
		(void)dm_dns_table_del_name(t, rec->name, strlen(rec->name));
	else
		(void)dm_dns_table_del_value(t, rec->name, strlen(rec->name), rec->value.data,
					     rec->value.len);
}

static void apply_to(struct dm_mirror *m, struct dm_dns_table *t, const Dm__RecordBatch *b,
		     uint64_t now)
{
	for (size_t i = 0; i < b->n_upserts; i++)
		upsert(m, t, b->upserts[i], now);
	for (size_t i = 0; i < b->n_deletes; i++)
		remove_record(t, b->deletes[i]);
}

void dm_mirror_apply(struct dm_mirror *m, const Dm__RecordBatch *b)
{
	uint64_t now = dm_mirror_now();
	if (b->has_snapshot && b->snapshot) {
		/* Snapshot rows from before our Subscribe was accepted have nowhere to go. */
		if (m->building != NULL)
			apply_to(m, m->building, b, now);
		return;
	}
	m->upserts += b->n_upserts;
	m->deletes += b->n_deletes;
	if (m->table != NULL)
		apply_to(m, m->table, b, now);
	if (m->building != NULL)
		apply_to(m, m->building, b, now);
}

static void on_snapshot_end(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct dm_mirror *m = arg;
	struct dm_dns_table *t = m->building;

	m->building = NULL;
	if (err == 0 && rep->body_case != DM__ENVELOPE__BODY_SNAPSHOT_END)
		err = rep->body_case == DM__ENVELOPE__BODY_ERROR ? rep->error->code : DM_EPROTO;
	if (err != 0 || t == NULL) {
		dm_dns_table_free(t);
		if (err != DM_EUNAVAIL) {
			log_warnx("store snapshot failed: %s, reconnecting", dm_strerror(err));
			if (!conn->closing)
				dm_ipc_conn_close(conn);
		}
		return;
	}
	dm_dns_table_free(m->table);
	m->table = t;
	m->snapshots++;
	log_info("%s serving %zu values at %zu names from the store (%zu bytes)", m->what,
		 dm_dns_table_values(t), dm_dns_table_names(t), dm_dns_table_bytes(t));
	if (m->on_loaded != NULL)
		m->on_loaded(m, m->arg);
}

void dm_mirror_subscribe(struct dm_mirror *m, struct dm_ipc_conn *conn)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__Subscribe sub = DM__SUBSCRIBE__INIT;

	dm_dns_table_free(m->building);
	m->building = dm_dns_table_new();
	if (m->building == NULL) {
		log_warnx("out of memory for a snapshot, %s", "reconnecting");
		dm_ipc_conn_close(conn);
		return;
	}
	env.body_case = DM__ENVELOPE__BODY_SUBSCRIBE;
	env.subscribe = &sub;
	int r = dm_ipc_request(conn, &env, DM_MIRROR_SUBSCRIBE_MS, on_snapshot_end, m);
	if (r < 0) {
		dm_dns_table_free(m->building);
		m->building = NULL;
		log_warnx("cannot subscribe to the store: %s", dm_strerror(r));
		return;
	}
	log_info("connected to the store, loading its records");
}

void dm_mirror_lost(struct dm_mirror *m)
{
	dm_dns_table_free(m->building);
	m->building = NULL;
}

static void purge_cb(uv_timer_t *t)
{
	struct dm_mirror *m = t->data;
	if (m->table != NULL) {
		size_t n = dm_dns_table_expire(m->table, dm_mirror_now());
		if (n > 0)
			log_debug("dropped %zu expired values", n);
	}
}

void dm_mirror_init(struct dm_mirror *m, uv_loop_t *loop, uint32_t purge_s, const char *what)
{
	memset(m, 0, sizeof(*m));
	m->what = what;
	uv_timer_init(loop, &m->purge);
	m->purge.data = m;
	uint64_t every = (uint64_t)(purge_s ? purge_s : 60) * 1000;
	uv_timer_start(&m->purge, purge_cb, every, every);
}

void dm_mirror_done(struct dm_mirror *m)
{
	uv_close((uv_handle_t *)&m->purge, NULL);
	dm_dns_table_free(m->building);
	m->building = NULL;
	dm_dns_table_free(m->table);
	m->table = NULL;
}
