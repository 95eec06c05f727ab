/*
 * Anti-entropy between nodes (node.md §9, docs/SYNC.md), the I/O-free part:
 * the digest cursor, the checks a worker applies to what an untrusted peer
 * sends (digest entries, pulled values), the re-verification of a pulled
 * record before it may be stored (§9.6), and the per-pair hash the O(1)
 * in-sync summary is built from. The store, the https-frontend and the sync
 * service all use these, so both ends agree byte for byte.
 */
#ifndef DM_DMP_SYNC_H
#define DM_DMP_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/sig.h"

#define DM_SYNC_HASH_HEX	     64
#define DM_SYNC_NAME_MAX	     253 /* digest names, bytes (§9.5 step 3) */
#define DM_SYNC_CURSOR_NAME_MAX	     253 /* cursor names, code points (§9.1) */
#define DM_SYNC_CURSOR_NAME_BYTES    (4 * DM_SYNC_CURSOR_NAME_MAX)
#define DM_SYNC_CURSOR_MAX	     (20 + 1 + DM_SYNC_CURSOR_NAME_BYTES + 1 + DM_SYNC_HASH_HEX)
#define DM_SYNC_DIGEST_LIMIT_DEFAULT 1000
#define DM_SYNC_DIGEST_LIMIT_MAX     10000
#define DM_SYNC_PULL_NAMES_MAX	     256
#define DM_SYNC_TTL_SLOP	     5		/* s: ttl differences below this are "in sync" */
#define DM_SYNC_SKEW_MS		     60000	/* digest ts may lie this far in the future */
#define DM_SYNC_TTL_MAX		     2147483647 /* digest ttl bound (the reference's 2^31, minus 1) */
#define DM_SYNC_PAIR_HASH_BYTES	     32

/* A digest position: entries strictly after it are served. */
struct dm_sync_cursor {
	int64_t ts_ms;
	char name[DM_SYNC_CURSOR_NAME_BYTES + 1];
	char hash[DM_SYNC_HASH_HEX + 1]; /* "" or 64 lowercase hex */
};

/* One validated digest entry from a peer. */
struct dm_sync_entry {
	char name[DM_SYNC_NAME_MAX + 1];
	char hash[DM_SYNC_HASH_HEX + 1];
	int64_t ts_ms;
	uint32_t ttl;
	bool deleted;	    /* a tombstone (our nodes only, docs/SYNC.md) */
	int64_t deleted_ms; /* tombstones: when the value was first deleted */
};

/* One pulled value; `name` and `value` are NUL-terminated copies. */
struct dm_sync_value {
	char *name;
	char *value;
	size_t value_len;
	uint32_t ttl;
};

/*
 * Parses a cursor as the server reads it (§9.1): "<ts>:<name>:<hash>" split
 * on the first two ':', or "<ts>:<name>" (hash ""); ts decimal >= 0, name at
 * most 253 code points of UTF-8, hash empty or 64 lowercase hex. DM_EINVAL
 * otherwise. `s` need not be NUL-terminated.
 */
int dm_sync_cursor_parse(const char *s, size_t len, struct dm_sync_cursor *ret)
    __attribute__((warn_unused_result));

/* "<ts>:<name>:<hash>" and a NUL into `out` (DM_SYNC_CURSOR_MAX + 1 suffices). */
int dm_sync_cursor_format(const struct dm_sync_cursor *c, char *out, size_t cap);

/* Orders cursors by (ts, name bytewise, hash bytewise): <0, 0, >0. */
int dm_sync_cursor_cmp(const struct dm_sync_cursor *a, const struct dm_sync_cursor *b);

/* The cursor an entry stands at. */
void dm_sync_cursor_of(const struct dm_sync_entry *e, struct dm_sync_cursor *ret);

/*
 * §9.5 step 6: walks `e[0..n)` in order over the longest prefix whose
 * entries are all `handled`, and moves *wm to the last entry of that prefix
 * if that is further than *wm. Returns true if *wm moved.
 */
bool dm_sync_advance(const struct dm_sync_entry *e, const bool *handled, size_t n,
		     struct dm_sync_cursor *wm);

/* §9.5 step 3: `^[a-zA-Z0-9._-]{1,253}$`. */
bool dm_sync_name_ok(const char *name, size_t len);
/* `^[0-9a-f]{64}$`. */
bool dm_sync_hash_ok(const char *hash, size_t len);

/*
 * Parses a /v1/sync/digest response body. Entries failing §9.5 step 3 (name,
 * hash, ts in [0, now_ms + 60 s], ttl in [0, 2^31)) are dropped and counted
 * in *ret_dropped; a "deleted": true entry is a tombstone and needs an
 * integer deleted_ms in the same range. DM_EINVAL if the body is not a JSON
 * object whose "records" is a list. On success *ret (caller frees) holds
 * *ret_n entries in the peer's order.
 */
int dm_sync_digest_parse(const char *body, size_t len, uint64_t now_ms, struct dm_sync_entry **ret,
			 size_t *ret_n, size_t *ret_dropped, bool *ret_has_more)
    __attribute__((warn_unused_result));

/*
 * Parses a /v1/sync/pull response body: a JSON object with a "records"
 * list. Items whose name or value is not a string (or holds a NUL), whose
 * ttl is not an integer in 1..2^31-1, are skipped and counted in
 * *ret_dropped. DM_EINVAL if the body is not such an object. On success
 * *ret (free with dm_sync_values_free()) holds *ret_n values.
 */
int dm_sync_pull_parse(const char *body, size_t len, struct dm_sync_value **ret, size_t *ret_n,
		       size_t *ret_dropped) __attribute__((warn_unused_result));
void dm_sync_values_free(struct dm_sync_value *v, size_t n);

/*
 * Re-verifies a pulled value before it is stored (§9.6): slot manifests
 * (either form, no expiry), identities and claims fully; cluster manifests
 * under `cluster_spk` when given (else structurally); prekeys and bootstrap
 * records structurally (strict base64, >= 65 bytes); chunks and unknown
 * types are accepted opaque. Empty values are refused. Returns 0 or the
 * verifier's DM_E* code. May allocate a temporary buffer (≤ 33 KiB).
 */
int dm_sync_verify_record(const char *value, size_t len,
			  const uint8_t *cluster_spk /* DM_ED25519_PK_BYTES or NULL */,
			  uint64_t now_s) __attribute__((warn_unused_result));

/* SHA-256(name || 0x00 || hash hex): a pair's share of the summary digest. */
void dm_sync_pair_hash(const char *name, size_t name_len, const char *hash_hex,
		       uint8_t out[DM_SYNC_PAIR_HASH_BYTES]);
/* acc ^= h */
void dm_sync_xor(uint8_t acc[DM_SYNC_PAIR_HASH_BYTES], const uint8_t h[DM_SYNC_PAIR_HASH_BYTES]);

#endif
