#include "common/dmp/rotation.h"

#include <sodium.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

static int encode_body(const struct dm_rotation *rot, uint8_t *out, size_t outcap, size_t *ret_len)
{
	struct dm_wbuf w;

	if (!dm_subject_ok(rot->subject_type, rot->subject, rot->subject_len))
		return DM_EINVAL;
	/* A rotation to the same key is a typo or a replay, never a real hand-over. */
	if (memcmp(rot->old_spk, rot->new_spk, DM_ED25519_PK_BYTES) == 0)
		return DM_EINVAL;
	dm_wbuf_init(&w, out, outcap);
	dm_wbuf_bytes(&w, DM_ROTATION_MAGIC, DM_ROTATION_MAGIC_LEN);
	dm_wbuf_u8(&w, rot->subject_type);
	dm_wbuf_u8(&w, rot->subject_len);
	dm_wbuf_bytes(&w, rot->subject, rot->subject_len);
	dm_wbuf_bytes(&w, rot->old_spk, DM_ED25519_PK_BYTES);
	dm_wbuf_bytes(&w, rot->new_spk, DM_ED25519_PK_BYTES);
	dm_wbuf_u64(&w, rot->seq);
	dm_wbuf_u64(&w, rot->ts);
	dm_wbuf_u64(&w, rot->exp);
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	*ret_len = w.len;
	return 0;
}

int dm_rotation_body_encode(const struct dm_rotation *rot, uint8_t *out, size_t outcap,
			    size_t *ret_len)
{
	return encode_body(rot, out, outcap, ret_len);
}

int dm_rotation_sign(const struct dm_rotation *rot, const uint8_t old_sk[DM_ED25519_SK_BYTES],
		     const uint8_t new_sk[DM_ED25519_SK_BYTES], char *out, size_t outcap,
		     size_t *ret_len)
{
	/* body || sig_old, so that the shared encoder appends sig_new. */
	uint8_t blob[DM_ROTATION_WIRE_MAX];
	uint8_t sig_new[DM_ED25519_SIG_BYTES];
	size_t body_len;
	int r;

	r = encode_body(rot, blob, sizeof(blob) - DM_ED25519_SIG_BYTES, &body_len);
	if (r < 0)
		return r;
	if (!dm_record_sk_matches(old_sk, rot->old_spk) ||
	    !dm_record_sk_matches(new_sk, rot->new_spk))
		return DM_EMISMATCH;
	dm_ed25519_sign(blob + body_len, blob, body_len, old_sk);
	dm_ed25519_sign(sig_new, blob, body_len, new_sk);
	return dm_record_encode(DM_PREFIX_ROTATION, blob, body_len + DM_ED25519_SIG_BYTES, sig_new,
				DM_ROTATION_WIRE_MAX, out, outcap, ret_len);
}

/* Decodes into `rot`, which the caller discards on failure. */
static int decode_body(const uint8_t *body, size_t len, struct dm_rotation *rot)
{
	struct dm_rbuf r;
	const uint8_t *magic;

	dm_rbuf_init(&r, body, len);
	magic = dm_rbuf_bytes(&r, DM_ROTATION_MAGIC_LEN);
	if (magic == NULL || memcmp(magic, DM_ROTATION_MAGIC, DM_ROTATION_MAGIC_LEN) != 0)
		return DM_EINVAL;
	rot->subject_type = dm_rbuf_u8(&r);
	rot->subject_len = dm_rbuf_u8(&r);
	if (!dm_rbuf_copy(&r, rot->subject, rot->subject_len))
		return DM_EINVAL;
	rot->subject[rot->subject_len] = '\0';
	(void)dm_rbuf_copy(&r, rot->old_spk, DM_ED25519_PK_BYTES);
	(void)dm_rbuf_copy(&r, rot->new_spk, DM_ED25519_PK_BYTES);
	rot->seq = dm_rbuf_u64(&r);
	rot->ts = dm_rbuf_u64(&r);
	rot->exp = dm_rbuf_u64(&r);
	if (!dm_rbuf_done(&r))
		return DM_EINVAL;
	if (!dm_subject_ok(rot->subject_type, rot->subject, rot->subject_len))
		return DM_EINVAL;
	if (memcmp(rot->old_spk, rot->new_spk, DM_ED25519_PK_BYTES) == 0)
		return DM_EINVAL;
	return 0;
}

int dm_rotation_body_decode(const uint8_t *body, size_t len, struct dm_rotation *ret)
{
	struct dm_rotation rot;
	int r;

	memset(&rot, 0, sizeof(rot));
	r = decode_body(body, len, &rot);
	if (r < 0)
		return r;
	*ret = rot;
	return 0;
}

int dm_rotation_parse(const char *wire, size_t len, uint64_t now,
		      const uint8_t expected_old_spk[DM_ED25519_PK_BYTES],
		      const char *expected_subject, size_t expected_subject_len,
		      struct dm_rotation *ret)
{
	uint8_t blob[DM_ROTATION_WIRE_MAX];
	struct dm_rotation rot;
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(wire, len, DM_PREFIX_ROTATION, DM_ROTATION_WIRE_MAX,
			     DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r == DM_ETOOBIG ? r : DM_EINVAL;
	if (blob_len < DM_ROTATION_MAGIC_LEN + 2 * DM_ED25519_SIG_BYTES)
		return DM_EINVAL;
	body_len = blob_len - 2 * DM_ED25519_SIG_BYTES;
	/* The keys to verify with are in the body, so it is decoded first. */
	memset(&rot, 0, sizeof(rot));
	r = decode_body(blob, body_len, &rot);
	if (r < 0)
		return r;
	r = dm_ed25519_verify(blob + body_len, blob, body_len, rot.old_spk);
	if (r < 0)
		return r;
	r = dm_ed25519_verify(blob + body_len + DM_ED25519_SIG_BYTES, blob, body_len, rot.new_spk);
	if (r < 0)
		return r;
	if (expected_old_spk != NULL &&
	    sodium_memcmp(rot.old_spk, expected_old_spk, DM_ED25519_PK_BYTES) != 0)
		return DM_EMISMATCH;
	if (expected_subject != NULL &&
	    !dm_subject_equal(rot.subject_type, rot.subject, rot.subject_len, expected_subject,
			      expected_subject_len))
		return DM_EMISMATCH;
	if (rot.exp < now)
		return DM_EEXPIRED;
	*ret = rot;
	return 0;
}
