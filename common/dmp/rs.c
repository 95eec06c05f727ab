/*
 * reedsolo RSCodec(32)-compatible Reed-Solomon: LFSR encoder, and a decoder
 * built from syndromes, Berlekamp-Massey, Chien search and Forney (fcr = 0).
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "common/dmp/gf256.h"
#include "common/dmp/rs.h"
#include "common/err.h"

static uint8_t generator[DM_RS_NSYM + 1];
/* gen_mul[f] = f * g(x) without its leading 1: one LFSR step is a 32-byte XOR. */
static uint8_t gen_mul[256][DM_RS_NSYM];
static pthread_once_t generator_once = PTHREAD_ONCE_INIT;

static void generator_build(void)
{
	/* Low-degree first while multiplying by (x + alpha^i), one root at a time. */
	uint8_t g[DM_RS_NSYM + 1] = {1};
	for (unsigned i = 0; i < DM_RS_NSYM; i++) {
		uint8_t root = dm_gf256_exp(i);
		for (unsigned j = i + 1; j > 0; j--)
			g[j] = g[j - 1] ^ dm_gf256_mul(g[j], root);
		g[0] = dm_gf256_mul(g[0], root);
	}
	for (unsigned j = 0; j <= DM_RS_NSYM; j++)
		generator[j] = g[DM_RS_NSYM - j];
	for (unsigned f = 0; f < 256; f++)
		for (unsigned j = 0; j < DM_RS_NSYM; j++)
			gen_mul[f][j] = dm_gf256_mul((uint8_t)f, generator[j + 1]);
}

static void rs_init(void)
{
	(void)pthread_once(&generator_once, generator_build);
}

void dm_rs_generator(uint8_t ret_gen[DM_RS_NSYM + 1])
{
	rs_init();
	memcpy(ret_gen, generator, DM_RS_NSYM + 1);
}

/*
 * data(x) * x^32 mod g(x), len <= 223. The 32-byte remainder register slides
 * along `win` instead of shifting: at step i it is win[i..i+32).
 */
static void lfsr_rem(const uint8_t *data, size_t len, uint8_t ret[DM_RS_NSYM])
{
	uint8_t win[DM_RS_MAX_DATA + DM_RS_NSYM + 1];

	memset(win, 0, len + DM_RS_NSYM + 1);
	for (size_t i = 0; i < len; i++) {
		const uint8_t *t = gen_mul[data[i] ^ win[i]];
		uint8_t *w = win + i + 1;
		for (unsigned j = 0; j < DM_RS_NSYM; j++)
			w[j] ^= t[j];
	}
	memcpy(ret, win + len, DM_RS_NSYM);
}

int dm_rs_encode(const uint8_t *data, size_t len, uint8_t ret_parity[DM_RS_NSYM])
{
	if (len == 0)
		return DM_EINVAL;
	if (len > DM_RS_MAX_DATA)
		return DM_ETOOBIG;
	rs_init();
	lfsr_rem(data, len, ret_parity);
	return 0;
}

/*
 * cw(x) mod g(x), highest degree first. It is zero exactly when every
 * syndrome is (g's roots are the 32 syndrome points), and
 * S_j = cw(alpha^j) = rem(alpha^j), so this is all the decoder reads.
 */
static bool rs_remainder(const uint8_t *cw, size_t len, uint8_t r[DM_RS_NSYM])
{
	size_t tail = len < DM_RS_NSYM ? len : DM_RS_NSYM;
	uint8_t any = 0;

	if (len > DM_RS_NSYM)
		lfsr_rem(cw, len - DM_RS_NSYM, r);
	else
		memset(r, 0, DM_RS_NSYM);
	for (size_t i = 0; i < tail; i++)
		r[DM_RS_NSYM - tail + i] ^= cw[len - tail + i];
	for (unsigned j = 0; j < DM_RS_NSYM; j++)
		any |= r[j];
	return any != 0;
}

static void syndromes(const uint8_t r[DM_RS_NSYM], uint8_t s[DM_RS_NSYM])
{
	for (unsigned j = 0; j < DM_RS_NSYM; j++) {
		const uint8_t *row = dm_gf256_mul_row(dm_gf256_exp(j));
		uint8_t acc = 0;
		for (unsigned i = 0; i < DM_RS_NSYM; i++)
			acc = row[acc] ^ r[i];
		s[j] = acc;
	}
}

/* Evaluates the low-degree-first polynomial p[0..deg] at x. */
static uint8_t poly_eval(const uint8_t *p, unsigned deg, uint8_t x)
{
	const uint8_t *row = dm_gf256_mul_row(x);
	uint8_t acc = 0;
	for (unsigned i = deg + 1; i > 0; i--)
		acc = row[acc] ^ p[i - 1];
	return acc;
}

/*
 * Berlekamp-Massey: the shortest LFSR (error locator Lambda, low degree first)
 * generating the syndromes. Returns its length L.
 */
static unsigned berlekamp_massey(const uint8_t s[DM_RS_NSYM], uint8_t lambda[DM_RS_NSYM + 1])
{
	uint8_t b[DM_RS_NSYM + 1] = {1}, t[DM_RS_NSYM + 1];
	unsigned L = 0, m = 1;
	uint8_t bd = 1;

	memset(lambda, 0, DM_RS_NSYM + 1);
	lambda[0] = 1;
	for (unsigned r = 0; r < DM_RS_NSYM; r++) {
		uint8_t d = s[r];
		for (unsigned i = 1; i <= L; i++)
			d ^= dm_gf256_mul(lambda[i], s[r - i]);
		if (d == 0) {
			m++;
			continue;
		}
		uint8_t coef = dm_gf256_div(d, bd);
		if (2 * L <= r) {
			memcpy(t, lambda, sizeof(t));
			for (unsigned i = 0; i + m <= DM_RS_NSYM; i++)
				lambda[i + m] ^= dm_gf256_mul(coef, b[i]);
			L = r + 1 - L;
			memcpy(b, t, sizeof(b));
			bd = d;
			m = 1;
		} else {
			for (unsigned i = 0; i + m <= DM_RS_NSYM; i++)
				lambda[i + m] ^= dm_gf256_mul(coef, b[i]);
			m++;
		}
	}
	return L;
}

int dm_rs_correct(uint8_t *cw, size_t len, unsigned *ret_nerr)
{
	uint8_t rem[DM_RS_NSYM], s[DM_RS_NSYM], lambda[DM_RS_NSYM + 1], omega[DM_RS_NSYM];
	uint8_t fixed[DM_RS_NSIZE];
	unsigned pos[DM_RS_MAX_ERR];

	if (len == 0 || len > DM_RS_NSIZE)
		return DM_EINVAL;
	rs_init();
	if (!rs_remainder(cw, len, rem)) {
		if (ret_nerr != NULL)
			*ret_nerr = 0;
		return 0;
	}
	syndromes(rem, s);

	unsigned L = berlekamp_massey(s, lambda);
	if (L > DM_RS_MAX_ERR)
		return DM_EINVAL;
	for (unsigned i = L + 1; i <= DM_RS_NSYM; i++)
		if (lambda[i] != 0)
			return DM_EINVAL;
	if (lambda[L] == 0)
		return DM_EINVAL;

	/*
	 * Chien search, limited to the len positions actually present: byte i is
	 * the coefficient of x^(len-1-i), so its locator is alpha^(len-1-i) and
	 * Lambda vanishes at the inverse. Roots in the shortened (virtual zero)
	 * part mean the word is not within 16 errors of a codeword.
	 */
	unsigned nroots = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned p = (unsigned)(len - 1 - i);
		if (poly_eval(lambda, L, dm_gf256_exp(DM_GF256_ORDER - p)) != 0)
			continue;
		if (nroots == L)
			return DM_EINVAL;
		pos[nroots++] = (unsigned)i;
	}
	if (nroots != L)
		return DM_EINVAL;

	/* Omega = S * Lambda mod x^32. */
	memset(omega, 0, sizeof(omega));
	for (unsigned i = 0; i < DM_RS_NSYM; i++)
		for (unsigned j = 0; j <= L && i + j < DM_RS_NSYM; j++)
			omega[i + j] ^= dm_gf256_mul(s[i], lambda[j]);

	/* Forney with fcr = 0: e = X * Omega(X^-1) / Lambda'(X^-1). */
	memcpy(fixed, cw, len);
	for (unsigned k = 0; k < nroots; k++) {
		unsigned p = (unsigned)(len - 1 - pos[k]);
		uint8_t x = dm_gf256_exp(p);
		uint8_t xinv = dm_gf256_exp(DM_GF256_ORDER - p);
		uint8_t num = dm_gf256_mul(x, poly_eval(omega, DM_RS_NSYM - 1, xinv));
		uint8_t den = 0, xpow = 1, xinv2 = dm_gf256_mul(xinv, xinv);
		for (unsigned i = 1; i <= L; i += 2) {
			den ^= dm_gf256_mul(lambda[i], xpow);
			xpow = dm_gf256_mul(xpow, xinv2);
		}
		if (den == 0)
			return DM_EINVAL;
		fixed[pos[k]] ^= dm_gf256_div(num, den);
	}

	/* Never accept a word that is not a codeword. */
	if (rs_remainder(fixed, len, rem))
		return DM_EINVAL;
	memcpy(cw, fixed, len);
	if (ret_nerr != NULL)
		*ret_nerr = nroots;
	return 0;
}

size_t dm_rs_decoded_len(size_t cwlen)
{
	size_t full = cwlen / DM_RS_NSIZE, rest = cwlen % DM_RS_NSIZE;
	return full * DM_RS_MAX_DATA + (rest > DM_RS_NSYM ? rest - DM_RS_NSYM : 0);
}

int dm_rs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
	uint8_t piece[DM_RS_NSIZE];

	if (len == 0)
		return DM_EINVAL;
	size_t total = dm_rs_decoded_len(len);
	if (total > outcap)
		return DM_ETOOBIG;
	size_t olen = 0;
	for (size_t off = 0; off < len; off += DM_RS_NSIZE) {
		size_t n = len - off < DM_RS_NSIZE ? len - off : DM_RS_NSIZE;
		memcpy(piece, in + off, n);
		int rc = dm_rs_correct(piece, n, NULL);
		if (rc < 0)
			return rc;
		if (n > DM_RS_NSYM) {
			memcpy(out + olen, piece, n - DM_RS_NSYM);
			olen += n - DM_RS_NSYM;
		}
	}
	*ret_len = olen;
	return 0;
}
