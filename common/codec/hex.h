/* Hexadecimal encoding (lowercase out, either case in). */
#ifndef DM_CODEC_HEX_H
#define DM_CODEC_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL to `out` (size >= 2*len+1). */
void dm_hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decodes exactly `hexlen` digits (must be even) into `out`.
 * Returns the number of bytes written, or DM_EINVAL (odd length, non-hex
 * digit) / DM_ETOOBIG (more than `outcap` bytes); `out` may be partly written
 * on failure.
 */
long dm_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap);

#endif
