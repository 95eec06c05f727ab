/*
 * ML-KEM-768 unit tests: modular arithmetic against plain `%`, NTT round
 * trips, compression rounding against the FIPS 203 formula, random
 * encaps/decaps round trips, implicit rejection, and the input checks.
 */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "common/pq/mlkem768.h"
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"
#include "tests/unit/test.h"

static void test_reduce(void)
{
	int bad = 0;
	/* Every value the arithmetic produces is < 2^27; check all of those, then random ones. */
	for (uint32_t x = 0; x < (1u << 27); x += 7)
		bad += dm_mlkem_reduce(x) != x % DM_MLKEM_Q;
	for (int i = 0; i < 100000; i++) {
		uint32_t x = randombytes_random();
		bad += dm_mlkem_reduce(x) != x % DM_MLKEM_Q;
	}
	bad += dm_mlkem_reduce(UINT32_MAX) != UINT32_MAX % DM_MLKEM_Q;
	for (uint32_t a = 0; a < 2 * DM_MLKEM_Q; a++)
		bad += dm_mlkem_csubq(a) != a % DM_MLKEM_Q;
	CHECK_EQ(bad, 0);
}

static void random_poly(struct dm_mlkem_poly *p)
{
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		p->c[i] = (uint16_t)randombytes_uniform(DM_MLKEM_Q);
}

/* Schoolbook product in Z_q[X]/(X^256 + 1). */
static void slow_mul(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a,
		     const struct dm_mlkem_poly *b)
{
	int64_t acc[DM_MLKEM_N] = {0};
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		for (unsigned j = 0; j < DM_MLKEM_N; j++) {
			int64_t t = (int64_t)a->c[i] * b->c[j];
			if (i + j < DM_MLKEM_N)
				acc[i + j] += t;
			else
				acc[i + j - DM_MLKEM_N] -= t;
		}
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		r->c[i] = (uint16_t)(((acc[i] % DM_MLKEM_Q) + DM_MLKEM_Q) % DM_MLKEM_Q);
}

static void test_ntt(void)
{
	struct dm_mlkem_poly a, b, a0, b0, r, want;

	random_poly(&a);
	a0 = a;
	dm_mlkem_ntt(&a);
	dm_mlkem_invntt(&a);
	CHECK_MEM(a.c, a0.c, sizeof(a.c));

	random_poly(&a);
	random_poly(&b);
	a0 = a;
	b0 = b;
	dm_mlkem_ntt(&a);
	dm_mlkem_ntt(&b);
	dm_mlkem_basemul_acc(&r, &a, &b, 1);
	dm_mlkem_invntt(&r);
	slow_mul(&want, &a0, &b0);
	CHECK_MEM(r.c, want.c, sizeof(r.c));

	/* Extremes: every coefficient q - 1, the largest lazy-reduction bounds. */
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		a0.c[i] = b0.c[i] = DM_MLKEM_Q - 1;
	a = a0;
	b = b0;
	dm_mlkem_ntt(&a);
	dm_mlkem_ntt(&b);
	struct dm_mlkem_poly as[3] = {a, a, a}, bs[3] = {b, b, b};
	dm_mlkem_basemul_acc(&r, as, bs, 3);
	dm_mlkem_invntt(&r);
	slow_mul(&want, &a0, &b0);
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		want.c[i] = (uint16_t)((3u * want.c[i]) % DM_MLKEM_Q);
	CHECK_MEM(r.c, want.c, sizeof(r.c));
}

/* The four-way samplers must match the one-at-a-time ones lane by lane. */
static void test_x4_samplers(void)
{
	uint8_t rho[32];
	struct dm_mlkem_poly one, four[4];
	struct dm_mlkem_poly *r[4] = {&four[0], &four[1], &four[2], &four[3]};
	const uint8_t idx[4][2] = {{0, 0}, {1, 0}, {2, 1}, {0, 2}};
	const unsigned eta[4] = {2, 3, 2, 3};

	randombytes_buf(rho, sizeof(rho));
	for (unsigned n = 2; n <= 4; n++) {
		dm_mlkem_poly_sample_ntt_x4(r, idx, n, rho);
		for (unsigned j = 0; j < n; j++) {
			dm_mlkem_poly_sample_ntt(&one, rho, idx[j][0], idx[j][1]);
			CHECK_MEM(one.c, four[j].c, sizeof(one.c));
		}
		dm_mlkem_poly_noise_x4(r, eta, n, rho, 7);
		for (unsigned j = 0; j < n; j++) {
			dm_mlkem_poly_noise(&one, rho, (uint8_t)(7 + j), eta[j]);
			CHECK_MEM(one.c, four[j].c, sizeof(one.c));
		}
	}
}

/* d bits starting at bit `pos` of the little-endian bit string `buf`. */
static uint32_t get_bits(const uint8_t *buf, size_t pos, unsigned d)
{
	uint32_t v = 0;
	for (unsigned b = 0; b < d; b++, pos++)
		v |= (uint32_t)((buf[pos / 8] >> (pos % 8)) & 1) << b;
	return v;
}

static void test_compress(void)
{
	static const unsigned ds[] = {1, 4, 5, 10, 11};
	struct dm_mlkem_poly a, back;
	uint8_t buf[32 * 11];
	int bad = 0;

	for (size_t di = 0; di < sizeof(ds) / sizeof(ds[0]); di++) {
		unsigned d = ds[di];
		for (uint32_t base = 0; base < DM_MLKEM_Q; base += DM_MLKEM_N) {
			for (unsigned i = 0; i < DM_MLKEM_N; i++)
				a.c[i] = (uint16_t)((base + i) % DM_MLKEM_Q);
			dm_mlkem_poly_compress(buf, &a, d);
			dm_mlkem_poly_decompress(&back, buf, d);
			for (unsigned i = 0; i < DM_MLKEM_N; i++) {
				/* round(x 2^d / q) mod 2^d, from the definition in doubles. */
				uint32_t x = a.c[i];
				uint32_t want = (uint32_t)((2.0 * x * (1u << d) + DM_MLKEM_Q) /
							   (2.0 * DM_MLKEM_Q)) &
						((1u << d) - 1);
				uint32_t y = get_bits(buf, i * d, d);
				bad += y != want;
				uint32_t dec = (uint32_t)((2.0 * y * DM_MLKEM_Q + (1u << d)) /
							  (1u << (d + 1)));
				bad += back.c[i] != dec;
			}
		}
	}
	CHECK_EQ(bad, 0);
}

static void test_roundtrip(void)
{
	uint8_t ek[DM_MLKEM768_EK_BYTES], dk[DM_MLKEM768_DK_BYTES], seed[64];
	uint8_t ek2[DM_MLKEM768_EK_BYTES], dk2[DM_MLKEM768_DK_BYTES];
	uint8_t ct[DM_MLKEM768_CT_BYTES], ss[32], ss2[32], rej[32];

	for (int i = 0; i < 20; i++) {
		CHECK_EQ(dm_mlkem768_keypair(ek, dk, seed), 0);
		CHECK_EQ(dm_mlkem768_seed_keypair(ek2, dk2, seed, sizeof(seed)), 0);
		CHECK_MEM(ek, ek2, sizeof(ek));
		CHECK_MEM(dk, dk2, sizeof(dk));
		CHECK_EQ(dm_mlkem768_ek_check(ek, sizeof(ek)), 0);
		CHECK_EQ(dm_mlkem768_dk_check(dk, sizeof(dk)), 0);
		CHECK_EQ(dm_mlkem768_encaps(ct, ss, ek), 0);
		CHECK_EQ(dm_mlkem768_decaps(ss2, ct, dk), 0);
		CHECK_MEM(ss, ss2, sizeof(ss));

		/* One flipped bit anywhere: the rejection secret J(z || ct'). */
		size_t pos = randombytes_uniform(sizeof(ct));
		ct[pos] ^= (uint8_t)(1u << randombytes_uniform(8));
		CHECK_EQ(dm_mlkem768_decaps(ss2, ct, dk), 0);
		struct dm_keccak j;
		dm_shake256_init(&j);
		dm_shake_absorb(&j, dk + sizeof(dk) - 32, 32);
		dm_shake_absorb(&j, ct, sizeof(ct));
		dm_shake_squeeze(&j, rej, sizeof(rej));
		CHECK_MEM(ss2, rej, sizeof(rej));
		CHECK(memcmp(ss2, ss, sizeof(ss)) != 0);
	}
}

static void test_input_checks(void)
{
	uint8_t ek[DM_MLKEM768_EK_BYTES], dk[DM_MLKEM768_DK_BYTES];
	uint8_t ct[DM_MLKEM768_CT_BYTES], ss[32], m[32] = {0};

	CHECK_EQ(dm_mlkem768_keypair(ek, dk, NULL), 0);
	CHECK_EQ(dm_mlkem768_ek_check(ek, sizeof(ek) - 1), -1);
	CHECK_EQ(dm_mlkem768_ek_check(NULL, sizeof(ek)), -1);
	CHECK_EQ(dm_mlkem768_dk_check(dk, sizeof(dk) + 1), -1);
	CHECK_EQ(dm_mlkem768_seed_keypair(ek, dk, m, 32), -1);

	/* Coefficient 0 of t = q exactly: not reduced, refused. Still fine for rho bytes. */
	uint8_t bad[DM_MLKEM768_EK_BYTES];
	memcpy(bad, ek, sizeof(bad));
	bad[0] = DM_MLKEM_Q & 0xff;
	bad[1] = (uint8_t)((bad[1] & 0xf0) | (DM_MLKEM_Q >> 8));
	CHECK_EQ(dm_mlkem768_ek_check(bad, sizeof(bad)), -1);
	memset(ss, 0x5a, sizeof(ss));
	CHECK_EQ(dm_mlkem768_encaps_derand(ct, ss, bad, m), -1);
	CHECK_EQ(ss[0], 0x5a);
	bad[0] = (DM_MLKEM_Q - 1) & 0xff;
	CHECK_EQ(dm_mlkem768_ek_check(bad, sizeof(bad)), 0);
	memcpy(bad, ek, sizeof(bad));
	memset(bad + 1152, 0xff, 32);
	CHECK_EQ(dm_mlkem768_ek_check(bad, sizeof(bad)), 0);

	/* Any change to the embedded ek or its hash fails the dk check and decaps. */
	CHECK_EQ(dm_mlkem768_encaps(ct, ss, ek), 0);
	dk[1152 + 5] ^= 1;
	CHECK_EQ(dm_mlkem768_dk_check(dk, sizeof(dk)), -1);
	CHECK_EQ(dm_mlkem768_decaps(ss, ct, dk), -1);
	dk[1152 + 5] ^= 1;
	dk[2336] ^= 0x80;
	CHECK_EQ(dm_mlkem768_decaps(ss, ct, dk), -1);
	dk[2336] ^= 0x80;
	CHECK_EQ(dm_mlkem768_decaps_checked(ss, ct, sizeof(ct) - 1, dk, sizeof(dk)), -1);
	CHECK_EQ(dm_mlkem768_decaps_checked(ss, ct, sizeof(ct), dk, sizeof(dk)), 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_reduce();
	test_ntt();
	test_x4_samplers();
	test_compress();
	test_roundtrip();
	test_input_checks();
	return TEST_DONE("test_mlkem");
}
