/* One-time prekey record (wire.md §12.4). */
#include "common/dmp/prekey.h"

#include <string.h>

#include "common/buf.h"
#include "common/err.h"

static void build_body(const struct dm_prekey *pk, uint8_t body[DM_PREKEY_BODY_BYTES])
{
	struct dm_wbuf w;

	dm_wbuf_init(&w, body, DM_PREKEY_BODY_BYTES);
	dm_wbuf_u32(&w, pk->prekey_id);
	dm_wbuf_bytes(&w, pk->x25519_pub, sizeof(pk->x25519_pub));
	dm_wbuf_u64(&w, pk->exp);
}

static int emit(const struct dm_prekey *pk, const uint8_t sig[DM_ED25519_SIG_BYTES],
		char out[DM_PREKEY_VALUE_LEN + 1])
{
	uint8_t body[DM_PREKEY_BODY_BYTES];
	size_t len;

	build_body(pk, body);
	return dm_record_encode(DM_PREFIX_PREKEY, body, sizeof(body), sig, DM_RECORD_CAP_NONE, out,
				DM_PREKEY_VALUE_LEN + 1, &len);
}

int dm_prekey_sign(struct dm_prekey *pk, const uint8_t sk[DM_ED25519_SK_BYTES],
		   char out[DM_PREKEY_VALUE_LEN + 1])
{
	uint8_t body[DM_PREKEY_BODY_BYTES];
	uint8_t sig[DM_ED25519_SIG_BYTES];
	int r;

	/* Id 0 would read as "long-term key" in the manifest (§16). */
	if (pk->prekey_id == 0)
		return DM_EINVAL;
	build_body(pk, body);
	dm_ed25519_sign(sig, body, sizeof(body), sk);
	r = emit(pk, sig, out);
	if (r == 0)
		memcpy(pk->sig, sig, sizeof(sig));
	return r;
}

int dm_prekey_encode(const struct dm_prekey *pk, char out[DM_PREKEY_VALUE_LEN + 1])
{
	if (pk->prekey_id == 0)
		return DM_EINVAL;
	return emit(pk, pk->sig, out);
}

int dm_prekey_parse(const char *value, size_t len, const uint8_t spk[DM_ED25519_PK_BYTES],
		    uint64_t now, struct dm_prekey *ret)
{
	uint8_t blob[DM_PREKEY_WIRE_BYTES];
	struct dm_prekey pk;
	struct dm_rbuf rd;
	size_t blob_len;
	int r;

	r = dm_record_decode(value, len, DM_PREFIX_PREKEY, DM_RECORD_CAP_NONE,
			     DM_RECORD_B64_LENIENT, blob, sizeof(blob), &blob_len);
	if (r == DM_ETOOBIG)
		return DM_EINVAL; /* a wrong length is malformed, not over a cap */
	if (r < 0)
		return r;
	if (blob_len != DM_PREKEY_WIRE_BYTES)
		return DM_EINVAL;
	dm_rbuf_init(&rd, blob, DM_PREKEY_BODY_BYTES);
	pk.prekey_id = dm_rbuf_u32(&rd);
	dm_rbuf_copy(&rd, pk.x25519_pub, sizeof(pk.x25519_pub));
	pk.exp = dm_rbuf_u64(&rd);
	if (!dm_rbuf_done(&rd) || pk.prekey_id == 0)
		return DM_EINVAL;
	memcpy(pk.sig, blob + DM_PREKEY_BODY_BYTES, sizeof(pk.sig));
	r = dm_ed25519_verify(pk.sig, blob, DM_PREKEY_BODY_BYTES, spk);
	if (r < 0)
		return r;
	if (now > pk.exp)
		return DM_EEXPIRED;
	*ret = pk;
	return 0;
}
