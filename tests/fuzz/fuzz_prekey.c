/* Prekey TXT values under a fixed signer key: parse, and re-encode. */
#include <stdint.h>
#include <stdlib.h>

#include "common/dmp/prekey.h"
#include "tests/fuzz/record_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* prekey.json's signer (verify_with_signer_spk_hex), so its wires verify. */
static const uint8_t signer_spk[32] = {
    0xfb, 0x1d, 0x8e, 0x4b, 0x6d, 0x90, 0x11, 0x14, 0x19, 0xe0, 0xf3, 0x6b, 0x2e, 0x9a, 0xcf, 0xc8,
    0xd9, 0x07, 0x37, 0xaf, 0xfc, 0xbe, 0x6b, 0xd5, 0x52, 0xaa, 0x71, 0xb5, 0x30, 0x21, 0x03, 0x0c,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_prekey pk;
	char out[DM_PREKEY_VALUE_LEN + 1];

	if (dm_prekey_parse((const char *)data, size, signer_spk, 1767225600ULL, &pk) != 0)
		return 0;
	if (pk.prekey_id == 0 || dm_prekey_encode(&pk, out) != 0)
		abort();
	record_canon_check((const char *)data, size, DM_PREFIX_PREKEY, out, DM_PREKEY_VALUE_LEN);
	return 0;
}
