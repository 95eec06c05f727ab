/*
 * Revocation records (`v=dmp1;t=revocation;`, wire.md §12.8): "revoked_spk is
 * permanently invalid for `subject`", self-signed by the revoked key. They
 * share the RRset of the subject's rotation records. A revocation is a
 * permanent assertion: no age limit unless the caller asks for one, but a
 * timestamp more than 300 s in the future is refused.
 */
#ifndef DM_DMP_REVOCATION_H
#define DM_DMP_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"
#include "common/dmp/subject.h"

#define DM_REVOCATION_MAGIC	 "DMPRV01"
#define DM_REVOCATION_MAGIC_LEN	 7
#define DM_REVOCATION_WIRE_MAX	 DM_RECORD_CAP_SIGNED
#define DM_REVOCATION_SKEW	 300	    /* seconds a ts may lie in the future */
#define DM_REVOCATION_NO_MAX_AGE UINT64_MAX /* the default: accept any age */

enum dm_revocation_reason {
	DM_REVOKE_COMPROMISE = 1,
	DM_REVOKE_ROUTINE = 2,
	DM_REVOKE_LOST_KEY = 3,
	DM_REVOKE_OTHER = 4,
};

struct dm_revocation {
	uint8_t subject_type; /* enum dm_subject_type */
	uint8_t subject_len;
	char subject[DM_SUBJECT_MAX + 1]; /* as signed, NUL-terminated */
	uint8_t revoked_spk[DM_ED25519_PK_BYTES];
	uint8_t reason; /* enum dm_revocation_reason */
	uint64_t ts;
};

/*
 * Self-signs `rev` with `sk` and writes the TXT value plus a NUL to `out`
 * (capacity `outcap`; DM_REVOCATION_WIRE_MAX + 1 always suffices). DM_EINVAL
 * for an invalid subject or reason; DM_EMISMATCH if `sk` does not hold
 * `rev->revoked_spk`; DM_ETOOBIG over 1200 bytes or `outcap`.
 */
int dm_revocation_sign(const struct dm_revocation *rev, const uint8_t sk[DM_ED25519_SK_BYTES],
		       char *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses and verifies: prefix (DM_EINVAL), cap (DM_ETOOBIG), strict base64
 * and body (DM_EINVAL), signature under the embedded revoked_spk (DM_ESIG),
 * then, when not NULL, `expected_spk` and `expected_subject` (DM_EMISMATCH),
 * then `ts + max_age < now` (DM_EEXPIRED; pass DM_REVOCATION_NO_MAX_AGE for
 * none) and `ts > now + 300` (DM_EEXPIRED).
 */
int dm_revocation_parse(const char *wire, size_t len, uint64_t now,
			const uint8_t expected_spk[DM_ED25519_PK_BYTES],
			const char *expected_subject, size_t expected_subject_len, uint64_t max_age,
			struct dm_revocation *ret) __attribute__((warn_unused_result));

/* Structural decode of a body (no signature); DM_EINVAL on any violation. */
int dm_revocation_body_decode(const uint8_t *body, size_t len, struct dm_revocation *ret)
    __attribute__((warn_unused_result));

/* Encodes the body of `rev` into `out`; DM_EINVAL on an invalid field, DM_ETOOBIG if short. */
int dm_revocation_body_encode(const struct dm_revocation *rev, uint8_t *out, size_t outcap,
			      size_t *ret_len) __attribute__((warn_unused_result));

#endif
