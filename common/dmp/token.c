#include "common/dmp/token.h"

#include <sodium.h>
#include <string.h>

#include "common/codec/hex.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void dm_token_new(char out[DM_TOKEN_LEN + 1])
{
	uint8_t raw[32];
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, DM_TOKEN_PREFIX, DM_TOKEN_PREFIX_LEN);
	char *p = out + DM_TOKEN_PREFIX_LEN;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			*p++ = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		*p++ = b32[(acc << (5 - bits)) & 31];
	*p = '\0';
	sodium_memzero(raw, sizeof(raw));
}

bool dm_token_shape_ok(const char *tok, size_t len)
{
	if (tok == NULL || len != DM_TOKEN_LEN ||
	    memcmp(tok, DM_TOKEN_PREFIX, DM_TOKEN_PREFIX_LEN) != 0)
		return false;
	for (size_t i = DM_TOKEN_PREFIX_LEN; i < len; i++) {
		char c = tok[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

void dm_token_digest(const char *tok, size_t len, char out[DM_TOKEN_DIGEST_HEX + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const uint8_t *)tok, len);
	dm_hex_encode(h, sizeof(h), out);
}

bool dm_token_equal(const char *presented, size_t plen, const char *expected, size_t elen)
{
	uint8_t a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(a, (const uint8_t *)presented, plen);
	crypto_hash_sha256(b, (const uint8_t *)expected, elen);
	bool eq = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return eq;
}
