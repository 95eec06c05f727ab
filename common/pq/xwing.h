/*
 * X-Wing hybrid KEM (ML-KEM-768 + X25519, draft-connolly-cfrg-xwing-kem,
 * seed-based keys as of draft-06). Gives confidentiality to the holder of
 * sk only: it does not authenticate the sender. Results are 0 or -1; outputs
 * are written only on success.
 *
 * sk is a 32-byte seed expanded with SHAKE256 on every use; pk = pk_M || pk_X;
 * ct = ct_M || ct_X; ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\").
 */
#ifndef DM_PQ_XWING_H
#define DM_PQ_XWING_H

#include <stdint.h>

#define DM_XWING_PK_BYTES    1216
#define DM_XWING_SK_BYTES    32
#define DM_XWING_CT_BYTES    1120
#define DM_XWING_SS_BYTES    32
#define DM_XWING_ESEED_BYTES 64 /* ML-KEM m || X25519 ephemeral secret */

/* GenerateKeyPairDerand(sk): the public key of a given 32-byte sk. Always 0. */
int dm_xwing_keypair_from_seed(uint8_t pk[DM_XWING_PK_BYTES], const uint8_t sk[DM_XWING_SK_BYTES]);

/* Fresh random sk (randombytes_buf) and its pk. Always 0. */
int dm_xwing_keypair(uint8_t pk[DM_XWING_PK_BYTES], uint8_t sk[DM_XWING_SK_BYTES]);

/* Encapsulate to pk with fresh randomness; -1 if pk_M fails the FIPS 203 7.2 check. */
int dm_xwing_encaps(uint8_t ct[DM_XWING_CT_BYTES], uint8_t ss[DM_XWING_SS_BYTES],
		    const uint8_t pk[DM_XWING_PK_BYTES]) __attribute__((warn_unused_result));

/* EncapsulateDerand (known-answer tests only); -1 if pk_M fails the 7.2 check. */
int dm_xwing_encaps_derand(uint8_t ct[DM_XWING_CT_BYTES], uint8_t ss[DM_XWING_SS_BYTES],
			   const uint8_t pk[DM_XWING_PK_BYTES],
			   const uint8_t eseed[DM_XWING_ESEED_BYTES])
    __attribute__((warn_unused_result));

/*
 * Decapsulate. Never fails on a ciphertext of the right size: a forged ct_M
 * gives ML-KEM's implicit-rejection secret, so the caller notices only when
 * the AEAD keyed with ss fails. Always 0.
 */
int dm_xwing_decaps(uint8_t ss[DM_XWING_SS_BYTES], const uint8_t ct[DM_XWING_CT_BYTES],
		    const uint8_t sk[DM_XWING_SK_BYTES]);

#endif
