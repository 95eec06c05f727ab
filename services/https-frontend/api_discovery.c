/*
 * Discovery endpoints (node.md §10.2, §10.4, §5.10): heartbeats other nodes
 * POST to us, the list of heartbeats we have seen, and the /nodes directory
 * page. The operator key lives in dnsmesh-heartbeat; this process only
 * verifies wires and hands them to the store, which verifies them again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/codec/hex.h"
#include "common/dmp/heartbeat.h"
#include "common/err.h"
#include "services/https-frontend/api_internal.h"

#define GOSSIP_LIMIT	10  /* wires returned to a submitter (node.md §2.4, fixed) */
#define SEEN_LIMIT	500 /* rows in GET /v1/nodes/seen */
#define SPK_HEX		(2 * DM_ED25519_PK_BYTES + 1)
#define PAGE_FRESH_SECS 3600

static bool enabled(struct api_call *c)
{
	return c->api->cfg->heartbeat_enabled;
}

static bool backend_down(int status)
{
	return status == DM_EUNAVAIL || status == DM_ETIMEDOUT || status == DM_ENOMEM ||
	       status == DM_EPROTO || (status < 0 && status > -4096);
}

/* ---- POST /v1/heartbeat ---- */

static void on_gossip(struct api_call *c, const struct api_result *res)
{
	json_t *seen = json_array();
	/* The submitter is answered even when the gossip read fails: its heartbeat is in. */
	for (size_t i = 0; res->status == 0 && seen != NULL && i < res->nrows; i++)
		json_array_append_new(seen, json_string(res->rows[i].wire));
	char hex[SPK_HEX];
	dm_hex_encode(c->hb_spk, sizeof(c->hb_spk), hex);
	api_reply_json(c, 200,
		       json_pack("{s:b,s:s,s:o}", "ok", 1, "accepted_operator_spk_hex", hex, "seen",
				 seen ? seen : json_array()));
}

static void on_seen_put(struct api_call *c, const struct api_result *res)
{
	struct api *a = c->api;
	if (res->status != 0) {
		if (backend_down(res->status))
			api_reply_unavailable(c);
		else
			api_reply_error(c, 400, "heartbeat verification failed");
		return;
	}
	if (res->spk != NULL)
		memcpy(c->hb_spk, res->spk, sizeof(c->hb_spk));
	a->be.seen_list(a->be.ctx, c, GOSSIP_LIMIT, c->hb_spk, on_gossip);
}

void api_heartbeat_submit(struct api_call *c)
{
	struct api *a = c->api;
	if (!enabled(c)) {
		api_reply_error(c, 404, "not found");
		return;
	}
	if (!api_rate_ok(c, a->rl_hb_submit)) {
		api_reply_error(c, 429, "heartbeat rate limit exceeded");
		return;
	}
	c->json = api_parse_body(c->req->body, c->req->body_len);
	if (c->json == NULL) {
		api_reply_error(c, 400, "invalid body");
		return;
	}
	json_t *wire = json_object_get(c->json, "wire");
	if (!json_is_string(wire) || json_string_length(wire) == 0) {
		api_reply_error(c, 400, "wire (string) required");
		return;
	}
	const char *w = json_string_value(wire);
	size_t wlen = json_string_length(wire);
	struct dm_heartbeat hb;
	/* A NUL inside the JSON string would make the store see another wire. */
	if (strlen(w) != wlen || dm_heartbeat_parse(w, wlen, api_now_s(a), &hb) != 0) {
		api_reply_error(c, 400, "heartbeat verification failed");
		return;
	}
	memcpy(c->hb_spk, hb.operator_spk, sizeof(c->hb_spk));
	if (a->be.seen_put == NULL || a->be.seen_list == NULL) {
		api_reply_unavailable(c);
		return;
	}
	a->be.seen_put(a->be.ctx, c, w, c->peer, on_seen_put);
}

/* ---- GET /v1/nodes/seen ---- */

static void on_seen_list(struct api_call *c, const struct api_result *res)
{
	const struct dm_config *cfg = c->api->cfg;
	if (res->status != 0) {
		api_reply_unavailable(c);
		return;
	}
	json_t *seen = json_array();
	for (size_t i = 0; seen != NULL && i < res->nrows; i++)
		json_array_append_new(seen, json_pack("{s:s}", "wire", res->rows[i].wire));
	char hex[SPK_HEX] = "";
	if (res->self_spk != NULL)
		dm_hex_encode(res->self_spk, DM_ED25519_PK_BYTES, hex);
	api_reply_json(c, 200,
		       json_pack("{s:i,s:{s:s,s:s,s:b},s:o}", "version", 1, "self", "endpoint",
				 cfg->heartbeat_endpoint, "operator_spk_hex", hex, "enabled", 1,
				 "seen", seen ? seen : json_array()));
}

static bool seen_gate(struct api_call *c, const char *disabled_msg)
{
	struct api *a = c->api;
	if (!enabled(c)) {
		api_reply_error(c, 404, disabled_msg);
		return false;
	}
	if (!api_rate_ok(c, a->rl_hb_seen)) {
		api_reply_error(c, 429, "rate limit exceeded");
		return false;
	}
	if (a->be.seen_list == NULL) {
		api_reply_unavailable(c);
		return false;
	}
	return true;
}

void api_nodes_seen(struct api_call *c)
{
	struct api *a = c->api;
	if (seen_gate(c, "not found"))
		a->be.seen_list(a->be.ctx, c, SEEN_LIMIT, NULL, on_seen_list);
}

/* ---- GET /nodes ---- */

struct page_row {
	char endpoint[DM_HEARTBEAT_ENDPOINT_MAX + 1];
	char spk[SPK_HEX];
	char version[DM_HEARTBEAT_VERSION_MAX + 1];
	int64_t ts;
};

static int row_newest_first(const void *pa, const void *pb)
{
	const struct page_row *a = pa, *b = pb;
	return (b->ts > a->ts) - (b->ts < a->ts);
}

static void age_text(char *out, size_t cap, int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(out, cap, "%" PRId64 "s ago", secs);
	else if (secs < 3600)
		snprintf(out, cap, "%" PRId64 "m ago", secs / 60);
	else if (secs < 86400)
		snprintf(out, cap, "%" PRId64 "h ago", secs / 3600);
	else
		snprintf(out, cap, "%" PRId64 "d ago", secs / 86400);
}

/* Rows re-verified (signature and shape; time checks at the row's own ts,
 * since the store already applied them on arrival), one per (key, endpoint). */
static size_t collect_rows(const struct api_result *res, struct page_row *rows)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nrows; i++) {
		const struct api_seen_row *r = &res->rows[i];
		struct dm_heartbeat hb;
		if (r->ts < 0 ||
		    dm_heartbeat_parse(r->wire, strlen(r->wire), (uint64_t)r->ts, &hb) != 0)
			continue;
		struct page_row pr;
		memcpy(pr.endpoint, hb.endpoint, sizeof(pr.endpoint));
		dm_hex_encode(hb.operator_spk, DM_ED25519_PK_BYTES, pr.spk);
		memcpy(pr.version, hb.version, sizeof(pr.version));
		pr.ts = (int64_t)hb.ts;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++) {
			if (strcmp(rows[j].spk, pr.spk) == 0 &&
			    strcmp(rows[j].endpoint, pr.endpoint) == 0) {
				dup = true;
				if (pr.ts > rows[j].ts)
					rows[j] = pr;
			}
		}
		if (!dup)
			rows[n++] = pr;
	}
	return n;
}

static void on_page(struct api_call *c, const struct api_result *res)
{
	const struct dm_config *cfg = c->api->cfg;
	int64_t now = (int64_t)api_now_s(c->api);
	if (res->status != 0) {
		api_reply_unavailable(c);
		return;
	}
	struct page_row *rows = calloc(res->nrows + 1, sizeof(*rows));
	if (rows == NULL) {
		api_reply_unavailable(c);
		return;
	}
	size_t n = collect_rows(res, rows);
	char self_hex[SPK_HEX] = "";
	if (res->self_spk != NULL)
		dm_hex_encode(res->self_spk, DM_ED25519_PK_BYTES, self_hex);
	bool self_listed = false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].endpoint, cfg->heartbeat_endpoint) == 0 &&
		    (self_hex[0] == '\0' || strcmp(rows[i].spk, self_hex) == 0))
			self_listed = true;
	if (!self_listed && cfg->heartbeat_endpoint[0] != '\0') {
		struct page_row *s = &rows[n++];
		snprintf(s->endpoint, sizeof(s->endpoint), "%s", cfg->heartbeat_endpoint);
		snprintf(s->spk, sizeof(s->spk), "%s", self_hex);
		snprintf(s->version, sizeof(s->version), "%s", cfg->heartbeat_version);
		s->ts = now;
	}
	qsort(rows, n, sizeof(*rows), row_newest_first);

	struct http_buf b = {0};
	http_buf_printf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			    "<title>DMP node directory</title></head><body>\n"
			    "<h1>DMP node directory</h1>\n<p>This node: <code>");
	api_html_escape(&b, cfg->heartbeat_endpoint);
	http_buf_printf(&b,
			"</code> &middot; %zu nodes</p>\n<table>\n<thead><tr><th>Endpoint"
			"</th><th>Operator pubkey</th><th>Version</th><th>Last heard</th>"
			"<th>Sources</th></tr></thead>\n<tbody>\n",
			n);
	for (size_t i = 0; i < n; i++) {
		char age[32];
		age_text(age, sizeof(age), now - rows[i].ts);
		http_buf_printf(&b, "<tr><td><a href=\"");
		api_html_escape(&b, rows[i].endpoint);
		http_buf_printf(&b, "\">");
		api_html_escape(&b, rows[i].endpoint);
		http_buf_printf(&b, "</a></td><td><code title=\"");
		api_html_escape(&b, rows[i].spk);
		http_buf_printf(&b, "\">%.8s...%s</code></td><td>", rows[i].spk,
				strlen(rows[i].spk) > 4 ? rows[i].spk + strlen(rows[i].spk) - 4
							: "");
		api_html_escape(&b, rows[i].version[0] ? rows[i].version : "-");
		http_buf_printf(&b, "</td><td class=\"%s\">%s</td><td>1</td></tr>\n",
				now - rows[i].ts < PAGE_FRESH_SECS ? "fresh" : "stale", age);
	}
	if (n == 0)
		http_buf_printf(&b, "<tr><td colspan=\"5\">(no nodes seen)</td></tr>\n");
	http_buf_printf(&b, "</tbody>\n</table>\n</body></html>\n");
	free(rows);
	snprintf(c->extra, sizeof(c->extra), "Cache-Control: public, max-age=30\r\n");
	if (b.failed)
		api_reply_raw(c, 503, NULL, NULL, 0);
	else
		api_reply_raw(c, 200, "text/html; charset=utf-8", b.p, b.len);
	http_buf_free(&b);
}

void api_nodes_page(struct api_call *c)
{
	struct api *a = c->api;
	if (seen_gate(c, "discovery disabled on this node"))
		a->be.seen_list(a->be.ctx, c, SEEN_LIMIT, NULL, on_page);
}

/* ---- GET /v1/info ---- */

static void on_info(struct api_call *c, const struct api_result *res)
{
	const struct dm_config *cfg = c->api->cfg;
	bool zone = cfg->claim_provider && cfg->claim_zone[0] != '\0';
	char hex[SPK_HEX] = "";
	/* A store that is down costs the key, not the answer. */
	if (res->status == 0 && res->self_spk != NULL)
		dm_hex_encode(res->self_spk, DM_ED25519_PK_BYTES, hex);
	api_reply_json(c, 200,
		       json_pack("{s:s,s:s,s:s,s:i}", "endpoint", cfg->heartbeat_endpoint,
				 "operator_spk", hex, "claim_provider_zone",
				 cfg->claim_provider ? cfg->claim_zone : "", "capabilities",
				 zone ? 1 : 0));
}

void api_info_discovery(struct api_call *c)
{
	struct api *a = c->api;
	a->be.seen_list(a->be.ctx, c, 0, NULL, on_info);
}
