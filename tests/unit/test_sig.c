/* Ed25519 wrapper: the low-order list of wire.md §14 / node.md §14.3. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/sig.h"
#include "common/err.h"
#include "tests/unit/test.h"

static const char *const node_md_low_order[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "0100000000000000000000000000000000000000000000000000000000000080",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	uint8_t pk[32], sk[64], sig[64];
	for (size_t i = 0; i < sizeof(node_md_low_order) / sizeof(node_md_low_order[0]); i++) {
		CHECK_EQ(dm_hex_decode(node_md_low_order[i], 64, pk, sizeof(pk)), 32);
		CHECK(dm_ed25519_is_low_order(pk));
		memset(sig, 0, sizeof(sig));
		CHECK_EQ(dm_ed25519_verify(sig, (const uint8_t *)"x", 1, pk), DM_ESIG);
	}
	crypto_sign_keypair(pk, sk);
	CHECK(!dm_ed25519_is_low_order(pk));
	dm_ed25519_sign(sig, (const uint8_t *)"hello", 5, sk);
	CHECK_EQ(dm_ed25519_verify(sig, (const uint8_t *)"hello", 5, pk), 0);
	CHECK_EQ(dm_ed25519_verify(sig, (const uint8_t *)"hellp", 5, pk), DM_ESIG);
	sig[0] ^= 1;
	CHECK_EQ(dm_ed25519_verify(sig, (const uint8_t *)"hello", 5, pk), DM_ESIG);
	return TEST_DONE("test_sig");
}
