/*
 * The store's change feed, applied to the table the frontend answers from.
 *
 * On every (re)connection we subscribe and load the snapshot into a NEW
 * table, swapped in whole at SnapshotEnd: until then the old table keeps
 * answering, so a store restart never blanks DNS, and while the store is
 * down the last data set is served as it was (expiry still applies).
 */
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/node/log.h"
#include "services/dns-frontend/dnsfe.h"

uint64_t dnsfe_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

uint64_t dnsfe_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct dnsfe *fe_of(struct dm_ipc_conn *conn)
{
	return conn->ep->ctx;
}

static uint64_t expiry_of(const Dm__Record *rec, uint64_t now)
{
	if (rec->has_expires_at)
		return rec->expires_at > 0 ? (uint64_t)rec->expires_at : 0;
	/* An upsert without an absolute expiry lives its ttl from now. */
	return now + (rec->has_ttl ? rec->ttl : 0);
}

static void upsert(struct dnsfe *fe, struct dm_dns_table *t, const Dm__Record *rec, uint64_t now)
{
	int r = dm_dns_table_put(t, rec->name, strlen(rec->name), rec->value.data, rec->value.len,
				 expiry_of(rec, now));
	if (r < 0) {
		/* A name DNS cannot carry (empty label, > 255 bytes) is HTTP-only. */
		char esc[96];
		fe->feed.rejected++;
		log_debug("not serving %s: %s, ignoring",
			  log_escape(rec->name, strlen(rec->name), esc, sizeof(esc)),
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

static void apply(struct dnsfe *fe, struct dm_dns_table *t, const Dm__RecordBatch *b, uint64_t now)
{
	for (size_t i = 0; i < b->n_upserts; i++)
		upsert(fe, t, b->upserts[i], now);
	for (size_t i = 0; i < b->n_deletes; i++)
		remove_record(t, b->deletes[i]);
}

static void on_batch(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct dnsfe *fe = fe_of(conn);
	const Dm__RecordBatch *b = msg->record_batch;
	uint64_t now = dnsfe_now();

	if (b->has_snapshot && b->snapshot) {
		/* Snapshot rows before our Subscribe was accepted have nowhere to go. */
		if (fe->feed.building != NULL)
			apply(fe, fe->feed.building, b, now);
		return;
	}
	fe->feed.upserts += b->n_upserts;
	fe->feed.deletes += b->n_deletes;
	if (fe->table != NULL)
		apply(fe, fe->table, b, now);
	if (fe->feed.building != NULL)
		apply(fe, fe->feed.building, b, now);
}

static void on_snapshot_end(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct dnsfe *fe = arg;
	struct dm_dns_table *t = fe->feed.building;

	(void)conn;
	fe->feed.building = NULL;
	if (err == 0 && rep->body_case != DM__ENVELOPE__BODY_SNAPSHOT_END)
		err = rep->body_case == DM__ENVELOPE__BODY_ERROR ? rep->error->code : DM_EPROTO;
	if (err != 0 || t == NULL) {
		dm_dns_table_free(t);
		if (err != DM_EUNAVAIL) {
			log_warnx("store snapshot failed: %s, reconnecting", dm_strerror(err));
			struct dm_ipc_conn *c = dm_ipc_client_conn(&fe->feed.client);
			if (c != NULL)
				dm_ipc_conn_close(c);
		}
		return;
	}
	dm_dns_table_free(fe->table);
	fe->table = t;
	fe->feed.snapshots++;
	log_info("serving %zu values at %zu names from the store (%zu bytes)",
		 dm_dns_table_values(t), dm_dns_table_names(t), dm_dns_table_bytes(t));
	if (fe->on_loaded != NULL)
		fe->on_loaded(fe);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	struct dnsfe *fe = ctx;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__Subscribe sub = DM__SUBSCRIBE__INIT;

	dm_dns_table_free(fe->feed.building);
	fe->feed.building = dm_dns_table_new();
	if (fe->feed.building == NULL) {
		log_warnx("out of memory for a snapshot, %s", "reconnecting");
		dm_ipc_conn_close(conn);
		return;
	}
	env.body_case = DM__ENVELOPE__BODY_SUBSCRIBE;
	env.subscribe = &sub;
	int r = dm_ipc_request(conn, &env, DNSFE_SUBSCRIBE_MS, on_snapshot_end, fe);
	if (r < 0) {
		dm_dns_table_free(fe->feed.building);
		fe->feed.building = NULL;
		log_warnx("cannot subscribe to the store: %s", dm_strerror(r));
		return;
	}
	log_info("connected to the store, loading its records");
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct dnsfe *fe = ctx;
	(void)conn;
	dm_dns_table_free(fe->feed.building);
	fe->feed.building = NULL;
	if (!fe->feed.client.stopping)
		log_warnx("lost the store, %s", "serving cached records until it is back");
}

static void purge_cb(uv_timer_t *t)
{
	struct dnsfe *fe = t->data;
	uint64_t now = dnsfe_now();
	if (fe->table != NULL) {
		size_t n = dm_dns_table_expire(fe->table, now);
		if (n > 0)
			log_debug("dropped %zu expired values", n);
	}
}

/* The store may send us nothing but its change feed. */
static const struct dm_ipc_rule feed_rules[] = {
    {DM__ROLE__ROLE_STORE, DM__ENVELOPE__BODY_RECORD_BATCH, on_batch},
    {0, 0, NULL},
};

int dnsfe_feed_start(struct dnsfe *fe, const char *store_path)
{
	struct dnsfe_feed *f = &fe->feed;
	memset(f, 0, sizeof(*f));
	f->client.ep.loop = fe->loop;
	f->client.ep.self_role = DM__ROLE__ROLE_DNS_FRONTEND;
	f->client.ep.rules = feed_rules;
	f->client.ep.on_up = on_up;
	f->client.ep.on_down = on_down;
	f->client.ep.ctx = fe;
	uv_timer_init(fe->loop, &f->purge);
	f->purge.data = fe;
	uint64_t every = (uint64_t)fe->cfg->cleanup_interval * 1000;
	uv_timer_start(&f->purge, purge_cb, every, every);
	return dm_ipc_client_start(&f->client, store_path);
}

void dnsfe_feed_stop(struct dnsfe *fe)
{
	dm_ipc_client_stop(&fe->feed.client);
	uv_close((uv_handle_t *)&fe->feed.purge, NULL);
	dm_dns_table_free(fe->feed.building);
	fe->feed.building = NULL;
}
