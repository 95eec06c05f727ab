#include "common/dmp/message.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/chunk.h"
#include "common/dmp/erasure.h"
#include "common/dmp/header.h"
#include "common/dmp/manifest.h"
#include "common/dmp/names.h"
#include "common/err.h"

/* Room for the fixed labels of a slot, chunk or prekeys name around a zone. */
#define NAME_EXTRA 64

/* ---- send ---------------------------------------------------------------- */

void dm_msg_records_free(struct dm_msg_records *recs)
{
	if (recs == NULL)
		return;
	for (size_t i = 0; i < recs->count; i++) {
		free(recs->items[i].name);
		free(recs->items[i].value);
	}
	free(recs->items);
	free(recs);
}

static char *name_buf(const char *zone, size_t *ret_cap)
{
	*ret_cap = strlen(zone) + NAME_EXTRA;
	return malloc(*ret_cap);
}

/* Wire value of the manifest, either form; `hashes` NULL for 0.4.4. */
static int sign_manifest(struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
			 const uint8_t sk[DM_ED25519_SK_BYTES], char **ret_value)
{
	size_t blob = DM_MANIFEST_BODY_BYTES + (size_t)m->hash_count * DM_MANIFEST_HASH_BYTES +
		      DM_ED25519_SIG_BYTES;
	size_t cap = sizeof(DM_PREFIX_MANIFEST) + 4 * ((blob + 2) / 3) + 1, len;
	char *out = malloc(cap);
	if (out == NULL)
		return DM_ENOMEM;
	int r = dm_manifest_sign(m, hashes, sk, out, cap, &len);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret_value = out;
	return 0;
}

/* The plaintext to encrypt: the text, or the text in the DMPv2 envelope. */
static int build_plaintext(const struct dm_send_params *p, uint8_t **ret_pt, size_t *ret_len)
{
	size_t cap = p->text_len + DM_ENVELOPE_OVERHEAD_MAX;
	uint8_t *pt = malloc(cap);
	if (pt == NULL)
		return DM_ENOMEM;
	int r = dm_envelope_encode(p->text, p->text_len, p->envelope_from, pt, cap, ret_len);
	if (r < 0) {
		free(pt);
		return r;
	}
	*ret_pt = pt;
	return 0;
}

/* Header, AAD, encryption and outer framing (§10 steps 1, 3, 4). */
static int build_outer(const struct dm_send_params *p, const uint8_t msg_id[16],
		       const uint8_t recipient_id[DM_USER_ID_BYTES], uint8_t **ret_outer,
		       size_t *ret_len)
{
	struct dm_header h = {
	    .version = 1,
	    .type = DM_MSG_DATA,
	    .total = 1, /* placeholder the reference never updates */
	    .chunk = 0,
	    .ts = (int64_t)p->now,
	    .ttl = p->ttl,
	};
	uint8_t aad[DM_HEADER_AAD_MAX];
	size_t aad_len, pt_len = 0, enc_len = 0, outer_cap;
	uint8_t *pt = NULL, *enc = NULL, *outer = NULL;
	int r;

	memcpy(h.msg_id, msg_id, sizeof(h.msg_id));
	memcpy(h.sender, p->sender->user_id, sizeof(h.sender));
	memcpy(h.recipient, recipient_id, sizeof(h.recipient));
	r = dm_header_aad(&h, p->prekey_id, aad, &aad_len);
	if (r < 0)
		return r;
	r = build_plaintext(p, &pt, &pt_len);
	if (r < 0)
		return r;
	r = DM_ENOMEM;
	enc = malloc(pt_len + DM_SEAL_OVERHEAD);
	if (enc == NULL)
		goto out;
	const uint8_t *to = p->prekey_id != 0 ? p->prekey_pub : p->recipient_x_pub;
	if (p->fixed != NULL)
		r = dm_seal_encrypt_det(p->fixed->eph_priv, p->fixed->nonce, to, pt, pt_len, aad,
					aad_len, enc, pt_len + DM_SEAL_OVERHEAD, &enc_len);
	else
		r = dm_seal_encrypt(to, pt, pt_len, aad, aad_len, enc, pt_len + DM_SEAL_OVERHEAD,
				    &enc_len);
	if (r < 0)
		goto out;
	outer_cap = dm_seal_outer_len(DM_HEADER_JSON_MAX, enc_len);
	outer = malloc(outer_cap);
	r = DM_ENOMEM;
	if (outer == NULL)
		goto out;
	r = dm_seal_outer_build(&h, enc, enc_len, outer, outer_cap, ret_len);
	if (r < 0)
		goto out;
	*ret_outer = outer;
	outer = NULL;
out:
	sodium_memzero(pt, pt_len);
	free(pt);
	free(enc);
	free(outer);
	return r;
}

static int add_record(struct dm_msg_records *recs, char *name, char *value, uint32_t ttl)
{
	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		return DM_ENOMEM;
	}
	recs->items[recs->count++] = (struct dm_msg_record){name, value, ttl};
	return 0;
}

int dm_message_send(const struct dm_send_params *p, struct dm_msg_records **ret_records)
{
	uint8_t msg_id[DM_MESSAGE_MSG_ID_BYTES], recipient_id[DM_USER_ID_BYTES];
	uint8_t(*hashes)[DM_MANIFEST_HASH_BYTES] = NULL;
	uint8_t *outer = NULL, *shares = NULL;
	size_t outer_len = 0, cap;
	unsigned k = 0, n = 0;
	char mk12[DM_NAME_KEY12_LEN + 1];
	struct dm_msg_records *recs = NULL;
	char *name = NULL, *value = NULL;
	int r;

	if (p->sender == NULL || p->zone == NULL || p->zone[0] == '\0' || p->ttl == 0 ||
	    (p->text == NULL && p->text_len != 0) || p->now > (uint64_t)INT64_MAX - p->ttl)
		return DM_EINVAL;
	if (p->fixed != NULL)
		memcpy(msg_id, p->fixed->msg_id, sizeof(msg_id));
	else
		randombytes_buf(msg_id, sizeof(msg_id));
	dm_user_id_of(p->recipient_x_pub, recipient_id);

	r = build_outer(p, msg_id, recipient_id, &outer, &outer_len);
	if (r < 0)
		return r;
	r = dm_erasure_encode(outer, outer_len, &shares, &k, &n);
	if (r < 0)
		goto out;
	r = DM_ENOMEM;
	recs = calloc(1, sizeof(*recs));
	if (recs == NULL || (recs->items = calloc((size_t)n + 1, sizeof(*recs->items))) == NULL)
		goto out;
	if (p->form == DM_MANIFEST_FORM_075 && (hashes = calloc(n, sizeof(*hashes))) == NULL)
		goto out;

	/* §10 step 6: chunks first, so the manifest never points at nothing. */
	dm_chunk_msg_key12(msg_id, recipient_id, p->sender->ed_pk, mk12);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *share = shares + (size_t)i * DM_ERASURE_BLOCK;
		name = name_buf(p->zone, &cap);
		value = malloc(DM_CHUNK_TXT_LEN + 1);
		r = DM_ENOMEM;
		if (name == NULL || value == NULL)
			goto fail_pair;
		r = dm_name_chunk(name, cap, i, mk12, p->zone, strlen(p->zone));
		if (r < 0)
			goto fail_pair;
		dm_chunk_txt(share, value);
		if (hashes != NULL) {
			uint8_t wire[DM_CHUNK_WIRE_LEN];
			dm_chunk_wrap(share, wire);
			crypto_hash_sha256(hashes[i], wire, sizeof(wire));
		}
		r = add_record(recs, name, value, p->ttl);
		name = value = NULL;
		if (r < 0)
			goto out;
	}

	struct dm_manifest m = {
	    .total_chunks = n,
	    .data_chunks = k,
	    .prekey_id = p->prekey_id,
	    .ts = p->now,
	    .exp = p->now + p->ttl,
	    .hash_count = hashes != NULL ? n : 0,
	};
	memcpy(m.msg_id, msg_id, sizeof(m.msg_id));
	memcpy(m.sender_spk, p->sender->ed_pk, sizeof(m.sender_spk));
	memcpy(m.recipient_id, recipient_id, sizeof(m.recipient_id));
	r = sign_manifest(&m, (const uint8_t(*)[DM_MANIFEST_HASH_BYTES])hashes, p->sender->ed_sk,
			  &value);
	if (r < 0)
		goto out;
	r = DM_ENOMEM;
	name = name_buf(p->zone, &cap);
	if (name == NULL)
		goto fail_pair;
	r = dm_name_slot(name, cap, recipient_id, dm_manifest_slot(msg_id), p->zone,
			 strlen(p->zone));
	if (r < 0)
		goto fail_pair;
	r = add_record(recs, name, value, p->ttl);
	name = value = NULL;
	if (r < 0)
		goto out;
	*ret_records = recs;
	recs = NULL;
	r = 0;
	goto out;
fail_pair:
	free(name);
	free(value);
out:
	dm_msg_records_free(recs);
	free(hashes);
	free(shares);
	free(outer);
	return r;
}

int dm_message_pick_prekey(const char *const *values, const size_t *lens, size_t count,
			   const uint8_t spk[DM_ED25519_PK_BYTES], uint64_t now,
			   struct dm_prekey *ret_prekey)
{
	struct dm_prekey pk, chosen = {0};
	uint32_t seen = 0;

	/* Reservoir sampling: uniform over the valid values in one pass. */
	for (size_t i = 0; i < count && seen < UINT32_MAX; i++) {
		if (dm_prekey_parse(values[i], lens[i], spk, now, &pk) < 0)
			continue;
		seen++;
		if (randombytes_uniform(seen) == 0)
			chosen = pk;
	}
	if (seen == 0)
		return DM_ENOTFOUND;
	*ret_prekey = chosen;
	return 0;
}

/* ---- receive ------------------------------------------------------------- */

int dm_txtset_add(struct dm_txtset *set, const char *value, size_t len)
{
	if (set->count >= DM_TXTSET_MAX_VALUES || len > DM_TXTSET_MAX_VALUE_LEN)
		return DM_ETOOBIG;
	if (set->count == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 4;
		char **nv = realloc(set->values, ncap * sizeof(*nv));
		if (nv == NULL)
			return DM_ENOMEM;
		set->values = nv;
		size_t *nl = realloc(set->lens, ncap * sizeof(*nl));
		if (nl == NULL)
			return DM_ENOMEM;
		set->lens = nl;
		set->cap = ncap;
	}
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return DM_ENOMEM;
	if (len)
		memcpy(copy, value, len);
	copy[len] = '\0';
	set->values[set->count] = copy;
	set->lens[set->count] = len;
	set->count++;
	return 0;
}

static void txtset_done(struct dm_txtset *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->values[i]);
	free(set->values);
	free(set->lens);
	memset(set, 0, sizeof(*set));
}

void dm_inbox_free(struct dm_inbox *inbox)
{
	if (inbox == NULL)
		return;
	for (size_t i = 0; i < inbox->count; i++) {
		sodium_memzero(inbox->msgs[i].plaintext, inbox->msgs[i].plaintext_len);
		free(inbox->msgs[i].plaintext);
	}
	free(inbox->msgs);
	free(inbox);
}

/* One receive run: the params plus scratch that lives across manifests. */
struct rx {
	const struct dm_recv_params *p;
	struct dm_inbox *inbox;
	size_t inbox_cap;
	uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES]; /* DM_MANIFEST_MAX_CHUNKS entries */
};

/* The shares held for one message (at most k, ascending id). */
struct shares {
	uint8_t *blk[DM_MANIFEST_MAX_CHUNKS];
	size_t len[DM_MANIFEST_MAX_CHUNKS];
	unsigned id[DM_MANIFEST_MAX_CHUNKS];
	size_t count;
};

static void shares_done(struct shares *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->blk[i]);
	s->count = 0;
}

static void lookup(const struct dm_recv_params *p, const char *name, struct dm_txtset *out)
{
	if (p->lookup(p->lookup_ctx, name, out) < 0)
		txtset_done(out);
}

static bool is_chunk_record(const struct dm_dns_record *rec)
{
	return rec->type_len == 5 && memcmp(rec->type, "chunk", 5) == 0;
}

static bool starts_dmp(const char *v, size_t len)
{
	return len >= 5 && memcmp(v, "v=dmp", 5) == 0;
}

/* §8.2 on a record's d= bytes; stores the block (any length) as share `id`. */
static int keep_share(struct shares *s, const struct dm_dns_record *rec, unsigned id)
{
	size_t cap = dm_chunk_unwrapped_max(rec->data_len), len;
	uint8_t *blk = malloc(cap ? cap : 1);
	if (blk == NULL)
		return DM_ENOMEM;
	if (dm_chunk_unwrap(rec->data, rec->data_len, blk, cap, &len) < 0) {
		free(blk);
		return DM_EINVAL;
	}
	s->blk[s->count] = blk;
	s->len[s->count] = len;
	s->id[s->count] = id;
	s->count++;
	return 0;
}

/*
 * Chooses chunk i's value. 0.4.4 form: the first value that starts "v=dmp"
 * and parses, refused unless its type is chunk. 0.7.5 form: the first chunk
 * value whose decoded d= bytes hash to the manifest's entry.
 */
static int fetch_one(struct rx *x, const struct dm_manifest *m, const struct dm_txtset *set,
		     unsigned i, struct shares *s)
{
	for (size_t v = 0; v < set->count; v++) {
		struct dm_dns_record rec;
		if (!starts_dmp(set->values[v], set->lens[v]) ||
		    dm_dns_record_parse(set->values[v], set->lens[v], &rec) < 0)
			continue;
		int r = DM_EINVAL;
		if (m->hash_count == 0) {
			if (is_chunk_record(&rec))
				r = keep_share(s, &rec, i);
			dm_dns_record_done(&rec);
			return r;
		}
		uint8_t h[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(h, rec.data, rec.data_len);
		if (is_chunk_record(&rec) && sodium_memcmp(h, x->hashes[i], sizeof(h)) == 0)
			r = keep_share(s, &rec, i);
		dm_dns_record_done(&rec);
		if (r == 0 || r == DM_ENOMEM)
			return r;
	}
	return DM_ENOTFOUND;
}

/* §11 steps 6-8: chunks from the manifest's zone, then the erasure decode. */
static int fetch_outer(struct rx *x, const struct dm_manifest *m, const char *zone,
		       uint8_t **ret_outer, size_t *ret_len)
{
	char mk12[DM_NAME_KEY12_LEN + 1];
	size_t cap;
	char *name = name_buf(zone, &cap);
	struct shares *s = calloc(1, sizeof(*s));
	int r = DM_ENOMEM;

	if (name == NULL || s == NULL)
		goto out;
	dm_chunk_msg_key12(m->msg_id, m->recipient_id, m->sender_spk, mk12);
	for (unsigned i = 0; i < m->total_chunks && s->count < m->data_chunks; i++) {
		struct dm_txtset set = {0};
		r = dm_name_chunk(name, cap, i, mk12, zone, strlen(zone));
		if (r < 0)
			goto out;
		lookup(x->p, name, &set);
		r = fetch_one(x, m, &set, i, s);
		txtset_done(&set);
		if (r == DM_ENOMEM)
			goto out;
	}
	r = DM_ENOTFOUND; /* step 7: not recorded as seen, a later poll retries */
	if (s->count < m->data_chunks)
		goto out;
	r = dm_erasure_decode(m->data_chunks, m->total_chunks, (const uint8_t *const *)s->blk,
			      s->len, s->id, s->count, ret_outer, ret_len);
out:
	if (s != NULL)
		shares_done(s);
	free(s);
	free(name);
	return r;
}

/* True when now > ts + ttl, computed without overflow. */
static bool header_stale(int64_t ts, int64_t ttl, uint64_t now)
{
	int64_t end;
	if (__builtin_add_overflow(ts, ttl, &end))
		return ttl < 0;
	return end < 0 || now > (uint64_t)end;
}

static bool spk_pinned(const struct dm_recv_params *p, const uint8_t spk[DM_ED25519_PK_BYTES])
{
	if (p->pinned_count == 0)
		return true; /* TOFU: no key pinned at all */
	for (size_t i = 0; i < p->pinned_count; i++)
		if (memcmp(p->pinned_spks[i], spk, DM_ED25519_PK_BYTES) == 0)
			return true;
	return false;
}

/* §11 step 12: the private key to decrypt with (one-time prekey or long-term). */
static int decrypt_key(const struct dm_recv_params *p, uint32_t prekey_id,
		       uint8_t ret_priv[DM_X25519_KEY_BYTES], uint64_t *ret_exp)
{
	if (prekey_id == 0) {
		memcpy(ret_priv, p->self->x_priv, DM_X25519_KEY_BYTES);
		return 0;
	}
	if (p->state.prekey == NULL)
		return DM_ENOTFOUND;
	uint8_t priv[DM_X25519_KEY_BYTES];
	uint64_t exp = 0;
	int r = p->state.prekey(p->state.ctx, prekey_id, p->now, priv, &exp);
	if (r == 0 && !(exp > p->now))
		r = DM_ENOTFOUND;
	if (r == 0) {
		memcpy(ret_priv, priv, sizeof(priv));
		*ret_exp = exp;
	}
	sodium_memzero(priv, sizeof(priv));
	return r < 0 ? r : 0;
}

/*
 * The exact prekey value we published for (id, priv, exp): Ed25519 is
 * deterministic, so re-signing reproduces it byte for byte.
 */
static int prekey_published(const struct dm_recv_params *p, uint32_t id,
			    const uint8_t priv[DM_X25519_KEY_BYTES], uint64_t exp, char **ret_name,
			    char ret_value[DM_PREKEY_VALUE_LEN + 1])
{
	struct dm_prekey pk = {.prekey_id = id, .exp = exp};
	size_t cap;
	char *name;

	if (p->username == NULL || p->domain == NULL)
		return DM_ENOTFOUND;
	name = name_buf(p->domain, &cap);
	if (name == NULL)
		return DM_ENOMEM;
	crypto_scalarmult_base(pk.x25519_pub, priv);
	if (dm_name_prekeys(name, cap, p->username, strlen(p->username), p->domain,
			    strlen(p->domain)) < 0 ||
	    dm_prekey_sign(&pk, p->self->ed_sk, ret_value) < 0) {
		free(name);
		return DM_EINVAL;
	}
	*ret_name = name;
	return 0;
}

static int inbox_push(struct rx *x, const struct dm_inbox_msg *msg)
{
	struct dm_inbox *in = x->inbox;
	if (in->count == x->inbox_cap) {
		size_t ncap = x->inbox_cap ? x->inbox_cap * 2 : 4;
		struct dm_inbox_msg *nm = realloc(in->msgs, ncap * sizeof(*nm));
		if (nm == NULL)
			return DM_ENOMEM;
		in->msgs = nm;
		x->inbox_cap = ncap;
	}
	in->msgs[in->count++] = *msg;
	return 0;
}

/* §11 steps 8-15 once the outer bytes are assembled. */
static int open_and_deliver(struct rx *x, const struct dm_manifest *m, size_t zone_index,
			    const uint8_t *outer, size_t outer_len)
{
	const struct dm_recv_params *p = x->p;
	struct dm_header h;
	const uint8_t *enc;
	size_t enc_len, aad_len, pt_len = 0;
	uint8_t aad[DM_HEADER_AAD_MAX], priv[DM_X25519_KEY_BYTES];
	uint64_t prekey_exp = 0;
	char *pk_name = NULL, pk_value[DM_PREKEY_VALUE_LEN + 1];
	uint8_t *pt = NULL;
	int r;

	if (dm_seal_outer_parse(outer, outer_len, &h, &enc, &enc_len) < 0 ||
	    enc_len < DM_SEAL_HDR_BYTES)
		return DM_EINVAL;
	if (memcmp(h.msg_id, m->msg_id, sizeof(h.msg_id)) != 0 ||
	    memcmp(h.recipient, m->recipient_id, sizeof(h.recipient)) != 0)
		return DM_EMISMATCH;
	if (header_stale(h.ts, h.ttl, p->now))
		return DM_EEXPIRED;
	r = dm_header_aad(&h, m->prekey_id, aad, &aad_len);
	if (r < 0)
		return r;
	r = decrypt_key(p, m->prekey_id, priv, &prekey_exp);
	if (r < 0)
		return r;
	pt = malloc(enc_len > DM_SEAL_OVERHEAD ? enc_len - DM_SEAL_OVERHEAD : 1);
	r = DM_ENOMEM;
	if (pt == NULL)
		goto out;
	r = dm_seal_decrypt(priv, enc, enc_len, aad, aad_len, pt,
			    enc_len > DM_SEAL_OVERHEAD ? enc_len - DM_SEAL_OVERHEAD : 0, &pt_len);
	if (r < 0)
		goto out;

	struct dm_recv_commit c = {
	    .sender_spk = m->sender_spk,
	    .msg_id = m->msg_id,
	    .replay_expiry = m->exp,
	    .prekey_id = m->prekey_id,
	};
	if (m->prekey_id != 0) {
		r = prekey_published(p, m->prekey_id, priv, prekey_exp, &pk_name, pk_value);
		if (r == DM_ENOMEM)
			goto out;
		if (r == 0) {
			c.prekey_name = pk_name;
			c.prekey_value = pk_value;
		}
	}
	struct dm_inbox_msg msg = {
	    .ts = h.ts,
	    .prekey_id = m->prekey_id,
	    .zone_index = zone_index,
	    .plaintext = pt,
	    .plaintext_len = pt_len,
	};
	memcpy(msg.sender_spk, m->sender_spk, sizeof(msg.sender_spk));
	memcpy(msg.msg_id, m->msg_id, sizeof(msg.msg_id));
	dm_envelope_decode(pt, pt_len, &msg.env);
	/* Reserve the inbox slot first so a commit is never followed by a loss. */
	r = inbox_push(x, &msg);
	if (r < 0)
		goto out;
	r = p->state.commit(p->state.ctx, &c);
	if (r < 0) {
		x->inbox->count--;
		goto out;
	}
	pt = NULL; /* owned by the inbox now */
	r = 0;
out:
	sodium_memzero(priv, sizeof(priv));
	if (pt != NULL) {
		sodium_memzero(pt, pt_len);
		free(pt);
	}
	free(pk_name);
	return r;
}

/* §11 for one TXT value found at a slot name. */
static int process_manifest(struct rx *x, size_t zone_index, const char *value, size_t len)
{
	const struct dm_recv_params *p = x->p;
	const char *zone = p->zones[zone_index];
	struct dm_manifest m;
	uint8_t *outer = NULL;
	size_t outer_len = 0;
	int r;

	/* Steps 1 and 3: parse, verify, refuse expired (now > exp). */
	r = dm_manifest_parse(value, len, p->now, x->hashes, DM_MANIFEST_MAX_CHUNKS, &m);
	if (r < 0)
		return r;
	if (memcmp(m.recipient_id, p->self->user_id, DM_USER_ID_BYTES) != 0)
		return DM_EMISMATCH;
	if (p->now > m.exp)
		return DM_EEXPIRED;
	if (!spk_pinned(p, m.sender_spk))
		return DM_ESIG;
	if (p->state.seen(p->state.ctx, m.sender_spk, m.msg_id, p->now))
		return DM_EREPLAY;
	r = fetch_outer(x, &m, zone, &outer, &outer_len);
	if (r < 0)
		return r;
	r = open_and_deliver(x, &m, zone_index, outer, outer_len);
	free(outer);
	return r;
}

static bool zone_polled_before(const struct dm_recv_params *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(p->zones[j], p->zones[i]) == 0)
			return true;
	return false;
}

static int poll_zone(struct rx *x, size_t zone_index)
{
	const struct dm_recv_params *p = x->p;
	const char *zone = p->zones[zone_index];
	size_t cap;
	char *name = name_buf(zone, &cap);

	if (name == NULL)
		return DM_ENOMEM;
	for (unsigned slot = 0; slot < DM_MESSAGE_SLOTS; slot++) {
		struct dm_txtset set = {0};
		if (dm_name_slot(name, cap, p->self->user_id, slot, zone, strlen(zone)) < 0)
			break; /* an unusable zone yields nothing */
		lookup(p, name, &set);
		for (size_t v = 0; v < set.count; v++) {
			if (process_manifest(x, zone_index, set.values[v], set.lens[v]) ==
			    DM_ENOMEM) {
				txtset_done(&set);
				free(name);
				return DM_ENOMEM;
			}
		}
		txtset_done(&set);
	}
	free(name);
	return 0;
}

int dm_message_receive(const struct dm_recv_params *p, struct dm_inbox **ret_inbox)
{
	struct rx x = {.p = p};
	int r = 0;

	if (p->self == NULL || p->lookup == NULL || p->state.seen == NULL ||
	    p->state.commit == NULL || (p->zones == NULL && p->zone_count != 0) ||
	    (p->pinned_spks == NULL && p->pinned_count != 0))
		return DM_EINVAL;
	for (size_t i = 0; i < p->zone_count; i++)
		if (p->zones[i] == NULL)
			return DM_EINVAL;
	x.inbox = calloc(1, sizeof(*x.inbox));
	x.hashes = malloc(DM_MANIFEST_MAX_CHUNKS * sizeof(*x.hashes));
	if (x.inbox == NULL || x.hashes == NULL) {
		r = DM_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < p->zone_count; i++) {
		if (zone_polled_before(p, i))
			continue;
		r = poll_zone(&x, i);
		if (r < 0)
			break;
	}
	/* Committed messages must reach the caller: after a late failure, hand
	 * back what was delivered; the rest is retried by the next poll. */
	if (r < 0 && x.inbox->count == 0)
		goto fail;
	free(x.hashes);
	*ret_inbox = x.inbox;
	return 0;
fail:
	free(x.hashes);
	dm_inbox_free(x.inbox);
	return r;
}
