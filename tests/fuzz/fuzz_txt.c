/*
 * Multi-string TXT RDATA: decode arbitrary RDATA, and encode -> decode round
 * trips of both the decoded value and the raw input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const uint8_t *value, size_t len)
{
	size_t rlen = dm_txt_rdata_len(len);
	uint8_t *rdata = malloc(rlen);
	uint8_t *back = malloc(len ? len : 1);
	if (rdata == NULL || back == NULL)
		abort();
	if (dm_txt_rdata_encode(value, len, rdata, rlen) != (long)rlen)
		abort();
	/* Every string but the last is full; none is longer than 255. */
	size_t off = 0;
	while (off < rlen) {
		size_t n = rdata[off];
		if (off + 1 + n < rlen && n != DM_TXT_STRING_MAX)
			abort();
		off += 1 + n;
	}
	if (off != rlen)
		abort();
	if (dm_txt_rdata_decode(rdata, rlen, back, len) != (long)len ||
	    (len && memcmp(back, value, len) != 0))
		abort();
	if (rlen > 0 && dm_txt_rdata_encode(value, len, rdata, rlen - 1) >= 0)
		abort();
	free(rdata);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A value is always shorter than its RDATA, so `size` bytes suffice. */
	uint8_t *value = malloc(size ? size : 1);
	if (value == NULL)
		abort();
	long n = dm_txt_rdata_decode(data, size, value, size);
	if (n >= 0) {
		if ((size_t)n >= size)
			abort();
		round_trip(value, (size_t)n);
		/* An exact-size output buffer is enough, one byte less is not. */
		uint8_t *exact = malloc(n ? (size_t)n : 1);
		if (exact == NULL)
			abort();
		if (dm_txt_rdata_decode(data, size, exact, (size_t)n) != n ||
		    (n && memcmp(exact, value, (size_t)n) != 0))
			abort();
		if (n > 0 && dm_txt_rdata_decode(data, size, exact, (size_t)n - 1) >= 0)
			abort();
		free(exact);
	}
	round_trip(data, size);
	free(value);
	return 0;
}
