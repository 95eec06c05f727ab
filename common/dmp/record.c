/* Shared framing of signed DMP TXT records (wire.md §4). */
#include "common/dmp/record.h"

#include <string.h>

#include <sodium.h>

#include "common/codec/base64.h"
#include "common/err.h"

size_t dm_record_encoded_len(const char *prefix, size_t n)
{
	return strlen(prefix) + dm_b64_encoded_len(n);
}

int dm_record_strip_prefix(const char *value, size_t len, const char *prefix, const char **ret_b64,
			   size_t *ret_b64_len)
{
	size_t plen = strlen(prefix);

	if (value == NULL || len < plen || memcmp(value, prefix, plen) != 0)
		return DM_EINVAL;
	*ret_b64 = value + plen;
	*ret_b64_len = len - plen;
	return 0;
}

int dm_record_decode(const char *value, size_t len, const char *prefix, size_t cap,
		     enum dm_record_b64 mode, uint8_t *out, size_t outcap, size_t *ret_len)
{
	const char *b64;
	size_t b64_len;
	int r;

	r = dm_record_strip_prefix(value, len, prefix, &b64, &b64_len);
	if (r < 0)
		return r;
	if (cap != DM_RECORD_CAP_NONE && len > cap)
		return DM_ETOOBIG;
	if (mode == DM_RECORD_B64_STRICT)
		return dm_b64_decode_strict(b64, b64_len, out, outcap, ret_len);
	return dm_b64_decode_lenient(b64, b64_len, out, outcap, ret_len);
}

int dm_record_split_sig(const uint8_t *blob, size_t len, size_t min_body, size_t *ret_body_len)
{
	(void)blob;
	if (len < DM_ED25519_SIG_BYTES || len - DM_ED25519_SIG_BYTES < min_body)
		return DM_EINVAL;
	*ret_body_len = len - DM_ED25519_SIG_BYTES;
	return 0;
}

int dm_record_encode(const char *prefix, const uint8_t *body, size_t body_len,
		     const uint8_t sig[DM_ED25519_SIG_BYTES], size_t cap, char *out, size_t outcap,
		     size_t *ret_len)
{
	/* b64(body||sig) = b64(whole 3-byte groups of body) || b64(rest||sig),
	 * so only the tail (< 3 + 64 bytes) needs copying. */
	uint8_t tail[2 + DM_ED25519_SIG_BYTES];
	size_t plen = strlen(prefix);
	size_t head = body_len - body_len % 3;
	size_t rest = body_len - head;
	size_t total = dm_record_encoded_len(prefix, body_len + DM_ED25519_SIG_BYTES);
	size_t off;

	if (cap != DM_RECORD_CAP_NONE && total > cap)
		return DM_ETOOBIG;
	if (total >= outcap)
		return DM_ETOOBIG;
	memcpy(out, prefix, plen);
	off = plen;
	if (head > 0) {
		dm_b64_encode(body, head, out + off);
		off += dm_b64_encoded_len(head);
	}
	if (rest > 0)
		memcpy(tail, body + head, rest);
	memcpy(tail + rest, sig, DM_ED25519_SIG_BYTES);
	dm_b64_encode(tail, rest + DM_ED25519_SIG_BYTES, out + off);
	*ret_len = total;
	return 0;
}

int dm_record_sign_encode(const char *prefix, const uint8_t *body, size_t body_len,
			  const uint8_t sk[DM_ED25519_SK_BYTES], size_t cap, char *out,
			  size_t outcap, size_t *ret_len)
{
	uint8_t sig[DM_ED25519_SIG_BYTES];

	dm_ed25519_sign(sig, body, body_len, sk);
	return dm_record_encode(prefix, body, body_len, sig, cap, out, outcap, ret_len);
}

bool dm_record_sk_matches(const uint8_t sk[DM_ED25519_SK_BYTES],
			  const uint8_t pk[DM_ED25519_PK_BYTES])
{
	/* Re-derive from the seed half: the stored public half of a
	 * libsodium secret key is not checked by the signer, and a stale one
	 * would yield signatures nobody can verify. */
	uint8_t derived_pk[DM_ED25519_PK_BYTES];
	uint8_t derived_sk[DM_ED25519_SK_BYTES];
	bool ok;

	crypto_sign_seed_keypair(derived_pk, derived_sk, sk);
	ok = sodium_memcmp(derived_pk, pk, DM_ED25519_PK_BYTES) == 0 &&
	     sodium_memcmp(derived_sk, sk, DM_ED25519_SK_BYTES) == 0;
	sodium_memzero(derived_sk, sizeof(derived_sk));
	return ok;
}

bool dm_record_utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t n;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= n; j++)
			if (p[i + j] < 0x80 || p[i + j] > 0xbf)
				return false;
		i += n + 1;
	}
	return true;
}

/* Decodes the code point at p[0..len) (valid UTF-8); sets its length. */
static uint32_t cp_at(const uint8_t *p, size_t *ret_n)
{
	if (p[0] < 0x80) {
		*ret_n = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*ret_n = 2;
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*ret_n = 3;
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*ret_n = 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Python's str.isspace(). */
static bool py_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

void dm_record_py_strip(const char *str, size_t *off, size_t *len)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t n;

	while (*len > 0 && py_space(cp_at(s + *off, &n))) {
		*off += n;
		*len -= n;
	}
	while (*len > 0) {
		/* Step back to the last code point's lead byte. */
		size_t k = *len - 1;

		while (k > 0 && (s[*off + k] & 0xc0) == 0x80)
			k--;
		if (!py_space(cp_at(s + *off + k, &n)))
			break;
		*len = k;
	}
}
