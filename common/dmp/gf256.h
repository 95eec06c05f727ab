/*
 * Arithmetic in GF(2^8) with the polynomial x^8+x^4+x^3+x^2+1 (0x11D) and
 * generator alpha = 2: the field shared by zfec's erasure code (wire.md §7.1)
 * and reedsolo's RSCodec(32) (§8.1).
 *
 * Scalar operations use constant log/exp tables. Bulk operations use a
 * 64 KiB product table built once on first use (thread-safe), so inner loops
 * are one table lookup per byte with no branches and no allocation.
 */
#ifndef DM_DMP_GF256_H
#define DM_DMP_GF256_H

#include <stddef.h>
#include <stdint.h>

#define DM_GF256_POLY  0x11d
#define DM_GF256_ORDER 255 /* multiplicative group order */

/* a * b. */
uint8_t dm_gf256_mul(uint8_t a, uint8_t b);
/* a / b; `b` must be non-zero (0 is returned for b == 0). */
uint8_t dm_gf256_div(uint8_t a, uint8_t b);
/* 1 / a; `a` must be non-zero (0 is returned for a == 0). */
uint8_t dm_gf256_inv(uint8_t a);
/* alpha^e for any e (taken mod 255). */
uint8_t dm_gf256_exp(unsigned e);
/* log_alpha(a) in 0..254; `a` must be non-zero (0 is returned for a == 0). */
unsigned dm_gf256_log(uint8_t a);

/* The 256-entry row x -> c * x of the product table (static, never freed). */
const uint8_t *dm_gf256_mul_row(uint8_t c);

/* dst[i] ^= c * src[i] for i < len. */
void dm_gf256_addmul(uint8_t *dst, const uint8_t *src, uint8_t c, size_t len);

/* dst[i] = c * src[i] for i < len (dst may equal src). */
void dm_gf256_mul_region(uint8_t *dst, const uint8_t *src, uint8_t c, size_t len);

/*
 * Inverts the n x n matrix `m` (row-major) in place by Gauss-Jordan
 * elimination. Returns 0, or DM_EINVAL if it is singular (then `m` is
 * garbage). n is at most 256.
 */
int dm_gf256_invert_matrix(uint8_t *m, unsigned n) __attribute__((warn_unused_result));

#endif
