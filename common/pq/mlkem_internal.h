/*
 * ML-KEM (FIPS 203) internals shared by mlkem_ntt.c, mlkem_poly.c, mlkem_kpke.c
 * and mlkem768.c: polynomial arithmetic mod q = 3329, K-PKE, and the
 * parameter-generic KEM algorithms. Not a public API: applications use
 * mlkem768.h. The generic entry points exist so the ACVP ML-KEM-512 vectors
 * exercise the same code as ML-KEM-768.
 *
 * Coefficients are kept fully reduced in [0, q) as uint16_t; every routine
 * that touches secret data is branch-free and table-index-free.
 */
#ifndef DM_PQ_MLKEM_INTERNAL_H
#define DM_PQ_MLKEM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define DM_MLKEM_N    256
#define DM_MLKEM_Q    3329
#define DM_MLKEM_KMAX 3 /* largest supported k (ML-KEM-768) */

/* ByteEncode12 of one polynomial. */
#define DM_MLKEM_POLY_BYTES 384
#define DM_MLKEM_SYM_BYTES  32

struct dm_mlkem_poly {
	uint16_t c[DM_MLKEM_N];
};

struct dm_mlkem_params {
	unsigned k;
	unsigned eta1;
	unsigned eta2;
	unsigned du;
	unsigned dv;
	size_t ek_bytes; /* 384k + 32 */
	size_t dk_bytes; /* 768k + 96 */
	size_t ct_bytes; /* 32 (du k + dv) */
};

extern const struct dm_mlkem_params dm_mlkem512_params;
extern const struct dm_mlkem_params dm_mlkem768_params;

/* Largest sizes over the supported parameter sets, for stack buffers. */
#define DM_MLKEM_EK_MAX (DM_MLKEM_POLY_BYTES * DM_MLKEM_KMAX + 32)
#define DM_MLKEM_CT_MAX (32 * (10 * DM_MLKEM_KMAX + 4))

/* Barrett constant floor(2^32 / q): x * M >> 32 is floor(x / q) or one less, for x < 2^32. */
#define DM_MLKEM_BARRETT_M 1290167u

/* Subtracts q from a value in [0, 2q) if it is >= q, without branching. */
static inline uint16_t dm_mlkem_csubq(uint32_t a)
{
	uint32_t d = a - DM_MLKEM_Q;
	d += DM_MLKEM_Q & (0u - (d >> 31));
	return (uint16_t)d;
}

/* x mod q for any x < 2^32, constant time (multiply and shift, never a divide). */
static inline uint16_t dm_mlkem_reduce(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * DM_MLKEM_BARRETT_M) >> 32);
	return dm_mlkem_csubq(x - t * DM_MLKEM_Q);
}

/* mlkem_ntt.c */
/* In-place NTT (FIPS 203 Algorithm 9); input and output in [0, q). */
void dm_mlkem_ntt(struct dm_mlkem_poly *f);
/* In-place inverse NTT including the 128^-1 scaling (Algorithm 10). */
void dm_mlkem_invntt(struct dm_mlkem_poly *f);
/* r = sum over j < k of a[j] x b[j] in the NTT domain (Algorithms 11 and 12). */
void dm_mlkem_basemul_acc(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a,
			  const struct dm_mlkem_poly *b, unsigned k);

/* mlkem_poly.c */
void dm_mlkem_poly_add(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a);
void dm_mlkem_poly_sub(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a);
/* ByteEncode12. */
void dm_mlkem_poly_tobytes(uint8_t r[DM_MLKEM_POLY_BYTES], const struct dm_mlkem_poly *a);
/* ByteDecode12 with the reduction mod q that FIPS 203 applies (constant time). */
void dm_mlkem_poly_frombytes(struct dm_mlkem_poly *r, const uint8_t a[DM_MLKEM_POLY_BYTES]);
/* 0 if all 12-bit values in `a` (len a multiple of 3) are < q, else -1 (modulus check). */
int dm_mlkem_bytes12_reduced(const uint8_t *a, size_t len);
/* ByteEncode_d(Compress_d(a)) into 32 d bytes; d in 1..11. */
void dm_mlkem_poly_compress(uint8_t *r, const struct dm_mlkem_poly *a, unsigned d);
/* Decompress_d(ByteDecode_d(a)) from 32 d bytes; d in 1..11. */
void dm_mlkem_poly_decompress(struct dm_mlkem_poly *r, const uint8_t *a, unsigned d);
/* r = CBD_eta(PRF_eta(seed, nonce)), eta in {2, 3} (Algorithm 8 with SHAKE256). */
void dm_mlkem_poly_noise(struct dm_mlkem_poly *r, const uint8_t seed[DM_MLKEM_SYM_BYTES],
			 uint8_t nonce, unsigned eta);
/* r[j] = CBD_eta[j](PRF(seed, nonce0 + j)) for j < n <= 4, four SHAKE256 instances at once. */
void dm_mlkem_poly_noise_x4(struct dm_mlkem_poly *const r[], const unsigned eta[], unsigned n,
			    const uint8_t seed[DM_MLKEM_SYM_BYTES], uint8_t nonce0);
/* r = SampleNTT(rho || x || y) (Algorithm 7); public data, so it may branch. */
void dm_mlkem_poly_sample_ntt(struct dm_mlkem_poly *r, const uint8_t rho[DM_MLKEM_SYM_BYTES],
			      uint8_t x, uint8_t y);
/* r[j] = SampleNTT(rho || idx[j][0] || idx[j][1]) for j < n <= 4, four SHAKE128 at once. */
void dm_mlkem_poly_sample_ntt_x4(struct dm_mlkem_poly *const r[], const uint8_t idx[][2],
				 unsigned n, const uint8_t rho[DM_MLKEM_SYM_BYTES]);

/* mlkem_kpke.c: K-PKE (Algorithms 13-15); sizes follow `p`. */
/* ek = ByteEncode12(t hat) || rho; dk_pke = ByteEncode12(s hat). */
void dm_kpke_keygen(const struct dm_mlkem_params *p, uint8_t *ek, uint8_t *dk_pke,
		    const uint8_t d[DM_MLKEM_SYM_BYTES]);
/* ct = K-PKE.Encrypt(ek, m, r). */
void dm_kpke_encrypt(const struct dm_mlkem_params *p, uint8_t *ct, const uint8_t *ek,
		     const uint8_t m[DM_MLKEM_SYM_BYTES], const uint8_t r[DM_MLKEM_SYM_BYTES]);
/* m = K-PKE.Decrypt(dk_pke, ct). */
void dm_kpke_decrypt(const struct dm_mlkem_params *p, uint8_t m[DM_MLKEM_SYM_BYTES],
		     const uint8_t *dk_pke, const uint8_t *ct);

/* mlkem768.c: ML-KEM algorithms for any supported parameter set. */
/* KeyGen_internal(d, z) (Algorithm 16). */
void dm_mlkem_keygen_internal(const struct dm_mlkem_params *p, uint8_t *ek, uint8_t *dk,
			      const uint8_t d[DM_MLKEM_SYM_BYTES],
			      const uint8_t z[DM_MLKEM_SYM_BYTES]);
/* Encaps_internal(ek, m) (Algorithm 17); no input check. */
void dm_mlkem_encaps_internal(const struct dm_mlkem_params *p, uint8_t *ct, uint8_t ss[32],
			      const uint8_t *ek, const uint8_t m[DM_MLKEM_SYM_BYTES]);
/* Decaps_internal(dk, c) (Algorithm 18) with implicit rejection; no input check. */
void dm_mlkem_decaps_internal(const struct dm_mlkem_params *p, uint8_t ss[32], const uint8_t *ct,
			      const uint8_t *dk);
/* FIPS 203 section 7.2 check on an encapsulation key: 0 or -1. */
int dm_mlkem_ek_check(const struct dm_mlkem_params *p, const uint8_t *ek, size_t ek_len)
    __attribute__((warn_unused_result));
/* FIPS 203 section 7.3 check on a decapsulation key (length, hash of the ek part): 0 or -1. */
int dm_mlkem_dk_check(const struct dm_mlkem_params *p, const uint8_t *dk, size_t dk_len)
    __attribute__((warn_unused_result));

#endif
