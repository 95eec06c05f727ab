/* Message encryption and framing (wire.md §5.3, §5.4, §6): HKDF, X25519 refusal, AEAD, outer. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/seal.h"
#include "common/err.h"
#include "tests/unit/test.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	CHECK_EQ(dm_hex_decode(h, strlen(h), out, n), (long)n);
}

/* RFC 5869 appendix A, cases 1 and 3 (SHA-256). */
static void test_hkdf(void)
{
	uint8_t ikm[22], salt[13], info[10], okm[42], want[42];

	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	dm_hkdf_sha256(okm, sizeof(okm), salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info));
	unhex(
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
	    want, sizeof(want));
	CHECK_MEM(okm, want, sizeof(want));
	dm_hkdf_sha256(okm, sizeof(okm), salt, 0, ikm, sizeof(ikm), info, 0);
	unhex(
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
	    want, sizeof(want));
	CHECK_MEM(okm, want, sizeof(want));
}

static void test_ecdh(void)
{
	uint8_t priv[32], pub[32], zero[32] = {0}, one[32] = {1}, s[32];

	randombytes_buf(priv, sizeof(priv));
	CHECK_EQ(dm_seal_ecdh(s, priv, zero), DM_ECRYPTO);
	CHECK_EQ(dm_seal_ecdh(s, priv, one), DM_ECRYPTO); /* order-1 point */
	crypto_scalarmult_base(pub, priv);
	CHECK_EQ(dm_seal_ecdh(s, priv, pub), 0);
}

static void test_aead(void)
{
	uint8_t rpriv[32], rpub[32], eph[32], nonce[12];
	uint8_t enc[256], pt[256];
	const uint8_t msg[] = "attack at dawn";
	const uint8_t aad[] = "{\"v\":1}\0\0\0\0";
	size_t enc_len = 0, pt_len = 0;

	randombytes_buf(rpriv, sizeof(rpriv));
	crypto_scalarmult_base(rpub, rpriv);
	randombytes_buf(eph, sizeof(eph));
	randombytes_buf(nonce, sizeof(nonce));
	CHECK_EQ(dm_seal_encrypt_det(eph, nonce, rpub, msg, sizeof(msg), aad, sizeof(aad), enc,
				     sizeof(enc), &enc_len),
		 0);
	CHECK_EQ(enc_len, sizeof(msg) + DM_SEAL_OVERHEAD);
	CHECK_MEM(enc + 32, nonce, 12);
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, enc_len, aad, sizeof(aad), pt, sizeof(pt), &pt_len),
		 0);
	CHECK(pt_len == sizeof(msg) && memcmp(pt, msg, pt_len) == 0);

	/* Output too small, on both sides. */
	CHECK_EQ(dm_seal_encrypt_det(eph, nonce, rpub, msg, sizeof(msg), aad, sizeof(aad), enc,
				     sizeof(msg) + DM_SEAL_OVERHEAD - 1, &enc_len),
		 DM_ETOOBIG);
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, enc_len, aad, sizeof(aad), pt, 3, &pt_len),
		 DM_ETOOBIG);
	/* Wrong AAD (e.g. another prekey id), flipped bits anywhere. */
	uint8_t bad_aad[sizeof(aad)];
	memcpy(bad_aad, aad, sizeof(aad));
	bad_aad[sizeof(aad) - 1] = 1;
	CHECK_EQ(
	    dm_seal_decrypt(rpriv, enc, enc_len, bad_aad, sizeof(aad), pt, sizeof(pt), &pt_len),
	    DM_ECRYPTO);
	for (size_t i = 0; i < enc_len; i += 7) {
		enc[i] ^= 0x40;
		int r =
		    dm_seal_decrypt(rpriv, enc, enc_len, aad, sizeof(aad), pt, sizeof(pt), &pt_len);
		CHECK(r == DM_ECRYPTO);
		enc[i] ^= 0x40;
	}
	/* Short inputs: under the 44-byte header, and a header without a full tag. */
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, 43, aad, sizeof(aad), pt, sizeof(pt), &pt_len),
		 DM_EINVAL);
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, 59, aad, sizeof(aad), pt, sizeof(pt), &pt_len),
		 DM_ECRYPTO);
	/* A low-order ephemeral key is refused before the AEAD. */
	memset(enc, 0, 32);
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, enc_len, aad, sizeof(aad), pt, sizeof(pt), &pt_len),
		 DM_ECRYPTO);
	/* Empty plaintext, random variant, to a low-order recipient. */
	CHECK_EQ(dm_seal_encrypt(rpub, (const uint8_t *)"", 0, aad, sizeof(aad), enc, sizeof(enc),
				 &enc_len),
		 0);
	CHECK_EQ(enc_len, DM_SEAL_OVERHEAD);
	CHECK_EQ(dm_seal_decrypt(rpriv, enc, enc_len, aad, sizeof(aad), pt, sizeof(pt), &pt_len),
		 0);
	CHECK_EQ(pt_len, 0);
	uint8_t zero[32] = {0};
	CHECK_EQ(
	    dm_seal_encrypt(zero, msg, sizeof(msg), aad, sizeof(aad), enc, sizeof(enc), &enc_len),
	    DM_ECRYPTO);
}

static void test_outer(void)
{
	struct dm_header h = {.version = 1, .type = DM_MSG_DATA, .total = 1, .ts = 5, .ttl = 300};
	struct dm_header g;
	uint8_t out[512], payload[50];
	const uint8_t *pl;
	size_t len = 0, pl_len = 0;

	memset(h.msg_id, 0xab, sizeof(h.msg_id));
	randombytes_buf(payload, sizeof(payload));
	CHECK_EQ(dm_seal_outer_build(&h, payload, sizeof(payload), out, sizeof(out), &len), 0);
	CHECK_EQ(len, dm_seal_outer_len((size_t)(out[0] << 8 | out[1]), sizeof(payload)));
	for (size_t i = len - 32; i < len; i++)
		CHECK_EQ(out[i], 0);
	CHECK_EQ(dm_seal_outer_parse(out, len, &g, &pl, &pl_len), 0);
	CHECK(pl_len == sizeof(payload) && memcmp(pl, payload, pl_len) == 0);
	CHECK(memcmp(&g.msg_id, h.msg_id, 16) == 0 && g.ts == 5 && g.ttl == 300);
	CHECK_EQ(dm_seal_outer_build(&h, payload, sizeof(payload), out, len - 1, &len), DM_ETOOBIG);

	/* Too short overall; header_len running into the trailer; bad header JSON. */
	CHECK_EQ(dm_seal_outer_build(&h, payload, 0, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_seal_outer_parse(out, len, &g, &pl, &pl_len), 0);
	CHECK_EQ(pl_len, 0);
	CHECK_EQ(dm_seal_outer_parse(out, 33, &g, &pl, &pl_len), DM_EINVAL);
	CHECK_EQ(dm_seal_outer_parse(out, len - 1, &g, &pl, &pl_len), DM_EINVAL);
	out[1]++;
	CHECK_EQ(dm_seal_outer_parse(out, len, &g, &pl, &pl_len), DM_EINVAL);
	out[1]--;
	out[2] = '[';
	CHECK_EQ(dm_seal_outer_parse(out, len, &g, &pl, &pl_len), DM_EINVAL);
	/* The trailer is ignored whatever it holds. */
	out[2] = '{';
	memset(out + len - 32, 0xee, 32);
	CHECK_EQ(dm_seal_outer_parse(out, len, &g, &pl, &pl_len), 0);
	/* header_len 0 with 32 trailing bytes: parses the empty header and fails. */
	memset(out, 0, 34);
	CHECK_EQ(dm_seal_outer_parse(out, 34, &g, &pl, &pl_len), DM_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_hkdf();
	test_ecdh();
	test_aead();
	test_outer();
	return TEST_DONE("test_seal");
}
