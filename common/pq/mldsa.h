/*
 * ML-DSA (FIPS 204), parameter-generic interface: ML-DSA-44 and ML-DSA-65.
 *
 * Applications use common/pq/mldsa65.h. This header exposes what the
 * known-answer tests and the composite signature need: the internal
 * interfaces (Sign_internal / Verify_internal on M', and the "external mu"
 * forms), HashML-DSA on a caller-computed digest, and length-checked entry
 * points for byte strings of unknown length.
 *
 * All functions return 0 on success, DM_EINVAL for bad lengths, a context
 * over 255 bytes or an unknown pre-hash, DM_ESIG when a signature does not
 * verify, DM_ECRYPTO if signing ran out of mask nonces (about 13000
 * rejected iterations; never seen in practice). Outputs are written only on
 * success. Nothing here allocates.
 */
#ifndef DM_PQ_MLDSA_H
#define DM_PQ_MLDSA_H

#include <stddef.h>
#include <stdint.h>

#define DM_MLDSA_SEED_BYTES 32 /* xi */
#define DM_MLDSA_RND_BYTES  32
#define DM_MLDSA_MU_BYTES   64
#define DM_MLDSA_TR_BYTES   64
#define DM_MLDSA_CTX_MAX    255

struct dm_mldsa_params {
	const char *name; /* "ML-DSA-44", "ML-DSA-65" */
	unsigned k, l, eta, tau, omega;
	int32_t beta, gamma1, gamma2;
	unsigned ctilde_bytes; /* lambda / 4 */
	unsigned z_bits, w1_bits, eta_bits;
	size_t pk_bytes, sk_bytes, sig_bytes;
};

extern const struct dm_mldsa_params dm_mldsa44_params;
extern const struct dm_mldsa_params dm_mldsa65_params;

/* The pre-hash functions HashML-DSA allows (FIPS 204 section 5.4). */
enum dm_mldsa_ph {
	DM_MLDSA_PH_SHA2_224,
	DM_MLDSA_PH_SHA2_256,
	DM_MLDSA_PH_SHA2_384,
	DM_MLDSA_PH_SHA2_512,
	DM_MLDSA_PH_SHA2_512_224,
	DM_MLDSA_PH_SHA2_512_256,
	DM_MLDSA_PH_SHA3_224,
	DM_MLDSA_PH_SHA3_256,
	DM_MLDSA_PH_SHA3_384,
	DM_MLDSA_PH_SHA3_512,
	DM_MLDSA_PH_SHAKE128, /* 32-byte output */
	DM_MLDSA_PH_SHAKE256, /* 64-byte output */
};

/* Looks up a parameter set by its FIPS name ("ML-DSA-65"); NULL if unknown. */
const struct dm_mldsa_params *dm_mldsa_params_by_name(const char *name);
/* Digest length of `ph` in bytes, or 0 if `ph` is not a known value. */
size_t dm_mldsa_ph_digest_bytes(enum dm_mldsa_ph ph);

/* KeyGen_internal(xi): `pk` gets p->pk_bytes, `sk` the expanded p->sk_bytes. */
int dm_mldsa_keygen(const struct dm_mldsa_params *p, uint8_t *pk, uint8_t *sk, const uint8_t *seed,
		    size_t seedlen) __attribute__((warn_unused_result));

/*
 * mu for the pure external interface: SHAKE256(SHAKE256(pk, 64) || 0x00 ||
 * byte(ctxlen) || ctx || msg, 64).
 */
int dm_mldsa_external_mu(const struct dm_mldsa_params *p, uint8_t mu[DM_MLDSA_MU_BYTES],
			 const uint8_t *pk, size_t pklen, const uint8_t *msg, size_t len,
			 const uint8_t *ctx, size_t ctxlen) __attribute__((warn_unused_result));

/*
 * Signing. `rnd` is the 32-byte hedge (all zero = deterministic variant);
 * `sig` gets p->sig_bytes. _mu starts from a caller-computed mu (ACVP
 * externalMu); _internal signs M' as given; _ext is ML-DSA.Sign; _prehash
 * is HashML-DSA.Sign on a digest of the message computed by the caller.
 */
int dm_mldsa_sign_mu(const struct dm_mldsa_params *p, uint8_t *sig,
		     const uint8_t mu[DM_MLDSA_MU_BYTES], const uint8_t rnd[DM_MLDSA_RND_BYTES],
		     const uint8_t *sk, size_t sklen) __attribute__((warn_unused_result));
int dm_mldsa_sign_internal(const struct dm_mldsa_params *p, uint8_t *sig, const uint8_t *mprime,
			   size_t mplen, const uint8_t rnd[DM_MLDSA_RND_BYTES], const uint8_t *sk,
			   size_t sklen) __attribute__((warn_unused_result));
int dm_mldsa_sign_ext(const struct dm_mldsa_params *p, uint8_t *sig, const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t rnd[DM_MLDSA_RND_BYTES],
		      const uint8_t *sk, size_t sklen) __attribute__((warn_unused_result));
int dm_mldsa_sign_prehash(const struct dm_mldsa_params *p, uint8_t *sig, enum dm_mldsa_ph ph,
			  const uint8_t *digest, size_t dlen, const uint8_t *ctx, size_t ctxlen,
			  const uint8_t rnd[DM_MLDSA_RND_BYTES], const uint8_t *sk, size_t sklen)
    __attribute__((warn_unused_result));

/* Verification counterparts; any length mismatch is DM_EINVAL, never a crash. */
int dm_mldsa_verify_mu(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
		       const uint8_t mu[DM_MLDSA_MU_BYTES], const uint8_t *pk, size_t pklen)
    __attribute__((warn_unused_result));
int dm_mldsa_verify_internal(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			     const uint8_t *mprime, size_t mplen, const uint8_t *pk, size_t pklen)
    __attribute__((warn_unused_result));
int dm_mldsa_verify_ext(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			const uint8_t *msg, size_t len, const uint8_t *ctx, size_t ctxlen,
			const uint8_t *pk, size_t pklen) __attribute__((warn_unused_result));
int dm_mldsa_verify_prehash(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			    enum dm_mldsa_ph ph, const uint8_t *digest, size_t dlen,
			    const uint8_t *ctx, size_t ctxlen, const uint8_t *pk, size_t pklen)
    __attribute__((warn_unused_result));

#endif
