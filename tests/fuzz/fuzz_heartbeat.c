/*
 * Heartbeat TXT values (DMPHB02 and DMPHB03): parse at a fixed clock and
 * re-encode what parsed; the endpoint checker also sees the raw input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "common/dmp/heartbeat.h"
#include "tests/fuzz/record_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_heartbeat hb;
	char out[DM_RECORD_CAP_SIGNED + 1];
	size_t len;
	/* Only for coverage: any answer is fine as long as it does not crash. */
	int ep_rc = dm_heartbeat_endpoint_check((const char *)data, size);

	(void)ep_rc;
	if (dm_heartbeat_parse((const char *)data, size, 1767225600ULL, &hb) != 0)
		return 0;
	if (dm_heartbeat_endpoint_check(hb.endpoint, hb.endpoint_len) != 0 || hb.exp <= hb.ts ||
	    size > DM_RECORD_CAP_SIGNED)
		abort();
	if (dm_heartbeat_encode(&hb, out, sizeof(out), &len) != 0)
		abort();
	record_canon_check((const char *)data, size, DM_PREFIX_HEARTBEAT, out, len);
	return 0;
}
