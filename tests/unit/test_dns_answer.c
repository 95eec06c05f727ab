/* dm_dns_respond(): every behaviour of answer.h, checked on decoded responses and raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dmp/txt.h"
#include "common/dns/answer.h"
#include "common/err.h"
#include "tests/unit/dns_util.h"
#include "tests/unit/test.h"

#define NOW	1767225600u
#define TYPE_MX 15

static uint8_t out[70000];

struct ask {
	const struct dm_dns_config *cfg;
	const struct dm_dns_table *t;
	int edns;
	bool dobit;
	bool tcp;
	size_t outcap;
};

/* Sends one query, checks it is answered with a well-formed reply of the same ID. */
static size_t ask(const struct ask *a, const char *name, uint16_t qtype, uint16_t qclass,
		  struct tv_resp *v)
{
	uint8_t q[512];
	size_t qlen = tq_query(q, 0x4242, name, qtype, qclass, a->edns, a->dobit), len = 0;
	int rc = dm_dns_respond(a->cfg, a->t, NOW, q, qlen, a->tcp, out,
				a->outcap ? a->outcap : sizeof(out), &len);
	CHECK_EQ(rc, 0);
	if (rc != 0)
		return 0;
	CHECK(tv_parse(out, len, v));
	CHECK_EQ(v->id, 0x4242);
	CHECK(v->f2 & DM_DNS_F2_QR);
	CHECK(v->f2 & DM_DNS_F2_RD);
	CHECK_EQ(v->f3 & 0x80, 0); /* RA */
	CHECK_EQ(v->f3 & 0x20, 0); /* AD */
	return len;
}

static int put(struct dm_dns_table *t, const char *name, const char *value, uint64_t exp)
{
	return dm_dns_table_put(t, name, strlen(name), (const uint8_t *)value, strlen(value), exp);
}

static bool txt_is(const uint8_t *msg, const struct dm_dns_rr *rr, const char *s)
{
	uint8_t val[4096];
	long n = dm_txt_rdata_decode(msg + rr->rdata_off, rr->rdlen, val, sizeof(val));
	return rr->type == DM_DNS_TYPE_TXT && n == (long)strlen(s) &&
	       memcmp(val, s, strlen(s)) == 0;
}

static void test_exact_bytes(void)
{
	struct dm_dns_config cfg;
	dm_dns_config_init(&cfg);
	struct dm_dns_table *t = dm_dns_table_new();
	CHECK_EQ(put(t, "a.example", "hi", NOW + 30), 0);

	uint8_t q[64];
	size_t qlen =
	    tq_query(q, 0x1234, "A.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, TQ_NO_EDNS, false);
	size_t len = 0;
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, sizeof(out), &len), 0);
	/* clang-format off */
	static const uint8_t exp[] = {
		0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,              /* header */
		1, 'A', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 16, 0, 1, /* question */
		0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 30, 0, 3, 2, 'h', 'i',     /* answer */
	};
	/* clang-format on */
	CHECK_EQ(len, sizeof(exp));
	CHECK_MEM(out, exp, sizeof(exp));

	/* Same with EDNS (payload 4096, DO): an OPT advertising 1232 with DO. */
	qlen = tq_query(q, 0x1234, "A.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 4096, true);
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, sizeof(out), &len), 0);
	static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};
	CHECK_EQ(len, sizeof(exp) + sizeof(opt));
	CHECK_EQ(out[11], 1);
	CHECK_MEM(out + 12, exp + 12, sizeof(exp) - 12);
	CHECK_MEM(out + sizeof(exp), opt, sizeof(opt));

	/* CD is copied, RD too (here cleared). */
	q[2] = 0;
	q[3] = DM_DNS_F3_CD;
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, sizeof(out), &len), 0);
	CHECK_EQ(out[2], 0x84);
	CHECK_EQ(out[3], 0x10);
	dm_dns_table_free(t);
}

static void test_no_zone(void)
{
	struct dm_dns_config cfg;
	dm_dns_config_init(&cfg);
	struct dm_dns_table *t = dm_dns_table_new();
	struct ask a = {.cfg = &cfg, .t = t, .edns = TQ_NO_EDNS};
	struct tv_resp v;

	CHECK_EQ(put(t, "slot-1.mb-abc.zone.example", "first", NOW + 10), 0);
	CHECK_EQ(put(t, "slot-1.mb-abc.zone.example", "second", NOW + 1000), 0);
	CHECK_EQ(put(t, "slot-1.mb-abc.zone.example", "gone", NOW), 0);
	CHECK_EQ(put(t, "old.zone.example", "gone", NOW - 5), 0);

	ask(&a, "SLOT-1.Mb-ABC.zone.EXAMPLE", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK(v.aa);
	CHECK_EQ(v.an, 2);
	CHECK_EQ(v.ns, 0);
	CHECK(!v.opt);
	/* Owners echo the query's case (0x20); TTL = min(remaining, 60); store order. */
	CHECK(tv_owner_is(&v, 0, "SLOT-1.Mb-ABC.zone.EXAMPLE"));
	CHECK(tv_owner_is(&v, 1, "SLOT-1.Mb-ABC.zone.EXAMPLE"));
	CHECK(txt_is(out, &v.rr[0], "first"));
	CHECK(txt_is(out, &v.rr[1], "second"));
	CHECK_EQ(v.rr[0].ttl, 10);
	CHECK_EQ(v.rr[1].ttl, 60);
	CHECK_EQ(v.rr[0].rclass, DM_DNS_CLASS_IN);

	/* ANY gets the TXT RRset; other types at an existing name: NODATA. */
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_ANY, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.an, 2);
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_A, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(v.an + v.ns, 0);
	CHECK(v.aa);
	/* Empty non-terminal: NODATA for every type, never NXDOMAIN. */
	ask(&a, "mb-abc.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(v.an, 0);
	ask(&a, "example", DM_DNS_TYPE_AAAA, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	ask(&a, ".", DM_DNS_TYPE_NS, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(v.an, 0);
	/* Nothing at or below: NXDOMAIN for every type, no SOA without a zone. */
	ask(&a, "nope.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NXDOMAIN);
	CHECK(v.aa);
	CHECK_EQ(v.an + v.ns + v.ar, 0);
	CHECK_EQ(v.qd, 1);
	ask(&a, "nope.zone.example", DM_DNS_TYPE_A, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NXDOMAIN);
	/* Only expired values: does not exist. */
	ask(&a, "old.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NXDOMAIN);
	/* Class ANY is answered like IN; CH, NONE and others are refused; so is AXFR. */
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_ANY, &v);
	CHECK_EQ(v.an, 2);
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, 3, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	CHECK(!v.aa);
	CHECK_EQ(v.an, 0);
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, 254, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	ask(&a, "zone.example", DM_DNS_TYPE_AXFR, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	ask(&a, "zone.example", DM_DNS_TYPE_IXFR, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);

	/* Data source unavailable, or no table at all: SERVFAIL. */
	dm_dns_table_set_available(t, false);
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_SERVFAIL);
	CHECK(!v.aa);
	CHECK_EQ(v.an, 0);
	CHECK_EQ(v.qd, 1);
	a.t = NULL;
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_SERVFAIL);
	dm_dns_table_free(t);
}

static void setup_zone(struct dm_dns_config *cfg)
{
	struct dm_dns_zone *z = NULL;
	dm_dns_config_init(cfg);
	CHECK_EQ(dm_dns_config_add_zone(cfg, "zone.example", NULL, &z), 0);
	CHECK_EQ(dm_dns_zone_add_ns(z, "ns1.zone.example"), 0);
	CHECK_EQ(dm_dns_zone_add_ns(z, "ns2.other.net"), 0);
	static const uint8_t a4[4] = {192, 0, 2, 1};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	CHECK_EQ(dm_dns_zone_add_addr(z, a4, 4), 0);
	CHECK_EQ(dm_dns_zone_add_addr(z, a6, 16), 0);
	CHECK_EQ(dm_dns_zone_add_addr(z, a6, 5), DM_EINVAL);
	z->serial = 2026010101;
	z->minimum = 30;
}

/* Decodes the SOA RDATA of `rr` and checks it. */
static void check_soa(const uint8_t *msg, size_t len, const struct dm_dns_rr *rr, uint32_t serial,
		      uint32_t minimum)
{
	uint8_t mname[DM_DNAME_MAX], rname[DM_DNAME_MAX], exp[DM_DNAME_MAX];
	size_t ml, rl, off = rr->rdata_off;
	CHECK_EQ(rr->type, DM_DNS_TYPE_SOA);
	CHECK_EQ(dm_dname_unpack(msg, len, &off, mname, &ml), 0);
	CHECK_EQ(dm_dname_unpack(msg, len, &off, rname, &rl), 0);
	uint8_t lower[DM_DNAME_MAX];
	dm_dname_lower(mname, ml, lower);
	size_t el = tq_name(exp, "ns1.zone.example");
	CHECK(ml == el && memcmp(lower, exp, el) == 0);
	dm_dname_lower(rname, rl, lower);
	el = tq_name(exp, "hostmaster.zone.example");
	CHECK(rl == el && memcmp(lower, exp, el) == 0);
	CHECK_EQ(off + 20, rr->rdata_off + rr->rdlen);
	const uint8_t *p = msg + off;
	CHECK_EQ(dm_load_be32(p), serial);
	CHECK_EQ(dm_load_be32(p + 4), 3600);
	CHECK_EQ(dm_load_be32(p + 8), 600);
	CHECK_EQ(dm_load_be32(p + 12), 604800);
	CHECK_EQ(dm_load_be32(p + 16), minimum);
}

static void test_zone(void)
{
	struct dm_dns_config cfg;
	setup_zone(&cfg);
	struct dm_dns_table *t = dm_dns_table_new();
	struct ask a = {.cfg = &cfg, .t = t, .edns = 1232};
	struct tv_resp v;
	size_t len;

	CHECK_EQ(put(t, "slot-1.mb-abc.zone.example", "m", NOW + 300), 0);
	CHECK_EQ(put(t, "other.example", "x", NOW + 300), 0);

	/* Outside every zone: REFUSED even though the table has the name. */
	ask(&a, "other.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	CHECK(!v.aa);
	CHECK_EQ(v.an + v.ns, 0);
	CHECK(v.opt);
	ask(&a, "example", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	ask(&a, "xzone.example", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);

	/* Positive answer in the zone. */
	ask(&a, "slot-1.mb-abc.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK(v.aa);
	CHECK_EQ(v.an, 1);
	CHECK_EQ(v.ns, 0);
	CHECK(txt_is(out, &v.rr[0], "m"));

	/* Apex SOA, in the query's case; positive TTL 60, minimum 30. */
	len = ask(&a, "Zone.EXAMPLE", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.an, 1);
	CHECK(tv_owner_is(&v, 0, "Zone.EXAMPLE"));
	CHECK_EQ(v.rr[0].ttl, 60);
	check_soa(out, len, &v.rr[0], 2026010101, 30);
	/* ANY at the apex with no TXT: the SOA. */
	ask(&a, "zone.example", DM_DNS_TYPE_ANY, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.an, 1);
	CHECK_EQ(v.rr[0].type, DM_DNS_TYPE_SOA);

	/* Apex NS: the in-zone name compressed against the question, the other in full. */
	len = ask(&a, "zone.example", DM_DNS_TYPE_NS, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.an, 2);
	uint8_t nm[DM_DNAME_MAX], exp[DM_DNAME_MAX];
	size_t nl, off = v.rr[0].rdata_off, el;
	CHECK_EQ(v.rr[0].rdlen, 6); /* "\3ns1" + pointer */
	CHECK_EQ(dm_dname_unpack(out, len, &off, nm, &nl), 0);
	el = tq_name(exp, "ns1.zone.example");
	CHECK(nl == el && memcmp(nm, exp, el) == 0);
	off = v.rr[1].rdata_off;
	CHECK_EQ(dm_dname_unpack(out, len, &off, nm, &nl), 0);
	el = tq_name(exp, "ns2.other.net");
	CHECK(nl == el && memcmp(nm, exp, el) == 0);
	CHECK_EQ(v.rr[1].rdlen, el);

	ask(&a, "zone.example", DM_DNS_TYPE_A, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.an, 1);
	CHECK(v.rr[0].type == DM_DNS_TYPE_A && v.rr[0].rdlen == 4);
	CHECK_MEM(out + v.rr[0].rdata_off, "\xc0\x00\x02\x01", 4);
	ask(&a, "zone.example", DM_DNS_TYPE_AAAA, DM_DNS_CLASS_IN, &v);
	CHECK(v.an == 1 && v.rr[0].rdlen == 16);

	/* NODATA at the apex, at an empty non-terminal, and for a missing type. */
	static const char *nodata[] = {"zone.example", "mb-abc.zone.example",
				       "slot-1.mb-abc.zone.example"};
	static const uint16_t nodata_t[] = {DM_DNS_TYPE_TXT, DM_DNS_TYPE_TXT, TYPE_MX};
	for (size_t i = 0; i < 3; i++) {
		len = ask(&a, nodata[i], nodata_t[i], DM_DNS_CLASS_IN, &v);
		CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
		CHECK(v.aa);
		CHECK_EQ(v.an, 0);
		CHECK_EQ(v.ns, 1);
		CHECK(tv_owner_is(&v, 0, "zone.example"));
		CHECK_EQ(v.rr[0].ttl, 30); /* min(TTL 60, minimum 30) */
		check_soa(out, len, &v.rr[0], 2026010101, 30);
		CHECK(v.opt);
	}
	/* NXDOMAIN: SOA owner is a pointer into the question, so it keeps its case. */
	len = ask(&a, "NOPE.mb-abc.Zone.Example", DM_DNS_TYPE_A, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NXDOMAIN);
	CHECK(v.aa);
	CHECK_EQ(v.ns, 1);
	CHECK(tv_owner_is(&v, 0, "Zone.Example"));
	check_soa(out, len, &v.rr[0], 2026010101, 30);
	size_t qlen = tq_name(exp, "NOPE.mb-abc.Zone.Example");
	size_t soa_at = 12 + qlen + 4;
	CHECK_EQ(out[soa_at], 0xc0);
	CHECK_EQ(out[soa_at + 1], 12 + 12); /* "\4NOPE\6mb-abc" is 12 bytes */

	/* Serial 0 follows the clock. */
	cfg.zones[0].serial = 0;
	len = ask(&a, "zone.example", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, &v);
	check_soa(out, len, &v.rr[0], NOW, 30);

	/* Nested zones: the longest apex wins. */
	struct dm_dns_zone *sub = NULL;
	CHECK_EQ(dm_dns_config_add_zone(&cfg, "sub.zone.example", "admin.sub.zone.example", &sub),
		 0);
	CHECK_EQ(dm_dns_config_add_zone(&cfg, "SUB.zone.example.", NULL, &sub), DM_ETOOBIG);
	CHECK_EQ(dm_dns_config_add_zone(&cfg, "a..b", NULL, &sub), DM_EINVAL);
	ask(&a, "x.sub.zone.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NXDOMAIN);
	CHECK(tv_owner_is(&v, 0, "sub.zone.example"));
	CHECK_EQ(v.rr[0].ttl, 60);

	/* Out-of-zone is decided before availability. */
	dm_dns_table_set_available(t, false);
	ask(&a, "other.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_REFUSED);
	ask(&a, "zone.example", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_SERVFAIL);
	dm_dns_table_free(t);
}

static void test_truncation(void)
{
	struct dm_dns_config cfg;
	dm_dns_config_init(&cfg);
	struct dm_dns_table *t = dm_dns_table_new();
	struct ask a = {.cfg = &cfg, .t = t, .edns = TQ_NO_EDNS};
	struct tv_resp v;
	char val[2100];

	/* 3 x (12 + 201) bytes of answers: over 512, under 1232. */
	for (int i = 0; i < 6; i++) {
		memset(val, 'a' + i, 200);
		val[200] = 0;
		CHECK_EQ(put(t, i < 3 ? "three.example" : "six.example", val, NOW + 100), 0);
		if (i >= 3) {
			memset(val, 'A' + i, 200);
			CHECK_EQ(put(t, "six.example", val, NOW + 100), 0);
		}
	}
	size_t len = ask(&a, "three.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(v.tc);
	CHECK(v.aa);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(v.qd, 1);
	CHECK_EQ(v.an + v.ns + v.ar, 0);
	CHECK_EQ(len, 12 + 15 + 4);

	a.edns = 4096;
	len = ask(&a, "three.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(!v.tc);
	CHECK_EQ(v.an, 3);
	CHECK(v.opt);
	/* 6 RRs need 1300+ bytes: over our 1232 cap even though the client offers 4096. */
	len = ask(&a, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(v.tc);
	CHECK_EQ(v.an, 0);
	CHECK(v.opt);
	CHECK_EQ(v.opt_udp, 1232);
	CHECK_EQ(len, 12 + 13 + 4 + 11);
	/* A server cap of 4096 lets it through. */
	cfg.edns_udp = 4096;
	ask(&a, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(!v.tc);
	CHECK_EQ(v.an, 6);
	CHECK_EQ(v.opt_udp, 4096);
	/* A client offering 600 gets at most 600. */
	a.edns = 600;
	ask(&a, "three.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(v.tc);
	/* Under 512 counts as 512; two values fit in 512, three do not. */
	a.edns = 100;
	ask(&a, "three.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(v.tc);
	CHECK_EQ(put(t, "two.example", "x", NOW + 100), 0);
	memset(val, 'z', 400);
	val[400] = 0;
	CHECK_EQ(put(t, "two.example", val, NOW + 100), 0);
	ask(&a, "two.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(!v.tc);
	CHECK_EQ(v.an, 2);

	/* TCP: never truncated. */
	a.edns = TQ_NO_EDNS;
	a.tcp = true;
	ask(&a, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(!v.tc);
	CHECK_EQ(v.an, 6);
	/* ... but over 65535 bytes: SERVFAIL. */
	for (int i = 0; i < 33; i++) {
		memset(val, 'a', 2000);
		val[0] = (char)('A' + i % 26);
		val[1] = (char)('A' + i / 26);
		val[2000] = 0;
		CHECK_EQ(put(t, "huge.example", val, NOW + 100), 0);
	}
	len = ask(&a, "huge.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_SERVFAIL);
	CHECK(!v.tc);
	CHECK_EQ(v.an, 0);
	/* A caller buffer smaller than the answer limits it too. */
	a.outcap = 1000;
	ask(&a, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_SERVFAIL);
	a.tcp = false;
	a.edns = 4096;
	ask(&a, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, &v);
	CHECK(v.tc);

	/* A buffer that cannot hold header + question: nothing to send. */
	uint8_t q[64];
	size_t qlen =
	    tq_query(q, 1, "six.example", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, TQ_NO_EDNS, false);
	len = 0;
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, 11, &len), DM_ETOOBIG);
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, qlen - 1, &len), DM_ETOOBIG);
	CHECK_EQ(dm_dns_respond(&cfg, t, NOW, q, qlen, false, out, qlen, &len), 0);
	CHECK_EQ(len, qlen);
	CHECK(out[2] & DM_DNS_F2_TC);
	dm_dns_table_free(t);
}

/* Raw query, response decoded; returns the response length or 0 for "drop". */
static size_t send_raw(const struct dm_dns_config *cfg, const struct dm_dns_table *t,
		       const uint8_t *q, size_t qlen, struct tv_resp *v)
{
	size_t len = 0;
	int rc = dm_dns_respond(cfg, t, NOW, q, qlen, false, out, 4096, &len);
	if (rc != 0)
		return 0;
	CHECK(tv_parse(out, len, v));
	CHECK(len < 4096);
	return len;
}

static void test_errors(void)
{
	struct dm_dns_config cfg;
	dm_dns_config_init(&cfg);
	struct dm_dns_table *t = dm_dns_table_new();
	CHECK_EQ(put(t, "a.b", "x", NOW + 100), 0);
	struct tv_resp v;
	uint8_t q[512];
	size_t n;

	/* Drop: short packets and responses. */
	memset(q, 0, sizeof(q));
	for (size_t i = 0; i < 12; i++)
		CHECK_EQ(send_raw(&cfg, t, q, i, &v), 0);
	n = tq_query(q, 5, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 1232, false);
	q[2] |= DM_DNS_F2_QR;
	CHECK_EQ(send_raw(&cfg, t, q, n, &v), 0);

	/* FORMERR for a header alone: no question to echo, ID kept. */
	memset(q, 0, 12);
	q[0] = 0xab;
	q[1] = 0xcd;
	CHECK_EQ(send_raw(&cfg, t, q, 12, &v), 12);
	CHECK_EQ(v.id, 0xabcd);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_FORMERR);
	CHECK_EQ(v.qd, 0);

	/* QDCOUNT 2: FORMERR without question or OPT. */
	n = tq_query(q, 5, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 1232, false);
	q[5] = 2;
	CHECK_EQ(send_raw(&cfg, t, q, n, &v), 12);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_FORMERR);
	CHECK(!v.opt);

	/* Two OPTs: FORMERR, question echoed, no OPT. */
	n = tq_query(q, 5, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 1232, false);
	memcpy(q + n, q + n - 11, 11);
	n += 11;
	q[11] = 2;
	CHECK(send_raw(&cfg, t, q, n, &v) > 0);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_FORMERR);
	CHECK_EQ(v.qd, 1);
	CHECK(!v.opt);
	CHECK(!v.aa);

	/* EDNS version 1: BADVERS (16) via the OPT's extended rcode. */
	n = tq_query(q, 5, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 1232, true);
	q[n - 5] = 1; /* version byte of the OPT TTL */
	CHECK(send_raw(&cfg, t, q, n, &v) > 0);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_BADVERS);
	CHECK_EQ(v.f3 & 0x0f, 0);
	CHECK(v.opt);
	CHECK_EQ((v.opt_ttl >> 16) & 0xff, 0); /* we answer with version 0 */
	CHECK(v.opt_ttl & DM_DNS_EDNS_DO);
	CHECK_EQ(v.an, 0);

	/* Opcode STATUS (2), well formed: NOTIMP with question and OPT. */
	n = tq_query(q, 5, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, 1232, false);
	q[2] = (uint8_t)(2 << 3);
	CHECK(send_raw(&cfg, t, q, n, &v) > 0);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOTIMP);
	CHECK_EQ((v.f2 >> 3) & 0x0f, 2);
	CHECK_EQ(v.qd, 1);
	CHECK(v.opt);
	/* Opcode UPDATE with a malformed body: NOTIMP, header only. */
	q[2] = (uint8_t)(5 << 3);
	q[5] = 3;
	CHECK_EQ(send_raw(&cfg, t, q, n, &v), 12);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_NOTIMP);

	/* Compression loop in the question: FORMERR, header only. */
	static const uint8_t loop[] = {0, 9, 0, 0,   0,	   1,  0, 0,  0, 0,
				       0, 0, 1, 'a', 0xc0, 12, 0, 16, 0, 1};
	CHECK_EQ(send_raw(&cfg, t, loop, sizeof(loop), &v), 12);
	CHECK_EQ(v.rcode, DM_DNS_RCODE_FORMERR);
	dm_dns_table_free(t);
}

int main(void)
{
	test_exact_bytes();
	test_no_zone();
	test_zone();
	test_truncation();
	test_errors();
	return TEST_DONE("test_dns_answer");
}
