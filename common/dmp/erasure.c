/*
 * zfec-compatible erasure code.
 *
 * zfec's matrix E = V * (V_top)^-1 is a Vandermonde matrix over the points
 * x_0 = 0, x_r = alpha^(r-1), normalised so the first k rows are the
 * identity: share r is the value at x_r of the unique polynomial of degree
 * < k that takes the data values at x_0..x_{k-1}. So every coefficient is a
 * Lagrange basis value, computed here in O(k) from precomputed barycentric
 * weights in the log domain, without any matrix inversion: encode is
 * O(k^2 + (n-k)*k) table lookups plus the block arithmetic, and decode
 * touches only the missing data blocks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dmp/erasure.h"
#include "common/dmp/gf256.h"
#include "common/err.h"

static uint8_t point(unsigned id)
{
	return id == 0 ? 0 : dm_gf256_exp(id - 1);
}

/* log of the barycentric weight 1 / prod_{j != i} (p_i - p_j), for each i. */
static void weights_log(const uint8_t *pts, unsigned k, unsigned *ret_lw)
{
	for (unsigned i = 0; i < k; i++) {
		unsigned sum = 0;
		for (unsigned j = 0; j < k; j++)
			if (j != i)
				sum += dm_gf256_log(pts[i] ^ pts[j]);
		ret_lw[i] = (DM_GF256_ORDER - sum % DM_GF256_ORDER) % DM_GF256_ORDER;
	}
}

/*
 * coef[i] = l_i(x), the Lagrange basis over pts[0..k) evaluated at x, which
 * must differ from every point: l_i(x) = w_i * prod_j (x - p_j) / (x - p_i).
 */
static void lagrange_row(const uint8_t *pts, const unsigned *lw, unsigned k, uint8_t x,
			 uint8_t *coef)
{
	unsigned lnum = 0;
	for (unsigned j = 0; j < k; j++)
		lnum += dm_gf256_log(x ^ pts[j]);
	lnum %= DM_GF256_ORDER;
	for (unsigned i = 0; i < k; i++)
		coef[i] = dm_gf256_exp(lw[i] + lnum + DM_GF256_ORDER - dm_gf256_log(x ^ pts[i]));
}

static int check_kn(unsigned k, unsigned n)
{
	if (k == 0 || n < k)
		return DM_EINVAL;
	if (n > DM_FEC_MAX_N)
		return DM_ETOOBIG;
	return 0;
}

int dm_fec_parity_matrix(unsigned k, unsigned n, uint8_t *ret_rows)
{
	uint8_t pts[DM_FEC_MAX_N];
	unsigned lw[DM_FEC_MAX_N];
	int rc = check_kn(k, n);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < k; i++)
		pts[i] = point(i);
	weights_log(pts, k, lw);
	for (unsigned r = k; r < n; r++)
		lagrange_row(pts, lw, k, point(r), ret_rows + (size_t)(r - k) * k);
	return 0;
}

int dm_fec_encode_blocks(unsigned k, unsigned n, const uint8_t *const *data, size_t block_len,
			 uint8_t *const *ret_parity)
{
	uint8_t pts[DM_FEC_MAX_N], coef[DM_FEC_MAX_N];
	unsigned lw[DM_FEC_MAX_N];
	int rc = check_kn(k, n);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < k; i++)
		pts[i] = point(i);
	weights_log(pts, k, lw);
	for (unsigned r = k; r < n; r++) {
		uint8_t *out = ret_parity[r - k];
		lagrange_row(pts, lw, k, point(r), coef);
		memset(out, 0, block_len);
		for (unsigned c = 0; c < k; c++)
			dm_gf256_addmul(out, data[c], coef[c], block_len);
	}
	return 0;
}

int dm_fec_decode_blocks(unsigned k, unsigned n, const uint8_t *const *shares, const unsigned *ids,
			 size_t block_len, uint8_t *const *ret_data)
{
	uint8_t pts[DM_FEC_MAX_N], coef[DM_FEC_MAX_N];
	unsigned lw[DM_FEC_MAX_N];
	int have[DM_FEC_MAX_N];
	int rc = check_kn(k, n);
	if (rc < 0)
		return rc;

	for (unsigned i = 0; i < n; i++)
		have[i] = -1;
	for (unsigned i = 0; i < k; i++) {
		if (ids[i] >= n || have[ids[i]] >= 0)
			return DM_EINVAL;
		have[ids[i]] = (int)i;
		pts[i] = point(ids[i]);
	}

	bool weights_done = false;
	for (unsigned c = 0; c < k; c++) {
		if (have[c] >= 0) {
			memmove(ret_data[c], shares[have[c]], block_len);
			continue;
		}
		if (!weights_done) {
			weights_log(pts, k, lw);
			weights_done = true;
		}
		lagrange_row(pts, lw, k, point(c), coef);
		memset(ret_data[c], 0, block_len);
		for (unsigned i = 0; i < k; i++)
			dm_gf256_addmul(ret_data[c], shares[i], coef[i], block_len);
	}
	return 0;
}

int dm_erasure_params(size_t msg_len, unsigned *ret_k, unsigned *ret_n)
{
	if ((uint64_t)msg_len > UINT32_MAX)
		return DM_ETOOBIG;
	uint64_t k =
	    ((uint64_t)msg_len + DM_ERASURE_PREFIX + DM_ERASURE_BLOCK - 1) / DM_ERASURE_BLOCK;
	if (k == 0)
		k = 1;
	/* ceil(k * 0.3) in integers; equal to the float form for every k. */
	uint64_t parity = (3 * k + 9) / 10;
	if (parity == 0)
		parity = 1;
	*ret_k = (unsigned)k;
	*ret_n = (unsigned)(k + parity);
	return 0;
}

int dm_erasure_encode(const uint8_t *msg, size_t len, uint8_t **ret_shares, unsigned *ret_k,
		      unsigned *ret_n)
{
	const uint8_t *data[DM_FEC_MAX_N];
	uint8_t *parity[DM_FEC_MAX_N];
	unsigned k, n;
	int rc = dm_erasure_params(len, &k, &n);
	if (rc < 0)
		return rc;
	if (n > DM_FEC_MAX_N)
		return DM_ETOOBIG;

	uint8_t *shares = calloc(n, DM_ERASURE_BLOCK);
	if (shares == NULL)
		return DM_ENOMEM;
	dm_store_be32(shares, (uint32_t)len);
	if (len > 0)
		memcpy(shares + DM_ERASURE_PREFIX, msg, len);
	for (unsigned i = 0; i < k; i++)
		data[i] = shares + (size_t)i * DM_ERASURE_BLOCK;
	for (unsigned i = k; i < n; i++)
		parity[i - k] = shares + (size_t)i * DM_ERASURE_BLOCK;
	rc = dm_fec_encode_blocks(k, n, data, DM_ERASURE_BLOCK, parity);
	if (rc < 0) {
		free(shares);
		return rc;
	}
	*ret_shares = shares;
	*ret_k = k;
	*ret_n = n;
	return 0;
}

struct share_ref {
	unsigned id;
	size_t idx;
};

static int cmp_by_id(const void *a, const void *b)
{
	unsigned x = ((const struct share_ref *)a)->id, y = ((const struct share_ref *)b)->id;
	return (x > y) - (x < y);
}

int dm_erasure_decode(unsigned k, unsigned n, const uint8_t *const *shares, const size_t *lens,
		      const unsigned *ids, size_t count, uint8_t **ret_msg, size_t *ret_len)
{
	const uint8_t *use[DM_FEC_MAX_N];
	unsigned use_ids[DM_FEC_MAX_N];
	uint8_t *blocks[DM_FEC_MAX_N];
	uint8_t *padded = NULL;
	struct share_ref *order = NULL;
	int rc;

	if (k == 0 || n < k || count < k)
		return DM_EINVAL;
	if (n > DM_FEC_MAX_N)
		return DM_ETOOBIG;

	/* The reference holds shares in a dict and decodes the k lowest ids. */
	if (count > SIZE_MAX / sizeof(*order))
		return DM_ETOOBIG;
	order = malloc(count * sizeof(*order));
	if (order == NULL)
		return DM_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		order[i].id = ids[i];
		order[i].idx = i;
	}
	qsort(order, count, sizeof(*order), cmp_by_id);
	for (size_t i = 1; i < count; i++) {
		if (order[i].id == order[i - 1].id) {
			rc = DM_EINVAL;
			goto out;
		}
	}
	for (unsigned i = 0; i < k; i++) {
		size_t s = order[i].idx;
		if ((lens != NULL && lens[s] != DM_ERASURE_BLOCK) || ids[s] >= n) {
			rc = DM_EINVAL;
			goto out;
		}
		use[i] = shares[s];
		use_ids[i] = ids[s];
	}

	size_t plen = (size_t)k * DM_ERASURE_BLOCK;
	padded = malloc(plen);
	if (padded == NULL) {
		rc = DM_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < k; i++)
		blocks[i] = padded + (size_t)i * DM_ERASURE_BLOCK;
	rc = dm_fec_decode_blocks(k, n, use, use_ids, DM_ERASURE_BLOCK, blocks);
	if (rc < 0)
		goto out;

	uint32_t mlen = dm_load_be32(padded);
	if (mlen > plen - DM_ERASURE_PREFIX) {
		rc = DM_EINVAL;
		goto out;
	}
	/* Reuse the buffer: the message is a prefix-stripped slice of it. */
	memmove(padded, padded + DM_ERASURE_PREFIX, mlen);
	*ret_msg = padded;
	*ret_len = mlen;
	padded = NULL;
	rc = 0;
out:
	free(padded);
	free(order);
	return rc;
}
