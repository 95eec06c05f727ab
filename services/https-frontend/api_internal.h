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

#endif
