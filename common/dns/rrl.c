#include "common/dns/rrl.h"

#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct entry {
	uint64_t key;
	double tokens;
	uint64_t last;	     /* ms of the last refill */
	uint32_t prev, next; /* recency list: head = most recent */
	uint32_t hnext;	     /* hash chain */
};

struct dm_dns_rrl {
	struct entry *e;
	uint32_t *buckets;
	size_t mask;
	size_t max, used;
	uint32_t head, tail;
	double rate, burst;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
};

/* /24 of IPv4 or /56 of IPv6 in 56 bits, the family in the top byte. */
static uint64_t prefix_key(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof(in));
		const uint8_t *a = (const uint8_t *)&in.sin_addr;
		return (uint64_t)1 << 56 | (uint64_t)a[0] << 16 | (uint64_t)a[1] << 8 | a[2];
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof(in6));
		const uint8_t *a = in6.sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, sizeof(mapped)) == 0)
			return (uint64_t)1 << 56 | (uint64_t)a[12] << 16 | (uint64_t)a[13] << 8 |
			       a[14];
		uint64_t k = (uint64_t)2 << 56;
		for (int i = 0; i < 7; i++)
			k |= (uint64_t)a[i] << (8 * (6 - i));
		return k;
	}
	return 0;
}

static size_t bucket_of(const struct dm_dns_rrl *rrl, uint64_t key)
{
	uint8_t in[8], h[crypto_shorthash_BYTES];
	uint64_t v;
	memcpy(in, &key, sizeof(in));
	crypto_shorthash(h, in, sizeof(in), rrl->hkey);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & rrl->mask;
}

static void lru_unlink(struct dm_dns_rrl *rrl, uint32_t i)
{
	struct entry *e = &rrl->e[i];
	if (e->prev != NIL)
		rrl->e[e->prev].next = e->next;
	else
		rrl->head = e->next;
	if (e->next != NIL)
		rrl->e[e->next].prev = e->prev;
	else
		rrl->tail = e->prev;
}

static void lru_push(struct dm_dns_rrl *rrl, uint32_t i)
{
	struct entry *e = &rrl->e[i];
	e->prev = NIL;
	e->next = rrl->head;
	if (rrl->head != NIL)
		rrl->e[rrl->head].prev = i;
	rrl->head = i;
	if (rrl->tail == NIL)
		rrl->tail = i;
}

static void chain_unlink(struct dm_dns_rrl *rrl, uint32_t i)
{
	uint32_t *pp = &rrl->buckets[bucket_of(rrl, rrl->e[i].key)];
	while (*pp != NIL && *pp != i)
		pp = &rrl->e[*pp].hnext;
	if (*pp == i)
		*pp = rrl->e[i].hnext;
}

struct dm_dns_rrl *dm_dns_rrl_new(size_t max_keys, double rate, double burst)
{
	if (max_keys == 0 || max_keys >= NIL / 2 || sodium_init() < 0)
		return NULL;
	struct dm_dns_rrl *rrl = calloc(1, sizeof(*rrl));
	if (rrl == NULL)
		return NULL;
	size_t nb = 1;
	while (nb < max_keys)
		nb <<= 1;
	rrl->e = calloc(max_keys, sizeof(*rrl->e));
	rrl->buckets = malloc(nb * sizeof(*rrl->buckets));
	if (rrl->e == NULL || rrl->buckets == NULL) {
		dm_dns_rrl_free(rrl);
		return NULL;
	}
	memset(rrl->buckets, 0xff, nb * sizeof(*rrl->buckets)); /* all NIL */
	rrl->mask = nb - 1;
	rrl->max = max_keys;
	rrl->head = rrl->tail = NIL;
	rrl->rate = rate;
	rrl->burst = burst;
	crypto_shorthash_keygen(rrl->hkey);
	return rrl;
}

void dm_dns_rrl_free(struct dm_dns_rrl *rrl)
{
	if (rrl == NULL)
		return;
	free(rrl->e);
	free(rrl->buckets);
	free(rrl);
}

bool dm_dns_rrl_allow(struct dm_dns_rrl *rrl, const struct sockaddr *src, uint64_t now_ms)
{
	if (!(rrl->rate > 0) || !(rrl->burst > 0))
		return true;
	uint64_t key = prefix_key(src);
	size_t b = bucket_of(rrl, key);
	uint32_t i = rrl->buckets[b];
	while (i != NIL && rrl->e[i].key != key)
		i = rrl->e[i].hnext;

	if (i == NIL) {
		if (rrl->used < rrl->max) {
			i = (uint32_t)rrl->used++;
		} else {
			i = rrl->tail;
			lru_unlink(rrl, i);
			chain_unlink(rrl, i);
		}
		struct entry *e = &rrl->e[i];
		e->key = key;
		e->tokens = rrl->burst;
		e->last = now_ms;
		e->hnext = rrl->buckets[b];
		rrl->buckets[b] = i;
	} else {
		lru_unlink(rrl, i);
	}
	lru_push(rrl, i);

	struct entry *e = &rrl->e[i];
	double elapsed = now_ms > e->last ? (double)(now_ms - e->last) / 1000.0 : 0.0;
	double tokens = e->tokens + elapsed * rrl->rate;
	e->tokens = tokens < rrl->burst ? tokens : rrl->burst;
	if (now_ms > e->last)
		e->last = now_ms;
	if (e->tokens < 1.0)
		return false;
	e->tokens -= 1.0;
	return true;
}

size_t dm_dns_rrl_size(const struct dm_dns_rrl *rrl)
{
	return rrl->used;
}
