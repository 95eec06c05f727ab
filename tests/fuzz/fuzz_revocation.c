/*
 * Revocation record parser (wire.md §12.8). Each input is tried as a TXT
 * value (self-signed, so only corpus seeds verify) and as a raw body for the
 * structural decoder; a successful decode must re-encode to exactly the
 * bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/revocation.h"

/* The clock of shared/vectors/revocation_record.json's round-trip cases. */
#define NOW 1893456060ULL

static struct dm_revocation got;
static uint8_t blob[DM_REVOCATION_WIRE_MAX], again[DM_REVOCATION_WIRE_MAX];

static void check_body(const uint8_t *body, size_t len)
{
	size_t again_len;

	if (dm_revocation_body_decode(body, len, &got) != 0)
		return;
	if (dm_revocation_body_encode(&got, again, sizeof(again), &again_len) != 0 ||
	    again_len != len || memcmp(again, body, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t blob_len;

	if (dm_revocation_parse((const char *)data, size, NOW, NULL, NULL, 0,
				DM_REVOCATION_NO_MAX_AGE, &got) == 0) {
		if (got.ts > NOW + DM_REVOCATION_SKEW || got.reason < DM_REVOKE_COMPROMISE ||
		    got.reason > DM_REVOKE_OTHER)
			abort();
		/* Verified: the signed body must decode and re-encode unchanged. */
		if (dm_record_decode((const char *)data, size, DM_PREFIX_REVOCATION,
				     DM_REVOCATION_WIRE_MAX, DM_RECORD_B64_STRICT, blob,
				     sizeof(blob), &blob_len) != 0 ||
		    blob_len < DM_ED25519_SIG_BYTES)
			abort();
		check_body(blob, blob_len - DM_ED25519_SIG_BYTES);
	}
	if (size <= DM_REVOCATION_WIRE_MAX)
		check_body(data, size);
	return 0;
}
