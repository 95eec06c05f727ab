/*
 * Anti-entropy endpoints (node.md §9.1-§9.3, docs/SYNC.md): the digest, the
 * pull, the cluster-manifest gossip, and our O(1) summary. Every route
 * applies the general HTTP rate limit first (429), then the peer token
 * (403 when it is unset or does not match the whole Authorization header).
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/dmp/cluster.h"
#include "common/dmp/record.h"
#include "common/dmp/sync.h"
#include "common/dmp/token.h"
#include "common/err.h"
#include "common/node/log.h"
#include "services/https-frontend/api_internal.h"

#define CLUSTER_BLOB_MIN 120 /* §9.3: shorter wires are not considered */
#define QUERY_VALUE_MAX	 (DM_SYNC_CURSOR_MAX + 1)

int api_sync_init(struct api *a)
{
	char err[256];
	a->sync = calloc(1, sizeof(*a->sync));
	if (a->sync == NULL)
		return DM_ENOMEM;
	if (dm_sync_config_from_env(a->sync, err, sizeof(err)) < 0) {
		/* The sync service refuses to start on this (exit 78); here it only
		 * means the sync routes stay closed. */
		log_warnx("configuration: %s; the sync endpoints answer 403", err);
		memset(a->sync, 0, sizeof(*a->sync));
		return 0;
	}
	struct dm_cluster_file cf;
	bool have_file = dm_cluster_file_load(a->sync->cluster_file, &cf, err, sizeof(err)) == 0;
	/* now = 0: expiry is checked on every request, not here (§9.3). */
	dm_sync_base_domain(a->sync, have_file ? &cf : NULL, 0, a->cluster_name);
	return 0;
}

void api_sync_done(struct api *a)
{
	if (a->sync != NULL) {
		dm_sync_config_clear(a->sync);
		free(a->sync);
	}
	a->sync = NULL;
}

/* The whole header must be "Bearer <token>" (§9); no token configured: never. */
static bool peer_ok(const struct api_call *c)
{
	const struct dm_sync_config *sc = c->api->sync;
	const struct http_request *q = c->req;
	if (sc == NULL || sc->token[0] == '\0' || !q->has_authorization)
		return false;
	char want[DM_SYNC_TOKEN_MAX + 8];
	int n = snprintf(want, sizeof(want), "Bearer %s", sc->token);
	bool ok = n > 0 && dm_token_equal(q->authorization, q->authorization_len, want, (size_t)n);
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* ---- query strings (Python's parse_qs: first value wins, blanks ignored) ---- */

static int hexval(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/*
 * The percent-decoded value of `key` in the query of `target`, into `out`.
 * Returns its length, -1 if absent or blank, -2 if malformed or too long.
 */
static long query_get(const char *target, const char *key, char *out, size_t cap)
{
	const char *q = strchr(target, '?');
	if (q == NULL)
		return -1;
	size_t klen = strlen(key);
	for (const char *p = q + 1; *p != '\0';) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (eq != NULL && (size_t)(eq - p) == klen && memcmp(p, key, klen) == 0 &&
		    eq + 1 < p + len) {
			size_t n = 0;
			for (const char *v = eq + 1; v < p + len; v++) {
				char ch = *v;
				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%' && p + len - v >= 3 && hexval(v[1]) >= 0 &&
					   hexval(v[2]) >= 0) {
					ch = (char)(hexval(v[1]) << 4 | hexval(v[2]));
					v += 2;
				}
				if (n + 1 >= cap)
					return -2;
				out[n++] = ch;
			}
			out[n] = '\0';
			return memchr(out, '\0', n) ? -2 : (long)n;
		}
		p += len + (p[len] == '&');
	}
	return -1;
}

/* Python int(): optional sign, decimal digits (surrounding blanks allowed). */
static bool parse_int(const char *s, bool *neg, uint64_t *mag)
{
	while (*s == ' ' || *s == '\t')
		s++;
	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v > UINT64_MAX / 16 ? UINT64_MAX / 16 : v * 10 + (uint64_t)(*s - '0');
	while (*s == ' ' || *s == '\t')
		s++;
	*mag = v;
	return *s == '\0';
}

/* ---- GET /v1/sync/digest (§9.1) ---- */

static void on_digest(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0) {
		api_reply_unavailable(c);
		return;
	}
	json_t *recs = json_array();
	for (size_t i = 0; i < res->nentries; i++) {
		const struct api_sync_entry *e = &res->entries[i];
		json_t *o = json_pack("{s:s,s:s,s:I,s:I}", "name", e->name, "hash", e->hash, "ts",
				      (json_int_t)e->ts_ms, "ttl", (json_int_t)e->ttl);
		if (o != NULL && e->deleted) {
			json_object_set_new(o, "deleted", json_true());
			json_object_set_new(o, "deleted_ms", json_integer(e->deleted_ms));
		}
		json_array_append_new(recs, o);
	}
	char next[DM_SYNC_CURSOR_MAX + 1];
	struct dm_sync_cursor last;
	if (res->nentries > 0) {
		const struct api_sync_entry *e = &res->entries[res->nentries - 1];
		last.ts_ms = e->ts_ms;
		snprintf(last.name, sizeof(last.name), "%s", e->name);
		snprintf(last.hash, sizeof(last.hash), "%s", e->hash);
		(void)dm_sync_cursor_format(&last, next, sizeof(next));
	} else {
		snprintf(next, sizeof(next), "%s",
			 json_string_value(json_object_get(c->json, "echo")));
	}
	api_reply_json(c, 200,
		       json_pack("{s:o,s:b,s:s}", "records", recs, "has_more", res->has_more,
				 "next_cursor", next));
}

static void sync_digest(struct api_call *c)
{
	struct api *a = c->api;
	const char *target = c->req->target;
	char val[QUERY_VALUE_MAX];
	struct dm_sync_cursor after = {0};
	char echo[DM_SYNC_CURSOR_MAX + 1];
	long n = query_get(target, "cursor", val, sizeof(val));
	bool neg;
	uint64_t mag;
	if (n == -2 || (n >= 0 && dm_sync_cursor_parse(val, (size_t)n, &after) < 0)) {
		api_reply_error(c, 400, "cursor must be '<ts>:<name>:<value_hash>'");
		return;
	}
	if (n >= 0) {
		(void)dm_sync_cursor_format(&after, echo, sizeof(echo));
	} else if ((n = query_get(target, "since", val, sizeof(val))) != -1) {
		if (n == -2 || !parse_int(val, &neg, &mag)) {
			api_reply_error(c, 400, "since must be an integer");
			return;
		}
		if (neg && mag > 0) {
			api_reply_error(c, 400, "since must be >= 0");
			return;
		}
		/* Strictly after `since`: every row of since+1 sorts after ("", ""). */
		after.ts_ms = mag >= (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)mag + 1;
		(void)dm_sync_cursor_format(&after, echo, sizeof(echo));
	} else {
		(void)dm_sync_cursor_format(&after, echo, sizeof(echo));
	}
	uint32_t limit = DM_SYNC_DIGEST_LIMIT_DEFAULT;
	if ((n = query_get(target, "limit", val, sizeof(val))) != -1) {
		if (n == -2 || !parse_int(val, &neg, &mag)) {
			api_reply_error(c, 400, "limit must be an integer");
			return;
		}
		if (neg || mag == 0) {
			api_reply_error(c, 400, "limit must be > 0");
			return;
		}
		limit = mag > DM_SYNC_DIGEST_LIMIT_MAX ? DM_SYNC_DIGEST_LIMIT_MAX : (uint32_t)mag;
	}
	/* Our own peers ask for tombstones; a reference peer never sees one. */
	bool tomb = query_get(target, "tombstones", val, sizeof(val)) == 1 && val[0] == '1';
	c->json = json_pack("{s:s}", "echo", echo);
	if (c->json == NULL) {
		api_reply_unavailable(c);
		return;
	}
	a->be.sync_digest(a->be.ctx, c, after.ts_ms, after.name, after.hash, limit, tomb,
			  on_digest);
}

/* ---- POST /v1/sync/pull (§9.2) ---- */

/* c->json while pulling: {"names": [...], "i": next index, "out": [...]} */
static void pull_next(struct api_call *c);

static int value_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_int_t ta = json_integer_value(json_object_get(a, "_ts"));
	json_int_t tb = json_integer_value(json_object_get(b, "_ts"));
	if (ta != tb)
		return ta < tb ? -1 : 1;
	int r = strcmp(json_string_value(json_object_get(a, "name")),
		       json_string_value(json_object_get(b, "name")));
	return r ? r
		 : strcmp(json_string_value(json_object_get(a, "_h")),
			  json_string_value(json_object_get(b, "_h")));
}

static void pull_finish(struct api_call *c)
{
	json_t *out = json_object_get(c->json, "out");
	size_t n = json_array_size(out);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *recs = json_array();
	if (v == NULL || recs == NULL) {
		free(v);
		json_decref(recs);
		api_reply_unavailable(c);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(out, i);
	/* The reference's order: (stored_ts, name, value_hash). */
	qsort(v, n, sizeof(*v), value_cmp);
	for (size_t i = 0; i < n; i++) {
		json_object_del(v[i], "_ts");
		json_object_del(v[i], "_h");
		json_array_append(recs, v[i]);
	}
	free(v);
	api_reply_json(c, 200, json_pack("{s:o}", "records", recs));
}

static void on_pull(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0) {
		api_reply_unavailable(c);
		return;
	}
	json_t *out = json_object_get(c->json, "out");
	for (size_t i = 0; i < res->nsvalues; i++) {
		const struct api_sync_value *v = &res->svalues[i];
		json_array_append_new(
		    out, json_pack("{s:s,s:s%,s:I,s:I,s:s}", "name", v->name, "value",
				   (const char *)v->value, v->len, "ttl", (json_int_t)v->ttl, "_ts",
				   (json_int_t)v->ts_ms, "_h", v->hash ? v->hash : ""));
	}
	json_int_t i = json_integer_value(json_object_get(c->json, "i"));
	/* served == 0 would never end: the store always serves at least one name. */
	i += res->served > 0 ? (json_int_t)res->served : 1;
	json_object_set_new(c->json, "i", json_integer(i));
	pull_next(c);
}

static void pull_next(struct api_call *c)
{
	struct api *a = c->api;
	json_t *names = json_object_get(c->json, "names");
	size_t i = (size_t)json_integer_value(json_object_get(c->json, "i"));
	size_t n = json_array_size(names);
	if (i >= n) {
		pull_finish(c);
		return;
	}
	const char *list[DM_SYNC_PULL_NAMES_MAX];
	for (size_t k = i; k < n; k++)
		list[k - i] = json_string_value(json_array_get(names, k));
	a->be.sync_pull(a->be.ctx, c, list, n - i, on_pull);
}

static void sync_pull(struct api_call *c)
{
	json_t *body = api_parse_body(c->req->body, c->req->body_len);
	if (body == NULL) {
		api_reply_error(c, 400, "invalid body");
		return;
	}
	c->json = body; /* freed when the call finishes, whatever happens */
	json_t *names = json_object_get(body, "names");
	if (!json_is_array(names)) {
		api_reply_error(c, 400, "names must be a list");
		return;
	}
	if (json_array_size(names) > DM_SYNC_PULL_NAMES_MAX) {
		api_reply_error(c, 400, "at most 256 names per request");
		return;
	}
	json_t *uniq = json_array();
	size_t k;
	json_t *v;
	json_array_foreach(names, k, v)
	{
		if (!json_is_string(v)) {
			json_decref(uniq);
			api_reply_error(c, 400, "names must be strings");
			return;
		}
	}
	json_array_foreach(names, k, v)
	{
		const char *s = json_string_value(v);
		size_t off = 0, len = json_string_length(v);
		dm_record_py_strip(s, &off, &len);
		while (len > 0 && s[off + len - 1] == '.')
			len--;
		if (len == 0 || len > DM_SYNC_CURSOR_NAME_BYTES)
			continue; /* nothing can be stored there */
		bool dup = false;
		for (size_t j = 0; j < json_array_size(uniq) && !dup; j++) {
			json_t *u = json_array_get(uniq, j);
			dup = json_string_length(u) == len &&
			      memcmp(json_string_value(u), s + off, len) == 0;
		}
		if (!dup)
			json_array_append_new(uniq, json_stringn(s + off, len));
	}
	c->json = json_pack("{s:o,s:i,s:[]}", "names", uniq, "i", 0, "out");
	json_decref(body);
	if (c->json == NULL) {
		api_reply_unavailable(c);
		return;
	}
	pull_next(c);
}

/* ---- GET /v1/sync/cluster-manifest (§9.3) ---- */

/* seq/exp/name of a wire worth serving, or false. */
static bool cluster_candidate(const struct api *a, const uint8_t *value, size_t len,
			      struct dm_cluster *ret)
{
	const char *b64;
	size_t blen, n;
	uint8_t blob[DM_CLUSTER_WIRE_MAX];
	if (len > DM_CLUSTER_WIRE_MAX ||
	    dm_record_strip_prefix((const char *)value, len, DM_PREFIX_CLUSTER, &b64, &blen) < 0 ||
	    dm_b64_decode_strict(b64, blen, blob, sizeof(blob), &n) < 0 || n < CLUSTER_BLOB_MIN)
		return false;
	if (a->sync->has_spk)
		return dm_cluster_parse((const char *)value, len, a->sync->spk, api_now_s(a),
					a->cluster_name, strlen(a->cluster_name), ret) == 0;
	return dm_cluster_body_decode(blob, n - DM_ED25519_SIG_BYTES, ret) == 0;
}

static void on_cluster(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0 && res->status != DM_ENOTFOUND) {
		api_reply_unavailable(c);
		return;
	}
	struct dm_cluster best, m;
	size_t pick = SIZE_MAX;
	for (size_t i = 0; i < res->nvalues; i++) {
		if (!cluster_candidate(c->api, res->values[i], res->lens[i], &m))
			continue;
		if (pick == SIZE_MAX || m.seq > best.seq) {
			best = m;
			pick = i;
		}
	}
	if (pick == SIZE_MAX) {
		api_reply_empty(c, 204);
		return;
	}
	api_reply_json(c, 200,
		       json_pack("{s:s%,s:I,s:I,s:s}", "wire", (const char *)res->values[pick],
				 res->lens[pick], "seq", (json_int_t)best.seq, "exp",
				 (json_int_t)best.exp, "cluster_name", best.name));
}

static void sync_cluster_manifest(struct api_call *c)
{
	struct api *a = c->api;
	if (a->cluster_name[0] == '\0') {
		api_reply_empty(c, 204);
		return;
	}
	snprintf(c->name, sizeof(c->name), "cluster.%s", a->cluster_name);
	a->be.get(a->be.ctx, c, c->name, on_cluster);
}

/* ---- GET /v1/sync/summary (ours, docs/SYNC.md) ---- */

static void on_summary(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0 || res->summary == NULL) {
		api_reply_unavailable(c);
		return;
	}
	const struct api_sync_summary *s = res->summary;
	char d[65], td[65], maxc[DM_SYNC_CURSOR_MAX + 1];
	dm_hex_encode(s->digest, sizeof(s->digest), d);
	dm_hex_encode(s->tomb_digest, sizeof(s->tomb_digest), td);
	json_t *mx = json_null();
	if (s->has_max) {
		struct dm_sync_cursor cur = {.ts_ms = s->max_ts_ms};
		snprintf(cur.name, sizeof(cur.name), "%s", s->max_name ? s->max_name : "");
		snprintf(cur.hash, sizeof(cur.hash), "%s", s->max_hash ? s->max_hash : "");
		if (dm_sync_cursor_format(&cur, maxc, sizeof(maxc)) == 0)
			mx = json_string(maxc);
	}
	api_reply_json(c, 200,
		       json_pack("{s:I,s:s,s:I,s:s,s:o}", "records", (json_int_t)s->records,
				 "digest", d, "tombstones", (json_int_t)s->tombstones,
				 "tomb_digest", td, "max_cursor", mx));
}

/* ---- routing ---- */

static bool method_is(struct api_call *c, bool post)
{
	unsigned m = c->req->method;
	if (post ? m == HTTP_POST : (m == HTTP_GET || m == HTTP_HEAD))
		return true;
	snprintf(c->extra, sizeof(c->extra), "Allow: %s\r\n", post ? "POST" : "GET, HEAD");
	api_reply_error(c, 405, "method not allowed");
	return false;
}

static bool path_is(const char *path, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(path, lit, len) == 0;
}

void api_sync(struct api_call *c, const char *path, size_t plen)
{
	struct api *a = c->api;
	enum { DIGEST, PULL, MANIFEST, SUMMARY } which;
	if (path_is(path, plen, "/v1/sync/digest"))
		which = DIGEST;
	else if (path_is(path, plen, "/v1/sync/pull"))
		which = PULL;
	else if (path_is(path, plen, "/v1/sync/cluster-manifest"))
		which = MANIFEST;
	else if (path_is(path, plen, "/v1/sync/summary"))
		which = SUMMARY;
	else {
		api_reply_error(c, 404, "not found");
		return;
	}
	if (!method_is(c, which == PULL))
		return;
	if (!api_rate_ok(c, a->rl_http)) {
		api_reply_error(c, 429, "rate limit exceeded");
		return;
	}
	if (!peer_ok(c)) {
		api_reply_error(c, 403, "forbidden");
		return;
	}
	if (a->be.sync_digest == NULL || a->be.sync_pull == NULL || a->be.sync_summary == NULL) {
		api_reply_unavailable(c);
		return;
	}
	switch (which) {
	case DIGEST:
		sync_digest(c);
		break;
	case PULL:
		sync_pull(c);
		break;
	case MANIFEST:
		sync_cluster_manifest(c);
		break;
	case SUMMARY:
		a->be.sync_summary(a->be.ctx, c, on_summary);
		break;
	}
}
