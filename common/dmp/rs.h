/*
 * Reed-Solomon with reedsolo's RSCodec(32) semantics (wire.md §8.1): GF(2^8)
 * poly 0x11D, alpha = 2, first consecutive root fcr = 0, 32 parity symbols,
 * codewords of at most 255 bytes, systematic with the data first
 * (codeword = data || parity; byte 0 is the highest-degree coefficient).
 *
 * Decoding is errors-only (no erasure hints) and corrects up to 16 wrong
 * bytes per codeword. A result is accepted only if the corrected codeword's
 * syndromes are all zero, so more errors are refused rather than mis-read
 * (except for the inherent case of landing within 16 bytes of another
 * codeword, which no decoder can detect).
 */
#ifndef DM_DMP_RS_H
#define DM_DMP_RS_H

#include <stddef.h>
#include <stdint.h>

#define DM_RS_NSYM     32			  /* parity bytes per codeword */
#define DM_RS_NSIZE    255			  /* maximum codeword length */
#define DM_RS_MAX_DATA (DM_RS_NSIZE - DM_RS_NSYM) /* 223 */
#define DM_RS_MAX_ERR  (DM_RS_NSYM / 2)		  /* 16 */

/* g(x) = prod_{i=0}^{31} (x - alpha^i), 33 coefficients, highest degree first. */
void dm_rs_generator(uint8_t ret_gen[DM_RS_NSYM + 1]);

/*
 * Parity of `data[0..len)`, 1 <= len <= 223: the remainder of data(x)*x^32
 * divided by g(x). DM_EINVAL for len 0, DM_ETOOBIG above 223.
 */
int dm_rs_encode(const uint8_t *data, size_t len, uint8_t ret_parity[DM_RS_NSYM]);

/*
 * Corrects one codeword `cw[0..len)` (1 <= len <= 255) in place. Returns 0
 * and the number of corrected bytes in *ret_nerr (may be NULL), or DM_EINVAL
 * when it cannot be corrected (`cw` is then left unchanged). As in reedsolo,
 * a codeword of 32 bytes or fewer carries no data and decodes only towards
 * all-zero.
 */
int dm_rs_correct(uint8_t *cw, size_t len, unsigned *ret_nerr) __attribute__((warn_unused_result));

/* Decoded length of a `cwlen`-byte input to dm_rs_decode(). */
size_t dm_rs_decoded_len(size_t cwlen);

/*
 * RSCodec.decode(): splits `in[0..len)` into 255-byte pieces (the last one
 * shorter), corrects each, and writes the concatenated data parts (each piece
 * minus its last 32 bytes, nothing for pieces of 32 bytes or fewer) to `out`
 * (capacity `outcap`). Returns 0 and *ret_len, DM_EINVAL if any piece is
 * uncorrectable or len is 0, DM_ETOOBIG if `out` is too small. `out` may be
 * partly written on failure.
 */
int dm_rs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
