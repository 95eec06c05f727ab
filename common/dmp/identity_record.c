/* Identity record (wire.md §12.1, §16). */
#include "common/dmp/identity_record.h"

#include <string.h>

#include "common/buf.h"
#include "common/err.h"

#define FIXED_AFTER_NAME (DM_IDENTITY_X25519_BYTES + DM_ED25519_PK_BYTES + 8)
#define BODY_MAX	 (1 + DM_IDENTITY_USERNAME_MAX + FIXED_AFTER_NAME + 1 + DM_IDENTITY_VERSIONS_MAX)

int dm_identity_record_init(struct dm_identity_record *rec, const char *username,
			    size_t username_len, const uint8_t x25519_pub[DM_IDENTITY_X25519_BYTES],
			    const uint8_t ed25519_spk[DM_ED25519_PK_BYTES], uint64_t ts)
{
	if (username_len < 1 || username_len > DM_IDENTITY_USERNAME_MAX ||
	    !dm_record_utf8_valid((const uint8_t *)username, username_len))
		return DM_EINVAL;
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->username, username, username_len);
	rec->username_len = username_len;
	memcpy(rec->x25519_pub, x25519_pub, DM_IDENTITY_X25519_BYTES);
	memcpy(rec->ed25519_spk, ed25519_spk, DM_ED25519_PK_BYTES);
	rec->ts = ts;
	rec->versions_count = 1;
	rec->versions[0] = 1;
	return 0;
}

static bool versions_ok(const uint8_t *v, size_t n)
{
	if (n < 1 || n > DM_IDENTITY_VERSIONS_MAX)
		return false;
	for (size_t i = 1; i < n; i++)
		if (v[i] <= v[i - 1])
			return false;
	return true;
}

static bool versions_default(const struct dm_identity_record *rec)
{
	return rec->versions_count == 1 && rec->versions[0] == 1;
}

static int build_body(const struct dm_identity_record *rec, uint8_t body[BODY_MAX], size_t *ret_len)
{
	struct dm_wbuf w;

	if (rec->username_len < 1 || rec->username_len > DM_IDENTITY_USERNAME_MAX ||
	    !dm_record_utf8_valid((const uint8_t *)rec->username, rec->username_len) ||
	    !versions_ok(rec->versions, rec->versions_count))
		return DM_EINVAL;
	dm_wbuf_init(&w, body, BODY_MAX);
	dm_wbuf_u8(&w, (uint8_t)rec->username_len);
	dm_wbuf_bytes(&w, rec->username, rec->username_len);
	dm_wbuf_bytes(&w, rec->x25519_pub, sizeof(rec->x25519_pub));
	dm_wbuf_bytes(&w, rec->ed25519_spk, sizeof(rec->ed25519_spk));
	dm_wbuf_u64(&w, rec->ts);
	/* 0.4.4 readers reject any suffix: only pay that cost when needed. */
	if (!versions_default(rec)) {
		dm_wbuf_u8(&w, (uint8_t)rec->versions_count);
		dm_wbuf_bytes(&w, rec->versions, rec->versions_count);
	}
	if (!dm_wbuf_ok(&w))
		return DM_EINVAL;
	*ret_len = w.len;
	return 0;
}

int dm_identity_record_sign(struct dm_identity_record *rec, const uint8_t sk[DM_ED25519_SK_BYTES],
			    char *out, size_t outcap, size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	uint8_t sig[DM_ED25519_SIG_BYTES];
	size_t body_len;
	int r;

	if (!dm_record_sk_matches(sk, rec->ed25519_spk))
		return DM_EINVAL;
	r = build_body(rec, body, &body_len);
	if (r < 0)
		return r;
	dm_ed25519_sign(sig, body, body_len, sk);
	r = dm_record_encode(DM_PREFIX_IDENTITY, body, body_len, sig, DM_RECORD_CAP_NONE, out,
			     outcap, ret_len);
	if (r == 0)
		memcpy(rec->sig, sig, sizeof(sig));
	return r;
}

int dm_identity_record_encode(const struct dm_identity_record *rec, char *out, size_t outcap,
			      size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	size_t body_len;
	int r;

	r = build_body(rec, body, &body_len);
	if (r < 0)
		return r;
	return dm_record_encode(DM_PREFIX_IDENTITY, body, body_len, rec->sig, DM_RECORD_CAP_NONE,
				out, outcap, ret_len);
}

int dm_identity_record_parse(const char *value, size_t len, struct dm_identity_record *ret)
{
	uint8_t blob[BODY_MAX + DM_ED25519_SIG_BYTES];
	struct dm_identity_record rec;
	struct dm_rbuf rd;
	size_t blob_len, body_len, name_len, fixed_len;
	int r;

	r = dm_record_decode(value, len, DM_PREFIX_IDENTITY, DM_RECORD_CAP_NONE,
			     DM_RECORD_B64_LENIENT, blob, sizeof(blob), &blob_len);
	if (r == DM_ETOOBIG)
		return DM_EINVAL; /* longer than any well-formed record */
	if (r < 0)
		return r;
	r = dm_record_split_sig(blob, blob_len, 1 + FIXED_AFTER_NAME + 1, &body_len);
	if (r < 0)
		return r;

	memset(&rec, 0, sizeof(rec));
	name_len = blob[0];
	if (name_len < 1 || name_len > DM_IDENTITY_USERNAME_MAX)
		return DM_EINVAL;
	fixed_len = 1 + name_len + FIXED_AFTER_NAME;
	if (body_len < fixed_len)
		return DM_EINVAL;
	dm_rbuf_init(&rd, blob, body_len);
	(void)dm_rbuf_u8(&rd);
	dm_rbuf_copy(&rd, rec.username, name_len);
	rec.username_len = name_len;
	dm_rbuf_copy(&rd, rec.x25519_pub, sizeof(rec.x25519_pub));
	dm_rbuf_copy(&rd, rec.ed25519_spk, sizeof(rec.ed25519_spk));
	rec.ts = dm_rbuf_u64(&rd);
	if (dm_rbuf_left(&rd) == 0) {
		rec.versions_count = 1;
		rec.versions[0] = 1;
	} else {
		rec.versions_count = dm_rbuf_u8(&rd);
		if (!dm_rbuf_copy(&rd, rec.versions, rec.versions_count))
			return DM_EINVAL;
		/* Writers omit {1}; refusing the spelled-out form keeps one
		 * encoding per record, so a re-emitted record is the same value. */
		if (versions_default(&rec))
			return DM_EINVAL;
	}
	if (!dm_rbuf_done(&rd) || !versions_ok(rec.versions, rec.versions_count) ||
	    !dm_record_utf8_valid((const uint8_t *)rec.username, name_len))
		return DM_EINVAL;
	memcpy(rec.sig, blob + body_len, sizeof(rec.sig));
	r = dm_ed25519_verify(rec.sig, blob, body_len, rec.ed25519_spk);
	if (r < 0)
		return r;
	*ret = rec;
	return 0;
}

bool dm_identity_record_has_version(const struct dm_identity_record *rec, uint8_t v)
{
	for (size_t i = 0; i < rec->versions_count; i++)
		if (rec->versions[i] == v)
			return true;
	return false;
}

int dm_identity_record_check_address(const struct dm_identity_record *rec, const char *address,
				     size_t len)
{
	const uint8_t *a = (const uint8_t *)address;
	const uint8_t *at;
	size_t uoff = 0, ulen, hoff, hlen;

	if (!dm_record_utf8_valid(a, len))
		return DM_EINVAL;
	at = memchr(a, '@', len);
	if (at == NULL)
		return DM_EINVAL;
	ulen = (size_t)(at - a);
	hoff = ulen + 1;
	hlen = len - hoff;
	dm_record_py_strip(address, &uoff, &ulen);
	dm_record_py_strip(address, &hoff, &hlen);
	while (hlen > 0 && a[hoff + hlen - 1] == '.')
		hlen--;
	if (ulen == 0 || hlen == 0)
		return DM_EINVAL;
	if (ulen != rec->username_len || memcmp(a + uoff, rec->username, ulen) != 0)
		return DM_EMISMATCH;
	return 0;
}
