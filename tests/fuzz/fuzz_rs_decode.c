/*
 * Reed-Solomon decode of arbitrary bytes: never reads or writes out of
 * bounds, and whatever it accepts really is a codeword within 16 byte
 * errors of the input (the corrected data re-encodes to the corrected parity).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/rs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks one accepted piece: `fixed` is a codeword at distance `nerr` from `in`. */
static void check_piece(const uint8_t *in, const uint8_t *fixed, size_t n, unsigned nerr)
{
	unsigned dist = 0;
	for (size_t i = 0; i < n; i++)
		dist += in[i] != fixed[i];
	if (dist != nerr || dist > DM_RS_MAX_ERR)
		abort();
	if (n > DM_RS_NSYM) {
		uint8_t parity[DM_RS_NSYM];
		if (dm_rs_encode(fixed, n - DM_RS_NSYM, parity) != 0 ||
		    memcmp(parity, fixed + n - DM_RS_NSYM, DM_RS_NSYM) != 0)
			abort();
	} else {
		for (size_t i = 0; i < n; i++)
			if (fixed[i] != 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t piece[DM_RS_NSIZE];
	size_t n = size < DM_RS_NSIZE ? size : DM_RS_NSIZE;
	unsigned nerr = 0;

	memcpy(piece, data, n);
	if (dm_rs_correct(piece, n, &nerr) == 0)
		check_piece(data, piece, n, nerr);
	else if (memcmp(piece, data, n) != 0)
		abort(); /* refusals leave the input alone */

	size_t cap = dm_rs_decoded_len(size);
	uint8_t *out = malloc(cap ? cap : 1);
	size_t olen = 0;
	if (out == NULL)
		abort();
	if (dm_rs_decode(data, size, out, cap, &olen) == 0 && olen != cap)
		abort();
	if (cap > 0 && dm_rs_decode(data, size, out, cap - 1, &olen) == 0)
		abort();
	free(out);
	return 0;
}
