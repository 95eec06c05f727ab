#include "common/dmp/seal.h"

#include <sodium.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

static const uint8_t kdf_salt[] = "DMP-v1";
static const uint8_t kdf_info[] = "DMP-Message-Encryption";

int dm_seal_ecdh(uint8_t ret_shared[DM_X25519_KEY_BYTES], const uint8_t priv[DM_X25519_KEY_BYTES],
		 const uint8_t pub[DM_X25519_KEY_BYTES])
{
	uint8_t s[DM_X25519_KEY_BYTES];

	/* libsodium already fails on an all-zero result; this is that check. */
	if (crypto_scalarmult(s, priv, pub) != 0) {
		sodium_memzero(s, sizeof(s));
		return DM_ECRYPTO;
	}
	memcpy(ret_shared, s, sizeof(s));
	sodium_memzero(s, sizeof(s));
	return 0;
}

/* libsodium 1.0.18 has no HKDF; its HMAC state API takes a key of any length. */
void dm_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, const uint8_t *info, size_t info_len)
{
	crypto_auth_hmacsha256_state st;
	uint8_t prk[crypto_auth_hmacsha256_BYTES];
	uint8_t t[crypto_auth_hmacsha256_BYTES];
	size_t done = 0;

	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	/* T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty. */
	for (unsigned i = 1; done < outlen && i <= 255; i++) {
		uint8_t ctr = (uint8_t)i;
		crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
		if (i > 1)
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		crypto_auth_hmacsha256_update(&st, info, info_len);
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		size_t n = outlen - done < sizeof(t) ? outlen - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
}

void dm_seal_kdf(uint8_t ret_key[DM_SEAL_KEY_BYTES], const uint8_t shared[DM_X25519_KEY_BYTES])
{
	dm_hkdf_sha256(ret_key, DM_SEAL_KEY_BYTES, kdf_salt, sizeof(kdf_salt) - 1, shared,
		       DM_X25519_KEY_BYTES, kdf_info, sizeof(kdf_info) - 1);
}

int dm_seal_encrypt_det(const uint8_t eph_priv[DM_X25519_KEY_BYTES],
			const uint8_t nonce[DM_SEAL_NONCE_BYTES],
			const uint8_t recipient_pub[DM_X25519_KEY_BYTES], const uint8_t *pt,
			size_t len, const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
			size_t *ret_len)
{
	uint8_t shared[DM_X25519_KEY_BYTES], key[DM_SEAL_KEY_BYTES];
	unsigned long long ct_len = 0;
	int r;

	if (len > SIZE_MAX - DM_SEAL_OVERHEAD || outcap < len + DM_SEAL_OVERHEAD)
		return DM_ETOOBIG;
	r = dm_seal_ecdh(shared, eph_priv, recipient_pub);
	if (r < 0)
		return r;
	dm_seal_kdf(key, shared);
	crypto_scalarmult_base(out, eph_priv);
	memcpy(out + DM_X25519_KEY_BYTES, nonce, DM_SEAL_NONCE_BYTES);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + DM_SEAL_HDR_BYTES, &ct_len, pt, len, aad,
						  aad_len, NULL, nonce, key);
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	*ret_len = DM_SEAL_HDR_BYTES + (size_t)ct_len;
	return 0;
}

int dm_seal_encrypt(const uint8_t recipient_pub[DM_X25519_KEY_BYTES], const uint8_t *pt, size_t len,
		    const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
		    size_t *ret_len)
{
	uint8_t eph[DM_X25519_KEY_BYTES], nonce[DM_SEAL_NONCE_BYTES];

	randombytes_buf(eph, sizeof(eph));
	randombytes_buf(nonce, sizeof(nonce));
	int r = dm_seal_encrypt_det(eph, nonce, recipient_pub, pt, len, aad, aad_len, out, outcap,
				    ret_len);
	sodium_memzero(eph, sizeof(eph));
	return r;
}

int dm_seal_decrypt(const uint8_t priv[DM_X25519_KEY_BYTES], const uint8_t *enc, size_t enc_len,
		    const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
		    size_t *ret_len)
{
	uint8_t shared[DM_X25519_KEY_BYTES], key[DM_SEAL_KEY_BYTES];
	unsigned long long pt_len = 0;
	int r;

	if (enc_len < DM_SEAL_HDR_BYTES)
		return DM_EINVAL;
	/* A ciphertext shorter than its tag cannot authenticate. */
	if (enc_len < DM_SEAL_OVERHEAD)
		return DM_ECRYPTO;
	if (outcap < enc_len - DM_SEAL_OVERHEAD)
		return DM_ETOOBIG;
	r = dm_seal_ecdh(shared, priv, enc);
	if (r < 0)
		return r;
	dm_seal_kdf(key, shared);
	sodium_memzero(shared, sizeof(shared));
	r = crypto_aead_chacha20poly1305_ietf_decrypt(out, &pt_len, NULL, enc + DM_SEAL_HDR_BYTES,
						      enc_len - DM_SEAL_HDR_BYTES, aad, aad_len,
						      enc + DM_X25519_KEY_BYTES, key);
	sodium_memzero(key, sizeof(key));
	if (r != 0) {
		sodium_memzero(out, enc_len - DM_SEAL_OVERHEAD);
		return DM_ECRYPTO;
	}
	*ret_len = (size_t)pt_len;
	return 0;
}

int dm_seal_outer_build(const struct dm_header *h, const uint8_t *payload, size_t payload_len,
			uint8_t *out, size_t outcap, size_t *ret_len)
{
	char json[DM_HEADER_JSON_MAX];
	size_t json_len;
	struct dm_wbuf w;
	static const uint8_t trailer[DM_OUTER_TRAILER_BYTES];

	int r = dm_header_canonical(h, json, sizeof(json), &json_len);
	if (r < 0)
		return r;
	dm_wbuf_init(&w, out, outcap);
	dm_wbuf_u16(&w, (uint16_t)json_len);
	dm_wbuf_bytes(&w, json, json_len);
	dm_wbuf_bytes(&w, payload, payload_len);
	dm_wbuf_bytes(&w, trailer, sizeof(trailer));
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	*ret_len = w.len;
	return 0;
}

int dm_seal_outer_parse(const uint8_t *msg, size_t len, struct dm_header *ret_header,
			const uint8_t **ret_payload, size_t *ret_payload_len)
{
	struct dm_rbuf r;
	struct dm_header h;

	if (len < 2 + DM_OUTER_TRAILER_BYTES)
		return DM_EINVAL;
	dm_rbuf_init(&r, msg, len - DM_OUTER_TRAILER_BYTES);
	uint16_t hlen = dm_rbuf_u16(&r);
	const uint8_t *json = dm_rbuf_bytes(&r, hlen);
	if (json == NULL)
		return DM_EINVAL;
	if (dm_header_parse(json, hlen, &h) < 0)
		return DM_EINVAL;
	*ret_header = h;
	*ret_payload = msg + r.off;
	*ret_payload_len = dm_rbuf_left(&r);
	return 0;
}
