/*
 * Fuzz ML-KEM-768 and X-Wing decapsulation.
 *
 * data[0] & 1 == 0: arbitrary bytes as (ct, dk) of any lengths through the
 * checked API; a 1088/2400 split is also retried with the dk hash repaired so
 * the decapsulation core sees arbitrary key material. Must never crash, and
 * must refuse exactly the wrong lengths.
 *
 * data[0] & 1 == 1: the rest is an XOR mask over a fixed valid ciphertext
 * under a fixed valid dk. Any change must yield the implicit-rejection secret
 * J(z || ct'), never the real shared secret (finding a second valid
 * ciphertext would be a break of ML-KEM, not a fuzzing result).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/pq/mlkem768.h"
#include "common/pq/sha3.h"
#include "common/pq/xwing.h"

/* dk = dk_PKE (1152) || ek (1184) || H(ek) (32) || z (32). */
#define DK_PKE_BYTES 1152

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	int ready;
	uint8_t ek[DM_MLKEM768_EK_BYTES];
	uint8_t dk[DM_MLKEM768_DK_BYTES];
	uint8_t ct[DM_MLKEM768_CT_BYTES];
	uint8_t ss[DM_MLKEM768_SS_BYTES];
} fixed;

static void setup(void)
{
	uint8_t d[32], z[32], m[32];

	if (fixed.ready)
		return;
	if (sodium_init() < 0)
		abort();
	memset(d, 0x11, sizeof(d));
	memset(z, 0x22, sizeof(z));
	memset(m, 0x33, sizeof(m));
	if (dm_mlkem768_keypair_from_seed(fixed.ek, fixed.dk, d, z) != 0 ||
	    dm_mlkem768_encaps_derand(fixed.ct, fixed.ss, fixed.ek, m) != 0)
		abort();
	fixed.ready = 1;
}

static void arbitrary(const uint8_t *p, size_t n)
{
	uint8_t ss[32], dk[DM_MLKEM768_DK_BYTES];
	size_t ct_len = 0;

	if (n >= 2) {
		ct_len = ((size_t)p[0] << 8 | p[1]) % (n - 1);
		p += 2;
		n -= 2;
		if (ct_len > n)
			ct_len = n;
	}
	int r = dm_mlkem768_decaps_checked(ss, p, ct_len, p + ct_len, n - ct_len);
	if (r == 0 && (ct_len != DM_MLKEM768_CT_BYTES || n - ct_len != DM_MLKEM768_DK_BYTES))
		abort();
	if (dm_mlkem768_ek_check(p, n) == 0 && n != DM_MLKEM768_EK_BYTES)
		abort();

	if (n >= DM_MLKEM768_CT_BYTES + DM_MLKEM768_DK_BYTES) {
		/* Repair H(ek) so the core runs on arbitrary s, t, rho and z. */
		memcpy(dk, p + DM_MLKEM768_CT_BYTES, sizeof(dk));
		dm_sha3_256(dk + DK_PKE_BYTES + DM_MLKEM768_EK_BYTES, dk + DK_PKE_BYTES,
			    DM_MLKEM768_EK_BYTES);
		if (dm_mlkem768_decaps(ss, p, dk) != 0)
			abort();
	}
	if (n >= DM_XWING_CT_BYTES + DM_XWING_SK_BYTES)
		(void)dm_xwing_decaps(ss, p, p + DM_XWING_CT_BYTES);
}

static void mutated(const uint8_t *mask, size_t n)
{
	uint8_t ct[DM_MLKEM768_CT_BYTES], ss[32], rej[32];
	struct dm_keccak j;
	int changed = 0;

	memcpy(ct, fixed.ct, sizeof(ct));
	for (size_t i = 0; i < n; i++)
		ct[i % sizeof(ct)] ^= mask[i];
	changed = memcmp(ct, fixed.ct, sizeof(ct)) != 0;

	if (dm_mlkem768_decaps(ss, ct, fixed.dk) != 0)
		abort();
	if (!changed) {
		if (memcmp(ss, fixed.ss, sizeof(ss)) != 0)
			abort();
		return;
	}
	dm_shake256_init(&j);
	dm_shake_absorb(&j, fixed.dk + DM_MLKEM768_DK_BYTES - 32, 32);
	dm_shake_absorb(&j, ct, sizeof(ct));
	dm_shake_squeeze(&j, rej, sizeof(rej));
	if (memcmp(ss, rej, sizeof(ss)) != 0 || memcmp(ss, fixed.ss, sizeof(ss)) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		mutated(data + 1, size - 1);
	else
		arbitrary(data + 1, size - 1);
	return 0;
}
