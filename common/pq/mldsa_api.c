/*
 * ML-DSA message representatives: how M, ctx and an optional pre-hash turn
 * into mu (FIPS 204 Algorithms 2-5 and 7-8, first lines). mu is absorbed
 * incrementally, so no M' buffer is ever allocated for long messages.
 */
#include <string.h>

#include "common/err.h"
#include "common/pq/mldsa.h"
#include "common/pq/sha3.h"

/* DER of the hash OIDs 2.16.840.1.101.3.4.2.x, in enum dm_mldsa_ph order. */
#define PH_OID_BYTES 11
static const struct {
	uint8_t arc; /* last OID arc */
	uint8_t digest_bytes;
} ph_table[] = {
    [DM_MLDSA_PH_SHA2_224] = {0x04, 28},     [DM_MLDSA_PH_SHA2_256] = {0x01, 32},
    [DM_MLDSA_PH_SHA2_384] = {0x02, 48},     [DM_MLDSA_PH_SHA2_512] = {0x03, 64},
    [DM_MLDSA_PH_SHA2_512_224] = {0x05, 28}, [DM_MLDSA_PH_SHA2_512_256] = {0x06, 32},
    [DM_MLDSA_PH_SHA3_224] = {0x07, 28},     [DM_MLDSA_PH_SHA3_256] = {0x08, 32},
    [DM_MLDSA_PH_SHA3_384] = {0x09, 48},     [DM_MLDSA_PH_SHA3_512] = {0x0a, 64},
    [DM_MLDSA_PH_SHAKE128] = {0x0b, 32},     [DM_MLDSA_PH_SHAKE256] = {0x0c, 64},
};

size_t dm_mldsa_ph_digest_bytes(enum dm_mldsa_ph ph)
{
	if ((unsigned)ph >= sizeof(ph_table) / sizeof(ph_table[0]))
		return 0;
	return ph_table[ph].digest_bytes;
}

/*
 * mu = H(tr || dom || byte(ctxlen) || ctx || oid || msg, 64) where dom and
 * the ctx part are present only if `dom` >= 0 and oid only if non-NULL.
 */
static void compute_mu(uint8_t mu[DM_MLDSA_MU_BYTES], const uint8_t tr[DM_MLDSA_TR_BYTES], int dom,
		       const uint8_t *ctx, size_t ctxlen, const uint8_t *oid, const uint8_t *msg,
		       size_t len)
{
	struct dm_keccak k;

	dm_shake256_init(&k);
	dm_shake_absorb(&k, tr, DM_MLDSA_TR_BYTES);
	if (dom >= 0) {
		uint8_t hdr[2] = {(uint8_t)dom, (uint8_t)ctxlen};
		dm_shake_absorb(&k, hdr, sizeof(hdr));
		if (ctxlen > 0)
			dm_shake_absorb(&k, ctx, ctxlen);
	}
	if (oid != NULL)
		dm_shake_absorb(&k, oid, PH_OID_BYTES);
	if (len > 0)
		dm_shake_absorb(&k, msg, len);
	dm_shake_squeeze(&k, mu, DM_MLDSA_MU_BYTES);
}

static void ph_oid(uint8_t oid[PH_OID_BYTES], enum dm_mldsa_ph ph)
{
	static const uint8_t prefix[PH_OID_BYTES - 1] = {0x06, 0x09, 0x60, 0x86, 0x48,
							 0x01, 0x65, 0x03, 0x04, 0x02};
	memcpy(oid, prefix, sizeof(prefix));
	oid[PH_OID_BYTES - 1] = ph_table[ph].arc;
}

static int check_ctx(const uint8_t *ctx, size_t ctxlen)
{
	/* The length travels as one byte: 256 is an error, not a wrap. */
	if (ctxlen > DM_MLDSA_CTX_MAX || (ctx == NULL && ctxlen > 0))
		return DM_EINVAL;
	return 0;
}

static int check_ph(enum dm_mldsa_ph ph, const uint8_t *digest, size_t dlen)
{
	size_t want = dm_mldsa_ph_digest_bytes(ph);

	if (want == 0 || dlen != want || digest == NULL)
		return DM_EINVAL;
	return 0;
}

/* tr from a public key; DM_EINVAL on a wrong length. */
static int pk_tr(const struct dm_mldsa_params *p, uint8_t tr[DM_MLDSA_TR_BYTES], const uint8_t *pk,
		 size_t pklen)
{
	if (p == NULL || pk == NULL || pklen != p->pk_bytes)
		return DM_EINVAL;
	dm_shake256(tr, DM_MLDSA_TR_BYTES, pk, pklen);
	return 0;
}

static int sk_tr(const struct dm_mldsa_params *p, const uint8_t **ret_tr, const uint8_t *sk,
		 size_t sklen)
{
	if (p == NULL || sk == NULL || sklen != p->sk_bytes)
		return DM_EINVAL;
	*ret_tr = sk + 64;
	return 0;
}

int dm_mldsa_external_mu(const struct dm_mldsa_params *p, uint8_t mu[DM_MLDSA_MU_BYTES],
			 const uint8_t *pk, size_t pklen, const uint8_t *msg, size_t len,
			 const uint8_t *ctx, size_t ctxlen)
{
	uint8_t tr[DM_MLDSA_TR_BYTES];
	int r;

	if ((r = check_ctx(ctx, ctxlen)) < 0 || (r = pk_tr(p, tr, pk, pklen)) < 0)
		return r;
	compute_mu(mu, tr, 0, ctx, ctxlen, NULL, msg, len);
	return 0;
}

int dm_mldsa_sign_internal(const struct dm_mldsa_params *p, uint8_t *sig, const uint8_t *mprime,
			   size_t mplen, const uint8_t rnd[DM_MLDSA_RND_BYTES], const uint8_t *sk,
			   size_t sklen)
{
	uint8_t mu[DM_MLDSA_MU_BYTES];
	const uint8_t *tr;
	int r;

	if ((r = sk_tr(p, &tr, sk, sklen)) < 0)
		return r;
	compute_mu(mu, tr, -1, NULL, 0, NULL, mprime, mplen);
	return dm_mldsa_sign_mu(p, sig, mu, rnd, sk, sklen);
}

int dm_mldsa_sign_ext(const struct dm_mldsa_params *p, uint8_t *sig, const uint8_t *msg, size_t len,
		      const uint8_t *ctx, size_t ctxlen, const uint8_t rnd[DM_MLDSA_RND_BYTES],
		      const uint8_t *sk, size_t sklen)
{
	uint8_t mu[DM_MLDSA_MU_BYTES];
	const uint8_t *tr;
	int r;

	if ((r = check_ctx(ctx, ctxlen)) < 0 || (r = sk_tr(p, &tr, sk, sklen)) < 0)
		return r;
	compute_mu(mu, tr, 0, ctx, ctxlen, NULL, msg, len);
	return dm_mldsa_sign_mu(p, sig, mu, rnd, sk, sklen);
}

int dm_mldsa_sign_prehash(const struct dm_mldsa_params *p, uint8_t *sig, enum dm_mldsa_ph ph,
			  const uint8_t *digest, size_t dlen, const uint8_t *ctx, size_t ctxlen,
			  const uint8_t rnd[DM_MLDSA_RND_BYTES], const uint8_t *sk, size_t sklen)
{
	uint8_t mu[DM_MLDSA_MU_BYTES], oid[PH_OID_BYTES];
	const uint8_t *tr;
	int r;

	if ((r = check_ctx(ctx, ctxlen)) < 0 || (r = check_ph(ph, digest, dlen)) < 0 ||
	    (r = sk_tr(p, &tr, sk, sklen)) < 0)
		return r;
	ph_oid(oid, ph);
	compute_mu(mu, tr, 1, ctx, ctxlen, oid, digest, dlen);
	return dm_mldsa_sign_mu(p, sig, mu, rnd, sk, sklen);
}

int dm_mldsa_verify_internal(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			     const uint8_t *mprime, size_t mplen, const uint8_t *pk, size_t pklen)
{
	uint8_t tr[DM_MLDSA_TR_BYTES], mu[DM_MLDSA_MU_BYTES];
	int r;

	if ((r = pk_tr(p, tr, pk, pklen)) < 0)
		return r;
	compute_mu(mu, tr, -1, NULL, 0, NULL, mprime, mplen);
	return dm_mldsa_verify_mu(p, sig, siglen, mu, pk, pklen);
}

int dm_mldsa_verify_ext(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			const uint8_t *msg, size_t len, const uint8_t *ctx, size_t ctxlen,
			const uint8_t *pk, size_t pklen)
{
	uint8_t tr[DM_MLDSA_TR_BYTES], mu[DM_MLDSA_MU_BYTES];
	int r;

	if ((r = check_ctx(ctx, ctxlen)) < 0 || (r = pk_tr(p, tr, pk, pklen)) < 0)
		return r;
	compute_mu(mu, tr, 0, ctx, ctxlen, NULL, msg, len);
	return dm_mldsa_verify_mu(p, sig, siglen, mu, pk, pklen);
}

int dm_mldsa_verify_prehash(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
			    enum dm_mldsa_ph ph, const uint8_t *digest, size_t dlen,
			    const uint8_t *ctx, size_t ctxlen, const uint8_t *pk, size_t pklen)
{
	uint8_t tr[DM_MLDSA_TR_BYTES], mu[DM_MLDSA_MU_BYTES], oid[PH_OID_BYTES];
	int r;

	if ((r = check_ctx(ctx, ctxlen)) < 0 || (r = check_ph(ph, digest, dlen)) < 0 ||
	    (r = pk_tr(p, tr, pk, pklen)) < 0)
		return r;
	ph_oid(oid, ph);
	compute_mu(mu, tr, 1, ctx, ctxlen, oid, digest, dlen);
	return dm_mldsa_verify_mu(p, sig, siglen, mu, pk, pklen);
}
