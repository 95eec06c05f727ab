/* Claim record (wire.md §12.2). */
#include "common/dmp/claim.h"

#include <string.h>

#include "common/buf.h"
#include "common/err.h"

#define MAGIC	  "DMPCL01"
#define MAGIC_LEN 7
#define BODY_MAX                                                                                   \
	(MAGIC_LEN + DM_CLAIM_MSG_ID_BYTES + DM_ED25519_PK_BYTES + 1 + DM_CLAIM_DOMAIN_MAX + 1 + 16)
#define BODY_MIN (MAGIC_LEN + DM_CLAIM_MSG_ID_BYTES + DM_ED25519_PK_BYTES + 1 + 1 + 1 + 16)
#define INT63	 ((uint64_t)1 << 63)

/* The domain later becomes part of a DNS query name: no room for tricks. */
static bool domain_ok(const char *d, size_t len)
{
	if (len < 1 || len > DM_CLAIM_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)d[i];

		if (b < 0x21 || b == 0x7f)
			return false;
	}
	return dm_record_utf8_valid((const uint8_t *)d, len);
}

static bool fields_ok(const struct dm_claim *c)
{
	return domain_ok(c->domain, c->domain_len) && c->slot <= DM_CLAIM_SLOT_MAX &&
	       c->ts < INT63 && c->exp < INT63 && c->exp > c->ts;
}

static int build_body(const struct dm_claim *c, uint8_t body[BODY_MAX], size_t *ret_len)
{
	struct dm_wbuf w;

	if (!fields_ok(c))
		return DM_EINVAL;
	dm_wbuf_init(&w, body, BODY_MAX);
	dm_wbuf_bytes(&w, MAGIC, MAGIC_LEN);
	dm_wbuf_bytes(&w, c->msg_id, sizeof(c->msg_id));
	dm_wbuf_bytes(&w, c->sender_spk, sizeof(c->sender_spk));
	dm_wbuf_u8(&w, (uint8_t)c->domain_len);
	dm_wbuf_bytes(&w, c->domain, c->domain_len);
	dm_wbuf_u8(&w, c->slot);
	dm_wbuf_u64(&w, c->ts);
	dm_wbuf_u64(&w, c->exp);
	if (!dm_wbuf_ok(&w))
		return DM_EINVAL;
	*ret_len = w.len;
	return 0;
}

int dm_claim_sign(struct dm_claim *c, const uint8_t sk[DM_ED25519_SK_BYTES],
		  char out[DM_RECORD_CAP_CLAIM + 1], size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	uint8_t sig[DM_ED25519_SIG_BYTES];
	size_t body_len;
	int r;

	if (!dm_record_sk_matches(sk, c->sender_spk))
		return DM_EINVAL;
	r = build_body(c, body, &body_len);
	if (r < 0)
		return r;
	dm_ed25519_sign(sig, body, body_len, sk);
	r = dm_record_encode(DM_PREFIX_CLAIM, body, body_len, sig, DM_RECORD_CAP_CLAIM, out,
			     DM_RECORD_CAP_CLAIM + 1, ret_len);
	if (r == 0)
		memcpy(c->sig, sig, sizeof(sig));
	return r;
}

int dm_claim_encode(const struct dm_claim *c, char out[DM_RECORD_CAP_CLAIM + 1], size_t *ret_len)
{
	uint8_t body[BODY_MAX];
	size_t body_len;
	int r;

	r = build_body(c, body, &body_len);
	if (r < 0)
		return r;
	return dm_record_encode(DM_PREFIX_CLAIM, body, body_len, c->sig, DM_RECORD_CAP_CLAIM, out,
				DM_RECORD_CAP_CLAIM + 1, ret_len);
}

int dm_claim_parse(const char *value, size_t len, uint64_t now, struct dm_claim *ret)
{
	/* The 255-byte cap bounds the blob: 240 b64 chars → 180 bytes. */
	uint8_t blob[DM_RECORD_CAP_CLAIM];
	struct dm_claim c;
	struct dm_rbuf rd;
	uint8_t magic[MAGIC_LEN];
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(value, len, DM_PREFIX_CLAIM, DM_RECORD_CAP_CLAIM, DM_RECORD_B64_STRICT,
			     blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r;
	r = dm_record_split_sig(blob, blob_len, BODY_MIN, &body_len);
	if (r < 0)
		return r;

	memset(&c, 0, sizeof(c));
	dm_rbuf_init(&rd, blob, body_len);
	dm_rbuf_copy(&rd, magic, MAGIC_LEN);
	dm_rbuf_copy(&rd, c.msg_id, sizeof(c.msg_id));
	dm_rbuf_copy(&rd, c.sender_spk, sizeof(c.sender_spk));
	c.domain_len = dm_rbuf_u8(&rd);
	if (c.domain_len > DM_CLAIM_DOMAIN_MAX)
		return DM_EINVAL;
	dm_rbuf_copy(&rd, c.domain, c.domain_len);
	c.slot = dm_rbuf_u8(&rd);
	c.ts = dm_rbuf_u64(&rd);
	c.exp = dm_rbuf_u64(&rd);
	if (!dm_rbuf_done(&rd) || memcmp(magic, MAGIC, MAGIC_LEN) != 0 || !fields_ok(&c))
		return DM_EINVAL;
	memcpy(c.sig, blob + body_len, sizeof(c.sig));
	r = dm_ed25519_verify(c.sig, blob, body_len, c.sender_spk);
	if (r < 0)
		return r;
	/* Only future skew counts: exp alone bounds a past-dated claim. */
	if (c.ts > now && c.ts - now > DM_CLAIM_TS_SKEW)
		return DM_EEXPIRED;
	if (c.exp <= now)
		return DM_EEXPIRED;
	*ret = c;
	return 0;
}
