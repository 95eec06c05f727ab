/*
 * Whole-message receive (wire.md §11) against a hostile DNS view. One genuine
 * message from Alice to Bob is built once; the input then edits the RRsets at
 * its slot and chunk names: raw values, well-wrapped chunks of chosen bytes,
 * deletions, and manifests validly signed by Alice with chosen fields (so the
 * fuzzer gets past the signature into chunk selection, erasure decode, outer
 * parse and the AEAD). Receive must never crash, and anything it delivers
 * must be the genuine message, at most once.
 *
 * Input: u8 flags, then ops of u8 op (low 3 bits kind, rest target), u8 len,
 * len bytes.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/dmp/chunk.h"
#include "common/dmp/manifest.h"
#include "common/dmp/message.h"
#include "tests/vectors/memstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZONE "mesh.example.com"
#define NOW  1767225600u

static struct dm_identity alice, bob;
static struct dm_msg_records *genuine[2]; /* 0.4.4 and 0.7.5 manifest forms */
static const uint8_t text[] = "DMPV2:{\"from\":\"alice@mesh.example.com\"}\nfuzz me, gently";
static uint8_t genuine_msg_id[16];

static void setup(void)
{
	uint8_t seed[32];
	struct dm_send_fixed fixed;

	if (sodium_init() < 0)
		abort();
	crypto_hash_sha256(seed, (const uint8_t *)"fuzz/alice", 10);
	if (dm_identity_from_x25519(seed, &alice) != 0)
		abort();
	crypto_hash_sha256(seed, (const uint8_t *)"fuzz/bob", 8);
	if (dm_identity_from_x25519(seed, &bob) != 0)
		abort();
	memset(&fixed, 0x5a, sizeof(fixed));
	memcpy(genuine_msg_id, fixed.msg_id, 16);
	for (int form = 0; form < 2; form++) {
		struct dm_send_params p = {
		    .sender = &alice,
		    .zone = ZONE,
		    .text = text,
		    .text_len = sizeof(text) - 1,
		    .ttl = 300,
		    .now = NOW,
		    .form = form ? DM_MANIFEST_FORM_075 : DM_MANIFEST_FORM_044,
		    .fixed = &fixed,
		};
		memcpy(p.recipient_x_pub, bob.x_pub, 32);
		if (dm_message_send(&p, &genuine[form]) != 0)
			abort();
	}
}

/* A manifest from Alice to Bob with fields from `d`, put ahead at the slot. */
static void signed_manifest(struct mem_zone *z, const char *slot_name, const uint8_t *d, size_t len,
			    bool v075)
{
	uint8_t b[40] = {0};
	memcpy(b, d, len < sizeof(b) ? len : sizeof(b));
	struct dm_manifest m = {
	    .total_chunks = (uint32_t)(b[17] % 24 + 1),
	    .prekey_id = b[19] & 1 ? b[20] : 0,
	    .ts = NOW - b[21],
	    .exp = NOW + (b[22] & 0x80 ? 0 : 300) - (b[22] & 0x7f),
	};
	m.data_chunks = (uint32_t)(b[18] % m.total_chunks + 1);
	/* Usually the genuine msg_id, so the chunk names are the real ones. */
	if (b[0] & 1)
		memcpy(m.msg_id, b + 1, 16);
	else
		memcpy(m.msg_id, genuine_msg_id, 16);
	memcpy(m.sender_spk, alice.ed_pk, 32);
	memcpy(m.recipient_id, bob.user_id, 32);
	uint8_t(*hashes)[DM_MANIFEST_HASH_BYTES] = NULL;
	if (v075) {
		hashes = calloc(m.total_chunks, sizeof(*hashes));
		if (hashes == NULL)
			return;
		/* Hash whatever the fuzzer chose, or the genuine chunk values. */
		for (uint32_t i = 0; i < m.total_chunks; i++) {
			size_t gi = i < genuine[0]->count - 1 ? i : 0;
			const char *v = genuine[0]->items[gi].value;
			uint8_t wire[DM_CHUNK_WIRE_LEN];
			size_t wl = 0;
			if (b[23] & 1 || dm_b64_decode_lenient(v + 17, strlen(v) - 17, wire,
							       sizeof(wire), &wl) != 0)
				crypto_hash_sha256(hashes[i], b + 24, 16);
			else
				crypto_hash_sha256(hashes[i], wire, wl);
		}
		m.hash_count = m.total_chunks;
	}
	char *value = malloc(DM_MANIFEST_VALUE_MAX);
	size_t vl;
	if (value != NULL && dm_manifest_sign(&m, (const uint8_t(*)[DM_MANIFEST_HASH_BYTES])hashes,
					      alice.ed_sk, value, DM_MANIFEST_VALUE_MAX, &vl) == 0)
		mem_putn_front(z, slot_name, value, vl);
	free(value);
	free(hashes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct mem_zone z = {0};
	struct mem_state st = {0};
	char other_slot[128];

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const struct dm_msg_records *g = genuine[flags & 1];
	size_t nchunks = g->count - 1;
	if (!(flags & 2))
		for (size_t i = 0; i < g->count; i++)
			mem_put(&z, g->items[i].name, g->items[i].value);
	const char *slot_name = g->items[nchunks].name;
	memcpy(other_slot, slot_name, strlen(slot_name) + 1);
	other_slot[5] = other_slot[5] == '0' ? '1' : '0'; /* "slot-N." */

	for (size_t off = 1; off + 2 <= size;) {
		uint8_t op = data[off], len = data[off + 1];
		const uint8_t *d = data + off + 2;
		if (len > size - off - 2)
			len = (uint8_t)(size - off - 2);
		off += 2 + (size_t)len;
		unsigned target = (unsigned)(op >> 3) % (nchunks + 2);
		const char *name = target == 0	 ? slot_name
				   : target == 1 ? other_slot
						 : g->items[target - 2].name;
		char txt[DM_CHUNK_TXT_LEN + 1];
		uint8_t block[DM_ERASURE_BLOCK] = {0};
		switch (op & 7) {
		case 0:
			mem_putn(&z, name, (const char *)d, len);
			break;
		case 1:
			mem_putn_front(&z, name, (const char *)d, len);
			break;
		case 2:
			mem_del(&z, name, NULL);
			mem_putn(&z, name, (const char *)d, len);
			break;
		case 3:
		case 4:
			memcpy(block, d, len < sizeof(block) ? len : sizeof(block));
			dm_chunk_txt(block, txt);
			if ((op & 7) == 3)
				mem_put(&z, name, txt);
			else
				mem_putn_front(&z, name, txt, strlen(txt));
			break;
		case 5:
			mem_del(&z, name, NULL);
			break;
		case 6:
		case 7:
			signed_manifest(&z, slot_name, d, len, (op & 7) == 7);
			break;
		}
	}

	const char *zones[] = {ZONE};
	const uint8_t(*pins)[32] = (const uint8_t(*)[32])alice.ed_pk;
	struct dm_recv_params p = {
	    .self = &bob,
	    .username = "bob",
	    .domain = ZONE,
	    .zones = zones,
	    .zone_count = 1,
	    .pinned_spks = flags & 4 ? pins : NULL,
	    .pinned_count = flags & 4 ? 1 : 0,
	    .now = NOW + (flags & 8 ? 301 : 5),
	    .lookup = mem_lookup,
	    .lookup_ctx = &z,
	    .state = mem_state_ops(&st),
	};
	st.published = &z;
	size_t delivered = 0;
	for (int round = 0; round < 2; round++) {
		struct dm_inbox *in = NULL;
		if (dm_message_receive(&p, &in) != 0)
			abort();
		/* Only the genuine message, once, and only while fresh. */
		if (in->count > (round == 0 && !(flags & 8) ? 1u : 0u))
			abort();
		for (size_t i = 0; i < in->count; i++) {
			const struct dm_inbox_msg *m = &in->msgs[i];
			if (m->plaintext_len != sizeof(text) - 1 ||
			    memcmp(m->plaintext, text, m->plaintext_len) != 0 ||
			    memcmp(m->msg_id, genuine_msg_id, 16) != 0 ||
			    memcmp(m->sender_spk, alice.ed_pk, 32) != 0 || !m->env.has_from)
				abort();
		}
		delivered += in->count;
		if ((size_t)st.commits != delivered)
			abort();
		dm_inbox_free(in);
		if (delivered == 0)
			break; /* nothing to replay; a second poll would see the same */
	}
	mem_free(&z);
	return 0;
}
