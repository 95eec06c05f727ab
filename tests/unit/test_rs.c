/*
 * GF(2^8) tables and Reed-Solomon: field axioms against a bitwise multiply,
 * random round trips with 0..16 random errors at every length, refusal of
 * 17+ errors without touching the input, and the reedsolo piece rules.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/gf256.h"
#include "common/dmp/rs.h"
#include "common/err.h"
#include "tests/unit/test.h"

/* Carry-less multiply reduced by 0x11D, bit by bit: the definition. */
static uint8_t slow_mul(uint8_t a, uint8_t b)
{
	unsigned r = 0, x = a;
	for (unsigned i = 0; i < 8; i++) {
		if (b & (1u << i))
			r ^= x;
		x <<= 1;
		if (x & 0x100)
			x ^= DM_GF256_POLY;
	}
	return (uint8_t)r;
}

static void test_field(void)
{
	int bad_mul = 0, bad_row = 0, bad_inv = 0, bad_div = 0;
	for (unsigned a = 0; a < 256; a++) {
		const uint8_t *row = dm_gf256_mul_row((uint8_t)a);
		for (unsigned b = 0; b < 256; b++) {
			uint8_t p = slow_mul((uint8_t)a, (uint8_t)b);
			bad_mul += dm_gf256_mul((uint8_t)a, (uint8_t)b) != p;
			bad_row += row[b] != p;
			if (b != 0)
				bad_div += dm_gf256_div(p, (uint8_t)b) != a;
		}
		if (a != 0)
			bad_inv += dm_gf256_mul((uint8_t)a, dm_gf256_inv((uint8_t)a)) != 1;
	}
	CHECK_EQ(bad_mul, 0);
	CHECK_EQ(bad_row, 0);
	CHECK_EQ(bad_inv, 0);
	CHECK_EQ(bad_div, 0);
	/* alpha = 2 generates the whole multiplicative group. */
	uint8_t seen[256] = {0};
	for (unsigned e = 0; e < 255; e++) {
		uint8_t v = dm_gf256_exp(e);
		CHECK(!seen[v]);
		seen[v] = 1;
		CHECK_EQ(dm_gf256_log(v), e);
	}
	CHECK_EQ(dm_gf256_exp(255), 1);
	CHECK_EQ(dm_gf256_exp(8), 0x1d);

	/* Matrix inversion: M * M^-1 = I for random matrices, singular refused. */
	uint8_t m[16 * 16], inv[16 * 16];
	for (int trial = 0; trial < 20; trial++) {
		unsigned n = 1 + (unsigned)(randombytes_uniform(16));
		randombytes_buf(m, n * n);
		memcpy(inv, m, n * n);
		if (dm_gf256_invert_matrix(inv, n) != 0)
			continue;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = 0; j < n; j++) {
				uint8_t s = 0;
				for (unsigned x = 0; x < n; x++)
					s ^= dm_gf256_mul(m[i * n + x], inv[x * n + j]);
				CHECK_EQ(s, i == j);
			}
	}
	memset(m, 0, sizeof(m));
	m[0] = 1;
	CHECK_EQ(dm_gf256_invert_matrix(m, 2), DM_EINVAL);
}

static void test_generator(void)
{
	uint8_t g[DM_RS_NSYM + 1];
	dm_rs_generator(g);
	CHECK_EQ(g[0], 1);
	CHECK_EQ(g[1], 0x74);
	CHECK_EQ(g[DM_RS_NSYM], 0x58);
	/* Every alpha^i, i < 32, is a root. */
	for (unsigned i = 0; i < DM_RS_NSYM; i++) {
		const uint8_t *row = dm_gf256_mul_row(dm_gf256_exp(i));
		uint8_t acc = 0;
		for (unsigned j = 0; j <= DM_RS_NSYM; j++)
			acc = row[acc] ^ g[j];
		CHECK_EQ(acc, 0);
	}
}

/* Flips `nerr` distinct random positions of cw[0..len) to different values. */
static void corrupt(uint8_t *cw, size_t len, unsigned nerr)
{
	uint8_t hit[DM_RS_NSIZE] = {0};
	for (unsigned e = 0; e < nerr; e++) {
		size_t p;
		do
			p = randombytes_uniform((uint32_t)len);
		while (hit[p]);
		hit[p] = 1;
		cw[p] ^= (uint8_t)(1 + randombytes_uniform(255));
	}
}

static void test_round_trips(void)
{
	uint8_t data[DM_RS_MAX_DATA], cw[DM_RS_NSIZE], bad[DM_RS_NSIZE], out[DM_RS_NSIZE];
	int fails = 0, refused17 = 0, trials17 = 0;

	for (size_t len = 1; len <= DM_RS_MAX_DATA; len += (len < 40 ? 1 : 7)) {
		for (unsigned nerr = 0; nerr <= DM_RS_MAX_ERR; nerr++) {
			size_t cwlen = len + DM_RS_NSYM, olen = 0;
			unsigned fixed = 99;
			randombytes_buf(data, len);
			memcpy(cw, data, len);
			CHECK_EQ(dm_rs_encode(data, len, cw + len), 0);
			memcpy(bad, cw, cwlen);
			corrupt(bad, cwlen, nerr);
			if (dm_rs_decode(bad, cwlen, out, sizeof(out), &olen) != 0 || olen != len ||
			    memcmp(out, data, len) != 0)
				fails++;
			if (dm_rs_correct(bad, cwlen, &fixed) != 0 || fixed != nerr ||
			    memcmp(bad, cw, cwlen) != 0)
				fails++;
		}
		/* Beyond capacity: refused (or, rarely, a different valid codeword). */
		size_t cwlen = len + DM_RS_NSYM;
		if (cwlen >= 17 + 0) {
			memcpy(bad, cw, cwlen);
			corrupt(bad, cwlen,
				cwlen < 20 ? (unsigned)cwlen : 17 + randombytes_uniform(4));
			memcpy(out, bad, cwlen);
			trials17++;
			int rc = dm_rs_correct(bad, cwlen, NULL);
			if (rc != 0) {
				refused17++;
				CHECK_MEM(bad, out, cwlen); /* untouched */
			} else {
				CHECK(memcmp(bad, cw, cwlen) != 0);
			}
		}
	}
	CHECK_EQ(fails, 0);
	CHECK_EQ(refused17, trials17);
}

static void test_edges(void)
{
	uint8_t data[DM_RS_NSIZE + 1] = {0}, out[600];
	uint8_t parity[DM_RS_NSYM];
	size_t olen;

	CHECK_EQ(dm_rs_encode(data, 0, parity), DM_EINVAL);
	CHECK_EQ(dm_rs_encode(data, DM_RS_MAX_DATA + 1, parity), DM_ETOOBIG);
	CHECK_EQ(dm_rs_correct(data, 0, NULL), DM_EINVAL);
	CHECK_EQ(dm_rs_correct(data, DM_RS_NSIZE + 1, NULL), DM_EINVAL);
	CHECK_EQ(dm_rs_decode(data, 0, out, sizeof(out), &olen), DM_EINVAL);

	/* Short pieces carry no data: zero bytes decode to nothing. */
	CHECK_EQ(dm_rs_decode(data, 10, out, sizeof(out), &olen), 0);
	CHECK_EQ(olen, 0);
	CHECK_EQ(dm_rs_decoded_len(32), 0);
	CHECK_EQ(dm_rs_decoded_len(33), 1);
	CHECK_EQ(dm_rs_decoded_len(255), 223);
	CHECK_EQ(dm_rs_decoded_len(256), 223);
	CHECK_EQ(dm_rs_decoded_len(300), 223 + 13);
	/* A few non-zero bytes in a short piece are "corrected" to zero, as reedsolo does. */
	data[3] = 7;
	data[5] = 9;
	CHECK_EQ(dm_rs_correct(data, 10, NULL), 0);
	CHECK_EQ(data[3], 0);
	CHECK_EQ(data[5], 0);

	/* Two full pieces: 255 + 200 bytes -> 223 + 168 data bytes. */
	uint8_t big[455], msg[391];
	randombytes_buf(msg, sizeof(msg));
	memcpy(big, msg, 223);
	CHECK_EQ(dm_rs_encode(msg, 223, big + 223), 0);
	memcpy(big + 255, msg + 223, 168);
	CHECK_EQ(dm_rs_encode(msg + 223, 168, big + 255 + 168), 0);
	big[7] ^= 1;
	big[300] ^= 0x55;
	CHECK_EQ(dm_rs_decode(big, sizeof(big), out, sizeof(out), &olen), 0);
	CHECK_EQ(olen, sizeof(msg));
	CHECK_MEM(out, msg, sizeof(msg));
	CHECK_EQ(dm_rs_decode(big, sizeof(big), out, 390, &olen), DM_ETOOBIG);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_field();
	test_generator();
	test_round_trips();
	test_edges();
	return TEST_DONE("test_rs");
}
