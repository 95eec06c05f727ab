/* Node heartbeat record (wire.md §12.3, §16). */
#include "common/dmp/heartbeat.h"

#include <string.h>

#include "common/buf.h"
#include "common/err.h"

#define MAGIC_LEN 7
#define BODY_MAX                                                                                   \
	(MAGIC_LEN + 2 + DM_HEARTBEAT_ENDPOINT_MAX + DM_ED25519_PK_BYTES + 1 +                     \
	 DM_HEARTBEAT_VERSION_MAX + 2 + 1 + DM_HEARTBEAT_ZONE_MAX + 16)
/* The smallest HB02 body: one-byte endpoint, empty version. */
#define BODY_MIN (MAGIC_LEN + 2 + DM_ED25519_PK_BYTES + 1 + 2 + 16)
#define INT63	 ((uint64_t)1 << 63)

static const char magic_hb02[MAGIC_LEN] = {'D', 'M', 'P', 'H', 'B', '0', '2'};
static const char magic_hb03[MAGIC_LEN] = {'D', 'M', 'P', 'H', 'B', '0', '3'};

/* ASCII; `graphic` also excludes space, controls and DEL. */
static bool ascii_ok(const char *s, size_t len, bool graphic)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)s[i];

		if (b > 0x7f || (graphic && (b < 0x21 || b == 0x7f)))
			return false;
	}
	return true;
}

/* Field rules shared by sign and parse. */
static bool fields_ok(const struct dm_heartbeat *hb)
{
	if (dm_heartbeat_endpoint_check(hb->endpoint, hb->endpoint_len) < 0)
		return false;
	if (hb->version_len > DM_HEARTBEAT_VERSION_MAX ||
	    !ascii_ok(hb->version, hb->version_len, false))
		return false;
	if (hb->format == DM_HEARTBEAT_HB02 && hb->zone_len != 0)
		return false;
	if (hb->zone_len > DM_HEARTBEAT_ZONE_MAX || !ascii_ok(hb->zone, hb->zone_len, true))
		return false;
	/* Signed 64-bit on the reference's side: refuse what it cannot sign. */
	return hb->exp > hb->ts && hb->exp < INT63;
}

static int build_body(const struct dm_heartbeat *hb, uint8_t body[BODY_MAX], size_t *ret_len)
{
	struct dm_wbuf w;

	if (hb->format != DM_HEARTBEAT_HB02 && hb->format != DM_HEARTBEAT_HB03)
		return DM_EINVAL;
	if (!fields_ok(hb))
		return DM_EINVAL;
	dm_wbuf_init(&w, body, BODY_MAX);
	dm_wbuf_bytes(&w, hb->format == DM_HEARTBEAT_HB02 ? magic_hb02 : magic_hb03, MAGIC_LEN);
	dm_wbuf_u16(&w, (uint16_t)hb->endpoint_len);
	dm_wbuf_bytes(&w, hb->endpoint, hb->endpoint_len);
	dm_wbuf_bytes(&w, hb->operator_spk, sizeof(hb->operator_spk));
	dm_wbuf_u8(&w, (uint8_t)hb->version_len);
	dm_wbuf_bytes(&w, hb->version, hb->version_len);
	dm_wbuf_u16(&w, hb->capabilities);
	if (hb->format == DM_HEARTBEAT_HB03) {
		dm_wbuf_u8(&w, (uint8_t)hb->zone_len);
		dm_wbuf_bytes(&w, hb->zone, hb->zone_len);
	}
	dm_wbuf_u64(&w, hb->ts);
	dm_wbuf_u64(&w, hb->exp);
	if (!dm_wbuf_ok(&w))
		return DM_EINVAL;
	*ret_len = w.len;
	return 0;
}

int dm_heartbeat_sign(struct dm_heartbeat *hb, const uint8_t sk[DM_ED25519_SK_BYTES], char *out,
		      size_t outcap, size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	uint8_t sig[DM_ED25519_SIG_BYTES];
	size_t body_len;
	int r;

	if (!dm_record_sk_matches(sk, hb->operator_spk))
		return DM_EINVAL;
	r = build_body(hb, body, &body_len);
	if (r < 0)
		return r;
	dm_ed25519_sign(sig, body, body_len, sk);
	r = dm_record_encode(DM_PREFIX_HEARTBEAT, body, body_len, sig, DM_RECORD_CAP_SIGNED, out,
			     outcap, ret_len);
	if (r == 0)
		memcpy(hb->sig, sig, sizeof(sig));
	return r;
}

int dm_heartbeat_encode(const struct dm_heartbeat *hb, char *out, size_t outcap, size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	size_t body_len;
	int r;

	r = build_body(hb, body, &body_len);
	if (r < 0)
		return r;
	return dm_record_encode(DM_PREFIX_HEARTBEAT, body, body_len, hb->sig, DM_RECORD_CAP_SIGNED,
				out, outcap, ret_len);
}

int dm_heartbeat_parse(const char *value, size_t len, uint64_t now, struct dm_heartbeat *ret)
{
	/* The 1200-byte cap bounds the blob to 885 bytes. */
	uint8_t blob[900];
	struct dm_heartbeat hb;
	struct dm_rbuf rd;
	char magic[MAGIC_LEN];
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(value, len, DM_PREFIX_HEARTBEAT, DM_RECORD_CAP_SIGNED,
			     DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r;
	r = dm_record_split_sig(blob, blob_len, BODY_MIN, &body_len);
	if (r < 0)
		return r;

	memset(&hb, 0, sizeof(hb));
	dm_rbuf_init(&rd, blob, body_len);
	dm_rbuf_copy(&rd, magic, MAGIC_LEN);
	if (memcmp(magic, magic_hb02, MAGIC_LEN) == 0)
		hb.format = DM_HEARTBEAT_HB02;
	else if (memcmp(magic, magic_hb03, MAGIC_LEN) == 0)
		hb.format = DM_HEARTBEAT_HB03;
	else
		return DM_EINVAL;
	hb.endpoint_len = dm_rbuf_u16(&rd);
	if (hb.endpoint_len < 1 || hb.endpoint_len > DM_HEARTBEAT_ENDPOINT_MAX)
		return DM_EINVAL;
	dm_rbuf_copy(&rd, hb.endpoint, hb.endpoint_len);
	dm_rbuf_copy(&rd, hb.operator_spk, sizeof(hb.operator_spk));
	hb.version_len = dm_rbuf_u8(&rd);
	if (hb.version_len > DM_HEARTBEAT_VERSION_MAX)
		return DM_EINVAL;
	dm_rbuf_copy(&rd, hb.version, hb.version_len);
	hb.capabilities = dm_rbuf_u16(&rd);
	if (hb.format == DM_HEARTBEAT_HB03) {
		hb.zone_len = dm_rbuf_u8(&rd);
		if (hb.zone_len > DM_HEARTBEAT_ZONE_MAX)
			return DM_EINVAL;
		dm_rbuf_copy(&rd, hb.zone, hb.zone_len);
	}
	hb.ts = dm_rbuf_u64(&rd);
	hb.exp = dm_rbuf_u64(&rd);
	if (!dm_rbuf_done(&rd) || !fields_ok(&hb))
		return DM_EINVAL;
	memcpy(hb.sig, blob + body_len, sizeof(hb.sig));
	r = dm_ed25519_verify(hb.sig, blob, body_len, hb.operator_spk);
	if (r < 0)
		return r;
	if ((hb.ts > now ? hb.ts - now : now - hb.ts) > DM_HEARTBEAT_TS_SKEW)
		return DM_EEXPIRED;
	if (hb.exp <= now)
		return DM_EEXPIRED;
	*ret = hb;
	return 0;
}
