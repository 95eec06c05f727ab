/* Identity TXT values (with or without the 0.7.5 suffix): parse, re-encode. */
#include <stdint.h>
#include <stdlib.h>

#include "common/dmp/identity_record.h"
#include "tests/fuzz/record_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_identity_record rec;
	char out[DM_IDENTITY_VALUE_MAX];
	size_t len;

	if (dm_identity_record_parse((const char *)data, size, &rec) != 0)
		return 0;
	if (rec.username_len < 1 || rec.username_len > DM_IDENTITY_USERNAME_MAX ||
	    rec.versions_count < 1)
		abort();
	if (dm_identity_record_encode(&rec, out, sizeof(out), &len) != 0)
		abort();
	record_canon_check((const char *)data, size, DM_PREFIX_IDENTITY, out, len);
	return 0;
}
