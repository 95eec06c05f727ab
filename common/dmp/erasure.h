/*
 * Cross-chunk erasure coding, byte-compatible with the reference's use of
 * zfec (wire.md §7, §7.1).
 *
 * Message level: the outer message is prefixed with its u32 length, zero
 * padded to k blocks of 128 bytes and encoded to n shares (shares 0..k-1 are
 * the data blocks, k..n-1 parity), where k = max(1, ceil((L+4)/128)) and
 * n = k + max(1, ceil(3k/10)). Any k distinct shares give the message back.
 *
 * Block level (dm_fec_*): zfec's systematic Vandermonde code on blocks of any
 * size, 1 <= k <= n <= 256. The encoding matrix is E = V * (V_top)^-1 with
 * V[0] = [1,0,...,0] and V[r][c] = alpha^((r-1)c) for r >= 1.
 */
#ifndef DM_DMP_ERASURE_H
#define DM_DMP_ERASURE_H

#include <stddef.h>
#include <stdint.h>

#define DM_ERASURE_BLOCK  128 /* bytes per share */
#define DM_ERASURE_PREFIX 4   /* u32 big-endian length prefix */
#define DM_FEC_MAX_N	  256 /* zfec's limit on n */
#define DM_ERASURE_MAX_K  196 /* largest k with n <= 256 (n = 255) */
/* Largest encodable outer message: 196 * 128 - 4 = 25084 bytes. */
#define DM_ERASURE_MAX_MSG (DM_ERASURE_MAX_K * DM_ERASURE_BLOCK - DM_ERASURE_PREFIX)

/*
 * The reference's choose_kn(): k and n for a `msg_len`-byte message, even
 * when n > 256 (then encoding refuses). DM_ETOOBIG if msg_len does not fit
 * the u32 length prefix.
 */
int dm_erasure_params(size_t msg_len, unsigned *ret_k, unsigned *ret_n);

/*
 * Encodes `msg[0..len)`. Returns n * 128 bytes of shares (share i at offset
 * i * 128) with k and n; DM_ETOOBIG if n would exceed 256, DM_ENOMEM.
 * Caller frees *ret_shares with free().
 */
int dm_erasure_encode(const uint8_t *msg, size_t len, uint8_t **ret_shares, unsigned *ret_k,
		      unsigned *ret_n) __attribute__((warn_unused_result));

/*
 * The reference's erasure.decode(): `count` received shares, shares[i] of
 * length lens[i] (lens may be NULL: all 128) with share id ids[i]; ids must
 * be distinct. Like the reference it sorts by id and uses only the first k,
 * and fails if any of those is not exactly 128 bytes or has id >= n; it then
 * reads the length prefix and rejects L > k*128 - 4. Returns 0 and a new
 * message (non-NULL even when empty) in *ret_msg / *ret_len; DM_EINVAL on bad
 * parameters, fewer than k shares, duplicate ids or a bad prefix; DM_ETOOBIG
 * for n > 256; DM_ENOMEM. Caller frees *ret_msg with free().
 */
int dm_erasure_decode(unsigned k, unsigned n, const uint8_t *const *shares, const size_t *lens,
		      const unsigned *ids, size_t count, uint8_t **ret_msg, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Writes rows k..n-1 of the encoding matrix E ((n-k) * k coefficients,
 * row-major) to `ret_rows`. DM_EINVAL unless 1 <= k <= n; DM_ETOOBIG if
 * n > 256.
 */
int dm_fec_parity_matrix(unsigned k, unsigned n, uint8_t *ret_rows);

/*
 * zfec encode: data[0..k) are blocks of `block_len` bytes; writes the n-k
 * parity blocks to ret_parity[0..n-k). Same errors as dm_fec_parity_matrix.
 */
int dm_fec_encode_blocks(unsigned k, unsigned n, const uint8_t *const *data, size_t block_len,
			 uint8_t *const *ret_parity);

/*
 * zfec decode: exactly k shares of `block_len` bytes, shares[i] with id
 * ids[i] (distinct, < n, any order); writes data blocks 0..k-1 to
 * ret_data[0..k), which must not overlap the shares. DM_EINVAL on bad or
 * duplicate ids, DM_ETOOBIG if n > 256.
 */
int dm_fec_decode_blocks(unsigned k, unsigned n, const uint8_t *const *shares, const unsigned *ids,
			 size_t block_len, uint8_t *const *ret_data)
    __attribute__((warn_unused_result));

#endif
