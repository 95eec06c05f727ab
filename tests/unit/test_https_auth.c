/*
 * The https-frontend's pure authorization pieces: scope classification of
 * owner names (node.md §6.3), token format and digests (§6.2), and the
 * token-bucket limiter (§4).
 */
#include <sodium.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/scope.h"
#include "common/dmp/token.h"
#include "common/ratelimit.h"
#include "tests/unit/test.h"

static enum dm_scope_class cls(const char *name)
{
	struct dm_scope s;
	dm_scope_classify(name, strlen(name), &s);
	return s.cls;
}

static bool owns(const char *name, const char *subject, const char *hash12)
{
	struct dm_scope s;
	dm_scope_classify(name, strlen(name), &s);
	return dm_scope_owner_ok(&s, subject, hash12);
}

/* sha256hex(s)[:n] */
static void h(const char *s, size_t n, char *out)
{
	uint8_t d[32];
	char hx[65];
	crypto_hash_sha256(d, (const uint8_t *)s, strlen(s));
	dm_hex_encode(d, sizeof(d), hx);
	memcpy(out, hx, n);
	out[n] = '\0';
}

static void test_scope(void)
{
	char h16[17], h12[13], name[300];
	h("alice", 16, h16);
	h("alice", 12, h12);

	/* fast rejects */
	CHECK_EQ(cls(""), DM_SCOPE_UNKNOWN);
	CHECK_EQ(cls("nodot"), DM_SCOPE_UNKNOWN);
	CHECK_EQ(cls("a..b.com"), DM_SCOPE_UNKNOWN);
	CHECK_EQ(cls(".a.b.com"), DM_SCOPE_UNKNOWN);
	CHECK_EQ(cls("a_b.example.com"), DM_SCOPE_UNKNOWN);
	CHECK_EQ(cls("a b.example.com"), DM_SCOPE_UNKNOWN);

	/* rule 1 and 5: dmp.<user>.<domain>, rotate.dmp.<user>.<domain> */
	CHECK_EQ(cls("dmp.alice.example.com"), DM_SCOPE_OWNER);
	CHECK(owns("dmp.alice.example.com", "alice@example.com", NULL));
	CHECK(owns("DMP.Alice.Example.COM.", "alice@example.com", NULL));
	CHECK(!owns("dmp.alice.example.com", "bob@example.com", NULL));
	CHECK(!owns("dmp.alice.example.com", "alice@example.org", NULL));
	CHECK_EQ(cls("dmp.alice.com"), DM_SCOPE_OPERATOR); /* domain needs two labels */
	CHECK(owns("rotate.dmp.alice.example.com", "alice@example.com", NULL));

	/* rule 2: id-<h16>.<domain> */
	snprintf(name, sizeof(name), "id-%s.example.com", h16);
	CHECK_EQ(cls(name), DM_SCOPE_OWNER);
	CHECK(owns(name, "alice@example.com", NULL));
	CHECK(!owns(name, "alice@other.com", NULL));
	CHECK(!owns(name, "bob@example.com", NULL));

	/* rule 3b (ours): rotate.id-<h16>.<domain> belongs to the owner of id-<h16> */
	snprintf(name, sizeof(name), "rotate.id-%s.example.com", h16);
	CHECK_EQ(cls(name), DM_SCOPE_OWNER);
	CHECK(owns(name, "alice@example.com", NULL));
	CHECK(!owns(name, "alice@other.com", NULL));
	CHECK(!owns(name, "bob@example.com", NULL));
	snprintf(name, sizeof(name), "rotate.id-%s.com", h16);
	CHECK_EQ(cls(name), DM_SCOPE_OPERATOR); /* domain needs two labels */

	/* rule 3: prekeys.id-<h12>.<domain> */
	snprintf(name, sizeof(name), "prekeys.id-%s.example.com", h12);
	CHECK(owns(name, "alice@example.com", NULL));
	CHECK(!owns(name, "bob@example.com", NULL));

	/* rule 4: rotate.dmp.id-<h12>.<fqdn2> is operator-only */
	snprintf(name, sizeof(name), "rotate.dmp.id-%s.example.com", h12);
	CHECK_EQ(cls(name), DM_SCOPE_OPERATOR);
	CHECK(!owns(name, "alice@example.com", NULL));

	/* rule 6: pk-<n>.<h12>.<fqdn2> needs the token's subject_hash12 */
	snprintf(name, sizeof(name), "pk-7.%s.example.com", h12);
	CHECK_EQ(cls(name), DM_SCOPE_OWNER);
	CHECK(owns(name, "alice@example.com", h12));
	CHECK(!owns(name, "alice@example.com", NULL));
	CHECK(!owns(name, "alice@example.com", "000000000000"));

	/* rules 7, 8: shared pool */
	CHECK_EQ(cls("slot-3.mb-0123456789ab.example.com"), DM_SCOPE_SHARED);
	CHECK_EQ(cls("SLOT-3.MB-0123456789AB.example.com"), DM_SCOPE_SHARED);
	CHECK_EQ(cls("slot-.mb-0123456789ab.example.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("slot-3.mb-0123456789a.example.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("slot-3.mb-0123456789ab.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("chunk-0001-0123456789ab.example.com"), DM_SCOPE_SHARED);
	CHECK_EQ(cls("chunk--0123456789ab.example.com"), DM_SCOPE_OPERATOR);
	CHECK(!owns("slot-3.mb-0123456789ab.example.com", "alice@example.com", NULL));

	/* everything else is operator-only */
	CHECK_EQ(cls("cluster.mesh.example.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("bootstrap.example.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("claim-1.mb-0123456789ab.example.com"), DM_SCOPE_OPERATOR);
	CHECK_EQ(cls("-bad.example.com"), DM_SCOPE_OPERATOR);
}

static void test_token(void)
{
	char tok[DM_TOKEN_LEN + 1], tok2[DM_TOKEN_LEN + 1], dg[DM_TOKEN_DIGEST_HEX + 1];
	dm_token_new(tok);
	dm_token_new(tok2);
	CHECK_EQ(strlen(tok), 59);
	CHECK(memcmp(tok, "dmp_v1_", 7) == 0);
	CHECK(dm_token_shape_ok(tok, strlen(tok)));
	CHECK(strcmp(tok, tok2) != 0);
	/* base32 of 32 bytes: the last character carries one bit, so A or Q */
	CHECK(tok[58] == 'A' || tok[58] == 'Q');
	for (size_t i = 7; i < 59; i++)
		CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", tok[i]) != NULL);
	tok2[10] = 'a';
	CHECK(!dm_token_shape_ok(tok2, strlen(tok2)));
	CHECK(!dm_token_shape_ok(tok, 58));
	CHECK(
	    !dm_token_shape_ok("dmp_v2_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 59));

	/* digest: sha256hex of the whole string, prefix included */
	dm_token_digest("abc", 3, dg);
	CHECK_STR(dg, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	CHECK(dm_token_equal("secret", 6, "secret", 6));
	CHECK(!dm_token_equal("secret", 6, "secreT", 6));
	CHECK(!dm_token_equal("secret", 6, "secret2", 7));
	CHECK(!dm_token_equal("", 0, "secret", 6));
}

static void test_ratelimit(void)
{
	struct dm_ratelimit *rl = dm_ratelimit_new(3, 1.0, 2.0);
	CHECK(rl != NULL);
	/* a new key starts full: burst 2 */
	CHECK(dm_ratelimit_allow(rl, "a", 1, 1000));
	CHECK(dm_ratelimit_allow(rl, "a", 1, 1000));
	CHECK(!dm_ratelimit_allow(rl, "a", 1, 1000));
	/* 0.5 s refills half a token: still denied; 1 s after the start, one */
	CHECK(!dm_ratelimit_allow(rl, "a", 1, 1500));
	CHECK(dm_ratelimit_allow(rl, "a", 1, 2000));
	CHECK(!dm_ratelimit_allow(rl, "a", 1, 2000));
	/* the clock stepping back counts as no time */
	CHECK(!dm_ratelimit_allow(rl, "a", 1, 100));
	/* keys are independent; the map holds 3 and evicts the least recent */
	CHECK(dm_ratelimit_allow(rl, "b", 1, 2000));
	CHECK(dm_ratelimit_allow(rl, "c", 1, 2000));
	CHECK_EQ(dm_ratelimit_size(rl), 3);
	CHECK(dm_ratelimit_allow(rl, "d", 1, 2000)); /* evicts "a" */
	CHECK_EQ(dm_ratelimit_size(rl), 3);
	CHECK(dm_ratelimit_allow(rl, "a", 1, 2000)); /* back, and full again */
	CHECK(dm_ratelimit_allow(rl, "a", 1, 2000));
	CHECK(!dm_ratelimit_allow(rl, "a", 1, 2000));
	/* forget drops the state */
	dm_ratelimit_forget(rl, "a", 1);
	CHECK_EQ(dm_ratelimit_size(rl), 2);
	CHECK(dm_ratelimit_allow(rl, "a", 1, 2000));
	/* per-key rate and burst; <= 0 disables */
	CHECK(dm_ratelimit_allow_with(rl, "t", 1, 0, 5, 0));
	CHECK(dm_ratelimit_allow_with(rl, "t", 1, 5, 0, 0));
	for (int i = 0; i < 5; i++)
		CHECK(dm_ratelimit_allow_with(rl, "u", 1, 10.0, 5.0, 3000));
	CHECK(!dm_ratelimit_allow_with(rl, "u", 1, 10.0, 5.0, 3000));
	CHECK(dm_ratelimit_allow_with(rl, "u", 1, 10.0, 5.0, 3100));
	dm_ratelimit_free(rl);

	/* disabled limiter allows everything */
	rl = dm_ratelimit_new(10, 0, 0);
	for (int i = 0; i < 1000; i++)
		CHECK(dm_ratelimit_allow(rl, "x", 1, 0));
	dm_ratelimit_free(rl);

	/* many keys through a small map: no corruption */
	rl = dm_ratelimit_new(64, 1.0, 1.0);
	char key[32];
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		CHECK(dm_ratelimit_allow(rl, key, (size_t)n, 0));
		if (i % 7 == 0)
			dm_ratelimit_forget(rl, key, (size_t)n);
	}
	CHECK(dm_ratelimit_size(rl) <= 64);
	dm_ratelimit_free(rl);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_scope();
	test_token();
	test_ratelimit();
	return TEST_DONE("test_https_auth");
}
