/* Cluster manifests (wire.md §12.5): sign-side refusals and parse failures. */
#include <sodium.h>
#include <string.h>

#include "common/dmp/cluster.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define NOW 1767225600ULL

static uint8_t pk[32], sk[64], pk2[32], sk2[64];
static struct dm_cluster base, got;
static char wire[DM_CLUSTER_WIRE_MAX + 1];
static size_t wire_len;

static void set_str(char *dst, size_t *len_out, const char *src)
{
	*len_out = strlen(src);
	memcpy(dst, src, *len_out + 1);
}

static void set_node(struct dm_cluster_node *n, const char *id, const char *http, const char *dns)
{
	size_t len;
	memset(n, 0, sizeof(*n));
	set_str(n->id, &len, id);
	n->id_len = (uint8_t)len;
	set_str(n->http, &len, http);
	n->http_len = (uint16_t)len;
	set_str(n->dns, &len, dns);
	n->dns_len = (uint16_t)len;
}

/* No NUL copied: a 65-byte name fills the field exactly. */
static void set_name(struct dm_cluster *c, const char *name)
{
	memset(c->name, 0, sizeof(c->name));
	c->name_len = (uint8_t)strlen(name);
	memcpy(c->name, name, c->name_len);
}

static void reset(void)
{
	memset(&base, 0, sizeof(base));
	base.seq = 3;
	base.exp = NOW + 3600;
	memcpy(base.operator_spk, pk, 32);
	set_name(&base, "mesh.example.com");
	base.node_count = 2;
	set_node(&base.nodes[0], "n01", "https://n1.example.com:8053", "");
	set_node(&base.nodes[1], "n02", "https://n2.example.com:8053", "203.0.113.2:53");
}

static int sign(const struct dm_cluster *c, const uint8_t *key)
{
	return dm_cluster_sign(c, key, wire, sizeof(wire), &wire_len);
}

/* Signs a hand-made body with `key`, bypassing the signer's checks. */
static void sign_raw(const uint8_t *body, size_t len, const uint8_t *key)
{
	int r = dm_record_sign_encode(DM_PREFIX_CLUSTER, body, len, key, DM_CLUSTER_WIRE_MAX, wire,
				      sizeof(wire), &wire_len);
	CHECK_EQ(r, 0);
}

static int parse(const uint8_t *pin, uint64_t now, const char *expect)
{
	return dm_cluster_parse(wire, wire_len, pin, now, expect, expect ? strlen(expect) : 0,
				&got);
}

static void test_roundtrip(void)
{
	reset();
	CHECK_EQ(sign(&base, sk), 0);
	CHECK_EQ(wire[wire_len], '\0');
	CHECK_EQ(parse(pk, NOW, "MESH.Example.com."), 0);
	CHECK_EQ(got.seq, 3);
	CHECK_EQ(got.node_count, 2);
	CHECK_STR(got.name, "mesh.example.com");
	CHECK(!got.name_dot);
	CHECK_STR(got.nodes[1].dns, "203.0.113.2:53");
	CHECK_EQ(got.nodes[0].dns_len, 0);

	/* One trailing dot on the input is dropped: same bytes as without. */
	char first[sizeof(wire)];
	memcpy(first, wire, wire_len + 1);
	set_name(&base, "mesh.example.com.");
	CHECK_EQ(sign(&base, sk), 0);
	CHECK_STR(wire, first);

	/* Exactly 64 bytes is the cap, with or without a dot. */
	set_name(&base, "aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaab");
	CHECK_EQ(sign(&base, sk), 0);
	set_name(&base, "aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaab.");
	CHECK_EQ(sign(&base, sk), 0);
}

static void test_sign_refusals(void)
{
	static const char *const bad_names[] = {
	    "",
	    ".",
	    "a..",
	    "a..b",
	    ".a",
	    "-a.com",
	    "a-.com",
	    "a_b.com",
	    "caf\xc3\xa9.com",
	    "a b.com",
	    "aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaabc",
	};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		reset();
		set_name(&base, bad_names[i]);
		CHECK_EQ(sign(&base, sk), DM_EINVAL);
	}

	reset();
	base.node_count = 0;
	CHECK_EQ(sign(&base, sk), DM_EINVAL);

	reset();
	base.node_count = DM_CLUSTER_NODES_MAX + 1;
	CHECK_EQ(sign(&base, sk), DM_ETOOBIG);

	reset();
	set_node(&base.nodes[1], "n01", "https://n2.example.com", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL); /* duplicate id */

	reset();
	set_node(&base.nodes[1], "", "https://n2.example.com", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL);
	set_node(&base.nodes[1], "n0123456789abcdef", "https://n2.example.com", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL); /* 17-byte id */
	set_node(&base.nodes[1], "n\xc3\xa9", "https://n2.example.com", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL); /* non-ASCII id */
	set_node(&base.nodes[1], "n02", "", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL);
	set_node(&base.nodes[1], "n02", "https://\xff", "");
	CHECK_EQ(sign(&base, sk), DM_EINVAL); /* not UTF-8 */
	base.nodes[1].http_len = DM_CLUSTER_HTTP_MAX + 1;
	CHECK_EQ(sign(&base, sk), DM_EINVAL);
	set_node(&base.nodes[1], "n02", "https://n2", "");
	base.nodes[1].dns_len = DM_CLUSTER_DNS_MAX + 1;
	CHECK_EQ(sign(&base, sk), DM_EINVAL);

	/* 16 distinct nodes with the longest endpoints: valid fields, too big a value. */
	reset();
	base.node_count = 16;
	for (size_t i = 0; i < 16; i++) {
		char id[8], http[DM_CLUSTER_HTTP_MAX + 1];
		snprintf(id, sizeof(id), "n%02zu", i);
		memset(http, 'h', DM_CLUSTER_HTTP_MAX);
		http[DM_CLUSTER_HTTP_MAX] = '\0';
		set_node(&base.nodes[i], id, http, "");
	}
	CHECK_EQ(sign(&base, sk), DM_ETOOBIG);

	reset();
	CHECK_EQ(sign(&base, sk2), DM_EMISMATCH);
	CHECK_EQ(dm_cluster_sign(&base, sk, wire, 100, &wire_len), DM_ETOOBIG);
}

static void test_parse_failures(void)
{
	reset();
	CHECK_EQ(sign(&base, sk), 0);
	CHECK_EQ(parse(pk2, NOW, NULL), DM_ESIG);
	CHECK_EQ(parse(pk, base.exp + 1, NULL), DM_EEXPIRED);
	CHECK_EQ(parse(pk, base.exp, NULL), 0);
	CHECK_EQ(parse(pk, NOW, "other.example.com"), DM_EMISMATCH);
	CHECK_EQ(parse(pk, NOW, "mesh.example.com.."), DM_EMISMATCH);

	uint8_t zero[32] = {0};
	CHECK_EQ(parse(zero, NOW, NULL), DM_ESIG); /* low-order pin */

	wire[0] = 'V';
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
	wire[0] = 'v';
	char saved = wire[40];
	wire[40] = saved == 'A' ? 'B' : 'A'; /* still base64, different body */
	CHECK_EQ(parse(pk, NOW, NULL), DM_ESIG);
	wire[40] = saved;
	wire[wire_len - 1] = '!';
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);

	/* Over the cap before base64 is even looked at. */
	memset(wire + 17, 'A', DM_CLUSTER_WIRE_MAX - 17);
	wire_len = DM_CLUSTER_WIRE_MAX + 1;
	wire[DM_CLUSTER_WIRE_MAX] = 'A';
	CHECK_EQ(parse(pk, NOW, NULL), DM_ETOOBIG);

	/* A blob too short to hold magic + signature. */
	memcpy(wire, DM_PREFIX_CLUSTER "AAAA", 21);
	wire_len = 21;
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
}

/* Bodies only another publisher would produce, signed with the pinned key. */
static void test_foreign_bodies(void)
{
	uint8_t body[DM_CLUSTER_WIRE_MAX];
	size_t len;

	/* Embedded key differs from the pinned one that signed it. */
	reset();
	memcpy(base.operator_spk, pk2, 32);
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	sign_raw(body, len, sk);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EMISMATCH);

	/* A 64-byte name plus the trailing dot (65 on the wire) parses and re-encodes. */
	reset();
	set_name(&base, "aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaab");
	base.name_dot = true;
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	CHECK_EQ(body[7 + 8 + 8 + 32], 65);
	sign_raw(body, len, sk);
	CHECK_EQ(parse(pk, NOW, "AAAAAAAAAAAAAAA.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaa.aaaaaaaaaaaaaaab"),
		 0);
	CHECK(got.name_dot);
	CHECK_EQ(got.name_len, 64);
	uint8_t again[DM_CLUSTER_WIRE_MAX];
	size_t again_len;
	CHECK_EQ(dm_cluster_body_encode(&got, again, sizeof(again), &again_len), 0);
	CHECK(again_len == len && memcmp(again, body, len) == 0);

	/* The parser accepts no nodes (the signer does not). */
	reset();
	base.node_count = 0;
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	sign_raw(body, len, sk);
	CHECK_EQ(parse(pk, NOW, NULL), 0);
	CHECK_EQ(got.node_count, 0);

	/* Duplicate node ids, made by hand: "n02" -> "n01". */
	reset();
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	uint8_t *second = NULL;
	for (size_t i = 0; i + 3 <= len && second == NULL; i++)
		if (memcmp(body + i, "n02", 3) == 0)
			second = body + i;
	CHECK(second != NULL);
	if (second != NULL) {
		second[2] = '1';
		sign_raw(body, len, sk);
		CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
	}

	/* Trailing bytes after the last node. */
	reset();
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	body[len] = 0;
	sign_raw(body, len + 1, sk);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);

	/* Name ending in two dots. */
	reset();
	set_name(&base, "mesh.example.co");
	CHECK_EQ(dm_cluster_body_encode(&base, body, sizeof(body), &len), 0);
	uint8_t *name = body + 7 + 8 + 8 + 32 + 1;
	name[14] = '.';
	sign_raw(body, len, sk); /* "mesh.example.c." */
	CHECK_EQ(parse(pk, NOW, NULL), 0);
	name[13] = '.';
	sign_raw(body, len, sk); /* "mesh.example.." */
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
}

int main(void)
{
	static const uint8_t seed1[32] = {1}, seed2[32] = {2};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_seed_keypair(pk, sk, seed1);
	crypto_sign_seed_keypair(pk2, sk2, seed2);
	test_roundtrip();
	test_sign_refusals();
	test_parse_failures();
	test_foreign_bodies();
	return TEST_DONE("test_cluster");
}
