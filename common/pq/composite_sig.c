/*
 * Composite ML-DSA + Ed25519 (draft-ietf-lamps-pq-composite-sigs): message
 * representative, key and signature layout. Ed25519 is libsodium's
 * (crypto_sign_verify_detached already refuses small-order public keys).
 */
#include "common/pq/composite_sig.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pq/mldsa.h"

#define PREFIX_BYTES 32
#define LABEL_BYTES  30
#define ED_PK_BYTES  crypto_sign_PUBLICKEYBYTES
#define ED_SIG_BYTES crypto_sign_BYTES
#define SEED_BYTES   32
/* Prefix || Label || len || ctx || SHA-512(M) */
#define MPRIME_MAX (PREFIX_BYTES + LABEL_BYTES + 1 + DM_COMPSIG_CTX_MAX + crypto_hash_sha512_BYTES)

struct dm_compsig_alg {
	const struct dm_mldsa_params *mldsa;
	char label[LABEL_BYTES + 1];
};

static const char prefix[PREFIX_BYTES + 1] = "CompositeAlgorithmSignatures2025";

const struct dm_compsig_alg dm_compsig_mldsa65_ed25519 = {
    .mldsa = &dm_mldsa65_params,
    .label = "COMPSIG-MLDSA65-Ed25519-SHA512",
};

const struct dm_compsig_alg dm_compsig_mldsa44_ed25519 = {
    .mldsa = &dm_mldsa44_params,
    .label = "COMPSIG-MLDSA44-Ed25519-SHA512",
};

size_t dm_compsig_pk_bytes(const struct dm_compsig_alg *a)
{
	return a->mldsa->pk_bytes + ED_PK_BYTES;
}

size_t dm_compsig_sig_bytes(const struct dm_compsig_alg *a)
{
	return a->mldsa->sig_bytes + ED_SIG_BYTES;
}

/* Builds M'; returns its length, or 0 if ctx is too long. */
static size_t build_mprime(const struct dm_compsig_alg *a, uint8_t out[MPRIME_MAX],
			   const uint8_t *msg, size_t len, const uint8_t *ctx, size_t ctxlen)
{
	size_t n = 0;

	if (ctxlen > DM_COMPSIG_CTX_MAX || (ctx == NULL && ctxlen > 0))
		return 0;
	memcpy(out, prefix, PREFIX_BYTES);
	n += PREFIX_BYTES;
	memcpy(out + n, a->label, LABEL_BYTES);
	n += LABEL_BYTES;
	out[n++] = (uint8_t)ctxlen;
	if (ctxlen > 0)
		memcpy(out + n, ctx, ctxlen);
	n += ctxlen;
	crypto_hash_sha512(out + n, msg, len);
	return n + crypto_hash_sha512_BYTES;
}

/* Expands both halves of a private key; caller wipes the outputs. */
static int expand_sk(const struct dm_compsig_alg *a, uint8_t *mldsa_pk, uint8_t *mldsa_sk,
		     uint8_t ed_pk[ED_PK_BYTES], uint8_t ed_sk[crypto_sign_SECRETKEYBYTES],
		     const uint8_t *sk)
{
	int r = dm_mldsa_keygen(a->mldsa, mldsa_pk, mldsa_sk, sk, SEED_BYTES);

	if (r < 0)
		return r;
	if (crypto_sign_seed_keypair(ed_pk, ed_sk, sk + SEED_BYTES) != 0)
		return DM_ECRYPTO;
	return 0;
}

/* Big enough for ML-DSA-65, the largest variant here. */
struct compsig_keys {
	uint8_t mldsa_pk[1952];
	uint8_t mldsa_sk[4032];
	uint8_t ed_pk[ED_PK_BYTES];
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
};

int dm_compsig_public_key(const struct dm_compsig_alg *a, uint8_t *pk, size_t pklen,
			  const uint8_t *sk, size_t sklen)
{
	struct compsig_keys keys;
	int r;

	if (a == NULL || pk == NULL || sk == NULL || pklen != dm_compsig_pk_bytes(a) ||
	    sklen != DM_COMPSIG65_SK_BYTES)
		return DM_EINVAL;
	r = expand_sk(a, keys.mldsa_pk, keys.mldsa_sk, keys.ed_pk, keys.ed_sk, sk);
	if (r == 0) {
		memcpy(pk, keys.mldsa_pk, a->mldsa->pk_bytes);
		memcpy(pk + a->mldsa->pk_bytes, keys.ed_pk, ED_PK_BYTES);
	}
	sodium_memzero(&keys, sizeof(keys));
	return r;
}

int dm_compsig_keypair(const struct dm_compsig_alg *a, uint8_t *pk, size_t pklen,
		       uint8_t sk[DM_COMPSIG65_SK_BYTES])
{
	uint8_t fresh[DM_COMPSIG65_SK_BYTES];
	int r;

	randombytes_buf(fresh, sizeof(fresh));
	r = dm_compsig_public_key(a, pk, pklen, fresh, sizeof(fresh));
	if (r == 0)
		memcpy(sk, fresh, sizeof(fresh));
	sodium_memzero(fresh, sizeof(fresh));
	return r;
}

int dm_compsig_sign(const struct dm_compsig_alg *a, uint8_t *sig, size_t siglen, const uint8_t *msg,
		    size_t len, const uint8_t *ctx, size_t ctxlen, const uint8_t *sk, size_t sklen,
		    int deterministic)
{
	struct compsig_keys keys;
	uint8_t mprime[MPRIME_MAX], rnd[DM_MLDSA_RND_BYTES] = {0};
	uint8_t ed_sig[ED_SIG_BYTES];
	size_t mlen;
	int r;

	if (a == NULL || sig == NULL || sk == NULL || siglen != dm_compsig_sig_bytes(a) ||
	    sklen != DM_COMPSIG65_SK_BYTES || (msg == NULL && len > 0))
		return DM_EINVAL;
	mlen = build_mprime(a, mprime, msg, len, ctx, ctxlen);
	if (mlen == 0)
		return DM_EINVAL;
	r = expand_sk(a, keys.mldsa_pk, keys.mldsa_sk, keys.ed_pk, keys.ed_sk, sk);
	if (r < 0)
		goto done;
	if (!deterministic)
		randombytes_buf(rnd, sizeof(rnd));
	/* Ed25519 first, into a scratch buffer: `sig` is written only once both succeed. */
	if (crypto_sign_detached(ed_sig, NULL, mprime, mlen, keys.ed_sk) != 0) {
		r = DM_ECRYPTO;
		goto done;
	}
	r = dm_mldsa_sign_ext(a->mldsa, sig, mprime, mlen, (const uint8_t *)a->label, LABEL_BYTES,
			      rnd, keys.mldsa_sk, a->mldsa->sk_bytes);
	if (r == 0)
		memcpy(sig + a->mldsa->sig_bytes, ed_sig, ED_SIG_BYTES);
done:
	sodium_memzero(&keys, sizeof(keys));
	sodium_memzero(rnd, sizeof(rnd));
	return r;
}

int dm_compsig_verify(const struct dm_compsig_alg *a, const uint8_t *sig, size_t siglen,
		      const uint8_t *msg, size_t len, const uint8_t *ctx, size_t ctxlen,
		      const uint8_t *pk, size_t pklen)
{
	uint8_t mprime[MPRIME_MAX];
	size_t mlen;
	int r;

	if (a == NULL || sig == NULL || pk == NULL || (msg == NULL && len > 0) ||
	    siglen != dm_compsig_sig_bytes(a) || pklen != dm_compsig_pk_bytes(a))
		return DM_EINVAL;
	mlen = build_mprime(a, mprime, msg, len, ctx, ctxlen);
	if (mlen == 0)
		return DM_EINVAL;
	r = dm_mldsa_verify_ext(a->mldsa, sig, a->mldsa->sig_bytes, mprime, mlen,
				(const uint8_t *)a->label, LABEL_BYTES, pk, a->mldsa->pk_bytes);
	if (r < 0)
		return DM_ESIG;
	if (crypto_sign_verify_detached(sig + a->mldsa->sig_bytes, mprime, mlen,
					pk + a->mldsa->pk_bytes) != 0)
		return DM_ESIG;
	return 0;
}

int dm_compsig65_keypair(uint8_t pk[DM_COMPSIG65_PK_BYTES], uint8_t sk[DM_COMPSIG65_SK_BYTES])
{
	return dm_compsig_keypair(&dm_compsig_mldsa65_ed25519, pk, DM_COMPSIG65_PK_BYTES, sk);
}

int dm_compsig65_sign(uint8_t sig[DM_COMPSIG65_SIG_BYTES], const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t sk[DM_COMPSIG65_SK_BYTES])
{
	return dm_compsig_sign(&dm_compsig_mldsa65_ed25519, sig, DM_COMPSIG65_SIG_BYTES, msg, len,
			       ctx, ctxlen, sk, DM_COMPSIG65_SK_BYTES, 0);
}

int dm_compsig65_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t len,
			const uint8_t *ctx, size_t ctxlen, const uint8_t pk[DM_COMPSIG65_PK_BYTES])
{
	return dm_compsig_verify(&dm_compsig_mldsa65_ed25519, sig, siglen, msg, len, ctx, ctxlen,
				 pk, DM_COMPSIG65_PK_BYTES);
}
