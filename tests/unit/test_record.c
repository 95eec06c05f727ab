/* common/dmp/record.h: prefixes, caps, base64 modes, signature split, UTF-8, strip. */
#include <sodium.h>

#include "common/dmp/record.h"
#include "common/err.h"
#include "tests/unit/test.h"

static void test_decode(void)
{
	uint8_t out[16];
	size_t len, body;
	const char *b64;

	CHECK_EQ(dm_record_strip_prefix("v=dmp1;t=claim;QQ==", 19, DM_PREFIX_CLAIM, &b64, &len), 0);
	CHECK_EQ(len, 4);
	CHECK_EQ(dm_record_strip_prefix("v=dmp1;t=clai", 13, DM_PREFIX_CLAIM, &b64, &len),
		 DM_EINVAL);
	CHECK_EQ(dm_record_decode("v=dmp1;t=claim;QUJD", 19, DM_PREFIX_CLAIM, 255,
				  DM_RECORD_B64_STRICT, out, sizeof(out), &len),
		 0);
	CHECK_EQ(len, 3);
	CHECK_MEM(out, "ABC", 3);
	/* Junk inside the base64 is an error for strict, skipped by lenient. */
	CHECK_EQ(dm_record_decode("v=dmp1;t=claim;QU*JD", 20, DM_PREFIX_CLAIM, 255,
				  DM_RECORD_B64_STRICT, out, sizeof(out), &len),
		 DM_EINVAL);
	CHECK_EQ(dm_record_decode("v=dmp1;t=prekey;d=QU*JD", 23, DM_PREFIX_PREKEY, 0,
				  DM_RECORD_B64_LENIENT, out, sizeof(out), &len),
		 0);
	CHECK_EQ(len, 3);
	/* The cap counts the whole value. */
	CHECK_EQ(dm_record_decode("v=dmp1;t=claim;QUJD", 19, DM_PREFIX_CLAIM, 18,
				  DM_RECORD_B64_STRICT, out, sizeof(out), &len),
		 DM_ETOOBIG);
	CHECK_EQ(dm_record_decode("v=dmp1;t=claim;QUJD", 19, DM_PREFIX_CLAIM, 19,
				  DM_RECORD_B64_STRICT, out, sizeof(out), &len),
		 0);
	CHECK_EQ(dm_record_split_sig(out, 63, 0, &body), DM_EINVAL);
	CHECK_EQ(dm_record_split_sig(out, 64, 1, &body), DM_EINVAL);
	CHECK_EQ(dm_record_split_sig(out, 65, 1, &body), 0);
	CHECK_EQ(body, 1);
}

static void test_encode(void)
{
	uint8_t pk[32], sk[64], body[100], sig[64];
	char out[300], out2[300];
	size_t len, len2, n;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(body, sizeof(body));
	CHECK(dm_record_sk_matches(sk, pk));
	pk[0] ^= 1;
	CHECK(!dm_record_sk_matches(sk, pk));
	pk[0] ^= 1;
	/* Every body length mod 3 splits b64(body||sig) correctly. */
	for (n = 0; n < 6; n++) {
		uint8_t joined[100 + 64], back[200];
		size_t blen;

		dm_ed25519_sign(sig, body, n, sk);
		CHECK_EQ(dm_record_encode(DM_PREFIX_HEARTBEAT, body, n, sig, 1200, out, sizeof(out),
					  &len),
			 0);
		CHECK_EQ(len, dm_record_encoded_len(DM_PREFIX_HEARTBEAT, n + 64));
		CHECK_EQ(strlen(out), len);
		memcpy(joined, body, n);
		memcpy(joined + n, sig, 64);
		CHECK_EQ(dm_record_decode(out, len, DM_PREFIX_HEARTBEAT, 1200, DM_RECORD_B64_STRICT,
					  back, sizeof(back), &blen),
			 0);
		CHECK_EQ(blen, n + 64);
		CHECK_MEM(back, joined, blen);
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n, sk, 1200, out2,
					       sizeof(out2), &len2),
			 0);
		CHECK_STR(out, out2);
	}
	/* Over the cap, or no room for the NUL. */
	CHECK_EQ(dm_record_encode(DM_PREFIX_CLAIM, body, 100, sig, 234, out, sizeof(out), &len),
		 DM_ETOOBIG);
	len2 = dm_record_encoded_len(DM_PREFIX_CLAIM, 64);
	CHECK_EQ(dm_record_encode(DM_PREFIX_CLAIM, body, 0, sig, 0, out, len2, &len), DM_ETOOBIG);
	CHECK_EQ(dm_record_encode(DM_PREFIX_CLAIM, body, 0, sig, 0, out, len2 + 1, &len), 0);
}

static void test_utf8_strip(void)
{
	size_t off, len;
	const char *s;

	CHECK(dm_record_utf8_valid((const uint8_t *)"\xc3\xa9l\x00", 4));
	CHECK(dm_record_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xc0\xaf", 2));	      /* overlong */
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));     /* overlong */
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xc3", 1));
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\x80", 1));
	CHECK(!dm_record_utf8_valid((const uint8_t *)"\xff", 1));

	s = "\xc2\xa0 \t bob\xe3\x80\x80\x1f";
	off = 0;
	len = strlen(s);
	dm_record_py_strip(s, &off, &len);
	CHECK_EQ(len, 3);
	CHECK_MEM(s + off, "bob", 3);
	s = " \xc3\xa9 ";
	off = 0;
	len = strlen(s);
	dm_record_py_strip(s, &off, &len);
	CHECK_EQ(off, 1);
	CHECK_EQ(len, 2);
	s = "  ";
	off = 0;
	len = 2;
	dm_record_py_strip(s, &off, &len);
	CHECK_EQ(len, 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_decode();
	test_encode();
	test_utf8_strip();
	return TEST_DONE("test_record");
}
