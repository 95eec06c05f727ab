/*
 * slot_manifest.json, identity_record.json, upstream-0.7.5/identity_record.json,
 * prekey.json and other_records.json (wire.md §9, §12.1-§12.4, §12.9, §16):
 * every case is rebuilt from its inputs with the keys derived from its seed
 * and must equal the reference's value byte for byte, must parse back to its
 * inputs, and every documented failure must fail for the documented reason
 * (the same wire passes once that reason is removed).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/dmp/chunk.h"
#include "common/dmp/claim.h"
#include "common/dmp/heartbeat.h"
#include "common/dmp/identity.h"
#include "common/dmp/identity_record.h"
#include "common/dmp/manifest.h"
#include "common/dmp/names.h"
#include "common/dmp/prekey.h"
#include "common/dmp/registration.h"
#include "common/err.h"
#include "tests/vectors/vecutil.h"

/* README.md: the generated vectors use this clock. */
#define VEC_NOW 1767225600ULL

struct wire {
	char *s;
	size_t len;
};

static bool key_of_seed(const uint8_t x[32], struct dm_identity *id)
{
	return dm_identity_from_x25519(x, id) == 0;
}

/* A `*_seed_hex` field: a raw X25519 scalar, Ed25519 per wire.md §2. */
static bool key_of(const json_t *c, const char *field, struct dm_identity *id)
{
	uint8_t x[32];
	bool ok = vec_hex_fixed(c, field, x, sizeof(x)) && key_of_seed(x, id);

	sodium_memzero(x, sizeof(x));
	return ok;
}

/* A `*_seed_label` field: the scalar is SHA256(label). */
static bool key_of_label(const json_t *c, const char *field, struct dm_identity *id)
{
	const char *label = vec_str(c, field);
	uint8_t x[32];
	bool ok;

	if (label == NULL)
		return false;
	crypto_hash_sha256(x, (const uint8_t *)label, strlen(label));
	ok = key_of_seed(x, id);
	sodium_memzero(x, sizeof(x));
	return ok;
}

static bool wire_of(const json_t *c, struct wire *w)
{
	w->s = (char *)vec_hex(c, "expected_wire_hex", &w->len);
	return w->s != NULL;
}

static bool same(const char *got, size_t got_len, const char *want, size_t want_len)
{
	return want != NULL && got_len == want_len && memcmp(got, want, got_len) == 0;
}

static bool str_is(const char *got, size_t got_len, const char *want)
{
	return want != NULL && same(got, got_len, want, strlen(want));
}

/* Decoded bytes of a value after `prefix` (canonical base64 assumed). */
static uint8_t *blob_of(const char *value, size_t len, size_t prefix_len, size_t *ret_len)
{
	uint8_t *out = malloc(dm_b64_decoded_max(len));

	if (out == NULL || len < prefix_len ||
	    dm_b64_decode_lenient(value + prefix_len, len - prefix_len, out,
				  dm_b64_decoded_max(len), ret_len) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The first `body_len` decoded bytes of two values agree, the rest differs. */
static bool only_sig_differs(const char *a, size_t alen, const char *b, size_t blen,
			     size_t prefix_len)
{
	size_t la, lb;
	uint8_t *da = blob_of(a, alen, prefix_len, &la);
	uint8_t *db = blob_of(b, blen, prefix_len, &lb);
	bool ok = da != NULL && db != NULL && la == lb && la > DM_ED25519_SIG_BYTES &&
		  memcmp(da, db, la - DM_ED25519_SIG_BYTES) == 0 &&
		  memcmp(da + la - DM_ED25519_SIG_BYTES, db + lb - DM_ED25519_SIG_BYTES,
			 DM_ED25519_SIG_BYTES) != 0;

	free(da);
	free(db);
	return ok;
}

/* The decoded body (all but the signature) equals hex field `body_hex`. */
static bool body_is(const json_t *c, const char *value, size_t len, size_t prefix_len)
{
	size_t blen, want_len;
	uint8_t *blob = blob_of(value, len, prefix_len, &blen);
	uint8_t *want = vec_hex(c, "body_hex", &want_len);
	bool ok = blob != NULL && want != NULL && blen == want_len + DM_ED25519_SIG_BYTES &&
		  memcmp(blob, want, want_len) == 0;

	free(blob);
	free(want);
	return ok;
}

static void case_id(char *buf, size_t cap, size_t i, const json_t *c)
{
	const char *d = vec_str(c, "description");

	if (d == NULL)
		d = vec_str(c, "kind");
	snprintf(buf, cap, "%zu (%s)", i, d ? d : "?");
}

/* ---- slot_manifest.json ------------------------------------------------- */

static bool manifest_from_inputs(const json_t *in, struct dm_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->total_chunks = (uint32_t)vec_int(in, "total_chunks", 0);
	m->data_chunks = (uint32_t)vec_int(in, "data_chunks", 0);
	m->prekey_id = (uint32_t)vec_int(in, "prekey_id", -1);
	m->ts = (uint64_t)vec_int(in, "ts", 0);
	m->exp = (uint64_t)vec_int(in, "exp", 0);
	return vec_hex_fixed(in, "msg_id_hex", m->msg_id, sizeof(m->msg_id)) &&
	       vec_hex_fixed(in, "sender_spk_hex", m->sender_spk, sizeof(m->sender_spk)) &&
	       vec_hex_fixed(in, "recipient_id_hex", m->recipient_id, sizeof(m->recipient_id));
}

static bool manifest_equal(const struct dm_manifest *a, const struct dm_manifest *b)
{
	return memcmp(a->msg_id, b->msg_id, sizeof(a->msg_id)) == 0 &&
	       memcmp(a->sender_spk, b->sender_spk, sizeof(a->sender_spk)) == 0 &&
	       memcmp(a->recipient_id, b->recipient_id, sizeof(a->recipient_id)) == 0 &&
	       a->total_chunks == b->total_chunks && a->data_chunks == b->data_chunks &&
	       a->prekey_id == b->prekey_id && a->ts == b->ts && a->exp == b->exp &&
	       a->hash_count == b->hash_count;
}

static int run_slot_manifest(void)
{
	struct vec_tally t = {"slot_manifest.json", 0, 0};
	json_t *root = vec_load(t.file), *c;
	struct wire base = {NULL, 0};
	size_t i;

	json_array_foreach(root, i, c)
	{
		char id[160], out[DM_MANIFEST_VALUE_MAX];
		const json_t *in = json_object_get(c, "inputs");
		struct dm_identity key;
		struct dm_manifest m, got;
		struct wire w;
		size_t len;
		bool ok;

		case_id(id, sizeof(id), i, c);
		if (!wire_of(c, &w) || !key_of(c, "sender_seed_hex", &key)) {
			vec_case(&t, false, id, "missing wire or seed");
			continue;
		}
		if (in != NULL) {
			ok = manifest_from_inputs(in, &m) &&
			     memcmp(key.ed_pk, m.sender_spk, 32) == 0 &&
			     dm_manifest_sign(&m, NULL, key.ed_sk, out, sizeof(out), &len) == 0 &&
			     same(out, len, w.s, w.len) &&
			     dm_manifest_parse(w.s, w.len, VEC_NOW, NULL, 0, &got) == 0 &&
			     manifest_equal(&m, &got) &&
			     got.total_chunks ==
				 (uint32_t)vec_int(c, "expected_parse_total_chunks", -1) &&
			     memcmp(got.sig, m.sig, sizeof(m.sig)) == 0 &&
			     dm_manifest_encode(&got, NULL, out, sizeof(out), &len) == 0 &&
			     same(out, len, w.s, w.len) && len == DM_MANIFEST_VALUE_044_LEN &&
			     /* expiry is the caller's: `now > exp` */
			     dm_manifest_parse(w.s, w.len, m.exp, NULL, 0, &got) == 0 &&
			     dm_manifest_parse(w.s, w.len, m.exp + 1, NULL, 0, &got) == DM_EEXPIRED;
			vec_case(&t, ok, id, "sign/parse round trip mismatch");
			if (i == 0) {
				base = w;
				w.s = NULL;
			}
		} else {
			const char *want = vec_str(c, "expected_parse_result");

			ok = want != NULL && strcmp(want, "none") == 0 && base.s != NULL &&
			     vec_int(c, "wire_from_case", -1) == 0 &&
			     dm_manifest_parse(w.s, w.len, VEC_NOW, NULL, 0, &got) == DM_ESIG &&
			     only_sig_differs(w.s, w.len, base.s, base.len,
					      strlen(DM_PREFIX_MANIFEST)) &&
			     dm_manifest_parse(base.s, base.len, VEC_NOW, NULL, 0, &got) == 0;
			vec_case(&t, ok, id, "tampered manifest not rejected as DM_ESIG");
		}
		dm_identity_wipe(&key);
		free(w.s);
	}
	free(base.s);
	json_decref(root);
	return vec_report(&t);
}

/* ---- identity_record.json (0.4.4 and 0.7.5) ----------------------------- */

static bool versions_match(const json_t *list, const struct dm_identity_record *r)
{
	const json_t *v;
	size_t i;

	if (list == NULL)
		return r->versions_count == 1 && r->versions[0] == 1;
	if (json_array_size(list) != r->versions_count)
		return false;
	json_array_foreach(list, i, v)
	{
		if (json_integer_value(v) != r->versions[i])
			return false;
	}
	return true;
}

static int run_identity_file(const char *file)
{
	struct vec_tally t = {file, 0, 0};
	json_t *root = vec_load(t.file), *c;
	struct wire base = {NULL, 0};
	size_t i;

	json_array_foreach(root, i, c)
	{
		char id[160], out[DM_IDENTITY_VALUE_MAX];
		const json_t *in = json_object_get(c, "inputs");
		struct dm_identity key;
		struct dm_identity_record rec, got;
		struct wire w;
		size_t len;
		bool ok;

		case_id(id, sizeof(id), i, c);
		if (!wire_of(c, &w) || !key_of(c, "identity_seed_hex", &key)) {
			vec_case(&t, false, id, "missing wire or seed");
			continue;
		}
		if (in != NULL) {
			const char *user = vec_str(in, "username");
			const json_t *vers = json_object_get(in, "versions"), *v;
			uint8_t x[32], spk[32];
			size_t k;

			ok = user != NULL && vec_hex_fixed(in, "x25519_pk_hex", x, 32) &&
			     vec_hex_fixed(in, "ed25519_spk_hex", spk, 32) &&
			     memcmp(x, key.x_pub, 32) == 0 && memcmp(spk, key.ed_pk, 32) == 0 &&
			     dm_identity_record_init(&rec, user, strlen(user), x, spk,
						     (uint64_t)vec_int(in, "ts", -1)) == 0;
			if (ok && vers != NULL) {
				rec.versions_count = json_array_size(vers);
				json_array_foreach(vers, k, v)
				{
					rec.versions[k] = (uint8_t)json_integer_value(v);
				}
			}
			ok =
			    ok &&
			    dm_identity_record_sign(&rec, key.ed_sk, out, sizeof(out), &len) == 0 &&
			    same(out, len, w.s, w.len) &&
			    dm_identity_record_parse(w.s, w.len, &got) == 0 &&
			    str_is(got.username, got.username_len,
				   vec_str(c, "expected_parse_username")) &&
			    versions_match(json_object_get(c, "expected_parse_versions"), &got) &&
			    memcmp(got.x25519_pub, x, 32) == 0 &&
			    memcmp(got.ed25519_spk, spk, 32) == 0 && got.ts == rec.ts &&
			    dm_identity_record_encode(&got, out, sizeof(out), &len) == 0 &&
			    same(out, len, w.s, w.len);
			vec_case(&t, ok, id, "sign/parse round trip mismatch");
			if (i == 0) {
				base = w;
				w.s = NULL;
			}
		} else {
			const char *want = vec_str(c, "expected_parse_result");

			ok = want != NULL && strcmp(want, "none") == 0 && base.s != NULL &&
			     vec_int(c, "wire_from_case", -1) == 0 &&
			     dm_identity_record_parse(w.s, w.len, &got) == DM_ESIG &&
			     only_sig_differs(w.s, w.len, base.s, base.len,
					      strlen(DM_PREFIX_IDENTITY)) &&
			     dm_identity_record_parse(base.s, base.len, &got) == 0;
			vec_case(&t, ok, id, "tampered identity not rejected as DM_ESIG");
		}
		dm_identity_wipe(&key);
		free(w.s);
	}
	free(base.s);
	json_decref(root);
	return vec_report(&t);
}

/* ---- prekey.json -------------------------------------------------------- */

static int run_prekey(void)
{
	struct vec_tally t = {"prekey.json", 0, 0};
	json_t *root = vec_load(t.file), *c;
	struct wire base = {NULL, 0};
	uint8_t base_spk[32] = {0};
	size_t i;

	json_array_foreach(root, i, c)
	{
		char id[160], out[DM_PREKEY_VALUE_LEN + 1];
		const json_t *in = json_object_get(c, "inputs");
		struct dm_identity key;
		struct dm_prekey pk, got;
		uint8_t vspk[32];
		struct wire w;
		bool ok;

		case_id(id, sizeof(id), i, c);
		if (!wire_of(c, &w) || !key_of(c, "signer_seed_hex", &key) ||
		    !vec_hex_fixed(c, "verify_with_signer_spk_hex", vspk, 32)) {
			vec_case(&t, false, id, "missing wire, seed or verify key");
			continue;
		}
		if (in != NULL) {
			memset(&pk, 0, sizeof(pk));
			pk.prekey_id = (uint32_t)vec_int(in, "prekey_id", 0);
			pk.exp = (uint64_t)vec_int(in, "exp", 0);
			ok = vec_hex_fixed(in, "public_key_hex", pk.x25519_pub, 32) &&
			     memcmp(vspk, key.ed_pk, 32) == 0 &&
			     dm_prekey_sign(&pk, key.ed_sk, out) == 0 &&
			     same(out, strlen(out), w.s, w.len) && w.len == DM_PREKEY_VALUE_LEN;
			if (pk.exp < VEC_NOW) {
				/* "caller-enforced" expiry: the record verifies (now = 0
				 * skips the clock), and a clocked parse says expired. */
				ok = ok &&
				     dm_prekey_parse(w.s, w.len, vspk, VEC_NOW, &got) ==
					 DM_EEXPIRED &&
				     dm_prekey_parse(w.s, w.len, vspk, pk.exp, &got) == 0 &&
				     dm_prekey_parse(w.s, w.len, vspk, 0, &got) == 0;
			} else {
				ok = ok && dm_prekey_parse(w.s, w.len, vspk, VEC_NOW, &got) == 0;
			}
			ok =
			    ok &&
			    got.prekey_id == (uint32_t)vec_int(c, "expected_parse_prekey_id", -1) &&
			    memcmp(got.x25519_pub, pk.x25519_pub, 32) == 0 && got.exp == pk.exp &&
			    dm_prekey_encode(&got, out) == 0 && same(out, strlen(out), w.s, w.len);
			vec_case(&t, ok, id, "sign/parse round trip mismatch");
			if (i == 0) {
				base = w;
				memcpy(base_spk, vspk, 32);
				w.s = NULL;
			}
		} else {
			const char *want = vec_str(c, "expected_parse_result");

			ok = want != NULL && strcmp(want, "none") == 0 && base.s != NULL &&
			     vec_int(c, "wire_from_case", -1) == 0 &&
			     same(w.s, w.len, base.s, base.len) &&
			     memcmp(vspk, base_spk, 32) != 0 &&
			     dm_prekey_parse(w.s, w.len, vspk, VEC_NOW, &got) == DM_ESIG &&
			     dm_prekey_parse(w.s, w.len, base_spk, VEC_NOW, &got) == 0;
			vec_case(&t, ok, id, "wrong signer key not rejected as DM_ESIG");
		}
		dm_identity_wipe(&key);
		free(w.s);
	}
	free(base.s);
	json_decref(root);
	return vec_report(&t);
}

/* ---- other_records.json ------------------------------------------------- */

static bool put_str(const char *src, char *dst, size_t cap, size_t *ret_len)
{
	size_t n;

	if (src == NULL || (n = strlen(src)) >= cap)
		return false;
	memcpy(dst, src, n + 1);
	*ret_len = n;
	return true;
}

static bool other_heartbeat(const json_t *c)
{
	const char *txt = vec_str(c, "txt_value");
	char out[DM_RECORD_CAP_SIGNED + 1];
	struct dm_identity key;
	struct dm_heartbeat hb, got;
	size_t len;
	bool ok;

	if (txt == NULL || !key_of_label(c, "operator_seed_label", &key))
		return false;
	memset(&hb, 0, sizeof(hb));
	hb.format = DM_HEARTBEAT_HB02;
	hb.capabilities = (uint16_t)vec_int(c, "capabilities", -1);
	hb.ts = (uint64_t)vec_int(c, "ts", 0);
	hb.exp = (uint64_t)vec_int(c, "exp", 0);
	ok = put_str(vec_str(c, "endpoint"), hb.endpoint, sizeof(hb.endpoint), &hb.endpoint_len) &&
	     put_str(vec_str(c, "version"), hb.version, sizeof(hb.version), &hb.version_len) &&
	     vec_hex_fixed(c, "operator_spk_hex", hb.operator_spk, 32) &&
	     memcmp(hb.operator_spk, key.ed_pk, 32) == 0 &&
	     dm_heartbeat_sign(&hb, key.ed_sk, out, sizeof(out), &len) == 0 &&
	     str_is(out, len, txt) && body_is(c, txt, strlen(txt), strlen(DM_PREFIX_HEARTBEAT)) &&
	     vec_bool(c, "verifies_at_ts", false) &&
	     dm_heartbeat_parse(txt, strlen(txt), hb.ts, &got) == 0 &&
	     str_is(got.endpoint, got.endpoint_len, vec_str(c, "endpoint")) &&
	     str_is(got.version, got.version_len, vec_str(c, "version")) &&
	     got.capabilities == hb.capabilities && got.ts == hb.ts && got.exp == hb.exp &&
	     got.format == DM_HEARTBEAT_HB02 &&
	     dm_heartbeat_encode(&got, out, sizeof(out), &len) == 0 && str_is(out, len, txt) &&
	     !vec_bool(c, "verifies_at_ts_plus_301", true) &&
	     dm_heartbeat_parse(txt, strlen(txt), hb.ts + 301, &got) == DM_EEXPIRED &&
	     dm_heartbeat_parse(txt, strlen(txt), hb.ts + 300, &got) == 0;
	dm_identity_wipe(&key);
	return ok;
}

static bool other_claim(const json_t *c)
{
	const char *txt = vec_str(c, "txt_value");
	char out[DM_RECORD_CAP_CLAIM + 1], name[256];
	struct dm_identity key, bob;
	struct dm_claim cl, got;
	const char *owner = vec_str(c, "owner_name");
	const char *zone;
	size_t len;
	bool ok;

	if (txt == NULL || owner == NULL || !key_of_label(c, "sender_seed_label", &key))
		return false;
	memset(&cl, 0, sizeof(cl));
	cl.slot = (uint8_t)vec_int(c, "slot", -1);
	cl.ts = (uint64_t)vec_int(c, "ts", 0);
	cl.exp = (uint64_t)vec_int(c, "exp", 0);
	ok = put_str(vec_str(c, "sender_mailbox_domain"), cl.domain, sizeof(cl.domain),
		     &cl.domain_len) &&
	     vec_hex_fixed(c, "msg_id_hex", cl.msg_id, 16) &&
	     vec_hex_fixed(c, "sender_spk_hex", cl.sender_spk, 32) &&
	     memcmp(cl.sender_spk, key.ed_pk, 32) == 0 &&
	     dm_claim_sign(&cl, key.ed_sk, out, &len) == 0 && str_is(out, len, txt) &&
	     (long long)len == vec_int(c, "txt_len", -1) &&
	     body_is(c, txt, strlen(txt), strlen(DM_PREFIX_CLAIM)) &&
	     vec_bool(c, "verifies_at_ts", false) &&
	     dm_claim_parse(txt, strlen(txt), cl.ts, &got) == 0 &&
	     memcmp(got.msg_id, cl.msg_id, 16) == 0 && got.slot == cl.slot &&
	     str_is(got.domain, got.domain_len, cl.domain) && got.ts == cl.ts &&
	     got.exp == cl.exp && dm_claim_encode(&got, out, &len) == 0 && str_is(out, len, txt) &&
	     !vec_bool(c, "verifies_after_exp", true) &&
	     dm_claim_parse(txt, strlen(txt), cl.exp, &got) == DM_EEXPIRED &&
	     dm_claim_parse(txt, strlen(txt), cl.exp - 1, &got) == 0;
	/* The recipient is not in the body; the vectors address Bob. */
	zone = strchr(owner, '.') ? strchr(strchr(owner, '.') + 1, '.') : NULL;
	{
		uint8_t x[32];

		crypto_hash_sha256(x, (const uint8_t *)"vectors/bob", 11);
		ok = ok && key_of_seed(x, &bob) && zone != NULL &&
		     dm_name_claim(name, sizeof(name), bob.user_id, cl.slot, zone + 1,
				   strlen(zone + 1)) >= 0 &&
		     strcmp(name, owner) == 0;
		dm_identity_wipe(&bob);
	}
	dm_identity_wipe(&key);
	return ok;
}

static bool other_registration(const json_t *c)
{
	const json_t *body = json_object_get(c, "confirm_body");
	const char *subject = vec_str(c, "subject"), *node = vec_str(c, "node");
	uint8_t chal[32], sig[64], want_sig[64], spk[32], payload[DM_REGISTRATION_PAYLOAD_MAX];
	uint8_t *want_payload;
	char canon[DM_REGISTRATION_SUBJECT_MAX + 1], hex[129];
	struct dm_identity key;
	size_t len, want_len, clen;
	bool ok;

	if (subject == NULL || node == NULL || body == NULL ||
	    !key_of_label(c, "signer_seed_label", &key))
		return false;
	want_payload = vec_hex(c, "signed_payload_hex", &want_len);
	ok = want_payload != NULL && vec_hex_fixed(c, "challenge_hex", chal, 32) &&
	     vec_hex_fixed(c, "signature_hex", want_sig, 64) &&
	     vec_hex_fixed(c, "ed25519_spk_hex", spk, 32) && memcmp(spk, key.ed_pk, 32) == 0 &&
	     dm_registration_payload(chal, subject, strlen(subject), node, strlen(node), payload,
				     sizeof(payload), &len) == 0 &&
	     len == want_len && memcmp(payload, want_payload, len) == 0 &&
	     dm_registration_sign(chal, subject, strlen(subject), node, strlen(node), key.ed_sk,
				  sig) == 0 &&
	     memcmp(sig, want_sig, 64) == 0 &&
	     dm_registration_verify(chal, subject, strlen(subject), node, strlen(node), spk, sig) ==
		 0 &&
	     /* bound to the node name */
	     dm_registration_verify(chal, subject, strlen(subject), "node.example.org", 16, spk,
				    sig) == DM_ESIG &&
	     /* the confirm body carries the canonical subject and lowercase hex */
	     dm_registration_canonical_subject(subject, strlen(subject), canon, sizeof(canon),
					       &clen) == 0 &&
	     str_is(canon, clen, vec_str(body, "subject"));
	if (ok) {
		dm_hex_encode(sig, 64, hex);
		ok = strcmp(hex, vec_str(body, "signature") ? vec_str(body, "signature") : "") == 0;
		dm_hex_encode(spk, 32, hex);
		ok = ok && vec_str(body, "ed25519_spk") &&
		     strcmp(hex, vec_str(body, "ed25519_spk")) == 0;
		dm_hex_encode(chal, 32, hex);
		ok = ok && vec_str(body, "challenge") &&
		     strcmp(hex, vec_str(body, "challenge")) == 0;
	}
	free(want_payload);
	dm_identity_wipe(&key);
	return ok;
}

static bool other_identity(const json_t *c)
{
	const char *txt = vec_str(c, "txt_value"), *user = vec_str(c, "username");
	const char *owner = vec_str(c, "owner_name_hashed");
	char out[DM_IDENTITY_VALUE_MAX], name[256];
	struct dm_identity key;
	struct dm_identity_record rec, got;
	const char *domain;
	size_t len;
	bool ok;

	if (txt == NULL || user == NULL || owner == NULL ||
	    !key_of_label(c, "signer_seed_label", &key))
		return false;
	domain = strchr(owner, '.');
	ok = domain != NULL &&
	     dm_identity_record_init(&rec, user, strlen(user), key.x_pub, key.ed_pk,
				     (uint64_t)vec_int(c, "ts", -1)) == 0 &&
	     dm_identity_record_sign(&rec, key.ed_sk, out, sizeof(out), &len) == 0 &&
	     str_is(out, len, txt) && body_is(c, txt, strlen(txt), strlen(DM_PREFIX_IDENTITY)) &&
	     dm_identity_record_parse(txt, strlen(txt), &got) == 0 &&
	     str_is(got.username, got.username_len, user) &&
	     dm_name_identity_hashed(name, sizeof(name), user, strlen(user), domain + 1,
				     strlen(domain + 1)) >= 0 &&
	     strcmp(name, owner) == 0;
	dm_identity_wipe(&key);
	return ok;
}

static bool other_prekey(const json_t *c)
{
	const char *txt = vec_str(c, "txt_value"), *owner = vec_str(c, "owner_name");
	char out[DM_PREKEY_VALUE_LEN + 1], name[256];
	uint8_t sk[32], pub[32];
	struct dm_identity key;
	struct dm_prekey pk, got;
	const char *domain;
	bool ok;

	if (txt == NULL || owner == NULL || !key_of_label(c, "signer_seed_label", &key))
		return false;
	memset(&pk, 0, sizeof(pk));
	pk.prekey_id = (uint32_t)vec_int(c, "prekey_id", 0);
	pk.exp = (uint64_t)vec_int(c, "exp", 0);
	domain = strchr(strchr(owner, '.') ? strchr(owner, '.') + 1 : owner, '.');
	ok = vec_hex_fixed(c, "prekey_private_hex", sk, 32) &&
	     vec_hex_fixed(c, "public_key_hex", pk.x25519_pub, 32) &&
	     crypto_scalarmult_base(pub, sk) == 0 && memcmp(pub, pk.x25519_pub, 32) == 0 &&
	     dm_prekey_sign(&pk, key.ed_sk, out) == 0 && strcmp(out, txt) == 0 &&
	     body_is(c, txt, strlen(txt), strlen(DM_PREFIX_PREKEY)) &&
	     dm_prekey_parse(txt, strlen(txt), key.ed_pk, VEC_NOW, &got) == 0 &&
	     got.prekey_id == pk.prekey_id && got.exp == pk.exp &&
	     /* The pool is Bob's: prekeys.id-<u12("bob")>.<domain>. */
	     domain != NULL &&
	     dm_name_prekeys(name, sizeof(name), "bob", 3, domain + 1, strlen(domain + 1)) >= 0 &&
	     strcmp(name, owner) == 0;
	sodium_memzero(sk, sizeof(sk));
	dm_identity_wipe(&key);
	return ok;
}

static bool dns_record_is(const char *txt, const uint8_t *data, size_t len, bool with_meta)
{
	struct dm_dns_record rec;
	bool ok;

	if (dm_dns_record_parse(txt, strlen(txt), &rec) != 0)
		return false;
	ok = rec.version == 1 && rec.type_len == 5 && memcmp(rec.type, "chunk", 5) == 0 &&
	     rec.data_len == len && memcmp(rec.data, data, len) == 0;
	if (with_meta)
		ok = ok && rec.metadata != NULL &&
		     json_integer_value(json_object_get(rec.metadata, "chunk")) == 0 &&
		     json_object_get(rec.metadata, "msg_id") != NULL &&
		     strcmp(json_string_value(json_object_get(rec.metadata, "msg_id")), "00") == 0;
	else
		ok = ok && rec.metadata == NULL;
	dm_dns_record_done(&rec);
	return ok;
}

static bool other_dns_record(const json_t *c)
{
	const char *txt = vec_str(c, "txt_value"), *meta = vec_str(c, "with_metadata");
	/* with_metadata carries d=AQ== (one 0x01 byte) and this compact JSON. */
	static const uint8_t one[1] = {0x01};
	static const char meta_json[] = "{\"chunk\":0,\"msg_id\":\"00\"}";
	uint8_t *data;
	char *out = NULL, *out_meta = NULL;
	size_t len, out_len;
	bool ok;

	data = vec_hex(c, "data_hex", &len);
	ok = data != NULL && txt != NULL && meta != NULL &&
	     dm_dns_record_format(1, "chunk", data, len, NULL, &out, &out_len) == 0 &&
	     strcmp(out, txt) == 0 && dns_record_is(txt, data, len, false) &&
	     dm_dns_record_format(1, "chunk", one, 1, meta_json, &out_meta, &out_len) == 0 &&
	     strcmp(out_meta, meta) == 0 && dns_record_is(meta, one, 1, true);
	free(out);
	free(out_meta);
	free(data);
	return ok;
}

static int run_other(void)
{
	struct vec_tally t = {"other_records.json", 0, 0};
	json_t *root = vec_load(t.file), *c;
	json_t *cases = json_is_array(root) ? root : json_object_get(root, "cases");
	size_t i;

	json_array_foreach(cases, i, c)
	{
		const char *kind = vec_str(c, "kind");
		char id[160];
		bool ok = false;

		case_id(id, sizeof(id), i, c);
		if (kind == NULL)
			ok = false;
		else if (strcmp(kind, "heartbeat") == 0)
			ok = other_heartbeat(c);
		else if (strcmp(kind, "claim") == 0)
			ok = other_claim(c);
		else if (strcmp(kind, "registration_confirm") == 0)
			ok = other_registration(c);
		else if (strcmp(kind, "identity") == 0)
			ok = other_identity(c);
		else if (strcmp(kind, "prekey") == 0)
			ok = other_prekey(c);
		else if (strcmp(kind, "dmp_dns_record") == 0)
			ok = other_dns_record(c);
		vec_case(&t, ok, id, "kind %s: mismatch", kind ? kind : "?");
	}
	json_decref(root);
	return vec_report(&t);
}

int main(void)
{
	int rc = 0;

	if (sodium_init() < 0)
		return 2;
	rc |= run_slot_manifest();
	rc |= run_identity_file("identity_record.json");
	rc |= run_identity_file("upstream-0.7.5/identity_record.json");
	rc |= run_prekey();
	rc |= run_other();
	return rc;
}
