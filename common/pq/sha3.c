/*
 * SHA-3 and SHAKE (FIPS 202). The permutation keeps all 25 lanes in locals
 * with the rounds unrolled: SHAKE dominates ML-DSA and ML-KEM, so this is
 * the one place worth the long listing. Batch sampling uses sha3_x4.c.
 */
#include "common/pq/sha3.h"

#include <string.h>

#include <sodium.h>

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

void dm_keccak_f1600(uint64_t s[25])
{
	uint64_t a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15,
	    a16, a17, a18, a19, a20, a21, a22, a23, a24;
	uint64_t e00, e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12, e13, e14, e15,
	    e16, e17, e18, e19, e20, e21, e22, e23, e24;
	uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

	a00 = s[0];
	a01 = s[1];
	a02 = s[2];
	a03 = s[3];
	a04 = s[4];
	a05 = s[5];
	a06 = s[6];
	a07 = s[7];
	a08 = s[8];
	a09 = s[9];
	a10 = s[10];
	a11 = s[11];
	a12 = s[12];
	a13 = s[13];
	a14 = s[14];
	a15 = s[15];
	a16 = s[16];
	a17 = s[17];
	a18 = s[18];
	a19 = s[19];
	a20 = s[20];
	a21 = s[21];
	a22 = s[22];
	a23 = s[23];
	a24 = s[24];
	/*
	 * Two rounds per iteration, a -> e -> a, so no state is copied; each
	 * output plane is finished (rho, pi, chi, iota) as soon as its five
	 * inputs are ready, which keeps few values live at once.
	 */
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
		e00 = b0 ^ (~b1 & b2) ^ keccak_rc[r];
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
		a00 = b0 ^ (~b1 & b2) ^ keccak_rc[r + 1];
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
	s[0] = a00;
	s[1] = a01;
	s[2] = a02;
	s[3] = a03;
	s[4] = a04;
	s[5] = a05;
	s[6] = a06;
	s[7] = a07;
	s[8] = a08;
	s[9] = a09;
	s[10] = a10;
	s[11] = a11;
	s[12] = a12;
	s[13] = a13;
	s[14] = a14;
	s[15] = a15;
	s[16] = a16;
	s[17] = a17;
	s[18] = a18;
	s[19] = a19;
	s[20] = a20;
	s[21] = a21;
	s[22] = a22;
	s[23] = a23;
	s[24] = a24;
}

static uint64_t load64_le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static void keccak_init(struct dm_keccak *k, unsigned rate, uint8_t dsbyte)
{
	memset(k->s, 0, sizeof(k->s));
	k->rate = rate;
	k->pos = 0;
	k->dsbyte = dsbyte;
	k->squeezing = 0;
}

void dm_shake128_init(struct dm_keccak *k)
{
	keccak_init(k, DM_SHAKE128_RATE, 0x1f);
}

void dm_shake256_init(struct dm_keccak *k)
{
	keccak_init(k, DM_SHAKE256_RATE, 0x1f);
}

void dm_shake_absorb(struct dm_keccak *k, const uint8_t *in, size_t len)
{
	unsigned pos = k->pos;

	/* Finish a partly filled block byte by byte. */
	while (len > 0 && (pos & 7) != 0) {
		k->s[pos >> 3] ^= (uint64_t)*in++ << (8 * (pos & 7));
		len--;
		if (++pos == k->rate) {
			dm_keccak_f1600(k->s);
			pos = 0;
		}
	}
	/* Whole lanes: every rate is a multiple of 8, so pos stays lane-aligned. */
	while (len >= 8) {
		k->s[pos >> 3] ^= load64_le(in);
		in += 8;
		len -= 8;
		pos += 8;
		if (pos == k->rate) {
			dm_keccak_f1600(k->s);
			pos = 0;
		}
	}
	while (len > 0) {
		k->s[pos >> 3] ^= (uint64_t)*in++ << (8 * (pos & 7));
		len--;
		pos++; /* cannot reach rate: fewer than 8 bytes after a lane boundary */
	}
	k->pos = pos;
}

static void keccak_finalize(struct dm_keccak *k)
{
	k->s[k->pos >> 3] ^= (uint64_t)k->dsbyte << (8 * (k->pos & 7));
	k->s[(k->rate - 1) >> 3] ^= (uint64_t)0x80 << (8 * ((k->rate - 1) & 7));
	k->squeezing = 1;
	k->pos = k->rate; /* the first squeeze permutes */
}

void dm_shake_squeeze(struct dm_keccak *k, uint8_t *out, size_t len)
{
	if (!k->squeezing)
		keccak_finalize(k);
	while (len > 0) {
		if (k->pos == k->rate) {
			dm_keccak_f1600(k->s);
			k->pos = 0;
		}
		size_t n = k->rate - k->pos;
		if (n > len)
			n = len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The lanes are little-endian already: the state bytes are the output. */
		memcpy(out, (const uint8_t *)k->s + k->pos, n);
#else
		for (size_t i = 0; i < n; i++) {
			unsigned p = k->pos + (unsigned)i;
			out[i] = (uint8_t)(k->s[p >> 3] >> (8 * (p & 7)));
		}
#endif
		out += n;
		len -= n;
		k->pos += (unsigned)n;
	}
}

void dm_keccak_wipe(struct dm_keccak *k)
{
	sodium_memzero(k, sizeof(*k));
}

static void keccak_oneshot(unsigned rate, uint8_t dsbyte, uint8_t *out, size_t outlen,
			   const uint8_t *in, size_t inlen)
{
	struct dm_keccak k;

	keccak_init(&k, rate, dsbyte);
	dm_shake_absorb(&k, in, inlen);
	dm_shake_squeeze(&k, out, outlen);
	dm_keccak_wipe(&k);
}

void dm_sha3_224(uint8_t out[28], const uint8_t *in, size_t len)
{
	keccak_oneshot(DM_SHA3_224_RATE, 0x06, out, 28, in, len);
}

void dm_sha3_256(uint8_t out[32], const uint8_t *in, size_t len)
{
	keccak_oneshot(DM_SHA3_256_RATE, 0x06, out, 32, in, len);
}

void dm_sha3_384(uint8_t out[48], const uint8_t *in, size_t len)
{
	keccak_oneshot(DM_SHA3_384_RATE, 0x06, out, 48, in, len);
}

void dm_sha3_512(uint8_t out[64], const uint8_t *in, size_t len)
{
	keccak_oneshot(DM_SHA3_512_RATE, 0x06, out, 64, in, len);
}

void dm_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	keccak_oneshot(DM_SHAKE128_RATE, 0x1f, out, outlen, in, inlen);
}

void dm_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	keccak_oneshot(DM_SHAKE256_RATE, 0x1f, out, outlen, in, inlen);
}
