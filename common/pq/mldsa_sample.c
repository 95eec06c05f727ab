/*
 * ML-DSA sampling from SHAKE (FIPS 204 Algorithms 29-34): the matrix A,
 * the secret vectors, the signing mask and the challenge. Every sampler
 * keeps squeezing until it has 256 coefficients (Wycheproof "ManySteps"
 * keys need hundreds of blocks).
 */
#include <string.h>

#include <sodium.h>

#include "common/pq/mldsa_poly.h"
#include "common/pq/sha3.h"

/* Appends accepted 23-bit candidates from `buf` (CoeffFromThreeBytes); returns the new count. */
static unsigned rej_uniform(int32_t *c, unsigned n, const uint8_t *buf, size_t len)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * One 4-byte load per candidate while a whole word is inside buf. Each
	 * candidate adds at most one coefficient, so a run of 256 - n of them
	 * cannot overflow c and needs no per-candidate bound check.
	 */
	while (n < DM_MLDSA_N && i + 4 <= len) {
		size_t run = (len - i - 1) / 3;
		if (run > DM_MLDSA_N - n)
			run = DM_MLDSA_N - n;
		for (size_t end = i + 3 * run; i < end; i += 3) {
			uint32_t v;
			memcpy(&v, buf + i, 4);
			v &= 0x7fffff;
			/* Store unconditionally, keep only if accepted (A is public). */
			c[n] = (int32_t)v;
			n += v < DM_MLDSA_Q;
		}
	}
#endif
	for (; i + 3 <= len && n < DM_MLDSA_N; i += 3) {
		uint32_t v = ((uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
			      (uint32_t)(buf[i + 2] & 0x7f) << 16);
		c[n] = (int32_t)v;
		n += v < DM_MLDSA_Q;
	}
	return n;
}

/* Five blocks give 280 candidates: enough for 256 unless more than 24 are >= q. */
#define UNIFORM_FIRST_BLOCKS 5

void dm_mldsa_poly_uniform_x4(struct dm_mldsa_poly *const a[4], const uint8_t rho[32],
			      const uint8_t sr[4][2])
{
	struct dm_keccak_x4 k;
	uint8_t seed[4][34], buf[4][UNIFORM_FIRST_BLOCKS * DM_SHAKE128_RATE];
	const uint8_t *in[4] = {seed[0], seed[1], seed[2], seed[3]};
	uint8_t *out[4] = {buf[0], buf[1], buf[2], buf[3]};
	unsigned n[4] = {0, 0, 0, 0};
	size_t len = sizeof(buf[0]);

	for (int j = 0; j < 4; j++) {
		memcpy(seed[j], rho, 32);
		seed[j][32] = sr[j][0];
		seed[j][33] = sr[j][1];
	}
	dm_shake_x4_absorb_once(&k, DM_SHAKE128_RATE, in, sizeof(seed[0]));
	dm_shake_x4_squeezeblocks(&k, out, UNIFORM_FIRST_BLOCKS);
	for (;;) {
		int done = 1;
		for (int j = 0; j < 4; j++) {
			n[j] = rej_uniform(a[j]->c, n[j], buf[j], len);
			done &= n[j] == DM_MLDSA_N;
		}
		if (done)
			break;
		/* Unlucky seeds (Wycheproof ManySteps) need more blocks: keep squeezing. */
		dm_shake_x4_squeezeblocks(&k, out, 1);
		len = DM_SHAKE128_RATE;
	}
}

void dm_mldsa_poly_uniform_eta(struct dm_mldsa_poly *a, const uint8_t rhop[64], uint16_t nonce,
			       int eta)
{
	struct dm_keccak k;
	uint8_t seed[66];
	uint8_t buf[DM_SHAKE256_RATE];
	unsigned n = 0;

	memcpy(seed, rhop, 64);
	seed[64] = (uint8_t)nonce;
	seed[65] = (uint8_t)(nonce >> 8);
	dm_shake256_init(&k);
	dm_shake_absorb(&k, seed, sizeof(seed));
	while (n < DM_MLDSA_N) {
		dm_shake_squeeze(&k, buf, sizeof(buf));
		for (unsigned i = 0; i < sizeof(buf) && n < DM_MLDSA_N; i++) {
			uint32_t half[2] = {buf[i] & 0x0fu, (uint32_t)buf[i] >> 4};
			for (unsigned j = 0; j < 2 && n < DM_MLDSA_N; j++) {
				uint32_t b = half[j];
				if (eta == 2 && b < 15)
					a->c[n++] = 2 - (int32_t)(b - 5 * ((b * 205) >> 10));
				else if (eta == 4 && b < 9)
					a->c[n++] = 4 - (int32_t)b;
			}
		}
	}
	/* rho' and the stream determine the secret key. */
	dm_keccak_wipe(&k);
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(seed, sizeof(seed));
}

void dm_mldsa_poly_uniform_gamma1_x4(struct dm_mldsa_poly *const a[4], const uint8_t rhopp[64],
				     const uint16_t nonce[4], int32_t gamma1)
{
	struct dm_keccak_x4 k;
	uint8_t seed[4][66];
	uint8_t buf[4][5 * DM_SHAKE256_RATE]; /* 680 >= 32 * 20 */
	const uint8_t *in[4] = {seed[0], seed[1], seed[2], seed[3]};
	uint8_t *out[4] = {buf[0], buf[1], buf[2], buf[3]};
	unsigned bits = gamma1 == (1 << 17) ? 18 : 20;

	for (int j = 0; j < 4; j++) {
		memcpy(seed[j], rhopp, 64);
		seed[j][64] = (uint8_t)nonce[j];
		seed[j][65] = (uint8_t)(nonce[j] >> 8);
	}
	dm_shake_x4_absorb_once(&k, DM_SHAKE256_RATE, in, sizeof(seed[0]));
	dm_shake_x4_squeezeblocks(&k, out, 5);
	for (int j = 0; j < 4; j++)
		dm_mldsa_poly_unpack(a[j], buf[j], bits, gamma1, 1);
	/* The stream is the signing mask y. */
	dm_keccak_x4_wipe(&k);
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(seed, sizeof(seed));
}

void dm_mldsa_poly_challenge(struct dm_mldsa_poly *c, const uint8_t *ctilde, size_t len, int tau,
			     int secret)
{
	struct dm_keccak k;
	uint8_t buf[DM_SHAKE256_RATE];
	unsigned pos;
	uint64_t signs = 0;

	dm_shake256_init(&k);
	dm_shake_absorb(&k, ctilde, len);
	dm_shake_squeeze(&k, buf, sizeof(buf));
	for (unsigned i = 0; i < 8; i++)
		signs |= (uint64_t)buf[i] << (8 * i);
	pos = 8;
	memset(c->c, 0, sizeof(c->c));
	for (unsigned i = DM_MLDSA_N - (unsigned)tau; i < DM_MLDSA_N; i++) {
		int32_t sign = 1 - 2 * (int32_t)(signs & 1);
		unsigned j;

		signs >>= 1;
		do {
			if (pos == sizeof(buf)) {
				dm_shake_squeeze(&k, buf, sizeof(buf));
				pos = 0;
			}
			j = buf[pos++];
		} while (j > i);
		if (!secret) {
			c->c[i] = c->c[j];
			c->c[j] = sign;
			continue;
		}
		/* c[i] = c[j]; c[j] = sign, touching every slot so j stays hidden. */
		int32_t cj = 0;
		for (unsigned n = 0; n <= i; n++) {
			int32_t hit = -(int32_t)(((uint32_t)(n ^ j) - 1) >> 31);
			cj |= c->c[n] & hit;
		}
		c->c[i] = cj;
		for (unsigned n = 0; n <= i; n++) {
			int32_t hit = -(int32_t)(((uint32_t)(n ^ j) - 1) >> 31);
			c->c[n] = (c->c[n] & ~hit) | (sign & hit);
		}
	}
	if (secret) {
		dm_keccak_wipe(&k);
		sodium_memzero(buf, sizeof(buf));
	}
}
