/*
 * Test-only in-memory DNS zone and receiver state for dm_message_receive():
 * an append-only RRset map with exact-value delete (the node's semantics,
 * wire.md §3.2) and a replay cache plus one-time prekey store behind the
 * dm_recv_state callbacks. Header-only so vector checkers, unit tests and
 * fuzz targets can share it without build changes.
 */
#ifndef DM_TESTS_MEMSTORE_H
#define DM_TESTS_MEMSTORE_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/message.h"
#include "common/err.h"

struct mem_rr {
	char *name;
	char *value;
	size_t len;
};

struct mem_zone {
	struct mem_rr *rr;
	size_t n, cap;
};

/* Appends (name, value[0..len)) unless that exact value is already there. */
static inline void mem_putn(struct mem_zone *z, const char *name, const char *value, size_t len)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->rr[i].name, name) == 0 && z->rr[i].len == len &&
		    memcmp(z->rr[i].value, value, len) == 0)
			return;
	if (z->n == z->cap) {
		z->cap = z->cap ? 2 * z->cap : 16;
		z->rr = realloc(z->rr, z->cap * sizeof(*z->rr));
		if (z->rr == NULL)
			abort();
	}
	char *v = malloc(len + 1);
	char *nm = strdup(name);
	if (v == NULL || nm == NULL)
		abort();
	memcpy(v, value, len);
	v[len] = '\0';
	z->rr[z->n++] = (struct mem_rr){nm, v, len};
}

static inline void mem_put(struct mem_zone *z, const char *name, const char *value)
{
	mem_putn(z, name, value, strlen(value));
}

/* Puts (name, value[0..len)) ahead of every other value at that name. */
static inline void mem_putn_front(struct mem_zone *z, const char *name, const char *value,
				  size_t len)
{
	mem_putn(z, name, value, len);
	if (z->n < 2 || strcmp(z->rr[z->n - 1].name, name) != 0 || z->rr[z->n - 1].len != len ||
	    memcmp(z->rr[z->n - 1].value, value, len) != 0)
		return; /* it was already there */
	struct mem_rr last = z->rr[z->n - 1];
	memmove(z->rr + 1, z->rr, (z->n - 1) * sizeof(*z->rr));
	z->rr[0] = last;
}

/* Deletes one exact value (value != NULL) or the whole RRset; returns how many went. */
static inline size_t mem_del(struct mem_zone *z, const char *name, const char *value)
{
	size_t o = 0, gone = 0;
	for (size_t i = 0; i < z->n; i++) {
		if (strcmp(z->rr[i].name, name) == 0 &&
		    (value == NULL || strcmp(z->rr[i].value, value) == 0)) {
			free(z->rr[i].name);
			free(z->rr[i].value);
			gone++;
			continue;
		}
		z->rr[o++] = z->rr[i];
	}
	z->n = o;
	return gone;
}

static inline size_t mem_count(const struct mem_zone *z, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < z->n; i++)
		c += strcmp(z->rr[i].name, name) == 0;
	return c;
}

static inline void mem_free(struct mem_zone *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->rr[i].name);
		free(z->rr[i].value);
	}
	free(z->rr);
	memset(z, 0, sizeof(*z));
}

/* dm_lookup_fn over a struct mem_zone. */
static inline int mem_lookup(void *ctx, const char *name, struct dm_txtset *out)
{
	const struct mem_zone *z = ctx;
	for (size_t i = 0; i < z->n; i++) {
		if (strcmp(z->rr[i].name, name) != 0)
			continue;
		int r = dm_txtset_add(out, z->rr[i].value, z->rr[i].len);
		if (r < 0)
			return r;
	}
	return 0;
}

#define MEM_MAX_REPLAY	64
#define MEM_MAX_PREKEYS 8

struct mem_state {
	struct {
		uint8_t spk[32], msg_id[16];
		uint64_t exp;
	} replay[MEM_MAX_REPLAY];
	size_t nreplay;
	struct {
		uint32_t id;
		uint8_t priv[32];
		uint64_t exp;
		bool present;
	} prekeys[MEM_MAX_PREKEYS];
	size_t nprekeys;
	struct mem_zone *published; /* where commit unpublishes used prekey values */
	int commits;
	size_t unpublished;
	int fail_commit; /* test knob: commit returns this when non-zero */
};

static inline void mem_state_add_prekey(struct mem_state *s, uint32_t id, const uint8_t priv[32],
					uint64_t exp)
{
	if (s->nprekeys == MEM_MAX_PREKEYS)
		abort();
	s->prekeys[s->nprekeys].id = id;
	memcpy(s->prekeys[s->nprekeys].priv, priv, 32);
	s->prekeys[s->nprekeys].exp = exp;
	s->prekeys[s->nprekeys].present = true;
	s->nprekeys++;
}

static inline bool mem_seen(void *ctx, const uint8_t spk[32], const uint8_t msg_id[16],
			    uint64_t now)
{
	const struct mem_state *s = ctx;
	for (size_t i = 0; i < s->nreplay; i++)
		if (!(now > s->replay[i].exp) && memcmp(s->replay[i].spk, spk, 32) == 0 &&
		    memcmp(s->replay[i].msg_id, msg_id, 16) == 0)
			return true;
	return false;
}

static inline int mem_prekey(void *ctx, uint32_t id, uint64_t now, uint8_t ret_priv[32],
			     uint64_t *ret_exp)
{
	const struct mem_state *s = ctx;
	for (size_t i = 0; i < s->nprekeys; i++) {
		if (s->prekeys[i].present && s->prekeys[i].id == id && s->prekeys[i].exp > now) {
			memcpy(ret_priv, s->prekeys[i].priv, 32);
			*ret_exp = s->prekeys[i].exp;
			return 0;
		}
	}
	return DM_ENOTFOUND;
}

static inline int mem_commit(void *ctx, const struct dm_recv_commit *c)
{
	struct mem_state *s = ctx;
	if (s->fail_commit)
		return s->fail_commit;
	if (s->nreplay == MEM_MAX_REPLAY)
		return DM_ENOMEM;
	memcpy(s->replay[s->nreplay].spk, c->sender_spk, 32);
	memcpy(s->replay[s->nreplay].msg_id, c->msg_id, 16);
	s->replay[s->nreplay].exp = c->replay_expiry;
	s->nreplay++;
	for (size_t i = 0; c->prekey_id != 0 && i < s->nprekeys; i++) {
		if (s->prekeys[i].id == c->prekey_id && s->prekeys[i].present) {
			sodium_memzero(s->prekeys[i].priv, 32);
			s->prekeys[i].present = false;
		}
	}
	if (c->prekey_value != NULL && s->published != NULL)
		s->unpublished += mem_del(s->published, c->prekey_name, c->prekey_value);
	s->commits++;
	return 0;
}

static inline struct dm_recv_state mem_state_ops(struct mem_state *s)
{
	return (struct dm_recv_state){s, mem_seen, mem_prekey, mem_commit};
}

#endif
