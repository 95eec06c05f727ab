/*
 * RFC 4648 base64 (standard alphabet, '=' padding), with the two decoders the
 * DMP reference uses (wire.md §4.1):
 *
 *  - strict: only alphabet characters followed by the correct '=' padding
 *    (used by cluster, bootstrap, rotation, revocation, heartbeat, claim);
 *  - lenient: Python's default b64decode: bytes outside the alphabet are
 *    skipped, decoding stops at the first complete padding group, and a
 *    wrong number of data characters is an error (message-path records).
 *
 * Encoders always emit canonical padded output with no whitespace.
 */
#ifndef DM_CODEC_BASE64_H
#define DM_CODEC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of `n` bytes, without the NUL. */
static inline size_t dm_b64_encoded_len(size_t n)
{
	return 4 * ((n + 2) / 3);
}

/* Upper bound of the decoded size of `n` input characters. */
static inline size_t dm_b64_decoded_max(size_t n)
{
	return 3 * (n / 4) + 3;
}

/* Writes dm_b64_encoded_len(len) characters and a NUL to `out`. */
void dm_b64_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decode `in[0..inlen)` into `out` (capacity `outcap`). Return 0 and set
 * *ret_len on success; DM_EINVAL on malformed input, DM_ETOOBIG if the result
 * would not fit. `out` may be partly written on failure.
 */
int dm_b64_decode_strict(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));
int dm_b64_decode_lenient(const char *in, size_t inlen, uint8_t *out, size_t outcap,
			  size_t *ret_len) __attribute__((warn_unused_result));

#endif
