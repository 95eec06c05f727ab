/* common/dmp/prekey.h: id 0 refused both ways, pinned key, expiry, length. */
#include <sodium.h>

#include "common/dmp/prekey.h"
#include "common/err.h"
#include "tests/unit/test.h"

int main(void)
{
	uint8_t pk[32], sk[64], opk[32], osk[64], body[45], sig[64];
	char out[DM_PREKEY_VALUE_LEN + 1], big[300];
	struct dm_prekey p = {0}, got;
	size_t len;

	if (sodium_init() < 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(opk, osk);
	p.prekey_id = 0;
	p.exp = 500;
	CHECK_EQ(dm_prekey_sign(&p, sk, out), DM_EINVAL);
	CHECK_EQ(dm_prekey_encode(&p, out), DM_EINVAL);
	p.prekey_id = 9;
	CHECK_EQ(dm_prekey_sign(&p, sk, out), 0);
	CHECK_EQ(strlen(out), DM_PREKEY_VALUE_LEN);
	CHECK_EQ(dm_prekey_parse(out, strlen(out), pk, 500, &got), 0);
	CHECK_EQ(got.prekey_id, 9);
	CHECK_EQ(dm_prekey_parse(out, strlen(out), pk, 501, &got), DM_EEXPIRED);
	CHECK_EQ(dm_prekey_parse(out, strlen(out), opk, 1, &got), DM_ESIG);
	/* A low-order pinned key never verifies. */
	memset(opk, 0, 32);
	opk[0] = 1;
	CHECK_EQ(dm_prekey_parse(out, strlen(out), opk, 1, &got), DM_ESIG);

	/* A correctly signed id-0 record (0.4.4 could emit one) is refused. */
	memset(body, 0, sizeof(body));
	body[43] = 1;
	dm_ed25519_sign(sig, body, 44, sk);
	CHECK_EQ(dm_record_encode(DM_PREFIX_PREKEY, body, 44, sig, 0, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_prekey_parse(out, len, pk, 0, &got), DM_EINVAL);
	/* Wrong decoded lengths. */
	CHECK_EQ(dm_record_encode(DM_PREFIX_PREKEY, body, 45, sig, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_prekey_parse(big, len, pk, 0, &got), DM_EINVAL);
	CHECK_EQ(dm_record_encode(DM_PREFIX_PREKEY, body, 43, sig, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_prekey_parse(big, len, pk, 0, &got), DM_EINVAL);
	CHECK_EQ(dm_prekey_parse("v=dmp1;t=prekey;d=A", 19, pk, 0, &got), DM_EINVAL);
	return TEST_DONE("test_prekey");
}
