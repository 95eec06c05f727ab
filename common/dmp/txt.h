/*
 * Multi-string TXT RDATA (wire.md §4.3): a value is carried as consecutive
 * <=255-byte character-strings of one RR, and readers concatenate them.
 * Split points carry no meaning; a value of exactly 255 bytes is one string.
 */
#ifndef DM_DMP_TXT_H
#define DM_DMP_TXT_H

#include <stddef.h>
#include <stdint.h>

#define DM_TXT_STRING_MAX 255

/* Size of the RDATA carrying `len` bytes as ceil(len/255) strings (1 empty string if len==0). */
size_t dm_txt_rdata_len(size_t len);

/* value -> length-prefixed character-strings. Returns bytes written or DM_ETOOBIG. */
long dm_txt_rdata_encode(const uint8_t *value, size_t len, uint8_t *out, size_t cap);

/*
 * RDATA -> concatenated value; returns the value length. DM_EINVAL if a string
 * overruns the RDATA or the RDATA is empty (RFC 1035 requires at least one
 * string), DM_ETOOBIG if the value does not fit in `cap`.
 */
long dm_txt_rdata_decode(const uint8_t *rdata, size_t len, uint8_t *out, size_t cap)
    __attribute__((warn_unused_result));

#endif
