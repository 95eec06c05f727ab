/* common/dmp/manifest.h: both forms, field bounds, key checks, slot choice. */
#include <sodium.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/dmp/manifest.h"
#include "common/err.h"
#include "tests/unit/test.h"

static uint8_t pk[32], sk[64];

static void fill(struct dm_manifest *m, uint32_t n, uint32_t k)
{
	memset(m, 0, sizeof(*m));
	randombytes_buf(m->msg_id, sizeof(m->msg_id));
	memcpy(m->sender_spk, pk, 32);
	randombytes_buf(m->recipient_id, sizeof(m->recipient_id));
	m->total_chunks = n;
	m->data_chunks = k;
	m->prekey_id = 7;
	m->ts = 1000;
	m->exp = 1300;
}

static void test_slot(void)
{
	uint8_t id[16] = {0x00, 0x11, 0x22, 0x33};

	CHECK_EQ(dm_manifest_slot(id), 0x00112233u % 10);
	memset(id, 0xff, 4);
	CHECK_EQ(dm_manifest_slot(id), 0xffffffffu % 10);
}

static void test_forms(void)
{
	static uint8_t hashes[DM_MANIFEST_MAX_CHUNKS][32], back[DM_MANIFEST_MAX_CHUNKS][32];
	static char out[DM_MANIFEST_VALUE_MAX];
	struct dm_manifest m, got;
	size_t len;

	fill(&m, 3, 2);
	CHECK_EQ(dm_manifest_sign(&m, NULL, sk, out, sizeof(out), &len), 0);
	CHECK_EQ(len, DM_MANIFEST_VALUE_044_LEN);
	CHECK_EQ(dm_manifest_parse(out, len, 1300, NULL, 0, &got), 0);
	CHECK_EQ(got.hash_count, 0);
	CHECK_EQ(dm_manifest_parse(out, len, 1301, NULL, 0, &got), DM_EEXPIRED);
	CHECK_EQ(dm_manifest_parse(out, len, 0, NULL, 0, &got), 0);

	/* 0.7.5: one hash per chunk, up to the 1024-chunk maximum. */
	randombytes_buf(hashes, sizeof(hashes));
	fill(&m, DM_MANIFEST_MAX_CHUNKS, 1);
	m.hash_count = DM_MANIFEST_MAX_CHUNKS;
	CHECK_EQ(dm_manifest_sign(&m, (const uint8_t(*)[32])hashes, sk, out, sizeof(out), &len), 0);
	CHECK_EQ(len + 1, DM_MANIFEST_VALUE_MAX);
	CHECK_EQ(dm_manifest_parse(out, len, 0, back, DM_MANIFEST_MAX_CHUNKS, &got), 0);
	CHECK_EQ(got.hash_count, DM_MANIFEST_MAX_CHUNKS);
	CHECK_MEM(back, hashes, sizeof(hashes));
	CHECK_EQ(dm_manifest_parse(out, len, 0, back, DM_MANIFEST_MAX_CHUNKS - 1, &got),
		 DM_ETOOBIG);
	CHECK_EQ(dm_manifest_parse(out, len, 0, NULL, 0, &got), DM_ETOOBIG);
	CHECK_EQ(dm_manifest_sign(&m, (const uint8_t(*)[32])hashes, sk, out, len, &len),
		 DM_ETOOBIG);

	/* Hash count must equal total_chunks. */
	fill(&m, 4, 2);
	m.hash_count = 3;
	CHECK_EQ(dm_manifest_sign(&m, (const uint8_t(*)[32])hashes, sk, out, sizeof(out), &len),
		 DM_EINVAL);
}

static void test_bounds(void)
{
	static char out[DM_MANIFEST_VALUE_MAX];
	struct dm_manifest m, got;
	uint8_t opk[32], osk[64];
	size_t len;

	fill(&m, 1, 0);
	CHECK_EQ(dm_manifest_sign(&m, NULL, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&m, 2, 3);
	CHECK_EQ(dm_manifest_sign(&m, NULL, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&m, 1025, 3);
	CHECK_EQ(dm_manifest_sign(&m, NULL, sk, out, sizeof(out), &len), DM_EINVAL);
	/* The signing key must be the embedded sender_spk's. */
	crypto_sign_keypair(opk, osk);
	fill(&m, 1, 1);
	CHECK_EQ(dm_manifest_sign(&m, NULL, osk, out, sizeof(out), &len), DM_EINVAL);
	/* A well-signed body with bad counts is still refused on parse. */
	fill(&m, 2, 3);
	{
		uint8_t body[108], sig[64];

		memcpy(body, m.msg_id, 16);
		memcpy(body + 16, m.sender_spk, 32);
		memcpy(body + 48, m.recipient_id, 32);
		dm_store_be32(body + 80, 2);
		dm_store_be32(body + 84, 3);
		memset(body + 88, 0, 20);
		dm_ed25519_sign(sig, body, 108, sk);
		CHECK_EQ(
		    dm_record_encode(DM_PREFIX_MANIFEST, body, 108, sig, 0, out, sizeof(out), &len),
		    0);
		CHECK_EQ(dm_manifest_parse(out, len, 0, NULL, 0, &got), DM_EINVAL);
		/* A body that is not 108 + 32n bytes. */
		CHECK_EQ(
		    dm_record_encode(DM_PREFIX_MANIFEST, body, 107, sig, 0, out, sizeof(out), &len),
		    0);
		CHECK_EQ(dm_manifest_parse(out, len, 0, NULL, 0, &got), DM_EINVAL);
	}
	CHECK_EQ(dm_manifest_parse("v=dmp1;t=manifest;d=", 20, 0, NULL, 0, &got), DM_EINVAL);
	CHECK_EQ(dm_manifest_parse("v=dmp1;t=prekey;d=", 18, 0, NULL, 0, &got), DM_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	test_slot();
	test_forms();
	test_bounds();
	return TEST_DONE("test_manifest");
}
