/* Slot manifest TXT values (both forms): parse, and re-encode what parsed. */
#include <stdint.h>
#include <stdlib.h>

#include "common/dmp/manifest.h"
#include "tests/fuzz/record_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t hashes[DM_MANIFEST_MAX_CHUNKS][DM_MANIFEST_HASH_BYTES];
	static char out[DM_MANIFEST_VALUE_MAX];
	struct dm_manifest m;
	size_t len;

	/* now = 1767225600, the vectors' clock. */
	if (dm_manifest_parse((const char *)data, size, 1767225600ULL, hashes,
			      DM_MANIFEST_MAX_CHUNKS, &m) != 0)
		return 0;
	if (m.data_chunks < 1 || m.data_chunks > m.total_chunks ||
	    m.total_chunks > DM_MANIFEST_MAX_CHUNKS ||
	    (m.hash_count != 0 && m.hash_count != m.total_chunks))
		abort();
	if (dm_manifest_encode(&m, m.hash_count ? (const uint8_t(*)[32])hashes : NULL, out,
			       sizeof(out), &len) != 0)
		abort();
	record_canon_check((const char *)data, size, DM_PREFIX_MANIFEST, out, len);
	return 0;
}
