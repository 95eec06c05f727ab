/*
 * Cluster manifest parser (wire.md §12.5). Each input is tried twice: as a
 * TXT value under a fixed pinned key and clock (only the corpus seeds carry
 * valid signatures, so this mostly exercises the pre-signature checks), and
 * as a raw body for the structural decoder. Any successful decode must
 * re-encode to exactly the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/cluster.h"

/* The operator key of shared/vectors/cluster_manifest.json and its clock. */
static const uint8_t pinned[32] = {0x2e, 0xc2, 0x78, 0x5b, 0x7b, 0x2e, 0x0f, 0x5c, 0xf5, 0xa3, 0xbf,
				   0x6f, 0xc6, 0x20, 0xcb, 0x9e, 0x1e, 0x67, 0xfa, 0x79, 0x85, 0x77,
				   0xcf, 0xbf, 0xea, 0x34, 0xc4, 0x6a, 0x20, 0xfc, 0x16, 0x8b};
#define NOW 1767225600ULL

static struct dm_cluster got;
static uint8_t blob[DM_CLUSTER_WIRE_MAX], again[DM_CLUSTER_WIRE_MAX];

static void check_body(const uint8_t *body, size_t len)
{
	size_t again_len;

	if (dm_cluster_body_decode(body, len, &got) != 0)
		return;
	if (dm_cluster_body_encode(&got, again, sizeof(again), &again_len) != 0 ||
	    again_len != len || memcmp(again, body, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t blob_len;

	if (dm_cluster_parse((const char *)data, size, pinned, NOW, NULL, 0, &got) == 0) {
		/* Verified: the signed body must decode and re-encode unchanged. */
		if (dm_record_decode((const char *)data, size, DM_PREFIX_CLUSTER,
				     DM_CLUSTER_WIRE_MAX, DM_RECORD_B64_STRICT, blob, sizeof(blob),
				     &blob_len) != 0 ||
		    blob_len < DM_ED25519_SIG_BYTES)
			abort();
		if (memcmp(got.operator_spk, pinned, 32) != 0 || got.exp < NOW)
			abort();
		check_body(blob, blob_len - DM_ED25519_SIG_BYTES);
	}
	if (size <= DM_CLUSTER_WIRE_MAX)
		check_body(data, size);
	return 0;
}
