/*
 * One-time prekey record (wire.md §12.4): `v=dmp1;t=prekey;d=` +
 * b64(u32 prekey_id || x25519_pub[32] || u64 exp || sig[64]).
 *
 * The record does not name its signer: the verifier passes the pinned
 * identity spk. Prekey id 0 means "long-term key" in the manifest, so it is
 * refused on both sign and parse (as fixed upstream in 0.7.5; 0.4.4 could
 * emit it by chance).
 */
#ifndef DM_DMP_PREKEY_H
#define DM_DMP_PREKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_PREKEY_X25519_BYTES 32
#define DM_PREKEY_BODY_BYTES   44
#define DM_PREKEY_WIRE_BYTES   108 /* body + signature */
#define DM_PREKEY_VALUE_LEN    162 /* prefix (18) + b64(108) */

struct dm_prekey {
	uint32_t prekey_id; /* never 0 */
	uint8_t x25519_pub[DM_PREKEY_X25519_BYTES];
	uint64_t exp;
	uint8_t sig[DM_ED25519_SIG_BYTES]; /* set by dm_prekey_sign() / _parse() */
};

/*
 * Signs `pk` with the identity key `sk` (storing pk->sig) and writes the
 * 162-byte value plus a NUL into `out`. DM_EINVAL if prekey_id is 0.
 */
int dm_prekey_sign(struct dm_prekey *pk, const uint8_t sk[DM_ED25519_SK_BYTES],
		   char out[DM_PREKEY_VALUE_LEN + 1]) __attribute__((warn_unused_result));

/* Writes the value of an already signed `pk` (with pk->sig); DM_EINVAL if id 0. */
int dm_prekey_encode(const struct dm_prekey *pk, char out[DM_PREKEY_VALUE_LEN + 1])
    __attribute__((warn_unused_result));

/*
 * Parses a TXT value and verifies it under the pinned identity key `spk`.
 * DM_EINVAL (malformed, decoded length ≠ 108, prekey_id 0), DM_ESIG (bad
 * signature or low-order `spk`), DM_EEXPIRED (`now > exp`; now = 0 skips
 * the check, e.g. to delete a consumed record whatever its age).
 */
int dm_prekey_parse(const char *value, size_t len, const uint8_t spk[DM_ED25519_PK_BYTES],
		    uint64_t now, struct dm_prekey *ret) __attribute__((warn_unused_result));

#endif
