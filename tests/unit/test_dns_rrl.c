/* DNS rate limiting: the reference token bucket (node.md §4) per /24 and /56. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/dns/rrl.h"
#include "tests/unit/test.h"

static struct sockaddr_storage v4(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	CHECK_EQ(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	CHECK_EQ(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	return ss;
}

static bool allow(struct dm_dns_rrl *r, const struct sockaddr_storage *ss, uint64_t now)
{
	return dm_dns_rrl_allow(r, (const struct sockaddr *)ss, now);
}

/* How many of `n` packets at time `now` get through. */
static int burst_of(struct dm_dns_rrl *r, const struct sockaddr_storage *ss, uint64_t now, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += allow(r, ss, now);
	return ok;
}

static void test_bucket(void)
{
	struct dm_dns_rrl *r = dm_dns_rrl_new(100, 50.0, 200.0);
	struct sockaddr_storage a = v4("192.0.2.10");
	CHECK(r != NULL);
	/* A new key starts full: exactly `burst` packets pass at one instant. */
	CHECK_EQ(burst_of(r, &a, 1000, 250), 200);
	CHECK_EQ(dm_dns_rrl_size(r), 1);
	/* 50/s: 100 ms refills 5 tokens. */
	CHECK_EQ(burst_of(r, &a, 1100, 10), 5);
	/* 19 ms refills 0.95 tokens: still denied; the refill is kept, so 2 ms later one passes. */
	CHECK(!allow(r, &a, 1119));
	CHECK(allow(r, &a, 1121));
	CHECK(!allow(r, &a, 1121));
	/* Refill is capped at burst, however long the pause. */
	CHECK_EQ(burst_of(r, &a, 1000000, 300), 200);
	/* A clock stepping back adds nothing. */
	CHECK(!allow(r, &a, 500));
	dm_dns_rrl_free(r);
	dm_dns_rrl_free(NULL);
}

static void test_fractional(void)
{
	/* burst < 1 never lets anything through, as in the reference. */
	struct dm_dns_rrl *r = dm_dns_rrl_new(10, 1.0, 0.5);
	struct sockaddr_storage a = v4("10.0.0.1");
	CHECK(!allow(r, &a, 0));
	CHECK(!allow(r, &a, 100000));
	dm_dns_rrl_free(r);
	/* rate 2.5/s, burst 2. */
	r = dm_dns_rrl_new(10, 2.5, 2.0);
	CHECK_EQ(burst_of(r, &a, 0, 5), 2);
	CHECK(!allow(r, &a, 390)); /* 0.975 tokens */
	CHECK(allow(r, &a, 410));
	CHECK(!allow(r, &a, 410));
	dm_dns_rrl_free(r);
}

static void test_disabled(void)
{
	struct sockaddr_storage a = v4("10.0.0.1");
	struct dm_dns_rrl *r = dm_dns_rrl_new(10, 0.0, 200.0);
	CHECK_EQ(burst_of(r, &a, 0, 1000), 1000);
	CHECK_EQ(dm_dns_rrl_size(r), 0);
	dm_dns_rrl_free(r);
	r = dm_dns_rrl_new(10, 50.0, 0.0);
	CHECK_EQ(burst_of(r, &a, 0, 1000), 1000);
	dm_dns_rrl_free(r);
	r = dm_dns_rrl_new(10, -1.0, -1.0);
	CHECK_EQ(burst_of(r, &a, 0, 1000), 1000);
	dm_dns_rrl_free(r);
	CHECK(dm_dns_rrl_new(0, 1.0, 1.0) == NULL);
}

static void test_prefixes(void)
{
	struct dm_dns_rrl *r = dm_dns_rrl_new(100, 1.0, 3.0);
	struct sockaddr_storage a1 = v4("198.51.100.1"), a2 = v4("198.51.100.254");
	struct sockaddr_storage b = v4("198.51.101.1");
	struct sockaddr_storage m = v6("::ffff:198.51.100.77");
	/* Same /24 shares one bucket, IPv4-mapped IPv6 included. */
	CHECK_EQ(burst_of(r, &a1, 0, 2), 2);
	CHECK(allow(r, &a2, 0));
	CHECK(!allow(r, &a2, 0));
	CHECK(!allow(r, &m, 0));
	CHECK_EQ(burst_of(r, &b, 0, 5), 3);
	CHECK_EQ(dm_dns_rrl_size(r), 2);

	/* IPv6: one /56 shares a bucket; the next /56 does not. */
	struct sockaddr_storage x1 = v6("2001:db8:1:ab00::1"), x2 = v6("2001:db8:1:abff:ffff::9");
	struct sockaddr_storage y = v6("2001:db8:1:ac00::1");
	CHECK_EQ(burst_of(r, &x1, 0, 2), 2);
	CHECK_EQ(burst_of(r, &x2, 0, 5), 1);
	CHECK_EQ(burst_of(r, &y, 0, 5), 3);
	/* An IPv6 /56 never collides with an IPv4 /24 of the same bits. */
	struct sockaddr_storage z6 = v6("c633:6400::"), z4 = v4("198.51.100.0");
	CHECK_EQ(burst_of(r, &z6, 0, 5), 3);
	CHECK(!allow(r, &z4, 0));
	/* Other families share one bucket rather than escaping the limit. */
	struct sockaddr_storage u;
	memset(&u, 0, sizeof(u));
	u.ss_family = AF_UNIX;
	CHECK_EQ(burst_of(r, &u, 0, 5), 3);
	dm_dns_rrl_free(r);
}

static void test_eviction(void)
{
	struct dm_dns_rrl *r = dm_dns_rrl_new(2, 1.0, 2.0);
	struct sockaddr_storage a = v4("10.0.1.1"), b = v4("10.0.2.1"), c = v4("10.0.3.1");
	CHECK_EQ(burst_of(r, &a, 0, 3), 2);
	CHECK_EQ(burst_of(r, &b, 0, 3), 2);
	/* a is touched again (denied), so b is now the least recent. */
	CHECK(!allow(r, &a, 0));
	CHECK_EQ(burst_of(r, &c, 0, 3), 2);
	CHECK_EQ(dm_dns_rrl_size(r), 2);
	/* b was evicted: it comes back full. a was kept: still empty. */
	CHECK(!allow(r, &a, 0));
	CHECK_EQ(burst_of(r, &b, 0, 3), 2);
	/* Cycling many prefixes stays within the cap. */
	for (int i = 0; i < 1000; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 256, i % 256);
		struct sockaddr_storage s = v4(ip);
		CHECK(allow(r, &s, 0));
	}
	CHECK_EQ(dm_dns_rrl_size(r), 2);
	dm_dns_rrl_free(r);
}

int main(void)
{
	test_bucket();
	test_fractional();
	test_disabled();
	test_prefixes();
	test_eviction();
	return TEST_DONE("test_dns_rrl");
}
