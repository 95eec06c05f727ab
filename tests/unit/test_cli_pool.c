/* The resolver pool policy of cli.md §5 (cli/net_pool.c) over a scripted
 * transport, plus resolver entry parsing and the DNS response parser. */
#include <stdlib.h>
#include <string.h>

#include "cli/net_dns.h"
#include "cli/net_pool.h"
#include "tests/unit/test.h"

/* Per host: 0 answers "v", 1 NXDOMAIN, 2 transport failure. */
struct script {
	int behaviour[CLI_POOL_MAX_HOSTS];
	int calls[CLI_POOL_MAX_HOSTS];
	const struct cli_pool *pool;
};

static int fake_query(void *ctx, const struct cli_ns *ns, const char *name, int timeout_ms,
		      struct dm_txtset *out, uint8_t *ret_rcode, char *err)
{
	struct script *s = ctx;
	size_t i;
	(void)name;
	(void)timeout_ms;
	for (i = 0; i < s->pool->count; i++)
		if (&s->pool->hosts[i].ns == ns)
			break;
	s->calls[i]++;
	if (s->behaviour[i] == 2) {
		strcpy(err, "down");
		return -1;
	}
	*ret_rcode = s->behaviour[i] == 1 ? 3 : 0;
	if (s->behaviour[i] == 0)
		return dm_txtset_add(out, "v", 1) < 0 ? -1 : 0;
	return 0;
}

static void test_parse(void)
{
	struct cli_ns ns;
	CHECK_EQ(cli_ns_parse("1.1.1.1", 53, &ns), 0);
	CHECK_STR(ns.label, "1.1.1.1");
	CHECK_EQ(cli_ns_parse("127.0.0.1:5353", 53, &ns), 0);
	CHECK_STR(ns.label, "127.0.0.1:5353");
	CHECK_EQ(cli_ns_parse("8.8.8.8:53", 53, &ns), 0);
	CHECK_STR(ns.label, "8.8.8.8");
	CHECK_EQ(cli_ns_parse("2001:4860:4860::8888", 53, &ns), 0);
	CHECK_EQ(cli_ns_parse("[::1]:5353", 53, &ns), 0);
	CHECK_STR(ns.label, "[::1]:5353");
	CHECK(cli_ns_parse("dns.google", 53, &ns) < 0);
	CHECK(cli_ns_parse("1.1.1.1:0", 53, &ns) < 0);
	CHECK(cli_ns_parse("1.1.1.1:70000", 53, &ns) < 0);
	CHECK(cli_ns_parse("[1.1.1.1]:53", 53, &ns) < 0);
	CHECK(cli_ns_parse("", 53, &ns) < 0);
	CHECK(cli_ns_parse("1.1.1.1:", 53, &ns) < 0);
}

static struct cli_pool *make_pool(struct script *s, size_t n)
{
	static struct cli_pool p;
	static const char *const hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
	cli_pool_init(&p, 1000, 5000);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(cli_pool_add(&p, hosts[i], 53), 0);
	memset(s, 0, sizeof(*s));
	s->pool = &p;
	p.query = fake_query;
	p.query_ctx = s;
	return &p;
}

static void clear(struct dm_txtset *set)
{
	cli_txtset_clear(set);
}

static void test_failover(void)
{
	struct script s;
	struct cli_pool *p = make_pool(&s, 3);
	struct dm_txtset out = {0};
	size_t order[CLI_POOL_MAX_HOSTS];

	/* Host 0 down: host 1 answers; host 0 is demoted to the end for 60 s. */
	s.behaviour[0] = 2;
	CHECK_EQ(cli_pool_lookup(p, "x.example", 1000, &out), 0);
	CHECK_EQ(out.count, 1);
	clear(&out);
	CHECK_EQ(cli_pool_order(p, 2000, order), 3);
	CHECK_EQ(order[0], 1);
	CHECK_EQ(order[2], 0);
	/* After 60 s it is back in its configured place. */
	CHECK_EQ(cli_pool_order(p, 1000 + CLI_POOL_DEMOTE_MS, order), 3);
	CHECK_EQ(order[0], 0);

	/* Host 1 says NXDOMAIN but host 2 answers: host 1 is proven wrong. */
	p = make_pool(&s, 3);
	s.behaviour[0] = 1;
	s.behaviour[1] = 0;
	CHECK_EQ(cli_pool_lookup(p, "x.example", 5000, &out), 0);
	CHECK_EQ(out.count, 1);
	clear(&out);
	CHECK_EQ(cli_pool_order(p, 6000, order), 3);
	CHECK_EQ(order[0], 1);
	CHECK_EQ(order[1], 2);
	CHECK_EQ(order[2], 0);

	/* Everyone says NXDOMAIN: success with no values, nobody demoted. */
	p = make_pool(&s, 2);
	s.behaviour[0] = s.behaviour[1] = 1;
	CHECK_EQ(cli_pool_lookup(p, "x.example", 1000, &out), 0);
	CHECK_EQ(out.count, 0);
	CHECK_EQ(cli_pool_order(p, 1001, order), 2);
	CHECK_EQ(order[0], 0);

	/* Everyone down: DM_EUNAVAIL with a reason; demoted oldest failure first. */
	p = make_pool(&s, 3);
	s.behaviour[0] = s.behaviour[1] = s.behaviour[2] = 2;
	CHECK(cli_pool_lookup(p, "x.example", 1000, &out) < 0);
	CHECK_STR(p->last_err, "down");
	p->hosts[2].failed_at_ms = 500;
	CHECK_EQ(cli_pool_order(p, 1500, order), 3);
	CHECK_EQ(order[0], 2);

	/* Empty pool. */
	p = make_pool(&s, 0);
	CHECK(cli_pool_lookup(p, "x.example", 1000, &out) < 0);
}

static void test_response_parser(void)
{
	uint8_t q[CLI_DNS_QUERY_MAX], r[600];
	size_t qlen, n;
	struct dm_txtset out = {0};
	uint8_t rcode;
	bool tc;

	CHECK_EQ(cli_dns_build_query("a.Example", 0x1234, q, sizeof(q), &qlen), 0);
	/* Response: header, the question, one TXT answer with two strings. */
	size_t qsec = qlen - 12 - 11;
	memcpy(r, q, 12 + qsec);
	r[2] = 0x81;
	r[3] = 0x80;
	r[6] = 0;
	r[7] = 1;
	r[11] = 0;
	n = 12 + qsec;
	const uint8_t rr[] = {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 2, 'h', 'i', 2, 'y', 'o'};
	memcpy(r + n, rr, sizeof(rr));
	n += sizeof(rr);
	CHECK_EQ(cli_dns_parse_response(r, n, q, qlen, &out, &rcode, &tc), 0);
	CHECK_EQ(out.count, 1);
	CHECK(out.count == 1 && out.lens[0] == 4 && !memcmp(out.values[0], "hiyo", 4));
	CHECK_EQ(rcode, 0);
	clear(&out);
	/* Wrong id, truncated answer, not a response. */
	r[1] ^= 1;
	CHECK(cli_dns_parse_response(r, n, q, qlen, &out, &rcode, &tc) < 0);
	r[1] ^= 1;
	CHECK(cli_dns_parse_response(r, n - 3, q, qlen, &out, &rcode, &tc) < 0);
	clear(&out);
	r[2] = 0x01;
	CHECK(cli_dns_parse_response(r, n, q, qlen, &out, &rcode, &tc) < 0);
	CHECK(cli_dns_build_query("a..b", 1, q, sizeof(q), &qlen) < 0);
}

int main(void)
{
	test_parse();
	test_failover();
	test_response_parser();
	return TEST_DONE("test_cli_pool");
}
