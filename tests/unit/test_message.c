/*
 * Whole-message API edges (wire.md §10, §11): parameter checks, size limit,
 * prekey choice, several senders and zones in one poll, prekey receive with
 * and without the owner name, and what a failed decrypt leaves behind.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/dmp/erasure.h"
#include "common/dmp/message.h"
#include "common/dmp/names.h"
#include "common/err.h"
#include "tests/unit/test.h"
#include "tests/vectors/memstore.h"

#define NOW 1767225600u

static struct dm_identity alice, bob, carol;

static void make_identity(const char *label, struct dm_identity *id)
{
	uint8_t seed[32];
	crypto_hash_sha256(seed, (const uint8_t *)label, strlen(label));
	CHECK_EQ(dm_identity_from_x25519(seed, id), 0);
}

static struct dm_send_params params(const struct dm_identity *from, const char *zone,
				    const char *text)
{
	struct dm_send_params p = {
	    .sender = from,
	    .zone = zone,
	    .text = (const uint8_t *)text,
	    .text_len = strlen(text),
	    .ttl = 300,
	    .now = NOW,
	};
	memcpy(p.recipient_x_pub, bob.x_pub, 32);
	return p;
}

static void publish(struct mem_zone *z, const struct dm_msg_records *recs)
{
	for (size_t i = 0; i < recs->count; i++)
		mem_put(z, recs->items[i].name, recs->items[i].value);
}

static struct dm_recv_params recv_params(struct mem_zone *z, struct mem_state *st,
					 const char *const *zones, size_t nz)
{
	struct dm_recv_params p = {
	    .self = &bob,
	    .username = "bob",
	    .domain = "b.example",
	    .zones = zones,
	    .zone_count = nz,
	    .now = NOW + 5,
	    .lookup = mem_lookup,
	    .lookup_ctx = z,
	    .state = mem_state_ops(st),
	};
	st->published = z;
	return p;
}

static void test_send_params(void)
{
	struct dm_msg_records *r = NULL;
	struct dm_send_params p = params(&alice, "a.example", "hi");

	p.ttl = 0;
	CHECK_EQ(dm_message_send(&p, &r), DM_EINVAL);
	p = params(&alice, "", "hi");
	CHECK_EQ(dm_message_send(&p, &r), DM_EINVAL);
	p = params(&alice, "a.example", "hi");
	p.now = UINT64_MAX - 10;
	CHECK_EQ(dm_message_send(&p, &r), DM_EINVAL);
	p = params(&alice, "a.example", "hi");
	memset(p.recipient_x_pub, 0, 32); /* low-order recipient key */
	CHECK_EQ(dm_message_send(&p, &r), DM_ECRYPTO);
	CHECK(r == NULL);

	/* The largest sendable outer message is 25084 bytes (k = 196, n = 255). */
	static uint8_t big[25084];
	memset(big, 'x', sizeof(big));
	p = params(&alice, "a.example", "");
	p.text = big;
	size_t overhead = 2 + 266 + DM_SEAL_OVERHEAD + 32; /* header JSON is 266 bytes here */
	p.text_len = sizeof(big) - overhead;
	CHECK_EQ(dm_message_send(&p, &r), 0);
	CHECK(r != NULL && r->count == 256);
	dm_msg_records_free(r);
	r = NULL;
	p.text_len++;
	CHECK_EQ(dm_message_send(&p, &r), DM_ETOOBIG);
	CHECK(r == NULL);

	/* Random sends differ; records stay in publish order. */
	struct dm_msg_records *a = NULL, *b = NULL;
	p = params(&alice, "a.example", "hi");
	CHECK_EQ(dm_message_send(&p, &a), 0);
	CHECK_EQ(dm_message_send(&p, &b), 0);
	CHECK(a && b && strcmp(a->items[0].name, b->items[0].name) != 0);
	CHECK(a && strncmp(a->items[a->count - 1].name, "slot-", 5) == 0);
	CHECK(a && strncmp(a->items[0].name, "chunk-0000-", 11) == 0);
	dm_msg_records_free(a);
	dm_msg_records_free(b);
	dm_msg_records_free(NULL);
}

static void test_pick_prekey(void)
{
	char v[3][DM_PREKEY_VALUE_LEN + 1];
	struct dm_prekey pk = {.prekey_id = 11, .exp = NOW + 100};
	struct dm_prekey got;

	randombytes_buf(pk.x25519_pub, 32);
	CHECK_EQ(dm_prekey_sign(&pk, bob.ed_sk, v[0]), 0);
	pk.prekey_id = 12;
	pk.exp = NOW - 1; /* expired */
	CHECK_EQ(dm_prekey_sign(&pk, bob.ed_sk, v[1]), 0);
	pk.prekey_id = 13;
	pk.exp = NOW;					     /* usable while now <= exp */
	CHECK_EQ(dm_prekey_sign(&pk, carol.ed_sk, v[2]), 0); /* wrong signer */
	const char *vals[] = {v[0], v[1], v[2], "junk"};
	size_t lens[] = {strlen(v[0]), strlen(v[1]), strlen(v[2]), 4};
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(dm_message_pick_prekey(vals, lens, 4, bob.ed_pk, NOW, &got), 0);
		CHECK_EQ(got.prekey_id, 11);
	}
	CHECK_EQ(dm_message_pick_prekey(vals + 1, lens + 1, 3, bob.ed_pk, NOW, &got), DM_ENOTFOUND);
	CHECK_EQ(dm_message_pick_prekey(vals, lens, 0, bob.ed_pk, NOW, &got), DM_ENOTFOUND);
	/* Two valid ones: both get picked sometimes. */
	CHECK_EQ(dm_prekey_sign(&pk, bob.ed_sk, v[2]), 0);
	bool seen11 = false, seen13 = false;
	for (int i = 0; i < 64; i++) {
		CHECK_EQ(dm_message_pick_prekey(vals, lens, 3, bob.ed_pk, NOW, &got), 0);
		seen11 |= got.prekey_id == 11;
		seen13 |= got.prekey_id == 13;
	}
	CHECK(seen11 && seen13);
}

/* Alice (zone a) and Carol (zone c) both write to Bob; pins pick who gets through. */
static void test_multi(void)
{
	struct mem_zone z = {0};
	struct mem_state st = {0};
	struct dm_msg_records *r = NULL;
	struct dm_inbox *in = NULL;
	const char *zones[] = {"c.example", "a.example", "b.example"};

	struct dm_send_params p = params(&alice, "a.example", "from alice 1");
	CHECK_EQ(dm_message_send(&p, &r), 0);
	publish(&z, r);
	dm_msg_records_free(r);
	p = params(&alice, "a.example", "from alice 2");
	p.form = DM_MANIFEST_FORM_075;
	CHECK_EQ(dm_message_send(&p, &r), 0);
	publish(&z, r);
	dm_msg_records_free(r);
	p = params(&carol, "c.example", "from carol");
	p.envelope_from = "Carol@C.Example";
	CHECK_EQ(dm_message_send(&p, &r), 0);
	publish(&z, r);
	dm_msg_records_free(r);

	/* Pinned to Alice only. */
	struct dm_recv_params rp = recv_params(&z, &st, zones, 3);
	rp.pinned_spks = (const uint8_t(*)[32])alice.ed_pk;
	rp.pinned_count = 1;
	CHECK_EQ(dm_message_receive(&rp, &in), 0);
	CHECK(in != NULL && in->count == 2);
	for (size_t i = 0; in && i < in->count; i++) {
		CHECK(memcmp(in->msgs[i].sender_spk, alice.ed_pk, 32) == 0);
		CHECK_EQ(in->msgs[i].zone_index, 1);
		CHECK(in->msgs[i].plaintext_len == 12 &&
		      memcmp(in->msgs[i].plaintext, "from alice ", 11) == 0);
	}
	dm_inbox_free(in);
	/* Nobody pinned: Carol's arrives too (TOFU), Alice's are replays. */
	rp.pinned_count = 0;
	rp.pinned_spks = NULL;
	CHECK_EQ(dm_message_receive(&rp, &in), 0);
	CHECK(in != NULL && in->count == 1);
	if (in != NULL && in->count == 1) {
		CHECK_EQ(in->msgs[0].zone_index, 0);
		CHECK(in->msgs[0].env.v2 && in->msgs[0].env.has_from);
		CHECK_STR(in->msgs[0].env.from, "carol@c.example");
		CHECK(in->msgs[0].env.body_len == 10 &&
		      memcmp(in->msgs[0].env.body, "from carol", 10) == 0);
	}
	dm_inbox_free(in);
	CHECK_EQ(st.commits, 3);

	/* Records published under a zone that is not polled are not seen. */
	struct mem_state st2 = {0};
	rp = recv_params(&z, &st2, zones + 2, 1);
	CHECK_EQ(dm_message_receive(&rp, &in), 0);
	CHECK(in != NULL && in->count == 0);
	dm_inbox_free(in);

	/* Bad params. */
	rp.lookup = NULL;
	CHECK_EQ(dm_message_receive(&rp, &in), DM_EINVAL);
	rp = recv_params(&z, &st2, zones, 3);
	rp.state.commit = NULL;
	CHECK_EQ(dm_message_receive(&rp, &in), DM_EINVAL);
	rp = recv_params(&z, &st2, NULL, 1);
	CHECK_EQ(dm_message_receive(&rp, &in), DM_EINVAL);
	mem_free(&z);
}

/* A prekey message: the commit names the exact published value, if it can. */
static void test_prekey_receive(void)
{
	uint8_t priv[32];
	char value[DM_PREKEY_VALUE_LEN + 1], name[128];
	struct dm_prekey pk = {.prekey_id = 77, .exp = NOW + 86400};
	struct dm_msg_records *r = NULL;
	struct dm_inbox *in = NULL;
	const char *zones[] = {"a.example"};

	randombytes_buf(priv, 32);
	crypto_scalarmult_base(pk.x25519_pub, priv);
	CHECK_EQ(dm_prekey_sign(&pk, bob.ed_sk, value), 0);
	CHECK(dm_name_prekeys(name, sizeof(name), "bob", 3, "b.example", 9) > 0);

	struct dm_send_params p = params(&alice, "a.example", "one time");
	p.prekey_id = pk.prekey_id;
	memcpy(p.prekey_pub, pk.x25519_pub, 32);
	CHECK_EQ(dm_message_send(&p, &r), 0);

	for (int named = 0; named < 2; named++) {
		struct mem_zone z = {0};
		struct mem_state st = {0};
		publish(&z, r);
		mem_put(&z, name, value);
		mem_put(&z, name, "v=dmp1;t=prekey;d=other");
		mem_state_add_prekey(&st, 77, priv, pk.exp);
		struct dm_recv_params rp = recv_params(&z, &st, zones, 1);
		if (!named)
			rp.username = NULL;
		/* Without the local one-time key nothing is delivered or changed. */
		st.prekeys[0].id = 78;
		CHECK_EQ(dm_message_receive(&rp, &in), 0);
		CHECK(in != NULL && in->count == 0);
		dm_inbox_free(in);
		CHECK(st.commits == 0 && st.prekeys[0].present && mem_count(&z, name) == 2);
		/* An expired local key is unusable (kept while exp > now). */
		st.prekeys[0].id = 77;
		st.prekeys[0].exp = rp.now;
		CHECK_EQ(dm_message_receive(&rp, &in), 0);
		CHECK(in != NULL && in->count == 0);
		dm_inbox_free(in);
		st.prekeys[0].exp = pk.exp;
		CHECK_EQ(dm_message_receive(&rp, &in), 0);
		CHECK(in != NULL && in->count == 1);
		if (in != NULL && in->count == 1)
			CHECK_EQ(in->msgs[0].prekey_id, 77);
		dm_inbox_free(in);
		CHECK(!st.prekeys[0].present);
		/* Only the used value goes, and only when the owner name is known. */
		CHECK_EQ(mem_count(&z, name), named ? 1 : 2);
		CHECK_EQ(st.unpublished, named ? 1 : 0);
		mem_free(&z);
	}
	dm_msg_records_free(r);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	make_identity("unit/alice", &alice);
	make_identity("unit/bob", &bob);
	make_identity("unit/carol", &carol);
	test_send_params();
	test_pick_prekey();
	test_multi();
	test_prekey_receive();
	return TEST_DONE("test_message");
}
