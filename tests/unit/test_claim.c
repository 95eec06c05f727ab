/* common/dmp/claim.h: every §12.2 rule, low-order keys, clock checks. */
#include <sodium.h>

#include "common/dmp/claim.h"
#include "common/err.h"
#include "tests/unit/test.h"

static uint8_t pk[32], sk[64];

static void fill(struct dm_claim *c, const char *domain)
{
	memset(c, 0, sizeof(*c));
	randombytes_buf(c->msg_id, sizeof(c->msg_id));
	memcpy(c->sender_spk, pk, 32);
	c->domain_len = strlen(domain);
	memcpy(c->domain, domain, c->domain_len);
	c->slot = 9;
	c->ts = 1000;
	c->exp = 1300;
}

static void test_sign_rules(void)
{
	char out[DM_RECORD_CAP_CLAIM + 1];
	char dom[50];
	struct dm_claim c, got;
	size_t len;

	fill(&c, "mesh.example.com");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), 0);
	CHECK_EQ(dm_claim_parse(out, len, 1000, &got), 0);
	memset(dom, 'a', sizeof(dom));
	dom[43] = '\0';
	fill(&c, dom);
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), 0);
	CHECK_EQ(len, 255);
	dom[43] = 'a';
	dom[44] = '\0';
	fill(&c, dom);
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "a b");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "a\x7f");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "caf\xc3\xa9.example");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), 0); /* UTF-8 allowed */
	fill(&c, "caf\xc3");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "x.org");
	c.slot = 10;
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "x.org");
	c.exp = c.ts;
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
	fill(&c, "x.org");
	c.exp = (uint64_t)1 << 63;
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), DM_EINVAL);
}

static void test_parse_rules(void)
{
	char out[DM_RECORD_CAP_CLAIM + 1], big[400];
	struct dm_claim c, got;
	uint8_t body[200];
	size_t len, n;

	fill(&c, "x.org");
	CHECK_EQ(dm_claim_sign(&c, sk, out, &len), 0);
	/* ts may lie at most 300 s ahead; exp must be after now. */
	CHECK_EQ(dm_claim_parse(out, len, 700, &got), 0);
	CHECK_EQ(dm_claim_parse(out, len, 699, &got), DM_EEXPIRED);
	CHECK_EQ(dm_claim_parse(out, len, 1299, &got), 0);
	CHECK_EQ(dm_claim_parse(out, len, 1300, &got), DM_EEXPIRED);
	/* strict base64: a junk byte is malformed */
	memcpy(big, out, len);
	big[20] = '*';
	CHECK_EQ(dm_claim_parse(big, len, 1000, &got), DM_EINVAL);
	/* other prefix */
	CHECK_EQ(dm_claim_parse(out + 1, len - 1, 1000, &got), DM_EINVAL);

	/* Hand-built bodies, signed correctly. */
	memcpy(body, "DMPCL01", 7);
	memcpy(body + 7, c.msg_id, 16);
	memcpy(body + 23, pk, 32);
	body[55] = 5;
	memcpy(body + 56, "x.org", 5);
	body[61] = 9;
	memset(body + 62, 0, 16);
	body[69] = 1;  /* ts = 1 */
	body[77] = 50; /* exp = 50 */
	n = 78;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), 0);
	/* trailing byte */
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n + 1, sk, 0, big, sizeof(big), &len),
		 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), DM_EINVAL);
	/* bad magic */
	body[6] = '2';
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), DM_EINVAL);
	body[6] = '1';
	/* slot 10 */
	body[61] = 10;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), DM_EINVAL);
	body[61] = 9;
	/* exp <= ts */
	body[77] = 1;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 0, &got), DM_EINVAL);
	body[77] = 50;
	/* domain_len 0 */
	body[55] = 0;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), DM_EINVAL);
	body[55] = 5;
	/* low-order sender key: refused before any signature check */
	memset(body + 23, 0, 32);
	body[23] = 1;
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_CLAIM, body, n, sk, 0, big, sizeof(big), &len), 0);
	CHECK_EQ(dm_claim_parse(big, len, 10, &got), DM_ESIG);
	/* over 255 bytes */
	memset(big, 'A', sizeof(big));
	memcpy(big, DM_PREFIX_CLAIM, strlen(DM_PREFIX_CLAIM));
	CHECK_EQ(dm_claim_parse(big, 256, 10, &got), DM_ETOOBIG);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	test_sign_rules();
	test_parse_rules();
	return TEST_DONE("test_claim");
}
