/*
 * The node's HTTP API (node.md §5-§8, §11) and DoH (RFC 8484), independent
 * of sockets and of the store: a parsed request goes in, a response comes
 * out through the call's `done` callback, exactly once. Everything the API
 * needs from elsewhere (records, the token store) goes through `struct
 * api_backend`, which the service implements over IPC and the fuzz target
 * and unit tests implement in memory.
 *
 * Status codes and JSON shapes are the reference's; where it has a sharp
 * edge (node.md §17) we answer as docs/HTTP.md says.
 */
#ifndef HTTPSFE_API_H
#define HTTPSFE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/scope.h"
#include "common/dmp/token.h"
#include "common/dns/table.h"
#include "common/dns/zone.h"
#include "common/node/config.h"
#include "common/node/syncconf.h"
#include "common/ratelimit.h"
#include "services/https-frontend/http.h"

#define API_NAME_MAX	   253
#define API_JSON_DEPTH_MAX 16
#define API_DEFAULT_TTL	   300
#define API_CHALLENGE_TTL  60
#define API_CHALLENGES_MAX 10000
#define API_METRIC_ROWS	   64

enum api_auth_mode {
	API_AUTH_OPEN,
	API_AUTH_LEGACY,
	API_AUTH_MULTI,
	API_AUTH_OPERATOR_ONLY, /* an unknown DMP_AUTH_MODE: operator token only */
};

struct api;
struct api_call;

/* One seen heartbeat (node.md §10.3), as the store lists it. */
struct api_seen_row {
	const char *wire;
	int64_t ts, received_at;
	const char *remote_addr; /* or NULL */
};

/* Anti-entropy (api_sync.c, node.md §9): one digest entry, one pulled value, the summary. */
struct api_sync_entry {
	const char *name, *hash;
	int64_t ts_ms;
	uint32_t ttl;
	bool deleted; /* a tombstone (asked for with tombstones=1) */
	int64_t deleted_ms;
};

struct api_sync_value {
	const char *name, *hash;
	const uint8_t *value;
	size_t len;
	uint32_t ttl;
	int64_t ts_ms;
};

struct api_sync_summary {
	uint64_t records, tombstones;
	uint8_t digest[32], tomb_digest[32];
	bool has_max;
	int64_t max_ts_ms;
	const char *max_name, *max_hash;
};

/* What a backend operation produced; fields not of that operation are zero. */
struct api_result {
	int status; /* 0, DM_ENOTFOUND, DM_ETOOBIG, DM_EMISMATCH, or failure */
	/* get */
	size_t nvalues;
	const uint8_t *const *values;
	const size_t *lens;
	/* delete */
	unsigned deleted;
	/* stats */
	uint64_t records;
	/* token lookup */
	const char *subject, *subject_hash12;
	double rate_per_sec;
	uint32_t rate_burst;
	bool live;
	/* token register */
	size_t nrevoked;
	char *const *revoked;
	/* seen put: the accepted heartbeat's operator key (32 bytes) */
	const uint8_t *spk;
	/* seen list: live rows newest first, and this node's own key if known */
	size_t nrows;
	const struct api_seen_row *rows;
	const uint8_t *self_spk; /* 32 bytes or NULL */
	const char *self_endpoint;
	/* sync digest (entries, has_more), pull (svalues; served = names done), summary */
	size_t nentries;
	const struct api_sync_entry *entries;
	bool has_more;
	size_t nsvalues, served;
	const struct api_sync_value *svalues;
	const struct api_sync_summary *summary;
};

typedef void (*api_result_fn)(struct api_call *c, const struct api_result *res);

struct api_registration {
	const char *token_hash, *subject, *spk_hex, *remote_addr;
	double rate_per_sec;
	uint32_t rate_burst;
	bool has_expires_at;
	int64_t expires_at;
};

/* Each operation calls `cb` exactly once, possibly before returning. */
struct api_backend {
	void *ctx;
	void (*get)(void *ctx, struct api_call *c, const char *name, api_result_fn cb);
	void (*put)(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		    size_t len, uint32_t ttl, uint32_t max_values, api_result_fn cb);
	void (*del)(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		    size_t len, bool has_value, api_result_fn cb);
	void (*stats)(void *ctx, struct api_call *c, api_result_fn cb);
	void (*token_lookup)(void *ctx, struct api_call *c, const char *hash, api_result_fn cb);
	/* fire and forget; NULL fields are left out of the row */
	void (*token_audit)(void *ctx, const char *event, const char *hash, const char *subject,
			    const char *remote_addr, const char *detail);
	void (*token_register)(void *ctx, struct api_call *c, const struct api_registration *r,
			       api_result_fn cb);
	/* discovery (may be NULL: answered 503); the store verifies the wire again */
	void (*seen_put)(void *ctx, struct api_call *c, const char *wire, const char *remote_addr,
			 api_result_fn cb);
	void (*seen_list)(void *ctx, struct api_call *c, uint32_t limit, const uint8_t *exclude_spk,
			  api_result_fn cb);
	/* anti-entropy (may be NULL: answered 503); entries strictly after the cursor */
	void (*sync_digest)(void *ctx, struct api_call *c, int64_t ts_ms, const char *name,
			    const char *hash, uint32_t limit, bool tombstones, api_result_fn cb);
	void (*sync_pull)(void *ctx, struct api_call *c, const char *const *names, size_t n,
			  api_result_fn cb);
	void (*sync_summary)(void *ctx, struct api_call *c, api_result_fn cb);
};

struct api_metric {
	unsigned method;
	int status;
	uint64_t count;
};

struct api_challenge {
	char hex[65];
	uint64_t expires_ms;
};

struct api {
	const struct dm_config *cfg;
	enum api_auth_mode mode;
	bool registration_on;
	struct api_backend be;
	struct dm_ratelimit *rl_http, *rl_reg, *rl_token, *rl_doh;
	struct dm_ratelimit *rl_hb_submit, *rl_hb_seen; /* only with heartbeats enabled */
	struct dm_sync_config *sync;			/* peer token, pinned key, cluster name */
	char cluster_name[65];				/* "" = no manifest to serve (§9.3) */
	/* registration challenges: a ring, the oldest overwritten when full */
	struct api_challenge *challenges;
	size_t challenge_next;
	/* DoH: the engine config and the live table (swapped by the feed) */
	const struct dm_dns_config *dns;
	struct dm_dns_table *const *table;
	/* clocks, injectable for tests: wall ms and monotonic ms */
	uint64_t (*wall_ms)(void);
	uint64_t (*mono_ms)(void);
	/* metrics */
	struct api_metric http[API_METRIC_ROWS];
	size_t nhttp;
	uint64_t doh[6]; /* noerror nxdomain formerr servfail rate_limited malformed */
};

/* One request being answered. The caller fills the request part and `done`. */
struct api_call {
	struct api *api;
	struct http_request *req; /* borrowed until done() */
	char peer[64];		  /* client IP text (the TCP peer; X-Forwarded-For ignored) */
	bool tls;
	void (*done)(struct api_call *c);
	void *owner;
	/* the response, valid in done() */
	int status;
	const char *ctype;
	struct http_buf body;
	char extra[192]; /* extra header lines, CRLF-terminated */
	bool close;	 /* close the connection after this response */
	bool head;	 /* HEAD: send no body */
	/* handler state */
	int route;
	char name[API_NAME_MAX + 1];
	struct dm_scope scope;
	char token_hash[DM_TOKEN_DIGEST_HEX + 1];
	char token[DM_TOKEN_LEN + 1]; /* minted by registration; wiped after use */
	char subject[1025];
	json_t *json;
	void (*next)(struct api_call *c); /* continuation after authorization */
	uint8_t hb_spk[32];		  /* POST /v1/heartbeat: the submitter's key */
};

/* Sets up `a` for `cfg` (borrowed for a's life). Returns 0 or DM_ENOMEM. */
int api_init(struct api *a, const struct dm_config *cfg, const struct api_backend *be);
void api_done(struct api *a);

/* The auth mode node.md §2.1 derives from DMP_AUTH_MODE and the operator token. */
enum api_auth_mode api_auth_mode(const struct dm_config *cfg);

/* Answers c->req; calls c->done(c) exactly once (maybe before returning). */
void api_handle(struct api_call *c);

/*
 * Answers a request the reader refused (status 4xx/5xx with `msg`), for
 * the same metrics and JSON shape; calls c->done(c). c->req may be NULL.
 */
void api_refuse(struct api_call *c, int status, const char *msg);

/* Frees what the response holds; the call may be reused after. */
void api_call_clear(struct api_call *c);

/* Forgets per-token rate state for revoked token digests. */
void api_forget_tokens(struct api *a, char *const *hashes, size_t n);

/*
 * Record name from the raw path segment (node.md §5.1, with docs/HTTP.md's
 * choices): percent-decoded, whitespace-trimmed, trailing dots removed,
 * lower-cased, then required to be a storable DNS name with no NUL or '/'.
 * Writes it NUL-terminated to `out`. Returns 0 or DM_EINVAL.
 */
int api_record_name(const char *seg, size_t len, char out[API_NAME_MAX + 1])
    __attribute__((warn_unused_result));

/* Maximum nesting of arrays/objects in `json` (a bound on what the parser would do). */
size_t api_json_depth(const uint8_t *json, size_t len);

/*
 * Parses a request body as a JSON object (node.md §5.1): empty → {};
 * deeper than API_JSON_DEPTH_MAX, invalid UTF-8, duplicate keys, NUL
 * escapes, or not an object → NULL. Caller owns the result (json_decref).
 */
json_t *api_parse_body(const uint8_t *body, size_t len);

/* Decodes RFC 4648 §5 base64url without padding (RFC 8484 `dns=`). */
int api_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Smallest TTL among the answer and authority records of a DNS response (0 if none). */
uint32_t api_dns_min_ttl(const uint8_t *msg, size_t len);

#endif
