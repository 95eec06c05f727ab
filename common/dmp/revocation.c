#include "common/dmp/revocation.h"

#include <sodium.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

static bool reason_ok(unsigned reason)
{
	return reason >= DM_REVOKE_COMPROMISE && reason <= DM_REVOKE_OTHER;
}

static int encode_body(const struct dm_revocation *rev, uint8_t *out, size_t outcap,
		       size_t *ret_len)
{
	struct dm_wbuf w;

	if (!dm_subject_ok(rev->subject_type, rev->subject, rev->subject_len) ||
	    !reason_ok(rev->reason))
		return DM_EINVAL;
	dm_wbuf_init(&w, out, outcap);
	dm_wbuf_bytes(&w, DM_REVOCATION_MAGIC, DM_REVOCATION_MAGIC_LEN);
	dm_wbuf_u8(&w, rev->subject_type);
	dm_wbuf_u8(&w, rev->subject_len);
	dm_wbuf_bytes(&w, rev->subject, rev->subject_len);
	dm_wbuf_bytes(&w, rev->revoked_spk, DM_ED25519_PK_BYTES);
	dm_wbuf_u8(&w, rev->reason);
	dm_wbuf_u64(&w, rev->ts);
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	*ret_len = w.len;
	return 0;
}

int dm_revocation_body_encode(const struct dm_revocation *rev, uint8_t *out, size_t outcap,
			      size_t *ret_len)
{
	return encode_body(rev, out, outcap, ret_len);
}

int dm_revocation_sign(const struct dm_revocation *rev, const uint8_t sk[DM_ED25519_SK_BYTES],
		       char *out, size_t outcap, size_t *ret_len)
{
	uint8_t body[DM_REVOCATION_WIRE_MAX];
	size_t body_len;
	int r;

	r = encode_body(rev, body, sizeof(body), &body_len);
	if (r < 0)
		return r;
	if (!dm_record_sk_matches(sk, rev->revoked_spk))
		return DM_EMISMATCH;
	return dm_record_sign_encode(DM_PREFIX_REVOCATION, body, body_len, sk,
				     DM_REVOCATION_WIRE_MAX, out, outcap, ret_len);
}

/* Decodes into `rev`, which the caller discards on failure. */
static int decode_body(const uint8_t *body, size_t len, struct dm_revocation *rev)
{
	struct dm_rbuf r;
	const uint8_t *magic;

	dm_rbuf_init(&r, body, len);
	magic = dm_rbuf_bytes(&r, DM_REVOCATION_MAGIC_LEN);
	if (magic == NULL || memcmp(magic, DM_REVOCATION_MAGIC, DM_REVOCATION_MAGIC_LEN) != 0)
		return DM_EINVAL;
	rev->subject_type = dm_rbuf_u8(&r);
	rev->subject_len = dm_rbuf_u8(&r);
	if (!dm_rbuf_copy(&r, rev->subject, rev->subject_len))
		return DM_EINVAL;
	rev->subject[rev->subject_len] = '\0';
	(void)dm_rbuf_copy(&r, rev->revoked_spk, DM_ED25519_PK_BYTES);
	rev->reason = dm_rbuf_u8(&r);
	rev->ts = dm_rbuf_u64(&r);
	if (!dm_rbuf_done(&r) || !reason_ok(rev->reason) ||
	    !dm_subject_ok(rev->subject_type, rev->subject, rev->subject_len))
		return DM_EINVAL;
	return 0;
}

int dm_revocation_body_decode(const uint8_t *body, size_t len, struct dm_revocation *ret)
{
	struct dm_revocation rev;
	int r;

	memset(&rev, 0, sizeof(rev));
	r = decode_body(body, len, &rev);
	if (r < 0)
		return r;
	*ret = rev;
	return 0;
}

int dm_revocation_parse(const char *wire, size_t len, uint64_t now,
			const uint8_t expected_spk[DM_ED25519_PK_BYTES],
			const char *expected_subject, size_t expected_subject_len, uint64_t max_age,
			struct dm_revocation *ret)
{
	uint8_t blob[DM_REVOCATION_WIRE_MAX];
	struct dm_revocation rev;
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(wire, len, DM_PREFIX_REVOCATION, DM_REVOCATION_WIRE_MAX,
			     DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r == DM_ETOOBIG ? r : DM_EINVAL;
	r = dm_record_split_sig(blob, blob_len, DM_REVOCATION_MAGIC_LEN, &body_len);
	if (r < 0)
		return r;
	/* Self-signed: the key to verify with is in the body, so it is decoded first. */
	memset(&rev, 0, sizeof(rev));
	r = decode_body(blob, body_len, &rev);
	if (r < 0)
		return r;
	r = dm_ed25519_verify(blob + body_len, blob, body_len, rev.revoked_spk);
	if (r < 0)
		return r;
	if (expected_spk != NULL &&
	    sodium_memcmp(rev.revoked_spk, expected_spk, DM_ED25519_PK_BYTES) != 0)
		return DM_EMISMATCH;
	if (expected_subject != NULL &&
	    !dm_subject_equal(rev.subject_type, rev.subject, rev.subject_len, expected_subject,
			      expected_subject_len))
		return DM_EMISMATCH;
	/* ts + max_age < now, without overflowing (the reference's ints are unbounded). */
	if (rev.ts < now && now - rev.ts > max_age)
		return DM_EEXPIRED;
	if (rev.ts > now && rev.ts - now > DM_REVOCATION_SKEW)
		return DM_EEXPIRED;
	*ret = rev;
	return 0;
}
