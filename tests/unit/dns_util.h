/*
 * Test helpers for the DNS engine: build queries by hand and decode
 * responses into a flat view the tests can assert on. Header-only (static)
 * so each test_dns_*.c links on its own.
 */
#ifndef DM_TESTS_UNIT_DNS_UTIL_H
#define DM_TESTS_UNIT_DNS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/dns/packet.h"

/* Text name -> wire, case kept ("" or "." is the root). Returns its length. */
static inline size_t tq_name(uint8_t *out, const char *name)
{
	size_t n = 0, start = 0, len = strlen(name);
	if (len && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len && len > 0; i++) {
		if (i < len && name[i] != '.')
			continue;
		out[n++] = (uint8_t)(i - start);
		memcpy(out + n, name + start, i - start);
		n += i - start;
		start = i + 1;
	}
	out[n++] = 0;
	return n;
}

static inline size_t tq_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

#define TQ_NO_EDNS (-1)

/*
 * A query: id 0x1234 unless `id` given, RD set, one question, and an OPT
 * with payload `edns` unless TQ_NO_EDNS.
 */
static inline size_t tq_query(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype,
			      uint16_t qclass, int edns, bool dobit)
{
	size_t n = 0;
	n += tq_u16(buf + n, id);
	buf[n++] = DM_DNS_F2_RD;
	buf[n++] = 0;
	n += tq_u16(buf + n, 1);
	n += tq_u16(buf + n, 0);
	n += tq_u16(buf + n, 0);
	n += tq_u16(buf + n, edns >= 0 ? 1 : 0);
	n += tq_name(buf + n, name);
	n += tq_u16(buf + n, qtype);
	n += tq_u16(buf + n, qclass);
	if (edns >= 0) {
		buf[n++] = 0;
		n += tq_u16(buf + n, DM_DNS_TYPE_OPT);
		n += tq_u16(buf + n, (uint16_t)edns);
		n += tq_u16(buf + n, 0);
		n += tq_u16(buf + n, dobit ? DM_DNS_EDNS_DO : 0);
		n += tq_u16(buf + n, 0);
	}
	return n;
}

#define TV_RR_MAX 64

struct tv_resp {
	uint16_t id;
	uint8_t f2, f3;
	uint16_t qd, an, ns, ar;
	uint8_t qname[DM_DNAME_MAX];
	size_t qname_len;
	uint16_t qtype, qclass;
	struct dm_dns_rr rr[TV_RR_MAX]; /* an + ns + ar, in order */
	size_t nrr;
	bool opt;
	uint16_t opt_udp;
	uint32_t opt_ttl;
	unsigned rcode; /* header rcode | OPT extended rcode << 4 */
	bool aa, tc;
};

/* Decodes a whole response strictly (every byte accounted for). */
static inline bool tv_parse(const uint8_t *p, size_t len, struct tv_resp *v)
{
	memset(v, 0, sizeof(*v));
	if (len < DM_DNS_HEADER_LEN)
		return false;
	v->id = dm_dns_u16(p);
	v->f2 = p[2];
	v->f3 = p[3];
	v->qd = dm_dns_u16(p + 4);
	v->an = dm_dns_u16(p + 6);
	v->ns = dm_dns_u16(p + 8);
	v->ar = dm_dns_u16(p + 10);
	v->aa = (v->f2 & DM_DNS_F2_AA) != 0;
	v->tc = (v->f2 & DM_DNS_F2_TC) != 0;
	v->rcode = v->f3 & 0x0f;
	size_t off = DM_DNS_HEADER_LEN;
	if (v->qd > 1)
		return false;
	if (v->qd == 1) {
		if (dm_dname_unpack(p, len, &off, v->qname, &v->qname_len) != 0 || len - off < 4)
			return false;
		v->qtype = dm_dns_u16(p + off);
		v->qclass = dm_dns_u16(p + off + 2);
		off += 4;
	}
	size_t total = (size_t)v->an + v->ns + v->ar;
	if (total > TV_RR_MAX)
		return false;
	for (size_t i = 0; i < total; i++) {
		if (dm_dns_rr_read(p, len, &off, &v->rr[i]) != 0)
			return false;
		if (v->rr[i].type == DM_DNS_TYPE_OPT) {
			if (i < (size_t)v->an + v->ns || v->opt)
				return false;
			v->opt = true;
			v->opt_udp = v->rr[i].rclass;
			v->opt_ttl = v->rr[i].ttl;
			v->rcode |= (v->rr[i].ttl >> 24) << 4;
		}
	}
	v->nrr = total;
	return off == len;
}

/* True if rr[i]'s owner is exactly `name` (case-sensitive, as decompressed). */
static inline bool tv_owner_is(const struct tv_resp *v, size_t i, const char *name)
{
	uint8_t w[DM_DNAME_MAX];
	size_t n = tq_name(w, name);
	return v->rr[i].owner_len == n && memcmp(v->rr[i].owner, w, n) == 0;
}

#endif
