/* DNS query parsing and wire names, including hostile packets (node.md §12.2). */
#include <stdint.h>
#include <string.h>

#include "common/dns/dname.h"
#include "common/dns/packet.h"
#include "common/err.h"
#include "tests/unit/dns_util.h"
#include "tests/unit/test.h"

/* A header with the given counts and flags byte 2, then `body`. */
static size_t raw(uint8_t *buf, uint8_t f2, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar,
		  const uint8_t *body, size_t blen)
{
	size_t n = 0;
	n += tq_u16(buf + n, 0xbeef);
	buf[n++] = f2;
	buf[n++] = 0;
	n += tq_u16(buf + n, qd);
	n += tq_u16(buf + n, an);
	n += tq_u16(buf + n, ns);
	n += tq_u16(buf + n, ar);
	memcpy(buf + n, body, blen);
	return n + blen;
}

static int verdict(const uint8_t *p, size_t len)
{
	struct dm_dns_query q;
	if (dm_dns_query_parse(p, len, &q) != 0)
		return -1;
	return q.verdict;
}

static void test_dname_from_text(void)
{
	uint8_t w[DM_DNAME_MAX];
	size_t len = 0;
	static const uint8_t exp[] = {4, 's', 'l', 'o', 't', 2, 'm', 'b', 3, 'c', 'o', 'm', 0};

	CHECK_EQ(dm_dname_from_text("Slot.MB.com", 11, w, &len), 0);
	CHECK_EQ(len, sizeof(exp));
	CHECK_MEM(w, exp, sizeof(exp));
	CHECK_EQ(dm_dname_from_text("slot.mb.com.", 12, w, &len), 0);
	CHECK_EQ(len, sizeof(exp));
	CHECK_EQ(dm_dname_from_text("", 0, w, &len), DM_EINVAL);
	CHECK_EQ(dm_dname_from_text(".", 1, w, &len), DM_EINVAL);
	CHECK_EQ(dm_dname_from_text("a..b", 4, w, &len), DM_EINVAL);
	CHECK_EQ(dm_dname_from_text(".a", 2, w, &len), DM_EINVAL);
	CHECK_EQ(dm_dname_from_text("a..", 3, w, &len), DM_EINVAL);

	char big[300];
	memset(big, 'a', 64);
	CHECK_EQ(dm_dname_from_text(big, 64, w, &len), DM_EINVAL); /* 64-byte label */
	CHECK_EQ(dm_dname_from_text(big, 63, w, &len), 0);
	CHECK_EQ(len, 65);
	/* 63.63.63.61 = 255 wire bytes: the longest legal name. */
	memset(big, 'a', sizeof(big));
	big[63] = big[127] = big[191] = '.';
	CHECK_EQ(dm_dname_from_text(big, 253, w, &len), 0);
	CHECK_EQ(len, 255);
	CHECK_EQ(dm_dname_from_text(big, 254, w, &len), DM_EINVAL);
}

static void test_dname_helpers(void)
{
	uint8_t a[DM_DNAME_MAX], z[DM_DNAME_MAX], lo[DM_DNAME_MAX];
	size_t alen = tq_name(a, "X.mb-1.Zone.Example");
	size_t zlen = tq_name(z, "zone.example");

	CHECK_EQ(dm_dname_suffix_at(a, alen, z, zlen), 7);
	CHECK_EQ(dm_dname_suffix_at(z, zlen, z, zlen), 0);
	CHECK_EQ(dm_dname_suffix_at(z, zlen, a, alen), -1);
	size_t olen = tq_name(z, "one.example");
	CHECK_EQ(dm_dname_suffix_at(a, alen, z, olen), -1);
	/* Not label-aligned: "ne.example" must not match inside "zone.example". */
	olen = tq_name(z, "ne.example");
	CHECK_EQ(dm_dname_suffix_at(a, alen, z, olen), -1);
	olen = tq_name(z, "");
	CHECK_EQ(dm_dname_suffix_at(a, alen, z, olen), (long)alen - 1);
	CHECK_EQ(dm_dname_labels(a, alen), 4);
	CHECK_EQ(dm_dname_labels(z, olen), 0);
	dm_dname_lower(a, alen, lo);
	size_t llen = tq_name(z, "x.mb-1.zone.example");
	CHECK_EQ(llen, alen);
	CHECK_MEM(lo, z, llen);
}

static void test_unpack_pointers(void)
{
	uint8_t m[64], out[DM_DNAME_MAX];
	size_t off, len;
	memset(m, 0, sizeof(m));
	/* 12: "\3foo\0"; 17: "\3bar" + ptr->12; 23: ptr->17 */
	memcpy(m + 12, "\3foo\0", 5);
	memcpy(m + 17, "\3bar\xc0\x0c", 6);
	memcpy(m + 23, "\xc0\x11", 2);
	off = 23;
	CHECK_EQ(dm_dname_unpack(m, 25, &off, out, &len), 0);
	CHECK_EQ(off, 25);
	CHECK_EQ(len, 9);
	CHECK_MEM(out, "\3bar\3foo\0", 9);
	off = 17;
	CHECK_EQ(dm_dname_unpack(m, 25, &off, out, &len), 0);
	CHECK_EQ(off, 23);

	/* Pointer to itself. */
	memcpy(m + 30, "\xc0\x1e", 2);
	off = 30;
	CHECK_EQ(dm_dname_unpack(m, 32, &off, out, &len), DM_EINVAL);
	/* Pointer back into its own run: "\1a" then a pointer to the "\1a". */
	memcpy(m + 32, "\1a\xc0\x20", 4);
	off = 32;
	CHECK_EQ(dm_dname_unpack(m, 36, &off, out, &len), DM_EINVAL);
	/* Two names pointing at each other: 40 -> 44 is forward. */
	memcpy(m + 40, "\1a\xc0\x2c\1b\xc0\x28", 8);
	off = 44;
	CHECK_EQ(dm_dname_unpack(m, 48, &off, out, &len), DM_EINVAL);
	off = 40;
	CHECK_EQ(dm_dname_unpack(m, 48, &off, out, &len), DM_EINVAL);
	/* Pointer into the header. */
	memcpy(m + 50, "\xc0\x05", 2);
	off = 50;
	CHECK_EQ(dm_dname_unpack(m, 52, &off, out, &len), DM_EINVAL);
	/* Pointer cut in half. */
	off = 50;
	CHECK_EQ(dm_dname_unpack(m, 51, &off, out, &len), DM_EINVAL);
	/* Label past the end, name without its root label. */
	memcpy(m + 12, "\5ab", 3);
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, 15, &off, out, &len), DM_EINVAL);
	memcpy(m + 12, "\2ab", 3);
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, 15, &off, out, &len), DM_EINVAL);
	/* Extended label types 0x40 and 0x80. */
	memcpy(m + 12,
	       "\x41"
	       "a\0",
	       3);
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, 15, &off, out, &len), DM_EINVAL);
	memcpy(m + 12,
	       "\x81"
	       "a\0",
	       3);
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, 15, &off, out, &len), DM_EINVAL);
	/* Root name alone. */
	m[12] = 0;
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, 13, &off, out, &len), 0);
	CHECK_EQ(len, 1);
	CHECK_EQ(off, 13);
}

static void test_unpack_length_limit(void)
{
	uint8_t m[400], out[DM_DNAME_MAX];
	size_t n = 12, off, len;
	memset(m, 0, sizeof(m));
	/* 63+63+63+61 labels: 255 bytes with the root. */
	static const int labs[] = {63, 63, 63, 61};
	for (int i = 0; i < 4; i++) {
		m[n++] = (uint8_t)labs[i];
		memset(m + n, 'a', (size_t)labs[i]);
		n += (size_t)labs[i];
	}
	m[n++] = 0;
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, n, &off, out, &len), 0);
	CHECK_EQ(len, 255);
	/* One more byte in the last label: 256. */
	n = 12 + 64 * 3;
	m[n++] = 62;
	memset(m + n, 'a', 62);
	n += 62;
	m[n++] = 0;
	off = 12;
	CHECK_EQ(dm_dname_unpack(m, n, &off, out, &len), DM_EINVAL);
	/* 256 bytes reached only through a pointer: still rejected. */
	size_t base = 12;
	n = base;
	for (int i = 0; i < 3; i++) {
		m[n++] = 63;
		memset(m + n, 'b', 63);
		n += 63;
	}
	m[n++] = 0; /* a 193-byte name at 12 */
	size_t second = n;
	m[n++] = 62;
	memset(m + n, 'c', 62);
	n += 62;
	m[n++] = 0xc0;
	m[n++] = (uint8_t)base;
	off = second;
	CHECK_EQ(dm_dname_unpack(m, n, &off, out, &len), DM_EINVAL); /* 63 + 193 = 256 */
	m[second] = 61;
	memmove(m + second + 62, m + second + 63, 2);
	off = second;
	CHECK_EQ(dm_dname_unpack(m, n - 1, &off, out, &len), 0); /* 62 + 193 = 255 */
	CHECK_EQ(len, 255);
}

static void test_parse_ok(void)
{
	uint8_t p[512];
	struct dm_dns_query q;
	size_t n = tq_query(p, 0x1234, "Slot-3.MB-abc.Example.com", DM_DNS_TYPE_TXT,
			    DM_DNS_CLASS_IN, 4096, true);
	CHECK_EQ(dm_dns_query_parse(p, n, &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(q.id, 0x1234);
	CHECK_EQ(q.opcode, 0);
	CHECK(q.has_question);
	CHECK_EQ(q.qtype, DM_DNS_TYPE_TXT);
	CHECK_EQ(q.qclass, DM_DNS_CLASS_IN);
	/* 0x20: the name is kept exactly as sent. */
	CHECK_EQ(q.qname_len, 27);
	CHECK_MEM(q.qname, p + 12, 27);
	CHECK(q.edns);
	CHECK_EQ(q.edns_udp, 4096);
	CHECK_EQ(q.edns_version, 0);
	CHECK(q.edns_do);

	n = tq_query(p, 7, "a.example", DM_DNS_TYPE_A, DM_DNS_CLASS_IN, TQ_NO_EDNS, false);
	CHECK_EQ(dm_dns_query_parse(p, n, &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK(!q.edns);

	/* Root question. */
	n = tq_query(p, 7, ".", DM_DNS_TYPE_NS, DM_DNS_CLASS_IN, TQ_NO_EDNS, false);
	CHECK_EQ(n, 17);
	CHECK_EQ(verdict(p, n), DM_DNS_RCODE_NOERROR);
}

static void test_parse_drop(void)
{
	uint8_t p[64];
	struct dm_dns_query q;
	memset(p, 0, sizeof(p));
	CHECK_EQ(dm_dns_query_parse(p, 0, &q), DM_EINVAL);
	for (size_t i = 1; i < DM_DNS_HEADER_LEN; i++)
		CHECK_EQ(dm_dns_query_parse(p, i, &q), DM_EINVAL);
	size_t n = tq_query(p, 1, "a.b", DM_DNS_TYPE_TXT, DM_DNS_CLASS_IN, TQ_NO_EDNS, false);
	p[2] |= DM_DNS_F2_QR;
	CHECK_EQ(dm_dns_query_parse(p, n, &q), DM_EINVAL);
	/* A bare 12-byte header is answerable (FORMERR), not dropped. */
	memset(p, 0, 12);
	CHECK_EQ(verdict(p, 12), DM_DNS_RCODE_FORMERR);
}

static void test_parse_counts(void)
{
	uint8_t p[128], body[32];
	size_t blen = tq_name(body, "a.b");
	blen += tq_u16(body + blen, DM_DNS_TYPE_TXT);
	blen += tq_u16(body + blen, DM_DNS_CLASS_IN);
	struct dm_dns_query q;

	CHECK_EQ(verdict(p, raw(p, 0, 0, 0, 0, 0, body, blen)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 2, 0, 0, 0, body, blen)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 65535, 0, 0, 0, body, blen)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, blen)), DM_DNS_RCODE_NOERROR);
	/* QDCOUNT 0: no question to echo. */
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 0, 0, 0, 0, body, blen), &q), 0);
	CHECK(!q.has_question);
	/* Records promised but absent. */
	CHECK_EQ(verdict(p, raw(p, 0, 1, 65535, 0, 0, body, blen)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 1, 0, body, blen)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 65535, body, blen)), DM_DNS_RCODE_FORMERR);
	/* Truncated question: name cut, then type/class cut. */
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, 3)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 1, 0, 0, 0, body, blen - 1), &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_FORMERR);
	CHECK(!q.has_question);
	/* Trailing garbage. */
	body[blen] = 0xaa;
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, blen + 1)), DM_DNS_RCODE_FORMERR);
	/* Hostile question names. */
	static const uint8_t self_ptr[] = {0xc0, 0x0c, 0, 16, 0, 1};
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, self_ptr, sizeof(self_ptr))),
		 DM_DNS_RCODE_FORMERR);
	static const uint8_t loop[] = {1, 'a', 0xc0, 0x0c, 0, 16, 0, 1};
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, loop, sizeof(loop))), DM_DNS_RCODE_FORMERR);
	static const uint8_t fwd[] = {0xc0, 0xff, 0, 16, 0, 1};
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, fwd, sizeof(fwd))), DM_DNS_RCODE_FORMERR);
	static const uint8_t past[] = {9, 'a', 'b', 0, 16, 0, 1};
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, past, sizeof(past))), DM_DNS_RCODE_FORMERR);
	static const uint8_t hdr_ptr[] = {0xc0, 0x02, 0, 16, 0, 1};
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, hdr_ptr, sizeof(hdr_ptr))), DM_DNS_RCODE_FORMERR);
}

static void test_parse_long_name(void)
{
	uint8_t p[400], body[300];
	size_t n = 0;
	for (int i = 0; i < 4; i++) { /* 4 x 64 + root = 257 bytes */
		body[n++] = 63;
		memset(body + n, 'x', 63);
		n += 63;
	}
	body[n++] = 0;
	n += tq_u16(body + n, DM_DNS_TYPE_TXT);
	n += tq_u16(body + n, DM_DNS_CLASS_IN);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, n)), DM_DNS_RCODE_FORMERR);
	/* 256 bytes: last label 62. */
	body[192] = 62;
	memmove(body + 193 + 62, body + 193 + 63, 5);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, n - 1)), DM_DNS_RCODE_FORMERR);
	/* 255 bytes: last label 61. */
	body[192] = 61;
	memmove(body + 193 + 61, body + 193 + 62, 5);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 0, body, n - 2)), DM_DNS_RCODE_NOERROR);
}

/* Appends an OPT RR: owner root unless `owner`, payload, ttl, options. */
static size_t opt_rr(uint8_t *p, const char *owner, uint16_t udp, uint32_t ttl, const uint8_t *opts,
		     uint16_t olen)
{
	size_t n = owner ? tq_name(p, owner) : (p[0] = 0, 1);
	n += tq_u16(p + n, DM_DNS_TYPE_OPT);
	n += tq_u16(p + n, udp);
	n += tq_u16(p + n, (uint16_t)(ttl >> 16));
	n += tq_u16(p + n, (uint16_t)ttl);
	n += tq_u16(p + n, olen);
	if (olen)
		memcpy(p + n, opts, olen);
	return n + olen;
}

static void test_parse_edns(void)
{
	uint8_t p[256], body[128];
	struct dm_dns_query q;
	size_t q0 = tq_name(body, "a.b");
	q0 += tq_u16(body + q0, DM_DNS_TYPE_TXT);
	q0 += tq_u16(body + q0, DM_DNS_CLASS_IN);
	size_t n;

	/* Two OPTs. */
	n = q0 + opt_rr(body + q0, NULL, 1232, 0, NULL, 0);
	n += opt_rr(body + n, NULL, 1232, 0, NULL, 0);
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 1, 0, 0, 2, body, n), &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_FORMERR);
	CHECK(!q.edns);
	/* OPT in the answer section, and in the authority section. */
	n = q0 + opt_rr(body + q0, NULL, 1232, 0, NULL, 0);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 1, 0, 0, body, n)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 1, 0, body, n)), DM_DNS_RCODE_FORMERR);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 1, body, n)), DM_DNS_RCODE_NOERROR);
	/* OPT not owned by the root. */
	n = q0 + opt_rr(body + q0, "x", 1232, 0, NULL, 0);
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 1, body, n)), DM_DNS_RCODE_FORMERR);
	/* Version 1: parses (the answer builder says BADVERS). */
	n = q0 + opt_rr(body + q0, NULL, 1232, 0x00010000, NULL, 0);
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 1, 0, 0, 1, body, n), &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK(q.edns);
	CHECK_EQ(q.edns_version, 1);
	CHECK(!q.edns_do);
	/* A well-framed cookie option, then a badly framed one. */
	static const uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	n = q0 + opt_rr(body + q0, NULL, 512, 0x8000, cookie, sizeof(cookie));
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 1, 0, 0, 1, body, n), &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK(q.edns_do);
	CHECK_EQ(q.edns_udp, 512);
	static const uint8_t badopt[] = {0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8};
	n = q0 + opt_rr(body + q0, NULL, 512, 0, badopt, sizeof(badopt));
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 1, body, n)), DM_DNS_RCODE_FORMERR);
	static const uint8_t halfopt[] = {0, 10, 0};
	n = q0 + opt_rr(body + q0, NULL, 512, 0, halfopt, sizeof(halfopt));
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 1, body, n)), DM_DNS_RCODE_FORMERR);
	/* An ordinary additional record whose owner points at the question. */
	n = q0;
	body[n++] = 0xc0;
	body[n++] = 0x0c;
	n += tq_u16(body + n, DM_DNS_TYPE_A);
	n += tq_u16(body + n, DM_DNS_CLASS_IN);
	n += tq_u16(body + n, 0);
	n += tq_u16(body + n, 60);
	n += tq_u16(body + n, 4);
	memcpy(body + n, "\x7f\0\0\1", 4);
	n += 4;
	n += opt_rr(body + n, NULL, 1400, 0, NULL, 0);
	CHECK_EQ(dm_dns_query_parse(p, raw(p, 0, 1, 0, 0, 2, body, n), &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(q.edns_udp, 1400);
	/* ... and the same with its RDATA running past the end. */
	CHECK_EQ(verdict(p, raw(p, 0, 1, 0, 0, 1, body, q0 + 13)), DM_DNS_RCODE_FORMERR);
}

static void test_parse_opcode(void)
{
	uint8_t p[256];
	struct dm_dns_query q;
	size_t n = tq_query(p, 9, "a.b", DM_DNS_TYPE_SOA, DM_DNS_CLASS_IN, 1232, false);
	p[2] = (uint8_t)(5 << 3); /* UPDATE */
	CHECK_EQ(dm_dns_query_parse(p, n, &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOERROR);
	CHECK_EQ(q.opcode, 5);
	/* Malformed and not a QUERY: NOTIMP rather than FORMERR. */
	p[5] = 2;
	CHECK_EQ(dm_dns_query_parse(p, n, &q), 0);
	CHECK_EQ(q.verdict, DM_DNS_RCODE_NOTIMP);
}

static void test_rr_read(void)
{
	uint8_t m[64];
	struct dm_dns_rr rr;
	size_t off = 12, n = 12;
	memset(m, 0, 12);
	n += tq_name(m + n, "a");
	n += tq_u16(m + n, DM_DNS_TYPE_TXT);
	n += tq_u16(m + n, 1);
	n += tq_u16(m + n, 0x0001);
	n += tq_u16(m + n, 0x0203);
	n += tq_u16(m + n, 2);
	m[n++] = 1;
	m[n++] = 'x';
	CHECK_EQ(dm_dns_rr_read(m, n, &off, &rr), 0);
	CHECK_EQ(off, n);
	CHECK_EQ(rr.type, DM_DNS_TYPE_TXT);
	CHECK_EQ(rr.ttl, 0x00010203);
	CHECK_EQ(rr.rdlen, 2);
	CHECK_EQ(rr.rdata_off, n - 2);
	for (size_t cut = 12; cut < n; cut++) {
		off = 12;
		CHECK_EQ(dm_dns_rr_read(m, cut, &off, &rr), DM_EINVAL);
		CHECK_EQ(off, 12);
	}
}

int main(void)
{
	test_dname_from_text();
	test_dname_helpers();
	test_unpack_pointers();
	test_unpack_length_limit();
	test_parse_ok();
	test_parse_drop();
	test_parse_counts();
	test_parse_long_name();
	test_parse_edns();
	test_parse_opcode();
	test_rr_read();
	return TEST_DONE("test_dns_packet");
}
