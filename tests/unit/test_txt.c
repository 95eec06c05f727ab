/* Multi-string TXT RDATA (wire.md §4.3): split sizes, round trips, overruns. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/dmp/txt.h"
#include "common/err.h"
#include "tests/unit/test.h"

static uint8_t value[1024], rdata[1100], back[1024];

/* Encodes `len` bytes, checks the string layout, decodes and compares. */
static void round_trip(size_t len, size_t want_strings)
{
	for (size_t i = 0; i < len; i++)
		value[i] = (uint8_t)(i * 7 + 1);
	size_t want = len + want_strings;
	CHECK_EQ(dm_txt_rdata_len(len), want);
	CHECK_EQ(dm_txt_rdata_encode(value, len, rdata, sizeof(rdata)), (long)want);
	/* Every string is 255 bytes except the last one. */
	size_t off = 0, strings = 0;
	while (off < want) {
		size_t n = rdata[off];
		strings++;
		if (off + 1 + n < want)
			CHECK_EQ(n, 255);
		off += 1 + n;
	}
	CHECK_EQ(off, want);
	CHECK_EQ(strings, want_strings);
	CHECK_EQ(dm_txt_rdata_decode(rdata, want, back, sizeof(back)), (long)len);
	CHECK(len == 0 || memcmp(back, value, len) == 0);
	/* Exactly-fitting buffers work, one byte less does not. */
	CHECK_EQ(dm_txt_rdata_encode(value, len, rdata, want), (long)want);
	CHECK_EQ(dm_txt_rdata_encode(value, len, rdata, want - 1), DM_ETOOBIG);
	if (len > 0)
		CHECK_EQ(dm_txt_rdata_decode(rdata, want, back, len - 1), DM_ETOOBIG);
}

int main(void)
{
	round_trip(0, 1);
	CHECK_EQ(rdata[0], 0);
	round_trip(1, 1);
	round_trip(254, 1);
	round_trip(255, 1);
	round_trip(256, 2);
	CHECK_EQ(rdata[256], 1);
	round_trip(510, 2);
	round_trip(511, 3);
	round_trip(1024, 5);

	/* Splits carry no meaning: uneven strings concatenate the same. */
	const uint8_t odd[] = {1, 'a', 0, 3, 'b', 'c', 'd', 2, 'e', 'f'};
	uint8_t out[16];
	CHECK_EQ(dm_txt_rdata_decode(odd, sizeof(odd), out, sizeof(out)), 6);
	CHECK(memcmp(out, "abcdef", 6) == 0);

	/* A string whose length byte runs past the RDATA. */
	const uint8_t overrun[] = {3, 'a', 'b'};
	CHECK_EQ(dm_txt_rdata_decode(overrun, sizeof(overrun), out, sizeof(out)), DM_EINVAL);
	const uint8_t overrun2[] = {1, 'a', 5, 'b'};
	CHECK_EQ(dm_txt_rdata_decode(overrun2, sizeof(overrun2), out, sizeof(out)), DM_EINVAL);
	/* Malformed wins over too-small: the caller learns the RDATA is bad. */
	CHECK_EQ(dm_txt_rdata_decode(overrun2, sizeof(overrun2), out, 0), DM_EINVAL);
	const uint8_t lone_len[] = {0, 0, 7};
	CHECK_EQ(dm_txt_rdata_decode(lone_len, sizeof(lone_len), out, sizeof(out)), DM_EINVAL);
	/* Empty RDATA has no string at all (RFC 1035 wants one or more). */
	CHECK_EQ(dm_txt_rdata_decode(rdata, 0, out, sizeof(out)), DM_EINVAL);
	/* Only empty strings: an empty value. */
	const uint8_t empties[] = {0, 0, 0};
	CHECK_EQ(dm_txt_rdata_decode(empties, sizeof(empties), out, 0), 0);

	return TEST_DONE("test_txt");
}
