/* Owner-name builders and the three DNS-name checks (wire.md §3, §3.1). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/dmp/names.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define S(s) (s), (sizeof(s) - 1)

static bool strict(const char *s, size_t max)
{
	return dm_dns_name_strict_ok(s, strlen(s), max);
}

static bool legacy(const char *s)
{
	return dm_dns_name_legacy_ok(s, strlen(s));
}

static bool storable(const char *s)
{
	return dm_dns_name_storable(s, strlen(s));
}

static void test_strict(void)
{
	CHECK(strict("example.com", 0));
	CHECK(strict("example.com.", 0));
	CHECK(strict("a", 0));
	CHECK(strict("A-1.b2", 0));
	CHECK(!strict("", 0));
	CHECK(!strict(".", 0));
	CHECK(!strict("..", 0));
	CHECK(!strict("example.com..", 0));
	CHECK(!strict(".example.com", 0));
	CHECK(!strict("a..b", 0));
	CHECK(!strict("-a.com", 0));
	CHECK(!strict("a-.com", 0));
	CHECK(!strict("a_b.com", 0));
	CHECK(!strict("a b.com", 0));
	CHECK(!strict("caf\xc3\xa9.example", 0));
	CHECK(!dm_dns_name_strict_ok("a\0b", 3, 0));
	CHECK(!dm_dns_name_strict_ok(NULL, 0, 0));
	/* The cap counts bytes after one trailing dot is removed. */
	char n64[66];
	memset(n64, 'a', 64);
	n64[30] = '.';
	n64[64] = '.';
	n64[65] = '\0';
	CHECK(strict(n64, 64));
	n64[64] = 'a';
	CHECK(!strict(n64, 64));
	CHECK(strict(n64, 0));
	/* Labels: 63 fine, 64 not; no total-length rule. */
	char big[300];
	memset(big, 'x', 63);
	strcpy(big + 63, ".com");
	CHECK(strict(big, 0));
	memset(big, 'x', 64);
	strcpy(big + 64, ".com");
	CHECK(!strict(big, 0));
	for (int i = 0; i < 4; i++) {
		memset(big + i * 64, 'a', 63);
		big[i * 64 + 63] = '.';
	}
	big[255] = '\0'; /* 255 characters, four 63-byte labels */
	CHECK(strict(big, 0));
	CHECK(!storable(big));
}

static void test_legacy(void)
{
	CHECK(legacy("mesh.example.com"));
	CHECK(!legacy("mesh.example.com."));
	CHECK(legacy("caf\xc3\xa9.example"));
	CHECK(legacy("\xe6\x97\xa5\xe6\x9c\xac.jp")); /* 日本: Lo */
	CHECK(legacy("x\xc2\xb2.com"));		      /* ² is numeric (No) */
	CHECK(legacy("\xd9\xa3.com"));		      /* Arabic-Indic 3 (Nd) */
	CHECK(!legacy("a\xc2\xa0"
		      "b.com")); /* NBSP */
	CHECK(!legacy("a\xe2\x80\x94"
		      "b.com"));		/* em dash */
	CHECK(!legacy("\xf0\x9f\x94\x91.com")); /* 🔑 is a symbol */
	CHECK(!legacy("caf\xe9.example"));	/* Latin-1, not UTF-8 */
	CHECK(!legacy("a\xc0\xae"
		      "b"));		    /* overlong '.' */
	CHECK(!legacy("\xed\xa0\x80.com")); /* surrogate */
	CHECK(!legacy("\xc3"));		    /* truncated */
	CHECK(!legacy("under_score.example"));
	CHECK(!legacy("-bad.example.com"));
	CHECK(!legacy("bad-.example.com"));
	CHECK(!legacy("a..b"));
	CHECK(!legacy(".a"));
	CHECK(!legacy(""));
	/* 63 code points per label, even when they take 126 bytes. */
	char lab[200];
	size_t o = 0;
	for (int i = 0; i < 63; i++) {
		lab[o++] = '\xc3';
		lab[o++] = '\xa9';
	}
	lab[o] = '\0';
	CHECK(legacy(lab));
	lab[o++] = 'e';
	lab[o] = '\0';
	CHECK(!legacy(lab));
	/* 253 characters total is the limit, in code points. */
	char name[600];
	o = 0;
	for (int l = 0; l < 4; l++) {
		for (int i = 0; i < 60; i++) {
			name[o++] = '\xc3';
			name[o++] = '\xa9';
		}
		if (l < 3)
			name[o++] = '.';
	}
	name[o] = '\0'; /* 4*60 + 3 = 243 code points, 483 bytes */
	CHECK(legacy(name));
	strcpy(name + o, ".abcdefghi");
	CHECK(legacy(name)); /* 253 */
	strcpy(name + o, ".abcdefghij");
	CHECK(!legacy(name)); /* 254 */
}

static void test_storable(void)
{
	CHECK(storable("slot-0.mb-337d9383b74f.mesh.example.com"));
	CHECK(storable("_dmp.example.com."));
	CHECK(storable("Mesh.Example.COM"));
	CHECK(storable("a*b.c"));
	CHECK(!storable(""));
	CHECK(!storable("."));
	CHECK(!storable("a..b"));
	CHECK(!storable(".a"));
	CHECK(!storable("a.."));
	CHECK(!storable("a b"));
	CHECK(!storable("a\tb"));
	CHECK(!storable("a\"b"));
	CHECK(!storable("a\\b"));
	CHECK(!storable("a\x7f"));
	CHECK(!storable("caf\xc3\xa9"));
	CHECK(!dm_dns_name_storable("a\0b", 3));
	char n[300];
	memset(n, 'a', 253);
	for (int i = 63; i < 253; i += 64)
		n[i] = '.';
	n[253] = '\0';
	CHECK(storable(n));
	n[253] = '.';
	n[254] = '\0';
	CHECK(storable(n));
	n[253] = 'a';
	CHECK(!storable(n));
	memset(n, 'a', 64);
	n[64] = '\0';
	CHECK(!storable(n));
	n[63] = '\0';
	CHECK(storable(n));
}

static void test_builders(void)
{
	uint8_t rid[32] = {0}, mid[16] = {0};
	char out[256], mk[13];

	/* Slots and claims: 0..9 only, zone verbatim and non-empty. */
	CHECK(dm_name_slot(out, sizeof(out), rid, 9, S("z.")) > 0);
	CHECK(strncmp(out, "slot-9.mb-", 10) == 0 && strcmp(out + 22, ".z.") == 0);
	CHECK_EQ(dm_name_slot(out, sizeof(out), rid, 10, S("z")), DM_EINVAL);
	CHECK_EQ(dm_name_slot(out, sizeof(out), rid, 0, "", 0), DM_EINVAL);
	CHECK_EQ(dm_name_slot(out, sizeof(out), rid, 0, S("a\0b")), DM_EINVAL);
	CHECK_EQ(dm_name_claim(out, sizeof(out), rid, 10, S("z")), DM_EINVAL);
	CHECK_EQ(dm_name_claim(out, sizeof(out), rid, 0, NULL, 0), DM_EINVAL);
	CHECK_EQ(dm_name_slot(out, 0, rid, 0, S("z")), DM_ETOOBIG);

	/* Chunks: %04u, wider when needed; the key must be 12 lowercase hex. */
	dm_chunk_msg_key12(mid, rid, rid, mk);
	CHECK_EQ(strlen(mk), 12);
	CHECK_EQ(dm_name_chunk(out, sizeof(out), 7, mk, S("z")), 25);
	CHECK(strncmp(out, "chunk-0007-", 11) == 0);
	CHECK(dm_name_chunk(out, sizeof(out), 123456, mk, S("z")) > 0);
	CHECK(strncmp(out, "chunk-123456-", 13) == 0);
	CHECK_EQ(dm_name_chunk(out, sizeof(out), 0, "ABCDEF012345", S("z")), DM_EINVAL);
	CHECK_EQ(dm_name_chunk(out, sizeof(out), 0, "abcdef01234", S("z")), DM_EINVAL);
	CHECK_EQ(dm_name_chunk(out, sizeof(out), 0, "abcdef0123456", S("z")), DM_EINVAL);
	CHECK_EQ(dm_name_chunk(out, sizeof(out), 0, NULL, S("z")), DM_EINVAL);

	/* rstrip removes every trailing dot; nothing left is an error. */
	CHECK_EQ(dm_name_identity_zone(out, sizeof(out), S("x.y...")), 7);
	CHECK_STR(out, "dmp.x.y");
	CHECK_EQ(dm_name_identity_zone(out, sizeof(out), S("...")), DM_EINVAL);
	CHECK_EQ(dm_name_rotation_user_zone(out, sizeof(out), S("X.Y.")), 14);
	CHECK_STR(out, "rotate.dmp.X.Y");
	CHECK_EQ(dm_name_identity_hashed(out, sizeof(out), S("alice"), S(".")), DM_EINVAL);
	/* An empty username still hashes (SHA256 of nothing). */
	CHECK_EQ(dm_name_prekeys(out, sizeof(out), "", 0, S("d")), 25);
	CHECK_STR(out, "prekeys.id-e3b0c44298fc.d");

	/* §3.1 subjects: one trailing dot removed, two refused. */
	CHECK_EQ(dm_name_cluster(out, sizeof(out), S("a.b.")), 11);
	CHECK_STR(out, "cluster.a.b");
	CHECK_EQ(dm_name_cluster(out, sizeof(out), S("a.b..")), DM_EINVAL);
	CHECK_EQ(dm_name_bootstrap(out, sizeof(out), S("a_b.c")), DM_EINVAL);
	CHECK_EQ(dm_name_rotation_bootstrap(out, sizeof(out), S("")), DM_EINVAL);
	CHECK_EQ(dm_name_rotation_cluster(out, sizeof(out), S("-x")), DM_EINVAL);

	/* Legacy helpers. */
	CHECK(dm_name_legacy_mailbox(out, sizeof(out), rid, 123, S("d")) > 0);
	CHECK(strstr(out, "-123.d") != NULL);
	char id[80];
	memset(id, '9', 60);
	CHECK_EQ(dm_name_legacy_chunk(out, sizeof(out), id, 60, mid, S("d")), 65);
	CHECK(out[63] == '.' && strncmp(out, "chunk-", 6) == 0);
	CHECK(strcmp(out + 63, ".d") == 0);
	CHECK_EQ(dm_name_legacy_chunk(out, sizeof(out), "\xc3\xa9", 2, mid, S("d")), DM_EINVAL);

	/* Nothing is written when the buffer is short. */
	memset(out, 'Q', sizeof(out));
	CHECK_EQ(dm_name_cluster(out, 11, S("a.b")), DM_ETOOBIG);
	CHECK(out[0] == 'Q');
}

int main(void)
{
	test_strict();
	test_legacy();
	test_storable();
	test_builders();
	return TEST_DONE("test_names");
}
