/*
 * Both base64 decoders on arbitrary text, plus: strict success implies
 * lenient success with the same bytes, and encode -> decode is the identity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const uint8_t *in, size_t len)
{
	size_t elen = dm_b64_encoded_len(len), n = 0;
	char *enc = malloc(elen + 1);
	uint8_t *dec = malloc(len ? len : 1);
	if (enc == NULL || dec == NULL)
		abort();
	dm_b64_encode(in, len, enc);
	if (strlen(enc) != elen)
		abort();
	if (dm_b64_decode_strict(enc, elen, dec, len, &n) != 0 || n != len ||
	    (len && memcmp(dec, in, len) != 0))
		abort();
	if (dm_b64_decode_lenient(enc, elen, dec, len, &n) != 0 || n != len ||
	    (len && memcmp(dec, in, len) != 0))
		abort();
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t cap = dm_b64_decoded_max(size);
	uint8_t *strict = malloc(cap), *lenient = malloc(cap);
	size_t slen = 0, llen = 0;
	if (strict == NULL || lenient == NULL)
		abort();

	int rs = dm_b64_decode_strict(text, size, strict, cap, &slen);
	int rl = dm_b64_decode_lenient(text, size, lenient, cap, &llen);
	if (rs == 0) {
		if (rl != 0 || llen != slen || (slen && memcmp(strict, lenient, slen) != 0))
			abort();
		/* Strict input is exactly 4/3 of its output, padded. */
		if (dm_b64_encoded_len(slen) != size)
			abort();
		round_trip(strict, slen);
	}
	if (rl == 0)
		round_trip(lenient, llen);
	/* The input itself as binary data. */
	round_trip(data, size);

	/* A too-small buffer is refused, never overrun (ASan watches `small`). */
	if (rs == 0 && slen > 0) {
		uint8_t *small = malloc(slen - 1 ? slen - 1 : 1);
		size_t n;
		if (small == NULL)
			abort();
		if (dm_b64_decode_strict(text, size, small, slen - 1, &n) == 0)
			abort();
		free(small);
	}
	free(strict);
	free(lenient);
	return 0;
}
