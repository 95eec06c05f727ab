/*
 * Rotation record parser (wire.md §12.7). Each input is tried as a TXT value
 * (the keys are in the body, so only corpus seeds verify) and as a raw body
 * for the structural decoder; a successful decode must re-encode to exactly
 * the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/rotation.h"

/* The clock of shared/vectors/rotation_record.json. */
#define NOW 1767225600ULL

static struct dm_rotation got;
static uint8_t blob[DM_ROTATION_WIRE_MAX], again[DM_ROTATION_WIRE_MAX];

static void check_body(const uint8_t *body, size_t len)
{
	size_t again_len;

	if (dm_rotation_body_decode(body, len, &got) != 0)
		return;
	if (dm_rotation_body_encode(&got, again, sizeof(again), &again_len) != 0 ||
	    again_len != len || memcmp(again, body, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t blob_len;

	if (dm_rotation_parse((const char *)data, size, NOW, NULL, NULL, 0, &got) == 0) {
		if (got.exp < NOW || memcmp(got.old_spk, got.new_spk, 32) == 0 ||
		    !dm_subject_equal(got.subject_type, got.subject, got.subject_len, got.subject,
				      got.subject_len))
			abort();
		/* Verified: the co-signed body must decode and re-encode unchanged. */
		if (dm_record_decode((const char *)data, size, DM_PREFIX_ROTATION,
				     DM_ROTATION_WIRE_MAX, DM_RECORD_B64_STRICT, blob, sizeof(blob),
				     &blob_len) != 0 ||
		    blob_len < 2 * DM_ED25519_SIG_BYTES)
			abort();
		check_body(blob, blob_len - 2 * DM_ED25519_SIG_BYTES);
	}
	if (size <= DM_ROTATION_WIRE_MAX)
		check_body(data, size);
	return 0;
}
