/*
 * ML-KEM polynomial encodings and sampling (FIPS 203 sections 4.2.1 and 4.2.2):
 * ByteEncode/ByteDecode, Compress/Decompress, SampleNTT and SamplePolyCBD.
 * Compression rounds with integer arithmetic only: a divide by q here is
 * exactly the KyberSlash timing leak, so quotients come from a multiply and
 * a branch-free correction.
 */
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"

#include <sodium.h>
#include <string.h>

void dm_mlkem_poly_add(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a)
{
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		r->c[i] = dm_mlkem_csubq((uint32_t)r->c[i] + a->c[i]);
}

void dm_mlkem_poly_sub(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a)
{
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		r->c[i] = dm_mlkem_csubq((uint32_t)r->c[i] + DM_MLKEM_Q - a->c[i]);
}

void dm_mlkem_poly_tobytes(uint8_t r[DM_MLKEM_POLY_BYTES], const struct dm_mlkem_poly *a)
{
	for (unsigned i = 0; i < DM_MLKEM_N / 2; i++) {
		uint16_t a0 = a->c[2 * i], a1 = a->c[2 * i + 1];
		r[3 * i] = (uint8_t)a0;
		r[3 * i + 1] = (uint8_t)((a0 >> 8) | (a1 << 4));
		r[3 * i + 2] = (uint8_t)(a1 >> 4);
	}
}

void dm_mlkem_poly_frombytes(struct dm_mlkem_poly *r, const uint8_t a[DM_MLKEM_POLY_BYTES])
{
	for (unsigned i = 0; i < DM_MLKEM_N / 2; i++) {
		uint32_t b0 = a[3 * i], b1 = a[3 * i + 1], b2 = a[3 * i + 2];
		r->c[2 * i] = dm_mlkem_csubq(b0 | ((b1 & 0x0f) << 8));
		r->c[2 * i + 1] = dm_mlkem_csubq((b1 >> 4) | (b2 << 4));
	}
}

int dm_mlkem_bytes12_reduced(const uint8_t *a, size_t len)
{
	uint32_t bad = 0;
	for (size_t i = 0; i + 3 <= len; i += 3) {
		uint32_t v0 = a[i] | ((uint32_t)(a[i + 1] & 0x0f) << 8);
		uint32_t v1 = (a[i + 1] >> 4) | ((uint32_t)a[i + 2] << 4);
		bad |= ((uint32_t)(DM_MLKEM_Q - 1) - v0) | ((uint32_t)(DM_MLKEM_Q - 1) - v1);
	}
	return (bad >> 31) ? -1 : 0;
}

/* round(x 2^d / q) mod 2^d for x in [0, q). q is odd, so no exact halves occur. */
static uint32_t compress_coeff(uint32_t x, unsigned d)
{
	uint32_t y = (x << d) + (DM_MLKEM_Q - 1) / 2;
	uint32_t t = (uint32_t)(((uint64_t)y * DM_MLKEM_BARRETT_M) >> 32);
	uint32_t rem = y - t * DM_MLKEM_Q; /* in [0, 2q) */
	t += ((uint32_t)(DM_MLKEM_Q - 1) - rem) >> 31;
	return t & ((1u << d) - 1);
}

/* Generic LSB-first bit packing for any d; the common widths have fast paths below. */
static void pack_bits(uint8_t *r, const uint16_t *t, unsigned d)
{
	uint64_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (unsigned i = 0; i < DM_MLKEM_N; i++) {
		acc |= (uint64_t)t[i] << bits;
		bits += d;
		while (bits >= 8) {
			r[o++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

static void unpack_bits(uint16_t *t, const uint8_t *a, unsigned d)
{
	uint64_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (unsigned i = 0; i < DM_MLKEM_N; i++) {
		while (bits < d) {
			acc |= (uint64_t)a[o++] << bits;
			bits += 8;
		}
		t[i] = (uint16_t)(acc & ((1u << d) - 1));
		acc >>= d;
		bits -= d;
	}
}

void dm_mlkem_poly_compress(uint8_t *r, const struct dm_mlkem_poly *a, unsigned d)
{
	uint16_t t[DM_MLKEM_N];

	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		t[i] = (uint16_t)compress_coeff(a->c[i], d);
	switch (d) {
	case 10:
		for (unsigned i = 0; i < DM_MLKEM_N / 4; i++) {
			const uint16_t *x = t + 4 * i;
			uint8_t *o = r + 5 * i;
			o[0] = (uint8_t)x[0];
			o[1] = (uint8_t)((x[0] >> 8) | (x[1] << 2));
			o[2] = (uint8_t)((x[1] >> 6) | (x[2] << 4));
			o[3] = (uint8_t)((x[2] >> 4) | (x[3] << 6));
			o[4] = (uint8_t)(x[3] >> 2);
		}
		break;
	case 4:
		for (unsigned i = 0; i < DM_MLKEM_N / 2; i++)
			r[i] = (uint8_t)(t[2 * i] | (t[2 * i + 1] << 4));
		break;
	case 1:
		for (unsigned i = 0; i < DM_MLKEM_N / 8; i++) {
			unsigned byte = 0;
			for (unsigned j = 0; j < 8; j++)
				byte |= (unsigned)t[8 * i + j] << j;
			r[i] = (uint8_t)byte;
		}
		break;
	default:
		pack_bits(r, t, d);
	}
	/* For d = 1 these are message bits. */
	sodium_memzero(t, sizeof(t));
}

void dm_mlkem_poly_decompress(struct dm_mlkem_poly *r, const uint8_t *a, unsigned d)
{
	uint16_t *t = r->c;

	switch (d) {
	case 10:
		for (unsigned i = 0; i < DM_MLKEM_N / 4; i++) {
			const uint8_t *b = a + 5 * i;
			uint16_t *x = t + 4 * i;
			x[0] = (uint16_t)((b[0] | (b[1] << 8)) & 0x3ff);
			x[1] = (uint16_t)(((b[1] >> 2) | (b[2] << 6)) & 0x3ff);
			x[2] = (uint16_t)(((b[2] >> 4) | (b[3] << 4)) & 0x3ff);
			x[3] = (uint16_t)((b[3] >> 6) | (b[4] << 2));
		}
		break;
	case 4:
		for (unsigned i = 0; i < DM_MLKEM_N / 2; i++) {
			t[2 * i] = a[i] & 0x0f;
			t[2 * i + 1] = a[i] >> 4;
		}
		break;
	case 1:
		for (unsigned i = 0; i < DM_MLKEM_N; i++)
			t[i] = (a[i / 8] >> (i % 8)) & 1;
		break;
	default:
		unpack_bits(t, a, d);
	}
	/* round(q y / 2^d); q y < 2^23, no overflow. */
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		t[i] = (uint16_t)(((uint32_t)t[i] * DM_MLKEM_Q + (1u << (d - 1))) >> d);
}

static uint32_t load_le32(const uint8_t *p)
{
	return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* SamplePolyCBD_2: four input bits per coefficient, x - y of two 2-bit popcounts. */
static void cbd2(struct dm_mlkem_poly *r, const uint8_t buf[128])
{
	for (unsigned i = 0; i < DM_MLKEM_N / 8; i++) {
		uint32_t t = load_le32(buf + 4 * i);
		uint32_t d = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
		for (unsigned j = 0; j < 8; j++) {
			uint32_t x = (d >> (4 * j)) & 3, y = (d >> (4 * j + 2)) & 3;
			r->c[8 * i + j] = dm_mlkem_csubq(x + DM_MLKEM_Q - y);
		}
	}
}

/* SamplePolyCBD_3: six input bits per coefficient. */
static void cbd3(struct dm_mlkem_poly *r, const uint8_t buf[192])
{
	for (unsigned i = 0; i < DM_MLKEM_N / 4; i++) {
		const uint8_t *p = buf + 3 * i;
		uint32_t t = p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
		uint32_t d = (t & 0x249249u) + ((t >> 1) & 0x249249u) + ((t >> 2) & 0x249249u);
		for (unsigned j = 0; j < 4; j++) {
			uint32_t x = (d >> (6 * j)) & 7, y = (d >> (6 * j + 3)) & 7;
			r->c[4 * i + j] = dm_mlkem_csubq(x + DM_MLKEM_Q - y);
		}
	}
}

static void cbd(struct dm_mlkem_poly *r, const uint8_t *buf, unsigned eta)
{
	if (eta == 2)
		cbd2(r, buf);
	else
		cbd3(r, buf);
}

void dm_mlkem_poly_noise(struct dm_mlkem_poly *r, const uint8_t seed[DM_MLKEM_SYM_BYTES],
			 uint8_t nonce, unsigned eta)
{
	uint8_t in[DM_MLKEM_SYM_BYTES + 1];
	uint8_t buf[64 * 3];

	memcpy(in, seed, DM_MLKEM_SYM_BYTES);
	in[DM_MLKEM_SYM_BYTES] = nonce;
	dm_shake256(buf, 64 * eta, in, sizeof(in));
	cbd(r, buf, eta);
	sodium_memzero(in, sizeof(in));
	sodium_memzero(buf, sizeof(buf));
}

void dm_mlkem_poly_noise_x4(struct dm_mlkem_poly *const r[], const unsigned eta[], unsigned n,
			    const uint8_t seed[DM_MLKEM_SYM_BYTES], uint8_t nonce0)
{
	/* 192 bytes (eta 3) span two SHAKE256 blocks; eta 2 needs one. */
	struct {
		struct dm_keccak_x4 st;
		uint8_t in[4][DM_MLKEM_SYM_BYTES + 1];
		uint8_t buf[4][2 * DM_SHAKE256_RATE];
	} w;
	const uint8_t *in[4];
	uint8_t *out[4];
	size_t blocks = 1;

	for (unsigned j = 0; j < 4; j++) {
		unsigned src = j < n ? j : 0; /* idle lanes repeat lane 0 */
		memcpy(w.in[j], seed, DM_MLKEM_SYM_BYTES);
		w.in[j][DM_MLKEM_SYM_BYTES] = (uint8_t)(nonce0 + src);
		in[j] = w.in[j];
		out[j] = w.buf[j];
		if (j < n && 64 * eta[j] > DM_SHAKE256_RATE)
			blocks = 2;
	}
	dm_shake_x4_absorb_once(&w.st, DM_SHAKE256_RATE, in, sizeof(w.in[0]));
	dm_shake_x4_squeezeblocks(&w.st, out, blocks);
	for (unsigned j = 0; j < n; j++)
		cbd(r[j], w.buf[j], eta[j]);
	dm_keccak_x4_wipe(&w.st);
	sodium_memzero(&w, sizeof(w));
}

/*
 * Appends to r the 12-bit candidates from buf that are < q (SampleNTT's
 * rejection step) until it holds 256; returns the new count. Public data.
 */
static unsigned rej_uniform(struct dm_mlkem_poly *r, unsigned n, const uint8_t *buf, size_t len)
{
	for (size_t pos = 0; pos + 3 <= len && n < DM_MLKEM_N; pos += 3) {
		uint32_t d1 = buf[pos] | ((uint32_t)(buf[pos + 1] & 0x0f) << 8);
		uint32_t d2 = (buf[pos + 1] >> 4) | ((uint32_t)buf[pos + 2] << 4);
		/* Store unconditionally, keep only accepted values: fewer branches. */
		r->c[n] = (uint16_t)d1;
		n += d1 < DM_MLKEM_Q;
		if (n < DM_MLKEM_N) {
			r->c[n] = (uint16_t)d2;
			n += d2 < DM_MLKEM_Q;
		}
	}
	return n;
}

/* Three SHAKE128 blocks almost always suffice; rare seeds need more, one block at a time. */
#define SAMPLE_BLOCKS 3

void dm_mlkem_poly_sample_ntt(struct dm_mlkem_poly *r, const uint8_t rho[DM_MLKEM_SYM_BYTES],
			      uint8_t x, uint8_t y)
{
	struct dm_keccak st;
	uint8_t buf[SAMPLE_BLOCKS * DM_SHAKE128_RATE];
	const uint8_t idx[2] = {x, y};
	unsigned n;

	dm_shake128_init(&st);
	dm_shake_absorb(&st, rho, DM_MLKEM_SYM_BYTES);
	dm_shake_absorb(&st, idx, sizeof(idx));
	dm_shake_squeeze(&st, buf, sizeof(buf));
	n = rej_uniform(r, 0, buf, sizeof(buf));
	while (n < DM_MLKEM_N) {
		dm_shake_squeeze(&st, buf, DM_SHAKE128_RATE);
		n = rej_uniform(r, n, buf, DM_SHAKE128_RATE);
	}
}

void dm_mlkem_poly_sample_ntt_x4(struct dm_mlkem_poly *const r[], const uint8_t idx[][2],
				 unsigned n, const uint8_t rho[DM_MLKEM_SYM_BYTES])
{
	struct dm_keccak_x4 st;
	uint8_t in[4][DM_MLKEM_SYM_BYTES + 2];
	uint8_t buf[4][SAMPLE_BLOCKS * DM_SHAKE128_RATE];
	const uint8_t *inp[4];
	uint8_t *out[4];
	unsigned cnt[4] = {0, 0, 0, 0}, done;

	for (unsigned j = 0; j < 4; j++) {
		unsigned src = j < n ? j : 0; /* idle lanes repeat lane 0 */
		memcpy(in[j], rho, DM_MLKEM_SYM_BYTES);
		in[j][DM_MLKEM_SYM_BYTES] = idx[src][0];
		in[j][DM_MLKEM_SYM_BYTES + 1] = idx[src][1];
		inp[j] = in[j];
		out[j] = buf[j];
	}
	dm_shake_x4_absorb_once(&st, DM_SHAKE128_RATE, inp, sizeof(in[0]));
	dm_shake_x4_squeezeblocks(&st, out, SAMPLE_BLOCKS);
	size_t len = sizeof(buf[0]);
	do {
		done = 0;
		for (unsigned j = 0; j < n; j++) {
			cnt[j] = rej_uniform(r[j], cnt[j], buf[j], len);
			done += cnt[j] == DM_MLKEM_N;
		}
		if (done < n) {
			dm_shake_x4_squeezeblocks(&st, out, 1);
			len = DM_SHAKE128_RATE;
		}
	} while (done < n);
}
