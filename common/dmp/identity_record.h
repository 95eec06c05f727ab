/*
 * Identity record (wire.md §12.1, §16): `v=dmp1;t=identity;d=` +
 * b64(u8 name_len || username || x25519_pub[32] || ed25519_spk[32] || u64 ts
 *     [|| u8 versions_len || versions[]] || sig[64]),
 * self-signed by the embedded ed25519_spk.
 *
 * The optional `versions` suffix is the 0.7.5 way of advertising protocol
 * versions (sorted, unique, at least one). Absent means {1}; writers omit it
 * for {1}, so 0.4.4 peers (which reject any suffix) can still read us unless
 * we advertise more.
 */
#ifndef DM_DMP_IDENTITY_RECORD_H
#define DM_DMP_IDENTITY_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_IDENTITY_USERNAME_MAX 64
#define DM_IDENTITY_X25519_BYTES 32
#define DM_IDENTITY_VERSIONS_MAX 255
/* Longest value: 1+64+72 body, 1+255 suffix, 64 sig → b64, plus the NUL. */
#define DM_IDENTITY_VALUE_MAX                                                                      \
	(sizeof(DM_PREFIX_IDENTITY) - 1 +                                                          \
	 4 * ((1 + DM_IDENTITY_USERNAME_MAX + 72 + 1 + DM_IDENTITY_VERSIONS_MAX +                  \
	       DM_ED25519_SIG_BYTES + 2) /                                                         \
	      3) +                                                                                 \
	 1)

struct dm_identity_record {
	size_t username_len; /* 1..64 bytes */
	/* UTF-8, NUL-terminated for convenience; may itself contain U+0000. */
	char username[DM_IDENTITY_USERNAME_MAX + 1];
	uint8_t x25519_pub[DM_IDENTITY_X25519_BYTES];
	uint8_t ed25519_spk[DM_ED25519_PK_BYTES];
	uint64_t ts;
	/* Always ≥ 1 entry, strictly ascending; {1} when the suffix is absent. */
	size_t versions_count;
	uint8_t versions[DM_IDENTITY_VERSIONS_MAX];
	uint8_t sig[DM_ED25519_SIG_BYTES]; /* set by _sign() / _parse() */
};

/*
 * Fills the fixed fields of `rec` (versions = {1}). DM_EINVAL if `username`
 * is not 1..64 bytes of valid UTF-8.
 */
int dm_identity_record_init(struct dm_identity_record *rec, const char *username,
			    size_t username_len, const uint8_t x25519_pub[DM_IDENTITY_X25519_BYTES],
			    const uint8_t ed25519_spk[DM_ED25519_PK_BYTES], uint64_t ts)
    __attribute__((warn_unused_result));

/*
 * Signs `rec` with `sk` (which must belong to rec->ed25519_spk), stores the
 * signature in rec->sig and writes the value plus a NUL into `out`
 * (DM_IDENTITY_VALUE_MAX suffices). The suffix is written only when
 * versions ≠ {1}. DM_EINVAL on a bad field or key, DM_ETOOBIG if `out` is
 * too small. Sets *ret_len.
 */
int dm_identity_record_sign(struct dm_identity_record *rec, const uint8_t sk[DM_ED25519_SK_BYTES],
			    char *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Re-emits an already signed `rec` with rec->sig, as _sign() lays it out. */
int dm_identity_record_encode(const struct dm_identity_record *rec, char *out, size_t outcap,
			      size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Parses a TXT value (lenient base64, either form) and verifies it under
 * the embedded spk. Identity records carry no expiry, so no clock is
 * needed. DM_EINVAL (malformed: lengths, UTF-8, versions empty, not
 * strictly ascending, or an explicit {1} that writers never emit), DM_ESIG.
 */
int dm_identity_record_parse(const char *value, size_t len, struct dm_identity_record *ret)
    __attribute__((warn_unused_result));

/*
 * Zone-anchored fetch check (`dmp.<host>` for address `user@host`): 0 if the
 * record's username equals the address's user part (text before the first
 * '@', whitespace-trimmed as Python's str.strip() does), DM_EMISMATCH if
 * not, DM_EINVAL if `address` has no '@' or an empty user or host.
 */
int dm_identity_record_check_address(const struct dm_identity_record *rec, const char *address,
				     size_t len) __attribute__((warn_unused_result));

/* True if the record advertises protocol version `v`. */
bool dm_identity_record_has_version(const struct dm_identity_record *rec, uint8_t v);

#endif
