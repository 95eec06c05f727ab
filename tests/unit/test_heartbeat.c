/* common/dmp/heartbeat.h: endpoint rules, both magics, clock window. */
#include <sodium.h>

#include "common/dmp/heartbeat.h"
#include "common/err.h"
#include "tests/unit/test.h"

static uint8_t pk[32], sk[64];

static int ep(const char *s)
{
	return dm_heartbeat_endpoint_check(s, strlen(s)) == 0;
}

static void test_endpoint(void)
{
	static const char *good[] = {
	    "https://node.example.com",
	    "http://93.184.216.34:8053",
	    "HTTPS://Node.Example:443",
	    "https://node.example.com?",
	    "https://node.example.com#",
	    "https://[2606:4700::1]:443",
	    "https://[2606:4700::1%eth0]",
	    "https://[fec0::1]",
	    "https://100.64.0.1",
	    "https://127.1", /* not an IPv4Address to Python: a host name */
	    "https://192.0.0.9",
	    "https://[v1.abc]",
	    "https://h:notaport",
	};
	static const char *bad[] = {
	    "",
	    "https://node.example.com/",
	    "https://node.example.com/v1",
	    "https://h?q=1",
	    "https://h#f",
	    "https://h#?",
	    "https://user@h",
	    "https://@h",
	    "ftp://h",
	    "https:h",
	    "https://",
	    "https://:80",
	    "https://localhost",
	    "https://LocalHost.LocalDomain",
	    "https://ip6-localhost:1",
	    "https://127.0.0.1",
	    "https://0.0.0.0",
	    "https://10.0.0.1",
	    "https://172.31.255.255",
	    "https://192.168.1.1",
	    "https://169.254.0.1",
	    "https://192.0.2.1",
	    "https://198.51.100.1",
	    "https://203.0.113.1",
	    "https://198.19.0.1",
	    "https://192.0.0.8",
	    "https://192.0.0.171",
	    "https://224.0.0.1",
	    "https://240.0.0.1",
	    "https://255.255.255.255",
	    "https://[::1]",
	    "https://[::]",
	    "https://[fe80::1]",
	    "https://[fc00::1]",
	    "https://[ff02::1]",
	    "https://[2001:db8::1]",
	    "https://[2001:20::1]",
	    "https://[2002::1]",
	    "https://[3fff::1]",
	    "https://[::ffff:8.8.8.8]",
	    "https://[1.2.3.4]",
	    "https://[vz.x]",
	    "https://[v1.]",
	    "https://[2606:4700::1",
	    "https://2606:4700::1]",
	    "https://[fe80::1%]",
	    "https://a b",
	    "https://a\tb",
	    "https://caf\xc3\xa9.com",
	    "https://h\x7f",
	};
	char longest[300];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!ep(good[i])) {
			fprintf(stderr, "rejected good endpoint %s\n", good[i]);
			CHECK(0);
		}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ep(bad[i])) {
			fprintf(stderr, "accepted bad endpoint %s\n", bad[i]);
			CHECK(0);
		}
	memset(longest, 'a', sizeof(longest));
	memcpy(longest, "https://", 8);
	CHECK_EQ(dm_heartbeat_endpoint_check(longest, 255), 0);
	CHECK_EQ(dm_heartbeat_endpoint_check(longest, 256), DM_EINVAL);
}

static void fill(struct dm_heartbeat *hb, enum dm_heartbeat_format f)
{
	memset(hb, 0, sizeof(*hb));
	hb->format = f;
	strcpy(hb->endpoint, "https://node.example.com");
	hb->endpoint_len = strlen(hb->endpoint);
	memcpy(hb->operator_spk, pk, 32);
	strcpy(hb->version, "0.4.4");
	hb->version_len = 5;
	hb->capabilities = 0x8001;
	hb->ts = 10000;
	hb->exp = 10600;
}

static void test_records(void)
{
	char out[DM_RECORD_CAP_SIGNED + 1], out2[DM_RECORD_CAP_SIGNED + 1];
	struct dm_heartbeat hb, got;
	uint8_t opk[32], osk[64];
	size_t len, len2;

	fill(&hb, DM_HEARTBEAT_HB03);
	strcpy(hb.zone, "claims.example.net");
	hb.zone_len = strlen(hb.zone);
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), 0);
	CHECK_EQ(got.format, DM_HEARTBEAT_HB03);
	CHECK_EQ(got.capabilities, 0x8001);
	CHECK_EQ(got.zone_len, hb.zone_len);
	CHECK_EQ(dm_heartbeat_encode(&got, out2, sizeof(out2), &len2), 0);
	CHECK_EQ(len2, len);
	CHECK_STR(out, out2);
	/* ±300 s around ts, and exp strictly after now */
	CHECK_EQ(dm_heartbeat_parse(out, len, 9700, &got), 0);
	CHECK_EQ(dm_heartbeat_parse(out, len, 9699, &got), DM_EEXPIRED);
	CHECK_EQ(dm_heartbeat_parse(out, len, 10300, &got), 0);
	CHECK_EQ(dm_heartbeat_parse(out, len, 10301, &got), DM_EEXPIRED);
	hb.exp = 10200;
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), 0);
	CHECK_EQ(dm_heartbeat_parse(out, len, 10200, &got), DM_EEXPIRED);

	/* HB02 carries no zone. */
	fill(&hb, DM_HEARTBEAT_HB02);
	hb.zone_len = 1;
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&hb, DM_HEARTBEAT_HB03);
	strcpy(hb.zone, "a b");
	hb.zone_len = 3;
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&hb, DM_HEARTBEAT_HB02);
	hb.version[0] = (char)0xc3;
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&hb, DM_HEARTBEAT_HB02);
	hb.exp = hb.ts;
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), DM_EINVAL);
	fill(&hb, DM_HEARTBEAT_HB02);
	strcpy(hb.endpoint, "https://10.0.0.1");
	hb.endpoint_len = strlen(hb.endpoint);
	CHECK_EQ(dm_heartbeat_sign(&hb, sk, out, sizeof(out), &len), DM_EINVAL);
	crypto_sign_keypair(opk, osk);
	fill(&hb, DM_HEARTBEAT_HB02);
	CHECK_EQ(dm_heartbeat_sign(&hb, osk, out, sizeof(out), &len), DM_EINVAL);

	/* A body whose endpoint breaks the rules is refused even when signed. */
	{
		uint8_t body[200];
		size_t n = 0;

		memcpy(body, "DMPHB02", 7);
		n = 7;
		body[n++] = 0;
		body[n++] = 17;
		memcpy(body + n, "https://127.0.0.1", 17);
		n += 17;
		memcpy(body + n, pk, 32);
		n += 32;
		body[n++] = 0;
		body[n++] = 0;
		body[n++] = 0;
		memset(body + n, 0, 16);
		body[n + 6] = 0x27;
		body[n + 7] = 0x10; /* ts 10000 */
		body[n + 14] = 0x29;
		body[n + 15] = 0x68; /* exp 10600 */
		n += 16;
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n, sk, 0, out,
					       sizeof(out), &len),
			 0);
		CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), DM_EINVAL);
		memcpy(body + 9, "https://1.1.1.1/x", 17);
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n, sk, 0, out,
					       sizeof(out), &len),
			 0);
		CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), DM_EINVAL);
		memcpy(body + 9, "https://1.1.1.1:8", 17);
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n, sk, 0, out,
					       sizeof(out), &len),
			 0);
		CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), 0);
		/* unknown magic, trailing byte */
		body[6] = '4';
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n, sk, 0, out,
					       sizeof(out), &len),
			 0);
		CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), DM_EINVAL);
		body[6] = '2';
		CHECK_EQ(dm_record_sign_encode(DM_PREFIX_HEARTBEAT, body, n + 1, sk, 0, out,
					       sizeof(out), &len),
			 0);
		CHECK_EQ(dm_heartbeat_parse(out, len, 10000, &got), DM_EINVAL);
	}
	/* over the 1200-byte cap */
	{
		static char big[1300];

		memset(big, 'A', sizeof(big));
		memcpy(big, DM_PREFIX_HEARTBEAT, strlen(DM_PREFIX_HEARTBEAT));
		CHECK_EQ(dm_heartbeat_parse(big, 1201, 10000, &got), DM_ETOOBIG);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	test_endpoint();
	test_records();
	return TEST_DONE("test_heartbeat");
}
