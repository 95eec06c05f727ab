/*
 * DMPHeader JSON parse (wire.md §5.1) and the outer-message framing around
 * it (§5.4). Whatever parses must re-serialise canonically and parse back
 * to the same header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/header.h"
#include "common/dmp/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct dm_header *a, const struct dm_header *b)
{
	if (a->version != b->version || a->type != b->type || a->total != b->total ||
	    a->chunk != b->chunk || a->ts != b->ts || a->ttl != b->ttl ||
	    memcmp(a->msg_id, b->msg_id, sizeof(a->msg_id)) != 0 ||
	    memcmp(a->sender, b->sender, sizeof(a->sender)) != 0 ||
	    memcmp(a->recipient, b->recipient, sizeof(a->recipient)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_header h, g;
	char json[DM_HEADER_JSON_MAX];
	uint8_t aad[DM_HEADER_AAD_MAX];
	size_t n, aad_len;
	const uint8_t *payload;
	size_t payload_len;

	if (dm_header_parse(data, size, &h) == 0) {
		if (dm_header_canonical(&h, json, sizeof(json), &n) != 0)
			abort();
		if (dm_header_parse((const uint8_t *)json, n, &g) != 0)
			abort();
		same(&h, &g);
		if (dm_header_aad(&h, 7, aad, &aad_len) != 0 || aad_len > DM_HEADER_AAD_MAX)
			abort();
	}
	if (dm_seal_outer_parse(data, size, &h, &payload, &payload_len) == 0) {
		if (payload < data || payload + payload_len + DM_OUTER_TRAILER_BYTES != data + size)
			abort();
	}
	return 0;
}
