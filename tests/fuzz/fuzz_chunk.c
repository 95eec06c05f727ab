/*
 * Chunk TXT values: DMPDNSRecord parse of arbitrary text, §8.2 unwrap of the
 * decoded d= bytes and of the raw input, and format -> parse round trips.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/chunk.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void unwrap(const uint8_t *wire, size_t len)
{
	size_t cap = dm_chunk_unwrapped_max(len), olen = 0;
	uint8_t *out = malloc(cap ? cap : 1);
	uint8_t blk[DM_ERASURE_BLOCK];
	if (out == NULL)
		abort();
	int rc = dm_chunk_unwrap(wire, len, out, cap, &olen);
	if (rc == 0 && olen != cap)
		abort();
	int orc = dm_chunk_open(wire, len, blk);
	/* open agrees with unwrap: accepted 128 -> 0, accepted other -> MISMATCH. */
	if (rc == 0 && orc != (olen == DM_ERASURE_BLOCK ? 0 : DM_EMISMATCH))
		abort();
	if (rc != 0 && orc == 0)
		abort();
	if (rc == 0 && orc == 0) {
		/* Re-wrapping gives a wire within 16 codeword errors of the input. */
		uint8_t again[DM_CHUNK_WIRE_LEN];
		unsigned diff = 0;
		if (len != DM_CHUNK_WIRE_LEN)
			abort();
		dm_chunk_wrap(blk, again);
		if (memcmp(again, wire, DM_CHUNK_CHECKSUM) != 0)
			abort();
		for (size_t i = DM_CHUNK_CHECKSUM; i < len; i++)
			diff += again[i] != wire[i];
		if (diff > DM_RS_MAX_ERR)
			abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_dns_record rec;
	int rc = dm_dns_record_parse((const char *)data, size, &rec);
	if (rc == 0) {
		unwrap(rec.data, rec.data_len);
		char *txt = NULL;
		size_t tlen = 0;
		/* The type is emitted verbatim, so only a plain one survives a round trip. */
		bool plain = rec.type_len > 0 && strlen(rec.type) == rec.type_len &&
			     strpbrk(rec.type, ";= \t\n\r\v\f") == NULL;
		if (plain) {
			if (dm_dns_record_format(rec.version, rec.type, rec.data, rec.data_len,
						 NULL, &txt, &tlen) != 0)
				abort();
			struct dm_dns_record back;
			if (dm_dns_record_parse(txt, tlen, &back) != 0)
				abort();
			if (back.version != rec.version || back.data_len != rec.data_len ||
			    memcmp(back.data, rec.data, rec.data_len) != 0 ||
			    back.type_len != rec.type_len ||
			    memcmp(back.type, rec.type, rec.type_len) != 0 || back.metadata != NULL)
				abort();
			dm_dns_record_done(&back);
			free(txt);
		}
		dm_dns_record_done(&rec);
	} else if (rc != DM_EINVAL && rc != DM_ENOMEM) {
		abort();
	}
	unwrap(data, size);
	return 0;
}
