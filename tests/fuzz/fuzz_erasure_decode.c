/*
 * Erasure decode from arbitrary share sets: any k, n, ids and share lengths.
 * Layout: k, n_lo, n_hi, count, then per share (id, len_sel), then the share
 * bytes, consecutive and wrapping around. Whatever decodes must be consistent:
 * re-encoding the decoded data blocks reproduces every share that was used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/erasure.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXS 64
#define SLOT 136 /* room for the longest share length, 135 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	unsigned k = data[0], n = data[1] | (unsigned)(data[2] & 1) << 8;
	size_t count = data[3] % (MAXS + 1);
	size_t off = 4;
	if (size < off + 2 * count)
		return 0;

	const uint8_t *body = data + off + 2 * count;
	size_t blen = size - off - 2 * count;
	uint8_t *store = malloc(count * SLOT + 1);
	const uint8_t *ptrs[MAXS];
	size_t lens[MAXS];
	unsigned ids[MAXS];
	if (store == NULL)
		abort();
	size_t pos = 0;
	for (size_t i = 0; i < count; i++) {
		ids[i] = data[off + 2 * i];
		uint8_t sel = data[off + 2 * i + 1];
		lens[i] = sel < 0xf0 ? DM_ERASURE_BLOCK : (size_t)(sel & 0x0f) + 120;
		uint8_t *s = store + i * SLOT;
		memset(s, 0, SLOT);
		for (size_t j = 0; j < lens[i] && blen > 0; j++, pos++)
			s[j] = body[pos % blen];
		ptrs[i] = s;
	}

	uint8_t *msg = NULL;
	size_t mlen = 0;
	int rc = dm_erasure_decode(k, n, ptrs, lens, ids, count, &msg, &mlen);
	if (rc == 0) {
		if (msg == NULL || mlen > (size_t)k * DM_ERASURE_BLOCK - DM_ERASURE_PREFIX)
			abort();
		free(msg);
	}

	/* Block level on the first k shares, when they form a valid request. */
	if (k >= 1 && k <= count && n >= k && n <= DM_FEC_MAX_N) {
		uint8_t *dec = malloc((size_t)n * DM_ERASURE_BLOCK);
		uint8_t *outp[DM_FEC_MAX_N];
		const uint8_t *dptr[DM_FEC_MAX_N];
		if (dec == NULL)
			abort();
		for (unsigned i = 0; i < n; i++)
			outp[i] = dec + (size_t)i * DM_ERASURE_BLOCK;
		if (dm_fec_decode_blocks(k, n, ptrs, ids, DM_ERASURE_BLOCK, outp) == 0) {
			for (unsigned i = 0; i < k; i++)
				dptr[i] = outp[i];
			if (dm_fec_encode_blocks(k, n, dptr, DM_ERASURE_BLOCK, outp + k) != 0)
				abort();
			for (unsigned i = 0; i < k; i++)
				if (memcmp(outp[ids[i]], ptrs[i], DM_ERASURE_BLOCK) != 0)
					abort();
		}
		free(dec);
	}
	free(store);
	return 0;
}
