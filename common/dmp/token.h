/*
 * Bearer tokens of multi-tenant nodes (node.md §6.2): "dmp_v1_" + the
 * unpadded upper-case RFC 4648 base32 of 32 random bytes (52 characters).
 * Nodes keep only sha256hex(token); tokens are compared by digest, in
 * constant time.
 */
#ifndef DM_DMP_TOKEN_H
#define DM_DMP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define DM_TOKEN_PREFIX	    "dmp_v1_"
#define DM_TOKEN_PREFIX_LEN 7
#define DM_TOKEN_BODY_LEN   52
#define DM_TOKEN_LEN	    (DM_TOKEN_PREFIX_LEN + DM_TOKEN_BODY_LEN)
#define DM_TOKEN_DIGEST_HEX 64

/* Mints a new token from 32 random bytes into `out` (NUL-terminated). */
void dm_token_new(char out[DM_TOKEN_LEN + 1]);

/* The reference's quick shape check: prefix, then 52 characters of [A-Z0-9]. */
bool dm_token_shape_ok(const char *tok, size_t len);

/* sha256hex of the whole token string (prefix included), NUL-terminated. */
void dm_token_digest(const char *tok, size_t len, char out[DM_TOKEN_DIGEST_HEX + 1]);

/*
 * True if the presented bearer string equals `expected`, compared as
 * SHA-256 digests with sodium_memcmp so neither content nor length leaks
 * through timing.
 */
bool dm_token_equal(const char *presented, size_t plen, const char *expected, size_t elen);

#endif
