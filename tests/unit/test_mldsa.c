/*
 * ML-DSA internals and API: rounding against the FIPS 204 definitions over
 * every input, NTT products against schoolbook multiplication, and the
 * public ML-DSA-65 / composite APIs (round trips, contexts, malformed and
 * mutated signatures, outputs untouched on failure).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pq/composite_sig.h"
#include "common/pq/mldsa.h"
#include "common/pq/mldsa65.h"
#include "common/pq/mldsa_poly.h"
#include "tests/unit/test.h"

#define Q DM_MLDSA_Q

static int32_t mod_q(int64_t a)
{
	int64_t r = a % Q;
	return (int32_t)(r < 0 ? r + Q : r);
}

/* r mod+- m: the representative in (-m/2, m/2] (m even). */
static int32_t mod_pm(int32_t r, int32_t m)
{
	int32_t v = r % m;
	if (v > m / 2)
		v -= m;
	return v;
}

static void test_decompose(void)
{
	const int32_t g2s[2] = {(Q - 1) / 88, (Q - 1) / 32};
	int bad = 0;

	for (int g = 0; g < 2; g++) {
		int32_t g2 = g2s[g];
		for (int32_t a = 0; a < Q; a++) {
			int32_t r0 = mod_pm(a, 2 * g2), r1, got0, got1;
			if (a - r0 == Q - 1) {
				r1 = 0;
				r0 -= 1;
			} else {
				r1 = (a - r0) / (2 * g2);
			}
			got1 = dm_mldsa_decompose(&got0, a, g2);
			bad += got1 != r1 || got0 != r0;
		}
	}
	CHECK_EQ(bad, 0);

	bad = 0;
	for (int32_t a = 0; a < Q; a++) {
		int32_t r0 = mod_pm(a, 1 << 13), got0;
		int32_t got1 = dm_mldsa_power2round(&got0, a);
		bad += got0 != r0 || got1 != (a - r0) >> 13;
	}
	CHECK_EQ(bad, 0);
}

static void test_use_hint(void)
{
	/* UseHint moves r1 by one in the direction of r0, wrapping mod m. */
	int32_t g2 = (Q - 1) / 32, r0;
	CHECK_EQ(dm_mldsa_use_hint(0, 0, g2), 0);
	CHECK_EQ(dm_mldsa_use_hint(1, 1, g2), 1);
	CHECK_EQ(dm_mldsa_use_hint(0, 1, g2), 15); /* r0 = 0 counts as <= 0 */
	CHECK_EQ(dm_mldsa_use_hint(Q - 1, 1, g2), 15);
	(void)dm_mldsa_decompose(&r0, Q - 1, g2);
	CHECK_EQ(r0, -1); /* the q-1 corner case */
	CHECK_EQ(dm_mldsa_use_hint(15 * 2 * g2 + 5, 1, g2), 0);
}

static void rand_poly(struct dm_mldsa_poly *a, int32_t bound)
{
	for (int i = 0; i < DM_MLDSA_N; i++)
		a->c[i] = (int32_t)randombytes_uniform((uint32_t)(2 * bound + 1)) - bound;
}

static void schoolbook(int32_t out[DM_MLDSA_N], const struct dm_mldsa_poly *a,
		       const struct dm_mldsa_poly *b)
{
	int64_t acc[DM_MLDSA_N] = {0};

	for (int i = 0; i < DM_MLDSA_N; i++)
		for (int j = 0; j < DM_MLDSA_N; j++) {
			int64_t p = (int64_t)a->c[i] * b->c[j];
			if (i + j < DM_MLDSA_N)
				acc[i + j] += p;
			else
				acc[i + j - DM_MLDSA_N] -= p;
		}
	for (int i = 0; i < DM_MLDSA_N; i++)
		out[i] = mod_q(acc[i] % Q);
}

static void test_ntt(void)
{
	struct dm_mldsa_poly a, b, ah, bh, r;
	int32_t want[DM_MLDSA_N];
	int bad = 0;

	for (int round = 0; round < 4; round++) {
		rand_poly(&a, (Q - 1) / 2);
		rand_poly(&b, (Q - 1) / 2);
		ah = a;
		bh = b;
		dm_mldsa_poly_ntt(&ah);
		dm_mldsa_poly_ntt(&bh);
		dm_mldsa_poly_reduce(&ah);
		dm_mldsa_poly_reduce(&bh);
		dm_mldsa_poly_pointwise(&r, &ah, &bh);
		dm_mldsa_poly_invntt_tomont(&r);
		dm_mldsa_poly_freeze(&r);
		schoolbook(want, &a, &b);
		bad += memcmp(want, r.c, sizeof(want)) != 0;

		/* Sparse challenge product agrees with the schoolbook product. */
		uint8_t ct[48];
		randombytes_buf(ct, sizeof(ct));
		dm_mldsa_poly_challenge(&a, ct, sizeof(ct), 49, round & 1);
		{
			struct dm_mldsa_poly other;
			dm_mldsa_poly_challenge(&other, ct, sizeof(ct), 49, !(round & 1));
			CHECK_MEM(other.c, a.c, sizeof(a.c)); /* masked and plain agree */
		}
		int nonzero = 0;
		for (int i = 0; i < DM_MLDSA_N; i++)
			nonzero += a.c[i] != 0;
		CHECK_EQ(nonzero, 49);
		rand_poly(&b, 1 << 22);
		dm_mldsa_poly_sparse_mul(&r, &a, &b);
		dm_mldsa_poly_freeze(&r);
		schoolbook(want, &a, &b);
		bad += memcmp(want, r.c, sizeof(want)) != 0;
	}
	CHECK_EQ(bad, 0);
}

static void test_pack(void)
{
	static const unsigned widths[] = {3, 4, 6, 10, 13, 18, 20};
	uint8_t buf[32 * 20];

	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		struct dm_mldsa_poly a, b;
		int32_t off = 1 << (widths[w] - 1);
		rand_poly(&a, off - 1);
		dm_mldsa_poly_pack(buf, &a, widths[w], off, 1);
		dm_mldsa_poly_unpack(&b, buf, widths[w], off, 1);
		CHECK_MEM(a.c, b.c, sizeof(a.c));
	}
}

static uint8_t pk[DM_MLDSA65_PK_BYTES], sk[DM_MLDSA65_SK_BYTES];
static uint8_t sig[DM_MLDSA65_SIG_BYTES], sig2[DM_MLDSA65_SIG_BYTES];

static void test_api(void)
{
	static const uint8_t msg[] = "directory record v1";
	uint8_t ctx[256], seed[DM_MLDSA65_SEED_BYTES], pk2[DM_MLDSA65_PK_BYTES];
	size_t mlen = sizeof(msg) - 1;

	memset(ctx, 'c', sizeof(ctx));
	CHECK_EQ(dm_mldsa65_keypair(pk, sk, seed), 0);
	{
		static uint8_t sk2[DM_MLDSA65_SK_BYTES];
		CHECK_EQ(dm_mldsa65_keypair_from_seed(pk2, sk2, seed), 0);
		CHECK_MEM(pk2, pk, sizeof(pk));
		CHECK_MEM(sk2, sk, sizeof(sk));
	}

	/* Hedged signatures differ, deterministic ones repeat; all verify. */
	CHECK_EQ(dm_mldsa65_sign(sig, msg, mlen, ctx, 7, sk, 0), 0);
	CHECK_EQ(dm_mldsa65_sign(sig2, msg, mlen, ctx, 7, sk, 0), 0);
	CHECK(memcmp(sig, sig2, sizeof(sig)) != 0);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 7, pk), 0);
	CHECK_EQ(dm_mldsa65_verify(sig2, sizeof(sig2), msg, mlen, ctx, 7, pk), 0);
	CHECK_EQ(dm_mldsa65_sign(sig, msg, mlen, NULL, 0, sk, 1), 0);
	CHECK_EQ(dm_mldsa65_sign(sig2, msg, mlen, NULL, 0, sk, 1), 0);
	CHECK_MEM(sig, sig2, sizeof(sig));
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, NULL, 0, pk), 0);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 1, pk), -1);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen - 1, NULL, 0, pk), -1);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig) - 1, msg, mlen, NULL, 0, pk), -1);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig) + 1, msg, mlen, NULL, 0, pk), -1);
	CHECK_EQ(dm_mldsa65_sign(sig, NULL, 0, NULL, 0, sk, 0), 0);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), NULL, 0, NULL, 0, pk), 0);

	/* Context: 255 bytes works, 256 is an error and leaves `sig` alone. */
	CHECK_EQ(dm_mldsa65_sign(sig, msg, mlen, ctx, 255, sk, 0), 0);
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 255, pk), 0);
	memset(sig2, 0xa5, sizeof(sig2));
	CHECK_EQ(dm_mldsa65_sign(sig2, msg, mlen, ctx, 256, sk, 0), -1);
	for (size_t i = 0; i < sizeof(sig2); i++)
		if (sig2[i] != 0xa5) {
			CHECK(!"sig written on failure");
			break;
		}
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 256, pk), -1);

	/* Any single bit flip (sampled over the whole signature) is rejected. */
	int accepted = 0;
	for (size_t bit = 0; bit < 8 * sizeof(sig); bit += 97) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		accepted += dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 255, pk) == 0;
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_EQ(accepted, 0);
	pk2[0] ^= 1;
	CHECK_EQ(dm_mldsa65_verify(sig, sizeof(sig), msg, mlen, ctx, 255, pk2), -1);
}

/* Hint encodings FIPS 204 Algorithm 21 must refuse (pq.md section 6). */
static void test_hints(void)
{
	const struct dm_mldsa_params *p = &dm_mldsa65_params;
	uint8_t mu[DM_MLDSA_MU_BYTES] = {1}, rnd[DM_MLDSA_RND_BYTES] = {0};
	uint8_t *h = sig + p->sig_bytes - (p->omega + p->k);
	unsigned used;

	CHECK_EQ(dm_mldsa_sign_mu(p, sig, mu, rnd, sk, sizeof(sk)), 0);
	CHECK_EQ(dm_mldsa_verify_mu(p, sig, sizeof(sig), mu, pk, sizeof(pk)), 0);
	used = h[p->omega + p->k - 1];
	CHECK(used >= 2 && used < p->omega);

	memcpy(sig2, sig, sizeof(sig));
	sig2[p->sig_bytes - 1] = (uint8_t)(p->omega + 1); /* limit above omega */
	CHECK_EQ(dm_mldsa_verify_mu(p, sig2, sizeof(sig2), mu, pk, sizeof(pk)), DM_ESIG);

	memcpy(sig2, sig, sizeof(sig));
	h = sig2 + p->sig_bytes - (p->omega + p->k);
	h[used] = 1; /* non-zero padding after the last index */
	CHECK_EQ(dm_mldsa_verify_mu(p, sig2, sizeof(sig2), mu, pk, sizeof(pk)), DM_ESIG);

	memcpy(sig2, sig, sizeof(sig));
	h = sig2 + p->sig_bytes - (p->omega + p->k);
	h[p->omega] = (uint8_t)(h[p->omega + 1] + 1); /* limits going backwards */
	if (h[p->omega] <= p->omega)
		CHECK_EQ(dm_mldsa_verify_mu(p, sig2, sizeof(sig2), mu, pk, sizeof(pk)), DM_ESIG);

	/* Two indices in one polynomial, swapped: not strictly increasing. */
	memcpy(sig2, sig, sizeof(sig));
	h = sig2 + p->sig_bytes - (p->omega + p->k);
	for (unsigned i = 0, start = 0; i < p->k; i++) {
		unsigned end = h[p->omega + i];
		if (end - start >= 2) {
			uint8_t t = h[start];
			h[start] = h[start + 1];
			h[start + 1] = t;
			CHECK_EQ(dm_mldsa_verify_mu(p, sig2, sizeof(sig2), mu, pk, sizeof(pk)),
				 DM_ESIG);
			break;
		}
		start = end;
	}
}

static void test_composite(void)
{
	static uint8_t cpk[DM_COMPSIG65_PK_BYTES], csig[DM_COMPSIG65_SIG_BYTES];
	uint8_t csk[DM_COMPSIG65_SK_BYTES], ctx[3] = {'a', 'b', 'c'};
	static const uint8_t msg[] = "hello";
	const struct dm_compsig_alg *a = &dm_compsig_mldsa65_ed25519;

	CHECK_EQ(dm_compsig65_keypair(cpk, csk), 0);
	CHECK_EQ(dm_compsig65_sign(csig, msg, 5, ctx, 3, csk), 0);
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig), msg, 5, ctx, 3, cpk), 0);
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig), msg, 5, ctx, 2, cpk), DM_ESIG);
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig), msg, 4, ctx, 3, cpk), DM_ESIG);
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig) - 1, msg, 5, ctx, 3, cpk), DM_EINVAL);
	/* Neither half passes as a plain signature of the message. */
	CHECK(dm_mldsa65_verify(csig, DM_MLDSA65_SIG_BYTES, msg, 5, ctx, 3, cpk) != 0);
	CHECK(crypto_sign_verify_detached(csig + DM_MLDSA65_SIG_BYTES, msg, 5,
					  cpk + DM_MLDSA65_PK_BYTES) != 0);
	/* Each half is required. */
	csig[DM_COMPSIG65_SIG_BYTES - 1] ^= 0x10;
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig), msg, 5, ctx, 3, cpk), DM_ESIG);
	csig[DM_COMPSIG65_SIG_BYTES - 1] ^= 0x10;
	csig[5] ^= 0x10;
	CHECK_EQ(dm_compsig65_verify(csig, sizeof(csig), msg, 5, ctx, 3, cpk), DM_ESIG);
	csig[5] ^= 0x10;
	/* Deterministic mode repeats; public key derivation matches keypair. */
	{
		static uint8_t s1[DM_COMPSIG65_SIG_BYTES], s2[DM_COMPSIG65_SIG_BYTES];
		static uint8_t pk2[DM_COMPSIG65_PK_BYTES];
		CHECK_EQ(dm_compsig_sign(a, s1, sizeof(s1), msg, 5, NULL, 0, csk, 64, 1), 0);
		CHECK_EQ(dm_compsig_sign(a, s2, sizeof(s2), msg, 5, NULL, 0, csk, 64, 1), 0);
		CHECK_MEM(s1, s2, sizeof(s1));
		CHECK_EQ(dm_compsig_public_key(a, pk2, sizeof(pk2), csk, 64), 0);
		CHECK_MEM(pk2, cpk, sizeof(cpk));
	}
	uint8_t big[256] = {0};
	CHECK_EQ(dm_compsig65_sign(csig, msg, 5, big, 256, csk), DM_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_decompose();
	test_use_hint();
	test_ntt();
	test_pack();
	test_api();
	test_hints();
	test_composite();
	return TEST_DONE("test_mldsa");
}
