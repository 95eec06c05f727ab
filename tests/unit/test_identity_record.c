/* common/dmp/identity_record.h: lengths, UTF-8, versions suffix, address check. */
#include <sodium.h>

#include "common/dmp/identity_record.h"
#include "common/err.h"
#include "tests/unit/test.h"

static uint8_t pk[32], sk[64], xpub[32];

/* Signs an arbitrary body with `sk` as an identity value. */
static int raw_value(const uint8_t *body, size_t len, char *out, size_t cap, size_t *ret_len)
{
	return dm_record_sign_encode(DM_PREFIX_IDENTITY, body, len, sk, 0, out, cap, ret_len);
}

static size_t fixed_body(uint8_t *b, const char *name, size_t n)
{
	b[0] = (uint8_t)n;
	memcpy(b + 1, name, n);
	memcpy(b + 1 + n, xpub, 32);
	memcpy(b + 33 + n, pk, 32);
	memset(b + 65 + n, 0, 8);
	return 73 + n;
}

static void test_round_trip(void)
{
	struct dm_identity_record r, got;
	char out[DM_IDENTITY_VALUE_MAX];
	uint8_t opk[32], osk[64];
	size_t len, len1;

	CHECK_EQ(dm_identity_record_init(&r, "", 0, xpub, pk, 5), DM_EINVAL);
	CHECK_EQ(dm_identity_record_init(&r, "\xc3", 1, xpub, pk, 5), DM_EINVAL);
	CHECK_EQ(dm_identity_record_init(&r, "bob", 3, xpub, pk, 5), 0);
	CHECK_EQ(dm_identity_record_sign(&r, sk, out, sizeof(out), &len1), 0);
	CHECK_EQ(dm_identity_record_parse(out, len1, &got), 0);
	CHECK(dm_identity_record_has_version(&got, 1));
	CHECK(!dm_identity_record_has_version(&got, 2));

	/* A non-default set adds the suffix: 1 + n bytes more. */
	r.versions_count = 3;
	r.versions[0] = 1;
	r.versions[1] = 2;
	r.versions[2] = 200;
	CHECK_EQ(dm_identity_record_sign(&r, sk, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), 0);
	CHECK_EQ(got.versions_count, 3);
	CHECK_EQ(got.versions[2], 200);
	CHECK(len > len1);
	r.versions[2] = 2;
	CHECK_EQ(dm_identity_record_sign(&r, sk, out, sizeof(out), &len), DM_EINVAL);
	r.versions_count = 0;
	CHECK_EQ(dm_identity_record_sign(&r, sk, out, sizeof(out), &len), DM_EINVAL);
	/* Key must match the embedded spk. */
	crypto_sign_keypair(opk, osk);
	r.versions_count = 1;
	CHECK_EQ(dm_identity_record_sign(&r, osk, out, sizeof(out), &len), DM_EINVAL);
}

static void test_parse_rules(void)
{
	uint8_t b[500];
	char out[DM_IDENTITY_VALUE_MAX * 2];
	struct dm_identity_record got;
	size_t n, len;
	char name[65];

	memset(name, 'u', sizeof(name));
	n = fixed_body(b, name, 64);
	CHECK_EQ(raw_value(b, n, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), 0);
	/* name_len 65 */
	n = fixed_body(b, name, 65);
	CHECK_EQ(raw_value(b, n, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	/* invalid UTF-8 username */
	n = fixed_body(b, "a\xff", 2);
	CHECK_EQ(raw_value(b, n, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	/* suffix: empty, unsorted, truncated, explicit {1} */
	n = fixed_body(b, "al", 2);
	b[n] = 0;
	CHECK_EQ(raw_value(b, n + 1, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	b[n] = 2;
	b[n + 1] = 2;
	b[n + 2] = 1;
	CHECK_EQ(raw_value(b, n + 3, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	CHECK_EQ(raw_value(b, n + 2, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	b[n] = 1;
	b[n + 1] = 1;
	CHECK_EQ(raw_value(b, n + 2, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_EINVAL);
	b[n + 1] = 2;
	CHECK_EQ(raw_value(b, n + 2, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_identity_record_parse(out, len, &got), 0);
	CHECK_EQ(got.versions_count, 1);
	CHECK_EQ(got.versions[0], 2);
	/* flipped signature */
	out[len - 3] = out[len - 3] == 'A' ? 'B' : 'A';
	CHECK_EQ(dm_identity_record_parse(out, len, &got), DM_ESIG);
}

static void test_address(void)
{
	struct dm_identity_record r;

	CHECK_EQ(dm_identity_record_init(&r, "alice", 5, xpub, pk, 5), 0);
	CHECK_EQ(dm_identity_record_check_address(&r, "alice@alice.example.com", 23), 0);
	CHECK_EQ(dm_identity_record_check_address(&r, " alice\t@ example.com. ", 22), 0);
	CHECK_EQ(dm_identity_record_check_address(&r, "Alice@example.com", 17), DM_EMISMATCH);
	CHECK_EQ(dm_identity_record_check_address(&r, "bob@example.com", 15), DM_EMISMATCH);
	CHECK_EQ(dm_identity_record_check_address(&r, "alice", 5), DM_EINVAL);
	CHECK_EQ(dm_identity_record_check_address(&r, " @example.com", 13), DM_EINVAL);
	CHECK_EQ(dm_identity_record_check_address(&r, "alice@...", 9), DM_EINVAL);
	/* split at the first '@' */
	CHECK_EQ(dm_identity_record_check_address(&r, "alice@a@b", 9), 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(xpub, sizeof(xpub));
	test_round_trip();
	test_parse_rules();
	test_address();
	return TEST_DONE("test_identity_record");
}
