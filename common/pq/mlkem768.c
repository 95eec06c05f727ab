/*
 * ML-KEM key encapsulation (FIPS 203 sections 6 and 7) over K-PKE: the
 * parameter-generic internal algorithms, the input checks, and the public
 * ML-KEM-768 API.
 */
#include "common/pq/mlkem768.h"
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"

#include <sodium.h>
#include <string.h>

const struct dm_mlkem_params dm_mlkem512_params = {
    .k = 2,
    .eta1 = 3,
    .eta2 = 2,
    .du = 10,
    .dv = 4,
    .ek_bytes = 800,
    .dk_bytes = 1632,
    .ct_bytes = 768,
};

const struct dm_mlkem_params dm_mlkem768_params = {
    .k = 3,
    .eta1 = 2,
    .eta2 = 2,
    .du = 10,
    .dv = 4,
    .ek_bytes = DM_MLKEM768_EK_BYTES,
    .dk_bytes = DM_MLKEM768_DK_BYTES,
    .ct_bytes = DM_MLKEM768_CT_BYTES,
};

/* 0xff if a == b over all len bytes, else 0x00; reads every byte (no early exit). */
static uint8_t ct_eq_mask(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint32_t diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= (uint32_t)(a[i] ^ b[i]);
#if defined(__GNUC__)
	/* Hide the value so the compiler cannot turn the mask into a branch. */
	__asm__("" : "+r"(diff));
#endif
	return (uint8_t)((diff - 1) >> 8);
}

void dm_mlkem_keygen_internal(const struct dm_mlkem_params *p, uint8_t *ek, uint8_t *dk,
			      const uint8_t d[DM_MLKEM_SYM_BYTES],
			      const uint8_t z[DM_MLKEM_SYM_BYTES])
{
	const size_t pke = (size_t)DM_MLKEM_POLY_BYTES * p->k;

	dm_kpke_keygen(p, ek, dk, d);
	memcpy(dk + pke, ek, p->ek_bytes);
	dm_sha3_256(dk + pke + p->ek_bytes, ek, p->ek_bytes);
	memcpy(dk + pke + p->ek_bytes + 32, z, DM_MLKEM_SYM_BYTES);
}

void dm_mlkem_encaps_internal(const struct dm_mlkem_params *p, uint8_t *ct, uint8_t ss[32],
			      const uint8_t *ek, const uint8_t m[DM_MLKEM_SYM_BYTES])
{
	uint8_t in[64], kr[64]; /* m || H(ek); K || r */

	memcpy(in, m, DM_MLKEM_SYM_BYTES);
	dm_sha3_256(in + 32, ek, p->ek_bytes);
	dm_sha3_512(kr, in, sizeof(in));
	dm_kpke_encrypt(p, ct, ek, m, kr + 32);
	memcpy(ss, kr, 32);
	sodium_memzero(in, sizeof(in));
	sodium_memzero(kr, sizeof(kr));
}

void dm_mlkem_decaps_internal(const struct dm_mlkem_params *p, uint8_t ss[32], const uint8_t *ct,
			      const uint8_t *dk)
{
	const size_t pke = (size_t)DM_MLKEM_POLY_BYTES * p->k;
	const uint8_t *ek = dk + pke;
	const uint8_t *h = ek + p->ek_bytes;
	const uint8_t *z = h + 32;
	struct {
		uint8_t mh[64];	  /* m' || h */
		uint8_t kr[64];	  /* K' || r' */
		uint8_t kbar[32]; /* J(z || c) */
		uint8_t ct2[DM_MLKEM_CT_MAX];
		struct dm_keccak j;
	} w;

	dm_kpke_decrypt(p, w.mh, dk, ct);
	memcpy(w.mh + 32, h, 32);
	dm_sha3_512(w.kr, w.mh, sizeof(w.mh));

	dm_shake256_init(&w.j);
	dm_shake_absorb(&w.j, z, DM_MLKEM_SYM_BYTES);
	dm_shake_absorb(&w.j, ct, p->ct_bytes);
	dm_shake_squeeze(&w.j, w.kbar, sizeof(w.kbar));

	dm_kpke_encrypt(p, w.ct2, ek, w.mh, w.kr + 32);
	/* Full-length comparison and masked select: no branch, no early exit. */
	uint8_t eq = ct_eq_mask(ct, w.ct2, p->ct_bytes);
	for (unsigned i = 0; i < 32; i++)
		ss[i] = (uint8_t)(w.kbar[i] ^ (eq & (w.kr[i] ^ w.kbar[i])));
	sodium_memzero(&w, sizeof(w));
}

int dm_mlkem_ek_check(const struct dm_mlkem_params *p, const uint8_t *ek, size_t ek_len)
{
	if (ek == NULL || ek_len != p->ek_bytes)
		return -1;
	return dm_mlkem_bytes12_reduced(ek, (size_t)DM_MLKEM_POLY_BYTES * p->k);
}

int dm_mlkem_dk_check(const struct dm_mlkem_params *p, const uint8_t *dk, size_t dk_len)
{
	const size_t pke = (size_t)DM_MLKEM_POLY_BYTES * p->k;
	uint8_t h[32];

	if (dk == NULL || dk_len != p->dk_bytes)
		return -1;
	dm_sha3_256(h, dk + pke, p->ek_bytes);
	return sodium_memcmp(h, dk + pke + p->ek_bytes, sizeof(h)) == 0 ? 0 : -1;
}

int dm_mlkem768_keypair_from_seed(uint8_t ek[DM_MLKEM768_EK_BYTES],
				  uint8_t dk[DM_MLKEM768_DK_BYTES], const uint8_t d[32],
				  const uint8_t z[32])
{
	dm_mlkem_keygen_internal(&dm_mlkem768_params, ek, dk, d, z);
	return 0;
}

int dm_mlkem768_seed_keypair(uint8_t ek[DM_MLKEM768_EK_BYTES], uint8_t dk[DM_MLKEM768_DK_BYTES],
			     const uint8_t *seed, size_t seed_len)
{
	if (seed == NULL || seed_len != DM_MLKEM768_SEED_BYTES)
		return -1;
	dm_mlkem_keygen_internal(&dm_mlkem768_params, ek, dk, seed, seed + 32);
	return 0;
}

int dm_mlkem768_keypair(uint8_t ek[DM_MLKEM768_EK_BYTES], uint8_t dk[DM_MLKEM768_DK_BYTES],
			uint8_t seed[DM_MLKEM768_SEED_BYTES])
{
	uint8_t s[DM_MLKEM768_SEED_BYTES];

	randombytes_buf(s, sizeof(s));
	dm_mlkem_keygen_internal(&dm_mlkem768_params, ek, dk, s, s + 32);
	if (seed != NULL)
		memcpy(seed, s, sizeof(s));
	sodium_memzero(s, sizeof(s));
	return 0;
}

int dm_mlkem768_ek_check(const uint8_t *ek, size_t ek_len)
{
	return dm_mlkem_ek_check(&dm_mlkem768_params, ek, ek_len);
}

int dm_mlkem768_dk_check(const uint8_t *dk, size_t dk_len)
{
	return dm_mlkem_dk_check(&dm_mlkem768_params, dk, dk_len);
}

int dm_mlkem768_encaps_derand(uint8_t ct[DM_MLKEM768_CT_BYTES], uint8_t ss[DM_MLKEM768_SS_BYTES],
			      const uint8_t ek[DM_MLKEM768_EK_BYTES],
			      const uint8_t m[DM_MLKEM768_M_BYTES])
{
	if (dm_mlkem768_ek_check(ek, DM_MLKEM768_EK_BYTES) != 0)
		return -1;
	dm_mlkem_encaps_internal(&dm_mlkem768_params, ct, ss, ek, m);
	return 0;
}

int dm_mlkem768_encaps(uint8_t ct[DM_MLKEM768_CT_BYTES], uint8_t ss[DM_MLKEM768_SS_BYTES],
		       const uint8_t ek[DM_MLKEM768_EK_BYTES])
{
	uint8_t m[DM_MLKEM768_M_BYTES];
	int r;

	randombytes_buf(m, sizeof(m));
	r = dm_mlkem768_encaps_derand(ct, ss, ek, m);
	sodium_memzero(m, sizeof(m));
	return r;
}

int dm_mlkem768_decaps_checked(uint8_t ss[DM_MLKEM768_SS_BYTES], const uint8_t *ct, size_t ct_len,
			       const uint8_t *dk, size_t dk_len)
{
	if (ct == NULL || ct_len != DM_MLKEM768_CT_BYTES)
		return -1;
	if (dm_mlkem768_dk_check(dk, dk_len) != 0)
		return -1;
	dm_mlkem_decaps_internal(&dm_mlkem768_params, ss, ct, dk);
	return 0;
}

int dm_mlkem768_decaps(uint8_t ss[DM_MLKEM768_SS_BYTES], const uint8_t ct[DM_MLKEM768_CT_BYTES],
		       const uint8_t dk[DM_MLKEM768_DK_BYTES])
{
	return dm_mlkem768_decaps_checked(ss, ct, DM_MLKEM768_CT_BYTES, dk, DM_MLKEM768_DK_BYTES);
}
