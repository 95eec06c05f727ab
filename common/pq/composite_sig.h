/*
 * Composite ML-DSA + Ed25519 signatures (draft-ietf-lamps-pq-composite-sigs,
 * id-MLDSA65-Ed25519-SHA512; the ML-DSA-44 variant for the draft's vectors).
 *
 *   M'  = Prefix || Label || byte(|ctx|) || ctx || SHA-512(M)
 *   sig = ML-DSA.Sign(mldsa_sk, M', ctx = Label) || Ed25519.Sign(ed_sk, M')
 *   pk  = ML-DSA pk || Ed25519 pk;  sk = ML-DSA seed (32) || Ed25519 seed (32)
 *
 * A signature verifies only if both components do; the Prefix/Label binding
 * keeps either half from passing as a standalone signature (pq.md 5).
 * Functions return 0 on success, DM_EINVAL on bad lengths or ctx > 255,
 * DM_ESIG if a signature does not verify; outputs only on success.
 */
#ifndef DM_PQ_COMPOSITE_SIG_H
#define DM_PQ_COMPOSITE_SIG_H

#include <stddef.h>
#include <stdint.h>

#define DM_COMPSIG65_PK_BYTES  1984 /* 1952 + 32 */
#define DM_COMPSIG65_SK_BYTES  64
#define DM_COMPSIG65_SIG_BYTES 3373 /* 3309 + 64 */
#define DM_COMPSIG_CTX_MAX     255

struct dm_compsig_alg;
extern const struct dm_compsig_alg dm_compsig_mldsa65_ed25519; /* OID 1.3.6.1.5.5.7.6.48 */
extern const struct dm_compsig_alg dm_compsig_mldsa44_ed25519; /* OID 1.3.6.1.5.5.7.6.39 */

/* Sizes of a variant. */
size_t dm_compsig_pk_bytes(const struct dm_compsig_alg *a);
size_t dm_compsig_sig_bytes(const struct dm_compsig_alg *a);

/* Fresh random private key (both seeds) and its public key. */
int dm_compsig_keypair(const struct dm_compsig_alg *a, uint8_t *pk, size_t pklen,
		       uint8_t sk[DM_COMPSIG65_SK_BYTES]) __attribute__((warn_unused_result));
/* Public key of a 64-byte private key. */
int dm_compsig_public_key(const struct dm_compsig_alg *a, uint8_t *pk, size_t pklen,
			  const uint8_t *sk, size_t sklen) __attribute__((warn_unused_result));
/* Signs with hedged ML-DSA (rnd from randombytes_buf) unless `deterministic`. */
int dm_compsig_sign(const struct dm_compsig_alg *a, uint8_t *sig, size_t siglen, const uint8_t *msg,
		    size_t len, const uint8_t *ctx, size_t ctxlen, const uint8_t *sk, size_t sklen,
		    int deterministic) __attribute__((warn_unused_result));
int dm_compsig_verify(const struct dm_compsig_alg *a, const uint8_t *sig, size_t siglen,
		      const uint8_t *msg, size_t len, const uint8_t *ctx, size_t ctxlen,
		      const uint8_t *pk, size_t pklen) __attribute__((warn_unused_result));

/* Fixed-size id-MLDSA65-Ed25519-SHA512 forms of the above. */
int dm_compsig65_keypair(uint8_t pk[DM_COMPSIG65_PK_BYTES], uint8_t sk[DM_COMPSIG65_SK_BYTES])
    __attribute__((warn_unused_result));
int dm_compsig65_sign(uint8_t sig[DM_COMPSIG65_SIG_BYTES], const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t sk[DM_COMPSIG65_SK_BYTES])
    __attribute__((warn_unused_result));
int dm_compsig65_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t len,
			const uint8_t *ctx, size_t ctxlen, const uint8_t pk[DM_COMPSIG65_PK_BYTES])
    __attribute__((warn_unused_result));

#endif
