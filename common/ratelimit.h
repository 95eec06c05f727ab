/*
 * The reference's token-bucket rate limiter (node.md §4), keyed by a short
 * string: a client IP for the per-IP limiters, a token digest for the
 * per-token one.
 *
 * A new key starts full (`burst` tokens). Each request first refills
 * `elapsed * rate` tokens, capped at `burst`; under one token it is denied
 * (the refill is still recorded), otherwise one token is spent. rate <= 0
 * or burst <= 0 disables limiting (always allowed). At most `max_keys` keys
 * are tracked; a new key past that evicts the least recently used one.
 * Memory is allocated once in dm_ratelimit_new(); keys are hashed with
 * SipHash under a random key, so clients cannot aim for collisions. Time is
 * passed in (monotonic milliseconds), so behaviour is deterministic.
 */
#ifndef DM_COMMON_RATELIMIT_H
#define DM_COMMON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_RATELIMIT_KEY_MAX	 64    /* longer keys are truncated */
#define DM_RATELIMIT_DEFAULT_MAX 10000 /* the reference's map cap */

struct dm_ratelimit;

/* Returns a limiter for up to `max_keys` (>= 1) keys with one rate and burst
 * for all of them, or NULL on allocation failure; free with dm_ratelimit_free(). */
struct dm_ratelimit *dm_ratelimit_new(size_t max_keys, double rate, double burst);
void dm_ratelimit_free(struct dm_ratelimit *rl);

/* True if a request for `key` may proceed at `now_ms` (the limiter's rate and burst). */
bool dm_ratelimit_allow(struct dm_ratelimit *rl, const char *key, size_t keylen, uint64_t now_ms);

/* As dm_ratelimit_allow() with a per-key `rate` and `burst` (per-token limits). */
bool dm_ratelimit_allow_with(struct dm_ratelimit *rl, const char *key, size_t keylen, double rate,
			     double burst, uint64_t now_ms);

/* Forgets `key` (a revoked token's bucket). */
void dm_ratelimit_forget(struct dm_ratelimit *rl, const char *key, size_t keylen);

/* Keys currently tracked. */
size_t dm_ratelimit_size(const struct dm_ratelimit *rl);

#endif
