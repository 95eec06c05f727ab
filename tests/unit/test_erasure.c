/*
 * Erasure coding: the parity matrix against the literal E = V * (V_top)^-1
 * of wire.md §7.1, k/n choice at the limits, random round trips for every k
 * from 1 to 196 with random erasure patterns, raw blocks of odd sizes, and
 * the reference's decode rules (first k by id, lengths, prefix check).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/erasure.h"
#include "common/dmp/gf256.h"
#include "common/err.h"
#include "tests/unit/test.h"

/* Rows k..n-1 of V * (V_top)^-1, computed literally. */
static int literal_rows(unsigned k, unsigned n, uint8_t *rows)
{
	uint8_t *v = malloc((size_t)n * k), *top = malloc((size_t)k * k);
	int rc = -1;
	if (v == NULL || top == NULL)
		goto out;
	for (unsigned r = 0; r < n; r++)
		for (unsigned c = 0; c < k; c++)
			v[r * k + c] = r == 0 ? (c == 0) : dm_gf256_exp((r - 1) * c);
	memcpy(top, v, (size_t)k * k);
	if (dm_gf256_invert_matrix(top, k) != 0)
		goto out;
	for (unsigned r = k; r < n; r++)
		for (unsigned c = 0; c < k; c++) {
			uint8_t s = 0;
			for (unsigned j = 0; j < k; j++)
				s ^= dm_gf256_mul(v[r * k + j], top[j * k + c]);
			rows[(r - k) * k + c] = s;
		}
	rc = 0;
out:
	free(v);
	free(top);
	return rc;
}

static void test_matrix(void)
{
	static const unsigned kn[][2] = {{1, 2},   {2, 3},   {3, 4},	 {4, 6},     {11, 15},
					 {20, 26}, {64, 84}, {100, 256}, {196, 255}, {1, 256}};
	for (size_t i = 0; i < sizeof(kn) / sizeof(kn[0]); i++) {
		unsigned k = kn[i][0], n = kn[i][1];
		uint8_t *a = malloc((size_t)(n - k) * k), *b = malloc((size_t)(n - k) * k);
		CHECK(a != NULL && b != NULL);
		CHECK_EQ(dm_fec_parity_matrix(k, n, a), 0);
		CHECK_EQ(literal_rows(k, n, b), 0);
		CHECK_MEM(a, b, (size_t)(n - k) * k);
		free(a);
		free(b);
	}
	uint8_t row[4];
	CHECK_EQ(dm_fec_parity_matrix(0, 2, row), DM_EINVAL);
	CHECK_EQ(dm_fec_parity_matrix(3, 2, row), DM_EINVAL);
	CHECK_EQ(dm_fec_parity_matrix(1, 257, row), DM_ETOOBIG);
}

static void test_params(void)
{
	unsigned k, n;
	CHECK_EQ(dm_erasure_params(0, &k, &n), 0);
	CHECK(k == 1 && n == 2);
	CHECK_EQ(dm_erasure_params(DM_ERASURE_MAX_MSG, &k, &n), 0);
	CHECK(k == 196 && n == 255);
	CHECK_EQ(dm_erasure_params(DM_ERASURE_MAX_MSG + 1, &k, &n), 0);
	CHECK(k == 197 && n == 257);
	/* ceil(k * 0.3) == ceil(3k / 10) for every k: spot-check where 3k/10 is whole. */
	CHECK_EQ(dm_erasure_params(10 * 128 - 4, &k, &n), 0);
	CHECK(k == 10 && n == 13);
	CHECK_EQ(dm_erasure_params(20 * 128 - 4, &k, &n), 0);
	CHECK(k == 20 && n == 26);
	CHECK_EQ(dm_erasure_params(UINT32_MAX, &k, &n), 0);
	CHECK_EQ(dm_erasure_params((size_t)UINT32_MAX + 1, &k, &n), DM_ETOOBIG);

	uint8_t *msg = calloc(DM_ERASURE_MAX_MSG + 1, 1), *shares = NULL;
	CHECK(msg != NULL);
	CHECK_EQ(dm_erasure_encode(msg, DM_ERASURE_MAX_MSG + 1, &shares, &k, &n), DM_ETOOBIG);
	CHECK(shares == NULL);
	free(msg);
}

/* Picks `k` distinct random ids out of 0..n-1 into ids[] (random order). */
static void pick(unsigned k, unsigned n, unsigned *ids)
{
	unsigned perm[DM_FEC_MAX_N];
	for (unsigned i = 0; i < n; i++)
		perm[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = randombytes_uniform(i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	memcpy(ids, perm, k * sizeof(*ids));
}

static void test_round_trips(void)
{
	int fails = 0;
	uint8_t *msg = malloc(DM_ERASURE_MAX_MSG);
	CHECK(msg != NULL);
	for (unsigned kk = 1; kk <= DM_ERASURE_MAX_K; kk++) {
		/* A random length that gives exactly this k. */
		size_t lo = kk == 1 ? 0 : (size_t)(kk - 1) * 128 - 3;
		size_t len = lo + randombytes_uniform((uint32_t)((size_t)kk * 128 - 4 - lo + 1));
		uint8_t *shares = NULL, *out = NULL;
		unsigned k, n, ids[DM_FEC_MAX_N];
		const uint8_t *ptrs[DM_FEC_MAX_N];
		size_t olen;

		randombytes_buf(msg, len);
		if (dm_erasure_encode(msg, len, &shares, &k, &n) != 0 || k != kk) {
			fails++;
			continue;
		}
		for (int trial = 0; trial < 3; trial++) {
			/* Anything from exactly k shares up to all n, in random order. */
			unsigned cnt = k + randombytes_uniform(n - k + 1);
			pick(cnt, n, ids);
			for (unsigned i = 0; i < cnt; i++)
				ptrs[i] = shares + (size_t)ids[i] * DM_ERASURE_BLOCK;
			if (dm_erasure_decode(k, n, ptrs, NULL, ids, cnt, &out, &olen) != 0 ||
			    olen != len || memcmp(out, msg, len) != 0)
				fails++;
			free(out);
			out = NULL;
			/* One fewer than k never decodes. */
			if (dm_erasure_decode(k, n, ptrs, NULL, ids, k - 1, &out, &olen) !=
			    DM_EINVAL)
				fails++;
		}
		free(shares);
	}
	free(msg);
	CHECK_EQ(fails, 0);
}

static void test_raw_blocks(void)
{
	int fails = 0;
	for (int trial = 0; trial < 200; trial++) {
		unsigned k = 1 + randombytes_uniform(40);
		unsigned n = k + randombytes_uniform(DM_FEC_MAX_N - k + 1);
		size_t blen = randombytes_uniform(70); /* includes 0 and odd sizes */
		uint8_t *all = malloc((size_t)n * blen + 1), *dec = malloc((size_t)k * blen + 1);
		const uint8_t *dptr[DM_FEC_MAX_N], *sptr[DM_FEC_MAX_N];
		uint8_t *pptr[DM_FEC_MAX_N], *optr[DM_FEC_MAX_N];
		unsigned ids[DM_FEC_MAX_N];

		randombytes_buf(all, (size_t)k * blen);
		for (unsigned i = 0; i < k; i++)
			dptr[i] = all + (size_t)i * blen;
		for (unsigned i = k; i < n; i++)
			pptr[i - k] = all + (size_t)i * blen;
		if (dm_fec_encode_blocks(k, n, dptr, blen, pptr) != 0)
			fails++;
		pick(k, n, ids);
		for (unsigned i = 0; i < k; i++) {
			sptr[i] = all + (size_t)ids[i] * blen;
			optr[i] = dec + (size_t)i * blen;
		}
		if (dm_fec_decode_blocks(k, n, sptr, ids, blen, optr) != 0 ||
		    memcmp(dec, all, (size_t)k * blen) != 0)
			fails++;
		if (k >= 2) {
			ids[1] = ids[0];
			if (dm_fec_decode_blocks(k, n, sptr, ids, blen, optr) != DM_EINVAL)
				fails++;
			ids[1] = n;
			if (dm_fec_decode_blocks(k, n, sptr, ids, blen, optr) != DM_EINVAL)
				fails++;
		}
		free(all);
		free(dec);
	}
	CHECK_EQ(fails, 0);
}

static void test_reference_rules(void)
{
	uint8_t msg[300], *shares = NULL, *out = NULL;
	unsigned k, n, ids[8];
	const uint8_t *ptrs[8];
	size_t lens[8], olen;

	randombytes_buf(msg, sizeof(msg));
	CHECK_EQ(dm_erasure_encode(msg, sizeof(msg), &shares, &k, &n), 0);
	CHECK(k == 3 && n == 4);
	for (unsigned i = 0; i < n; i++) {
		ids[i] = n - 1 - i;
		ptrs[i] = shares + (size_t)ids[i] * DM_ERASURE_BLOCK;
		lens[i] = DM_ERASURE_BLOCK;
	}
	/* Only the k lowest ids are used: a short share with the highest id is ignored. */
	lens[0] = 5; /* id 3 */
	CHECK_EQ(dm_erasure_decode(k, n, ptrs, lens, ids, n, &out, &olen), 0);
	CHECK(olen == sizeof(msg) && memcmp(out, msg, olen) == 0);
	free(out);
	/* ...but one among them fails the whole decode. */
	lens[0] = DM_ERASURE_BLOCK;
	lens[3] = 129; /* id 0 */
	CHECK_EQ(dm_erasure_decode(k, n, ptrs, lens, ids, n, &out, &olen), DM_EINVAL);
	lens[3] = DM_ERASURE_BLOCK;
	/* Ids beyond the first k may be anything; an id >= n among them is fatal. */
	ids[0] = 1000;
	CHECK_EQ(dm_erasure_decode(k, n, ptrs, lens, ids, n, &out, &olen), 0);
	free(out);
	ids[0] = 3;
	CHECK_EQ(dm_erasure_decode(k, 2, ptrs, lens, ids, n, &out, &olen), DM_EINVAL);
	CHECK_EQ(dm_erasure_decode(k, 257, ptrs, lens, ids, n, &out, &olen), DM_ETOOBIG);
	CHECK_EQ(dm_erasure_decode(0, n, ptrs, lens, ids, n, &out, &olen), DM_EINVAL);
	/* Duplicate ids are a caller error. */
	ids[1] = 3;
	CHECK_EQ(dm_erasure_decode(k, n, ptrs, lens, ids, n, &out, &olen), DM_EINVAL);
	ids[1] = 2;

	/* Length prefix: L = k*128 - 4 is the largest accepted value. */
	uint8_t blk[DM_ERASURE_BLOCK] = {0};
	const uint8_t *one[1] = {blk};
	unsigned id0[1] = {0};
	blk[3] = DM_ERASURE_BLOCK - 4;
	CHECK_EQ(dm_erasure_decode(1, 2, one, NULL, id0, 1, &out, &olen), 0);
	CHECK_EQ(olen, DM_ERASURE_BLOCK - 4);
	free(out);
	blk[3] = DM_ERASURE_BLOCK - 3;
	CHECK_EQ(dm_erasure_decode(1, 2, one, NULL, id0, 1, &out, &olen), DM_EINVAL);
	blk[3] = 0;
	blk[0] = 0x80;
	CHECK_EQ(dm_erasure_decode(1, 2, one, NULL, id0, 1, &out, &olen), DM_EINVAL);
	blk[0] = 0;
	CHECK_EQ(dm_erasure_decode(1, 2, one, NULL, id0, 1, &out, &olen), 0);
	CHECK(olen == 0 && out != NULL);
	free(out);
	free(shares);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_matrix();
	test_params();
	test_round_trips();
	test_raw_blocks();
	test_reference_rules();
	return TEST_DONE("test_erasure");
}
