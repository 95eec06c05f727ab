/*
 * Claim record (wire.md §12.2): a first-contact pointer "I have mail for
 * you at <sender_mailbox_domain>, slot N", posted to a claim provider and
 * signed by the sender. `v=dmp1;t=claim;` + strict b64(
 * "DMPCL01" || msg_id[16] || sender_spk[32] || u8 dom_len || domain
 * || u8 slot || u64 ts || u64 exp || sig[64]); whole value ≤ 255 bytes.
 * The recipient is named only by the owner name, not the body.
 */
#ifndef DM_DMP_CLAIM_H
#define DM_DMP_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_CLAIM_MSG_ID_BYTES 16
#define DM_CLAIM_DOMAIN_MAX   43 /* bytes; 43 makes the value exactly 255 */
#define DM_CLAIM_SLOT_MAX     9
#define DM_CLAIM_TS_SKEW      300 /* seconds a ts may lie in the future */

struct dm_claim {
	uint8_t msg_id[DM_CLAIM_MSG_ID_BYTES];
	uint8_t sender_spk[DM_ED25519_PK_BYTES];
	size_t domain_len;		      /* 1..43 bytes of UTF-8, no byte < 0x21, no 0x7f */
	char domain[DM_CLAIM_DOMAIN_MAX + 1]; /* NUL-terminated */
	uint8_t slot;			      /* 0..9 */
	uint64_t ts;
	uint64_t exp;			   /* > ts; both < 2^63 */
	uint8_t sig[DM_ED25519_SIG_BYTES]; /* set by _sign() / _parse() */
};

/*
 * Signs `c` with `sk` (which must belong to c->sender_spk), stores c->sig
 * and writes the value plus a NUL into `out`. DM_EINVAL on a field that
 * breaks §12.2 or a key mismatch; DM_ETOOBIG over the 255-byte cap.
 */
int dm_claim_sign(struct dm_claim *c, const uint8_t sk[DM_ED25519_SK_BYTES],
		  char out[DM_RECORD_CAP_CLAIM + 1], size_t *ret_len)
    __attribute__((warn_unused_result));

/* Re-emits an already signed `c` with c->sig. Same errors as _sign(). */
int dm_claim_encode(const struct dm_claim *c, char out[DM_RECORD_CAP_CLAIM + 1], size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses and verifies a claim value. DM_ETOOBIG (value over 255 bytes),
 * DM_EINVAL (malformed), DM_ESIG (bad signature or low-order sender_spk),
 * DM_EEXPIRED (`ts − now > 300` or `exp ≤ now`).
 */
int dm_claim_parse(const char *value, size_t len, uint64_t now, struct dm_claim *ret)
    __attribute__((warn_unused_result));

#endif
