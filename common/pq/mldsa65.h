/*
 * ML-DSA-65 (FIPS 204), libsodium-style: fixed-size keys and signatures,
 * the pure external interface with a context string (at most 255 bytes).
 * Keep private keys as the 32-byte seed and expand with
 * dm_mldsa65_keypair_from_seed() when signing (pq.md section 6).
 *
 * Every function returns 0 on success or -1 on failure; outputs are written
 * only on success. Internal and pre-hash interfaces: common/pq/mldsa.h.
 */
#ifndef DM_PQ_MLDSA65_H
#define DM_PQ_MLDSA65_H

#include <stddef.h>
#include <stdint.h>

#define DM_MLDSA65_PK_BYTES   1952
#define DM_MLDSA65_SK_BYTES   4032
#define DM_MLDSA65_SIG_BYTES  3309
#define DM_MLDSA65_SEED_BYTES 32

/* KeyGen from the seed xi: public key and expanded private key. */
int dm_mldsa65_keypair_from_seed(uint8_t pk[DM_MLDSA65_PK_BYTES], uint8_t sk[DM_MLDSA65_SK_BYTES],
				 const uint8_t seed[DM_MLDSA65_SEED_BYTES]);
/* KeyGen from a fresh random seed, which is also returned (the form to store). */
int dm_mldsa65_keypair(uint8_t pk[DM_MLDSA65_PK_BYTES], uint8_t sk[DM_MLDSA65_SK_BYTES],
		       uint8_t seed[DM_MLDSA65_SEED_BYTES]);

/*
 * ML-DSA.Sign(sk, msg, ctx): hedged with 32 bytes from randombytes_buf(),
 * or with rnd = 0 when `deterministic` is non-zero. Fails if ctxlen > 255.
 */
int dm_mldsa65_sign(uint8_t sig[DM_MLDSA65_SIG_BYTES], const uint8_t *msg, size_t len,
		    const uint8_t *ctx, size_t ctxlen, const uint8_t sk[DM_MLDSA65_SK_BYTES],
		    int deterministic) __attribute__((warn_unused_result));

/* ML-DSA.Verify: 0 only for a valid signature of exactly DM_MLDSA65_SIG_BYTES. */
int dm_mldsa65_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t pk[DM_MLDSA65_PK_BYTES])
    __attribute__((warn_unused_result));

#endif
