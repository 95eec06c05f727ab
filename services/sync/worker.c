/*
 * One round against one peer, as a chain of steps on the event loop: HTTP
 * requests run on the thread pool (one at a time), store requests over IPC.
 * Each step ends by starting the next or by finishing the round; nothing
 * blocks the loop, so the watchdog keeps being fed.
 *
 *   local manifest → pick peer → summary (equal: done) → digest page →
 *   compare → tombstones → pulls (verify, store) → watermark → next page
 *   or gossip → finish
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/cluster.h"
#include "common/err.h"
#include "common/node/log.h"
#include "services/sync/sync.h"

#define STORE_VALUE_MAX 65535 /* what the store accepts (docs/IPC.md) */
#define ACT_TOMB	0xff  /* a tombstone entry: applied, never compared */
#define ACT_INFLIGHT	0xfe  /* pulled, verified, being stored */

struct sync_round {
	struct syncsvc *s;
	struct sync_peer *p;
	uint64_t t0_ms;
	uint64_t requests, bytes;
	unsigned pages, pulled, stored, refused, rejected, deleted, dropped, invalid, missing;
	bool in_sync, failed;
	/* the current digest page */
	struct dm_sync_entry *e;
	size_t n;
	bool has_more;
	uint8_t *act;
	bool *done;
	size_t cmp_off;
	/* pulls: the distinct names to fetch, in first-seen order */
	const char **names;
	size_t nnames, name_off, batch_end;
	unsigned pending; /* store replies outstanding */
	void (*after)(struct sync_round *r);
	/* a newer manifest to switch to once the round is over */
	bool install;
	struct dm_cluster manifest;
};

static void round_finish(struct sync_round *r);
static void step_pick(struct sync_round *r);
static void step_digest(struct sync_round *r);
static void step_compare(struct sync_round *r);
static void step_tombstones(struct sync_round *r);
static void step_pull_batch(struct sync_round *r);
static void step_page_done(struct sync_round *r);
static void step_gossip(struct sync_round *r);

static uint64_t now_s(const struct syncsvc *s)
{
	return s->now_ms() / 1000;
}

/* ---- HTTP on the thread pool ---- */

typedef void (*http_cb)(struct sync_round *r, int rc, const struct dm_http_resp *resp,
			const char *err);

struct http_job {
	uv_work_t work;
	struct sync_round *r;
	struct sync_url u;
	const char *token, *ca_file; /* the service's config: read-only while it runs */
	char method[8];
	char *target, *body;
	size_t body_len;
	int rc;
	struct dm_http_resp resp; /* zero unless rc == 0 */
	struct dm_http_traffic io;
	char err[DM_HTTP_ERR_MAX];
	http_cb cb;
};

static void http_work(uv_work_t *w)
{
	struct http_job *j = w->data;
	const struct sync_url *u = &j->u;
	bool v6 = strchr(u->host, ':') != NULL;
	struct dm_http_opts o = {.timeout_ms = SYNC_HTTP_TIMEOUT_MS,
				 .body_max = SYNC_HTTP_BODY_MAX,
				 .bearer = j->token,
				 .accept = "application/json",
				 .ca_file = j->ca_file,
				 .traffic = &j->io};
	char *url;
	int n;

	/* The bearer token must not cross the network in clear text. */
	if (!u->tls && !dm_http_host_is_loopback(u->host)) {
		snprintf(j->err, sizeof(j->err), "%s: plain http only to loopback peers; use https",
			 u->host);
		j->rc = DM_EINVAL;
		return;
	}
	/* The port always explicit: peers see "Host: host:port" as before. */
	n = snprintf(NULL, 0, "%s://%s%s%s:%u%s%s", u->tls ? "https" : "http", v6 ? "[" : "",
		     u->host, v6 ? "]" : "", u->port, u->path, j->target);
	if (n < 0 || (url = malloc((size_t)n + 1)) == NULL) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		j->rc = DM_ENOMEM;
		return;
	}
	snprintf(url, (size_t)n + 1, "%s://%s%s%s:%u%s%s", u->tls ? "https" : "http", v6 ? "[" : "",
		 u->host, v6 ? "]" : "", u->port, u->path, j->target);
	j->rc = dm_http_request(j->method, url, j->body, j->body_len, &o, &j->resp, j->err);
	free(url);
}

static void http_after(uv_work_t *w, int status)
{
	struct http_job *j = w->data;
	struct sync_round *r = j->r;
	r->requests++;
	r->bytes += j->io.out + j->io.in;
	if (status != 0 && j->rc == 0)
		j->rc = DM_EUNAVAIL;
	if (r->s->stopping)
		round_finish(r);
	else
		j->cb(r, j->rc, &j->resp, j->err);
	dm_http_resp_free(&j->resp);
	free(j->target);
	free(j->body);
	free(j);
}

/* Takes ownership of `body`. */
static void http_start(struct sync_round *r, const char *method, const char *target, char *body,
		       http_cb cb)
{
	struct http_job *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->target = strdup(target)) == NULL) {
		free(j);
		free(body);
		r->failed = true;
		round_finish(r);
		return;
	}
	j->work.data = j;
	j->r = r;
	j->u = r->p->u;
	j->token = r->s->sc.token;
	j->ca_file = r->s->sc.ca_file;
	snprintf(j->method, sizeof(j->method), "%s", method);
	j->body = body;
	j->body_len = body ? strlen(body) : 0;
	j->cb = cb;
	if (uv_queue_work(r->s->loop, &j->work, http_work, http_after) != 0) {
		free(j->target);
		free(j->body);
		free(j);
		r->failed = true;
		round_finish(r);
	}
}

static void http_failed(struct sync_round *r, const char *what, int rc,
			const struct dm_http_resp *resp, const char *err)
{
	r->failed = true;
	if (rc < 0)
		log_warnx("peer %s: %s: %s", r->p->id, what, err);
	else
		log_warnx("peer %s: %s: HTTP %d", r->p->id, what, resp->status);
}

/* ---- store requests ---- */

static struct dm_ipc_conn *store_conn(struct sync_round *r)
{
	return dm_ipc_client_conn(&r->s->store);
}

static int reply_status(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
{
	if (err != 0)
		return err;
	if (rep->body_case == DM__ENVELOPE__BODY_ERROR)
		return rep->error->code < 0 ? rep->error->code : DM_EPROTO;
	return rep->body_case == want ? 0 : DM_EPROTO;
}

/* One reply fewer outstanding; the round moves on once none is. */
static void settle(struct sync_round *r)
{
	if (--r->pending > 0)
		return;
	void (*next)(struct sync_round *) = r->after;
	r->after = NULL;
	if (r->s->stopping || next == NULL)
		round_finish(r);
	else
		next(r);
}

/* ---- round set-up and end ---- */

static void page_free(struct sync_round *r)
{
	free(r->e);
	free(r->act);
	free(r->done);
	free(r->names);
	r->e = NULL;
	r->act = NULL;
	r->done = NULL;
	r->names = NULL;
	r->n = r->nnames = r->name_off = r->cmp_off = 0;
}

static void round_finish(struct sync_round *r)
{
	struct syncsvc *s = r->s;
	struct sync_peer *p = r->p;
	uint64_t ms = s->now_ms() - r->t0_ms;
	if (p != NULL) {
		p->rounds++;
		p->in_sync += r->in_sync;
		p->requests += r->requests;
		p->bytes += r->bytes;
		p->errors += r->failed;
		char wm[DM_SYNC_CURSOR_MAX + 1];
		(void)dm_sync_cursor_format(&p->wm, wm, sizeof(wm));
		if (r->in_sync)
			log_debug("peer %s: in sync, %" PRIu64 " request(s), %" PRIu64
				  " bytes, %" PRIu64 " ms",
				  p->id, r->requests, r->bytes, ms);
		else if (r->pulled || r->deleted || r->rejected || r->refused || r->dropped ||
			 r->invalid || r->missing)
			log_info("peer %s: %u page(s), pulled %u, stored %u, refused %u "
				 "(tombstoned), rejected %u (failed verification), deleted %u, "
				 "dropped %u, missing %u, invalid %u; %" PRIu64
				 " request(s), %" PRIu64 " bytes, %" PRIu64 " ms",
				 p->id, r->pages, r->pulled, r->stored, r->refused, r->rejected,
				 r->deleted, r->dropped, r->missing, r->invalid, r->requests,
				 r->bytes, ms);
		else
			log_debug("peer %s: nothing new (%u page(s), %" PRIu64
				  " request(s), %" PRIu64 " bytes, %" PRIu64 " ms, watermark %s)",
				  p->id, r->pages, r->requests, r->bytes, ms, wm);
	}
	if (r->install && !s->stopping)
		sync_peers_install(s, &r->manifest);
	page_free(r);
	s->round = NULL;
	free(r);
}

/* ---- cluster manifests we hold (§9.5 step 7, docs/SYNC.md) ---- */

/* The highest-seq manifest at cluster.<base> that verifies under the pinned key. */
static bool best_manifest(const struct syncsvc *s, const Dm__RecordSet *set, struct dm_cluster *ret)
{
	bool found = false;
	struct dm_cluster c;
	for (size_t i = 0; i < set->n_records; i++) {
		const Dm__Record *rec = set->records[i];
		if (!rec->has_value ||
		    dm_cluster_parse((const char *)rec->value.data, rec->value.len, s->sc.spk,
				     now_s(s), s->base, strlen(s->base), &c) < 0)
			continue;
		if (!found || c.seq > ret->seq) {
			*ret = c;
			found = true;
		}
	}
	return found;
}

static void on_local_manifest(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct sync_round *r = arg;
	struct syncsvc *s = r->s;
	(void)conn;
	if (s->stopping) {
		round_finish(r);
		return;
	}
	int st = reply_status(rep, err, DM__ENVELOPE__BODY_RECORD_SET);
	static struct dm_cluster c;
	if (st == 0 && best_manifest(s, rep->record_set, &c)) {
		/* A manifest that reached us by record sync counts like gossip, except
		 * the one we found first: that is the list we were configured with. */
		if (!s->baseline) {
			if (c.seq > s->installed_seq)
				s->installed_seq = c.seq;
		} else if (c.seq > s->installed_seq) {
			s->installed_seq = c.seq;
			sync_peers_install(s, &c);
		}
		if (c.seq > s->stored_seq)
			s->stored_seq = c.seq;
	}
	if (st == 0 || st == DM_ENOTFOUND)
		s->baseline = true;
	step_pick(r);
}

static void round_start(struct syncsvc *s)
{
	if (s->round != NULL || !s->store_up || s->stopping || s->npeers == 0)
		return;
	struct sync_round *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return;
	r->s = s;
	r->t0_ms = s->now_ms();
	s->round = r;
	if (s->base[0] == '\0' || !s->sc.has_spk) {
		step_pick(r);
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__GetRecords get = DM__GET_RECORDS__INIT;
	char name[DM_CLUSTER_NAME_MAX + 16];
	snprintf(name, sizeof(name), "cluster.%s", s->base);
	get.name = name;
	env.body_case = DM__ENVELOPE__BODY_GET_RECORDS;
	env.get_records = &get;
	struct dm_ipc_conn *conn = store_conn(r);
	if (conn == NULL || dm_ipc_request(conn, &env, SYNC_STORE_MS, on_local_manifest, r) < 0)
		step_pick(r);
}

/* ---- summary: the O(1) in-sync check ---- */

struct peer_summary {
	uint64_t records, tombstones;
	uint8_t digest[32], tomb_digest[32];
	bool has_max;
	struct dm_sync_cursor max;
};

static struct peer_summary g_peer; /* one round at a time */

static bool hex32(json_t *v, uint8_t out[32])
{
	return json_is_string(v) && json_string_length(v) == 64 &&
	       dm_hex_decode(json_string_value(v), 64, out, 32) == 32;
}

static bool parse_summary(const char *body, size_t len, struct peer_summary *ps)
{
	json_error_t jerr;
	json_t *j = json_loadb(body, len, 0, &jerr);
	bool ok = json_is_object(j) && json_is_integer(json_object_get(j, "records")) &&
		  json_is_integer(json_object_get(j, "tombstones")) &&
		  hex32(json_object_get(j, "digest"), ps->digest) &&
		  hex32(json_object_get(j, "tomb_digest"), ps->tomb_digest);
	if (ok) {
		ps->records = (uint64_t)json_integer_value(json_object_get(j, "records"));
		ps->tombstones = (uint64_t)json_integer_value(json_object_get(j, "tombstones"));
		json_t *mx = json_object_get(j, "max_cursor");
		ps->has_max = json_is_string(mx) &&
			      dm_sync_cursor_parse(json_string_value(mx), json_string_length(mx),
						   &ps->max) == 0;
	}
	json_decref(j);
	return ok;
}

static void on_local_summary(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct sync_round *r = arg;
	(void)conn;
	if (r->s->stopping) {
		round_finish(r);
		return;
	}
	if (reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_SUMMARY) != 0) {
		step_digest(r);
		return;
	}
	const Dm__SyncSummary *m = rep->sync_summary;
	const struct peer_summary *ps = &g_peer;
	bool same = m->records == ps->records && m->tombstones == ps->tombstones &&
		    m->digest.len == 32 && m->tomb_digest.len == 32 &&
		    memcmp(m->digest.data, ps->digest, 32) == 0 &&
		    memcmp(m->tomb_digest.data, ps->tomb_digest, 32) == 0;
	if (!same) {
		step_digest(r);
		return;
	}
	/* Same set: everything the peer has up to its newest entry is here. */
	r->in_sync = true;
	if (ps->has_max && dm_sync_cursor_cmp(&ps->max, &r->p->wm) > 0)
		r->p->wm = ps->max;
	round_finish(r);
}

static void on_summary(struct sync_round *r, int rc, const struct dm_http_resp *resp,
		       const char *err)
{
	if (rc == 0 && resp->status == 404) {
		/* A reference peer: walk its digest every round (§9.5). */
		r->p->summary = SUMMARY_NO;
		log_info("peer %s has no summary endpoint; using the digest walk", r->p->id);
		step_digest(r);
		return;
	}
	if (rc < 0 || resp->status != 200) {
		http_failed(r, "summary", rc, resp, err);
		round_finish(r);
		return;
	}
	if (!parse_summary(resp->body, resp->body_len, &g_peer)) {
		r->p->summary = SUMMARY_NO;
		step_digest(r);
		return;
	}
	r->p->summary = SUMMARY_YES;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncSummaryRequest q = DM__SYNC_SUMMARY_REQUEST__INIT;
	env.body_case = DM__ENVELOPE__BODY_SYNC_SUMMARY_REQUEST;
	env.sync_summary_request = &q;
	struct dm_ipc_conn *conn = store_conn(r);
	if (conn == NULL || dm_ipc_request(conn, &env, SYNC_STORE_MS, on_local_summary, r) < 0)
		round_finish(r);
}

static void step_pick(struct sync_round *r)
{
	struct syncsvc *s = r->s;
	for (unsigned tries = 0; tries < s->npeers && r->p == NULL; tries++) {
		struct sync_peer *p = &s->peers[s->next++ % s->npeers];
		if (p->url_ok && (p->u.tls || dm_http_host_is_loopback(p->u.host)))
			r->p = p;
	}
	if (r->p == NULL) {
		round_finish(r);
		return;
	}
	if (r->p->summary == SUMMARY_NO)
		step_digest(r);
	else
		http_start(r, "GET", "/v1/sync/summary", NULL, on_summary);
}

/* ---- digest ---- */

/* The cursor for a query string: percent-encoded beyond the digest alphabet. */
static void cursor_query(const struct dm_sync_cursor *c, char *out, size_t cap)
{
	char raw[DM_SYNC_CURSOR_MAX + 1];
	size_t n = 0;
	(void)dm_sync_cursor_format(c, raw, sizeof(raw));
	for (const char *p = raw; *p && n + 4 < cap; p++) {
		unsigned char ch = (unsigned char)*p;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == ':')
			out[n++] = (char)ch;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
	}
	out[n] = '\0';
}

static void on_digest(struct sync_round *r, int rc, const struct dm_http_resp *resp,
		      const char *err)
{
	if (rc < 0 || resp->status != 200) {
		http_failed(r, "digest", rc, resp, err);
		round_finish(r);
		return;
	}
	size_t dropped;
	if (dm_sync_digest_parse(resp->body, resp->body_len, r->s->now_ms(), &r->e, &r->n, &dropped,
				 &r->has_more) < 0) {
		log_warnx("peer %s: digest is not a JSON object with a records list", r->p->id);
		r->failed = true;
		round_finish(r);
		return;
	}
	r->invalid += (unsigned)dropped;
	r->pages++;
	if (r->n == 0) {
		page_free(r);
		step_gossip(r);
		return;
	}
	r->act = calloc(r->n, sizeof(*r->act));
	r->done = calloc(r->n, sizeof(*r->done));
	r->names = calloc(r->n, sizeof(*r->names));
	if (r->act == NULL || r->done == NULL || r->names == NULL) {
		r->failed = true;
		round_finish(r);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].deleted)
			r->act[i] = ACT_TOMB;
	r->cmp_off = 0;
	step_compare(r);
}

static void step_digest(struct sync_round *r)
{
	char cur[3 * DM_SYNC_CURSOR_MAX + 1], target[3 * DM_SYNC_CURSOR_MAX + 96];
	cursor_query(&r->p->wm, cur, sizeof(cur));
	snprintf(target, sizeof(target), "/v1/sync/digest?cursor=%s&limit=%d%s", cur,
		 SYNC_PAGE_LIMIT, r->p->summary == SUMMARY_YES ? "&tombstones=1" : "");
	http_start(r, "GET", target, NULL, on_digest);
}

/* ---- compare (§9.5 step 4) ---- */

struct cmp_ctx {
	struct sync_round *r;
	size_t idx[SYNC_COMPARE_CHUNK];
	size_t n;
};

static void on_compare(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct cmp_ctx *cx = arg;
	struct sync_round *r = cx->r;
	(void)conn;
	int st = reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_COMPARE_REPLY);
	if (r->s->stopping || st != 0 || rep->sync_compare_reply->n_actions != cx->n) {
		if (!r->s->stopping)
			log_warnx("store compare failed: %s", dm_strerror(st ? st : DM_EPROTO));
		free(cx);
		r->failed = true;
		round_finish(r);
		return;
	}
	for (size_t k = 0; k < cx->n; k++) {
		size_t i = cx->idx[k];
		r->act[i] = (uint8_t)rep->sync_compare_reply->actions[k];
		if (r->act[i] == DM__SYNC_ACTION__SYNC_IN_SYNC ||
		    r->act[i] == DM__SYNC_ACTION__SYNC_TOMBSTONED ||
		    r->act[i] == DM__SYNC_ACTION__SYNC_NEWER)
			r->done[i] = true;
	}
	free(cx);
	step_compare(r);
}

static void step_compare(struct sync_round *r)
{
	struct cmp_ctx *cx = calloc(1, sizeof(*cx));
	Dm__SyncEntry ents[SYNC_COMPARE_CHUNK];
	Dm__SyncEntry *ptrs[SYNC_COMPARE_CHUNK];
	if (cx == NULL) {
		r->failed = true;
		round_finish(r);
		return;
	}
	cx->r = r;
	for (; r->cmp_off < r->n && cx->n < SYNC_COMPARE_CHUNK; r->cmp_off++) {
		const struct dm_sync_entry *e = &r->e[r->cmp_off];
		if (e->deleted)
			continue;
		Dm__SyncEntry *x = &ents[cx->n];
		dm__sync_entry__init(x);
		x->name = (char *)e->name;
		x->hash = (char *)e->hash;
		x->ts_ms = e->ts_ms;
		x->ttl = e->ttl;
		ptrs[cx->n] = x;
		cx->idx[cx->n++] = r->cmp_off;
	}
	if (cx->n == 0) {
		free(cx);
		step_tombstones(r);
		return;
	}
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__SyncCompare q = DM__SYNC_COMPARE__INIT;
	q.n_entries = cx->n;
	q.entries = ptrs;
	env.body_case = DM__ENVELOPE__BODY_SYNC_COMPARE;
	env.sync_compare = &q;
	struct dm_ipc_conn *conn = store_conn(r);
	if (conn == NULL || dm_ipc_request(conn, &env, SYNC_STORE_MS, on_compare, cx) < 0) {
		free(cx);
		r->failed = true;
		round_finish(r);
	}
}

/* ---- tombstones (docs/SYNC.md) ---- */

struct idx_ctx {
	struct sync_round *r;
	size_t i;
};

static void on_tombstone(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct idx_ctx *cx = arg;
	struct sync_round *r = cx->r;
	(void)conn;
	if (reply_status(rep, err, DM__ENVELOPE__BODY_SYNC_DELETE_RESULT) == 0 &&
	    rep->sync_delete_result->status == 0) {
		r->done[cx->i] = true;
		r->deleted += rep->sync_delete_result->deleted;
	}
	free(cx);
	settle(r);
}

static void step_pulls(struct sync_round *r);

static void step_tombstones(struct sync_round *r)
{
	struct syncsvc *s = r->s;
	struct dm_ipc_conn *conn = store_conn(r);
	r->pending = 1; /* held until every request is out */
	r->after = step_pulls;
	for (size_t i = 0; i < r->n && conn != NULL; i++) {
		const struct dm_sync_entry *e = &r->e[i];
		if (!e->deleted)
			continue;
		struct idx_ctx *cx = malloc(sizeof(*cx));
		if (cx == NULL)
			break;
		cx->r = r;
		cx->i = i;
		Dm__Envelope env = DM__ENVELOPE__INIT;
		Dm__SyncDelete q = DM__SYNC_DELETE__INIT;
		q.name = (char *)e->name;
		q.hash = (char *)e->hash;
		q.deleted_ms = e->deleted_ms;
		q.expires_at = (int64_t)now_s(s) + e->ttl;
		env.body_case = DM__ENVELOPE__BODY_SYNC_DELETE;
		env.sync_delete = &q;
		r->pending++;
		if (dm_ipc_request(conn, &env, SYNC_STORE_MS, on_tombstone, cx) < 0) {
			free(cx);
			r->pending--;
		}
	}
	settle(r);
}

/* ---- pulls (§9.5 step 5) ---- */

static bool wants_pull(const struct sync_round *r, size_t i)
{
	return !r->done[i] && (r->act[i] == DM__SYNC_ACTION__SYNC_PULL ||
			       r->act[i] == DM__SYNC_ACTION__SYNC_REFRESH);
}

static void step_pulls(struct sync_round *r)
{
	if (r->s->stopping) {
		round_finish(r);
		return;
	}
	r->nnames = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!wants_pull(r, i))
			continue;
		bool seen = false;
		for (size_t k = 0; k < r->nnames && !seen; k++)
			seen = strcmp(r->names[k], r->e[i].name) == 0;
		if (!seen)
			r->names[r->nnames++] = r->e[i].name;
	}
	r->name_off = 0;
	step_pull_batch(r);
}

static bool same_pair(const struct dm_sync_entry *e, const char *name, const char *hash)
{
	return strcmp(e->hash, hash) == 0 && strcmp(e->name, name) == 0;
}

/* Marks every page entry of (name, hash) that wanted a pull, or whose value
 * is being stored, as handled. */
static void mark_pair(struct sync_round *r, const char *name, const char *hash)
{
	for (size_t i = 0; i < r->n; i++)
		if ((wants_pull(r, i) || r->act[i] == ACT_INFLIGHT) &&
		    same_pair(&r->e[i], name, hash))
			r->done[i] = true;
}

/* The pair's value was delivered and goes to the store now. */
static void fly_pair(struct sync_round *r, const char *name, const char *hash)
{
	for (size_t i = 0; i < r->n; i++)
		if (wants_pull(r, i) && same_pair(&r->e[i], name, hash))
			r->act[i] = ACT_INFLIGHT;
}

static bool pair_wanted(const struct sync_round *r, const char *name, const char *hash)
{
	for (size_t i = 0; i < r->n; i++)
		if (wants_pull(r, i) && same_pair(&r->e[i], name, hash))
			return true;
	return false;
}

struct put_ctx {
	struct sync_round *r;
	char name[DM_SYNC_NAME_MAX + 1];
	char hash[DM_SYNC_HASH_HEX + 1];
};

static void on_put(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct put_ctx *cx = arg;
	struct sync_round *r = cx->r;
	(void)conn;
	int st = reply_status(rep, err, DM__ENVELOPE__BODY_PUT_RESULT);
	if (st == 0)
		st = rep->put_result->status;
	if (st == 0) {
		r->stored++;
		mark_pair(r, cx->name, cx->hash);
	} else if (st == DM_EMISMATCH) {
		r->refused++; /* deleted here: a peer does not bring it back */
		mark_pair(r, cx->name, cx->hash);
	} else if (!r->s->stopping) {
		log_warnx("storing a pulled value failed: %s", dm_strerror(st));
	}
	free(cx);
	settle(r);
}

static void pull_batch_done(struct sync_round *r)
{
	r->name_off = r->batch_end;
	step_pull_batch(r);
}

static void on_pull(struct sync_round *r, int rc, const struct dm_http_resp *resp, const char *err)
{
	struct syncsvc *s = r->s;
	struct dm_sync_value *v = NULL;
	size_t nv = 0, dropped = 0;
	if (rc < 0 || resp->status != 200) {
		http_failed(r, "pull", rc, resp, err);
		step_page_done(r);
		return;
	}
	if (dm_sync_pull_parse(resp->body, resp->body_len, &v, &nv, &dropped) < 0) {
		log_warnx("peer %s: pull answer is not a JSON object with a records list",
			  r->p->id);
		r->failed = true;
		step_page_done(r);
		return;
	}
	r->dropped += (unsigned)dropped;
	struct dm_ipc_conn *conn = store_conn(r);
	r->pending = 1;
	r->after = pull_batch_done;
	for (size_t k = 0; k < nv; k++) {
		uint8_t h[32];
		char hash[DM_SYNC_HASH_HEX + 1];
		bool asked = false;
		for (size_t i = r->name_off; i < r->batch_end && !asked; i++)
			asked = strcmp(r->names[i], v[k].name) == 0;
		crypto_hash_sha256(h, (const uint8_t *)v[k].value, v[k].value_len);
		dm_hex_encode(h, sizeof(h), hash);
		/* Only what this page advertised: a peer cannot smuggle values in. */
		if (!asked || !pair_wanted(r, v[k].name, hash)) {
			r->dropped++;
			continue;
		}
		r->pulled++;
		int vr = v[k].value_len > STORE_VALUE_MAX
			     ? DM_ETOOBIG
			     : dm_sync_verify_record(v[k].value, v[k].value_len,
						     s->sc.has_spk ? s->sc.spk : NULL, now_s(s));
		if (vr < 0) {
			char esc[80];
			log_warnx("peer %s: %s: refusing a value that fails verification "
				  "(%s)",
				  r->p->id,
				  log_escape(v[k].name, strlen(v[k].name), esc, sizeof(esc)),
				  dm_strerror(vr));
			r->rejected++;
			/* The hash pins these exact bytes: asking again cannot help. */
			mark_pair(r, v[k].name, hash);
			continue;
		}
		struct put_ctx *cx = calloc(1, sizeof(*cx));
		if (cx == NULL || conn == NULL) {
			free(cx);
			continue;
		}
		cx->r = r;
		snprintf(cx->name, sizeof(cx->name), "%s", v[k].name);
		memcpy(cx->hash, hash, sizeof(cx->hash));
		Dm__Envelope env = DM__ENVELOPE__INIT;
		Dm__PutRecord put = DM__PUT_RECORD__INIT;
		put.name = v[k].name;
		put.value.data = (uint8_t *)v[k].value;
		put.value.len = v[k].value_len;
		put.ttl = v[k].ttl; /* the peer's remaining ttl */
		env.body_case = DM__ENVELOPE__BODY_PUT_RECORD;
		env.put_record = &put;
		fly_pair(r, v[k].name, hash);
		r->pending++;
		if (dm_ipc_request(conn, &env, SYNC_STORE_MS, on_put, cx) < 0) {
			free(cx);
			r->pending--;
		}
	}
	dm_sync_values_free(v, nv);
	/* Advertised but not delivered: gone from the peer since its digest, or
	 * a peer that lies. Either way not ours to fetch; a value published there
	 * again gets a new ts and is asked for then. */
	for (size_t i = 0; i < r->n; i++) {
		if (!wants_pull(r, i))
			continue;
		for (size_t k = r->name_off; k < r->batch_end; k++) {
			if (strcmp(r->names[k], r->e[i].name) != 0)
				continue;
			r->done[i] = true;
			r->missing++;
			break;
		}
	}
	settle(r);
}

static void step_pull_batch(struct sync_round *r)
{
	if (r->name_off >= r->nnames) {
		step_page_done(r);
		return;
	}
	r->batch_end = r->name_off + DM_SYNC_PULL_NAMES_MAX;
	if (r->batch_end > r->nnames)
		r->batch_end = r->nnames;
	json_t *names = json_array();
	for (size_t i = r->name_off; i < r->batch_end; i++)
		json_array_append_new(names, json_string(r->names[i]));
	json_t *req = json_pack("{s:o}", "names", names);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL) {
		r->failed = true;
		step_page_done(r);
		return;
	}
	http_start(r, "POST", "/v1/sync/pull", body, on_pull);
}

/* ---- watermark (§9.5 step 6) ---- */

static void step_page_done(struct sync_round *r)
{
	bool moved = dm_sync_advance(r->e, r->done, r->n, &r->p->wm);
	bool more = r->has_more && moved && !r->failed && r->pages < SYNC_PAGES_PER_ROUND;
	page_free(r);
	if (r->s->stopping)
		round_finish(r);
	else if (more)
		step_digest(r);
	else
		step_gossip(r);
}

/* ---- gossip (§9.5 step 7) ---- */

static void on_manifest_put(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct sync_round *r = arg;
	(void)conn;
	int st = reply_status(rep, err, DM__ENVELOPE__BODY_PUT_RESULT);
	if (st == 0)
		st = rep->put_result->status;
	if (st == 0) {
		r->s->installed_seq = r->manifest.seq;
		if (r->manifest.seq > r->s->stored_seq)
			r->s->stored_seq = r->manifest.seq;
		r->install = true;
	}
	round_finish(r);
}

static void on_gossip(struct sync_round *r, int rc, const struct dm_http_resp *resp,
		      const char *err)
{
	struct syncsvc *s = r->s;
	if (rc < 0 || (resp->status != 200 && resp->status != 204)) {
		http_failed(r, "cluster manifest", rc, resp, err);
		round_finish(r);
		return;
	}
	if (resp->status == 204) {
		round_finish(r);
		return;
	}
	json_error_t jerr;
	json_t *j = json_loadb(resp->body, resp->body_len, 0, &jerr);
	json_t *w = json_object_get(j, "wire");
	uint64_t have = s->installed_seq > s->stored_seq ? s->installed_seq : s->stored_seq;
	if (!json_is_string(w) ||
	    dm_cluster_parse(json_string_value(w), json_string_length(w), s->sc.spk, now_s(s),
			     s->base, strlen(s->base), &r->manifest) < 0 ||
	    r->manifest.seq <= have) {
		json_decref(j);
		round_finish(r);
		return;
	}
	/* Stored at cluster.<name> beside older wires, which expire by themselves. */
	char name[DM_CLUSTER_NAME_MAX + 16];
	snprintf(name, sizeof(name), "cluster.%s", r->manifest.name);
	int64_t ttl = (int64_t)r->manifest.exp - (int64_t)now_s(s);
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__PutRecord put = DM__PUT_RECORD__INIT;
	put.name = name;
	put.value.data = (uint8_t *)json_string_value(w);
	put.value.len = json_string_length(w);
	put.ttl = ttl < 1 ? 1 : ttl > DM_SYNC_TTL_MAX ? DM_SYNC_TTL_MAX : (uint32_t)ttl;
	env.body_case = DM__ENVELOPE__BODY_PUT_RECORD;
	env.put_record = &put;
	struct dm_ipc_conn *conn = store_conn(r);
	int q = conn ? dm_ipc_request(conn, &env, SYNC_STORE_MS, on_manifest_put, r) : DM_EUNAVAIL;
	json_decref(j);
	if (q < 0)
		round_finish(r);
}

static void step_gossip(struct sync_round *r)
{
	/* An in-sync round never gets here: the manifest is one of the records
	 * the summary covers, and the local check at round start installs it. */
	if (!r->s->sc.has_spk || r->s->base[0] == '\0') {
		round_finish(r);
		return;
	}
	http_start(r, "GET", "/v1/sync/cluster-manifest", NULL, on_gossip);
}

/* ---- the timer, and the mounted manifest (§9.9) ---- */

static void tick_cb(uv_timer_t *t)
{
	round_start(t->data);
}

void sync_worker_start(struct syncsvc *s)
{
	uint64_t every = (uint64_t)(s->sc.interval_s * 1000.0);
	if (every == 0)
		every = 1;
	uv_timer_init(s->loop, &s->tick);
	s->tick.data = s;
	uv_timer_start(&s->tick, tick_cb, every, every);
}

void sync_worker_stop(struct syncsvc *s)
{
	s->stopping = true;
	uv_timer_stop(&s->tick);
	uv_close((uv_handle_t *)&s->tick, NULL);
}

static void on_publish(struct dm_ipc_conn *conn, const Dm__Envelope *rep, int err, void *arg)
{
	struct syncsvc *s = arg;
	(void)conn;
	int st = reply_status(rep, err, DM__ENVELOPE__BODY_PUT_RESULT);
	if (st == 0)
		st = rep->put_result->status;
	if (st == 0) {
		s->published = true;
		log_info("published the cluster manifest from %s", s->sc.cluster_file);
	} else if (!s->stopping) {
		log_warnx("publishing the mounted cluster manifest failed: %s", dm_strerror(st));
	}
}

void sync_worker_store_up(struct syncsvc *s)
{
	s->store_up = true;
	if (s->published)
		return;
	static struct dm_cluster_file cf;
	char err[256];
	if (dm_cluster_file_load(s->sc.cluster_file, &cf, err, sizeof(err)) < 0 || !cf.has_wire) {
		s->published = true; /* nothing to publish (a JSON peer list is ignored) */
		return;
	}
	struct dm_cluster c = cf.manifest;
	if (s->sc.has_spk &&
	    dm_cluster_parse(cf.wire, cf.wire_len, s->sc.spk, now_s(s), NULL, 0, &c) < 0) {
		log_warnx("the manifest in %s does not verify under DMP_SYNC_OPERATOR_SPK; "
			  "not publishing it",
			  s->sc.cluster_file);
		s->published = true;
		return;
	}
	char name[DM_CLUSTER_NAME_MAX + 16];
	snprintf(name, sizeof(name), "cluster.%s", c.name);
	int64_t ttl = (int64_t)c.exp - (int64_t)now_s(s);
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__PutRecord put = DM__PUT_RECORD__INIT;
	put.name = name;
	put.value.data = (uint8_t *)cf.wire;
	put.value.len = cf.wire_len;
	put.ttl = ttl < 1 ? 1 : ttl > DM_SYNC_TTL_MAX ? DM_SYNC_TTL_MAX : (uint32_t)ttl;
	env.body_case = DM__ENVELOPE__BODY_PUT_RECORD;
	env.put_record = &put;
	struct dm_ipc_conn *conn = dm_ipc_client_conn(&s->store);
	if (conn != NULL)
		(void)dm_ipc_request(conn, &env, SYNC_STORE_MS, on_publish, s);
}
