/* DMPv2 envelope (wire.md §13): address canonicalisation and every decode fallback. */
#include <stdio.h>
#include <string.h>

#include "common/dmp/envelope.h"
#include "common/err.h"
#include "tests/unit/test.h"

static void canon_ok(const char *in, const char *want)
{
	char out[DM_ADDR_MAX + 1];
	int r = dm_envelope_canon_addr(in, strlen(in), out);
	CHECK_EQ(r, 0);
	if (r == 0 && strcmp(out, want) != 0) {
		test_failures++;
		fprintf(stderr, "canon(%s) = %s, want %s\n", in, out, want);
	}
}

static void canon_bad(const char *in, size_t len)
{
	char out[DM_ADDR_MAX + 1];
	int r = dm_envelope_canon_addr(in, len, out);
	if (r != DM_EINVAL) {
		test_failures++;
		fprintf(stderr, "canon(%.*s) accepted\n", (int)len, in);
	}
	test_checks++;
}

static void test_canon(void)
{
	char buf[700];

	canon_ok("alice@example.com", "alice@example.com");
	canon_ok("ALICE@Example.COM.", "alice@example.com");
	canon_ok(" \t\x1c a@b...\x1f\r\n", "a@b");
	canon_ok("a_b-c.d@x-y.z9", "a_b-c.d@x-y.z9");
	canon_ok("0@0", "0@0");
	const char *bad[] = {
	    "",	      "@",     "a@",	"@b",	 "a@@b",	  "a@b@c",	".a@b",	 "a.@b",
	    "a..b@c", "_a@b",  "-a@b",	"a@-b",	 "a@b-",	  "a@b..c",	"a@.b",	 "a@.",
	    "a b@c",  "a@b c", "a@b_c", "a+b@c", "caf\xc3\xa9@b", "a@\xc3\xa9", "a\n@b", "a@b\n.c"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		canon_bad(bad[i], strlen(bad[i]));
	canon_bad("a\0@b", 4);
	/* Local part: 64 characters pass, 65 do not. */
	memset(buf, 'l', 64);
	strcpy(buf + 64, "@h");
	canon_ok(buf, buf);
	memset(buf, 'l', 65);
	strcpy(buf + 65, "@h");
	canon_bad(buf, strlen(buf));
	/* Labels: 63 pass, 64 do not. Host: 253 passes, 254 does not. */
	buf[0] = 'a';
	buf[1] = '@';
	memset(buf + 2, 'h', 63);
	buf[65] = '\0';
	canon_ok(buf, buf);
	memset(buf + 2, 'h', 64);
	buf[66] = '\0';
	canon_bad(buf, strlen(buf));
	size_t o = 2;
	for (int i = 0; i < 4; i++) { /* 4 * 63 + 3 dots = 255; trim to 253 */
		memset(buf + o, 'h', 63);
		o += 63;
		buf[o++] = '.';
	}
	buf[o - 1] = '\0';
	buf[2 + 253] = '\0';
	buf[2 + 252] = 'h';
	canon_ok(buf, buf);
	buf[2 + 253] = 'h';
	buf[2 + 254] = '\0';
	canon_bad(buf, strlen(buf));
	/* Any number of trailing dots is stripped before the length check. */
	memset(buf, '.', 600);
	memcpy(buf, "a@b", 3);
	buf[600] = '\0';
	canon_ok(buf, "a@b");
}

static void test_encode(void)
{
	uint8_t out[1024];
	size_t n = 0;
	const uint8_t body[] = "hi";
	char addr[400];

	CHECK_EQ(dm_envelope_encode(body, 2, "Bob@Example.org", out, sizeof(out), &n), 0);
	CHECK(n == 35 && memcmp(out, "DMPV2:{\"from\":\"bob@example.org\"}\nhi", n) == 0);
	CHECK_EQ(dm_envelope_encode(body, 2, NULL, out, sizeof(out), &n), 0);
	CHECK(n == 2 && memcmp(out, "hi", 2) == 0);
	CHECK_EQ(dm_envelope_encode(body, 2, "nope", out, sizeof(out), &n), 0);
	CHECK(n == 2 && memcmp(out, "hi", 2) == 0);
	CHECK_EQ(dm_envelope_encode(body, 2, "a@b", out, 10, &n), DM_ETOOBIG);
	CHECK_EQ(dm_envelope_encode(body, 2, NULL, out, 1, &n), DM_ETOOBIG);
	/* A canonical address whose header would exceed 256 bytes: plain v1. */
	memset(addr, 'l', 64);
	addr[64] = '@';
	size_t o = 65;
	for (int i = 0; i < 3; i++) {
		memset(addr + o, 'h', 63);
		o += 63;
		addr[o++] = '.';
	}
	memset(addr + o, 'h', 61);
	o += 61;
	addr[o] = '\0'; /* host = 3*64 + 61 = 253 */
	char c[DM_ADDR_MAX + 1];
	CHECK_EQ(dm_envelope_canon_addr(addr, strlen(addr), c), 0);
	CHECK_EQ(dm_envelope_encode(body, 2, addr, out, sizeof(out), &n), 0);
	CHECK_EQ(n, 2);
	/* 245-character address: header exactly 256 bytes, still wrapped. */
	addr[245] = '\0';
	CHECK_EQ(dm_envelope_canon_addr(addr, strlen(addr), c), 0);
	CHECK_EQ(dm_envelope_encode(body, 2, addr, out, sizeof(out), &n), 0);
	CHECK_EQ(n, 6 + 256 + 1 + 2);
	struct dm_envelope_view v;
	dm_envelope_decode(out, n, &v);
	CHECK(v.v2 && v.has_from && strcmp(v.from, addr) == 0 && v.body_len == 2);
}

/* Decodes `pt`; an envelope's body starts after the first LF, else it is all of `pt`. */
static void dec(const char *pt, bool v2, const char *from)
{
	struct dm_envelope_view v;
	size_t len = strlen(pt);
	dm_envelope_decode((const uint8_t *)pt, len, &v);
	const char *lf = strchr(pt, '\n');
	size_t off = v2 && lf != NULL ? (size_t)(lf - pt) + 1 : 0;
	bool ok = v.v2 == v2 && v.body == (const uint8_t *)pt + off && v.body_len == len - off;
	ok = ok && v.has_from == (from != NULL) && (from == NULL || strcmp(v.from, from) == 0);
	test_checks++;
	if (!ok) {
		test_failures++;
		fprintf(stderr, "decode(%s): v2=%d body_len=%zu from=%s\n", pt, v.v2, v.body_len,
			v.has_from ? v.from : "(none)");
	}
}

static void test_decode(void)
{
	char buf[600];

	dec("", false, NULL);
	dec("DMPV2", false, NULL);
	dec("dmpv2:{}\nx", false, NULL);
	dec("DMPV2:{}\nx", true, NULL);
	dec("DMPV2:{\"from\":\"a@b\"}\n", true, "a@b");
	dec("DMPV2:{\"from\":\"A@B.\"}\nbody\nmore", true, "a@b");
	dec("DMPV2: {\"from\" : \"a@b\" }\t\r\nx", true, "a@b");
	/* Not an object / not JSON / trailing data: the whole plaintext is the body. */
	dec("DMPV2:[]\nx", false, NULL);
	dec("DMPV2:\"a\"\nx", false, NULL);
	dec("DMPV2:\nx", false, NULL);
	dec("DMPV2:{}x\nx", false, NULL);
	dec("DMPV2:{\"a\":1,}\nx", false, NULL);
	dec("DMPV2:{\"a\":01}\nx", false, NULL);
	dec("DMPV2:{\"a\":1.}\nx", false, NULL);
	dec("DMPV2:{\"a\":1e}\nx", false, NULL);
	dec("DMPV2:{\"a\":-}\nx", false, NULL);
	dec("DMPV2:{\"a\":\"\\x\"}\nx", false, NULL);
	dec("DMPV2:{\"a\":\"\x01\"}\nx", false, NULL);
	dec("DMPV2:{\"a\":\"\\u12\"}\nx", false, NULL);
	dec("DMPV2:{\"a\":\"\xc3\xa9\"}\nx", false, NULL); /* header decoded as ASCII */
	dec("DMPV2:{'from':'a@b'}\nx", false, NULL);
	dec("DMPV2:{\"from\":\"a@b\"\nx\"}", false, NULL);
	/* Python's json accepts these, so they are envelopes. */
	dec("DMPV2:{\"a\":NaN,\"b\":-Infinity,\"c\":Infinity,\"from\":\"a@b\"}\n", true, "a@b");
	dec("DMPV2:{\"a\":[1,-0.5e+3,true,false,null,{\"from\":\"x@y\"}],\"b\":\"\\ud800\"}\nz",
	    true, NULL);
	dec("DMPV2:{\"fro\\u006d\":\"\\u0061@b\\/\"}\nz", true, NULL); /* "a@b/" */
	dec("DMPV2:{\"fro\\u006d\":\"\\u0061@B\"}\nz", true, "a@b");
	/* from: wrong type, not canonical, non-ASCII escape, duplicates (last wins). */
	dec("DMPV2:{\"from\":1}\nz", true, NULL);
	dec("DMPV2:{\"from\":\"nope\"}\nz", true, NULL);
	dec("DMPV2:{\"from\":\"a\\u00e9@b\"}\nz", true, NULL);
	dec("DMPV2:{\"from\":\"a\\n@b\"}\nz", true, NULL);
	dec("DMPV2:{\"from\":\"a@b\",\"from\":\"c@d\"}\nz", true, "c@d");
	dec("DMPV2:{\"from\":\"a@b\",\"from\":null}\nz", true, NULL);
	dec("DMPV2:{\"from\":null,\"from\":\"a@b\"}\nz", true, "a@b");
	/* The LF must come within 257 bytes of the prefix (header <= 256 bytes). */
	memcpy(buf, "DMPV2:{\"a\":\"", 12);
	memset(buf + 12, 'x', 256 - 8);
	memcpy(buf + 6 + 254, "\"}\nz", 5); /* header = 256 bytes */
	dec(buf, true, NULL);
	memcpy(buf, "DMPV2:{\"a\":\"", 12);
	memset(buf + 12, 'x', 256 - 7);
	memcpy(buf + 6 + 255, "\"}\nz", 5); /* header = 257 bytes */
	dec(buf, false, NULL);
	/* Deep nesting within the size limit. */
	memcpy(buf, "DMPV2:{\"a\":", 11);
	size_t o = 11;
	for (int i = 0; i < 120; i++)
		buf[o++] = '[';
	for (int i = 0; i < 120; i++)
		buf[o++] = ']';
	memcpy(buf + o, "}\nq", 4);
	dec(buf, true, NULL);
	/* Binary bodies are untouched; NUL bytes in the body are fine. */
	struct dm_envelope_view v;
	const uint8_t bin[] = {'D', 'M', 'P', 'V', '2', ':', '{', '}', '\n', 0, 0xff, '\n'};
	dm_envelope_decode(bin, sizeof(bin), &v);
	CHECK(v.v2 && v.body == bin + 9 && v.body_len == 3);
}

int main(void)
{
	test_canon();
	test_encode();
	test_decode();
	return TEST_DONE("test_envelope");
}
