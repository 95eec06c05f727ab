/* Revocation records (wire.md §12.8): self-signature, reasons, age and skew bounds. */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "common/dmp/revocation.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define TS 1893456000ULL

static uint8_t pk[32], sk[64], pk2[32], sk2[64];
static struct dm_revocation base, got;
static char wire[DM_REVOCATION_WIRE_MAX + 1];
static size_t wire_len;

static void reset(void)
{
	memset(&base, 0, sizeof(base));
	base.subject_type = DM_SUBJECT_CLUSTER;
	base.subject_len = 16;
	memcpy(base.subject, "mesh.example.com", 17);
	memcpy(base.revoked_spk, pk, 32);
	base.reason = DM_REVOKE_ROUTINE;
	base.ts = TS;
}

static int sign(const uint8_t *key)
{
	return dm_revocation_sign(&base, key, wire, sizeof(wire), &wire_len);
}

static int parse(uint64_t now, const uint8_t *pin, const char *subject, uint64_t max_age)
{
	return dm_revocation_parse(wire, wire_len, now, pin, subject, subject ? strlen(subject) : 0,
				   max_age, &got);
}

int main(void)
{
	static const uint8_t s1[32] = {8}, s2[32] = {9};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_seed_keypair(pk, sk, s1);
	crypto_sign_seed_keypair(pk2, sk2, s2);

	reset();
	CHECK_EQ(sign(sk), 0);
	CHECK_EQ(parse(TS, pk, "MESH.example.com.", DM_REVOCATION_NO_MAX_AGE), 0);
	CHECK_EQ(got.reason, DM_REVOKE_ROUTINE);
	CHECK_EQ(got.ts, TS);
	CHECK_EQ(parse(TS, pk2, NULL, DM_REVOCATION_NO_MAX_AGE), DM_EMISMATCH);
	CHECK_EQ(parse(TS, NULL, "other.example.com", DM_REVOCATION_NO_MAX_AGE), DM_EMISMATCH);

	/* Future skew: ts may lead now by 300 s. */
	CHECK_EQ(parse(TS - 300, NULL, NULL, DM_REVOCATION_NO_MAX_AGE), 0);
	CHECK_EQ(parse(TS - 301, NULL, NULL, DM_REVOCATION_NO_MAX_AGE), DM_EEXPIRED);
	CHECK_EQ(parse(0, NULL, NULL, DM_REVOCATION_NO_MAX_AGE), DM_EEXPIRED);
	/* No age limit by default; an explicit one is ts + max_age >= now. */
	CHECK_EQ(parse(UINT64_MAX, NULL, NULL, DM_REVOCATION_NO_MAX_AGE), 0);
	CHECK_EQ(parse(TS + 1000, NULL, NULL, 1000), 0);
	CHECK_EQ(parse(TS + 1001, NULL, NULL, 1000), DM_EEXPIRED);
	CHECK_EQ(parse(TS + 1001, NULL, NULL, 0), DM_EEXPIRED);
	CHECK_EQ(parse(TS, NULL, NULL, 0), 0);

	/* Tampering: the embedded key no longer verifies its signature. */
	char saved = wire[30];
	wire[30] = saved == 'A' ? 'B' : 'A';
	CHECK_EQ(parse(TS, NULL, NULL, DM_REVOCATION_NO_MAX_AGE) < 0, 1);
	wire[30] = saved;
	CHECK_EQ(dm_revocation_parse(wire, wire_len - 1, TS, NULL, NULL, 0,
				     DM_REVOCATION_NO_MAX_AGE, &got),
		 DM_EINVAL);
	CHECK_EQ(dm_revocation_parse("v=dmp1;t=rotation;AAAA", 22, TS, NULL, NULL, 0,
				     DM_REVOCATION_NO_MAX_AGE, &got),
		 DM_EINVAL);

	/* Sign-side refusals. */
	reset();
	CHECK_EQ(sign(sk2), DM_EMISMATCH);
	base.reason = 0;
	CHECK_EQ(sign(sk), DM_EINVAL);
	base.reason = 5;
	CHECK_EQ(sign(sk), DM_EINVAL);
	reset();
	base.subject_type = DM_SUBJECT_USER;
	CHECK_EQ(sign(sk), DM_EINVAL);
	reset();
	CHECK_EQ(dm_revocation_sign(&base, sk, wire, 50, &wire_len), DM_ETOOBIG);

	/* A reason outside 1..4, signed by hand. */
	uint8_t body[DM_REVOCATION_WIRE_MAX];
	size_t len;
	reset();
	CHECK_EQ(dm_revocation_body_encode(&base, body, sizeof(body), &len), 0);
	body[len - 9] = 7;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_REVOCATION, body, len, sk, DM_REVOCATION_WIRE_MAX,
				       wire, sizeof(wire), &wire_len),
		 0);
	CHECK_EQ(parse(TS, NULL, NULL, DM_REVOCATION_NO_MAX_AGE), DM_EINVAL);
	return TEST_DONE("test_revocation");
}
