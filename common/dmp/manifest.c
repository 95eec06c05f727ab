/* Slot manifest (wire.md §9, §16). */
#include "common/dmp/manifest.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/err.h"

#define BLOB_MAX                                                                                   \
	(DM_MANIFEST_BODY_BYTES + DM_MANIFEST_MAX_CHUNKS * DM_MANIFEST_HASH_BYTES +                \
	 DM_ED25519_SIG_BYTES)

unsigned dm_manifest_slot(const uint8_t msg_id[DM_MANIFEST_MSG_ID_BYTES])
{
	return dm_load_be32(msg_id) % DM_MANIFEST_SLOTS;
}

static bool counts_ok(uint32_t n, uint32_t k)
{
	return k >= 1 && k <= n && n <= DM_MANIFEST_MAX_CHUNKS;
}

/* Serialises the body (fixed part + hashes) into `body` (capacity BLOB_MAX). */
static int build_body(const struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		      uint8_t *body, size_t *ret_len)
{
	struct dm_wbuf w;

	if (!counts_ok(m->total_chunks, m->data_chunks))
		return DM_EINVAL;
	if (m->hash_count != 0 && (m->hash_count != m->total_chunks || hashes == NULL))
		return DM_EINVAL;
	dm_wbuf_init(&w, body, BLOB_MAX - DM_ED25519_SIG_BYTES);
	dm_wbuf_bytes(&w, m->msg_id, sizeof(m->msg_id));
	dm_wbuf_bytes(&w, m->sender_spk, sizeof(m->sender_spk));
	dm_wbuf_bytes(&w, m->recipient_id, sizeof(m->recipient_id));
	dm_wbuf_u32(&w, m->total_chunks);
	dm_wbuf_u32(&w, m->data_chunks);
	dm_wbuf_u32(&w, m->prekey_id);
	dm_wbuf_u64(&w, m->ts);
	dm_wbuf_u64(&w, m->exp);
	for (uint32_t i = 0; i < m->hash_count; i++)
		dm_wbuf_bytes(&w, hashes[i], DM_MANIFEST_HASH_BYTES);
	if (!dm_wbuf_ok(&w))
		return DM_EINVAL;
	*ret_len = w.len;
	return 0;
}

static int emit(const struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		const uint8_t sk[DM_ED25519_SK_BYTES], uint8_t ret_sig[DM_ED25519_SIG_BYTES],
		char *out, size_t outcap, size_t *ret_len)
{
	uint8_t sig[DM_ED25519_SIG_BYTES];
	uint8_t *body;
	size_t body_len;
	int r;

	/* Up to 32 KiB: too big for every caller's stack. */
	body = malloc(BLOB_MAX);
	if (body == NULL)
		return DM_ENOMEM;
	r = build_body(m, hashes, body, &body_len);
	if (r < 0)
		goto done;
	if (sk != NULL)
		dm_ed25519_sign(sig, body, body_len, sk);
	else
		memcpy(sig, m->sig, sizeof(sig));
	r = dm_record_encode(DM_PREFIX_MANIFEST, body, body_len, sig, DM_RECORD_CAP_NONE, out,
			     outcap, ret_len);
	if (r == 0 && ret_sig != NULL)
		memcpy(ret_sig, sig, sizeof(sig));
done:
	free(body);
	return r;
}

int dm_manifest_sign(struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		     const uint8_t sk[DM_ED25519_SK_BYTES], char *out, size_t outcap,
		     size_t *ret_len)
{
	if (!dm_record_sk_matches(sk, m->sender_spk))
		return DM_EINVAL;
	return emit(m, hashes, sk, m->sig, out, outcap, ret_len);
}

int dm_manifest_encode(const struct dm_manifest *m, const uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES],
		       char *out, size_t outcap, size_t *ret_len)
{
	return emit(m, hashes, NULL, NULL, out, outcap, ret_len);
}

int dm_manifest_parse(const char *value, size_t len, uint64_t now,
		      uint8_t (*hashes)[DM_MANIFEST_HASH_BYTES], size_t hashes_cap,
		      struct dm_manifest *ret)
{
	struct dm_manifest m;
	struct dm_rbuf rd;
	uint8_t *blob;
	size_t blob_len, body_len, extra;
	int r;

	blob = malloc(BLOB_MAX);
	if (blob == NULL)
		return DM_ENOMEM;
	r = dm_record_decode(value, len, DM_PREFIX_MANIFEST, DM_RECORD_CAP_NONE,
			     DM_RECORD_B64_LENIENT, blob, BLOB_MAX, &blob_len);
	if (r < 0)
		goto done;
	r = dm_record_split_sig(blob, blob_len, DM_MANIFEST_BODY_BYTES, &body_len);
	if (r < 0)
		goto done;
	extra = body_len - DM_MANIFEST_BODY_BYTES;
	r = DM_EINVAL;
	if (extra % DM_MANIFEST_HASH_BYTES != 0)
		goto done;

	memset(&m, 0, sizeof(m));
	dm_rbuf_init(&rd, blob, DM_MANIFEST_BODY_BYTES);
	dm_rbuf_copy(&rd, m.msg_id, sizeof(m.msg_id));
	dm_rbuf_copy(&rd, m.sender_spk, sizeof(m.sender_spk));
	dm_rbuf_copy(&rd, m.recipient_id, sizeof(m.recipient_id));
	m.total_chunks = dm_rbuf_u32(&rd);
	m.data_chunks = dm_rbuf_u32(&rd);
	m.prekey_id = dm_rbuf_u32(&rd);
	m.ts = dm_rbuf_u64(&rd);
	m.exp = dm_rbuf_u64(&rd);
	if (!dm_rbuf_done(&rd) || !counts_ok(m.total_chunks, m.data_chunks))
		goto done;
	m.hash_count = (uint32_t)(extra / DM_MANIFEST_HASH_BYTES);
	if (m.hash_count != 0 && m.hash_count != m.total_chunks)
		goto done;
	memcpy(m.sig, blob + body_len, sizeof(m.sig));

	r = dm_ed25519_verify(m.sig, blob, body_len, m.sender_spk);
	if (r < 0)
		goto done;
	r = DM_EEXPIRED;
	if (now > m.exp)
		goto done;
	r = DM_ETOOBIG;
	if (m.hash_count > hashes_cap || (m.hash_count > 0 && hashes == NULL))
		goto done;
	if (m.hash_count > 0)
		memcpy(hashes, blob + DM_MANIFEST_BODY_BYTES, extra);
	*ret = m;
	r = 0;
done:
	free(blob);
	return r;
}
