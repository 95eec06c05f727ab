/* DMPHeader: canonical JSON, tolerant parse with strict types, AAD (wire.md §5.1-5.2). */
#include <stdio.h>
#include <string.h>

#include "common/dmp/header.h"
#include "common/err.h"
#include "tests/unit/test.h"

static const char canon[] =
    "{\"v\":1,\"type\":\"DATA\",\"msg_id\":\"6cef11aa1db09ed68639e108d0a3c9a2\","
    "\"sender\":\"edfd6d5d892950da0d5cb340291801fc5c763aa93e94446f1aee379ca1176b03\","
    "\"recipient\":\"560bd874b2ba003cf556ce1571e7d4ac96a3ed4eeda9b43e57802115fd0ae4e3\","
    "\"total\":1,\"chunk\":0,\"ts\":1767225600,\"ttl\":300}";

static int parse_str(const char *s, struct dm_header *h)
{
	return dm_header_parse((const uint8_t *)s, strlen(s), h);
}

/* Re-serialises `s` and compares with `want`. */
static void check_roundtrip(const char *s, const char *want)
{
	struct dm_header h;
	char out[DM_HEADER_JSON_MAX];
	size_t n = 0;
	CHECK_EQ(parse_str(s, &h), 0);
	CHECK_EQ(dm_header_canonical(&h, out, sizeof(out), &n), 0);
	CHECK(n == strlen(want) && memcmp(out, want, n) == 0);
}

static void test_canonical(void)
{
	struct dm_header h;
	char out[DM_HEADER_JSON_MAX];
	size_t n;

	check_roundtrip(canon, canon);
	/* Any key order, extra keys, whitespace and upper-case hex are accepted. */
	check_roundtrip(
	    " { \"ttl\":300, \"ts\":1767225600, \"chunk\":0, \"total\":1, \"extra\":[1,{}],"
	    "\"recipient\":\"560BD874B2BA003CF556CE1571E7D4AC96A3ED4EEDA9B43E57802115FD0AE4E3\","
	    "\"sender\":\"edfd6d5d892950da0d5cb340291801fc5c763aa93e94446f1aee379ca1176b03\","
	    "\"msg_id\":\"6cef11aa1db09ed68639e108d0a3c9a2\",\"type\":\"DATA\",\"v\":1 } ",
	    canon);
	/* Python dicts keep the last duplicate. */
	CHECK_EQ(
	    parse_str(
		"{\"v\":1,\"type\":\"ACK\",\"msg_id\":\"00000000000000000000000000000000\","
		"\"sender\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		"\"recipient\":"
		"\"0000000000000000000000000000000000000000000000000000000000000000\","
		"\"total\":1,\"chunk\":0,\"ts\":5,\"ttl\":-7,\"ts\":-9}",
		&h),
	    0);
	CHECK_EQ(h.ts, -9);
	CHECK_EQ(h.ttl, -7);
	CHECK_EQ(h.type, DM_MSG_ACK);
	CHECK_EQ(dm_header_canonical(&h, out, sizeof(out), &n), 0);
	CHECK(n > 0 && memmem(out, n, "\"ts\":-9,\"ttl\":-7}", 17) != NULL);
	/* Too small an output buffer. */
	CHECK_EQ(dm_header_canonical(&h, out, 10, &n), DM_ETOOBIG);
	h.type = (enum dm_msg_type)99;
	CHECK_EQ(dm_header_canonical(&h, out, sizeof(out), &n), DM_EINVAL);
	/* The five type names. */
	const char *names[] = {"DATA", "ACK", "DISCOVERY", "IDENTITY", "MAILBOX"};
	for (int i = 0; i < 5; i++)
		CHECK_STR(dm_header_type_name((enum dm_msg_type)i), names[i]);
	CHECK(dm_header_type_name((enum dm_msg_type)5) == NULL);
	/* Extreme integers fit the declared maximum. */
	h.type = DM_MSG_DISCOVERY;
	h.version = h.total = h.chunk = h.ts = h.ttl = INT64_MIN;
	CHECK_EQ(dm_header_canonical(&h, out, sizeof(out), &n), 0);
	CHECK(n <= DM_HEADER_JSON_MAX);
}

static void test_reject(void)
{
	struct dm_header h;
	char buf[1024];
	static const struct {
		const char *from, *to;
	} edits[] = {
	    {"\"v\":1", "\"v\":\"1\""},
	    {"\"v\":1", "\"v\":true"},
	    {"\"v\":1", "\"w\":1"},
	    {"\"DATA\"", "\"data\""},
	    {"\"DATA\"", "1"},
	    {"\"ts\":1767225600", "\"ts\":1767225600.0"},
	    {"\"ttl\":300", "\"ttl\":3e2"},
	    {"\"ttl\":300", "\"ttl\":null"},
	    {"\"total\":1", "\"total\":99999999999999999999"},
	    {"\"6cef11aa1db09ed68639e108d0a3c9a2\"", "\"6cef11aa1db09ed68639e108d0a3c9\""},
	    {"\"6cef11aa1db09ed68639e108d0a3c9a2\"", "\"6cef11aa1db09ed68639e108d0a3c9a2aa\""},
	    {"\"6cef11aa1db09ed68639e108d0a3c9a2\"", "\"6cef11aa1db09ed68639e108d0a3c9ag\""},
	    {"\"6cef11aa1db09ed68639e108d0a3c9a2\"", "\"6cef11aa 1db09ed68639e108d0a3c9a2\""},
	    {"\"chunk\":0", "\"chunk\":[0]"},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(canon, edits[i].from);
		CHECK(at != NULL);
		if (at == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - canon), canon, edits[i].to,
			 at + strlen(edits[i].from));
		CHECK_EQ(parse_str(buf, &h), DM_EINVAL);
	}
	CHECK_EQ(parse_str("[1,2]", &h), DM_EINVAL);
	CHECK_EQ(parse_str("", &h), DM_EINVAL);
	CHECK_EQ(parse_str("{}", &h), DM_EINVAL);
	snprintf(buf, sizeof(buf), "%sx", canon);
	CHECK_EQ(parse_str(buf, &h), DM_EINVAL); /* trailing data */
	snprintf(buf, sizeof(buf), "%s", canon);
	buf[strlen(buf) - 1] = '\0';
	CHECK_EQ(parse_str(buf, &h), DM_EINVAL); /* truncated */
	/* Invalid UTF-8 in an ignored key still fails, as in Python. */
	snprintf(buf, sizeof(buf), "{\"\xff\":1,%s", canon + 1);
	CHECK_EQ(parse_str(buf, &h), DM_EINVAL);
	/* "\u0000" in an ignored value is fine, as in Python; jansson refuses it
	 * in keys, a corner where we are stricter than the reference. */
	snprintf(buf, sizeof(buf), "{\"a\":\"\\u0000\",%s", canon + 1);
	CHECK_EQ(parse_str(buf, &h), 0);
	snprintf(buf, sizeof(buf), "{\"a\\u0000\":1,%s", canon + 1);
	CHECK_EQ(parse_str(buf, &h), DM_EINVAL);
}

static void test_aad(void)
{
	struct dm_header h;
	uint8_t aad[DM_HEADER_AAD_MAX];
	size_t n;

	CHECK_EQ(parse_str(canon, &h), 0);
	h.total = 7;
	h.chunk = 3;
	CHECK_EQ(dm_header_aad(&h, 0x01020304, aad, &n), 0);
	CHECK(n > 4);
	CHECK(memmem(aad, n, "\"total\":0,\"chunk\":0,", 20) != NULL);
	CHECK(aad[n - 4] == 1 && aad[n - 3] == 2 && aad[n - 2] == 3 && aad[n - 1] == 4);
	CHECK_EQ(h.total, 7); /* the input is not modified */
}

int main(void)
{
	test_canonical();
	test_reject();
	test_aad();
	return TEST_DONE("test_header");
}
