#include "services/https-frontend/api.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/names.h"
#include "common/err.h"
#include "services/https-frontend/api_internal.h"

#define HEALTH_PROBE "__dmp_health_probe__"
#define JSON_OUT     (JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

enum route {
	R_NONE,
	R_LANDING,
	R_HEALTH,
	R_STATS,
	R_METRICS,
	R_INFO,
	R_RECORDS,
	R_REG_CHALLENGE,
	R_REG_CONFIRM,
	R_CLAIM,
	R_DOH,
	R_SYNC,
	R_NODES,
};

/* ---- set-up ---- */

enum api_auth_mode api_auth_mode(const struct dm_config *cfg)
{
	const char *m = cfg->auth_mode;
	if (m[0] == '\0')
		return cfg->operator_token[0] ? API_AUTH_LEGACY : API_AUTH_OPEN;
	if (strcmp(m, "open") == 0)
		return API_AUTH_OPEN;
	if (strcmp(m, "legacy") == 0)
		return API_AUTH_LEGACY;
	if (strcmp(m, "multi-tenant") == 0)
		return API_AUTH_MULTI;
	return API_AUTH_OPERATOR_ONLY;
}

int api_init(struct api *a, const struct dm_config *cfg, const struct api_backend *be)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->be = *be;
	a->mode = api_auth_mode(cfg);
	a->registration_on =
	    cfg->registration_enabled && a->mode == API_AUTH_MULTI && cfg->node_hostname[0] != '\0';
	a->rl_http = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, cfg->http_rate, cfg->http_burst);
	a->rl_reg = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, cfg->registration_rate,
				     cfg->registration_burst);
	a->rl_token = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, 0, 0);
	a->rl_doh = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, cfg->dns_rate, cfg->dns_burst);
	if (a->registration_on)
		a->challenges = calloc(API_CHALLENGES_MAX, sizeof(*a->challenges));
	if (cfg->heartbeat_enabled) {
		a->rl_hb_submit = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, cfg->hb_submit_rate,
						   cfg->hb_submit_burst);
		a->rl_hb_seen = dm_ratelimit_new(DM_RATELIMIT_DEFAULT_MAX, cfg->hb_seen_rate,
						 cfg->hb_seen_burst);
		if (a->rl_hb_submit == NULL || a->rl_hb_seen == NULL) {
			api_done(a);
			return DM_ENOMEM;
		}
	}
	if (a->rl_http == NULL || a->rl_reg == NULL || a->rl_token == NULL || a->rl_doh == NULL ||
	    (a->registration_on && a->challenges == NULL) || api_sync_init(a) < 0) {
		api_done(a);
		return DM_ENOMEM;
	}
	return 0;
}

void api_done(struct api *a)
{
	dm_ratelimit_free(a->rl_http);
	dm_ratelimit_free(a->rl_reg);
	dm_ratelimit_free(a->rl_token);
	dm_ratelimit_free(a->rl_doh);
	dm_ratelimit_free(a->rl_hb_submit);
	dm_ratelimit_free(a->rl_hb_seen);
	a->rl_hb_submit = a->rl_hb_seen = NULL;
	free(a->challenges);
	api_sync_done(a);
	a->rl_http = a->rl_reg = a->rl_token = a->rl_doh = NULL;
	a->challenges = NULL;
}

void api_forget_tokens(struct api *a, char *const *hashes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hashes[i] != NULL)
			dm_ratelimit_forget(a->rl_token, hashes[i], strlen(hashes[i]));
}

uint64_t api_now_s(const struct api *a)
{
	return a->wall_ms() / 1000;
}

/* ---- responses ---- */

static void count_request(struct api *a, unsigned method, int status)
{
	for (size_t i = 0; i < a->nhttp; i++) {
		if (a->http[i].method == method && a->http[i].status == status) {
			a->http[i].count++;
			return;
		}
	}
	if (a->nhttp < API_METRIC_ROWS)
		a->http[a->nhttp++] = (struct api_metric){method, status, 1};
}

static void finish(struct api_call *c)
{
	if (c->json != NULL) {
		json_decref(c->json);
		c->json = NULL;
	}
	if (c->token[0] != '\0')
		sodium_memzero(c->token, sizeof(c->token));
	count_request(c->api, c->req ? c->req->method : HTTP_GET, c->status);
	c->done(c);
}

void api_reply_raw(struct api_call *c, int status, const char *ctype, const void *body, size_t len)
{
	c->status = status;
	c->ctype = ctype;
	c->body.len = 0;
	http_buf_append(&c->body, body, len);
	if (c->body.failed) {
		http_buf_free(&c->body);
		c->status = 503;
		c->ctype = NULL;
		c->close = true;
	}
	finish(c);
}

void api_reply_json(struct api_call *c, int status, json_t *obj)
{
	char *s = obj ? json_dumps(obj, JSON_OUT) : NULL;
	json_decref(obj);
	if (s == NULL) {
		api_reply_raw(c, 503, NULL, NULL, 0);
		return;
	}
	api_reply_raw(c, status, "application/json", s, strlen(s));
	free(s);
}

void api_reply_error(struct api_call *c, int status, const char *msg)
{
	api_reply_json(c, status, json_pack("{s:s}", "error", msg));
}

void api_reply_empty(struct api_call *c, int status)
{
	api_reply_raw(c, status, NULL, NULL, 0);
}

void api_reply_unavailable(struct api_call *c)
{
	api_reply_error(c, 503, "store unavailable");
}

void api_refuse(struct api_call *c, int status, const char *msg)
{
	c->close = true;
	api_reply_error(c, status, msg);
}

void api_call_clear(struct api_call *c)
{
	http_buf_free(&c->body);
	if (c->json != NULL)
		json_decref(c->json);
	c->json = NULL;
	sodium_memzero(c->token, sizeof(c->token));
}

bool api_rate_ok(struct api_call *c, struct dm_ratelimit *rl)
{
	return dm_ratelimit_allow(rl, c->peer, strlen(c->peer), c->api->mono_ms());
}

/* ---- request helpers ---- */

/* Python str.strip() whitespace, ASCII part. */
static bool is_space(unsigned char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

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

int api_record_name(const char *seg, size_t len, char out[API_NAME_MAX + 1])
{
	char buf[HTTP_HEADER_MAX + 1];
	size_t n = 0;
	if (len > HTTP_HEADER_MAX)
		return DM_EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = seg[i];
		if (ch == '%') {
			if (len - i < 3)
				return DM_EINVAL;
			int hi = hexval(seg[i + 1]), lo = hexval(seg[i + 2]);
			if (hi < 0 || lo < 0)
				return DM_EINVAL;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ch == '\0' || ch == '/')
			return DM_EINVAL;
		buf[n++] = ch;
	}
	size_t start = 0;
	while (start < n && is_space((unsigned char)buf[start]))
		start++;
	while (n > start && is_space((unsigned char)buf[n - 1]))
		n--;
	while (n > start && buf[n - 1] == '.')
		n--;
	if (n == start || n - start > API_NAME_MAX)
		return DM_EINVAL;
	for (size_t i = start; i < n; i++) {
		char ch = buf[i];
		out[i - start] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	out[n - start] = '\0';
	if (!dm_dns_name_storable(out, n - start))
		return DM_EINVAL;
	return 0;
}

size_t api_json_depth(const uint8_t *json, size_t len)
{
	size_t depth = 0, max = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = json[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"') {
			in_str = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				max = depth;
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

json_t *api_parse_body(const uint8_t *body, size_t len)
{
	if (len == 0)
		return json_object();
	if (api_json_depth(body, len) > API_JSON_DEPTH_MAX)
		return NULL;
	json_error_t err;
	json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &err);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The presented bearer token: the header minus exactly "Bearer " (else empty). */
static const char *bearer(const struct api_call *c, size_t *ret_len)
{
	const struct http_request *q = c->req;
	if (!q->has_authorization || q->authorization_len < 7 ||
	    memcmp(q->authorization, "Bearer ", 7) != 0) {
		*ret_len = 0;
		return "";
	}
	*ret_len = q->authorization_len - 7;
	return q->authorization + 7;
}

static bool is_operator(const struct api_call *c)
{
	const char *op = c->api->cfg->operator_token;
	if (op[0] == '\0')
		return false;
	size_t len;
	const char *tok = bearer(c, &len);
	return dm_token_equal(tok, len, op, strlen(op));
}

/* Reads only the operator token is configured for (GET records, /metrics). */
static bool read_allowed(const struct api_call *c)
{
	return c->api->cfg->operator_token[0] == '\0' || is_operator(c);
}

/* ---- write authorization (node.md §6.5) ---- */

static bool is_delete(const struct api_call *c)
{
	return c->req->method == HTTP_DELETE;
}

static void audit(struct api_call *c, const char *event, bool with_identity, const char *subject,
		  const char *detail)
{
	struct api *a = c->api;
	if (a->be.token_audit == NULL)
		return;
	a->be.token_audit(a->be.ctx, event, with_identity ? c->token_hash : NULL,
			  with_identity ? subject : NULL, c->peer, detail);
}

static void on_token(struct api_call *c, const struct api_result *res)
{
	struct api *a = c->api;
	bool shared = c->scope.cls == DM_SCOPE_SHARED;
	if (res->status != 0 && res->status != DM_ENOTFOUND) {
		api_reply_unavailable(c);
		return;
	}
	if (res->status == DM_ENOTFOUND) {
		audit(c, "rejected", false, NULL, "no such token");
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	if (!res->live) {
		audit(c, "rejected", true, res->subject, "token not live");
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	if (c->scope.cls == DM_SCOPE_OPERATOR || c->scope.cls == DM_SCOPE_UNKNOWN) {
		audit(c, "rejected", true, res->subject, "operator-only name");
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	/* Shared-pool RRsets are append-only for users: a delete would let any
	 * token holder wipe someone else's mailbox (node.md §17.7). */
	if (shared && is_delete(c)) {
		audit(c, "rejected", false, NULL, "shared-pool delete");
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	if (!shared && !dm_scope_owner_ok(&c->scope, res->subject, res->subject_hash12)) {
		audit(c, "rejected", true, res->subject, "scope mismatch");
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	if (!dm_ratelimit_allow_with(a->rl_token, c->token_hash, strlen(c->token_hash),
				     res->rate_per_sec, (double)res->rate_burst, a->mono_ms())) {
		audit(c, "throttled", !shared, res->subject, shared ? "shared-pool" : NULL);
		api_reply_error(c, 429, "per-token rate limit exceeded");
		return;
	}
	audit(c, "used", !shared, res->subject, shared ? "shared-pool" : NULL);
	c->next(c);
}

/* Runs c->next once the write to c->name is authorized; otherwise answers. */
static void authorize_write(struct api_call *c)
{
	struct api *a = c->api;
	if (a->mode == API_AUTH_OPEN || is_operator(c)) {
		c->next(c);
		return;
	}
	size_t len;
	const char *tok = bearer(c, &len);
	if (a->mode != API_AUTH_MULTI || !dm_token_shape_ok(tok, len)) {
		api_reply_error(c, 401, "unauthorized");
		return;
	}
	dm_token_digest(tok, len, c->token_hash);
	dm_scope_classify(c->name, strlen(c->name), &c->scope);
	a->be.token_lookup(a->be.ctx, c, c->token_hash, on_token);
}

/* ---- records (node.md §5.3-§5.5) ---- */

static void on_get(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0 && res->status != DM_ENOTFOUND) {
		api_reply_unavailable(c);
		return;
	}
	json_t *vals = json_array();
	for (size_t i = 0; i < res->nvalues; i++)
		json_array_append_new(
		    vals, json_stringn_nocheck((const char *)res->values[i], res->lens[i]));
	api_reply_json(c, res->nvalues ? 200 : 404,
		       json_pack("{s:s,s:o}", "name", c->name, "values", vals));
}

static void on_put(struct api_call *c, const struct api_result *res)
{
	char msg[320];
	if (res->status == 0) {
		api_reply_json(c, 201, json_pack("{s:b}", "ok", 1));
	} else if (res->status == DM_ETOOBIG) {
		snprintf(msg, sizeof(msg), "RRset at %s already holds %u values", c->name,
			 c->api->cfg->max_values_per_name);
		api_reply_error(c, 413, msg);
	} else if (res->status == DM_EUNAVAIL || res->status == DM_ETIMEDOUT) {
		api_reply_unavailable(c);
	} else {
		api_reply_json(c, 502, json_pack("{s:b}", "ok", 0));
	}
}

/* TXT values are text: no control characters (and never empty: an empty
 * value marks "the whole name" in the store's change feed). */
static bool value_ok(const char *v, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

/* ttl: a JSON integer > 0, default 300. Booleans are refused (the
 * reference takes `true` as 1, node.md §17.10). */
static bool ttl_of(json_t *body, json_int_t *ret)
{
	json_t *t = json_object_get(body, "ttl");
	if (t == NULL) {
		*ret = API_DEFAULT_TTL;
		return true;
	}
	if (!json_is_integer(t) || json_integer_value(t) <= 0)
		return false;
	*ret = json_integer_value(t);
	return true;
}

static void records_post(struct api_call *c)
{
	struct api *a = c->api;
	const struct dm_config *cfg = a->cfg;
	char msg[128];
	c->json = api_parse_body(c->req->body, c->req->body_len);
	if (c->json == NULL) {
		api_reply_error(c, 400, "invalid body");
		return;
	}
	json_t *value = json_object_get(c->json, "value");
	json_int_t ttl;
	if (!json_is_string(value) || !ttl_of(c->json, &ttl)) {
		api_reply_error(c, 400, "value (str) and ttl (int > 0) required");
		return;
	}
	if (ttl > (json_int_t)cfg->max_ttl) {
		snprintf(msg, sizeof(msg), "ttl exceeds cap of %us", cfg->max_ttl);
		api_reply_error(c, 400, msg);
		return;
	}
	const char *v = json_string_value(value);
	size_t vlen = json_string_length(value);
	if (vlen > cfg->max_value_bytes) {
		snprintf(msg, sizeof(msg), "value exceeds cap of %u bytes", cfg->max_value_bytes);
		api_reply_error(c, 400, msg);
		return;
	}
	if (!value_ok(v, vlen)) {
		api_reply_error(c, 400, "invalid record value");
		return;
	}
	a->be.put(a->be.ctx, c, c->name, (const uint8_t *)v, vlen, (uint32_t)ttl,
		  cfg->max_values_per_name, on_put);
}

static void on_del(struct api_call *c, const struct api_result *res)
{
	if (res->status != 0) {
		api_reply_unavailable(c);
		return;
	}
	api_reply_empty(c, res->deleted > 0 ? 204 : 404);
}

static void records_delete(struct api_call *c)
{
	struct api *a = c->api;
	/* An unparseable body counts as no body (node.md §5.5). */
	c->json = api_parse_body(c->req->body, c->req->body_len);
	json_t *value = c->json ? json_object_get(c->json, "value") : NULL;
	if (json_is_string(value)) {
		a->be.del(a->be.ctx, c, c->name, (const uint8_t *)json_string_value(value),
			  json_string_length(value), true, on_del);
		return;
	}
	a->be.del(a->be.ctx, c, c->name, NULL, 0, false, on_del);
}

static void records(struct api_call *c, const char *seg, size_t seglen)
{
	struct api *a = c->api;
	unsigned m = c->req->method;
	if (m != HTTP_GET && m != HTTP_HEAD && m != HTTP_POST && m != HTTP_DELETE) {
		api_reply_error(c, 405, "method not allowed");
		return;
	}
	if (!api_rate_ok(c, a->rl_http)) {
		api_reply_error(c, 429, "rate limit exceeded");
		return;
	}
	if (api_record_name(seg, seglen, c->name) < 0) {
		api_reply_error(c, 400, "invalid record name");
		return;
	}
	if (m == HTTP_GET || m == HTTP_HEAD) {
		if (!read_allowed(c)) {
			api_reply_error(c, 401, "unauthorized");
			return;
		}
		a->be.get(a->be.ctx, c, c->name, on_get);
		return;
	}
	c->next = m == HTTP_POST ? records_post : records_delete;
	authorize_write(c);
}

/* ---- health, stats, metrics, info, landing (node.md §5.6-§5.10) ---- */

static void on_health(struct api_call *c, const struct api_result *res)
{
	if (res->status == 0 || res->status == DM_ENOTFOUND)
		api_reply_json(c, 200, json_pack("{s:s}", "status", "ok"));
	else
		api_reply_json(c, 503,
			       json_pack("{s:s,s:s}", "status", "degraded", "store",
					 dm_strerror(res->status)));
}

static void on_stats(struct api_call *c, const struct api_result *res)
{
	json_t *n = res->status == 0 ? json_integer((json_int_t)res->records) : json_null();
	api_reply_json(c, 200, json_pack("{s:o}", "records", n));
}

static const char *method_name(unsigned m)
{
	return http_method_str((enum http_method)m);
}

/* Prometheus text lists samples in a stable order: by method, then status. */
static int metric_cmp(const void *pa, const void *pb)
{
	const struct api_metric *a = pa, *b = pb;
	int r = strcmp(http_method_str((enum http_method)a->method),
		       http_method_str((enum http_method)b->method));
	return r ? r : (a->status > b->status) - (a->status < b->status);
}

static void on_metrics(struct api_call *c, const struct api_result *res)
{
	static const char *const outcomes[6] = {"noerror",  "nxdomain",	    "formerr",
						"servfail", "rate_limited", "malformed"};
	struct api *a = c->api;
	struct http_buf b = {0};
	http_buf_printf(&b, "# HELP dmp_dns_queries_total DNS queries answered over DoH, by "
			    "outcome.\n# TYPE dmp_dns_queries_total counter\n");
	/* samples sorted by label value */
	static const int sorted[6] = {2, 5, 0, 1, 4, 3};
	for (size_t i = 0; i < 6; i++)
		http_buf_printf(&b, "dmp_dns_queries_total{outcome=\"%s\"} %" PRIu64 ".0\n",
				outcomes[sorted[i]], a->doh[sorted[i]]);
	http_buf_printf(&b, "# HELP dmp_http_requests_total HTTP requests, by method and "
			    "status.\n# TYPE dmp_http_requests_total counter\n");
	struct api_metric rows[API_METRIC_ROWS];
	memcpy(rows, a->http, a->nhttp * sizeof(rows[0]));
	qsort(rows, a->nhttp, sizeof(rows[0]), metric_cmp);
	for (size_t i = 0; i < a->nhttp; i++)
		http_buf_printf(
		    &b, "dmp_http_requests_total{method=\"%s\",status=\"%d\"} %" PRIu64 ".0\n",
		    method_name(rows[i].method), rows[i].status, rows[i].count);
	http_buf_printf(&b, "# HELP dmp_records Live records in the store.\n# TYPE dmp_records "
			    "gauge\n");
	if (res->status == 0)
		http_buf_printf(&b, "dmp_records %" PRIu64 ".0\n", res->records);
	else
		http_buf_printf(&b, "dmp_records NaN\n");
	if (b.failed)
		api_reply_raw(c, 503, NULL, NULL, 0);
	else
		api_reply_raw(c, 200, "text/plain; version=0.0.4", b.p, b.len);
	http_buf_free(&b);
}

static void info(struct api_call *c)
{
	const struct dm_config *cfg = c->api->cfg;
	bool zone = cfg->claim_provider && cfg->claim_zone[0] != '\0';
	bool hb = cfg->heartbeat_enabled;
	/* The heartbeat service holds the operator key; this process never does. */
	api_reply_json(c, 200,
		       json_pack("{s:s,s:s,s:s,s:i}", "endpoint", hb ? cfg->heartbeat_endpoint : "",
				 "operator_spk", "", "claim_provider_zone",
				 cfg->claim_provider ? cfg->claim_zone : "", "capabilities",
				 hb && zone ? 1 : 0));
}

void api_html_escape(struct http_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			http_buf_append(b, "&lt;", 4);
			break;
		case '>':
			http_buf_append(b, "&gt;", 4);
			break;
		case '&':
			http_buf_append(b, "&amp;", 5);
			break;
		case '"':
			http_buf_append(b, "&quot;", 6);
			break;
		case '\'':
			http_buf_append(b, "&#x27;", 6);
			break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				http_buf_append(b, s, 1);
		}
	}
}

static void on_landing(struct api_call *c, const struct api_result *res)
{
	struct api *a = c->api;
	const struct dm_config *cfg = a->cfg;
	struct http_buf b = {0};
	char who[320];
	if (cfg->heartbeat_enabled && cfg->heartbeat_endpoint[0])
		snprintf(who, sizeof(who), "%s", cfg->heartbeat_endpoint);
	else
		snprintf(who, sizeof(who), "%s://%s", c->tls ? "https" : "http",
			 c->req->host[0] ? c->req->host : "this node");
	http_buf_printf(&b, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>dnsmesh "
			    "node</title></head><body>\n<h1>dnsmesh node</h1>\n<p>");
	api_html_escape(&b, who);
	http_buf_printf(&b, "</p>\n<p>Records: ");
	if (res->status == 0)
		http_buf_printf(&b, "%" PRIu64, res->records);
	else
		http_buf_printf(&b, "unknown");
	http_buf_printf(
	    &b, "</p>\n<p><a href=\"/health\">/health</a> &middot; <a "
		"href=\"/stats\">/stats</a> &middot; <a href=\"/v1/info\">/v1/info</a></p>\n<p>");
	switch (a->mode) {
	case API_AUTH_OPEN:
		http_buf_printf(&b, "Open node: anyone may publish.");
		break;
	case API_AUTH_MULTI:
		http_buf_printf(&b, "%s",
				a->registration_on
				    ? "Self-service registration is open: sign a challenge "
				      "from /v1/registration/challenge with your identity key."
				    : "Tokens are issued by the operator.");
		break;
	default:
		http_buf_printf(&b, "Publishing needs the operator token.");
		break;
	}
	http_buf_printf(&b, "</p>\n<p>DNS over HTTPS: <code>/dns-query</code> (RFC 8484).</p>\n"
			    "</body></html>\n");
	snprintf(c->extra, sizeof(c->extra), "Cache-Control: public, max-age=30\r\n");
	if (b.failed)
		api_reply_raw(c, 503, NULL, NULL, 0);
	else
		api_reply_raw(c, 200, "text/html; charset=utf-8", b.p, b.len);
	http_buf_free(&b);
}

/* ---- routing ---- */

static bool path_is(const char *path, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(path, lit, len) == 0;
}

/* Which methods a route answers; 405 otherwise. */
static bool method_ok(struct api_call *c, bool get, bool post)
{
	unsigned m = c->req->method;
	if ((get && (m == HTTP_GET || m == HTTP_HEAD)) || (post && m == HTTP_POST))
		return true;
	snprintf(c->extra, sizeof(c->extra), "Allow: %s\r\n",
		 get && post ? "GET, HEAD, POST"
		 : get	     ? "GET, HEAD"
			     : "POST");
	api_reply_error(c, 405, "method not allowed");
	return false;
}

void api_handle(struct api_call *c)
{
	struct api *a = c->api;
	struct http_request *q = c->req;
	unsigned m = q->method;
	c->head = m == HTTP_HEAD;
	if (m != HTTP_GET && m != HTTP_HEAD && m != HTTP_POST && m != HTTP_DELETE) {
		api_reply_error(c, 501, "method not implemented");
		return;
	}
	/* Routing looks at the path only: a query string never changes the
	 * route nor leaks into a record name (node.md §17.9, §17.11). */
	const char *path = q->target;
	size_t plen = strcspn(path, "?");
	if (plen == 0 || path[0] != '/') {
		api_reply_error(c, 400, "malformed request target");
		return;
	}
	static const char rec[] = "/v1/records/";
	if (plen > sizeof(rec) - 1 && memcmp(path, rec, sizeof(rec) - 1) == 0) {
		const char *seg = path + sizeof(rec) - 1;
		size_t slen = plen - (sizeof(rec) - 1);
		if (seg[slen - 1] == '/')
			slen--;
		if (slen == 0 || memchr(seg, '/', slen) != NULL) {
			api_reply_error(c, 404, "not found");
			return;
		}
		c->route = R_RECORDS;
		records(c, seg, slen);
		return;
	}
	if (path_is(path, plen, "/") || path_is(path, plen, "/index.html")) {
		if (method_ok(c, true, false))
			a->be.stats(a->be.ctx, c, on_landing);
	} else if (path_is(path, plen, "/health")) {
		if (method_ok(c, true, false))
			a->be.get(a->be.ctx, c, HEALTH_PROBE, on_health);
	} else if (path_is(path, plen, "/stats")) {
		if (method_ok(c, true, false))
			a->be.stats(a->be.ctx, c, on_stats);
	} else if (path_is(path, plen, "/metrics")) {
		if (!method_ok(c, true, false))
			return;
		if (!read_allowed(c)) {
			api_reply_error(c, 401, "unauthorized");
			return;
		}
		a->be.stats(a->be.ctx, c, on_metrics);
	} else if (path_is(path, plen, "/v1/info")) {
		if (!method_ok(c, true, false))
			return;
		if (a->cfg->heartbeat_enabled && a->be.seen_list != NULL)
			api_info_discovery(c);
		else
			info(c);
	} else if (path_is(path, plen, "/v1/registration/challenge")) {
		if (method_ok(c, true, false))
			api_registration_challenge(c);
	} else if (path_is(path, plen, "/v1/registration/confirm")) {
		if (method_ok(c, false, true))
			api_registration_confirm(c);
	} else if (path_is(path, plen, "/v1/claim/publish")) {
		if (method_ok(c, false, true))
			api_claim_publish(c);
	} else if (path_is(path, plen, "/dns-query")) {
		if (method_ok(c, true, true))
			api_doh(c);
	} else if (plen >= 9 && memcmp(path, "/v1/sync/", 9) == 0) {
		api_sync(c, path, plen);
	} else if (path_is(path, plen, "/nodes")) {
		c->route = R_NODES;
		if (method_ok(c, true, false))
			api_nodes_page(c);
	} else if (path_is(path, plen, "/v1/nodes/seen")) {
		if (method_ok(c, true, false))
			api_nodes_seen(c);
	} else if (path_is(path, plen, "/v1/heartbeat")) {
		if (method_ok(c, false, true))
			api_heartbeat_submit(c);
	} else {
		api_reply_error(c, 404, "not found");
	}
}
