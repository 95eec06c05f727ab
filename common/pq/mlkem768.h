/*
 * ML-KEM-768 (FIPS 203): key generation from seeds, encapsulation and
 * decapsulation with implicit rejection, and the section 7.2 / 7.3 input
 * checks. libsodium-style results: 0 on success, -1 on refused input; outputs
 * are written only on success. Secret-dependent work is constant time.
 *
 * Keys: ek (public) is 1184 bytes; dk (expanded private key) is 2400 bytes;
 * the compact private form is the 64-byte seed d || z, from which
 * dm_mlkem768_seed_keypair() rebuilds both. Prefer storing the seed.
 */
#ifndef DM_PQ_MLKEM768_H
#define DM_PQ_MLKEM768_H

#include <stddef.h>
#include <stdint.h>

#define DM_MLKEM768_EK_BYTES   1184
#define DM_MLKEM768_DK_BYTES   2400
#define DM_MLKEM768_CT_BYTES   1088
#define DM_MLKEM768_SS_BYTES   32
#define DM_MLKEM768_SEED_BYTES 64 /* d || z */
#define DM_MLKEM768_M_BYTES    32 /* encapsulation randomness */

/* KeyGen_internal(d, z): deterministic key pair. Always 0. */
int dm_mlkem768_keypair_from_seed(uint8_t ek[DM_MLKEM768_EK_BYTES],
				  uint8_t dk[DM_MLKEM768_DK_BYTES], const uint8_t d[32],
				  const uint8_t z[32]);

/* Key pair from the 64-byte seed form d || z; -1 unless seed_len is exactly 64. */
int dm_mlkem768_seed_keypair(uint8_t ek[DM_MLKEM768_EK_BYTES], uint8_t dk[DM_MLKEM768_DK_BYTES],
			     const uint8_t *seed, size_t seed_len)
    __attribute__((warn_unused_result));

/* Fresh random key pair (randombytes_buf); writes the seed form too if `seed` is not NULL. */
int dm_mlkem768_keypair(uint8_t ek[DM_MLKEM768_EK_BYTES], uint8_t dk[DM_MLKEM768_DK_BYTES],
			uint8_t seed[DM_MLKEM768_SEED_BYTES]);

/* FIPS 203 7.2: 0 if `ek` is 1184 bytes and every 12-bit coefficient is < q, else -1. */
int dm_mlkem768_ek_check(const uint8_t *ek, size_t ek_len) __attribute__((warn_unused_result));

/* FIPS 203 7.3: 0 if `dk` is 2400 bytes and its stored H(ek) matches its ek, else -1. */
int dm_mlkem768_dk_check(const uint8_t *dk, size_t dk_len) __attribute__((warn_unused_result));

/* Encaps with fresh randomness; -1 if `ek` fails the 7.2 check. */
int dm_mlkem768_encaps(uint8_t ct[DM_MLKEM768_CT_BYTES], uint8_t ss[DM_MLKEM768_SS_BYTES],
		       const uint8_t ek[DM_MLKEM768_EK_BYTES]) __attribute__((warn_unused_result));

/* Encaps with caller-chosen m (known-answer tests only); -1 if `ek` fails the 7.2 check. */
int dm_mlkem768_encaps_derand(uint8_t ct[DM_MLKEM768_CT_BYTES], uint8_t ss[DM_MLKEM768_SS_BYTES],
			      const uint8_t ek[DM_MLKEM768_EK_BYTES],
			      const uint8_t m[DM_MLKEM768_M_BYTES])
    __attribute__((warn_unused_result));

/*
 * Decaps; -1 only if `dk` fails the 7.3 check. A well-formed but wrong
 * ciphertext is not an error: it yields the pseudorandom J(z || ct).
 */
int dm_mlkem768_decaps(uint8_t ss[DM_MLKEM768_SS_BYTES], const uint8_t ct[DM_MLKEM768_CT_BYTES],
		       const uint8_t dk[DM_MLKEM768_DK_BYTES]) __attribute__((warn_unused_result));

/* Decaps on buffers of untrusted length: -1 on a wrong ct or dk length or a failed 7.3 check. */
int dm_mlkem768_decaps_checked(uint8_t ss[DM_MLKEM768_SS_BYTES], const uint8_t *ct, size_t ct_len,
			       const uint8_t *dk, size_t dk_len)
    __attribute__((warn_unused_result));

#endif
