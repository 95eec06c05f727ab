/*
 * Key rotation records (`v=dmp1;t=rotation;`, wire.md §12.7): "the holder of
 * old_spk hands `subject` over to new_spk". Both keys sign the same body, so
 * neither a stolen old key nor a stolen new key alone can forge one. The
 * subject types are those of common/dmp/subject.h.
 */
#ifndef DM_DMP_ROTATION_H
#define DM_DMP_ROTATION_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"
#include "common/dmp/subject.h"

#define DM_ROTATION_MAGIC     "DMPROT1"
#define DM_ROTATION_MAGIC_LEN 7
#define DM_ROTATION_WIRE_MAX  DM_RECORD_CAP_SIGNED

struct dm_rotation {
	uint8_t subject_type; /* enum dm_subject_type */
	uint8_t subject_len;
	char subject[DM_SUBJECT_MAX + 1]; /* as signed (not normalised), NUL-terminated */
	uint8_t old_spk[DM_ED25519_PK_BYTES];
	uint8_t new_spk[DM_ED25519_PK_BYTES]; /* differs from old_spk */
	uint64_t seq;
	uint64_t ts;
	uint64_t exp; /* expired once exp < now */
};

/*
 * Co-signs `rot` with `old_sk` and `new_sk` and writes the TXT value
 * `prefix || b64(body || sig_old || sig_new)` plus a NUL to `out` (capacity
 * `outcap`; DM_ROTATION_WIRE_MAX + 1 always suffices). DM_EINVAL for a
 * subject invalid for its type (dm_subject_ok()) or old_spk == new_spk;
 * DM_EMISMATCH if either key does not hold its declared public key;
 * DM_ETOOBIG over 1200 bytes or `outcap`.
 */
int dm_rotation_sign(const struct dm_rotation *rot, const uint8_t old_sk[DM_ED25519_SK_BYTES],
		     const uint8_t new_sk[DM_ED25519_SK_BYTES], char *out, size_t outcap,
		     size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Parses and verifies: prefix (DM_EINVAL), 1200-byte cap (DM_ETOOBIG), strict
 * base64 (DM_EINVAL), body with its subject rules (DM_EINVAL), sig_old under
 * old_spk and sig_new under new_spk (DM_ESIG), then, when not NULL, the
 * pinned `expected_old_spk` and `expected_subject` (dm_subject_equal())
 * (DM_EMISMATCH), and `exp < now` (DM_EEXPIRED).
 */
int dm_rotation_parse(const char *wire, size_t len, uint64_t now,
		      const uint8_t expected_old_spk[DM_ED25519_PK_BYTES],
		      const char *expected_subject, size_t expected_subject_len,
		      struct dm_rotation *ret) __attribute__((warn_unused_result));

/* Structural decode of a body (no signatures); DM_EINVAL on any violation. */
int dm_rotation_body_decode(const uint8_t *body, size_t len, struct dm_rotation *ret)
    __attribute__((warn_unused_result));

/* Encodes the body of `rot` into `out`; DM_EINVAL on an invalid field, DM_ETOOBIG if short. */
int dm_rotation_body_encode(const struct dm_rotation *rot, uint8_t *out, size_t outcap,
			    size_t *ret_len) __attribute__((warn_unused_result));

#endif
