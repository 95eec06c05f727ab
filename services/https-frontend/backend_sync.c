/*
 * The API's anti-entropy operations over IPC to the store (SyncDigest,
 * SyncPull, SyncSummaryRequest; proto/sync.proto).
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "services/https-frontend/httpsfe.h"

static void on_digest_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	struct api_sync_entry *e = NULL;
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_DIGEST_REPLY);
	if (res.status == 0)
		res.status = rep->sync_digest_reply->status;
	if (res.status == 0) {
		const Dm__SyncDigestReply *d = rep->sync_digest_reply;
		e = calloc(d->n_entries ? d->n_entries : 1, sizeof(*e));
		if (e == NULL) {
			res.status = DM_ENOMEM;
		} else {
			for (size_t i = 0; i < d->n_entries; i++) {
				const Dm__SyncEntry *x = d->entries[i];
				e[i] = (struct api_sync_entry){x->name,
							       x->hash,
							       x->ts_ms,
							       x->ttl,
							       x->has_deleted && x->deleted,
							       x->deleted_ms};
			}
			res.nentries = d->n_entries;
			res.entries = e;
			res.has_more = d->has_more;
		}
	}
	p->cb(p->call, &res);
	free(e);
	free(p);
}

static void be_sync_digest(void *ctx, struct api_call *c, int64_t ts_ms, const char *name,
			   const char *hash, uint32_t limit, bool tombstones, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncDigest q = DM__SYNC_DIGEST__INIT;
	q.ts_ms = ts_ms;
	q.name = (char *)name;
	q.hash = (char *)hash;
	q.limit = limit;
	q.has_tombstones = tombstones;
	q.tombstones = tombstones;
	env.body_case = DM__ENVELOPE__BODY_SYNC_DIGEST;
	env.sync_digest = &q;
	httpsfe_request(ctx, c, cb, &env, on_digest_reply);
}

static void on_pull_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	struct api_sync_value *v = NULL;
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_PULL_REPLY);
	if (res.status == 0)
		res.status = rep->sync_pull_reply->status;
	if (res.status == 0) {
		const Dm__SyncPullReply *r = rep->sync_pull_reply;
		v = calloc(r->n_values ? r->n_values : 1, sizeof(*v));
		if (v == NULL) {
			res.status = DM_ENOMEM;
		} else {
			for (size_t i = 0; i < r->n_values; i++) {
				const Dm__SyncValue *x = r->values[i];
				v[i] = (struct api_sync_value){x->name,	     x->hash, x->value.data,
							       x->value.len, x->ttl,  x->ts_ms};
			}
			res.nsvalues = r->n_values;
			res.svalues = v;
			res.served = r->served;
		}
	}
	p->cb(p->call, &res);
	free(v);
	free(p);
}

static void be_sync_pull(void *ctx, struct api_call *c, const char *const *names, size_t n,
			 api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncPull q = DM__SYNC_PULL__INIT;
	q.n_names = n;
	q.names = (char **)names;
	env.body_case = DM__ENVELOPE__BODY_SYNC_PULL;
	env.sync_pull = &q;
	httpsfe_request(ctx, c, cb, &env, on_pull_reply);
}

static void on_summary_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	struct api_sync_summary s = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_SUMMARY);
	if (res.status == 0)
		res.status = rep->sync_summary->status;
	if (res.status == 0) {
		const Dm__SyncSummary *x = rep->sync_summary;
		if (x->digest.len != sizeof(s.digest) ||
		    x->tomb_digest.len != sizeof(s.tomb_digest)) {
			res.status = DM_EPROTO;
		} else {
			s.records = x->records;
			s.tombstones = x->tombstones;
			memcpy(s.digest, x->digest.data, sizeof(s.digest));
			memcpy(s.tomb_digest, x->tomb_digest.data, sizeof(s.tomb_digest));
			s.has_max = x->has_max_ts_ms && x->max_name != NULL && x->max_hash != NULL;
			s.max_ts_ms = x->max_ts_ms;
			s.max_name = x->max_name;
			s.max_hash = x->max_hash;
			res.summary = &s;
		}
	}
	p->cb(p->call, &res);
	free(p);
}

static void be_sync_summary(void *ctx, struct api_call *c, api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncSummaryRequest q = DM__SYNC_SUMMARY_REQUEST__INIT;
	env.body_case = DM__ENVELOPE__BODY_SYNC_SUMMARY_REQUEST;
	env.sync_summary_request = &q;
	httpsfe_request(ctx, c, cb, &env, on_summary_reply);
}

void httpsfe_backend_sync(struct httpsfe *fe, struct api_backend *be)
{
	(void)fe;
	be->sync_digest = be_sync_digest;
	be->sync_pull = be_sync_pull;
	be->sync_summary = be_sync_summary;
}
