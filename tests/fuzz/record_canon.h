/*
 * Shared by the record fuzz targets: the canonical form of a TXT value that
 * parsed, i.e. its prefix followed by the padded base64 of the bytes the
 * parser decoded. Re-encoding a parsed record must give exactly this (the
 * input itself when it was canonical; lenient base64 lets junk through).
 */
#ifndef DM_TESTS_FUZZ_RECORD_CANON_H
#define DM_TESTS_FUZZ_RECORD_CANON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"

/* Aborts unless `got[0..got_len)` is the canonical form of `value`. */
static inline void record_canon_check(const char *value, size_t len, const char *prefix,
				      const char *got, size_t got_len)
{
	size_t plen = strlen(prefix), blen;
	size_t cap = dm_b64_decoded_max(len);
	uint8_t *blob = malloc(cap);
	char *canon;

	if (blob == NULL || len < plen ||
	    dm_b64_decode_lenient(value + plen, len - plen, blob, cap, &blen) != 0)
		abort();
	canon = malloc(plen + dm_b64_encoded_len(blen) + 1);
	if (canon == NULL)
		abort();
	memcpy(canon, prefix, plen);
	dm_b64_encode(blob, blen, canon + plen);
	if (got_len != strlen(canon) || memcmp(got, canon, got_len) != 0)
		abort();
	free(canon);
	free(blob);
}

#endif
