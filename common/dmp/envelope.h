/*
 * DMPv2 plaintext envelope (wire.md §13, 0.7.5): inside the AEAD plaintext,
 *
 *     "DMPV2:" || {"from":"<canonical user@host>"} || "\n" || body
 *
 * Encoding emits the envelope only when the sender address canonicalises;
 * otherwise the plaintext is the bare v1 body. Decoding never fails: every
 * malformed or absent envelope falls back to "the whole plaintext is the
 * body". The decoded `from` is an unverified claim; the caller must resolve
 * it and compare the identity's key with the manifest's sender_spk.
 */
#ifndef DM_DMP_ENVELOPE_H
#define DM_DMP_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_ENVELOPE_PREFIX     "DMPV2:"
#define DM_ENVELOPE_PREFIX_LEN 6
/* The header JSON (between prefix and LF) is at most this long. */
#define DM_ENVELOPE_HEADER_MAX 256
/* Longest canonical address: 64-char local part, '@', 253-char host. */
#define DM_ADDR_MAX 318
/* Upper bound of what dm_envelope_encode() adds in front of the body. */
#define DM_ENVELOPE_OVERHEAD_MAX (DM_ENVELOPE_PREFIX_LEN + DM_ENVELOPE_HEADER_MAX + 1)

/*
 * Canonicalises `addr[0..len)` (ASCII only; trimmed; lowercased; exactly one
 * '@'; trailing dots of the host removed; local part and host labels as in
 * §13). Writes the NUL-terminated result to `ret_addr`. DM_EINVAL if the
 * address does not canonicalise.
 */
int dm_envelope_canon_addr(const char *addr, size_t len, char ret_addr[DM_ADDR_MAX + 1])
    __attribute__((warn_unused_result));

/*
 * Writes the plaintext for `body` into `out` (capacity `outcap`; len +
 * DM_ENVELOPE_OVERHEAD_MAX always suffices): the envelope when `sender_addr`
 * (NUL-terminated, may be NULL) canonicalises and the header fits, the bare
 * body otherwise. Sets *ret_len. DM_ETOOBIG if `out` is too small.
 */
int dm_envelope_encode(const uint8_t *body, size_t len, const char *sender_addr, uint8_t *out,
		       size_t outcap, size_t *ret_len);

struct dm_envelope_view {
	bool v2;	     /* an envelope was present and its header was a JSON object */
	const uint8_t *body; /* borrowed from the plaintext */
	size_t body_len;
	bool has_from; /* `from` was a string that canonicalised */
	char from[DM_ADDR_MAX + 1];
};

/* Splits a decrypted plaintext per §13. Borrows `pt` for ret->body. */
void dm_envelope_decode(const uint8_t *pt, size_t len, struct dm_envelope_view *ret);

#endif
