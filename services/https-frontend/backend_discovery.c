/*
 * The API's discovery operations over IPC to the store (SeenPut, SeenList):
 * the seen-heartbeats table lives in the store like every other sqlite file.
 */
#include <stdlib.h>
#include <string.h>

#include "common/dmp/sig.h"
#include "common/err.h"
#include "services/https-frontend/httpsfe.h"

struct seen_pending {
	struct api_call *call;
	api_result_fn cb;
};

static void fail_now(struct api_call *c, api_result_fn cb, int err)
{
	struct api_result res = {.status = err};
	cb(c, &res);
}

static void seen_request(struct httpsfe *fe, struct api_call *c, api_result_fn cb,
			 Dm__Envelope *env, dm_ipc_reply_fn reply)
{
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&fe->store);
	if (conn == NULL) {
		fail_now(c, cb, DM_EUNAVAIL);
		return;
	}
	struct seen_pending *p = malloc(sizeof(*p));
	if (p == NULL) {
		fail_now(c, cb, DM_ENOMEM);
		return;
	}
	p->call = c;
	p->cb = cb;
	int r = dm_ipc_request(conn, env, HTTPSFE_STORE_MS, reply, p);
	if (r < 0) {
		free(p);
		fail_now(c, cb, r);
	}
}

static int status_of(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
{
	if (err != 0)
		return err;
	if (rep->body_case == DM__ENVELOPE__BODY_ERROR)
		return rep->error->code < 0 ? rep->error->code : DM_EPROTO;
	return rep->body_case == want ? 0 : DM_EPROTO;
}

static void on_put_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct seen_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = status_of(rep, err, DM__ENVELOPE__BODY_SEEN_PUT_RESULT);
	if (res.status == 0) {
		const Dm__SeenPutResult *r = rep->seen_put_result;
		res.status = r->status;
		if (r->status == 0 && r->has_operator_spk &&
		    r->operator_spk.len == DM_ED25519_PK_BYTES)
			res.spk = r->operator_spk.data;
		else if (r->status == 0)
			res.status = DM_EPROTO;
	}
	p->cb(p->call, &res);
	free(p);
}

static void be_seen_put(void *ctx, struct api_call *c, const char *wire, const char *remote_addr,
			api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenPut put = DM__SEEN_PUT__INIT;
	put.wire = (char *)wire;
	put.remote_addr = (char *)remote_addr;
	env.body_case = DM__ENVELOPE__BODY_SEEN_PUT;
	env.seen_put = &put;
	seen_request(ctx, c, cb, &env, on_put_reply);
}

static void on_list_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct seen_pending *p = arg;
	struct api_result res = {0};
	struct api_seen_row *rows = NULL;
	(void)conn;
	res.status = status_of(rep, err, DM__ENVELOPE__BODY_SEEN_LIST_REPLY);
	if (res.status == 0) {
		const Dm__SeenListReply *r = rep->seen_list_reply;
		res.status = r->status;
		rows = calloc(r->n_rows ? r->n_rows : 1, sizeof(*rows));
		if (rows == NULL) {
			res.status = DM_ENOMEM;
		} else {
			for (size_t i = 0; i < r->n_rows; i++) {
				rows[i].wire = r->rows[i]->wire;
				rows[i].ts = r->rows[i]->ts;
				rows[i].received_at = r->rows[i]->received_at;
				rows[i].remote_addr = r->rows[i]->remote_addr;
			}
			res.nrows = r->n_rows;
			res.rows = rows;
		}
		if (r->has_self_spk && r->self_spk.len == DM_ED25519_PK_BYTES) {
			res.self_spk = r->self_spk.data;
			res.self_endpoint = r->self_endpoint;
		}
	}
	p->cb(p->call, &res);
	free(rows);
	free(p);
}

static void be_seen_list(void *ctx, struct api_call *c, uint32_t limit, const uint8_t *exclude_spk,
			 api_result_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenList list = DM__SEEN_LIST__INIT;
	list.limit = limit;
	if (exclude_spk != NULL) {
		list.has_exclude_spk = true;
		list.exclude_spk.data = (uint8_t *)exclude_spk;
		list.exclude_spk.len = DM_ED25519_PK_BYTES;
	}
	env.body_case = DM__ENVELOPE__BODY_SEEN_LIST;
	env.seen_list = &list;
	seen_request(ctx, c, cb, &env, on_list_reply);
}

void httpsfe_backend_discovery(struct httpsfe *fe, struct api_backend *be)
{
	(void)fe;
	be->seen_put = be_seen_put;
	be->seen_list = be_seen_list;
}
