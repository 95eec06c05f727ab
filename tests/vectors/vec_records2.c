/*
 * cluster_manifest.json, bootstrap_record.json, rotation_record.json and
 * revocation_record.json (wire.md §12.5-§12.8): each case is signed from its
 * inputs with the keys derived from its seeds and must equal the reference's
 * wire byte for byte; round-trip cases must parse back to the inputs, and
 * every documented failure must fail for the documented reason (and only for
 * it: the same wire passes once that reason is removed).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/bootstrap.h"
#include "common/dmp/cluster.h"
#include "common/dmp/identity.h"
#include "common/dmp/revocation.h"
#include "common/dmp/rotation.h"
#include "common/err.h"
#include "tests/vectors/vecutil.h"

/* README.md: every generated vector uses this clock unless a case says otherwise. */
#define VEC_NOW 1767225600ULL

struct wire {
	char *s;
	size_t len;
};

/* Signing key pair from a seed field: a raw X25519 scalar, Ed25519 per wire.md §2. */
static bool key_of(const json_t *c, const char *field, struct dm_identity *id)
{
	uint8_t x[32];
	bool ok = vec_hex_fixed(c, field, x, sizeof(x)) && dm_identity_from_x25519(x, id) == 0;
	sodium_memzero(x, sizeof(x));
	return ok;
}

static bool wire_of(const json_t *c, struct wire *w)
{
	w->s = (char *)vec_hex(c, "expected_wire_hex", &w->len);
	return w->s != NULL;
}

static bool same_wire(const char *got, size_t got_len, const struct wire *want)
{
	return got_len == want->len && memcmp(got, want->s, got_len) == 0;
}

static bool str_eq(const char *want, const char *got, size_t got_len)
{
	return want != NULL && strlen(want) == got_len && memcmp(want, got, got_len) == 0;
}

/* Copies a JSON string into a fixed field; false if absent or too long. */
static bool put_str(const char *src, char *dst, size_t cap, size_t *ret_len)
{
	size_t n;

	if (src == NULL || (n = strlen(src)) >= cap)
		return false;
	memcpy(dst, src, n + 1);
	*ret_len = n;
	return true;
}

static uint64_t now_of(const json_t *c)
{
	return (uint64_t)vec_int(c, "verify_with_now", (long long)VEC_NOW);
}

/* ---- cluster_manifest.json ---------------------------------------------- */

static bool cluster_from_inputs(const json_t *in, struct dm_cluster *m)
{
	const json_t *nodes = json_object_get(in, "nodes"), *n;
	size_t i, len;

	memset(m, 0, sizeof(*m));
	m->seq = (uint64_t)vec_int(in, "seq", -1);
	m->exp = (uint64_t)vec_int(in, "exp", -1);
	if (!vec_hex_fixed(in, "operator_spk_hex", m->operator_spk, 32) ||
	    !put_str(vec_str(in, "cluster_name"), m->name, sizeof(m->name), &len) ||
	    !json_is_array(nodes) || json_array_size(nodes) > DM_CLUSTER_NODES_MAX)
		return false;
	m->name_len = (uint8_t)len;
	m->node_count = (uint8_t)json_array_size(nodes);
	json_array_foreach(nodes, i, n)
	{
		struct dm_cluster_node *d = &m->nodes[i];
		if (!put_str(vec_str(n, "node_id"), d->id, sizeof(d->id), &len))
			return false;
		d->id_len = (uint8_t)len;
		if (!put_str(vec_str(n, "http_endpoint"), d->http, sizeof(d->http), &len))
			return false;
		d->http_len = (uint16_t)len;
		if (vec_str(n, "dns_endpoint") != NULL) {
			if (!put_str(vec_str(n, "dns_endpoint"), d->dns, sizeof(d->dns), &len))
				return false;
			d->dns_len = (uint16_t)len;
		} else if (!json_is_null(json_object_get(n, "dns_endpoint"))) {
			return false;
		}
	}
	return true;
}

static bool cluster_equal(const struct dm_cluster *a, const struct dm_cluster *b)
{
	if (a->seq != b->seq || a->exp != b->exp || a->name_len != b->name_len ||
	    memcmp(a->name, b->name, a->name_len) != 0 || a->name_dot != b->name_dot ||
	    memcmp(a->operator_spk, b->operator_spk, 32) != 0 || a->node_count != b->node_count)
		return false;
	for (size_t i = 0; i < a->node_count; i++) {
		const struct dm_cluster_node *x = &a->nodes[i], *y = &b->nodes[i];
		if (x->id_len != y->id_len || memcmp(x->id, y->id, x->id_len) != 0 ||
		    x->http_len != y->http_len || memcmp(x->http, y->http, x->http_len) != 0 ||
		    x->dns_len != y->dns_len || memcmp(x->dns, y->dns, x->dns_len) != 0)
			return false;
	}
	return true;
}

static bool cluster_case(const json_t *root, const json_t *c, const char **why)
{
	static struct dm_cluster in, got;
	struct dm_identity op;
	struct wire w;
	char out[DM_CLUSTER_WIRE_MAX + 1];
	size_t out_len;
	const json_t *inputs = json_object_get(c, "inputs");
	const char *want_name = vec_str(c, "expected_parse_cluster_name");
	uint64_t now = now_of(c);
	bool ok = false;

	if (!key_of(c, "operator_seed_hex", &op) || !wire_of(c, &w))
		return *why = "seed / expected_wire_hex", false;
	if (json_is_integer(json_object_get(c, "wire_from_case"))) {
		const json_t *src = json_array_get(root, (size_t)vec_int(c, "wire_from_case", 0));
		struct wire sw;
		if (!wire_of(src, &sw))
			goto out;
		bool same = sw.len == w.len && memcmp(sw.s, w.s, w.len) == 0;
		free(sw.s);
		if (!same) {
			*why = "wire differs from wire_from_case";
			goto out;
		}
	}
	if (inputs != NULL) {
		if (!cluster_from_inputs(inputs, &in) ||
		    memcmp(in.operator_spk, op.ed_pk, 32) != 0) {
			*why = "inputs / operator key derived from the seed";
			goto out;
		}
		if (dm_cluster_sign(&in, op.ed_sk, out, sizeof(out), &out_len) != 0 ||
		    !same_wire(out, out_len, &w)) {
			*why = "signed wire differs from expected_wire_hex";
			goto out;
		}
	}
	if (vec_bool(c, "expected_multi_string", false) && w.len <= 255) {
		*why = "expected a multi-string (> 255 byte) value";
		goto out;
	}

	if (vec_str(c, "expected_parse_result") == NULL) {
		if (dm_cluster_parse(w.s, w.len, op.ed_pk, now, want_name,
				     want_name ? strlen(want_name) : 0, &got) != 0) {
			*why = "parse failed";
			goto out;
		}
		if ((uint64_t)vec_int(c, "expected_parse_seq", -1) != got.seq ||
		    !str_eq(want_name, got.name, got.name_len) || !cluster_equal(&in, &got)) {
			*why = "parsed fields differ from inputs";
			goto out;
		}
		ok = true;
	} else if (vec_str(c, "verify_with_operator_spk_hex") != NULL) {
		uint8_t other[32];
		if (!vec_hex_fixed(c, "verify_with_operator_spk_hex", other, 32) ||
		    dm_cluster_parse(w.s, w.len, other, now, NULL, 0, &got) != DM_ESIG) {
			*why = "wrong operator key not refused with DM_ESIG";
			goto out;
		}
		if (dm_cluster_parse(w.s, w.len, op.ed_pk, now, NULL, 0, &got) != 0) {
			*why = "wire does not verify under the right key";
			goto out;
		}
		ok = true;
	} else if (json_is_integer(json_object_get(c, "verify_with_now"))) {
		if (dm_cluster_parse(w.s, w.len, op.ed_pk, now, NULL, 0, &got) != DM_EEXPIRED) {
			*why = "expired manifest not refused with DM_EEXPIRED";
			goto out;
		}
		/* Expired means exp < now: at now == exp it still holds. */
		if (dm_cluster_parse(w.s, w.len, op.ed_pk, in.exp, NULL, 0, &got) != 0) {
			*why = "manifest refused at now == exp";
			goto out;
		}
		ok = true;
	} else {
		*why = "failure case of an unknown kind";
	}
out:
	free(w.s);
	dm_identity_wipe(&op);
	return ok;
}

/* ---- bootstrap_record.json ---------------------------------------------- */

static bool bootstrap_from_inputs(const json_t *in, struct dm_bootstrap *b)
{
	const json_t *entries = json_object_get(in, "entries"), *e;
	size_t i, len;

	memset(b, 0, sizeof(*b));
	b->seq = (uint64_t)vec_int(in, "seq", -1);
	b->exp = (uint64_t)vec_int(in, "exp", -1);
	if (!vec_hex_fixed(in, "signer_spk_hex", b->signer_spk, 32) ||
	    !put_str(vec_str(in, "user_domain"), b->domain, sizeof(b->domain), &len) ||
	    !json_is_array(entries) || json_array_size(entries) > DM_BOOTSTRAP_ENTRIES_MAX)
		return false;
	b->domain_len = (uint8_t)len;
	b->entry_count = (uint8_t)json_array_size(entries);
	json_array_foreach(entries, i, e)
	{
		struct dm_bootstrap_entry *d = &b->entries[i];
		d->priority = (uint16_t)vec_int(e, "priority", -1);
		if (!put_str(vec_str(e, "cluster_base_domain"), d->base, sizeof(d->base), &len) ||
		    !vec_hex_fixed(e, "operator_spk_hex", d->operator_spk, 32))
			return false;
		d->base_len = (uint8_t)len;
	}
	return true;
}

static bool bootstrap_equal(const struct dm_bootstrap *a, const struct dm_bootstrap *b)
{
	if (a->seq != b->seq || a->exp != b->exp || a->domain_len != b->domain_len ||
	    memcmp(a->domain, b->domain, a->domain_len) != 0 || a->domain_dot != b->domain_dot ||
	    memcmp(a->signer_spk, b->signer_spk, 32) != 0 || a->entry_count != b->entry_count)
		return false;
	for (size_t i = 0; i < a->entry_count; i++) {
		const struct dm_bootstrap_entry *x = &a->entries[i], *y = &b->entries[i];
		if (x->priority != y->priority || x->base_len != y->base_len ||
		    memcmp(x->base, y->base, x->base_len) != 0 ||
		    memcmp(x->operator_spk, y->operator_spk, 32) != 0)
			return false;
	}
	return true;
}

static bool bootstrap_case(const json_t *root, const json_t *c, const char **why)
{
	static struct dm_bootstrap in, got;
	struct dm_identity sg;
	struct wire w;
	char out[DM_BOOTSTRAP_WIRE_MAX + 1];
	size_t out_len;
	const json_t *inputs = json_object_get(c, "inputs");
	const char *want_dom = vec_str(c, "expected_parse_user_domain");
	uint64_t now = now_of(c);
	bool ok = false;

	if (!key_of(c, "signer_seed_hex", &sg) || !wire_of(c, &w))
		return *why = "seed / expected_wire_hex", false;
	if (json_is_integer(json_object_get(c, "wire_from_case"))) {
		const json_t *src = json_array_get(root, (size_t)vec_int(c, "wire_from_case", 0));
		struct wire sw;
		if (!wire_of(src, &sw))
			goto out;
		bool same = sw.len == w.len && memcmp(sw.s, w.s, w.len) == 0;
		free(sw.s);
		if (!same) {
			*why = "wire differs from wire_from_case";
			goto out;
		}
	}
	if (inputs != NULL) {
		if (!bootstrap_from_inputs(inputs, &in) ||
		    memcmp(in.signer_spk, sg.ed_pk, 32) != 0) {
			*why = "inputs / signer key derived from the seed";
			goto out;
		}
		if (dm_bootstrap_sign(&in, sg.ed_sk, out, sizeof(out), &out_len) != 0 ||
		    !same_wire(out, out_len, &w)) {
			*why = "signed wire differs from expected_wire_hex";
			goto out;
		}
	}
	if (vec_bool(c, "expected_multi_string", false) && w.len <= 255) {
		*why = "expected a multi-string (> 255 byte) value";
		goto out;
	}

	if (vec_str(c, "expected_parse_result") == NULL) {
		if (dm_bootstrap_parse(w.s, w.len, sg.ed_pk, now, want_dom,
				       want_dom ? strlen(want_dom) : 0, &got) != 0) {
			*why = "parse failed";
			goto out;
		}
		/* The inputs are already in priority order, so parse order equals them. */
		if ((uint64_t)vec_int(c, "expected_parse_seq", -1) != got.seq ||
		    !str_eq(want_dom, got.domain, got.domain_len) || !bootstrap_equal(&in, &got)) {
			*why = "parsed fields differ from inputs";
			goto out;
		}
		ok = true;
	} else if (vec_str(c, "verify_with_signer_spk_hex") != NULL) {
		uint8_t other[32];
		if (!vec_hex_fixed(c, "verify_with_signer_spk_hex", other, 32) ||
		    dm_bootstrap_parse(w.s, w.len, other, now, NULL, 0, &got) != DM_ESIG) {
			*why = "wrong signer key not refused with DM_ESIG";
			goto out;
		}
		if (dm_bootstrap_parse(w.s, w.len, sg.ed_pk, now, NULL, 0, &got) != 0) {
			*why = "wire does not verify under the right key";
			goto out;
		}
		ok = true;
	} else if (json_is_integer(json_object_get(c, "verify_with_now"))) {
		if (dm_bootstrap_parse(w.s, w.len, sg.ed_pk, now, NULL, 0, &got) != DM_EEXPIRED) {
			*why = "expired record not refused with DM_EEXPIRED";
			goto out;
		}
		if (dm_bootstrap_parse(w.s, w.len, sg.ed_pk, in.exp, NULL, 0, &got) != 0) {
			*why = "record refused at now == exp";
			goto out;
		}
		ok = true;
	} else {
		*why = "failure case of an unknown kind";
	}
out:
	free(w.s);
	dm_identity_wipe(&sg);
	return ok;
}

/* ---- rotation_record.json ----------------------------------------------- */

static bool rotation_from_inputs(const json_t *in, struct dm_rotation *r)
{
	size_t len;

	memset(r, 0, sizeof(*r));
	r->subject_type = (uint8_t)vec_int(in, "subject_type", 0);
	r->seq = (uint64_t)vec_int(in, "seq", -1);
	r->ts = (uint64_t)vec_int(in, "ts", -1);
	r->exp = (uint64_t)vec_int(in, "exp", -1);
	if (!put_str(vec_str(in, "subject"), r->subject, sizeof(r->subject), &len) ||
	    !vec_hex_fixed(in, "old_spk_hex", r->old_spk, 32) ||
	    !vec_hex_fixed(in, "new_spk_hex", r->new_spk, 32))
		return false;
	r->subject_len = (uint8_t)len;
	return true;
}

static bool rotation_equal(const struct dm_rotation *a, const struct dm_rotation *b)
{
	return a->subject_type == b->subject_type && a->subject_len == b->subject_len &&
	       memcmp(a->subject, b->subject, a->subject_len) == 0 &&
	       memcmp(a->old_spk, b->old_spk, 32) == 0 && memcmp(a->new_spk, b->new_spk, 32) == 0 &&
	       a->seq == b->seq && a->ts == b->ts && a->exp == b->exp;
}

/* The decoded body || sig_old || sig_new of a rotation value. */
static bool rotation_blob(const struct wire *w, uint8_t *blob, size_t cap, size_t *ret_len)
{
	return dm_record_decode(w->s, w->len, DM_PREFIX_ROTATION, DM_ROTATION_WIRE_MAX,
				DM_RECORD_B64_STRICT, blob, cap, ret_len) == 0 &&
	       *ret_len > 128;
}

/*
 * The forged case must differ from its source only in sig_new: same body,
 * same (valid) sig_old, and a sig_new that does not verify under new_spk.
 */
static bool only_sig_new_forged(const struct wire *forged, const struct wire *src,
				const uint8_t old_pk[32], const uint8_t new_pk[32])
{
	uint8_t a[DM_ROTATION_WIRE_MAX], b[DM_ROTATION_WIRE_MAX];
	size_t alen, blen;

	if (!rotation_blob(forged, a, sizeof(a), &alen) ||
	    !rotation_blob(src, b, sizeof(b), &blen) || alen != blen)
		return false;
	size_t body = alen - 128;
	return memcmp(a, b, body + 64) == 0 && memcmp(a + body + 64, b + body + 64, 64) != 0 &&
	       dm_ed25519_verify(a + body, a, body, old_pk) == 0 &&
	       dm_ed25519_verify(a + body + 64, a, body, new_pk) == DM_ESIG;
}

static bool rotation_case(const json_t *root, const json_t *c, const char **why)
{
	static struct dm_rotation in, got;
	struct dm_identity old_k, new_k;
	struct wire w;
	char out[DM_ROTATION_WIRE_MAX + 1];
	size_t out_len;
	const json_t *inputs = json_object_get(c, "inputs");
	const char *want_subject = vec_str(c, "expected_parse_subject");
	uint64_t now = now_of(c);
	bool ok = false;

	if (!key_of(c, "old_seed_hex", &old_k) || !key_of(c, "new_seed_hex", &new_k) ||
	    !wire_of(c, &w))
		return *why = "seeds / expected_wire_hex", false;
	if (inputs != NULL) {
		if (!rotation_from_inputs(inputs, &in) ||
		    memcmp(in.old_spk, old_k.ed_pk, 32) != 0 ||
		    memcmp(in.new_spk, new_k.ed_pk, 32) != 0) {
			*why = "inputs / keys derived from the seeds";
			goto out;
		}
		if (dm_rotation_sign(&in, old_k.ed_sk, new_k.ed_sk, out, sizeof(out), &out_len) !=
			0 ||
		    !same_wire(out, out_len, &w)) {
			*why = "signed wire differs from expected_wire_hex";
			goto out;
		}
	}

	if (vec_str(c, "expected_parse_result") == NULL) {
		if (dm_rotation_parse(w.s, w.len, now, old_k.ed_pk, want_subject,
				      want_subject ? strlen(want_subject) : 0, &got) != 0) {
			*why = "parse failed";
			goto out;
		}
		if ((uint64_t)vec_int(c, "expected_parse_seq", -1) != got.seq ||
		    !str_eq(want_subject, got.subject, got.subject_len) ||
		    !rotation_equal(&in, &got)) {
			*why = "parsed fields differ from inputs";
			goto out;
		}
		/* A different pinned old key or subject must not bind. */
		if (dm_rotation_parse(w.s, w.len, now, new_k.ed_pk, NULL, 0, &got) !=
			DM_EMISMATCH ||
		    dm_rotation_parse(w.s, w.len, now, NULL, "x", 1, &got) != DM_EMISMATCH) {
			*why = "expected old key / subject not enforced";
			goto out;
		}
		ok = true;
	} else if (json_is_integer(json_object_get(c, "wire_from_case"))) {
		const json_t *src = json_array_get(root, (size_t)vec_int(c, "wire_from_case", 0));
		struct wire sw;
		if (!wire_of(src, &sw))
			goto out;
		bool forged = only_sig_new_forged(&w, &sw, old_k.ed_pk, new_k.ed_pk);
		free(sw.s);
		if (!forged) {
			*why = "wire is not its source with only sig_new replaced";
			goto out;
		}
		if (dm_rotation_parse(w.s, w.len, now, NULL, NULL, 0, &got) != DM_ESIG) {
			*why = "forged sig_new not refused with DM_ESIG";
			goto out;
		}
		ok = true;
	} else if (json_is_integer(json_object_get(c, "verify_with_now"))) {
		if (dm_rotation_parse(w.s, w.len, now, NULL, NULL, 0, &got) != DM_EEXPIRED) {
			*why = "expired rotation not refused with DM_EEXPIRED";
			goto out;
		}
		if (dm_rotation_parse(w.s, w.len, in.exp, NULL, NULL, 0, &got) != 0) {
			*why = "rotation refused at now == exp";
			goto out;
		}
		ok = true;
	} else {
		*why = "failure case of an unknown kind";
	}
out:
	free(w.s);
	dm_identity_wipe(&old_k);
	dm_identity_wipe(&new_k);
	return ok;
}

/* ---- revocation_record.json --------------------------------------------- */

static bool revocation_from_inputs(const json_t *in, struct dm_revocation *r)
{
	size_t len;

	memset(r, 0, sizeof(*r));
	r->subject_type = (uint8_t)vec_int(in, "subject_type", 0);
	r->reason = (uint8_t)vec_int(in, "reason_code", 0);
	r->ts = (uint64_t)vec_int(in, "ts", -1);
	if (!put_str(vec_str(in, "subject"), r->subject, sizeof(r->subject), &len) ||
	    !vec_hex_fixed(in, "revoked_spk_hex", r->revoked_spk, 32))
		return false;
	r->subject_len = (uint8_t)len;
	return true;
}

static bool revocation_equal(const struct dm_revocation *a, const struct dm_revocation *b)
{
	return a->subject_type == b->subject_type && a->subject_len == b->subject_len &&
	       memcmp(a->subject, b->subject, a->subject_len) == 0 &&
	       memcmp(a->revoked_spk, b->revoked_spk, 32) == 0 && a->reason == b->reason &&
	       a->ts == b->ts;
}

static bool revocation_case(const json_t *root, const json_t *c, const char **why)
{
	static struct dm_revocation in, got;
	struct dm_identity k;
	struct wire w;
	char out[DM_REVOCATION_WIRE_MAX + 1];
	size_t out_len;
	const json_t *inputs = json_object_get(c, "inputs");
	const char *want_subject = vec_str(c, "expected_parse_subject");
	uint64_t now = now_of(c);
	bool ok = false;

	if (!key_of(c, "revoked_seed_hex", &k) || !wire_of(c, &w))
		return *why = "seed / expected_wire_hex", false;
	if (json_is_integer(json_object_get(c, "wire_from_case"))) {
		const json_t *src = json_array_get(root, (size_t)vec_int(c, "wire_from_case", 0));
		struct wire sw;
		if (!wire_of(src, &sw))
			goto out;
		bool same = sw.len == w.len && memcmp(sw.s, w.s, w.len) == 0;
		free(sw.s);
		if (!same) {
			*why = "wire differs from wire_from_case";
			goto out;
		}
	}
	if (inputs != NULL) {
		if (!revocation_from_inputs(inputs, &in) ||
		    memcmp(in.revoked_spk, k.ed_pk, 32) != 0) {
			*why = "inputs / key derived from the seed";
			goto out;
		}
		if (dm_revocation_sign(&in, k.ed_sk, out, sizeof(out), &out_len) != 0 ||
		    !same_wire(out, out_len, &w)) {
			*why = "signed wire differs from expected_wire_hex";
			goto out;
		}
	}

	if (vec_str(c, "expected_parse_result") == NULL) {
		if (dm_revocation_parse(w.s, w.len, now, k.ed_pk, want_subject,
					want_subject ? strlen(want_subject) : 0,
					DM_REVOCATION_NO_MAX_AGE, &got) != 0) {
			*why = "parse failed";
			goto out;
		}
		if (vec_int(c, "expected_parse_reason_code", -1) != got.reason ||
		    !str_eq(want_subject, got.subject, got.subject_len) ||
		    !revocation_equal(&in, &got)) {
			*why = "parsed fields differ from inputs";
			goto out;
		}
		/* ts may lead now by 300 s, not 301. */
		if (dm_revocation_parse(w.s, w.len, in.ts - 300, NULL, NULL, 0,
					DM_REVOCATION_NO_MAX_AGE, &got) != 0 ||
		    dm_revocation_parse(w.s, w.len, in.ts - 301, NULL, NULL, 0,
					DM_REVOCATION_NO_MAX_AGE, &got) != DM_EEXPIRED) {
			*why = "future-skew bound is not ts > now + 300";
			goto out;
		}
		ok = true;
	} else if (vec_str(c, "verify_with_expected_revoked_spk_hex") != NULL) {
		uint8_t other[32];
		if (!vec_hex_fixed(c, "verify_with_expected_revoked_spk_hex", other, 32) ||
		    dm_revocation_parse(w.s, w.len, now, other, NULL, 0, DM_REVOCATION_NO_MAX_AGE,
					&got) != DM_EMISMATCH) {
			*why = "wrong expected_revoked_spk not refused with DM_EMISMATCH";
			goto out;
		}
		if (dm_revocation_parse(w.s, w.len, now, k.ed_pk, NULL, 0, DM_REVOCATION_NO_MAX_AGE,
					&got) != 0) {
			*why = "wire refused under its own key";
			goto out;
		}
		ok = true;
	} else if (json_is_integer(json_object_get(c, "verify_with_max_age_seconds"))) {
		uint64_t max_age = (uint64_t)vec_int(c, "verify_with_max_age_seconds", 0);
		if (dm_revocation_parse(w.s, w.len, now, NULL, NULL, 0, max_age, &got) !=
		    DM_EEXPIRED) {
			*why = "stale revocation not refused under max_age";
			goto out;
		}
		/* Permanent-assertion model: without the cap the same wire is accepted. */
		if (dm_revocation_parse(w.s, w.len, now, NULL, NULL, 0, DM_REVOCATION_NO_MAX_AGE,
					&got) != 0 ||
		    dm_revocation_parse(w.s, w.len, in.ts + max_age, NULL, NULL, 0, max_age,
					&got) != 0) {
			*why = "revocation refused without a cap / at exactly max_age";
			goto out;
		}
		ok = true;
	} else {
		*why = "failure case of an unknown kind";
	}
out:
	free(w.s);
	dm_identity_wipe(&k);
	return ok;
}

/* ------------------------------------------------------------------------- */

typedef bool (*case_fn)(const json_t *root, const json_t *c, const char **why);

static int run_file(const char *file, case_fn fn)
{
	struct vec_tally t = {.file = file};
	json_t *root = vec_load(file);
	const json_t *c;
	size_t i;

	json_array_foreach(root, i, c)
	{
		const char *why = "?";
		char id[24];
		bool ok = fn(root, c, &why);
		snprintf(id, sizeof(id), "%zu", i);
		const char *desc = vec_str(c, "description");
		vec_case(&t, ok, id, "%s: %s", desc ? desc : "?", why);
	}
	json_decref(root);
	return vec_report(&t);
}

int main(void)
{
	int rc = 0;

	if (sodium_init() < 0)
		return 2;
	rc |= run_file("cluster_manifest.json", cluster_case);
	rc |= run_file("bootstrap_record.json", bootstrap_case);
	rc |= run_file("rotation_record.json", rotation_case);
	rc |= run_file("revocation_record.json", revocation_case);
	return rc;
}
