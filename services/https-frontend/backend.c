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

static struct httpsfe *fe_of(struct dm_ipc_conn *conn)
{
	return conn->ep->ctx;
}

void httpsfe_fail_now(struct api_call *c, api_result_fn cb, int err)
{
	struct api_result res = {.status = err};
	cb(c, &res);
}

void httpsfe_request(struct httpsfe *fe, struct api_call *c, api_result_fn cb, Dm__Envelope *env,
		     dm_ipc_reply_fn reply)
{
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&fe->store);
	if (conn == NULL) {
		httpsfe_fail_now(c, cb, DM_EUNAVAIL);
		return;
	}
	struct httpsfe_pending *p = malloc(sizeof(*p));
	if (p == NULL) {
		httpsfe_fail_now(c, cb, DM_ENOMEM);
		return;
	}
	p->fe = fe;
	p->call = c;
	p->cb = cb;
	int r = dm_ipc_request(conn, env, HTTPSFE_STORE_MS, reply, p);
	if (r < 0) {
		free(p);
		httpsfe_fail_now(c, cb, r);
	}
}

int httpsfe_reply_status(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
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
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_RECORD_SET);
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
	httpsfe_request(ctx, c, cb, &env, on_get_reply);
}

static void on_put_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_PUT_RESULT);
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
	httpsfe_request(ctx, c, cb, &env, on_put_reply);
}

static void on_del_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_DELETE_RESULT);
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
	httpsfe_request(ctx, c, cb, &env, on_del_reply);
}

static void on_stats_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_STATS_REPLY);
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
	httpsfe_request(ctx, c, cb, &env, on_stats_reply);
}

/* ---- tokens ---- */

static void on_token_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_TOKEN_INFO);
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
	httpsfe_request(ctx, c, cb, &env, on_token_reply);
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
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_TOKEN_REGISTER_RESULT);
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
	httpsfe_request(ctx, c, cb, &env, on_register_reply);
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
	httpsfe_backend_discovery(fe, &be);
	httpsfe_backend_sync(fe, &be);
	*ret_be = be;
}

/* ---- change feed → DoH table (common/node/mirror.h) ---- */

static void on_batch(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	dm_mirror_apply(&fe_of(conn)->mirror, msg->record_batch);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	struct httpsfe *fe = ctx;
	fe->store_up = true;
	if (fe->on_store_up != NULL)
		fe->on_store_up(fe);
	dm_mirror_subscribe(&fe->mirror, conn);
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct httpsfe *fe = ctx;
	(void)conn;
	fe->store_up = false;
	dm_mirror_lost(&fe->mirror);
	if (!fe->store.stopping)
		log_warnx("lost the store, %s", "answering 503 until it is back");
}

static const struct dm_ipc_rule feed_rules[] = {
    {DM__ROLE__ROLE_STORE, DM__ENVELOPE__BODY_RECORD_BATCH, on_batch},
    {0, 0, NULL},
};

int httpsfe_store_start(struct httpsfe *fe, const char *path)
{
	dm_mirror_init(&fe->mirror, fe->loop, fe->cfg->cleanup_interval, "DoH");
	fe->store.ep.loop = fe->loop;
	fe->store.ep.self_role = DM__ROLE__ROLE_HTTPS_FRONTEND;
	fe->store.ep.rules = feed_rules;
	fe->store.ep.on_up = on_up;
	fe->store.ep.on_down = on_down;
	fe->store.ep.ctx = fe;
	return dm_ipc_client_start(&fe->store, path);
}

void httpsfe_store_stop(struct httpsfe *fe)
{
	dm_ipc_client_stop(&fe->store);
	dm_mirror_done(&fe->mirror);
}
