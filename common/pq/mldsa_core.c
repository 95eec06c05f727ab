/*
 * ML-DSA KeyGen_internal, Sign_internal (from mu) and Verify_internal (from
 * mu): FIPS 204 Algorithms 6-8 with the encodings of Algorithms 22-28.
 *
 * The signer computes every rejection condition of an iteration before it
 * decides, so timing reveals only how many iterations ran, not which check
 * failed. A is expanded four entries at a time with the x4 SHAKE128,
 * which is where verification spends most of its time.
 */
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pq/mldsa.h"
#include "common/pq/mldsa_poly.h"
#include "common/pq/sha3.h"

#define T1_BITS 10
#define T0_BITS 13

const struct dm_mldsa_params dm_mldsa44_params = {
    .name = "ML-DSA-44",
    .k = 4,
    .l = 4,
    .eta = 2,
    .tau = 39,
    .omega = 80,
    .beta = 78,
    .gamma1 = 1 << 17,
    .gamma2 = (DM_MLDSA_Q - 1) / 88,
    .ctilde_bytes = 32,
    .z_bits = 18,
    .w1_bits = 6,
    .eta_bits = 3,
    .pk_bytes = 1312,
    .sk_bytes = 2560,
    .sig_bytes = 2420,
};

const struct dm_mldsa_params dm_mldsa65_params = {
    .name = "ML-DSA-65",
    .k = 6,
    .l = 5,
    .eta = 4,
    .tau = 49,
    .omega = 55,
    .beta = 196,
    .gamma1 = 1 << 19,
    .gamma2 = (DM_MLDSA_Q - 1) / 32,
    .ctilde_bytes = 48,
    .z_bits = 20,
    .w1_bits = 4,
    .eta_bits = 4,
    .pk_bytes = 1952,
    .sk_bytes = 4032,
    .sig_bytes = 3309,
};

const struct dm_mldsa_params *dm_mldsa_params_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, dm_mldsa44_params.name) == 0)
		return &dm_mldsa44_params;
	if (strcmp(name, dm_mldsa65_params.name) == 0)
		return &dm_mldsa65_params;
	return NULL;
}

/* Row i of A times vector v (NTT domain, |v| < q): r = sum_j A[i][j] o v[j] * 2^-32. */
static void matrix_row_mul(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *row,
			   const struct dm_mldsa_poly *v, unsigned l)
{
	for (unsigned n = 0; n < DM_MLDSA_N; n++) {
		int64_t acc = 0;
		/* |A| < q and |v| < q: five products stay far below q * 2^31. */
		for (unsigned j = 0; j < l; j++)
			acc += (int64_t)row[j].c[n] * v[j].c[n];
		r->c[n] = dm_mldsa_montred(acc);
	}
}

/* ExpandA, four entries per batch; a short last batch fills its spare lanes with a scratch poly. */
static void expand_matrix(const struct dm_mldsa_params *p,
			  struct dm_mldsa_poly mat[DM_MLDSA_KMAX][DM_MLDSA_LMAX],
			  const uint8_t rho[32])
{
	struct dm_mldsa_poly spare;
	unsigned total = p->k * p->l;

	for (unsigned base = 0; base < total; base += 4) {
		struct dm_mldsa_poly *dst[4];
		uint8_t sr[4][2];

		for (unsigned j = 0; j < 4; j++) {
			unsigned e = base + j < total ? base + j : total - 1;
			unsigned i = e / p->l, col = e % p->l;
			dst[j] = base + j < total ? &mat[i][col] : &spare;
			sr[j][0] = (uint8_t)col; /* A[i][j] from rho || j || i */
			sr[j][1] = (uint8_t)i;
		}
		dm_mldsa_poly_uniform_x4(dst, rho, sr);
	}
}

static size_t eta_poly_bytes(const struct dm_mldsa_params *p)
{
	return 32 * (size_t)p->eta_bits;
}

struct keygen_state {
	uint8_t seedbuf[DM_MLDSA_SEED_BYTES + 2];
	uint8_t expanded[128]; /* rho || rho' || K */
	struct dm_mldsa_poly mat[DM_MLDSA_KMAX][DM_MLDSA_LMAX];
	struct dm_mldsa_poly s1[DM_MLDSA_LMAX], s1hat[DM_MLDSA_LMAX], s2[DM_MLDSA_KMAX];
	struct dm_mldsa_poly t1[DM_MLDSA_KMAX], t0[DM_MLDSA_KMAX];
};

int dm_mldsa_keygen(const struct dm_mldsa_params *p, uint8_t *pk, uint8_t *sk, const uint8_t *seed,
		    size_t seedlen)
{
	struct keygen_state st;
	const uint8_t *rho = st.expanded, *rhop = st.expanded + 32, *key = st.expanded + 96;
	uint8_t *out;

	if (p == NULL || seed == NULL || seedlen != DM_MLDSA_SEED_BYTES)
		return DM_EINVAL;

	/* The final standard binds k and l into the expansion (pq.md section 3). */
	memcpy(st.seedbuf, seed, DM_MLDSA_SEED_BYTES);
	st.seedbuf[DM_MLDSA_SEED_BYTES] = (uint8_t)p->k;
	st.seedbuf[DM_MLDSA_SEED_BYTES + 1] = (uint8_t)p->l;
	dm_shake256(st.expanded, sizeof(st.expanded), st.seedbuf, sizeof(st.seedbuf));

	expand_matrix(p, st.mat, rho);
	for (unsigned j = 0; j < p->l; j++) {
		dm_mldsa_poly_uniform_eta(&st.s1[j], rhop, (uint16_t)j, (int)p->eta);
		st.s1hat[j] = st.s1[j];
		dm_mldsa_poly_ntt(&st.s1hat[j]);
		dm_mldsa_poly_reduce(&st.s1hat[j]);
	}
	for (unsigned i = 0; i < p->k; i++) {
		struct dm_mldsa_poly *t = &st.t1[i];

		dm_mldsa_poly_uniform_eta(&st.s2[i], rhop, (uint16_t)(p->l + i), (int)p->eta);
		matrix_row_mul(t, st.mat[i], st.s1hat, p->l);
		dm_mldsa_poly_invntt_tomont(t);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			t->c[n] += st.s2[i].c[n];
		dm_mldsa_poly_freeze(t);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			t->c[n] = dm_mldsa_power2round(&st.t0[i].c[n], t->c[n]);
	}

	/* pk = rho || t1; sk = rho || K || tr || s1 || s2 || t0. */
	memcpy(pk, rho, 32);
	for (unsigned i = 0; i < p->k; i++)
		dm_mldsa_poly_pack(pk + 32 + 32 * T1_BITS * (size_t)i, &st.t1[i], T1_BITS, 0, 0);
	memcpy(sk, rho, 32);
	memcpy(sk + 32, key, 32);
	dm_shake256(sk + 64, DM_MLDSA_TR_BYTES, pk, p->pk_bytes);
	out = sk + 64 + DM_MLDSA_TR_BYTES;
	for (unsigned j = 0; j < p->l; j++, out += eta_poly_bytes(p))
		dm_mldsa_poly_pack(out, &st.s1[j], p->eta_bits, (int32_t)p->eta, 1);
	for (unsigned i = 0; i < p->k; i++, out += eta_poly_bytes(p))
		dm_mldsa_poly_pack(out, &st.s2[i], p->eta_bits, (int32_t)p->eta, 1);
	for (unsigned i = 0; i < p->k; i++, out += 32 * T0_BITS)
		dm_mldsa_poly_pack(out, &st.t0[i], T0_BITS, 1 << (T0_BITS - 1), 1);

	sodium_memzero(&st, sizeof(st));
	return 0;
}

struct sign_state {
	uint8_t rho[32], key[32], tr[DM_MLDSA_TR_BYTES];
	uint8_t seedbuf[32 + DM_MLDSA_RND_BYTES + DM_MLDSA_MU_BYTES];
	uint8_t rhopp[64];
	uint8_t ctilde[64];
	uint8_t w1enc[DM_MLDSA_KMAX * 32 * 6];
	struct dm_mldsa_poly mat[DM_MLDSA_KMAX][DM_MLDSA_LMAX];
	struct dm_mldsa_poly s1hat[DM_MLDSA_LMAX], s2hat[DM_MLDSA_KMAX], t0hat[DM_MLDSA_KMAX];
	struct dm_mldsa_poly y[DM_MLDSA_LMAX], z[DM_MLDSA_LMAX], yhat[DM_MLDSA_LMAX];
	struct dm_mldsa_poly w[DM_MLDSA_KMAX], h[DM_MLDSA_KMAX];
	struct dm_mldsa_poly chat, tmp, low;
};

static void unpack_sk(const struct dm_mldsa_params *p, struct sign_state *st, const uint8_t *sk)
{
	const uint8_t *in = sk + 64 + DM_MLDSA_TR_BYTES;

	memcpy(st->rho, sk, 32);
	memcpy(st->key, sk + 32, 32);
	memcpy(st->tr, sk + 64, DM_MLDSA_TR_BYTES);
	for (unsigned j = 0; j < p->l; j++, in += eta_poly_bytes(p)) {
		dm_mldsa_poly_unpack(&st->s1hat[j], in, p->eta_bits, (int32_t)p->eta, 1);
		dm_mldsa_poly_ntt(&st->s1hat[j]);
		dm_mldsa_poly_reduce(&st->s1hat[j]);
	}
	for (unsigned i = 0; i < p->k; i++, in += eta_poly_bytes(p)) {
		dm_mldsa_poly_unpack(&st->s2hat[i], in, p->eta_bits, (int32_t)p->eta, 1);
		dm_mldsa_poly_ntt(&st->s2hat[i]);
		dm_mldsa_poly_reduce(&st->s2hat[i]);
	}
	for (unsigned i = 0; i < p->k; i++, in += 32 * T0_BITS) {
		dm_mldsa_poly_unpack(&st->t0hat[i], in, T0_BITS, 1 << (T0_BITS - 1), 1);
		dm_mldsa_poly_ntt(&st->t0hat[i]);
		dm_mldsa_poly_reduce(&st->t0hat[i]);
	}
}

/* r = NTT^-1(chat o a), as the centered representative (exact for small products). */
static void challenge_mul(struct dm_mldsa_poly *r, const struct dm_mldsa_poly *chat,
			  const struct dm_mldsa_poly *a)
{
	dm_mldsa_poly_pointwise(r, chat, a);
	dm_mldsa_poly_invntt_tomont(r);
	dm_mldsa_poly_reduce(r);
}

/*
 * One iteration of the signing loop for counter kappa; 0 if (z, h) is
 * accepted. Computes all four checks unconditionally.
 */
static int sign_attempt(const struct dm_mldsa_params *p, struct sign_state *st,
			const uint8_t mu[DM_MLDSA_MU_BYTES], unsigned kappa)
{
	struct dm_keccak hk;
	uint32_t reject = 0;
	int32_t hints = 0;
	size_t w1poly = 32 * (size_t)p->w1_bits;

	for (unsigned base = 0; base < p->l; base += 4) {
		struct dm_mldsa_poly *dst[4];
		uint16_t nonce[4];

		for (unsigned j = 0; j < 4; j++) {
			dst[j] = base + j < p->l ? &st->y[base + j] : &st->tmp;
			nonce[j] = (uint16_t)(kappa + base + j);
		}
		dm_mldsa_poly_uniform_gamma1_x4(dst, st->rhopp, nonce, p->gamma1);
	}
	for (unsigned j = 0; j < p->l; j++) {
		st->yhat[j] = st->y[j];
		dm_mldsa_poly_ntt(&st->yhat[j]);
		dm_mldsa_poly_reduce(&st->yhat[j]);
	}
	for (unsigned i = 0; i < p->k; i++) {
		matrix_row_mul(&st->w[i], st->mat[i], st->yhat, p->l);
		dm_mldsa_poly_invntt_tomont(&st->w[i]);
		dm_mldsa_poly_freeze(&st->w[i]);
		for (unsigned n = 0; n < DM_MLDSA_N; n++) {
			int32_t r0;
			st->tmp.c[n] = dm_mldsa_decompose(&r0, st->w[i].c[n], p->gamma2);
		}
		dm_mldsa_poly_pack(st->w1enc + w1poly * i, &st->tmp, p->w1_bits, 0, 0);
	}

	dm_shake256_init(&hk);
	dm_shake_absorb(&hk, mu, DM_MLDSA_MU_BYTES);
	dm_shake_absorb(&hk, st->w1enc, w1poly * p->k);
	dm_shake_squeeze(&hk, st->ctilde, p->ctilde_bytes);
	dm_keccak_wipe(&hk);

	dm_mldsa_poly_challenge(&st->chat, st->ctilde, p->ctilde_bytes, (int)p->tau, 1);
	dm_mldsa_poly_ntt(&st->chat);
	dm_mldsa_poly_reduce(&st->chat);

	/* z = y + c s1 */
	for (unsigned j = 0; j < p->l; j++) {
		challenge_mul(&st->tmp, &st->chat, &st->s1hat[j]);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			st->z[j].c[n] = st->y[j].c[n] + st->tmp.c[n];
		reject |= (uint32_t)dm_mldsa_poly_exceeds(&st->z[j], p->gamma1 - p->beta);
	}

	for (unsigned i = 0; i < p->k; i++) {
		/* w - c s2, reduced to [0, q) */
		challenge_mul(&st->tmp, &st->chat, &st->s2hat[i]);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			st->w[i].c[n] =
			    dm_mldsa_caddq(dm_mldsa_reduce32(st->w[i].c[n] - st->tmp.c[n]));
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			(void)dm_mldsa_decompose(&st->low.c[n], st->w[i].c[n], p->gamma2);
		reject |= (uint32_t)dm_mldsa_poly_exceeds(&st->low, p->gamma2 - p->beta);

		/* c t0, then h = MakeHint(-c t0, w - c s2 + c t0) */
		challenge_mul(&st->tmp, &st->chat, &st->t0hat[i]);
		reject |= (uint32_t)dm_mldsa_poly_exceeds(&st->tmp, p->gamma2);
		for (unsigned n = 0; n < DM_MLDSA_N; n++) {
			int32_t r0, a = st->w[i].c[n];
			int32_t b = dm_mldsa_caddq(dm_mldsa_reduce32(a + st->tmp.c[n]));
			uint32_t d = (uint32_t)(dm_mldsa_decompose(&r0, a, p->gamma2) ^
						dm_mldsa_decompose(&r0, b, p->gamma2));
			st->h[i].c[n] = (int32_t)((d | (0u - d)) >> 31);
			hints += st->h[i].c[n];
		}
	}
	reject |= (uint32_t)((int32_t)p->omega - hints) >> 31;
	return reject ? -1 : 0;
}

/* sigEncode (Algorithm 26): c tilde || z || HintBitPack(h). */
static void pack_sig(const struct dm_mldsa_params *p, uint8_t *sig, const struct sign_state *st)
{
	uint8_t *out = sig;
	unsigned idx = 0;

	memcpy(out, st->ctilde, p->ctilde_bytes);
	out += p->ctilde_bytes;
	for (unsigned j = 0; j < p->l; j++, out += 32 * (size_t)p->z_bits)
		dm_mldsa_poly_pack(out, &st->z[j], p->z_bits, p->gamma1, 1);
	memset(out, 0, p->omega + p->k);
	/* h is public from here on: the signature reveals it. */
	for (unsigned i = 0; i < p->k; i++) {
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			if (st->h[i].c[n])
				out[idx++] = (uint8_t)n;
		out[p->omega + i] = (uint8_t)idx;
	}
}

int dm_mldsa_sign_mu(const struct dm_mldsa_params *p, uint8_t *sig,
		     const uint8_t mu[DM_MLDSA_MU_BYTES], const uint8_t rnd[DM_MLDSA_RND_BYTES],
		     const uint8_t *sk, size_t sklen)
{
	struct sign_state st;
	int r = DM_ECRYPTO;

	if (p == NULL || sk == NULL || sklen != p->sk_bytes)
		return DM_EINVAL;
	unpack_sk(p, &st, sk);
	expand_matrix(p, st.mat, st.rho);

	/* rho'' = H(K || rnd || mu, 64) */
	memcpy(st.seedbuf, st.key, 32);
	memcpy(st.seedbuf + 32, rnd, DM_MLDSA_RND_BYTES);
	memcpy(st.seedbuf + 32 + DM_MLDSA_RND_BYTES, mu, DM_MLDSA_MU_BYTES);
	dm_shake256(st.rhopp, sizeof(st.rhopp), st.seedbuf, sizeof(st.seedbuf));

	/*
	 * The mask nonce is 16 bits; stopping before it wraps bounds the loop
	 * (about 13000 iterations against an expected 5).
	 */
	for (unsigned kappa = 0; kappa + p->l <= 0xffff; kappa += p->l) {
		if (sign_attempt(p, &st, mu, kappa) == 0) {
			pack_sig(p, sig, &st);
			r = 0;
			break;
		}
	}
	sodium_memzero(&st, sizeof(st));
	return r;
}

/* HintBitUnpack (Algorithm 21): -1 on any malformed encoding. */
static int unpack_hints(const struct dm_mldsa_params *p, uint8_t h[DM_MLDSA_KMAX][DM_MLDSA_N],
			const uint8_t *in)
{
	unsigned idx = 0;

	memset(h, 0, DM_MLDSA_KMAX * DM_MLDSA_N);
	for (unsigned i = 0; i < p->k; i++) {
		unsigned limit = in[p->omega + i];
		unsigned first = idx;

		if (limit < idx || limit > p->omega)
			return -1;
		for (; idx < limit; idx++) {
			if (idx > first && in[idx - 1] >= in[idx])
				return -1;
			h[i][in[idx]] = 1;
		}
	}
	for (; idx < p->omega; idx++)
		if (in[idx] != 0)
			return -1;
	return 0;
}

struct verify_state {
	struct dm_mldsa_poly mat[DM_MLDSA_KMAX][DM_MLDSA_LMAX];
	uint8_t h[DM_MLDSA_KMAX][DM_MLDSA_N];
	uint8_t w1enc[DM_MLDSA_KMAX * 32 * 6];
	uint8_t ctilde[64];
	struct dm_mldsa_poly zhat[DM_MLDSA_LMAX];
	struct dm_mldsa_poly chat, t1, w, a;
};

int dm_mldsa_verify_mu(const struct dm_mldsa_params *p, const uint8_t *sig, size_t siglen,
		       const uint8_t mu[DM_MLDSA_MU_BYTES], const uint8_t *pk, size_t pklen)
{
	struct verify_state st;
	struct dm_keccak k;
	const uint8_t *zin;
	size_t w1poly;

	if (p == NULL || sig == NULL || pk == NULL || siglen != p->sig_bytes ||
	    pklen != p->pk_bytes)
		return DM_EINVAL;

	zin = sig + p->ctilde_bytes;
	if (unpack_hints(p, st.h, zin + 32 * (size_t)p->z_bits * p->l) != 0)
		return DM_ESIG;
	for (unsigned j = 0; j < p->l; j++) {
		dm_mldsa_poly_unpack(&st.zhat[j], zin + 32 * (size_t)p->z_bits * j, p->z_bits,
				     p->gamma1, 1);
		/* Strict bound: ||z|| = gamma1 - beta is already invalid. */
		if (dm_mldsa_poly_exceeds(&st.zhat[j], p->gamma1 - p->beta))
			return DM_ESIG;
		dm_mldsa_poly_ntt(&st.zhat[j]);
		dm_mldsa_poly_reduce(&st.zhat[j]);
	}

	dm_mldsa_poly_challenge(&st.chat, sig, p->ctilde_bytes, (int)p->tau, 0);

	/* w' = A z - c t1 2^d: A z through the NTT, c t1 by sparse shifts. */
	w1poly = 32 * (size_t)p->w1_bits;
	expand_matrix(p, st.mat, pk);
	for (unsigned i = 0; i < p->k; i++) {
		matrix_row_mul(&st.w, st.mat[i], st.zhat, p->l);
		dm_mldsa_poly_invntt_tomont(&st.w);
		dm_mldsa_poly_unpack(&st.t1, pk + 32 + 32 * T1_BITS * (size_t)i, T1_BITS, 0, 0);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			st.t1.c[n] <<= DM_MLDSA_D;
		dm_mldsa_poly_sparse_mul(&st.a, &st.chat, &st.t1);
		/* |A z| < q and |c t1 2^d| <= tau 2^23: the difference fits reduce32. */
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			st.w.c[n] -= st.a.c[n];
		dm_mldsa_poly_freeze(&st.w);
		for (unsigned n = 0; n < DM_MLDSA_N; n++)
			st.w.c[n] = dm_mldsa_use_hint(st.w.c[n], st.h[i][n], p->gamma2);
		dm_mldsa_poly_pack(st.w1enc + w1poly * i, &st.w, p->w1_bits, 0, 0);
	}

	dm_shake256_init(&k);
	dm_shake_absorb(&k, mu, DM_MLDSA_MU_BYTES);
	dm_shake_absorb(&k, st.w1enc, w1poly * p->k);
	dm_shake_squeeze(&k, st.ctilde, p->ctilde_bytes);
	/* All lambda/4 bytes, no early exit (a leading zero byte is not special). */
	if (sodium_memcmp(st.ctilde, sig, p->ctilde_bytes) != 0)
		return DM_ESIG;
	return 0;
}
