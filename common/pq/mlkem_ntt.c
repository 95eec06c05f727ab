/*
 * Number-theoretic transform over Z_3329[X]/(X^256 + 1) for ML-KEM (FIPS 203
 * section 4.3). Polynomials enter and leave in [0, q); inside, butterflies
 * work lazily on signed 16-bit values with Montgomery multiplication written
 * as low/high 16-bit products, in loops shaped so compilers turn them into
 * 8-lane vector code at -O2 (pmullw/pmulhw on x86-64, plain SSE2). Every step
 * is a fixed sequence of multiplies, shifts and masks: timing does not depend
 * on the data.
 *
 * Assumes two's complement with arithmetic right shift of negative values and
 * modular narrowing to int16_t (implementation-defined in C11, true of every
 * GCC and Clang target; the static assertion below catches the exception).
 */
#include "common/pq/mlkem_internal.h"

/*
 * zetas_mont[i] = 17^BitRev7(i) 2^16 mod q, centred (FIPS 203 Appendix A's
 * first table in Montgomery form): fqmul() divides by 2^16 again, so a
 * butterfly multiplies by exactly 17^BitRev7(i).
 */
static const int16_t zetas_mont[128] = {
    -1044, -758,  -359,	 -1517, 1493,  1422,  287,   202,   -171,  622,	  1577,	 182,	962,
    -1202, -1474, 1468,	 573,	-1325, 264,   383,   -829,  1458,  -1602, -130,	 -681,	1017,
    732,   608,	  -1542, 411,	-205,  -1571, 1223,  652,   -552,  1015,  -1293, 1491,	-282,
    -1544, 516,	  -8,	 -320,	-666,  -1618, -1162, 126,   1469,  -853,  -90,	 -271,	830,
    107,   -1421, -247,	 -951,	-398,  961,   -1508, -725,  448,   -1065, 677,	 -1275, -1103,
    430,   555,	  843,	 -1251, 871,   1550,  105,   422,   587,   177,	  -235,	 -291,	-460,
    1574,  1653,  -246,	 778,	1159,  -147,  -777,  1483,  -602,  1119,  -1590, 644,	-872,
    349,   418,	  329,	 -156,	-75,   817,   1097,  603,   610,   1322,  -1285, -1465, 384,
    -1215, -136,  1218,	 -1335, -874,  220,   -1187, -1659, -1185, -1530, -1278, 794,	-1510,
    -854,  -870,  478,	 -108,	-308,  996,   991,   958,   -1460, 1522,  1628,
};

/* gammas_mont[i] = 17^(2 BitRev7(i) + 1) 2^16 mod q, centred (Appendix A's second table). */
static const int16_t gammas_mont[128] = {
    -1103, 1103,  430,	 -430,	555,   -555,  843,  -843,  -1251, 1251,	 871,	-871,  1550,
    -1550, 105,	  -105,	 422,	-422,  587,   -587, 177,   -177,  -235,	 235,	-291,  291,
    -460,  460,	  1574,	 -1574, 1653,  -1653, -246, 246,   778,	  -778,	 1159,	-1159, -147,
    147,   -777,  777,	 1483,	-1483, -602,  602,  1119,  -1119, -1590, 1590,	644,   -644,
    -872,  872,	  349,	 -349,	418,   -418,  329,  -329,  -156,  156,	 -75,	75,    817,
    -817,  1097,  -1097, 603,	-603,  610,   -610, 1322,  -1322, -1285, 1285,	-1465, 1465,
    384,   -384,  -1215, 1215,	-136,  136,   1218, -1218, -1335, 1335,	 -874,	874,   220,
    -220,  -1187, 1187,	 -1659, 1659,  -1185, 1185, -1530, 1530,  -1278, 1278,	794,   -794,
    -1510, 1510,  -854,	 854,	-870,  870,   478,  -478,  -108,  108,	 -308,	308,   996,
    -996,  991,	  -991,	 958,	-958,  -1460, 1460, 1522,  -1522, 1628,	 -1628,
};

_Static_assert((-3 >> 1) == -2, "arithmetic right shift of negative values required");

#define QINV (-3327) /* q^-1 mod 2^16, as a signed 16-bit value */
/* 128^-1 2^16 mod q: the inverse transform's scaling, in Montgomery form. */
#define INV_SCALE_MONT 512
/* 2^32 mod q: undoes the 2^-16 that the base multiplication leaves. */
#define MONT_SQ 1353

/*
 * a b 2^-16 mod q, in (-q, q), for |a b| < q 2^15. The low halves of a b and
 * t q agree by the choice of t, so (a b - t q) >> 16 is exactly the
 * difference of the high halves.
 */
static inline int16_t fqmul(int16_t a, int16_t b)
{
	int16_t lo = (int16_t)(a * b);
	int16_t hi = (int16_t)(((int32_t)a * b) >> 16);
	int16_t t = (int16_t)(lo * QINV);
	int16_t th = (int16_t)(((int32_t)t * DM_MLKEM_Q) >> 16);
	return (int16_t)(hi - th);
}

/* A representative of a mod q in [-(q-1)/2, (q-1)/2] for any int16 a (checked exhaustively). */
static inline int16_t barrett_reduce(int16_t a)
{
	int16_t t = (int16_t)(((int32_t)a * 20159) >> 16); /* 20159 = round(2^26 / q) */
	t = (int16_t)((t + 512) >> 10);
	return (int16_t)(a - t * DM_MLKEM_Q);
}

/* a mod q in [0, q) for any int16 a. */
static inline uint16_t canonical(int16_t a)
{
	int16_t r = barrett_reduce(a);
	return (uint16_t)(r + (DM_MLKEM_Q & (r >> 15)));
}

/* One forward layer; inlined with a constant len so the inner loop vectorises. */
static inline void ntt_layer(int16_t *v, unsigned len, unsigned *k)
{
	for (unsigned start = 0; start < DM_MLKEM_N; start += 2 * len) {
		int16_t zeta = zetas_mont[(*k)++];
		int16_t *lo = v + start, *hi = v + start + len;
		for (unsigned j = 0; j < len; j++) {
			int16_t t = fqmul(zeta, hi[j]);
			hi[j] = (int16_t)(lo[j] - t);
			lo[j] = (int16_t)(lo[j] + t);
		}
	}
}

/*
 * No reduction between layers: each grows the bound by less than q, so after
 * seven |v| < 8q still fits int16 and stays inside fqmul's input range (zetas
 * are at most (q-1)/2 in magnitude). One pass at the end normalises.
 * (uint16_t and int16_t may alias: same type up to signedness.)
 */
void dm_mlkem_ntt(struct dm_mlkem_poly *f)
{
	int16_t *v = (int16_t *)f->c;
	unsigned k = 1;

	ntt_layer(v, 128, &k);
	ntt_layer(v, 64, &k);
	ntt_layer(v, 32, &k);
	ntt_layer(v, 16, &k);
	ntt_layer(v, 8, &k);
	ntt_layer(v, 4, &k);
	ntt_layer(v, 2, &k);
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		f->c[i] = canonical(v[i]);
}

/*
 * One inverse layer. Differences go through fqmul (|.| < q after); sums are
 * Barrett-reduced every second layer, so no value exceeds 4q in magnitude.
 */
static inline void invntt_layer(int16_t *v, unsigned len, unsigned *k, int reduce)
{
	for (unsigned start = 0; start < DM_MLKEM_N; start += 2 * len) {
		int16_t zeta = zetas_mont[(*k)--];
		int16_t *lo = v + start, *hi = v + start + len;
		for (unsigned j = 0; j < len; j++) {
			int16_t t = lo[j], u = hi[j];
			int16_t s = (int16_t)(t + u);
			lo[j] = reduce ? barrett_reduce(s) : s;
			hi[j] = fqmul(zeta, (int16_t)(u - t));
		}
	}
}

void dm_mlkem_invntt(struct dm_mlkem_poly *f)
{
	int16_t *v = (int16_t *)f->c;
	unsigned k = 127;

	invntt_layer(v, 2, &k, 0);
	invntt_layer(v, 4, &k, 1);
	invntt_layer(v, 8, &k, 0);
	invntt_layer(v, 16, &k, 1);
	invntt_layer(v, 32, &k, 0);
	invntt_layer(v, 64, &k, 1);
	invntt_layer(v, 128, &k, 0);
	for (unsigned i = 0; i < DM_MLKEM_N; i++)
		f->c[i] = canonical(fqmul(v[i], INV_SCALE_MONT));
}

/*
 * BaseCaseMultiply summed over k: every fqmul leaves a factor 2^-16 (the
 * gamma product cancels its own by using gamma 2^16), removed at the end with
 * one more fqmul by 2^32. Terms are below 2q per product, so k <= 3 sums stay
 * below 6q in int16.
 */
void dm_mlkem_basemul_acc(struct dm_mlkem_poly *r, const struct dm_mlkem_poly *a,
			  const struct dm_mlkem_poly *b, unsigned k)
{
	int16_t c0[DM_MLKEM_N / 2] = {0}, c1[DM_MLKEM_N / 2] = {0};

	for (unsigned j = 0; j < k; j++) {
		const int16_t *x = (const int16_t *)a[j].c, *y = (const int16_t *)b[j].c;
		for (unsigned i = 0; i < DM_MLKEM_N / 2; i++) {
			int16_t a0 = x[2 * i], a1 = x[2 * i + 1];
			int16_t b0 = y[2 * i], b1 = y[2 * i + 1];
			int16_t g = fqmul(fqmul(a1, b1), gammas_mont[i]);
			c0[i] = (int16_t)(c0[i] + fqmul(a0, b0) + g);
			c1[i] = (int16_t)(c1[i] + fqmul(a0, b1) + fqmul(a1, b0));
		}
	}
	for (unsigned i = 0; i < DM_MLKEM_N / 2; i++) {
		r->c[2 * i] = canonical(fqmul(c0[i], MONT_SQ));
		r->c[2 * i + 1] = canonical(fqmul(c1[i], MONT_SQ));
	}
}
