/*
 * ML-DSA polynomial arithmetic: Montgomery reduction, NTT, rounding.
 * Written from FIPS 204 (Algorithms 35-42 and Appendix B). Everything here
 * that touches secrets (NTT, reductions, Decompose, norm checks) is
 * branch-free and uses no secret-indexed tables.
 */
#include "common/pq/mldsa_poly.h"

#include <string.h>

#define QINV   58728449 /* q^-1 mod 2^32 */
#define F_MONT 41978	/* 2^64 / 256 mod q: undoes the NTT's factor 256, adds 2^32 */

/* zetas[i] = 1753^brv8(i) * 2^32 mod q, centered (FIPS 204 Appendix B, Montgomery form). */
static const int32_t zetas[DM_MLDSA_N] = {
    -4186625, 25847,	-2608894, -518909,  237124,   -777960,	-876248,  466468,   1826347,
    2353451,  -359251,	-2091905, 3119733,  -2884855, 3111497,	2680103,  2725464,  1024112,
    -1079900, 3585928,	-549488,  -1119584, 2619752,  -2108549, -2118186, -3859737, -1399561,
    -3277672, 1757237,	-19422,	  4010497,  280005,   2706023,	95776,	  3077325,  3530437,
    -1661693, -3592148, -2537516, 3915439,  -3861115, -3043716, 3574422,  -2867647, 3539968,
    -300467,  2348700,	-539299,  -1699267, -1643818, 3505694,	-3821735, 3507263,  -2140649,
    -1600420, 3699596,	811944,	  531354,   954230,   3881043,	3900724,  -2556880, 2071892,
    -2797779, -3930395, -1528703, -3677745, -3041255, -1452451, 3475950,  2176455,  -1585221,
    -1257611, 1939314,	-4083598, -1000202, -3190144, -3157330, -3632928, 126922,   3412210,
    -983419,  2147896,	2715295,  -2967645, -3693493, -411027,	-2477047, -671102,  -1228525,
    -22981,   -1308169, -381987,  1349076,  1852771,  -1430430, -3343383, 264944,   508951,
    3097992,  44288,	-1100098, 904516,   3958618,  -3724342, -8578,	  1653064,  -3249728,
    2389356,  -210977,	759969,	  -1316856, 189548,   -3553272, 3159746,  -1851402, -2409325,
    -177440,  1315589,	1341330,  1285669,  -1584928, -812732,	-1439742, -3019102, -3881060,
    -3628969, 3839961,	2091667,  3407706,  2316500,  3817976,	-3342478, 2244091,  -2446433,
    -3562462, 266997,	2434439,  -1235728, 3513181,  -3520352, -3759364, -1197226, -3193378,
    900702,   1859098,	909542,	  819034,   495491,   -1613174, -43260,	  -522500,  -655327,
    -3122442, 2031748,	3207046,  -3556995, -525098,  -768622,	-3595838, 342297,   286988,
    -2437823, 4108315,	3437287,  -3342277, 1735879,  203044,	2842341,  2691481,  -2590150,
    1265009,  4055324,	1247620,  2486353,  1595974,  -3767016, 1250494,  2635921,  -3548272,
    -2994039, 1869119,	1903435,  -1050970, -1333058, 1237275,	-3318210, -1430225, -451100,
    1312455,  3306115,	-1962642, -1279661, 1917081,  -2546312, -1374803, 1500165,  777191,
    2235880,  3406031,	-542412,  -2831860, -1671176, -1846953, -2584293, -3724270, 594136,
    -3776993, -2013608, 2432395,  2454455,  -164721,  1957272,	3369112,  185531,   -1207385,
    -3183426, 162844,	1616392,  3014001,  810149,   1652634,	-3694233, -1799107, -3038916,
    3523897,  3866901,	269760,	  2213111,  -975884,  1717735,	472078,	  -426683,  1723600,
    -1803090, 1910376,	-1667432, -1104333, -260646,  -3833893, -2939036, -2235985, -420899,
    -2286327, 183443,	-976891,  1612842,  -3545687, -554416,	3919660,  -48306,   -1362209,
    3937738,  1400424,	-846154,  1976782,
};

int32_t dm_mldsa_montred(int64_t a)
{
	int32_t t = (int32_t)(uint32_t)((uint64_t)a * QINV);

	return (int32_t)((a - (int64_t)t * DM_MLDSA_Q) >> 32);
}

int32_t dm_mldsa_reduce32(int32_t a)
{
	int32_t t = (a + (1 << 22)) >> 23;

	return a - t * DM_MLDSA_Q;
}

int32_t dm_mldsa_caddq(int32_t a)
{
	return a + ((a >> 31) & DM_MLDSA_Q);
}

void dm_mldsa_poly_ntt(struct dm_mldsa_poly *a)
{
	int32_t *w = a->c;
	unsigned m = 0;

	for (unsigned len = 128; len >= 1; len >>= 1) {
		for (unsigned start = 0; start < DM_MLDSA_N; start += 2 * len) {
			int64_t z = zetas[++m];
			for (unsigned j = start; j < start + len; j++) {
				int32_t t = dm_mldsa_montred(z * w[j + len]);
				w[j + len] = w[j] - t;
				w[j] = w[j] + t;
			}
		}
	}
}

void dm_mldsa_poly_invntt_tomont(struct dm_mldsa_poly *a)
{
	int32_t *w = a->c;
	unsigned m = DM_MLDSA_N;

	/* The untwisted halves grow to at most 256q < 2^31 after 8 layers. */
	for (unsigned len = 1; len < DM_MLDSA_N; len <<= 1) {
		for (unsigned start = 0; start < DM_MLDSA_N; start += 2 * len) {
			int64_t z = -(int64_t)zetas[--m];
			for (unsigned j = start; j < start + len; j++) {
				int32_t t = w[j];
				w[j] = t + w[j + len];
				w[j + len] = dm_mldsa_montred(z * (t - w[j + len]));
			}
		}
	}
	for (unsigned j = 0; j < DM_MLDSA_N; j++)
		w[j] = dm_mldsa_montred((int64_t)F_MONT * w[j]);
}

void dm_mldsa_poly_pointwise(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *a,
			     const struct dm_mldsa_poly *b)
{
	for (unsigned i = 0; i < DM_MLDSA_N; i++)
		r->c[i] = dm_mldsa_montred((int64_t)a->c[i] * b->c[i]);
}

void dm_mldsa_poly_reduce(struct dm_mldsa_poly *a)
{
	for (unsigned i = 0; i < DM_MLDSA_N; i++)
		a->c[i] = dm_mldsa_reduce32(a->c[i]);
}

void dm_mldsa_poly_freeze(struct dm_mldsa_poly *a)
{
	for (unsigned i = 0; i < DM_MLDSA_N; i++)
		a->c[i] = dm_mldsa_caddq(dm_mldsa_reduce32(a->c[i]));
}

int dm_mldsa_poly_exceeds(const struct dm_mldsa_poly *a, int32_t bound)
{
	uint32_t bad = 0;

	for (unsigned i = 0; i < DM_MLDSA_N; i++) {
		int32_t v = a->c[i];
		int32_t abs = v - ((v >> 31) & (2 * v));
		bad |= (uint32_t)(bound - 1 - abs) >> 31;
	}
	return (int)bad;
}

#if defined(__GNUC__)
typedef int32_t v4i __attribute__((vector_size(16)));
#endif

void dm_mldsa_poly_sparse_mul(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *c,
			      const struct dm_mldsa_poly *t)
{
	/*
	 * pos holds t twice, the first copy negated (X^256 = -1), so X^j t is
	 * the window pos[256 - j .. 512 - j); neg is -pos for the -1 terms.
	 * Summing the windows 16 coefficients at a time keeps the partial sums
	 * in vector registers (GCC/Clang vector extensions; plain loop otherwise).
	 */
	int32_t pos[2 * DM_MLDSA_N], neg[2 * DM_MLDSA_N];
	const int32_t *win[DM_MLDSA_N];
	unsigned nwin = 0;

	for (unsigned i = 0; i < DM_MLDSA_N; i++) {
		pos[i] = neg[DM_MLDSA_N + i] = -t->c[i];
		neg[i] = pos[DM_MLDSA_N + i] = t->c[i];
	}
	for (unsigned j = 0; j < DM_MLDSA_N; j++)
		if (c->c[j] != 0)
			win[nwin++] = (c->c[j] > 0 ? pos : neg) + DM_MLDSA_N - j;
#if defined(__GNUC__)
	for (unsigned i0 = 0; i0 < DM_MLDSA_N; i0 += 16) {
		v4i a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
		for (unsigned k = 0; k < nwin; k++) {
			const int32_t *w = win[k] + i0;
			v4i x0, x1, x2, x3;
			memcpy(&x0, w, sizeof(x0));
			memcpy(&x1, w + 4, sizeof(x1));
			memcpy(&x2, w + 8, sizeof(x2));
			memcpy(&x3, w + 12, sizeof(x3));
			a0 += x0;
			a1 += x1;
			a2 += x2;
			a3 += x3;
		}
		memcpy(r->c + i0, &a0, sizeof(a0));
		memcpy(r->c + i0 + 4, &a1, sizeof(a1));
		memcpy(r->c + i0 + 8, &a2, sizeof(a2));
		memcpy(r->c + i0 + 12, &a3, sizeof(a3));
	}
#else
	memset(r->c, 0, sizeof(r->c));
	for (unsigned k = 0; k < nwin; k++)
		for (unsigned i = 0; i < DM_MLDSA_N; i++)
			r->c[i] += win[k][i];
#endif
}

int32_t dm_mldsa_power2round(int32_t *ret_r0, int32_t a)
{
	int32_t r1 = (a + (1 << (DM_MLDSA_D - 1)) - 1) >> DM_MLDSA_D;

	*ret_r0 = a - (r1 << DM_MLDSA_D);
	return r1;
}

int32_t dm_mldsa_decompose(int32_t *ret_r0, int32_t a, int32_t gamma2)
{
	/* floor((a + gamma2 - 1) / (2 gamma2)) by multiplication (exact for a < q). */
	uint64_t mul = gamma2 == (DM_MLDSA_Q - 1) / 32 ? 537395713u : 1477838210u;
	int32_t m = (DM_MLDSA_Q - 1) / (2 * gamma2);
	int32_t r1 = (int32_t)(((uint64_t)(uint32_t)(a + gamma2 - 1) * mul) >> 48);
	int32_t r0 = a - r1 * 2 * gamma2;
	/* r1 == m means r+ - r0 == q - 1: FIPS 204 sets r1 = 0 and r0 -= 1. */
	int32_t corner = (m - 1 - r1) >> 31;

	*ret_r0 = r0 + corner;
	return r1 & ~corner;
}

int32_t dm_mldsa_use_hint(int32_t a, unsigned hint, int32_t gamma2)
{
	int32_t m = (DM_MLDSA_Q - 1) / (2 * gamma2);
	int32_t r0;
	int32_t r1 = dm_mldsa_decompose(&r0, a, gamma2);

	if (!hint)
		return r1;
	if (r0 > 0)
		return r1 + 1 == m ? 0 : r1 + 1;
	return r1 == 0 ? m - 1 : r1 - 1;
}

void dm_mldsa_poly_pack(uint8_t *out, const struct dm_mldsa_poly *a, unsigned bits, int32_t off,
			int neg)
{
	uint64_t acc = 0;
	unsigned nacc = 0;
	uint32_t mask = (1u << bits) - 1;

	for (unsigned i = 0; i < DM_MLDSA_N; i++) {
		uint32_t v = (uint32_t)(neg ? off - a->c[i] : a->c[i]) & mask;
		acc |= (uint64_t)v << nacc;
		nacc += bits;
		while (nacc >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			nacc -= 8;
		}
	}
}

/* 10-bit fields (t1): four per five bytes. */
static void unpack10(uint32_t v[DM_MLDSA_N], const uint8_t *in)
{
	for (unsigned i = 0; i < DM_MLDSA_N; i += 4, in += 5) {
		v[i] = ((uint32_t)in[0] | (uint32_t)in[1] << 8) & 0x3ff;
		v[i + 1] = ((uint32_t)in[1] >> 2 | (uint32_t)in[2] << 6) & 0x3ff;
		v[i + 2] = ((uint32_t)in[2] >> 4 | (uint32_t)in[3] << 4) & 0x3ff;
		v[i + 3] = ((uint32_t)in[3] >> 6 | (uint32_t)in[4] << 2) & 0x3ff;
	}
}

/* 20-bit fields (z of ML-DSA-65): two per five bytes. */
static void unpack20(uint32_t v[DM_MLDSA_N], const uint8_t *in)
{
	for (unsigned i = 0; i < DM_MLDSA_N; i += 2, in += 5) {
		v[i] = ((uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16) & 0xfffff;
		v[i + 1] = (uint32_t)in[2] >> 4 | (uint32_t)in[3] << 4 | (uint32_t)in[4] << 12;
	}
}

static void unpack_generic(uint32_t v[DM_MLDSA_N], const uint8_t *in, unsigned bits)
{
	uint64_t acc = 0;
	unsigned nacc = 0;
	uint32_t mask = (1u << bits) - 1;

	for (unsigned i = 0; i < DM_MLDSA_N; i++) {
		while (nacc < bits) {
			acc |= (uint64_t)*in++ << nacc;
			nacc += 8;
		}
		v[i] = (uint32_t)acc & mask;
		acc >>= bits;
		nacc -= bits;
	}
}

void dm_mldsa_poly_unpack(struct dm_mldsa_poly *a, const uint8_t *in, unsigned bits, int32_t off,
			  int neg)
{
	uint32_t v[DM_MLDSA_N];

	/* The two widths verification decodes get straight-line decoders. */
	if (bits == 10)
		unpack10(v, in);
	else if (bits == 20)
		unpack20(v, in);
	else
		unpack_generic(v, in, bits);
	if (neg) {
		for (unsigned i = 0; i < DM_MLDSA_N; i++)
			a->c[i] = off - (int32_t)v[i];
	} else {
		for (unsigned i = 0; i < DM_MLDSA_N; i++)
			a->c[i] = (int32_t)v[i];
	}
}
