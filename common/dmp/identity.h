/*
 * DMP identities (wire.md §2): passphrase -> Argon2id -> X25519 scalar, and
 * the Ed25519 signing key, user id and mailbox label that follow from it.
 *
 * The X25519 private key is kept exactly as Argon2 produced it (unclamped):
 * the Ed25519 seed hashes those raw bytes, so a clamped copy would derive a
 * different signing key than the reference.
 */
#ifndef DM_DMP_IDENTITY_H
#define DM_DMP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define DM_USER_ID_BYTES      32
#define DM_X25519_BYTES	      32
#define DM_ED25519_SEED_BYTES 32
#define DM_HASH12_LEN	      12
#define DM_DEFAULT_SALT	      "DMP-default-v2-argon2id"
#define DM_SALT_MIN_BYTES     8
#define DM_ED25519_DOMAIN     "DMP-v1-Ed25519-signing-key"

/* Argon2id parameters of the reference (wire.md §1.1: two lanes, not one). */
#define DM_ARGON2_T_COST   2
#define DM_ARGON2_M_KIB	   32768
#define DM_ARGON2_LANES	   2
#define DM_ARGON2_HASH_LEN 32

struct dm_identity {
	uint8_t x_priv[32]; /* raw Argon2 output, unclamped: hashed and stored as is */
	uint8_t x_pub[32];
	uint8_t ed_seed[32]; /* SHA256(x_priv || "DMP-v1-Ed25519-signing-key") */
	uint8_t ed_pk[32];
	uint8_t ed_sk[64];   /* libsodium secret key form */
	uint8_t user_id[32]; /* SHA256(x_pub) */
};

/*
 * Derives the identity of UTF-8 `passphrase` (bytes used as given: no Unicode
 * normalisation). salt NULL or salt_len 0 => the default salt;
 * 0 < salt_len < 8 => DM_EINVAL. DM_ENOMEM / DM_ECRYPTO if Argon2 fails.
 * Costs one Argon2id run (32 MiB, ~100 ms). Wipe *ret_id with
 * dm_identity_wipe() when done.
 */
int dm_identity_derive(const char *passphrase, size_t pass_len, const uint8_t *salt,
		       size_t salt_len, struct dm_identity *ret_id)
    __attribute__((warn_unused_result));

/* The identity of a raw (unclamped) X25519 scalar, e.g. a vectors seed. */
int dm_identity_from_x25519(const uint8_t x_priv[DM_X25519_BYTES], struct dm_identity *ret_id)
    __attribute__((warn_unused_result));

/* Zeroes every field of `id`. */
void dm_identity_wipe(struct dm_identity *id);

/* user_id = SHA256(x_pub). */
void dm_user_id_of(const uint8_t x_pub[DM_X25519_BYTES], uint8_t ret_user_id[DM_USER_ID_BYTES]);

/* The mailbox label: hex(SHA256(user_id))[:12] plus a NUL. */
void dm_hash12(const uint8_t user_id[DM_USER_ID_BYTES], char ret[DM_HASH12_LEN + 1]);

/* Operator keys loaded straight from a 32-byte Ed25519 seed (no X25519 step). */
int dm_ed25519_keypair_from_seed(const uint8_t seed[DM_ED25519_SEED_BYTES], uint8_t ret_pk[32],
				 uint8_t ret_sk[64]) __attribute__((warn_unused_result));

#endif
