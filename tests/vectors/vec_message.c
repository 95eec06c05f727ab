/*
 * Vectors: message_send.json (every intermediate value of §10, the exact
 * published records in both manifest forms, then receiving them per §11 with
 * replay, prekey consumption and tampering) and upstream-0.7.5/
 * dmpv2_envelope.json (§13 encode/decode).
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/dmp/chunk.h"
#include "common/dmp/envelope.h"
#include "common/dmp/erasure.h"
#include "common/dmp/header.h"
#include "common/dmp/identity.h"
#include "common/dmp/manifest.h"
#include "common/dmp/message.h"
#include "common/dmp/names.h"
#include "common/dmp/seal.h"
#include "common/err.h"
#include "tests/vectors/memstore.h"
#include "tests/vectors/vecutil.h"

/* One case: the first failed check is reported, every later one still runs. */
struct cx {
	bool ok;
	char why[256];
};

static void expect(struct cx *c, bool cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void expect(struct cx *c, bool cond, const char *fmt, ...)
{
	if (cond || !c->ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->ok = false;
}

/* Compares `len` bytes with the hex string field `key` of `obj`. */
static void expect_hex(struct cx *c, const json_t *obj, const char *key, const uint8_t *p,
		       size_t len)
{
	size_t n = 0;
	uint8_t *want = vec_hex(obj, key, &n);
	expect(c, want != NULL && n == len && (len == 0 || memcmp(want, p, len) == 0), "%s differs",
	       key);
	free(want);
}

static bool load_identity(const json_t *who, struct dm_identity *id)
{
	uint8_t priv[32];
	return vec_hex_fixed(who, "x25519_private_hex", priv, 32) &&
	       dm_identity_from_x25519(priv, id) == 0;
}

struct msg_case {
	const json_t *js, *inputs, *mid, *prekey, *recv, *v075;
	struct dm_identity alice, bob;
	const char *zone;
	uint32_t ttl, prekey_id;
	uint64_t now, receive_now, prekey_exp;
	uint8_t prekey_priv[32], prekey_pub[32];
	uint8_t msg_id[16];
	struct dm_send_fixed fixed;
	uint8_t *body; /* text to send (envelope body for DMPv2 cases) */
	size_t body_len;
	const char *from; /* DMPv2 `from`, or NULL */
};

/* §6, §5, §7, §9 intermediates recomputed from the inputs with the primitives. */
static void check_intermediates(struct cx *c, struct msg_case *m)
{
	const json_t *mid = m->mid;
	uint8_t eph_pub[32], shared[32], key[32], recipient_id[32];
	uint8_t aad[DM_HEADER_AAD_MAX];
	size_t aad_len = 0, pt_len = 0, enc_len = 0, outer_len = 0;
	const uint8_t *to = m->prekey_id ? m->prekey_pub : m->bob.x_pub;

	crypto_scalarmult_base(eph_pub, m->fixed.eph_priv);
	expect_hex(c, mid, "ephemeral_public_hex", eph_pub, 32);
	expect(c, dm_seal_ecdh(shared, m->fixed.eph_priv, to) == 0, "ecdh failed");
	expect_hex(c, mid, "ecdh_shared_secret_hex", shared, 32);
	dm_seal_kdf(key, shared);
	expect_hex(c, mid, "aead_key_hex", key, 32);

	dm_user_id_of(m->bob.x_pub, recipient_id);
	struct dm_header h = {.version = 1,
			      .type = DM_MSG_DATA,
			      .total = 1,
			      .chunk = 0,
			      .ts = (int64_t)m->now,
			      .ttl = m->ttl};
	memcpy(h.msg_id, m->msg_id, 16);
	memcpy(h.sender, m->alice.user_id, 32);
	memcpy(h.recipient, recipient_id, 32);
	expect(c, dm_header_aad(&h, m->prekey_id, aad, &aad_len) == 0, "aad failed");
	expect_hex(c, mid, "aad_hex", aad, aad_len);
	const char *aad_text = vec_str(mid, "aad_text");
	expect(c,
	       aad_text != NULL && aad_len >= 4 && strlen(aad_text) == aad_len - 4 &&
		   memcmp(aad_text, aad, aad_len - 4) == 0,
	       "aad_text differs");

	/* The plaintext, including the DMPv2 envelope built from its parts. */
	uint8_t *pt = malloc(m->body_len + DM_ENVELOPE_OVERHEAD_MAX);
	expect(c,
	       pt != NULL &&
		   dm_envelope_encode(m->body, m->body_len, m->from, pt,
				      m->body_len + DM_ENVELOPE_OVERHEAD_MAX, &pt_len) == 0,
	       "envelope encode failed");
	expect_hex(c, m->inputs, "message_utf8_hex", pt, pt_len);

	uint8_t *enc = malloc(pt_len + DM_SEAL_OVERHEAD);
	expect(c,
	       enc != NULL &&
		   dm_seal_encrypt_det(m->fixed.eph_priv, m->fixed.nonce, to, pt, pt_len, aad,
				       aad_len, enc, pt_len + DM_SEAL_OVERHEAD, &enc_len) == 0,
	       "encrypt failed");
	expect_hex(c, mid, "encrypted_message_hex", enc, enc_len);
	expect_hex(c, mid, "ciphertext_with_tag_hex", enc + DM_SEAL_HDR_BYTES,
		   enc_len - DM_SEAL_HDR_BYTES);

	size_t outer_cap = dm_seal_outer_len(DM_HEADER_JSON_MAX, enc_len);
	uint8_t *outer = malloc(outer_cap);
	expect(c,
	       outer != NULL &&
		   dm_seal_outer_build(&h, enc, enc_len, outer, outer_cap, &outer_len) == 0,
	       "outer build failed");
	expect_hex(c, mid, "outer_message_hex", outer, outer_len);
	const char *ohj = vec_str(mid, "outer_header_json");
	expect(c,
	       ohj != NULL && outer_len > 2 && (size_t)(outer[0] << 8 | outer[1]) == strlen(ohj) &&
		   memcmp(outer + 2, ohj, strlen(ohj)) == 0,
	       "outer_header_json differs");

	uint8_t *shares = NULL;
	unsigned k = 0, n = 0;
	expect(c, dm_erasure_encode(outer, outer_len, &shares, &k, &n) == 0, "erasure failed");
	expect(c, (long long)k == vec_int(mid, "k", -1) && (long long)n == vec_int(mid, "n", -1),
	       "k/n differ");
	const json_t *sh = json_object_get(mid, "erasure_shares_hex");
	expect(c, json_array_size(sh) == n, "share count differs");
	for (size_t i = 0; shares != NULL && i < json_array_size(sh) && i < n; i++) {
		size_t l = 0;
		uint8_t *want = vec_hex_str(json_string_value(json_array_get(sh, i)), &l);
		expect(c,
		       want != NULL && l == DM_ERASURE_BLOCK &&
			   memcmp(want, shares + i * DM_ERASURE_BLOCK, l) == 0,
		       "share %zu differs", i);
		free(want);
	}

	char mk12[DM_NAME_KEY12_LEN + 1];
	dm_chunk_msg_key12(m->msg_id, recipient_id, m->alice.ed_pk, mk12);
	expect(c, vec_str(mid, "msg_key") && strcmp(mk12, vec_str(mid, "msg_key")) == 0,
	       "msg_key differs");
	expect(c, (long long)dm_manifest_slot(m->msg_id) == vec_int(mid, "slot", -1),
	       "slot differs");

	/* The 108-byte body, via a manifest signed here and decoded back. */
	struct dm_manifest man = {.total_chunks = n,
				  .data_chunks = k,
				  .prekey_id = m->prekey_id,
				  .ts = m->now,
				  .exp = m->now + m->ttl};
	memcpy(man.msg_id, m->msg_id, 16);
	memcpy(man.sender_spk, m->alice.ed_pk, 32);
	memcpy(man.recipient_id, recipient_id, 32);
	char value[DM_MANIFEST_VALUE_044_LEN + 1];
	uint8_t blob[256];
	size_t vlen = 0, blen = 0;
	expect(c, dm_manifest_sign(&man, NULL, m->alice.ed_sk, value, sizeof(value), &vlen) == 0,
	       "manifest sign failed");
	expect(c,
	       vlen == DM_MANIFEST_VALUE_044_LEN &&
		   dm_b64_decode_strict(value + 20, vlen - 20, blob, sizeof(blob), &blen) == 0 &&
		   blen == 172,
	       "manifest value malformed");
	expect_hex(c, mid, "manifest_body_hex", blob, DM_MANIFEST_BODY_BYTES);

	/* The 0.7.5 chunk hashes: SHA256 of each chunk's decoded d= bytes. */
	const json_t *hs = json_object_get(m->v075, "chunk_hashes_hex");
	expect(c, json_array_size(hs) == n, "chunk hash count differs");
	for (size_t i = 0; shares != NULL && i < json_array_size(hs) && i < n; i++) {
		uint8_t wire[DM_CHUNK_WIRE_LEN], hh[32], want[32];
		dm_chunk_wrap(shares + i * DM_ERASURE_BLOCK, wire);
		crypto_hash_sha256(hh, wire, sizeof(wire));
		const char *hx = json_string_value(json_array_get(hs, i));
		expect(c,
		       hx && dm_hex_decode(hx, strlen(hx), want, 32) == 32 &&
			   memcmp(hh, want, 32) == 0,
		       "chunk hash %zu differs", i);
	}
	free(shares);
	free(outer);
	free(enc);
	free(pt);
}

static int send_case(const struct msg_case *m, enum dm_manifest_form form,
		     struct dm_msg_records **ret)
{
	struct dm_send_params p = {
	    .sender = &m->alice,
	    .prekey_id = m->prekey_id,
	    .zone = m->zone,
	    .text = m->body,
	    .text_len = m->body_len,
	    .envelope_from = m->from,
	    .ttl = m->ttl,
	    .now = m->now,
	    .form = form,
	    .fixed = &m->fixed,
	};
	memcpy(p.recipient_x_pub, m->bob.x_pub, 32);
	memcpy(p.prekey_pub, m->prekey_pub, 32);
	return dm_message_send(&p, ret);
}

/* dm_message_send() output against published_records (name, value, ttl, order). */
static void check_published(struct cx *c, const struct msg_case *m,
			    const struct dm_msg_records *recs, bool v075)
{
	const json_t *pub = json_object_get(m->js, "published_records");
	expect(c, recs->count == json_array_size(pub), "record count %zu differs", recs->count);
	for (size_t i = 0; i < recs->count && i < json_array_size(pub); i++) {
		const json_t *r = json_array_get(pub, i);
		const char *value = vec_str(r, "value");
		if (v075 && i + 1 == recs->count)
			value = vec_str(m->v075, "txt_value");
		expect(c,
		       vec_str(r, "name") && strcmp(recs->items[i].name, vec_str(r, "name")) == 0,
		       "record %zu name differs", i);
		expect(c, value && strcmp(recs->items[i].value, value) == 0,
		       "record %zu value differs%s", i, v075 ? " (0.7.5 form)" : "");
		expect(c, recs->items[i].ttl == vec_int(r, "ttl", -1), "record %zu ttl differs", i);
	}
	if (v075 && recs->count > 0) {
		/* The 0.7.5 body too, and that it carries one hash per chunk. */
		const char *v = recs->items[recs->count - 1].value;
		size_t bl = 0, vl = strlen(v);
		uint8_t *blob = malloc(vl);
		expect(c,
		       blob && dm_b64_decode_strict(v + 20, vl - 20, blob, vl, &bl) == 0 &&
			   bl > DM_ED25519_SIG_BYTES,
		       "0.7.5 manifest malformed");
		if (blob && bl > DM_ED25519_SIG_BYTES)
			expect_hex(c, m->v075, "body_hex", blob, bl - DM_ED25519_SIG_BYTES);
		free(blob);
	}
}

/*
 * The vector's own published_records as a record list (for the 0.7.5 form
 * with the manifest value replaced), so receiving never depends on our send.
 */
static struct dm_msg_records *records_from_json(const struct msg_case *m, bool v075)
{
	const json_t *pub = json_object_get(m->js, "published_records");
	size_t n = json_array_size(pub);
	struct dm_msg_records *recs = calloc(1, sizeof(*recs));
	if (recs == NULL || n == 0 || (recs->items = calloc(n, sizeof(*recs->items))) == NULL) {
		dm_msg_records_free(recs);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *r = json_array_get(pub, i);
		const char *name = vec_str(r, "name"), *value = vec_str(r, "value");
		if (v075 && i + 1 == n)
			value = vec_str(m->v075, "txt_value");
		if (name == NULL || value == NULL) {
			dm_msg_records_free(recs);
			return NULL;
		}
		recs->items[i].name = strdup(name);
		recs->items[i].value = strdup(value);
		recs->items[i].ttl = (uint32_t)vec_int(r, "ttl", 0);
		recs->count++;
	}
	return recs;
}

/* A receiver world: Bob's DNS view, his replay cache and prekey store. */
struct world {
	struct mem_zone dns;
	struct mem_state st;
	const char *prekey_name, *prekey_value;
};

static void world_init(struct world *w, const struct msg_case *m, const struct dm_msg_records *recs)
{
	memset(w, 0, sizeof(*w));
	w->st.published = &w->dns;
	for (size_t i = 0; recs != NULL && i < recs->count; i++)
		mem_put(&w->dns, recs->items[i].name, recs->items[i].value);
	if (m->prekey != NULL) {
		const json_t *rec = json_object_get(m->prekey, "prekey_record");
		w->prekey_name = vec_str(rec, "name");
		w->prekey_value = vec_str(rec, "value");
		if (w->prekey_name && w->prekey_value)
			mem_put(&w->dns, w->prekey_name, w->prekey_value);
		mem_state_add_prekey(&w->st, m->prekey_id, m->prekey_priv, m->prekey_exp);
	}
}

static struct dm_inbox *poll(struct world *w, const struct msg_case *m, uint64_t now,
			     const uint8_t (*pins)[32], size_t npins)
{
	const char *zones[] = {m->zone, m->zone};
	struct dm_recv_params p = {
	    .self = &m->bob,
	    .username = "bob",
	    .domain = m->zone,
	    .zones = zones,
	    .zone_count = 2, /* a duplicate zone is polled once */
	    .pinned_spks = pins,
	    .pinned_count = npins,
	    .now = now,
	    .lookup = mem_lookup,
	    .lookup_ctx = &w->dns,
	    .state = mem_state_ops(&w->st),
	};
	struct dm_inbox *in = NULL;
	if (dm_message_receive(&p, &in) < 0)
		return NULL;
	return in;
}

/* True when nothing about Bob's state moved. */
static bool untouched(const struct world *w, const struct msg_case *m)
{
	bool ok = w->st.commits == 0 && w->st.nreplay == 0 && w->st.unpublished == 0;
	if (m->prekey != NULL)
		ok = ok && w->st.prekeys[0].present && mem_count(&w->dns, w->prekey_name) == 1;
	return ok;
}

static void check_delivery(struct cx *c, const struct msg_case *m, const struct dm_inbox *in,
			   const char *what)
{
	const json_t *rv = m->recv;
	expect(c, in != NULL && (long long)in->count == vec_int(rv, "delivered_count", -1),
	       "%s: delivered %zu", what, in ? in->count : 0);
	if (in == NULL || in->count != 1)
		return;
	const struct dm_inbox_msg *msg = &in->msgs[0];
	expect_hex(c, rv, "plaintext_hex", msg->plaintext, msg->plaintext_len);
	expect_hex(c, rv, "msg_id_hex", msg->msg_id, 16);
	expect_hex(c, rv, "sender_signing_pk_hex", msg->sender_spk, 32);
	expect(c, msg->ts == vec_int(rv, "timestamp", -1), "%s: timestamp differs", what);
	expect(c, msg->prekey_id == m->prekey_id && msg->zone_index == 0, "%s: meta differs", what);
	const json_t *env = json_object_get(rv, "envelope_decoded");
	if (json_is_object(env)) {
		const char *from = vec_str(env, "from");
		expect(c,
		       msg->env.v2 && msg->env.has_from && from && strcmp(msg->env.from, from) == 0,
		       "%s: envelope from differs", what);
		expect_hex(c, env, "body_hex", msg->env.body, msg->env.body_len);
	} else {
		expect(c,
		       !msg->env.v2 && msg->env.body == msg->plaintext &&
			   msg->env.body_len == msg->plaintext_len,
		       "%s: v1 plaintext split as an envelope", what);
	}
}

/* Receive as Bob from the published records, then poll again (replay). */
static void check_receive(struct cx *c, const struct msg_case *m, const struct dm_msg_records *recs,
			  const char *what)
{
	struct world w;
	const uint8_t(*pins)[32] = (const uint8_t(*)[32])m->alice.ed_pk;

	world_init(&w, m, recs);
	struct dm_inbox *in = poll(&w, m, m->receive_now, pins, 1);
	check_delivery(c, m, in, what);
	dm_inbox_free(in);
	expect(c, w.st.commits == 1 && w.st.nreplay == 1, "%s: not committed once", what);
	if (m->prekey != NULL) {
		bool del = vec_bool(m->recv, "prekey_private_deleted", false);
		expect(c, del && !w.st.prekeys[0].present, "%s: local prekey kept", what);
		/* prekey_rrset_after_receive: null = the RRset is gone. */
		expect(c,
		       json_is_null(json_object_get(m->recv, "prekey_rrset_after_receive")) &&
			   mem_count(&w.dns, w.prekey_name) == 0 && w.st.unpublished == 1,
		       "%s: published prekey not deleted", what);
	} else {
		expect(c, w.st.unpublished == 0, "%s: unexpected unpublish", what);
	}
	in = poll(&w, m, m->receive_now, pins, 1);
	expect(c,
	       in != NULL &&
		   (long long)in->count == vec_int(m->recv, "second_poll_delivered_count", -1),
	       "%s: second poll delivered %zu", what, in ? in->count : 0);
	dm_inbox_free(in);
	/* Trust on first use (nothing pinned) delivers the same message. */
	mem_free(&w.dns);
	world_init(&w, m, recs);
	in = poll(&w, m, m->receive_now, NULL, 0);
	expect(c, in != NULL && in->count == 1, "%s: TOFU receive failed", what);
	dm_inbox_free(in);
	mem_free(&w.dns);
}

/* Runs one refused-receive scenario: nothing delivered, no state change. */
static void expect_refused(struct cx *c, struct world *w, const struct msg_case *m, uint64_t now,
			   const uint8_t (*pins)[32], size_t npins, const char *what)
{
	struct dm_inbox *in = poll(w, m, now, pins, npins);
	expect(c, in != NULL && in->count == 0, "%s: delivered", what);
	expect(c, untouched(w, m), "%s: state changed", what);
	dm_inbox_free(in);
	mem_free(&w->dns);
}

/*
 * Puts the wrap of `share` (any 128 bytes) at chunk `idx`: instead of the
 * genuine value, or ahead of it as a pre-empting publisher would.
 */
static void put_chunk(struct world *w, const struct dm_msg_records *recs, size_t idx,
		      const uint8_t share[DM_ERASURE_BLOCK], bool keep_genuine)
{
	char txt[DM_CHUNK_TXT_LEN + 1];
	dm_chunk_txt(share, txt);
	mem_del(&w->dns, recs->items[idx].name, NULL);
	mem_put(&w->dns, recs->items[idx].name, txt);
	if (keep_genuine)
		mem_put(&w->dns, recs->items[idx].name, recs->items[idx].value);
}

static void check_tampering(struct cx *c, const struct msg_case *m,
			    const struct dm_msg_records *r044, const struct dm_msg_records *r075)
{
	struct world w;
	const uint8_t(*pins)[32] = (const uint8_t(*)[32])m->alice.ed_pk;
	size_t n = r044->count - 1, man = n;
	unsigned k = (unsigned)vec_int(m->mid, "k", 0);
	struct dm_inbox *in;

	/* A flipped character in the manifest's base64. */
	world_init(&w, m, r044);
	mem_del(&w.dns, r044->items[man].name, NULL);
	char *bad = strdup(r044->items[man].value);
	bad[40] = bad[40] == 'A' ? 'B' : 'A';
	mem_put(&w.dns, r044->items[man].name, bad);
	free(bad);
	expect_refused(c, &w, m, m->receive_now, pins, 1, "tampered manifest");

	/* Expired manifest; an unpinned sender; the prekey no longer held. */
	world_init(&w, m, r044);
	expect_refused(c, &w, m, m->now + m->ttl + 1, pins, 1, "expired");
	uint8_t other[1][32];
	memcpy(other[0], m->bob.ed_pk, 32);
	world_init(&w, m, r044);
	expect_refused(c, &w, m, m->receive_now, other, 1, "unpinned sender");
	if (m->prekey != NULL) {
		world_init(&w, m, r044);
		w.st.prekeys[0].id ^= 1;
		expect_refused(c, &w, m, m->receive_now, pins, 1, "prekey missing");
		w.st.prekeys[0].id ^= 1;
	}

	/* Missing chunks: more than n-k gone fails (and is retried later);
	 * exactly n-k gone still decodes from parity. */
	world_init(&w, m, r044);
	for (size_t i = 0; i + k <= n; i++)
		mem_del(&w.dns, r044->items[i].name, NULL);
	expect_refused(c, &w, m, m->receive_now, pins, 1, "too few chunks");
	world_init(&w, m, r044);
	for (size_t i = 0; i + k < n; i++)
		mem_del(&w.dns, r044->items[i].name, NULL);
	in = poll(&w, m, m->receive_now, pins, 1);
	expect(c, in != NULL && in->count == 1, "parity recovery failed");
	dm_inbox_free(in);
	mem_free(&w.dns);

	/* A rewrapped share with one ciphertext byte flipped: the chunk unwraps,
	 * the erasure decode succeeds, the AEAD refuses. */
	uint8_t *shares = NULL;
	unsigned kk = 0, nn = 0;
	size_t ol = 0;
	uint8_t *outer = vec_hex(m->mid, "outer_message_hex", &ol);
	if (outer != NULL && ol > 2 && dm_erasure_encode(outer, ol, &shares, &kk, &nn) == 0) {
		size_t hl = (size_t)(outer[0] << 8 | outer[1]);
		size_t pos =
		    4 + 2 + hl + DM_SEAL_HDR_BYTES; /* first ct byte in the padded stream */
		size_t si = pos / DM_ERASURE_BLOCK;
		uint8_t s[DM_ERASURE_BLOCK];
		memcpy(s, shares + si * DM_ERASURE_BLOCK, sizeof(s));
		s[pos % DM_ERASURE_BLOCK] ^= 0x01;
		world_init(&w, m, r044);
		put_chunk(&w, r044, si, s, false);
		expect_refused(c, &w, m, m->receive_now, pins, 1, "tampered ciphertext");

		/* 0.4.4 takes the first parseable value: a pre-empting value breaks
		 * it. 0.7.5 picks the value matching the signed hash and delivers. */
		world_init(&w, m, r044);
		put_chunk(&w, r044, si, s, true);
		expect_refused(c, &w, m, m->receive_now, pins, 1, "pre-empted chunk (0.4.4)");
		world_init(&w, m, r075);
		put_chunk(&w, r075, si, s, true);
		in = poll(&w, m, m->receive_now, pins, 1);
		expect(c, in != NULL && in->count == 1, "pre-empted chunk (0.7.5) not delivered");
		dm_inbox_free(in);
		mem_free(&w.dns);
	} else {
		expect(c, false, "cannot rebuild shares for tampering");
	}
	free(shares);
	free(outer);

	/* A failing commit withholds the message and a later poll delivers it. */
	world_init(&w, m, r044);
	w.st.fail_commit = DM_EUNAVAIL;
	in = poll(&w, m, m->receive_now, pins, 1);
	expect(c, in != NULL && in->count == 0, "delivered despite failed commit");
	dm_inbox_free(in);
	w.st.fail_commit = 0;
	in = poll(&w, m, m->receive_now, pins, 1);
	expect(c, in != NULL && in->count == 1, "retry after failed commit failed");
	dm_inbox_free(in);
	mem_free(&w.dns);
}

static bool load_case(struct cx *c, const json_t *js, struct msg_case *m)
{
	memset(m, 0, sizeof(*m));
	m->js = js;
	m->inputs = json_object_get(js, "inputs");
	m->mid = json_object_get(js, "intermediate");
	m->recv = json_object_get(js, "receive");
	m->v075 = json_object_get(js, "v075_content_bound_manifest");
	m->prekey = json_object_get(js, "prekey");
	if (json_is_null(m->prekey))
		m->prekey = NULL;
	m->zone = vec_str(js, "zone");
	m->ttl = (uint32_t)vec_int(js, "ttl", 0);
	m->now = (uint64_t)vec_int(js, "now", 0);
	m->receive_now = (uint64_t)vec_int(js, "receive_now", 0);
	if (!load_identity(json_object_get(js, "sender"), &m->alice) ||
	    !load_identity(json_object_get(js, "recipient"), &m->bob) || m->zone == NULL ||
	    !vec_hex_fixed(m->inputs, "msg_id_hex", m->msg_id, 16) ||
	    !vec_hex_fixed(m->inputs, "ephemeral_private_hex", m->fixed.eph_priv, 32) ||
	    !vec_hex_fixed(m->inputs, "nonce_hex", m->fixed.nonce, 12)) {
		expect(c, false, "malformed case inputs");
		return false;
	}
	memcpy(m->fixed.msg_id, m->msg_id, 16);
	/* The identities derived here must be the vector's. */
	expect_hex(c, json_object_get(js, "sender"), "ed25519_public_hex", m->alice.ed_pk, 32);
	expect_hex(c, json_object_get(js, "recipient"), "x25519_public_hex", m->bob.x_pub, 32);
	expect_hex(c, json_object_get(js, "recipient"), "user_id_hex", m->bob.user_id, 32);
	if (m->prekey != NULL) {
		m->prekey_id = (uint32_t)vec_int(m->prekey, "prekey_id", 0);
		m->prekey_exp = (uint64_t)vec_int(m->prekey, "prekey_exp", 0);
		if (!vec_hex_fixed(m->prekey, "prekey_private_hex", m->prekey_priv, 32) ||
		    !vec_hex_fixed(m->prekey, "prekey_public_hex", m->prekey_pub, 32)) {
			expect(c, false, "malformed prekey");
			return false;
		}
	}
	const json_t *env = json_object_get(m->inputs, "envelope");
	if (json_is_object(env)) {
		m->from = vec_str(env, "from");
		m->body = vec_hex(env, "body_utf8_hex", &m->body_len);
	} else {
		m->body = vec_hex(m->inputs, "message_utf8_hex", &m->body_len);
	}
	if (m->body == NULL) {
		expect(c, false, "malformed message text");
		return false;
	}
	return true;
}

static void run_message_case(struct vec_tally *t, const json_t *js, size_t idx)
{
	struct cx c = {.ok = true};
	struct msg_case m;
	struct dm_msg_records *r044 = NULL, *r075 = NULL;
	char id[64];

	snprintf(id, sizeof(id), "%zu", idx);
	if (load_case(&c, js, &m)) {
		check_intermediates(&c, &m);
		expect(&c, send_case(&m, DM_MANIFEST_FORM_044, &r044) == 0, "send (0.4.4) failed");
		expect(&c, send_case(&m, DM_MANIFEST_FORM_075, &r075) == 0, "send (0.7.5) failed");
		if (r044 != NULL && r075 != NULL) {
			check_published(&c, &m, r044, false);
			check_published(&c, &m, r075, true);
		}
		struct dm_msg_records *j044 = records_from_json(&m, false);
		struct dm_msg_records *j075 = records_from_json(&m, true);
		expect(&c, j044 != NULL && j075 != NULL, "malformed published_records");
		if (j044 != NULL && j075 != NULL) {
			check_receive(&c, &m, j044, "0.4.4 manifest");
			check_receive(&c, &m, j075, "0.7.5 manifest");
			check_tampering(&c, &m, j044, j075);
		}
		dm_msg_records_free(j044);
		dm_msg_records_free(j075);
	}
	vec_case(t, c.ok, id, "%s: %s", vec_str(js, "description"), c.why);
	dm_msg_records_free(r044);
	dm_msg_records_free(r075);
	free(m.body);
	dm_identity_wipe(&m.alice);
	dm_identity_wipe(&m.bob);
}

static void run_envelope_case(struct vec_tally *t, const json_t *js, size_t idx)
{
	struct cx c = {.ok = true};
	const json_t *in = json_object_get(js, "inputs");
	uint8_t *pt = NULL, *body = NULL;
	size_t pt_len = 0, body_len = 0;
	char id[64];

	snprintf(id, sizeof(id), "%zu", idx);
	if (vec_str(in, "plaintext_hex") != NULL) {
		pt = vec_hex(in, "plaintext_hex", &pt_len);
	} else {
		body = vec_hex(in, "body_hex", &body_len);
		pt = malloc(body_len + DM_ENVELOPE_OVERHEAD_MAX);
		expect(&c,
		       body && pt &&
			   dm_envelope_encode(body, body_len, vec_str(in, "sender_addr"), pt,
					      body_len + DM_ENVELOPE_OVERHEAD_MAX, &pt_len) == 0,
		       "encode failed");
		expect_hex(&c, js, "expected_plaintext_hex", pt, pt_len);
	}
	expect(&c, pt != NULL, "no plaintext");
	if (pt != NULL) {
		struct dm_envelope_view v;
		dm_envelope_decode(pt, pt_len, &v);
		expect_hex(&c, js, "expected_decode_body_hex", v.body, v.body_len);
		const char *from = vec_str(js, "expected_decode_from");
		expect(&c, from ? (v.has_from && strcmp(v.from, from) == 0) : !v.has_from,
		       "decoded from differs");
	}
	vec_case(t, c.ok, id, "%s: %s", vec_str(js, "description"), c.why);
	free(pt);
	free(body);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	int rc = 0;

	struct vec_tally t1 = {.file = "message_send.json"};
	json_t *root = vec_load("message_send.json");
	const json_t *cases = json_object_get(root, "cases");
	for (size_t i = 0; i < json_array_size(cases); i++)
		run_message_case(&t1, json_array_get(cases, i), i);
	rc |= vec_report(&t1);
	json_decref(root);

	struct vec_tally t2 = {.file = "upstream-0.7.5/dmpv2_envelope.json"};
	root = vec_load("upstream-0.7.5/dmpv2_envelope.json");
	for (size_t i = 0; i < json_array_size(root); i++)
		run_envelope_case(&t2, json_array_get(root, i), i);
	rc |= vec_report(&t2);
	json_decref(root);
	return rc;
}
