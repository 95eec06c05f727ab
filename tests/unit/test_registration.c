/* common/dmp/registration.h: subject canonicalisation and the signed payload. */
#include <sodium.h>

#include "common/dmp/registration.h"
#include "common/err.h"
#include "tests/unit/test.h"

static int canon(const char *raw, const char *want)
{
	char out[DM_REGISTRATION_SUBJECT_MAX + 1];
	size_t len;
	int r = dm_registration_canonical_subject(raw, strlen(raw), out, sizeof(out), &len);

	if (r == 0 && (want == NULL || strcmp(out, want) != 0 || len != strlen(want)))
		return -1;
	return r;
}

static void test_canonical(void)
{
	CHECK_EQ(canon("alice@example.com", "alice@example.com"), 0);
	CHECK_EQ(canon("  Alice.B+tag@Mail.Example.COM\n", "alice.b+tag@mail.example.com"), 0);
	CHECK_EQ(canon("\xc2\xa0"
		       "bob@a-b.example\xe3\x80\x80",
		       "bob@a-b.example"),
		 0);
	CHECK_EQ(canon("0_x-y@a1.b2", "0_x-y@a1.b2"), 0);
	CHECK_EQ(canon("", NULL), DM_EINVAL);
	CHECK_EQ(canon("   ", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@example", NULL), DM_EINVAL); /* one label */
	CHECK_EQ(canon(".alice@example.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("al ice@example.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@-example.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@example-.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@example..com", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@example.com.", NULL), DM_EINVAL);
	CHECK_EQ(canon("alice@a_b.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("a@b@example.com", NULL), DM_EINVAL);
	/* Non-ASCII after trimming is refused (NFKC is not applied). */
	CHECK_EQ(canon("\xef\xbd\x81lice@example.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("al\xc3\xa9@example.com", NULL), DM_EINVAL);
	CHECK_EQ(canon("al\xff@example.com", NULL), DM_EINVAL);
}

static void test_sign_verify(void)
{
	uint8_t pk[32], sk[64], chal[32], sig[64], payload[DM_REGISTRATION_PAYLOAD_MAX];
	size_t len;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(chal, sizeof(chal));
	CHECK_EQ(dm_registration_payload(chal, " Bob@Example.com", 16, "n.example", 9, payload,
					 sizeof(payload), &len),
		 0);
	CHECK_EQ(len, 32 + 15 + 9 + 1);
	CHECK_MEM(payload + 32, "bob@example.comn.example\x01", 25);
	CHECK_EQ(dm_registration_payload(chal, "bob@example.com", 15, "n.example", 9, payload,
					 len - 1, &len),
		 DM_ETOOBIG);
	CHECK_EQ(dm_registration_payload(chal, "bob@example.com", 15, "", 0, payload,
					 sizeof(payload), &len),
		 DM_EINVAL);
	CHECK_EQ(dm_registration_sign(chal, "BOB@example.com", 15, "n.example", 9, sk, sig), 0);
	CHECK_EQ(dm_registration_verify(chal, "bob@example.com", 15, "n.example", 9, pk, sig), 0);
	CHECK_EQ(dm_registration_verify(chal, "bob@example.org", 15, "n.example", 9, pk, sig),
		 DM_ESIG);
	chal[0] ^= 1;
	CHECK_EQ(dm_registration_verify(chal, "bob@example.com", 15, "n.example", 9, pk, sig),
		 DM_ESIG);
	chal[0] ^= 1;
	memset(pk, 0, 32);
	CHECK_EQ(dm_registration_verify(chal, "bob@example.com", 15, "n.example", 9, pk, sig),
		 DM_ESIG);
	CHECK_EQ(dm_registration_verify(chal, "bob", 3, "n.example", 9, pk, sig), DM_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_canonical();
	test_sign_verify();
	return TEST_DONE("test_registration");
}
