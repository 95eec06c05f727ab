/*
 * Slot manifest (wire.md §9, §16): the signed pointer a sender publishes at
 * `slot-<N>.mb-<h12>.<zone>` naming a message's chunks.
 *
 * Two forms share one parser:
 *  - 0.4.4: body exactly 108 bytes (value 252 bytes, one TXT string);
 *  - 0.7.5: body 108 + 32·n bytes, the SHA-256 of every chunk's decoded `d=`
 *    bytes in chunk order (value > 255 bytes, multi-string TXT).
 *
 * Chunk hashes live outside struct dm_manifest because up to 1024 × 32 bytes
 * is too large for most stacks: the caller passes its own array (usually on
 * the heap) and the struct only counts them, so a parsed manifest never
 * points into memory the parser owned.
 */
#ifndef DM_DMP_MANIFEST_H
#define DM_DMP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_MANIFEST_MSG_ID_BYTES  16
#define DM_MANIFEST_USER_ID_BYTES 32
#define DM_MANIFEST_HASH_BYTES	  32
#define DM_MANIFEST_BODY_BYTES	  108 /* fixed part, without chunk hashes */
#define DM_MANIFEST_MAX_CHUNKS	  1024
#define DM_MANIFEST_SLOTS	  10
/* 0.4.4 value length: prefix (20) + b64(172). */
#define DM_MANIFEST_VALUE_044_LEN 252
/* Longest value (1024 hashes), with room for the NUL encoders write. */
#define DM_MANIFEST_VALUE_MAX                                                                      \
	(sizeof(DM_PREFIX_MANIFEST) - 1 +                                                          \
	 4 * ((DM_MANIFEST_BODY_BYTES + DM_MANIFEST_MAX_CHUNKS * DM_MANIFEST_HASH_BYTES +          \
	       DM_ED25519_SIG_BYTES + 2) /                                                         \
	      3) +                                                                                 \
	 1)

struct dm_manifest {
	uint8_t msg_id[DM_MANIFEST_MSG_ID_BYTES];
	uint8_t sender_spk[DM_ED25519_PK_BYTES];
	uint8_t recipient_id[DM_MANIFEST_USER_ID_BYTES];
	uint32_t total_chunks; /* n */
	uint32_t data_chunks;  /* k */
	uint32_t prekey_id;    /* 0 = long-term key */
	uint64_t ts;
	uint64_t exp;
	/* 0 for the 0.4.4 form; otherwise equal to total_chunks (0.7.5 form). */
	uint32_t hash_count;
	uint8_t sig[DM_ED25519_SIG_BYTES]; /* set by dm_manifest_sign() / _parse() */
};

/* The slot a message's manifest goes to: u32(msg_id[0:4]) mod 10. */
unsigned dm_manifest_slot(const uint8_t msg_id[DM_MANIFEST_MSG_ID_BYTES]);

/*
 * Signs `m` with `sk` (storing the signature in m->sig) and writes the TXT value plus a NUL into
 * `out` (capacity `outcap`; DM_MANIFEST_VALUE_MAX always suffices). If m->hash_count is 0 the 0.4.4
 * form is written, else the 0.7.5 form with `hashes[0..hash_count)`, and hash_count must equal
 * total_chunks. DM_EINVAL if a field breaks §9 (1 ≤ k ≤ n ≤ 1024) or `sk` does not belong to
 * m->sender_spk; DM_ETOOBIG if `out` is too small. Sets *ret_len.
 */
int dm_manifest_sign(struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		     const uint8_t sk[DM_ED25519_SK_BYTES], char *out, size_t outcap,
		     size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Writes the value of an already signed `m` (body from the fields, m->sig
 * as is) like dm_manifest_sign() does; no key needed. Used to re-emit a
 * parsed manifest.
 */
int dm_manifest_encode(const struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		       char *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses and verifies a TXT value (either form; lenient base64, §4.1).
 * Checks exact lengths, 1 ≤ k ≤ n ≤ 1024, hash count == n for the 0.7.5
 * form, the signature by the embedded sender_spk, and expiry (`now > exp`;
 * pass now = 0 to skip it, as a node storing records does, node.md §14.1).
 * Chunk hashes are copied to `hashes` (capacity `hashes_cap` entries; pass
 * NULL, 0 to accept only the 0.4.4 form). Returns 0 and fills *ret, or
 * DM_EINVAL (malformed), DM_ESIG, DM_EEXPIRED, DM_ETOOBIG (more hashes than
 * `hashes_cap`, or a decoded body over the 1024-chunk maximum), DM_ENOMEM.
 * Allocates a temporary decode buffer (≤ 33 KiB) and frees it before return.
 */
int dm_manifest_parse(const char *value, size_t len, uint64_t now,
		      uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES], size_t hashes_cap,
		      struct dm_manifest *ret) __attribute__((warn_unused_result));

#endif
