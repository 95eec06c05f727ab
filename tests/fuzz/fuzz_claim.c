/* Claim TXT values: parse at a fixed clock, and re-encode what parsed. */
#include <stdint.h>
#include <stdlib.h>

#include "common/dmp/claim.h"
#include "tests/fuzz/record_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_claim c;
	char out[DM_RECORD_CAP_CLAIM + 1];
	size_t len;

	if (dm_claim_parse((const char *)data, size, 1767225600ULL, &c) != 0)
		return 0;
	if (c.domain_len < 1 || c.domain_len > DM_CLAIM_DOMAIN_MAX || c.slot > DM_CLAIM_SLOT_MAX ||
	    c.exp <= c.ts || size > DM_RECORD_CAP_CLAIM)
		abort();
	if (dm_claim_encode(&c, out, &len) != 0)
		abort();
	record_canon_check((const char *)data, size, DM_PREFIX_CLAIM, out, len);
	return 0;
}
