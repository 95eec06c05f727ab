/*
 * X-Wing unit tests: random round trips, the combiner rebuilt by hand from the
 * ML-KEM-768 and X25519 parts, low-order X25519 inputs (zero ss_X, no error),
 * and refusal of a pk whose ML-KEM half fails the modulus check.
 */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "common/pq/mlkem768.h"
#include "common/pq/sha3.h"
#include "common/pq/xwing.h"
#include "tests/unit/test.h"

static const uint8_t label[6] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

/* SHA3-256(ss_M || ss_X || ct_X || pk_X || label). */
static void combine(uint8_t out[32], const uint8_t ss_m[32], const uint8_t ss_x[32],
		    const uint8_t ct_x[32], const uint8_t pk_x[32])
{
	uint8_t in[134];
	memcpy(in, ss_m, 32);
	memcpy(in + 32, ss_x, 32);
	memcpy(in + 64, ct_x, 32);
	memcpy(in + 96, pk_x, 32);
	memcpy(in + 128, label, 6);
	dm_sha3_256(out, in, sizeof(in));
}

/* ML-KEM half of the expanded key, as the draft derives it. */
static void mlkem_half(uint8_t dk[DM_MLKEM768_DK_BYTES], uint8_t sk_x[32], const uint8_t sk[32])
{
	uint8_t ek[DM_MLKEM768_EK_BYTES], ex[96];
	dm_shake256(ex, sizeof(ex), sk, 32);
	CHECK_EQ(dm_mlkem768_keypair_from_seed(ek, dk, ex, ex + 32), 0);
	memcpy(sk_x, ex + 64, 32);
}

static void test_roundtrip(void)
{
	uint8_t pk[DM_XWING_PK_BYTES], sk[DM_XWING_SK_BYTES], pk2[DM_XWING_PK_BYTES];
	uint8_t ct[DM_XWING_CT_BYTES], ss[32], ss2[32];

	for (int i = 0; i < 10; i++) {
		CHECK_EQ(dm_xwing_keypair(pk, sk), 0);
		CHECK_EQ(dm_xwing_keypair_from_seed(pk2, sk), 0);
		CHECK_MEM(pk, pk2, sizeof(pk));
		CHECK_EQ(dm_xwing_encaps(ct, ss, pk), 0);
		CHECK_EQ(dm_xwing_decaps(ss2, ct, sk), 0);
		CHECK_MEM(ss, ss2, sizeof(ss));
		/* A changed X25519 share changes the secret (it is hashed in). */
		ct[DM_XWING_CT_BYTES - 1] ^= 0x01;
		CHECK_EQ(dm_xwing_decaps(ss2, ct, sk), 0);
		CHECK(memcmp(ss, ss2, sizeof(ss)) != 0);
	}
}

static void test_low_order(void)
{
	uint8_t pk[DM_XWING_PK_BYTES], sk[DM_XWING_SK_BYTES];
	uint8_t ct[DM_XWING_CT_BYTES], ss[32], want[32], ss_m[32], sk_x[32];
	uint8_t dk[DM_MLKEM768_DK_BYTES], eseed[64];
	const uint8_t zero[32] = {0};

	CHECK_EQ(dm_xwing_keypair(pk, sk), 0);
	mlkem_half(dk, sk_x, sk);

	/* ct_X = 0 (a low-order point): libsodium refuses, X-Wing uses ss_X = 0. */
	CHECK_EQ(dm_xwing_encaps(ct, ss, pk), 0);
	memset(ct + 1088, 0, 32);
	CHECK_EQ(dm_xwing_decaps(ss, ct, sk), 0);
	CHECK_EQ(dm_mlkem768_decaps(ss_m, ct, dk), 0);
	combine(want, ss_m, zero, zero, pk + 1184);
	CHECK_MEM(ss, want, sizeof(ss));

	/* pk_X = 0: encapsulation still succeeds, with ss_X = 0. */
	memset(pk + 1184, 0, 32);
	randombytes_buf(eseed, sizeof(eseed));
	CHECK_EQ(dm_xwing_encaps_derand(ct, ss, pk, eseed), 0);
	CHECK_EQ(dm_mlkem768_decaps(ss_m, ct, dk), 0);
	uint8_t ct_x[32];
	CHECK_EQ(crypto_scalarmult_base(ct_x, eseed + 32), 0);
	CHECK_MEM(ct + 1088, ct_x, 32);
	combine(want, ss_m, zero, ct_x, zero);
	CHECK_MEM(ss, want, sizeof(ss));
}

static void test_bad_pk(void)
{
	uint8_t pk[DM_XWING_PK_BYTES], sk[DM_XWING_SK_BYTES], ct[DM_XWING_CT_BYTES], ss[32];

	CHECK_EQ(dm_xwing_keypair(pk, sk), 0);
	pk[0] = 0xff;
	pk[1] |= 0x0f; /* first coefficient 4095 >= q */
	memset(ss, 0x5a, sizeof(ss));
	CHECK_EQ(dm_xwing_encaps(ct, ss, pk), -1);
	CHECK_EQ(ss[0], 0x5a);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_roundtrip();
	test_low_order();
	test_bad_pk();
	return TEST_DONE("test_xwing");
}
