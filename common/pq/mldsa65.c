/* ML-DSA-65 public API: thin wrappers over the parameter-generic core. */
#include "common/pq/mldsa65.h"

#include <string.h>

#include <sodium.h>

#include "common/pq/mldsa.h"

int dm_mldsa65_keypair_from_seed(uint8_t pk[DM_MLDSA65_PK_BYTES], uint8_t sk[DM_MLDSA65_SK_BYTES],
				 const uint8_t seed[DM_MLDSA65_SEED_BYTES])
{
	return dm_mldsa_keygen(&dm_mldsa65_params, pk, sk, seed, DM_MLDSA65_SEED_BYTES) == 0 ? 0
											     : -1;
}

int dm_mldsa65_keypair(uint8_t pk[DM_MLDSA65_PK_BYTES], uint8_t sk[DM_MLDSA65_SK_BYTES],
		       uint8_t seed[DM_MLDSA65_SEED_BYTES])
{
	uint8_t xi[DM_MLDSA65_SEED_BYTES];
	int r;

	randombytes_buf(xi, sizeof(xi));
	r = dm_mldsa65_keypair_from_seed(pk, sk, xi);
	if (r == 0)
		memcpy(seed, xi, sizeof(xi));
	sodium_memzero(xi, sizeof(xi));
	return r;
}

int dm_mldsa65_sign(uint8_t sig[DM_MLDSA65_SIG_BYTES], const uint8_t *msg, size_t len,
		    const uint8_t *ctx, size_t ctxlen, const uint8_t sk[DM_MLDSA65_SK_BYTES],
		    int deterministic)
{
	uint8_t rnd[DM_MLDSA_RND_BYTES] = {0};
	int r;

	if (!deterministic)
		randombytes_buf(rnd, sizeof(rnd));
	r = dm_mldsa_sign_ext(&dm_mldsa65_params, sig, msg, len, ctx, ctxlen, rnd, sk,
			      DM_MLDSA65_SK_BYTES);
	sodium_memzero(rnd, sizeof(rnd));
	return r == 0 ? 0 : -1;
}

int dm_mldsa65_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t pk[DM_MLDSA65_PK_BYTES])
{
	return dm_mldsa_verify_ext(&dm_mldsa65_params, sig, siglen, msg, len, ctx, ctxlen, pk,
				   DM_MLDSA65_PK_BYTES) == 0
		   ? 0
		   : -1;
}
