/*
 * The little Unicode the DMP reference's string checks need: strict UTF-8
 * decoding (what Python's str.decode("utf-8") accepts) and Python's
 * str.isalnum() for single code points, used by the legacy
 * DNSEncoder.validate_domain check (wire.md §3.1).
 */
#ifndef DM_CODEC_UNICODE_H
#define DM_CODEC_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the code point at s[*pos], advancing *pos past it. Returns false
 * (and leaves *pos alone) on an invalid, overlong, surrogate, out-of-range or
 * truncated sequence.
 */
bool dm_utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *ret_cp)
    __attribute__((warn_unused_result));

/* Python's chr(cp).isalnum(): letters (L*) and numerics (Nd, Nl, No, ...). */
bool dm_unicode_isalnum(uint32_t cp);

#endif
