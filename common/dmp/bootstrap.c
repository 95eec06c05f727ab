#include "common/dmp/bootstrap.h"

#include <sodium.h>
#include <string.h>

#include "common/buf.h"
#include "common/dmp/names.h"
#include "common/dmp/subject.h"
#include "common/err.h"

/* magic + seq + exp + signer_spk + domain_len */
#define FIXED_HEAD (DM_BOOTSTRAP_MAGIC_LEN + 8 + 8 + DM_ED25519_PK_BYTES + 1)

/*
 * The span of a domain to serialise. Signing (`canonical`) accepts one
 * trailing dot and drops it; exact encoding wants the dot-less form and
 * takes the dot from `dot`.
 */
static bool domain_span(const char *s, size_t len, bool dot, bool canonical, size_t *ret_len,
			bool *ret_dot)
{
	if (len > DM_BOOTSTRAP_DOMAIN_MAX + (canonical ? 1 : 0) ||
	    !dm_dns_name_strict_ok(s, len, DM_BOOTSTRAP_DOMAIN_MAX))
		return false;
	if (s[len - 1] == '.') {
		if (!canonical)
			return false;
		len--;
	}
	*ret_len = len;
	*ret_dot = canonical ? false : dot;
	return true;
}

/* SMTP-MX-like ties are fine; the same (priority, base) twice is a publisher bug. */
static bool entries_unique(const struct dm_bootstrap_entry *e, const size_t *base_len, size_t count)
{
	for (size_t i = 1; i < count; i++)
		for (size_t j = 0; j < i; j++)
			if (e[i].priority == e[j].priority &&
			    dm_dns_name_equal(e[i].base, base_len[i], e[j].base, base_len[j]))
				return false;
	return true;
}

/* Stable order by priority: insertion sort of indices (at most 16). */
static void sort_order(const struct dm_bootstrap_entry *e, size_t count, size_t *order)
{
	for (size_t i = 0; i < count; i++) {
		size_t k = i;
		while (k > 0 && e[order[k - 1]].priority > e[i].priority) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
}

static int encode_body(const struct dm_bootstrap *b, bool canonical, uint8_t *out, size_t outcap,
		       size_t *ret_len)
{
	size_t order[DM_BOOTSTRAP_ENTRIES_MAX], base_len[DM_BOOTSTRAP_ENTRIES_MAX];
	bool base_dot[DM_BOOTSTRAP_ENTRIES_MAX];
	size_t domain_len;
	bool domain_dot;
	struct dm_wbuf w;

	if (!domain_span(b->domain, b->domain_len, b->domain_dot, canonical, &domain_len,
			 &domain_dot))
		return DM_EINVAL;
	if (b->entry_count > DM_BOOTSTRAP_ENTRIES_MAX)
		return DM_ETOOBIG;
	if (b->entry_count == 0)
		return DM_EINVAL;
	for (size_t i = 0; i < b->entry_count; i++) {
		const struct dm_bootstrap_entry *e = &b->entries[i];
		if (!domain_span(e->base, e->base_len, e->base_dot, canonical, &base_len[i],
				 &base_dot[i]))
			return DM_EINVAL;
		order[i] = i;
	}
	if (!entries_unique(b->entries, base_len, b->entry_count))
		return DM_EINVAL;
	if (canonical)
		sort_order(b->entries, b->entry_count, order);

	dm_wbuf_init(&w, out, outcap);
	dm_wbuf_bytes(&w, DM_BOOTSTRAP_MAGIC, DM_BOOTSTRAP_MAGIC_LEN);
	dm_wbuf_u64(&w, b->seq);
	dm_wbuf_u64(&w, b->exp);
	dm_wbuf_bytes(&w, b->signer_spk, DM_ED25519_PK_BYTES);
	dm_wbuf_u8(&w, (uint8_t)(domain_len + domain_dot));
	dm_wbuf_bytes(&w, b->domain, domain_len);
	if (domain_dot)
		dm_wbuf_u8(&w, '.');
	dm_wbuf_u8(&w, b->entry_count);
	for (size_t i = 0; i < b->entry_count; i++) {
		size_t k = order[i];
		const struct dm_bootstrap_entry *e = &b->entries[k];
		dm_wbuf_u16(&w, e->priority);
		dm_wbuf_u8(&w, (uint8_t)(base_len[k] + base_dot[k]));
		dm_wbuf_bytes(&w, e->base, base_len[k]);
		if (base_dot[k])
			dm_wbuf_u8(&w, '.');
		dm_wbuf_bytes(&w, e->operator_spk, DM_ED25519_PK_BYTES);
	}
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	*ret_len = w.len;
	return 0;
}

int dm_bootstrap_body_encode(const struct dm_bootstrap *b, uint8_t *out, size_t outcap,
			     size_t *ret_len)
{
	return encode_body(b, false, out, outcap, ret_len);
}

int dm_bootstrap_sign(const struct dm_bootstrap *b, const uint8_t sk[DM_ED25519_SK_BYTES],
		      char *out, size_t outcap, size_t *ret_len)
{
	/* Any body over the wire cap is refused, so this bounds what is worth encoding. */
	uint8_t body[DM_BOOTSTRAP_WIRE_MAX];
	size_t body_len;
	int r;

	r = encode_body(b, true, body, sizeof(body), &body_len);
	if (r < 0)
		return r;
	if (!dm_record_sk_matches(sk, b->signer_spk))
		return DM_EMISMATCH;
	return dm_record_sign_encode(DM_PREFIX_BOOTSTRAP, body, body_len, sk, DM_BOOTSTRAP_WIRE_MAX,
				     out, outcap, ret_len);
}

/* Reads a u8-length domain into `s` (dot-less, NUL-terminated) and its dot flag. */
static bool decode_domain(struct dm_rbuf *r, char *s, uint8_t *ret_len, bool *ret_dot)
{
	size_t len = dm_rbuf_u8(r);
	const uint8_t *p = dm_rbuf_bytes(r, len);

	/* §3.1 bounds the length (<= 64, or 65 with the trailing dot) and rejects "..". */
	if (p == NULL || !dm_dns_name_strict_ok((const char *)p, len, DM_BOOTSTRAP_DOMAIN_MAX))
		return false;
	*ret_dot = p[len - 1] == '.';
	len -= *ret_dot;
	memcpy(s, p, len);
	s[len] = '\0';
	*ret_len = (uint8_t)len;
	return true;
}

/* Decodes into `b`, which the caller discards on failure. */
static int decode_body(const uint8_t *body, size_t len, struct dm_bootstrap *b)
{
	size_t base_len[DM_BOOTSTRAP_ENTRIES_MAX];
	struct dm_rbuf r;
	const uint8_t *magic;

	if (len < FIXED_HEAD)
		return DM_EINVAL;
	dm_rbuf_init(&r, body, len);
	magic = dm_rbuf_bytes(&r, DM_BOOTSTRAP_MAGIC_LEN);
	if (magic == NULL || memcmp(magic, DM_BOOTSTRAP_MAGIC, DM_BOOTSTRAP_MAGIC_LEN) != 0)
		return DM_EINVAL;
	b->seq = dm_rbuf_u64(&r);
	b->exp = dm_rbuf_u64(&r);
	if (!dm_rbuf_copy(&r, b->signer_spk, DM_ED25519_PK_BYTES) ||
	    !decode_domain(&r, b->domain, &b->domain_len, &b->domain_dot))
		return DM_EINVAL;
	b->entry_count = dm_rbuf_u8(&r);
	if (r.err || b->entry_count == 0 || b->entry_count > DM_BOOTSTRAP_ENTRIES_MAX)
		return DM_EINVAL;
	for (size_t i = 0; i < b->entry_count; i++) {
		struct dm_bootstrap_entry *e = &b->entries[i];
		e->priority = dm_rbuf_u16(&r);
		if (!decode_domain(&r, e->base, &e->base_len, &e->base_dot) ||
		    !dm_rbuf_copy(&r, e->operator_spk, DM_ED25519_PK_BYTES))
			return DM_EINVAL;
		base_len[i] = e->base_len;
	}
	if (!dm_rbuf_done(&r) || !entries_unique(b->entries, base_len, b->entry_count))
		return DM_EINVAL;
	return 0;
}

int dm_bootstrap_body_decode(const uint8_t *body, size_t len, struct dm_bootstrap *ret)
{
	struct dm_bootstrap b;
	int r;

	memset(&b, 0, sizeof(b));
	r = decode_body(body, len, &b);
	if (r < 0)
		return r;
	*ret = b;
	return 0;
}

int dm_bootstrap_parse(const char *wire, size_t len, const uint8_t signer_spk[DM_ED25519_PK_BYTES],
		       uint64_t now, const char *expected_domain, size_t expected_len,
		       struct dm_bootstrap *ret)
{
	uint8_t blob[DM_BOOTSTRAP_WIRE_MAX];
	size_t order[DM_BOOTSTRAP_ENTRIES_MAX];
	struct dm_bootstrap b;
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(wire, len, DM_PREFIX_BOOTSTRAP, DM_BOOTSTRAP_WIRE_MAX,
			     DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r == DM_ETOOBIG ? r : DM_EINVAL;
	r = dm_record_split_sig(blob, blob_len, DM_BOOTSTRAP_MAGIC_LEN, &body_len);
	if (r < 0)
		return r;
	/* The pinned key is the trust anchor: nothing in the body is read before this. */
	r = dm_ed25519_verify(blob + body_len, blob, body_len, signer_spk);
	if (r < 0)
		return r;
	memset(&b, 0, sizeof(b));
	r = decode_body(blob, body_len, &b);
	if (r < 0)
		return r;
	if (sodium_memcmp(b.signer_spk, signer_spk, DM_ED25519_PK_BYTES) != 0)
		return DM_EMISMATCH;
	if (b.exp < now)
		return DM_EEXPIRED;
	if (expected_domain != NULL &&
	    !dm_dns_name_equal(b.domain, b.domain_len, expected_domain, expected_len))
		return DM_EMISMATCH;
	/* A validly signed but mis-ordered record still yields a deterministic entries[0]. */
	sort_order(b.entries, b.entry_count, order);
	*ret = b;
	for (size_t i = 0; i < b.entry_count; i++)
		ret->entries[i] = b.entries[order[i]];
	return 0;
}
