#include "common/ratelimit.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct entry {
	char key[DM_RATELIMIT_KEY_MAX];
	uint8_t keylen;
	bool used;
	double tokens;
	uint64_t last_ms;
	uint32_t hnext;		     /* hash chain */
	uint32_t lru_prev, lru_next; /* most recent at head */
};

struct dm_ratelimit {
	double rate, burst;
	size_t max, count;
	uint32_t nbuckets; /* power of two */
	uint32_t *buckets;
	struct entry *e;
	uint32_t head, tail;
	uint32_t free_next; /* slots [free_next, max) were never used */
	uint32_t free_head; /* forgotten slots, chained by hnext */
	uint8_t sipkey[crypto_shorthash_KEYBYTES];
};

struct dm_ratelimit *dm_ratelimit_new(size_t max_keys, double rate, double burst)
{
	if (max_keys == 0 || max_keys >= NIL / 2)
		return NULL;
	struct dm_ratelimit *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	rl->rate = rate;
	rl->burst = burst;
	rl->max = max_keys;
	rl->nbuckets = 16;
	while (rl->nbuckets < max_keys * 2)
		rl->nbuckets <<= 1;
	rl->buckets = malloc(rl->nbuckets * sizeof(*rl->buckets));
	rl->e = calloc(max_keys, sizeof(*rl->e));
	if (rl->buckets == NULL || rl->e == NULL) {
		dm_ratelimit_free(rl);
		return NULL;
	}
	for (uint32_t i = 0; i < rl->nbuckets; i++)
		rl->buckets[i] = NIL;
	rl->head = rl->tail = NIL;
	rl->free_next = 0;
	rl->free_head = NIL;
	randombytes_buf(rl->sipkey, sizeof(rl->sipkey));
	return rl;
}

void dm_ratelimit_free(struct dm_ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->buckets);
	free(rl->e);
	free(rl);
}

size_t dm_ratelimit_size(const struct dm_ratelimit *rl)
{
	return rl->count;
}

static uint32_t bucket_of(const struct dm_ratelimit *rl, const char *key, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const uint8_t *)key, len, rl->sipkey);
	uint32_t v;
	memcpy(&v, h, sizeof(v));
	return v & (rl->nbuckets - 1);
}

static void lru_unlink(struct dm_ratelimit *rl, uint32_t i)
{
	struct entry *e = &rl->e[i];
	if (e->lru_prev != NIL)
		rl->e[e->lru_prev].lru_next = e->lru_next;
	else
		rl->head = e->lru_next;
	if (e->lru_next != NIL)
		rl->e[e->lru_next].lru_prev = e->lru_prev;
	else
		rl->tail = e->lru_prev;
}

static void lru_push_head(struct dm_ratelimit *rl, uint32_t i)
{
	struct entry *e = &rl->e[i];
	e->lru_prev = NIL;
	e->lru_next = rl->head;
	if (rl->head != NIL)
		rl->e[rl->head].lru_prev = i;
	rl->head = i;
	if (rl->tail == NIL)
		rl->tail = i;
}

static uint32_t find(const struct dm_ratelimit *rl, const char *key, size_t len, uint32_t b)
{
	for (uint32_t i = rl->buckets[b]; i != NIL; i = rl->e[i].hnext)
		if (rl->e[i].keylen == len && memcmp(rl->e[i].key, key, len) == 0)
			return i;
	return NIL;
}

static void remove_entry(struct dm_ratelimit *rl, uint32_t i)
{
	struct entry *e = &rl->e[i];
	uint32_t b = bucket_of(rl, e->key, e->keylen);
	uint32_t *pp = &rl->buckets[b];
	while (*pp != NIL && *pp != i)
		pp = &rl->e[*pp].hnext;
	if (*pp == i)
		*pp = e->hnext;
	lru_unlink(rl, i);
	e->used = false;
	rl->count--;
}

static void release(struct dm_ratelimit *rl, uint32_t i)
{
	remove_entry(rl, i);
	rl->e[i].hnext = rl->free_head;
	rl->free_head = i;
}

/* A slot for a new key: a never-used one, else a freed one, else the LRU victim. */
static uint32_t take_slot(struct dm_ratelimit *rl)
{
	if (rl->free_next < rl->max)
		return rl->free_next++;
	if (rl->free_head != NIL) {
		uint32_t i = rl->free_head;
		rl->free_head = rl->e[i].hnext;
		return i;
	}
	uint32_t victim = rl->tail;
	remove_entry(rl, victim);
	return victim;
}

bool dm_ratelimit_allow_with(struct dm_ratelimit *rl, const char *key, size_t keylen, double rate,
			     double burst, uint64_t now_ms)
{
	if (rate <= 0 || burst <= 0)
		return true;
	if (keylen > DM_RATELIMIT_KEY_MAX)
		keylen = DM_RATELIMIT_KEY_MAX;
	uint32_t b = bucket_of(rl, key, keylen);
	uint32_t i = find(rl, key, keylen, b);
	struct entry *e;
	if (i == NIL) {
		i = take_slot(rl);
		e = &rl->e[i];
		memcpy(e->key, key, keylen);
		e->keylen = (uint8_t)keylen;
		e->used = true;
		e->tokens = burst;
		e->last_ms = now_ms;
		e->hnext = rl->buckets[b];
		rl->buckets[b] = i;
		rl->count++;
		lru_push_head(rl, i);
	} else {
		e = &rl->e[i];
		lru_unlink(rl, i);
		lru_push_head(rl, i);
	}
	/* A clock that steps back counts as no time elapsed. */
	uint64_t elapsed = now_ms > e->last_ms ? now_ms - e->last_ms : 0;
	double t = e->tokens + (double)elapsed / 1000.0 * rate;
	e->tokens = t < burst ? t : burst;
	if (now_ms > e->last_ms)
		e->last_ms = now_ms;
	if (e->tokens < 1.0)
		return false;
	e->tokens -= 1.0;
	return true;
}

bool dm_ratelimit_allow(struct dm_ratelimit *rl, const char *key, size_t keylen, uint64_t now_ms)
{
	return dm_ratelimit_allow_with(rl, key, keylen, rl->rate, rl->burst, now_ms);
}

void dm_ratelimit_forget(struct dm_ratelimit *rl, const char *key, size_t keylen)
{
	if (keylen > DM_RATELIMIT_KEY_MAX)
		keylen = DM_RATELIMIT_KEY_MAX;
	uint32_t i = find(rl, key, keylen, bucket_of(rl, key, keylen));
	if (i != NIL)
		release(rl, i);
}
