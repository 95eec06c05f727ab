/*
 * K-PKE, the CPA-secure encryption scheme under ML-KEM (FIPS 203 section 5).
 * Parameter-generic over k; every secret-dependent scratch polynomial lives in
 * one struct so a single sodium_memzero wipes it.
 */
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"

#include <sodium.h>
#include <string.h>

/*
 * A hat[i][j] = SampleNTT(rho || j || i). The transposed form is generated
 * directly (rows of A^T contiguous) so each output polynomial of A^T y is a
 * dot product over k adjacent entries. Entries are sampled four at a time
 * with the x4 Keccak; a lone leftover entry uses the scalar sponge.
 */
static void gen_matrix(const struct dm_mlkem_params *p, struct dm_mlkem_poly *a,
		       const uint8_t rho[DM_MLKEM_SYM_BYTES], int transposed)
{
	const unsigned k = p->k, total = k * k;

	for (unsigned base = 0; base < total; base += 4) {
		struct dm_mlkem_poly *r[4];
		uint8_t idx[4][2];
		unsigned n = total - base < 4 ? total - base : 4;

		for (unsigned j = 0; j < n; j++) {
			unsigned row = (base + j) / k, col = (base + j) % k;
			r[j] = &a[base + j];
			idx[j][0] = (uint8_t)(transposed ? row : col);
			idx[j][1] = (uint8_t)(transposed ? col : row);
		}
		if (n == 1)
			dm_mlkem_poly_sample_ntt(r[0], rho, idx[0][0], idx[0][1]);
		else
			dm_mlkem_poly_sample_ntt_x4(r, idx, n, rho);
	}
}

/* r[j] = CBD_eta[j](PRF(seed, nonce0 + j)) for j < n, batched four at a time. */
static void sample_noise(struct dm_mlkem_poly *const r[], const unsigned eta[], unsigned n,
			 const uint8_t seed[DM_MLKEM_SYM_BYTES], uint8_t nonce0)
{
	for (unsigned base = 0; base < n; base += 4) {
		unsigned cnt = n - base < 4 ? n - base : 4;
		if (cnt == 1)
			dm_mlkem_poly_noise(r[base], seed, (uint8_t)(nonce0 + base), eta[base]);
		else
			dm_mlkem_poly_noise_x4(r + base, eta + base, cnt, seed,
					       (uint8_t)(nonce0 + base));
	}
}

void dm_kpke_keygen(const struct dm_mlkem_params *p, uint8_t *ek, uint8_t *dk_pke,
		    const uint8_t d[DM_MLKEM_SYM_BYTES])
{
	struct {
		uint8_t in[DM_MLKEM_SYM_BYTES + 1];
		uint8_t g[64]; /* rho || sigma */
		struct dm_mlkem_poly a[DM_MLKEM_KMAX * DM_MLKEM_KMAX];
		struct dm_mlkem_poly s[DM_MLKEM_KMAX];
		struct dm_mlkem_poly e[DM_MLKEM_KMAX];
		struct dm_mlkem_poly t;
	} w;
	const unsigned k = p->k;
	const uint8_t *rho = w.g, *sigma = w.g + DM_MLKEM_SYM_BYTES;
	struct dm_mlkem_poly *noise[2 * DM_MLKEM_KMAX];
	unsigned eta[2 * DM_MLKEM_KMAX];

	/* The trailing k byte is the final standard's domain separator. */
	memcpy(w.in, d, DM_MLKEM_SYM_BYTES);
	w.in[DM_MLKEM_SYM_BYTES] = (uint8_t)k;
	dm_sha3_512(w.g, w.in, sizeof(w.in));

	gen_matrix(p, w.a, rho, 0);
	/* s then e, nonces 0 .. 2k-1. */
	for (unsigned i = 0; i < k; i++) {
		noise[i] = &w.s[i];
		noise[k + i] = &w.e[i];
		eta[i] = eta[k + i] = p->eta1;
	}
	sample_noise(noise, eta, 2 * k, sigma, 0);
	for (unsigned i = 0; i < k; i++) {
		dm_mlkem_ntt(&w.s[i]);
		dm_mlkem_ntt(&w.e[i]);
	}
	for (unsigned i = 0; i < k; i++) {
		dm_mlkem_basemul_acc(&w.t, &w.a[i * k], w.s, k);
		dm_mlkem_poly_add(&w.t, &w.e[i]);
		dm_mlkem_poly_tobytes(ek + DM_MLKEM_POLY_BYTES * i, &w.t);
		dm_mlkem_poly_tobytes(dk_pke + DM_MLKEM_POLY_BYTES * i, &w.s[i]);
	}
	memcpy(ek + DM_MLKEM_POLY_BYTES * k, rho, DM_MLKEM_SYM_BYTES);
	sodium_memzero(&w, sizeof(w));
}

void dm_kpke_encrypt(const struct dm_mlkem_params *p, uint8_t *ct, const uint8_t *ek,
		     const uint8_t m[DM_MLKEM_SYM_BYTES], const uint8_t r[DM_MLKEM_SYM_BYTES])
{
	/* Derived from ek alone: public, so not wiped. */
	struct {
		struct dm_mlkem_poly at[DM_MLKEM_KMAX * DM_MLKEM_KMAX];
		struct dm_mlkem_poly t[DM_MLKEM_KMAX];
	} pub;
	struct {
		struct dm_mlkem_poly y[DM_MLKEM_KMAX];
		struct dm_mlkem_poly e1[DM_MLKEM_KMAX];
		struct dm_mlkem_poly e2;
		struct dm_mlkem_poly u;
		struct dm_mlkem_poly mu;
	} w;
	const unsigned k = p->k;
	const size_t ubytes = 32 * p->du;
	struct dm_mlkem_poly *noise[2 * DM_MLKEM_KMAX + 1];
	unsigned eta[2 * DM_MLKEM_KMAX + 1];

	for (unsigned i = 0; i < k; i++)
		dm_mlkem_poly_frombytes(&pub.t[i], ek + DM_MLKEM_POLY_BYTES * i);
	gen_matrix(p, pub.at, ek + DM_MLKEM_POLY_BYTES * k, 1);

	/* y, e1, e2 with nonces 0 .. 2k. */
	for (unsigned i = 0; i < k; i++) {
		noise[i] = &w.y[i];
		eta[i] = p->eta1;
		noise[k + i] = &w.e1[i];
		eta[k + i] = p->eta2;
	}
	noise[2 * k] = &w.e2;
	eta[2 * k] = p->eta2;
	sample_noise(noise, eta, 2 * k + 1, r, 0);
	for (unsigned i = 0; i < k; i++)
		dm_mlkem_ntt(&w.y[i]);

	/* u = NTT^-1(A^T y) + e1. */
	for (unsigned i = 0; i < k; i++) {
		dm_mlkem_basemul_acc(&w.u, &pub.at[i * k], w.y, k);
		dm_mlkem_invntt(&w.u);
		dm_mlkem_poly_add(&w.u, &w.e1[i]);
		dm_mlkem_poly_compress(ct + ubytes * i, &w.u, p->du);
	}

	/* v = NTT^-1(t^T y) + e2 + Decompress_1(m). */
	dm_mlkem_basemul_acc(&w.u, pub.t, w.y, k);
	dm_mlkem_invntt(&w.u);
	dm_mlkem_poly_add(&w.u, &w.e2);
	dm_mlkem_poly_decompress(&w.mu, m, 1);
	dm_mlkem_poly_add(&w.u, &w.mu);
	dm_mlkem_poly_compress(ct + ubytes * k, &w.u, p->dv);
	sodium_memzero(&w, sizeof(w));
}

void dm_kpke_decrypt(const struct dm_mlkem_params *p, uint8_t m[DM_MLKEM_SYM_BYTES],
		     const uint8_t *dk_pke, const uint8_t *ct)
{
	struct {
		struct dm_mlkem_poly u[DM_MLKEM_KMAX];
		struct dm_mlkem_poly s[DM_MLKEM_KMAX];
		struct dm_mlkem_poly v;
		struct dm_mlkem_poly w;
	} w;
	const unsigned k = p->k;
	const size_t ubytes = 32 * p->du;

	for (unsigned i = 0; i < k; i++) {
		dm_mlkem_poly_decompress(&w.u[i], ct + ubytes * i, p->du);
		dm_mlkem_ntt(&w.u[i]);
		dm_mlkem_poly_frombytes(&w.s[i], dk_pke + DM_MLKEM_POLY_BYTES * i);
	}
	dm_mlkem_poly_decompress(&w.v, ct + ubytes * k, p->dv);
	dm_mlkem_basemul_acc(&w.w, w.s, w.u, k);
	dm_mlkem_invntt(&w.w);
	dm_mlkem_poly_sub(&w.v, &w.w);
	dm_mlkem_poly_compress(m, &w.v, 1);
	sodium_memzero(&w, sizeof(w));
}
