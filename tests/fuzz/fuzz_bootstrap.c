/*
 * Bootstrap record parser (wire.md §12.6). Each input is tried twice: as a
 * TXT value under a fixed pinned key and clock (only the corpus seeds carry
 * valid signatures, so this mostly exercises the pre-signature checks), and
 * as a raw body for the structural decoder. Any successful decode must
 * re-encode to exactly the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/bootstrap.h"

/* The signer key of shared/vectors/bootstrap_record.json and its clock. */
static const uint8_t pinned[32] = {0xe5, 0x73, 0xc9, 0xbb, 0x2a, 0x99, 0x30, 0xe5, 0x37, 0x5e, 0xb2,
				   0xd7, 0x59, 0xb3, 0xa0, 0x73, 0x2d, 0x5c, 0x5a, 0x45, 0xfe, 0x5d,
				   0x71, 0x82, 0xad, 0x73, 0x53, 0x02, 0x1f, 0x6b, 0x8e, 0x22};
#define NOW 1767225600ULL

static struct dm_bootstrap got;
static uint8_t blob[DM_BOOTSTRAP_WIRE_MAX], again[DM_BOOTSTRAP_WIRE_MAX];

static void check_body(const uint8_t *body, size_t len)
{
	size_t again_len;

	if (dm_bootstrap_body_decode(body, len, &got) != 0)
		return;
	if (dm_bootstrap_body_encode(&got, again, sizeof(again), &again_len) != 0 ||
	    again_len != len || memcmp(again, body, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t blob_len;

	if (dm_bootstrap_parse((const char *)data, size, pinned, NOW, NULL, 0, &got) == 0) {
		/* Verified: the signed body must decode and re-encode unchanged. */
		if (dm_record_decode((const char *)data, size, DM_PREFIX_BOOTSTRAP,
				     DM_BOOTSTRAP_WIRE_MAX, DM_RECORD_B64_STRICT, blob,
				     sizeof(blob), &blob_len) != 0 ||
		    blob_len < DM_ED25519_SIG_BYTES)
			abort();
		if (memcmp(got.signer_spk, pinned, 32) != 0 || got.exp < NOW)
			abort();
		/* Entries come back in priority order. */
		for (size_t i = 1; i < got.entry_count; i++)
			if (got.entries[i - 1].priority > got.entries[i].priority)
				abort();
		check_body(blob, blob_len - DM_ED25519_SIG_BYTES);
	}
	if (size <= DM_BOOTSTRAP_WIRE_MAX)
		check_body(data, size);
	return 0;
}
