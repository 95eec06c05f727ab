/*
 * The API's backend over IPC to the store (role HTTPS_FRONTEND), and the
 * store's change feed applied to the in-memory DNS table DoH answers from.
 *
 * The feed works as the dns-frontend's does (services/dns-frontend/feed.c):
 * every (re)connection subscribes and loads the snapshot into a new table,
 * swapped in whole at SnapshotEnd, so a store restart never blanks DoH.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/node/log.h"
#include "services/https-frontend/httpsfe.h"

/* One backend request in flight: who asked, and where the answer goes. */
struct pending {
	struct httpsfe *fe;
	struct api_call *call;
	api_result_fn cb;
};

static struct httpsfe *fe_of(struct dm_ipc_conn *conn)
{
	return conn->ep->ctx;
}

static void fail_now(struct api_call *c, api_result_fn cb, int err)
{
	struct api_result res = {.status = err};
	cb(c, &res);
}

/* Sends `env`; the reply goes to `reply`, which finds its pending entry in `arg`. */
static void request(struct httpsfe *fe, struct api_call *c, api_result_fn cb, Dm__Envelope *env,
		    dm_ipc_reply_fn reply)
{
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&fe->store);
	if (conn == NULL) {
		fail_now(c, cb, DM_EUNAVAIL);
		return;
	}
	struct pending *p = malloc(sizeof(*p));
	if (p == NULL) {
		fail_now(c, cb, DM_ENOMEM);
		return;
	}
	p->fe = fe;
	p->call = c;
	p->cb = cb;
	int r = dm_ipc_request(conn, env, HTTPSFE_STORE_MS, reply, p);
	if (r < 0) {
		free(p);
		fail_now(c, cb, r);
	}
}

/* The reply's status: transport error, Error body, or a body of `want`. */
static int reply_status(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
{
	if (err != 0)
		return err;
	if (rep->body_case == DM__ENVELOPE__BODY_ERROR)
		return rep->error->code < 0 ? rep->error->code : DM_EPROTO;
	if (rep->body_case != want)
		return DM_EPROTO;
	return 0;
}

/* ---- records ---- */

static void on_get_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_RECORD_SET);
	const uint8_t **vals = NULL;
	size_t *lens = NULL;
	if (res.status == 0) {
		const Dm__RecordSet *set = rep->record_set;
		res.status = set->status;
		size_t n = set->n_records;
		vals = calloc(n ? n : 1, sizeof(*vals));
		lens = calloc(n ? n : 1, sizeof(*lens));
		if (vals == NULL || lens == NULL) {
			res.status = DM_ENOMEM;
		} else {
			for (size_t i = 0; i < n; i++) {
				vals[i] = set->records[i]->value.data;
				lens[i] = set->records[i]->value.len;
			}
			res.nvalues = n;
			res.values = vals;
			res.lens = lens;
		}
	}
	p->cb(p->call, &res);
	free(vals);
	free(lens);
	free(p);
}

static void be_get(void *ctx, struct api_call *c, const char *name, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__GetRecords get = DM__GET_RECORDS__INIT;
	get.name = (char *)name;
	env.body_case = DM__ENVELOPE__BODY_GET_RECORDS;
	env.get_records = &get;
	request(ctx, c, cb, &env, on_get_reply);
}

static void on_put_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_PUT_RESULT);
	if (res.status == 0)
		res.status = rep->put_result->status;
	p->cb(p->call, &res);
	free(p);
}

static void be_put(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		   size_t len, uint32_t ttl, uint32_t max_values, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__PutRecord put = DM__PUT_RECORD__INIT;
	put.name = (char *)name;
	put.value.data = (uint8_t *)value;
	put.value.len = len;
	put.ttl = ttl;
	put.has_max_values = max_values > 0;
	put.max_values = max_values;
	env.body_case = DM__ENVELOPE__BODY_PUT_RECORD;
	env.put_record = &put;
	request(ctx, c, cb, &env, on_put_reply);
}

static void on_del_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_DELETE_RESULT);
	if (res.status == 0) {
		res.status = rep->delete_result->status;
		res.deleted = rep->delete_result->deleted;
	}
	p->cb(p->call, &res);
	free(p);
}

static void be_del(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		   size_t len, bool has_value, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__DeleteRecord del = DM__DELETE_RECORD__INIT;
	del.name = (char *)name;
	del.has_value = has_value;
	del.value.data = (uint8_t *)value;
	del.value.len = len;
	env.body_case = DM__ENVELOPE__BODY_DELETE_RECORD;
	env.delete_record = &del;
	request(ctx, c, cb, &env, on_del_reply);
}

static void on_stats_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_STATS_REPLY);
	if (res.status == 0)
		res.records = rep->stats_reply->records;
	p->cb(p->call, &res);
	free(p);
}

static void be_stats(void *ctx, struct api_call *c, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__StatsRequest sr = DM__STATS_REQUEST__INIT;
	env.body_case = DM__ENVELOPE__BODY_STATS_REQUEST;
	env.stats_request = &sr;
	request(ctx, c, cb, &env, on_stats_reply);
}

/* ---- tokens ---- */

static void on_token_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_TOKEN_INFO);
	if (res.status == 0) {
		const Dm__TokenInfo *t = rep->token_info;
		res.status = t->status;
		res.subject = t->subject;
		res.subject_hash12 = t->subject_hash12;
		res.rate_per_sec = t->rate_per_sec;
		res.rate_burst = t->rate_burst;
		res.live = t->has_live && t->live;
	}
	p->cb(p->call, &res);
	free(p);
}

static void be_token_lookup(void *ctx, struct api_call *c, const char *hash, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenLookup tl = DM__TOKEN_LOOKUP__INIT;
	tl.token_hash = (char *)hash;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_LOOKUP;
	env.token_lookup = &tl;
	request(ctx, c, cb, &env, on_token_reply);
}

static void be_token_audit(void *ctx, const char *event, const char *hash, const char *subject,
			   const char *remote_addr, const char *detail)
{
	struct httpsfe *fe = ctx;
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&fe->store);
	if (conn == NULL)
		return;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenAudit a = DM__TOKEN_AUDIT__INIT;
	a.event = (char *)event;
	a.token_hash = (char *)hash;
	a.subject = (char *)subject;
	a.remote_addr = (char *)remote_addr;
	a.detail = (char *)detail;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_AUDIT;
	env.token_audit = &a;
	(void)dm_ipc_send(conn, &env);
}

static void on_register_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = reply_status(rep, err, DM__ENVELOPE__BODY_TOKEN_REGISTER_RESULT);
	if (res.status == 0) {
		res.status = rep->token_register_result->status;
		res.nrevoked = rep->token_register_result->n_revoked_hashes;
		res.revoked = rep->token_register_result->revoked_hashes;
	}
	p->cb(p->call, &res);
	free(p);
}

static void be_token_register(void *ctx, struct api_call *c, const struct api_registration *r,
			      api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__TokenRegister tr = DM__TOKEN_REGISTER__INIT;
	tr.token_hash = (char *)r->token_hash;
	tr.subject = (char *)r->subject;
	tr.registered_spk = (char *)r->spk_hex;
	tr.rate_per_sec = r->rate_per_sec;
	tr.rate_burst = r->rate_burst;
	tr.has_expires_at = r->has_expires_at;
	tr.expires_at = r->expires_at;
	tr.remote_addr = (char *)r->remote_addr;
	env.body_case = DM__ENVELOPE__BODY_TOKEN_REGISTER;
	env.token_register = &tr;
	request(ctx, c, cb, &env, on_register_reply);
}

void httpsfe_backend(struct httpsfe *fe, struct api_backend *ret_be)
{
	struct api_backend be = {
	    .ctx = fe,
	    .get = be_get,
	    .put = be_put,
	    .del = be_del,
	    .stats = be_stats,
	    .token_lookup = be_token_lookup,
	    .token_audit = be_token_audit,
	    .token_register = be_token_register,
	};
	*ret_be = be;
}

/* ---- change feed → DoH table ---- */

static uint64_t now_s(void)
{
	return httpsfe_wall_ms() / 1000;
}

static void apply(struct dm_dns_table *t, const Dm__RecordBatch *b, uint64_t now)
{
	for (size_t i = 0; i < b->n_upserts; i++) {
		const Dm__Record *rec = b->upserts[i];
		uint64_t exp = rec->has_expires_at
				   ? (rec->expires_at > 0 ? (uint64_t)rec->expires_at : 0)
				   : now + (rec->has_ttl ? rec->ttl : 0);
		/* a name DNS cannot carry stays HTTP-only */
		if (dm_dns_table_put(t, rec->name, strlen(rec->name), rec->value.data,
				     rec->value.len, exp) < 0)
			continue;
	}
	for (size_t i = 0; i < b->n_deletes; i++) {
		const Dm__Record *rec = b->deletes[i];
		/* Record.value is required: "the whole name" arrives empty. */
		if (rec->value.len == 0)
			(void)dm_dns_table_del_name(t, rec->name, strlen(rec->name));
		else
			(void)dm_dns_table_del_value(t, rec->name, strlen(rec->name),
						     rec->value.data, rec->value.len);
	}
}

static void on_batch(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct httpsfe *fe = fe_of(conn);
	const Dm__RecordBatch *b = msg->record_batch;
	uint64_t now = now_s();
	if (b->has_snapshot && b->snapshot) {
		if (fe->building != NULL)
			apply(fe->building, b, now);
		return;
	}
	if (fe->table != NULL)
		apply(fe->table, b, now);
	if (fe->building != NULL)
		apply(fe->building, b, now);
}

static void on_snapshot_end(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe *fe = arg;
	struct dm_dns_table *t = fe->building;
	(void)conn;
	fe->building = NULL;
	if (err == 0 && rep->body_case != DM__ENVELOPE__BODY_SNAPSHOT_END)
		err = DM_EPROTO;
	if (err != 0 || t == NULL) {
		dm_dns_table_free(t);
		if (err != DM_EUNAVAIL)
			log_warnx("store snapshot failed: %s, DoH keeps its last data",
				  dm_strerror(err));
		return;
	}
	dm_dns_table_free(fe->table);
	fe->table = t;
	log_info("DoH serving %zu values at %zu names", dm_dns_table_values(t),
		 dm_dns_table_names(t));
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	struct httpsfe *fe = ctx;
	fe->store_up = true;
	if (fe->on_store_up != NULL)
		fe->on_store_up(fe);
	dm_dns_table_free(fe->building);
	fe->building = dm_dns_table_new();
	if (fe->building == NULL) {
		log_warnx("out of memory for a snapshot, %s", "DoH keeps its last data");
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__Subscribe sub = DM__SUBSCRIBE__INIT;
	env.body_case = DM__ENVELOPE__BODY_SUBSCRIBE;
	env.subscribe = &sub;
	int r = dm_ipc_request(conn, &env, HTTPSFE_SUBSCRIBE_MS, on_snapshot_end, fe);
	if (r < 0) {
		dm_dns_table_free(fe->building);
		fe->building = NULL;
		log_warnx("cannot subscribe to the store: %s", dm_strerror(r));
	}
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct httpsfe *fe = ctx;
	(void)conn;
	fe->store_up = false;
	dm_dns_table_free(fe->building);
	fe->building = NULL;
	if (!fe->store.stopping)
		log_warnx("lost the store, %s", "answering 503 until it is back");
}

static void purge_cb(uv_timer_t *t)
{
	struct httpsfe *fe = t->data;
	if (fe->table != NULL)
		(void)dm_dns_table_expire(fe->table, now_s());
}

static const struct dm_ipc_rule feed_rules[] = {
    {DM__ROLE__ROLE_STORE, DM__ENVELOPE__BODY_RECORD_BATCH, on_batch},
    {0, 0, NULL},
};

int httpsfe_store_start(struct httpsfe *fe, const char *path)
{
	fe->store.ep.loop = fe->loop;
	fe->store.ep.self_role = DM__ROLE__ROLE_HTTPS_FRONTEND;
	fe->store.ep.rules = feed_rules;
	fe->store.ep.on_up = on_up;
	fe->store.ep.on_down = on_down;
	fe->store.ep.ctx = fe;
	uv_timer_init(fe->loop, &fe->purge);
	fe->purge.data = fe;
	uint64_t every = (uint64_t)fe->cfg->cleanup_interval * 1000;
	uv_timer_start(&fe->purge, purge_cb, every, every);
	return dm_ipc_client_start(&fe->store, path);
}

void httpsfe_store_stop(struct httpsfe *fe)
{
	dm_ipc_client_stop(&fe->store);
	uv_close((uv_handle_t *)&fe->purge, NULL);
	dm_dns_table_free(fe->building);
	fe->building = NULL;
}

/* ---- the DNS engine's configuration (as the dns-frontend builds it) ---- */

static int each_item(const char *list, int (*fn)(struct dm_dns_zone *, const char *),
		     struct dm_dns_zone *z)
{
	char item[DM_ZONE_MAX + 1];
	while (*list != '\0') {
		size_t len = strcspn(list, ",");
		const char *p = list;
		size_t n = len;
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof(item))
			return DM_EINVAL;
		if (n > 0) {
			memcpy(item, p, n);
			item[n] = '\0';
			int r = fn(z, item);
			if (r < 0)
				return r;
		}
		list += len + (list[len] == ',' ? 1 : 0);
	}
	return 0;
}

static int add_ns(struct dm_dns_zone *z, const char *host)
{
	return dm_dns_zone_add_ns(z, host);
}

static int add_addr(struct dm_dns_zone *z, const char *text)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, text, a) == 1)
		return dm_dns_zone_add_addr(z, a, 4);
	if (inet_pton(AF_INET6, text, a) == 1)
		return dm_dns_zone_add_addr(z, a, 16);
	return DM_EINVAL;
}

int httpsfe_dns_config(const struct dm_config *cfg, struct dm_dns_config *dns, char *err,
		       size_t errlen)
{
	dm_dns_config_init(dns);
	dns->ttl = cfg->dns_ttl;
	dns->edns_udp = (uint16_t)cfg->dns_udp_max;
	if (cfg->zone_count > DM_DNS_ZONES_MAX) {
		snprintf(err, errlen, "DMP_SERVED_ZONE: at most %d zones", DM_DNS_ZONES_MAX);
		return -1;
	}
	char rname[DM_ZONE_MAX];
	snprintf(rname, sizeof(rname), "%s", cfg->soa_rname);
	char *at = strchr(rname, '@');
	if (at != NULL)
		*at = '.';
	size_t rlen = strlen(rname);
	if (rlen > 0 && rname[rlen - 1] == '.')
		rname[rlen - 1] = '\0';
	const char *apex_a = secure_getenv("DMP_DNS_APEX_A");
	const char *apex_aaaa = secure_getenv("DMP_DNS_APEX_AAAA");
	for (unsigned i = 0; i < cfg->zone_count; i++) {
		struct dm_dns_zone *z;
		if (dm_dns_config_add_zone(dns, cfg->zones[i], rname[0] ? rname : NULL, &z) < 0 ||
		    each_item(cfg->apex_ns, add_ns, z) < 0 ||
		    (apex_a != NULL && each_item(apex_a, add_addr, z) < 0) ||
		    (apex_aaaa != NULL && each_item(apex_aaaa, add_addr, z) < 0)) {
			snprintf(err, errlen,
				 "DMP_SERVED_ZONE / DMP_DNS_APEX_*: zone %s is invalid",
				 cfg->zones[i]);
			return -1;
		}
	}
	return 0;
}
