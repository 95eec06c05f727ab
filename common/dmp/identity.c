#include "common/dmp/identity.h"

#include <argon2.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/err.h"

int dm_identity_from_x25519(const uint8_t x_priv[DM_X25519_BYTES], struct dm_identity *ret_id)
{
	struct dm_identity id;
	crypto_hash_sha256_state h;
	int r = DM_ECRYPTO;

	memcpy(id.x_priv, x_priv, sizeof(id.x_priv));
	/* libsodium clamps a copy internally; id.x_priv stays raw. */
	if (crypto_scalarmult_base(id.x_pub, id.x_priv) != 0)
		goto out;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, id.x_priv, sizeof(id.x_priv));
	crypto_hash_sha256_update(&h, (const uint8_t *)DM_ED25519_DOMAIN,
				  sizeof(DM_ED25519_DOMAIN) - 1);
	crypto_hash_sha256_final(&h, id.ed_seed);
	if (crypto_sign_seed_keypair(id.ed_pk, id.ed_sk, id.ed_seed) != 0)
		goto out;
	dm_user_id_of(id.x_pub, id.user_id);
	memcpy(ret_id, &id, sizeof(id));
	r = 0;
out:
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(&id, sizeof(id));
	return r;
}

int dm_identity_derive(const char *passphrase, size_t pass_len, const uint8_t *salt,
		       size_t salt_len, struct dm_identity *ret_id)
{
	uint8_t x_priv[DM_X25519_BYTES];
	static const char empty[1];
	int r;

	if (salt == NULL || salt_len == 0) {
		salt = (const uint8_t *)DM_DEFAULT_SALT;
		salt_len = sizeof(DM_DEFAULT_SALT) - 1;
	}
	if (salt_len < DM_SALT_MIN_BYTES || salt_len > UINT32_MAX || pass_len > UINT32_MAX)
		return DM_EINVAL;
	if (passphrase == NULL) {
		if (pass_len != 0)
			return DM_EINVAL;
		passphrase = empty;
	}
	r = argon2id_hash_raw(DM_ARGON2_T_COST, DM_ARGON2_M_KIB, DM_ARGON2_LANES, passphrase,
			      pass_len, salt, salt_len, x_priv, sizeof(x_priv));
	if (r != ARGON2_OK) {
		sodium_memzero(x_priv, sizeof(x_priv));
		return r == ARGON2_MEMORY_ALLOCATION_ERROR ? DM_ENOMEM : DM_ECRYPTO;
	}
	r = dm_identity_from_x25519(x_priv, ret_id);
	sodium_memzero(x_priv, sizeof(x_priv));
	return r;
}

void dm_identity_wipe(struct dm_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

void dm_user_id_of(const uint8_t x_pub[DM_X25519_BYTES], uint8_t ret_user_id[DM_USER_ID_BYTES])
{
	crypto_hash_sha256(ret_user_id, x_pub, DM_X25519_BYTES);
}

void dm_hash12(const uint8_t user_id[DM_USER_ID_BYTES], char ret[DM_HASH12_LEN + 1])
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(digest, user_id, DM_USER_ID_BYTES);
	dm_hex_encode(digest, sizeof(digest), hex);
	memcpy(ret, hex, DM_HASH12_LEN);
	ret[DM_HASH12_LEN] = '\0';
}

int dm_ed25519_keypair_from_seed(const uint8_t seed[DM_ED25519_SEED_BYTES], uint8_t ret_pk[32],
				 uint8_t ret_sk[64])
{
	uint8_t pk[32], sk[64];

	if (crypto_sign_seed_keypair(pk, sk, seed) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return DM_ECRYPTO;
	}
	memcpy(ret_pk, pk, sizeof(pk));
	memcpy(ret_sk, sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	return 0;
}
