/*
 * DMPv2 envelope decode and address canonicalisation (wire.md §13). The body
 * must lie inside the input; a decoded `from` must be canonical already; and
 * encoding a body with that `from` must decode back to the same split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_envelope_view v, w;
	char c[DM_ADDR_MAX + 1], c2[DM_ADDR_MAX + 1];

	dm_envelope_decode(data, size, &v);
	if (v.body < data || v.body_len > size || v.body + v.body_len != data + size)
		abort();
	if (!v.v2 && (v.body != data || v.has_from))
		abort();
	if (v.has_from) {
		if (dm_envelope_canon_addr(v.from, strlen(v.from), c) != 0 ||
		    strcmp(c, v.from) != 0)
			abort();
		size_t cap = v.body_len + DM_ENVELOPE_OVERHEAD_MAX, len;
		uint8_t *out = malloc(cap);
		if (out == NULL)
			return 0;
		if (dm_envelope_encode(v.body, v.body_len, v.from, out, cap, &len) != 0)
			abort();
		dm_envelope_decode(out, len, &w);
		if (!w.v2 || !w.has_from || strcmp(w.from, v.from) != 0 ||
		    w.body_len != v.body_len || memcmp(w.body, v.body, v.body_len) != 0)
			abort();
		free(out);
	}
	/* The input as an address: canonical output is a fixed point. */
	if (dm_envelope_canon_addr((const char *)data, size, c) == 0) {
		if (dm_envelope_canon_addr(c, strlen(c), c2) != 0 || strcmp(c, c2) != 0)
			abort();
	}
	return 0;
}
