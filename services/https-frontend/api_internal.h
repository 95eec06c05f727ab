/*
 * Shared by the API's files (api.c, api_register.c, api_doh.c) only.
 */
#ifndef HTTPSFE_API_INTERNAL_H
#define HTTPSFE_API_INTERNAL_H

#include "services/https-frontend/api.h"

/* Sends `obj` (stolen) as the JSON body with `status`, then finishes the call. */
void api_reply_json(struct api_call *c, int status, json_t *obj);
/* {"error": msg} with `status`. */
void api_reply_error(struct api_call *c, int status, const char *msg);
/* A body-less response (Content-Length: 0). */
void api_reply_empty(struct api_call *c, int status);
/* Any body with its content type. */
void api_reply_raw(struct api_call *c, int status, const char *ctype, const void *body, size_t len);
/* 503 {"error": "store unavailable"} for a backend that timed out or is down. */
void api_reply_unavailable(struct api_call *c);

/* True if the per-IP limiter `rl` lets the client through. */
bool api_rate_ok(struct api_call *c, struct dm_ratelimit *rl);
uint64_t api_now_s(const struct api *a);

void api_registration_challenge(struct api_call *c);
void api_registration_confirm(struct api_call *c);
void api_claim_publish(struct api_call *c);
void api_doh(struct api_call *c);
/* Discovery (api_discovery.c, node.md §10): POST /v1/heartbeat, GET /v1/nodes/seen, GET /nodes. */
void api_heartbeat_submit(struct api_call *c);
void api_nodes_seen(struct api_call *c);
void api_nodes_page(struct api_call *c);
/* GET /v1/info with the operator key of this node's latest own heartbeat. */
void api_info_discovery(struct api_call *c);
/* Anti-entropy (api_sync.c, node.md §9): every /v1/sync/ route. */
void api_sync(struct api_call *c, const char *path, size_t plen);
/* Reads the sync token, pinned key and cluster name; 0 or DM_ENOMEM / DM_EINVAL. */
int api_sync_init(struct api *a);
void api_sync_done(struct api *a);

/* HTML-escapes `s` into `b` (quotes too: it also goes into attributes);
 * drops control and non-ASCII bytes. */
void api_html_escape(struct http_buf *b, const char *s);

#endif
