/* base64 (strict and lenient, wire.md §4.1), hex, and the checked buffers. */
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/err.h"
#include "tests/unit/test.h"

static int strict(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	return dm_b64_decode_strict(s, strlen(s), out, cap, len);
}

static int lenient(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	return dm_b64_decode_lenient(s, strlen(s), out, cap, len);
}

static void test_b64_encode(void)
{
	char out[16];
	dm_b64_encode((const uint8_t *)"", 0, out);
	CHECK_STR(out, "");
	dm_b64_encode((const uint8_t *)"f", 1, out);
	CHECK_STR(out, "Zg==");
	dm_b64_encode((const uint8_t *)"fo", 2, out);
	CHECK_STR(out, "Zm8=");
	dm_b64_encode((const uint8_t *)"foo", 3, out);
	CHECK_STR(out, "Zm9v");
	dm_b64_encode((const uint8_t *)"foobar", 6, out);
	CHECK_STR(out, "Zm9vYmFy");
	CHECK_EQ(dm_b64_encoded_len(172), 232);
}

static void test_b64_strict(void)
{
	uint8_t out[16];
	size_t len = 99;
	CHECK_EQ(strict("", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(strict("Zm9vYg==", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 4);
	CHECK_MEM(out, "foob", 4);
	CHECK_EQ(strict("Zm9vYmE=", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 5);
	CHECK_EQ(strict("Zm9vYg=", out, sizeof(out), &len), DM_EINVAL);	   /* short pad */
	CHECK_EQ(strict("Zm9vYg", out, sizeof(out), &len), DM_EINVAL);	   /* no pad */
	CHECK_EQ(strict("Zm9v\nYg==", out, sizeof(out), &len), DM_EINVAL); /* whitespace */
	CHECK_EQ(strict("Zm9vYg==Zm9v", out, sizeof(out), &len), DM_EINVAL);
	CHECK_EQ(strict("Zm9vY===", out, sizeof(out), &len), DM_EINVAL);
	CHECK_EQ(strict("Zm9-Yg==", out, sizeof(out), &len), DM_EINVAL); /* urlsafe */
	CHECK_EQ(strict("Zm9vYmFy", out, 5, &len), DM_ETOOBIG);
}

static void test_b64_lenient(void)
{
	uint8_t out[16];
	size_t len = 0;
	/* Junk characters are skipped. */
	CHECK_EQ(lenient("Zm9v\nYm-Fy", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 6);
	CHECK_MEM(out, "foobar", 6);
	/* Decoding stops at the first complete padding group. */
	CHECK_EQ(lenient("Zg==Zm9v", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 1);
	/* Incorrect padding and 4n+1 data characters are errors. */
	CHECK_EQ(lenient("Zm9vYg", out, sizeof(out), &len), DM_EINVAL);
	CHECK_EQ(lenient("Zm9vY", out, sizeof(out), &len), DM_EINVAL);
	/* A premature '=' (before two data characters of a quad) is ignored. */
	CHECK_EQ(lenient("=Zg==", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 1);
	CHECK_EQ(lenient("", out, sizeof(out), &len), 0);
	CHECK_EQ(len, 0);
}

static void test_hex(void)
{
	uint8_t out[4];
	char s[9];
	CHECK_EQ(dm_hex_decode("00ffA0", 6, out, sizeof(out)), 3);
	CHECK_EQ(out[2], 0xa0);
	dm_hex_encode(out, 3, s);
	CHECK_STR(s, "00ffa0");
	CHECK_EQ(dm_hex_decode("0", 1, out, sizeof(out)), DM_EINVAL);
	CHECK_EQ(dm_hex_decode("0g", 2, out, sizeof(out)), DM_EINVAL);
	CHECK_EQ(dm_hex_decode("0011223344", 10, out, sizeof(out)), DM_ETOOBIG);
}

static void test_buf(void)
{
	uint8_t mem[16];
	struct dm_wbuf w;
	dm_wbuf_init(&w, mem, sizeof(mem));
	dm_wbuf_u8(&w, 1);
	dm_wbuf_u16(&w, 0x0203);
	dm_wbuf_u32(&w, 0x04050607);
	dm_wbuf_u64(&w, 0x08090a0b0c0d0e0fULL);
	CHECK(dm_wbuf_ok(&w));
	CHECK_EQ(w.len, 15);
	dm_wbuf_u16(&w, 0xffff); /* one byte left: sticky error */
	CHECK(!dm_wbuf_ok(&w));

	struct dm_rbuf r;
	dm_rbuf_init(&r, mem, 15);
	CHECK_EQ(dm_rbuf_u8(&r), 1);
	CHECK_EQ(dm_rbuf_u16(&r), 0x0203);
	CHECK_EQ(dm_rbuf_u32(&r), 0x04050607);
	CHECK(dm_rbuf_u64(&r) == 0x08090a0b0c0d0e0fULL);
	CHECK(dm_rbuf_done(&r));
	CHECK_EQ(dm_rbuf_u8(&r), 0);
	CHECK(!dm_rbuf_done(&r));
	dm_rbuf_init(&r, mem, 3);
	CHECK(dm_rbuf_bytes(&r, (size_t)-1) == NULL); /* huge length never wraps */
	CHECK_EQ(dm_rbuf_left(&r), 0);
}

int main(void)
{
	test_b64_encode();
	test_b64_strict();
	test_b64_lenient();
	test_hex();
	test_buf();
	return TEST_DONE("test_codec");
}
