/*
 * Per-source rate limiting for the dns-frontend: the reference's token
 * bucket (node.md §4), keyed by source prefix instead of source address so
 * one host cannot dodge it by walking its /24 or /56.
 *
 * Semantics as in the reference: a new key starts full (`burst` tokens);
 * each packet first refills `elapsed * rate` tokens, capped at `burst`;
 * under one token the packet is denied (the refill is still recorded),
 * otherwise one token is spent. rate <= 0 or burst <= 0 disables limiting.
 * At most `max_keys` keys are tracked; a new key past that evicts the least
 * recently seen one. Memory is allocated once, in dm_dns_rrl_new(); time is
 * passed in (monotonic milliseconds), so the limiter is deterministic.
 *
 * Keys: IPv4 /24; IPv6 /56; an IPv4-mapped IPv6 address counts as IPv4.
 * Use one limiter per transport (node.md §12.2: UDP and TCP buckets differ).
 */
#ifndef DM_DNS_RRL_H
#define DM_DNS_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DM_DNS_RRL_DEFAULT_RATE	 50.0  /* DMP_DNS_RATE */
#define DM_DNS_RRL_DEFAULT_BURST 200.0 /* DMP_DNS_BURST */
#define DM_DNS_RRL_DEFAULT_KEYS	 10000 /* the reference's map cap */

struct dm_dns_rrl;

/*
 * Returns a limiter tracking up to `max_keys` (>= 1) prefixes, or NULL on
 * allocation failure; caller frees with dm_dns_rrl_free().
 */
struct dm_dns_rrl *dm_dns_rrl_new(size_t max_keys, double rate, double burst);
void dm_dns_rrl_free(struct dm_dns_rrl *rrl);

/*
 * True if a packet from `src` (AF_INET or AF_INET6; anything else shares one
 * bucket) may be answered at `now_ms`. A clock that steps back counts as no
 * time elapsed.
 */
bool dm_dns_rrl_allow(struct dm_dns_rrl *rrl, const struct sockaddr *src, uint64_t now_ms);

/* Keys currently tracked. */
size_t dm_dns_rrl_size(const struct dm_dns_rrl *rrl);

#endif
