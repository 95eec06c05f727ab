/*
 * Anti-entropy core (common/dmp/sync.h, node.md §9): cursors, the checks on
 * what a peer sends, the watermark walk, re-verification and the summary's
 * pair hash.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/cluster.h"
#include "common/dmp/identity_record.h"
#include "common/dmp/sync.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define NOW_MS 1767225600000ULL
#define H64    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_cursor(void)
{
	struct dm_sync_cursor c, d;
	char out[DM_SYNC_CURSOR_MAX + 1];
	CHECK_EQ(dm_sync_cursor_parse("12:a.b:" H64, strlen("12:a.b:" H64), &c), 0);
	CHECK_EQ(c.ts_ms, 12);
	CHECK_STR(c.name, "a.b");
	CHECK_STR(c.hash, H64);
	CHECK_EQ(dm_sync_cursor_format(&c, out, sizeof(out)), 0);
	CHECK_STR(out, "12:a.b:" H64);
	/* two-part form, empty name */
	CHECK_EQ(dm_sync_cursor_parse("7:", 2, &c), 0);
	CHECK_EQ(c.ts_ms, 7);
	CHECK_STR(c.name, "");
	CHECK_STR(c.hash, "");
	CHECK_EQ(dm_sync_cursor_parse("0::", 3, &c), 0);
	/* refused: no colon, bad ts, negative, bad hash, upper-case hash, long name */
	const char *bad[] = {"12", ":a:", "x:a:", "-1:a:", "1:a:abc", "1:a:" H64 "0", "+1:a:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(dm_sync_cursor_parse(bad[i], strlen(bad[i]), &c), DM_EINVAL);
	char up[] = "1:a:" H64;
	up[4] = 'A';
	CHECK_EQ(dm_sync_cursor_parse(up, strlen(up), &c), DM_EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "1:", 2);
	CHECK_EQ(dm_sync_cursor_parse(longname, 2 + 253, &c), 0);
	CHECK_EQ(dm_sync_cursor_parse(longname, 2 + 254, &c), DM_EINVAL);
	/* a colon inside the hash part is a bad hash */
	CHECK_EQ(dm_sync_cursor_parse("1:a:b:c", 7, &c), DM_EINVAL);
	/* ordering: ts, then bytewise name, then hash */
	CHECK_EQ(dm_sync_cursor_parse("5:b:", 4, &c), 0);
	CHECK_EQ(dm_sync_cursor_parse("5:a:" H64, strlen("5:a:" H64), &d), 0);
	CHECK(dm_sync_cursor_cmp(&d, &c) < 0);
	CHECK_EQ(dm_sync_cursor_parse("5:\xc3\xa9:", 5, &d), 0); /* é after every ASCII name */
	CHECK(dm_sync_cursor_cmp(&d, &c) > 0);
	CHECK_EQ(dm_sync_cursor_parse("4:zzz:", 6, &d), 0);
	CHECK(dm_sync_cursor_cmp(&d, &c) < 0);
	CHECK_EQ(dm_sync_cursor_cmp(&c, &c), 0);
}

static void test_digest_parse(void)
{
	struct dm_sync_entry *e = NULL;
	size_t n = 0, dropped = 0;
	bool more = false;
	char body[4096];
	snprintf(
	    body, sizeof(body),
	    "{\"records\": ["
	    "{\"name\": \"ok.example\", \"hash\": \"%s\", \"ts\": 5, \"ttl\": 60},"
	    "{\"name\": \"bad name\", \"hash\": \"%s\", \"ts\": 5, \"ttl\": 60},"
	    "{\"name\": \"x\", \"hash\": \"%.63s\", \"ts\": 5, \"ttl\": 60},"
	    "{\"name\": \"x\", \"hash\": \"%s\", \"ts\": true, \"ttl\": 60},"
	    "{\"name\": \"x\", \"hash\": \"%s\", \"ts\": %llu, \"ttl\": 60},"
	    "{\"name\": \"x\", \"hash\": \"%s\", \"ts\": 5, \"ttl\": -1},"
	    "{\"name\": \"x\", \"hash\": \"%s\", \"ts\": 5, \"ttl\": 2147483648},"
	    "{\"name\": \"t.example\", \"hash\": \"%s\", \"ts\": 6, \"ttl\": 9, \"deleted\": true, "
	    "\"deleted_ms\": 4},"
	    "{\"name\": \"t\", \"hash\": \"%s\", \"ts\": 6, \"ttl\": 9, \"deleted\": true},"
	    "[1], 7],"
	    "\"has_more\": true, \"next_cursor\": \"ignored\"}",
	    H64, H64, H64, H64, H64, (unsigned long long)NOW_MS + 60001, H64, H64, H64, H64);
	CHECK_EQ(dm_sync_digest_parse(body, strlen(body), NOW_MS, &e, &n, &dropped, &more), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(dropped, 9);
	CHECK(more);
	if (n == 2) {
		CHECK_STR(e[0].name, "ok.example");
		CHECK_EQ(e[0].ts_ms, 5);
		CHECK_EQ(e[0].ttl, 60);
		CHECK(!e[0].deleted);
		CHECK(e[1].deleted);
		CHECK_EQ(e[1].deleted_ms, 4);
	}
	free(e);
	const char *bad[] = {"[]", "{}", "{\"records\": {}}", "not json", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(
		    dm_sync_digest_parse(bad[i], strlen(bad[i]), NOW_MS, &e, &n, &dropped, &more),
		    DM_EINVAL);
}

static void test_pull_parse(void)
{
	struct dm_sync_value *v = NULL;
	size_t n = 0, dropped = 0;
	const char *body = "{\"records\": [{\"name\": \"a\", \"value\": \"v1\", \"ttl\": 30},"
			   "{\"name\": \"a\", \"value\": 5, \"ttl\": 30},"
			   "{\"name\": \"a\", \"value\": \"v\", \"ttl\": 0},"
			   "{\"name\": \"a\", \"value\": \"v\", \"ttl\": false},"
			   "{\"name\": \"a\", \"value\": \"nul\\u0000\", \"ttl\": 3},"
			   "{\"value\": \"v\", \"ttl\": 3}]}";
	CHECK_EQ(dm_sync_pull_parse(body, strlen(body), &v, &n, &dropped), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(dropped, 5);
	if (n == 1) {
		CHECK_STR(v[0].name, "a");
		CHECK_STR(v[0].value, "v1");
		CHECK_EQ(v[0].value_len, 2);
		CHECK_EQ(v[0].ttl, 30);
	}
	dm_sync_values_free(v, n);
	CHECK_EQ(dm_sync_pull_parse("{\"records\": 1}", 14, &v, &n, &dropped), DM_EINVAL);
}

static void test_advance(void)
{
	struct dm_sync_entry e[3];
	memset(e, 0, sizeof(e));
	for (int i = 0; i < 3; i++) {
		e[i].ts_ms = 10 + i;
		snprintf(e[i].name, sizeof(e[i].name), "n%d", i);
		memcpy(e[i].hash, H64, 65);
	}
	struct dm_sync_cursor wm = {0};
	bool done[3] = {true, false, true};
	CHECK(dm_sync_advance(e, done, 3, &wm));
	CHECK_EQ(wm.ts_ms, 10);
	CHECK_STR(wm.name, "n0");
	/* the gap holds the watermark */
	CHECK(!dm_sync_advance(e, done, 3, &wm));
	done[1] = true;
	CHECK(dm_sync_advance(e, done, 3, &wm));
	CHECK_EQ(wm.ts_ms, 12);
	/* never backwards */
	struct dm_sync_cursor far = {.ts_ms = 99};
	CHECK(!dm_sync_advance(e, done, 3, &far));
	CHECK_EQ(far.ts_ms, 99);
	bool none[1] = {false};
	CHECK(!dm_sync_advance(e, none, 1, &wm));
}

static void test_verify(void)
{
	/* opaque and structural types */
	const char *chunk = "v=dmp1;t=chunk;d=AAAA";
	CHECK_EQ(dm_sync_verify_record(chunk, strlen(chunk), NULL, 0), 0);
	CHECK_EQ(dm_sync_verify_record("anything", 8, NULL, 0), 0);
	CHECK_EQ(dm_sync_verify_record("", 0, NULL, 0), DM_EINVAL);
	char prekey[200] = "v=dmp1;t=prekey;d=";
	uint8_t blob[65] = {1};
	char b64[100];
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), sodium_base64_VARIANT_ORIGINAL);
	strcat(prekey, b64);
	CHECK_EQ(dm_sync_verify_record(prekey, strlen(prekey), NULL, 0), 0);
	sodium_bin2base64(b64, sizeof(b64), blob, 64, sodium_base64_VARIANT_ORIGINAL);
	strcpy(prekey, "v=dmp1;t=prekey;d=");
	strcat(prekey, b64);
	CHECK(dm_sync_verify_record(prekey, strlen(prekey), NULL, 0) < 0);
	const char *boot = "v=dmp1;t=bootstrap;!!!!";
	CHECK(dm_sync_verify_record(boot, strlen(boot), NULL, 0) < 0);

	/* identity: genuine passes, one flipped base64 character fails */
	uint8_t pk[32], sk[64], xpk[32] = {9};
	crypto_sign_keypair(pk, sk);
	struct dm_identity_record rec;
	char wire[512];
	size_t len;
	CHECK_EQ(dm_identity_record_init(&rec, "alice", 5, xpk, pk, 1893456000), 0);
	CHECK_EQ(dm_identity_record_sign(&rec, sk, wire, sizeof(wire), &len), 0);
	CHECK_EQ(dm_sync_verify_record(wire, len, NULL, 0), 0);
	wire[30] = wire[30] == 'A' ? 'B' : 'A';
	CHECK(dm_sync_verify_record(wire, len, NULL, 0) < 0);

	/* cluster: under the pinned key, not under another; structural without one */
	static struct dm_cluster c;
	uint8_t opk[32], osk[64], other[32], osk2[64];
	crypto_sign_keypair(opk, osk);
	crypto_sign_keypair(other, osk2);
	memset(&c, 0, sizeof(c));
	c.seq = 3;
	c.exp = NOW_MS / 1000 + 3600;
	memcpy(c.operator_spk, opk, 32);
	strcpy(c.name, "mesh.example");
	c.name_len = (uint8_t)strlen(c.name);
	c.node_count = 1;
	strcpy(c.nodes[0].id, "n1");
	c.nodes[0].id_len = 2;
	strcpy(c.nodes[0].http, "https://n1.mesh.example");
	c.nodes[0].http_len = (uint16_t)strlen(c.nodes[0].http);
	char cw[DM_CLUSTER_WIRE_MAX + 1];
	CHECK_EQ(dm_cluster_sign(&c, osk, cw, sizeof(cw), &len), 0);
	CHECK_EQ(dm_sync_verify_record(cw, len, opk, NOW_MS / 1000), 0);
	CHECK(dm_sync_verify_record(cw, len, other, NOW_MS / 1000) < 0);
	CHECK_EQ(dm_sync_verify_record(cw, len, NULL, NOW_MS / 1000), 0);
	CHECK_EQ(dm_sync_verify_record(cw, len, opk, c.exp + 1), DM_EEXPIRED);

	/* slot manifest with garbage: refused */
	const char *mf = "v=dmp1;t=manifest;d=AAAA";
	CHECK(dm_sync_verify_record(mf, strlen(mf), NULL, 0) < 0);
	const char *claim = "v=dmp1;t=claim;AAAA";
	CHECK(dm_sync_verify_record(claim, strlen(claim), NULL, 0) < 0);
}

static void test_pair_hash(void)
{
	uint8_t a[32], b[32], acc[32] = {0};
	dm_sync_pair_hash("a", 1, H64, a);
	dm_sync_pair_hash("b", 1, H64, b);
	CHECK(memcmp(a, b, 32) != 0);
	/* sha256("a" || 0 || hash) */
	uint8_t want[32];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"a\0" H64, 2 + 64);
	crypto_hash_sha256_final(&st, want);
	CHECK_MEM(a, want, 32);
	/* XOR: order-free, and adding then removing restores the sum */
	dm_sync_xor(acc, a);
	dm_sync_xor(acc, b);
	uint8_t acc2[32] = {0};
	dm_sync_xor(acc2, b);
	dm_sync_xor(acc2, a);
	CHECK_MEM(acc, acc2, 32);
	dm_sync_xor(acc, a);
	CHECK_MEM(acc, b, 32);
	CHECK(dm_sync_name_ok("a-b_c.D9", 8));
	CHECK(!dm_sync_name_ok("", 0));
	CHECK(!dm_sync_name_ok("a b", 3));
	CHECK(dm_sync_hash_ok(H64, 64));
	CHECK(!dm_sync_hash_ok(H64, 63));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_cursor();
	test_digest_parse();
	test_pull_parse();
	test_advance();
	test_verify();
	test_pair_hash();
	return TEST_DONE("test_sync");
}
