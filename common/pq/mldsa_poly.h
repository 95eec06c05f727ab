/*
 * ML-DSA (FIPS 204) polynomial layer, internal to common/pq/mldsa_*.c:
 * arithmetic mod q, the NTT, rounding (Power2Round, Decompose, hints),
 * sampling from SHAKE, and bit packing. Not a public API.
 *
 * Coefficient ranges are part of each contract because the code reduces
 * lazily; "|a| < q" means a centered representative bounded by q.
 */
#ifndef DM_PQ_MLDSA_POLY_H
#define DM_PQ_MLDSA_POLY_H

#include <stddef.h>
#include <stdint.h>

#define DM_MLDSA_N    256
#define DM_MLDSA_Q    8380417
#define DM_MLDSA_D    13
#define DM_MLDSA_KMAX 6 /* largest k and l supported: ML-DSA-65 */
#define DM_MLDSA_LMAX 5

struct dm_mldsa_poly {
	int32_t c[DM_MLDSA_N];
};

/* Montgomery reduction: a * 2^-32 mod q, |result| < q, for |a| < q * 2^31. */
int32_t dm_mldsa_montred(int64_t a);
/* a mod q in about [-6283009, 6283008], for a <= 2^31 - 2^22 - 1. */
int32_t dm_mldsa_reduce32(int32_t a);
/* Adds q if a is negative. */
int32_t dm_mldsa_caddq(int32_t a);

/* Forward NTT in place; input |a| < q, output |a| < 9q (natural domain). */
void dm_mldsa_poly_ntt(struct dm_mldsa_poly *a);
/*
 * Inverse NTT in place, multiplied by 2^32 so that it undoes the 2^-32 of a
 * preceding Montgomery pointwise product. Input |a| < q, output |a| < q.
 */
void dm_mldsa_poly_invntt_tomont(struct dm_mldsa_poly *a);
/* r = a o b * 2^-32 coefficient-wise (Montgomery); |result| < q. */
void dm_mldsa_poly_pointwise(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *a,
			     const struct dm_mldsa_poly *b);
/* Applies dm_mldsa_reduce32 to every coefficient. */
void dm_mldsa_poly_reduce(struct dm_mldsa_poly *a);
/* Maps every coefficient with |a| < 2^31 - 2^22 to [0, q). */
void dm_mldsa_poly_freeze(struct dm_mldsa_poly *a);
/*
 * 1 if some coefficient has |a| >= bound (a centered, |a| < 2^31), else 0.
 * Branch-free: the signer calls it on values from rejected iterations.
 */
int dm_mldsa_poly_exceeds(const struct dm_mldsa_poly *a, int32_t bound);

/*
 * r = c * t in Z[X]/(X^256 + 1) for a challenge c (coefficients -1, 0, 1)
 * by shifted additions: cheaper than two NTTs when c is this sparse. Branches
 * on c, so only for public c (verification). Needs tau * max|t| < 2^31.
 */
void dm_mldsa_poly_sparse_mul(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *c,
			      const struct dm_mldsa_poly *t);

/* Power2Round for a in [0, q): returns r1, stores r0 in (-2^12, 2^12]. */
int32_t dm_mldsa_power2round(int32_t *ret_r0, int32_t a);
/*
 * Decompose for a in [0, q) and gamma2 in {(q-1)/88, (q-1)/32}: returns r1,
 * stores r0 (FIPS 204 Algorithm 36, with its q-1 corner case). Branch-free.
 */
int32_t dm_mldsa_decompose(int32_t *ret_r0, int32_t a, int32_t gamma2);
/* UseHint (Algorithm 40) for a in [0, q). */
int32_t dm_mldsa_use_hint(int32_t a, unsigned hint, int32_t gamma2);

/* Four RejNTTPoly at once; entry j uses seed bytes (sr[j][0], sr[j][1]). */
void dm_mldsa_poly_uniform_x4(struct dm_mldsa_poly *const a[4], const uint8_t rho[32],
			      const uint8_t sr[4][2]);
/* RejBoundedPoly(rho' || nonce): coefficients in [-eta, eta], eta 2 or 4. */
void dm_mldsa_poly_uniform_eta(struct dm_mldsa_poly *a, const uint8_t rhop[64], uint16_t nonce,
			       int eta);
/* Four ExpandMask entries at once, with nonces nonce[0..3]. */
void dm_mldsa_poly_uniform_gamma1_x4(struct dm_mldsa_poly *const a[4], const uint8_t rhopp[64],
				     const uint16_t nonce[4], int32_t gamma1);
/*
 * SampleInBall: tau coefficients +-1, the rest 0, from the whole c tilde.
 * With `secret` set (signing, where rejected iterations' c must not leak)
 * the swaps use masks instead of indexing by the sampled position.
 */
void dm_mldsa_poly_challenge(struct dm_mldsa_poly *c, const uint8_t *ctilde, size_t len, int tau,
			     int secret);

/* Packs 256 coefficients of `bits` bits, each stored as (off - a[i]) if neg else a[i]. */
void dm_mldsa_poly_pack(uint8_t *out, const struct dm_mldsa_poly *a, unsigned bits, int32_t off,
			int neg);
/* Inverse of dm_mldsa_poly_pack; reads exactly 32 * bits bytes. */
void dm_mldsa_poly_unpack(struct dm_mldsa_poly *a, const uint8_t *in, unsigned bits, int32_t off,
			  int neg);

#endif
