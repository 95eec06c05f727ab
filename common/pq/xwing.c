/*
 * X-Wing (draft-connolly-cfrg-xwing-kem): ML-KEM-768 and X25519 joined by a
 * SHA3-256 combiner that skips the ML-KEM ciphertext and key (sound only
 * because ML-KEM's FO transform already binds them).
 */
#include "common/pq/xwing.h"
#include "common/pq/mlkem768.h"
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"

#include <sodium.h>
#include <string.h>

#define XWING_LABEL_BYTES 6
static const uint8_t xwing_label[XWING_LABEL_BYTES] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

struct xwing_expanded {
	uint8_t pk[DM_XWING_PK_BYTES];	    /* pk_M || pk_X */
	uint8_t dk_m[DM_MLKEM768_DK_BYTES]; /* ML-KEM expanded private key */
	uint8_t sk_x[32];
};

/*
 * X25519 exactly as RFC 7748 defines it. libsodium refuses (-1) when the
 * result would be all zero, i.e. for a low-order u; X-Wing has no such check
 * (ML-KEM alone keeps the hybrid secure), so that case is the zero string.
 * Whether u is low order depends only on public data.
 */
static void x25519(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
	if (crypto_scalarmult(out, k, u) != 0)
		memset(out, 0, 32);
}

/* X25519(k, 9) through libsodium's faster fixed-base path; same refusal rule. */
static void x25519_base(uint8_t out[32], const uint8_t k[32])
{
	if (crypto_scalarmult_base(out, k) != 0)
		memset(out, 0, 32);
}

/* expandDecapsulationKey: (d, z, sk_X) = SHAKE256(sk, 96). */
static void expand(struct xwing_expanded *x, const uint8_t sk[DM_XWING_SK_BYTES])
{
	uint8_t seed[96];

	dm_shake256(seed, sizeof(seed), sk, DM_XWING_SK_BYTES);
	dm_mlkem_keygen_internal(&dm_mlkem768_params, x->pk, x->dk_m, seed, seed + 32);
	memcpy(x->sk_x, seed + 64, 32);
	x25519_base(x->pk + DM_MLKEM768_EK_BYTES, x->sk_x);
	sodium_memzero(seed, sizeof(seed));
}

static void combiner(uint8_t ss[DM_XWING_SS_BYTES], const uint8_t ss_m[32], const uint8_t ss_x[32],
		     const uint8_t ct_x[32], const uint8_t pk_x[32])
{
	uint8_t in[4 * 32 + XWING_LABEL_BYTES];

	memcpy(in, ss_m, 32);
	memcpy(in + 32, ss_x, 32);
	memcpy(in + 64, ct_x, 32);
	memcpy(in + 96, pk_x, 32);
	memcpy(in + 128, xwing_label, XWING_LABEL_BYTES);
	dm_sha3_256(ss, in, sizeof(in));
	sodium_memzero(in, sizeof(in));
}

int dm_xwing_keypair_from_seed(uint8_t pk[DM_XWING_PK_BYTES], const uint8_t sk[DM_XWING_SK_BYTES])
{
	struct xwing_expanded x;

	expand(&x, sk);
	memcpy(pk, x.pk, DM_XWING_PK_BYTES);
	sodium_memzero(&x, sizeof(x));
	return 0;
}

int dm_xwing_keypair(uint8_t pk[DM_XWING_PK_BYTES], uint8_t sk[DM_XWING_SK_BYTES])
{
	randombytes_buf(sk, DM_XWING_SK_BYTES);
	return dm_xwing_keypair_from_seed(pk, sk);
}

int dm_xwing_encaps_derand(uint8_t ct[DM_XWING_CT_BYTES], uint8_t ss[DM_XWING_SS_BYTES],
			   const uint8_t pk[DM_XWING_PK_BYTES],
			   const uint8_t eseed[DM_XWING_ESEED_BYTES])
{
	const uint8_t *pk_x = pk + DM_MLKEM768_EK_BYTES;
	const uint8_t *ek_x = eseed + 32;
	struct {
		uint8_t ct_m[DM_MLKEM768_CT_BYTES];
		uint8_t ct_x[32];
		uint8_t ss_m[32];
		uint8_t ss_x[32];
	} w;

	if (dm_mlkem768_ek_check(pk, DM_MLKEM768_EK_BYTES) != 0)
		return -1;
	x25519_base(w.ct_x, ek_x);
	x25519(w.ss_x, ek_x, pk_x);
	dm_mlkem_encaps_internal(&dm_mlkem768_params, w.ct_m, w.ss_m, pk, eseed);
	combiner(ss, w.ss_m, w.ss_x, w.ct_x, pk_x);
	memcpy(ct, w.ct_m, DM_MLKEM768_CT_BYTES);
	memcpy(ct + DM_MLKEM768_CT_BYTES, w.ct_x, 32);
	sodium_memzero(&w, sizeof(w));
	return 0;
}

int dm_xwing_encaps(uint8_t ct[DM_XWING_CT_BYTES], uint8_t ss[DM_XWING_SS_BYTES],
		    const uint8_t pk[DM_XWING_PK_BYTES])
{
	uint8_t eseed[DM_XWING_ESEED_BYTES];
	int r;

	randombytes_buf(eseed, sizeof(eseed));
	r = dm_xwing_encaps_derand(ct, ss, pk, eseed);
	sodium_memzero(eseed, sizeof(eseed));
	return r;
}

int dm_xwing_decaps(uint8_t ss[DM_XWING_SS_BYTES], const uint8_t ct[DM_XWING_CT_BYTES],
		    const uint8_t sk[DM_XWING_SK_BYTES])
{
	const uint8_t *ct_x = ct + DM_MLKEM768_CT_BYTES;
	struct {
		struct xwing_expanded x;
		uint8_t ss_m[32];
		uint8_t ss_x[32];
	} w;

	/* dk_M was just derived from sk, so the 7.3 hash check would be redundant. */
	expand(&w.x, sk);
	dm_mlkem_decaps_internal(&dm_mlkem768_params, w.ss_m, ct, w.x.dk_m);
	x25519(w.ss_x, w.x.sk_x, ct_x);
	combiner(ss, w.ss_m, w.ss_x, ct_x, w.x.pk + DM_MLKEM768_EK_BYTES);
	sodium_memzero(&w, sizeof(w));
	return 0;
}
