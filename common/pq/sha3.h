/*
 * SHA-3 and SHAKE (FIPS 202) over Keccak-f[1600].
 *
 * One-shot SHA3-256/512 and incremental SHAKE128/256 (absorb any number of
 * times, finalize once, then squeeze any number of times in any sizes).
 * Used by ML-DSA-65, ML-KEM-768 and X-Wing.
 */
#ifndef DM_PQ_SHA3_H
#define DM_PQ_SHA3_H

#include <stddef.h>
#include <stdint.h>

#define DM_SHAKE128_RATE 168
#define DM_SHAKE256_RATE 136
#define DM_SHA3_256_RATE 136
#define DM_SHA3_512_RATE 72
#define DM_SHA3_224_RATE 144
#define DM_SHA3_384_RATE 104

/* Incremental Keccak sponge state; treat as opaque. */
struct dm_keccak {
	uint64_t s[25];
	unsigned rate;	/* bytes */
	unsigned pos;	/* absorb: bytes absorbed into the current block; squeeze: bytes used */
	uint8_t dsbyte; /* domain separation + first padding bit (0x1f SHAKE, 0x06 SHA-3) */
	int squeezing;
};

void dm_sha3_256(uint8_t out[32], const uint8_t *in, size_t len);
void dm_sha3_512(uint8_t out[64], const uint8_t *in, size_t len);
/* SHA3-224 and SHA3-384: only for HashML-DSA pre-hashes. */
void dm_sha3_224(uint8_t out[28], const uint8_t *in, size_t len);
void dm_sha3_384(uint8_t out[48], const uint8_t *in, size_t len);

void dm_shake128_init(struct dm_keccak *k);
void dm_shake256_init(struct dm_keccak *k);
/* Absorb more input; only before the first squeeze. */
void dm_shake_absorb(struct dm_keccak *k, const uint8_t *in, size_t len);
/* Squeeze `len` bytes; the first call pads and finalizes the input. */
void dm_shake_squeeze(struct dm_keccak *k, uint8_t *out, size_t len);
/* Wipe the state (secrets may have been absorbed). */
void dm_keccak_wipe(struct dm_keccak *k);

/* One-shot helpers. */
void dm_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void dm_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);

/* The permutation itself (exposed for block-wise use, e.g. SampleNTT). */
void dm_keccak_f1600(uint64_t s[25]);

/*
 * Four SHAKE instances stepped together, for batch sampling (ML-DSA's
 * ExpandA/ExpandMask, ML-KEM's matrix): one call does four permutations for
 * the price of about two (SSE2) or one (AVX2). Lane i of instance j is s[i][j].
 */
struct dm_keccak_x4 {
	uint64_t s[25][4];
	unsigned rate;
};

void dm_keccak_f1600_x4(uint64_t s[25][4]);
/*
 * Absorbs four inputs of the same length `len` with SHAKE padding for
 * `rate` (DM_SHAKE128_RATE or DM_SHAKE256_RATE); nothing more can be added.
 */
void dm_shake_x4_absorb_once(struct dm_keccak_x4 *k, unsigned rate, const uint8_t *const in[4],
			     size_t len);
/* Squeezes `nblocks` whole blocks (nblocks * rate bytes) into each out[j]; repeatable. */
void dm_shake_x4_squeezeblocks(struct dm_keccak_x4 *k, uint8_t *const out[4], size_t nblocks);
void dm_keccak_x4_wipe(struct dm_keccak_x4 *k);

#endif
