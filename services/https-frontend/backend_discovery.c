/*
 * The API's discovery operations over IPC to the store (SeenPut, SeenList):
 * the seen-heartbeats table lives in the store like every other sqlite file.
 */
#include <stdlib.h>
#include <string.h>

#include "common/dmp/sig.h"
#include "common/err.h"
#include "services/https-frontend/httpsfe.h"

static void on_put_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_SEEN_PUT_RESULT);
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
	httpsfe_request(ctx, c, cb, &env, on_put_reply);
}

static void on_list_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct httpsfe_pending *p = arg;
	struct api_result res = {0};
	struct api_seen_row *rows = NULL;
	(void)conn;
	res.status = httpsfe_reply_status(rep, err, DM__ENVELOPE__BODY_SEEN_LIST_REPLY);
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
	httpsfe_request(ctx, c, cb, &env, on_list_reply);
}

void httpsfe_backend_discovery(struct httpsfe *fe, struct api_backend *be)
{
	(void)fe;
	be->seen_put = be_seen_put;
	be->seen_list = be_seen_list;
}
