#include "common/dmp/sync.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/dmp/claim.h"
#include "common/dmp/cluster.h"
#include "common/dmp/identity_record.h"
#include "common/dmp/manifest.h"
#include "common/dmp/record.h"
#include "common/err.h"

/* Signed types the node cannot check fully carry at least a signature and a byte. */
#define STRUCTURAL_MIN 65

/* ---- cursor ---- */

static int parse_ts(const char *s, size_t len, int64_t *ret)
{
	if (len == 0 || len > 19)
		return DM_EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return DM_EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return DM_EINVAL;
	*ret = (int64_t)v;
	return 0;
}

/* Code points in valid UTF-8, or SIZE_MAX if invalid. */
static size_t utf8_chars(const char *s, size_t len)
{
	if (!dm_record_utf8_valid((const uint8_t *)s, len))
		return SIZE_MAX;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

bool dm_sync_hash_ok(const char *hash, size_t len)
{
	if (len != DM_SYNC_HASH_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
			return false;
	return true;
}

bool dm_sync_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > DM_SYNC_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int dm_sync_cursor_parse(const char *s, size_t len, struct dm_sync_cursor *ret)
{
	const char *c1 = memchr(s, ':', len);
	if (c1 == NULL)
		return DM_EINVAL;
	const char *name = c1 + 1;
	size_t rest = len - (size_t)(name - s);
	const char *c2 = memchr(name, ':', rest);
	size_t name_len = c2 ? (size_t)(c2 - name) : rest;
	const char *hash = c2 ? c2 + 1 : name + name_len;
	size_t hash_len = c2 ? rest - name_len - 1 : 0;
	struct dm_sync_cursor c;
	if (parse_ts(s, (size_t)(c1 - s), &c.ts_ms) < 0)
		return DM_EINVAL;
	size_t chars = utf8_chars(name, name_len);
	if (chars == SIZE_MAX || chars > DM_SYNC_CURSOR_NAME_MAX ||
	    name_len > DM_SYNC_CURSOR_NAME_BYTES || memchr(name, '\0', name_len) != NULL)
		return DM_EINVAL;
	if (hash_len != 0 && !dm_sync_hash_ok(hash, hash_len))
		return DM_EINVAL;
	memcpy(c.name, name, name_len);
	c.name[name_len] = '\0';
	memcpy(c.hash, hash, hash_len);
	c.hash[hash_len] = '\0';
	*ret = c;
	return 0;
}

int dm_sync_cursor_format(const struct dm_sync_cursor *c, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%" PRId64 ":%s:%s", c->ts_ms, c->name, c->hash);
	return n < 0 || (size_t)n >= cap ? DM_ETOOBIG : 0;
}

int dm_sync_cursor_cmp(const struct dm_sync_cursor *a, const struct dm_sync_cursor *b)
{
	if (a->ts_ms != b->ts_ms)
		return a->ts_ms < b->ts_ms ? -1 : 1;
	int r = strcmp(a->name, b->name); /* bytewise: strcmp compares as unsigned char */
	if (r != 0)
		return r;
	return strcmp(a->hash, b->hash);
}

void dm_sync_cursor_of(const struct dm_sync_entry *e, struct dm_sync_cursor *ret)
{
	ret->ts_ms = e->ts_ms;
	memcpy(ret->name, e->name, strlen(e->name) + 1);
	memcpy(ret->hash, e->hash, sizeof(ret->hash));
}

bool dm_sync_advance(const struct dm_sync_entry *e, const bool *handled, size_t n,
		     struct dm_sync_cursor *wm)
{
	size_t k = 0;
	while (k < n && handled[k])
		k++;
	if (k == 0)
		return false;
	struct dm_sync_cursor c;
	dm_sync_cursor_of(&e[k - 1], &c);
	if (dm_sync_cursor_cmp(&c, wm) <= 0)
		return false;
	*wm = c;
	return true;
}

/* ---- what peers send ---- */

/* A JSON integer that is not a boolean (jansson keeps them apart). */
static bool int_in(json_t *v, int64_t lo, int64_t hi, int64_t *ret)
{
	if (!json_is_integer(v))
		return false;
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return false;
	*ret = (int64_t)n;
	return true;
}

static bool entry_from(json_t *o, uint64_t now_ms, struct dm_sync_entry *e)
{
	if (!json_is_object(o))
		return false;
	json_t *name = json_object_get(o, "name"), *hash = json_object_get(o, "hash");
	int64_t ts, ttl;
	if (!json_is_string(name) || !json_is_string(hash))
		return false;
	size_t nlen = json_string_length(name), hlen = json_string_length(hash);
	if (!dm_sync_name_ok(json_string_value(name), nlen) ||
	    !dm_sync_hash_ok(json_string_value(hash), hlen))
		return false;
	int64_t ts_max = (int64_t)now_ms + DM_SYNC_SKEW_MS;
	if (!int_in(json_object_get(o, "ts"), 0, ts_max, &ts) ||
	    !int_in(json_object_get(o, "ttl"), 0, DM_SYNC_TTL_MAX, &ttl))
		return false;
	memcpy(e->name, json_string_value(name), nlen + 1);
	memcpy(e->hash, json_string_value(hash), hlen + 1);
	e->ts_ms = ts;
	e->ttl = (uint32_t)ttl;
	e->deleted = json_is_true(json_object_get(o, "deleted"));
	e->deleted_ms = 0;
	if (e->deleted && !int_in(json_object_get(o, "deleted_ms"), 0, ts_max, &e->deleted_ms))
		return false;
	return true;
}

static json_t *load_object(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int dm_sync_digest_parse(const char *body, size_t len, uint64_t now_ms, struct dm_sync_entry **ret,
			 size_t *ret_n, size_t *ret_dropped, bool *ret_has_more)
{
	json_t *j = load_object(body, len);
	if (j == NULL)
		return DM_EINVAL;
	json_t *recs = json_object_get(j, "records");
	if (!json_is_array(recs)) {
		json_decref(j);
		return DM_EINVAL;
	}
	size_t n = json_array_size(recs), kept = 0;
	struct dm_sync_entry *out = calloc(n ? n : 1, sizeof(*out));
	if (out == NULL) {
		json_decref(j);
		return DM_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (entry_from(json_array_get(recs, i), now_ms, &out[kept]))
			kept++;
	*ret_has_more = json_is_true(json_object_get(j, "has_more"));
	*ret_dropped = n - kept;
	*ret_n = kept;
	*ret = out;
	json_decref(j);
	return 0;
}

void dm_sync_values_free(struct dm_sync_value *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static char *dup_string(json_t *s)
{
	size_t len = json_string_length(s);
	const char *p = json_string_value(s);
	if (memchr(p, '\0', len) != NULL)
		return NULL;
	char *d = malloc(len + 1);
	if (d != NULL)
		memcpy(d, p, len + 1);
	return d;
}

int dm_sync_pull_parse(const char *body, size_t len, struct dm_sync_value **ret, size_t *ret_n,
		       size_t *ret_dropped)
{
	json_t *j = load_object(body, len);
	if (j == NULL)
		return DM_EINVAL;
	json_t *recs = json_object_get(j, "records");
	if (!json_is_array(recs)) {
		json_decref(j);
		return DM_EINVAL;
	}
	size_t n = json_array_size(recs), kept = 0;
	struct dm_sync_value *out = calloc(n ? n : 1, sizeof(*out));
	if (out == NULL) {
		json_decref(j);
		return DM_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(recs, i);
		json_t *name = json_object_get(o, "name"), *value = json_object_get(o, "value");
		int64_t ttl;
		if (!json_is_string(name) || !json_is_string(value) ||
		    !int_in(json_object_get(o, "ttl"), 1, DM_SYNC_TTL_MAX, &ttl))
			continue;
		struct dm_sync_value *v = &out[kept];
		v->name = dup_string(name);
		v->value = dup_string(value);
		if (v->name == NULL || v->value == NULL) {
			free(v->name);
			free(v->value);
			continue;
		}
		v->value_len = json_string_length(value);
		v->ttl = (uint32_t)ttl;
		kept++;
	}
	json_decref(j);
	*ret_dropped = n - kept;
	*ret_n = kept;
	*ret = out;
	return 0;
}

/* ---- re-verification (§9.6) ---- */

static bool has_prefix(const char *v, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(v, prefix, n) == 0;
}

/* Strict base64 of what follows the prefix, at least 65 bytes once decoded. */
static int structural(const char *v, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix), blen;
	size_t cap = dm_b64_decoded_max(len - plen);
	uint8_t *buf = malloc(cap ? cap : 1);
	if (buf == NULL)
		return DM_ENOMEM;
	int r = dm_b64_decode_strict(v + plen, len - plen, buf, cap, &blen);
	free(buf);
	if (r < 0)
		return r;
	return blen >= STRUCTURAL_MIN ? 0 : DM_EINVAL;
}

static int verify_manifest(const char *v, size_t len)
{
	uint8_t(*hashes)[DM_MANIFEST_HASH_BYTES] =
	    malloc(DM_MANIFEST_MAX_CHUNKS * DM_MANIFEST_HASH_BYTES);
	if (hashes == NULL)
		return DM_ENOMEM;
	struct dm_manifest m;
	/* now = 0: a node stores manifests without looking at their expiry (§14.1). */
	int r = dm_manifest_parse(v, len, 0, hashes, DM_MANIFEST_MAX_CHUNKS, &m);
	free(hashes);
	return r;
}

int dm_sync_verify_record(const char *value, size_t len, const uint8_t *cluster_spk, uint64_t now_s)
{
	if (len == 0)
		return DM_EINVAL;
	if (has_prefix(value, len, DM_PREFIX_MANIFEST))
		return verify_manifest(value, len);
	if (has_prefix(value, len, DM_PREFIX_IDENTITY)) {
		struct dm_identity_record rec;
		return dm_identity_record_parse(value, len, &rec);
	}
	if (has_prefix(value, len, DM_PREFIX_PREKEY))
		return structural(value, len, DM_PREFIX_PREKEY);
	if (has_prefix(value, len, DM_PREFIX_CLUSTER)) {
		if (cluster_spk == NULL)
			return structural(value, len, DM_PREFIX_CLUSTER);
		struct dm_cluster c;
		return dm_cluster_parse(value, len, cluster_spk, now_s, NULL, 0, &c);
	}
	if (has_prefix(value, len, DM_PREFIX_BOOTSTRAP))
		return structural(value, len, DM_PREFIX_BOOTSTRAP);
	if (has_prefix(value, len, DM_PREFIX_CLAIM)) {
		struct dm_claim c;
		return dm_claim_parse(value, len, now_s, &c);
	}
	return 0; /* chunks (bound by their manifest) and unknown types: opaque */
}

/* ---- summary ---- */

void dm_sync_pair_hash(const char *name, size_t name_len, const char *hash_hex,
		       uint8_t out[DM_SYNC_PAIR_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, name_len);
	crypto_hash_sha256_update(&st, (const uint8_t *)"", 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)hash_hex, DM_SYNC_HASH_HEX);
	crypto_hash_sha256_final(&st, out);
}

void dm_sync_xor(uint8_t acc[DM_SYNC_PAIR_HASH_BYTES], const uint8_t h[DM_SYNC_PAIR_HASH_BYTES])
{
	for (size_t i = 0; i < DM_SYNC_PAIR_HASH_BYTES; i++)
		acc[i] ^= h[i];
}
