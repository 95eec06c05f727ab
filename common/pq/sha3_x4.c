/*
 * SHA-3 x4: four Keccak-f[1600] permutations in parallel and the batch
 * SHAKE helpers declared in sha3.h (FIPS 202, same round as sha3.c).
 */
#include <string.h>

#include <sodium.h>

#include "common/pq/sha3.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

static uint64_t load64_le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static void store64_le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
#endif
}

/*
 * Four permutations at once, lane i of every state in s[i][0..3]. With
 * GCC/Clang vector extensions the compiler maps the 4 x 64-bit lanes onto
 * whatever SIMD the target has (two SSE2 registers on baseline x86-64);
 * other compilers get four scalar permutations.
 */
#if defined(__GNUC__)
typedef uint64_t v4 __attribute__((vector_size(32)));

/*
 * On x86-64 the compiler also emits an AVX2 build of the x4 permutation
 * (all four lanes per instruction, three-operand forms) and glibc's ifunc
 * picks one at load time; the default build is the SSE2 lowering. The clone
 * stays static: Clang names its ifunc differently, so other files call the
 * plain wrapper below.
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define X4_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef X4_CLONES
#define X4_CLONES
#endif

/* A macro, not a function: returning a 32-byte vector would change the ABI. */
#define splat(x) ((v4){(x), (x), (x), (x)})

X4_CLONES static void permute_x4(uint64_t s[25][4])
{
	v4 a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17,
	    a18, a19, a20, a21, a22, a23, a24;
	v4 e00, e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12, e13, e14, e15, e16, e17,
	    e18, e19, e20, e21, e22, e23, e24;
	v4 b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

	memcpy(&a00, s[0], sizeof(v4));
	memcpy(&a01, s[1], sizeof(v4));
	memcpy(&a02, s[2], sizeof(v4));
	memcpy(&a03, s[3], sizeof(v4));
	memcpy(&a04, s[4], sizeof(v4));
	memcpy(&a05, s[5], sizeof(v4));
	memcpy(&a06, s[6], sizeof(v4));
	memcpy(&a07, s[7], sizeof(v4));
	memcpy(&a08, s[8], sizeof(v4));
	memcpy(&a09, s[9], sizeof(v4));
	memcpy(&a10, s[10], sizeof(v4));
	memcpy(&a11, s[11], sizeof(v4));
	memcpy(&a12, s[12], sizeof(v4));
	memcpy(&a13, s[13], sizeof(v4));
	memcpy(&a14, s[14], sizeof(v4));
	memcpy(&a15, s[15], sizeof(v4));
	memcpy(&a16, s[16], sizeof(v4));
	memcpy(&a17, s[17], sizeof(v4));
	memcpy(&a18, s[18], sizeof(v4));
	memcpy(&a19, s[19], sizeof(v4));
	memcpy(&a20, s[20], sizeof(v4));
	memcpy(&a21, s[21], sizeof(v4));
	memcpy(&a22, s[22], sizeof(v4));
	memcpy(&a23, s[23], sizeof(v4));
	memcpy(&a24, s[24], sizeof(v4));
	for (int r = 0; r < 24; r += 2) {
		c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
		c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
		c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
		c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
		c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
		d0 = c4 ^ ROL(c1, 1);
		d1 = c0 ^ ROL(c2, 1);
		d2 = c1 ^ ROL(c3, 1);
		d3 = c2 ^ ROL(c4, 1);
		d4 = c3 ^ ROL(c0, 1);
		b0 = a00 ^ d0;
		b1 = ROL(a06 ^ d1, 44);
		b2 = ROL(a12 ^ d2, 43);
		b3 = ROL(a18 ^ d3, 21);
		b4 = ROL(a24 ^ d4, 14);
		e00 = b0 ^ (~b1 & b2) ^ splat(keccak_rc[r]);
		e01 = b1 ^ (~b2 & b3);
		e02 = b2 ^ (~b3 & b4);
		e03 = b3 ^ (~b4 & b0);
		e04 = b4 ^ (~b0 & b1);
		b0 = ROL(a03 ^ d3, 28);
		b1 = ROL(a09 ^ d4, 20);
		b2 = ROL(a10 ^ d0, 3);
		b3 = ROL(a16 ^ d1, 45);
		b4 = ROL(a22 ^ d2, 61);
		e05 = b0 ^ (~b1 & b2);
		e06 = b1 ^ (~b2 & b3);
		e07 = b2 ^ (~b3 & b4);
		e08 = b3 ^ (~b4 & b0);
		e09 = b4 ^ (~b0 & b1);
		b0 = ROL(a01 ^ d1, 1);
		b1 = ROL(a07 ^ d2, 6);
		b2 = ROL(a13 ^ d3, 25);
		b3 = ROL(a19 ^ d4, 8);
		b4 = ROL(a20 ^ d0, 18);
		e10 = b0 ^ (~b1 & b2);
		e11 = b1 ^ (~b2 & b3);
		e12 = b2 ^ (~b3 & b4);
		e13 = b3 ^ (~b4 & b0);
		e14 = b4 ^ (~b0 & b1);
		b0 = ROL(a04 ^ d4, 27);
		b1 = ROL(a05 ^ d0, 36);
		b2 = ROL(a11 ^ d1, 10);
		b3 = ROL(a17 ^ d2, 15);
		b4 = ROL(a23 ^ d3, 56);
		e15 = b0 ^ (~b1 & b2);
		e16 = b1 ^ (~b2 & b3);
		e17 = b2 ^ (~b3 & b4);
		e18 = b3 ^ (~b4 & b0);
		e19 = b4 ^ (~b0 & b1);
		b0 = ROL(a02 ^ d2, 62);
		b1 = ROL(a08 ^ d3, 55);
		b2 = ROL(a14 ^ d4, 39);
		b3 = ROL(a15 ^ d0, 41);
		b4 = ROL(a21 ^ d1, 2);
		e20 = b0 ^ (~b1 & b2);
		e21 = b1 ^ (~b2 & b3);
		e22 = b2 ^ (~b3 & b4);
		e23 = b3 ^ (~b4 & b0);
		e24 = b4 ^ (~b0 & b1);
		c0 = e00 ^ e05 ^ e10 ^ e15 ^ e20;
		c1 = e01 ^ e06 ^ e11 ^ e16 ^ e21;
		c2 = e02 ^ e07 ^ e12 ^ e17 ^ e22;
		c3 = e03 ^ e08 ^ e13 ^ e18 ^ e23;
		c4 = e04 ^ e09 ^ e14 ^ e19 ^ e24;
		d0 = c4 ^ ROL(c1, 1);
		d1 = c0 ^ ROL(c2, 1);
		d2 = c1 ^ ROL(c3, 1);
		d3 = c2 ^ ROL(c4, 1);
		d4 = c3 ^ ROL(c0, 1);
		b0 = e00 ^ d0;
		b1 = ROL(e06 ^ d1, 44);
		b2 = ROL(e12 ^ d2, 43);
		b3 = ROL(e18 ^ d3, 21);
		b4 = ROL(e24 ^ d4, 14);
		a00 = b0 ^ (~b1 & b2) ^ splat(keccak_rc[r + 1]);
		a01 = b1 ^ (~b2 & b3);
		a02 = b2 ^ (~b3 & b4);
		a03 = b3 ^ (~b4 & b0);
		a04 = b4 ^ (~b0 & b1);
		b0 = ROL(e03 ^ d3, 28);
		b1 = ROL(e09 ^ d4, 20);
		b2 = ROL(e10 ^ d0, 3);
		b3 = ROL(e16 ^ d1, 45);
		b4 = ROL(e22 ^ d2, 61);
		a05 = b0 ^ (~b1 & b2);
		a06 = b1 ^ (~b2 & b3);
		a07 = b2 ^ (~b3 & b4);
		a08 = b3 ^ (~b4 & b0);
		a09 = b4 ^ (~b0 & b1);
		b0 = ROL(e01 ^ d1, 1);
		b1 = ROL(e07 ^ d2, 6);
		b2 = ROL(e13 ^ d3, 25);
		b3 = ROL(e19 ^ d4, 8);
		b4 = ROL(e20 ^ d0, 18);
		a10 = b0 ^ (~b1 & b2);
		a11 = b1 ^ (~b2 & b3);
		a12 = b2 ^ (~b3 & b4);
		a13 = b3 ^ (~b4 & b0);
		a14 = b4 ^ (~b0 & b1);
		b0 = ROL(e04 ^ d4, 27);
		b1 = ROL(e05 ^ d0, 36);
		b2 = ROL(e11 ^ d1, 10);
		b3 = ROL(e17 ^ d2, 15);
		b4 = ROL(e23 ^ d3, 56);
		a15 = b0 ^ (~b1 & b2);
		a16 = b1 ^ (~b2 & b3);
		a17 = b2 ^ (~b3 & b4);
		a18 = b3 ^ (~b4 & b0);
		a19 = b4 ^ (~b0 & b1);
		b0 = ROL(e02 ^ d2, 62);
		b1 = ROL(e08 ^ d3, 55);
		b2 = ROL(e14 ^ d4, 39);
		b3 = ROL(e15 ^ d0, 41);
		b4 = ROL(e21 ^ d1, 2);
		a20 = b0 ^ (~b1 & b2);
		a21 = b1 ^ (~b2 & b3);
		a22 = b2 ^ (~b3 & b4);
		a23 = b3 ^ (~b4 & b0);
		a24 = b4 ^ (~b0 & b1);
	}
	memcpy(s[0], &a00, sizeof(v4));
	memcpy(s[1], &a01, sizeof(v4));
	memcpy(s[2], &a02, sizeof(v4));
	memcpy(s[3], &a03, sizeof(v4));
	memcpy(s[4], &a04, sizeof(v4));
	memcpy(s[5], &a05, sizeof(v4));
	memcpy(s[6], &a06, sizeof(v4));
	memcpy(s[7], &a07, sizeof(v4));
	memcpy(s[8], &a08, sizeof(v4));
	memcpy(s[9], &a09, sizeof(v4));
	memcpy(s[10], &a10, sizeof(v4));
	memcpy(s[11], &a11, sizeof(v4));
	memcpy(s[12], &a12, sizeof(v4));
	memcpy(s[13], &a13, sizeof(v4));
	memcpy(s[14], &a14, sizeof(v4));
	memcpy(s[15], &a15, sizeof(v4));
	memcpy(s[16], &a16, sizeof(v4));
	memcpy(s[17], &a17, sizeof(v4));
	memcpy(s[18], &a18, sizeof(v4));
	memcpy(s[19], &a19, sizeof(v4));
	memcpy(s[20], &a20, sizeof(v4));
	memcpy(s[21], &a21, sizeof(v4));
	memcpy(s[22], &a22, sizeof(v4));
	memcpy(s[23], &a23, sizeof(v4));
	memcpy(s[24], &a24, sizeof(v4));
}
#else
static void permute_x4(uint64_t s[25][4])
{
	for (int j = 0; j < 4; j++) {
		uint64_t one[25];
		for (int i = 0; i < 25; i++)
			one[i] = s[i][j];
		dm_keccak_f1600(one);
		for (int i = 0; i < 25; i++)
			s[i][j] = one[i];
	}
}
#endif

void dm_keccak_f1600_x4(uint64_t s[25][4])
{
	permute_x4(s);
}

void dm_shake_x4_absorb_once(struct dm_keccak_x4 *k, unsigned rate, const uint8_t *const in[4],
			     size_t len)
{
	size_t off = 0;

	memset(k->s, 0, sizeof(k->s));
	k->rate = rate;
	/* Equal lengths: the four sponges cross block boundaries together. */
	for (; len - off >= rate; off += rate) {
		for (int j = 0; j < 4; j++)
			for (unsigned i = 0; i < rate / 8; i++)
				k->s[i][j] ^= load64_le(in[j] + off + 8 * i);
		permute_x4(k->s);
	}
	for (int j = 0; j < 4; j++) {
		size_t n = len - off;
		for (size_t i = 0; i < n; i++)
			k->s[i >> 3][j] ^= (uint64_t)in[j][off + i] << (8 * (i & 7));
		k->s[n >> 3][j] ^= (uint64_t)0x1f << (8 * (n & 7));
		k->s[(rate - 1) >> 3][j] ^= (uint64_t)0x80 << (8 * ((rate - 1) & 7));
	}
}

void dm_shake_x4_squeezeblocks(struct dm_keccak_x4 *k, uint8_t *const out[4], size_t nblocks)
{
	for (size_t b = 0; b < nblocks; b++) {
		permute_x4(k->s);
		for (int j = 0; j < 4; j++) {
			uint8_t *o = out[j] + b * k->rate;
			for (unsigned i = 0; i < k->rate / 8; i++)
				store64_le(o + 8 * i, k->s[i][j]);
		}
	}
}

void dm_keccak_x4_wipe(struct dm_keccak_x4 *k)
{
	sodium_memzero(k, sizeof(*k));
}
