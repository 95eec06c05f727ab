/*
 * The heartbeat tick (node.md §10.5): sign, record our own heartbeat, pick
 * the peers, POST on the thread pool, feed the gossip back to the store.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/net/http.h"
#include "common/node/log.h"
#include "services/heartbeat/hb.h"

#define WIRE_CAP (DM_RECORD_CAP_SIGNED + 1)

struct hb_result {
	bool ok;
	int status;
	size_t nseen;
	char *seen[HB_GOSSIP_INGEST];
	char err[DM_HTTP_ERR_MAX];
};

/* One tick's POSTs: built on the loop, run on a pool thread, read back on the loop. */
struct hb_job {
	uv_work_t work;
	struct hb *hb;
	char wire[WIRE_CAP];
	char resolve[sizeof(((struct dm_config *)0)->heartbeat_resolve)];
	struct hb_peer_list peers;
	struct hb_result res[];
};

/* ---- store requests ---- */

static void on_self_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	(void)conn;
	(void)arg;
	if (err != 0)
		log_warnx("store: own heartbeat not recorded: %s", dm_strerror(err));
	else if (rep->body_case == DM__ENVELOPE__BODY_SEEN_PUT_RESULT &&
		 rep->seen_put_result->status != 0)
		log_warnx("store refused our own heartbeat: %s",
			  dm_strerror(rep->seen_put_result->status));
}

static void on_gossip_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	(void)conn;
	(void)arg;
	/* Peers hand us whatever they saw; a stale or forged one is simply not kept. */
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_SEEN_PUT_RESULT &&
	    rep->seen_put_result->status != 0)
		log_debug("gossiped heartbeat refused: %s",
			  dm_strerror(rep->seen_put_result->status));
}

static void seen_put(struct hb *hb, const char *wire, const char *remote, bool self)
{
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&hb->store);
	if (conn == NULL) {
		if (self)
			log_warnx("store unreachable: own heartbeat not recorded this tick");
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenPut put = DM__SEEN_PUT__INIT;
	put.wire = (char *)wire;
	put.remote_addr = (char *)remote;
	put.has_self = self;
	put.self = self;
	env.body_case = DM__ENVELOPE__BODY_SEEN_PUT;
	env.seen_put = &put;
	(void)dm_ipc_request(conn, &env, HB_STORE_MS, self ? on_self_reply : on_gossip_reply, NULL);
}

/* ---- the POSTs (pool thread: no libuv, no IPC, no logging) ---- */

static void post_one(const struct hb_job *job, const char *url, struct hb_result *res)
{
	char target[HB_URL_MAX], full[HB_URL_MAX + 32];
	(void)hb_resolve(job->resolve, url, target);
	snprintf(full, sizeof(full), "%s/v1/heartbeat", target);
	json_t *body = json_pack("{s:s}", "wire", job->wire);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL) {
		snprintf(res->err, sizeof(res->err), "out of memory");
		return;
	}
	struct dm_http_opts o = {.timeout_ms = HB_POST_TIMEOUT_MS};
	struct dm_http_resp r;
	int rc = dm_http_request("POST", full, text, strlen(text), &o, &r, res->err);
	free(text);
	if (rc < 0)
		return;
	res->status = r.status;
	json_t *j = r.status == 200 ? json_loadb(r.body, r.body_len, 0, NULL) : NULL;
	if (json_is_object(j)) {
		res->ok = true;
		json_t *seen = json_object_get(j, "seen");
		size_t i;
		json_t *v;
		json_array_foreach(seen, i, v)
		{
			if (res->nseen == HB_GOSSIP_INGEST)
				break;
			if (json_is_string(v) && json_string_length(v) <= DM_RECORD_CAP_SIGNED &&
			    strlen(json_string_value(v)) == json_string_length(v))
				res->seen[res->nseen++] = strdup(json_string_value(v));
			if (res->nseen > 0 && res->seen[res->nseen - 1] == NULL)
				res->nseen--;
		}
	} else {
		snprintf(res->err, sizeof(res->err), "HTTP %d", r.status);
	}
	json_decref(j);
	dm_http_resp_free(&r);
}

static void work_cb(uv_work_t *w)
{
	struct hb_job *job = w->data;
	for (size_t i = 0; i < job->peers.n; i++)
		post_one(job, job->peers.url[i], &job->res[i]);
}

/* ---- cooldown: a peer that failed is skipped once ---- */

static struct hb_cooldown *cooldown_find(struct hb *hb, const char *url)
{
	for (size_t i = 0; i < hb->ncooldown; i++)
		if (strcmp(hb->cooldown[i].url, url) == 0)
			return &hb->cooldown[i];
	return NULL;
}

static void cooldown_set(struct hb *hb, const char *url, bool failed)
{
	struct hb_cooldown *c = cooldown_find(hb, url);
	if (!failed) {
		if (c != NULL)
			*c = hb->cooldown[--hb->ncooldown];
		return;
	}
	if (c != NULL) {
		c->skip_next = true;
		return;
	}
	if (hb->ncooldown == HB_PEERS_MAX)
		return;
	c = &hb->cooldown[hb->ncooldown++];
	snprintf(c->url, sizeof(c->url), "%s", url);
	c->skip_next = true;
}

static void after_work_cb(uv_work_t *w, int status)
{
	struct hb_job *job = w->data;
	struct hb *hb = job->hb;
	size_t ok = 0, gossip = 0;
	for (size_t i = 0; i < job->peers.n; i++) {
		struct hb_result *r = &job->res[i];
		if (status == 0 && !hb->stopping) {
			cooldown_set(hb, job->peers.url[i], !r->ok);
			if (r->ok) {
				char remote[HB_URL_MAX + 8];
				snprintf(remote, sizeof(remote), "gossip:%s", job->peers.url[i]);
				for (size_t k = 0; k < r->nseen; k++)
					seen_put(hb, r->seen[k], remote, false);
				gossip += r->nseen;
				ok++;
			} else {
				char esc[160];
				log_info("heartbeat to %s failed: %s", job->peers.url[i],
					 log_escape(r->err, strlen(r->err), esc, sizeof(esc)));
			}
		}
		for (size_t k = 0; k < r->nseen; k++)
			free(r->seen[k]);
	}
	hb->posts_ok += ok;
	hb->posts_failed += job->peers.n - ok;
	hb->gossip_in += gossip;
	if (job->peers.n > 0)
		log_debug("tick %llu: %zu/%zu peers answered, %zu gossiped heartbeats",
			  (unsigned long long)hb->ticks, ok, job->peers.n, gossip);
	hb->job = NULL;
	free(job);
}

/* ---- the tick ---- */

static void launch(struct hb *hb, struct hb_job *job, const char *const *learned, size_t nlearned)
{
	struct hb_peer_list *all = malloc(sizeof(*all));
	if (all == NULL) {
		free(job);
		return;
	}
	hb_peer_list(hb->cfg->heartbeat_seeds, learned, nlearned, hb->cfg->heartbeat_endpoint,
		     hb->cfg->heartbeat_max_peers, all);
	job->peers.n = 0;
	for (size_t i = 0; i < all->n; i++) {
		struct hb_cooldown *c = cooldown_find(hb, all->url[i]);
		if (c != NULL && c->skip_next) {
			c->skip_next = false; /* skipped once; tried again next tick */
			continue;
		}
		memcpy(job->peers.url[job->peers.n++], all->url[i], HB_URL_MAX);
	}
	free(all);
	if (job->peers.n == 0) {
		free(job);
		return;
	}
	job->work.data = job;
	hb->job = job;
	if (uv_queue_work(hb->loop, &job->work, work_cb, after_work_cb) != 0) {
		hb->job = NULL;
		free(job);
	}
}

static void on_list_reply(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct hb_job *job = arg;
	struct hb *hb = job->hb;
	(void)conn;
	if (hb->stopping) {
		free(job);
		return;
	}
	const char **learned = NULL;
	char(*eps)[DM_HEARTBEAT_ENDPOINT_MAX + 1] = NULL;
	size_t n = 0;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_SEEN_LIST_REPLY) {
		const Dm__SeenListReply *r = rep->seen_list_reply;
		learned = calloc(r->n_rows + 1, sizeof(*learned));
		eps = calloc(r->n_rows + 1, sizeof(*eps));
		for (size_t i = 0; learned != NULL && eps != NULL && i < r->n_rows; i++) {
			struct dm_heartbeat h;
			/* the store verified it on arrival; re-check the shape at its own ts */
			if (r->rows[i]->ts < 0 ||
			    dm_heartbeat_parse(r->rows[i]->wire, strlen(r->rows[i]->wire),
					       (uint64_t)r->rows[i]->ts, &h) != 0)
				continue;
			memcpy(eps[n], h.endpoint, sizeof(eps[n]));
			learned[n] = eps[n];
			n++;
		}
	} else {
		log_debug("seen list unavailable (%s): seeds only this tick",
			  err ? dm_strerror(err) : "unexpected reply");
	}
	launch(hb, job, learned, n);
	free(learned);
	free(eps);
}

static uint16_t capabilities(const struct dm_config *cfg)
{
	return cfg->claim_provider && cfg->claim_zone[0] != '\0' ? DM_HEARTBEAT_CAP_CLAIM_PROVIDER
								 : 0;
}

/* Signs a fresh heartbeat (ts = now) into `wire`. */
static int sign_now(struct hb *hb, char wire[WIRE_CAP])
{
	const struct dm_config *cfg = hb->cfg;
	struct dm_heartbeat h;
	memset(&h, 0, sizeof(h));
	h.format = DM_HEARTBEAT_HB02;
	h.endpoint_len = strlen(cfg->heartbeat_endpoint);
	memcpy(h.endpoint, cfg->heartbeat_endpoint, h.endpoint_len + 1);
	memcpy(h.operator_spk, hb->pk, sizeof(h.operator_spk));
	h.version_len = strlen(cfg->heartbeat_version);
	memcpy(h.version, cfg->heartbeat_version, h.version_len + 1);
	h.capabilities = capabilities(cfg);
	h.ts = hb->now();
	h.exp = h.ts + cfg->heartbeat_ttl;
	size_t len;
	return dm_heartbeat_sign(&h, hb->sk, wire, WIRE_CAP, &len);
}

static void tick_cb(uv_timer_t *t)
{
	struct hb *hb = t->data;
	hb->ticks++;
	if (hb->job != NULL) {
		log_info("previous round still posting, %s", "skipping this tick");
		return;
	}
	size_t max = hb->cfg->heartbeat_max_peers;
	struct hb_job *job = calloc(1, sizeof(*job) + (max ? max : 1) * sizeof(struct hb_result));
	if (job == NULL)
		return;
	job->hb = hb;
	snprintf(job->resolve, sizeof(job->resolve), "%s", hb->cfg->heartbeat_resolve);
	int r = sign_now(hb, job->wire);
	if (r != 0) {
		log_warnx("cannot sign our heartbeat: %s", dm_strerror(r));
		free(job);
		return;
	}
	seen_put(hb, job->wire, "self", true);
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&hb->store);
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SeenList list = DM__SEEN_LIST__INIT;
	list.limit = 2 * (uint32_t)max;
	env.body_case = DM__ENVELOPE__BODY_SEEN_LIST;
	env.seen_list = &list;
	if (conn == NULL || dm_ipc_request(conn, &env, HB_STORE_MS, on_list_reply, job) < 0)
		launch(hb, job, NULL, 0);
}

/* ---- lifecycle ---- */

static const struct dm_ipc_rule hb_rules[] = {
    {0, 0, NULL}, /* the store sends us nothing but replies */
};

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	struct hb *hb = ctx;
	(void)conn;
	static bool first = true;
	if (first)
		log_info("store reachable");
	first = false;
	(void)hb;
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	(void)conn;
	(void)ctx;
	log_debug("store connection lost, %s", "reconnecting");
}

int hb_start(struct hb *hb, const char *store_path)
{
	hb->cooldown = calloc(HB_PEERS_MAX, sizeof(*hb->cooldown));
	if (hb->cooldown == NULL)
		return DM_ENOMEM;
	hb->store.ep.loop = hb->loop;
	hb->store.ep.self_role = DM__ROLE__ROLE_HEARTBEAT;
	hb->store.ep.rules = hb_rules;
	hb->store.ep.on_up = on_up;
	hb->store.ep.on_down = on_down;
	hb->store.ep.ctx = hb;
	int r = dm_ipc_client_start(&hb->store, store_path);
	if (r < 0)
		return r;
	uv_timer_init(hb->loop, &hb->tick);
	hb->tick.data = hb;
	uint64_t every = (uint64_t)hb->cfg->heartbeat_interval * 1000;
	/* node.md §10.5: the first tick at start; a short delay lets the store client connect. */
	uv_timer_start(&hb->tick, tick_cb, 200, every);
	return 0;
}

void hb_stop(struct hb *hb)
{
	hb->stopping = true;
	uv_timer_stop(&hb->tick);
	uv_close((uv_handle_t *)&hb->tick, NULL);
	dm_ipc_client_stop(&hb->store);
	free(hb->cooldown);
	hb->cooldown = NULL;
	hb->ncooldown = 0;
}
