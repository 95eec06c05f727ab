/*
 * Arbitrary packets through dm_dns_respond() under four setups (no zone /
 * zone, UDP / TCP, a cramped output buffer). Oracle: a packet is dropped
 * exactly when it is shorter than a header or has QR=1; otherwise the reply
 * parses as a DNS response with the same ID, QR=1, the query's opcode, at
 * most one question which is the query's own, and fits the size limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns/answer.h"
#include "common/err.h"
#include "tests/unit/dns_util.h"

#define NOW 1767225600u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dm_dns_table *table;
static struct dm_dns_config cfg_open, cfg_zone;
static uint8_t out[DM_DNS_MSG_MAX];

static void add(const char *name, size_t vlen, char fill, uint64_t exp)
{
	char v[2048];
	memset(v, fill, vlen);
	if (dm_dns_table_put(table, name, strlen(name), (const uint8_t *)v, vlen, exp) != 0)
		abort();
}

static void setup(void)
{
	struct dm_dns_zone *z;
	table = dm_dns_table_new();
	if (table == NULL)
		abort();
	add("slot-1.mb-abc.zone.example", 10, 'a', NOW + 100);
	add("slot-1.mb-abc.zone.example", 300, 'b', NOW + 10);
	add("slot-1.mb-abc.zone.example", 5, 'c', NOW); /* expired */
	add("chunk-0001-abcdefabcdef.zone.example", 241, 'd', NOW + 300);
	for (int i = 0; i < 8; i++)
		add("big.zone.example", 400, (char)('e' + i), NOW + 300);
	add("a.other.example", 1, 'x', NOW + 300);
	dm_dns_config_init(&cfg_open);
	dm_dns_config_init(&cfg_zone);
	if (dm_dns_config_add_zone(&cfg_zone, "zone.example", NULL, &z) != 0 ||
	    dm_dns_zone_add_ns(z, "ns1.zone.example") != 0 ||
	    dm_dns_zone_add_ns(z, "ns.elsewhere.net") != 0)
		abort();
	static const uint8_t a4[4] = {192, 0, 2, 53};
	if (dm_dns_zone_add_addr(z, a4, 4) != 0)
		abort();
}

static void check(const struct dm_dns_config *cfg, const uint8_t *q, size_t qlen, bool tcp,
		  size_t cap)
{
	size_t len = 0;
	int rc = dm_dns_respond(cfg, table, NOW, q, qlen, tcp, out, cap, &len);
	bool drop = qlen < DM_DNS_HEADER_LEN || (q[2] & DM_DNS_F2_QR);
	if (drop) {
		if (rc != DM_EINVAL)
			abort();
		return;
	}
	if (rc == DM_ETOOBIG && cap < 12 + DM_DNAME_MAX + 4 + DM_DNS_OPT_LEN)
		return;
	if (rc != 0 || len > cap || len < DM_DNS_HEADER_LEN)
		abort();

	struct dm_dns_query pq;
	if (dm_dns_query_parse(q, qlen, &pq) != 0)
		abort();
	size_t limit = tcp ? DM_DNS_MSG_MAX : DM_DNS_UDP_MIN;
	if (!tcp && pq.edns && pq.edns_udp > DM_DNS_UDP_MIN)
		limit = pq.edns_udp < cfg->edns_udp ? pq.edns_udp : cfg->edns_udp;
	if (len > limit)
		abort();

	static struct tv_resp v;
	if (!tv_parse(out, len, &v) || v.id != pq.id || !(v.f2 & DM_DNS_F2_QR) ||
	    ((v.f2 >> 3) & 0x0f) != pq.opcode)
		abort();
	if (v.qd == 1 && (!pq.has_question || v.qname_len != pq.qname_len ||
			  memcmp(v.qname, pq.qname, pq.qname_len) != 0 || v.qtype != pq.qtype ||
			  v.qclass != pq.qclass))
		abort();
	/* Every answer RR is owned by the question name (same bytes, case too). */
	for (size_t i = 0; i < v.an; i++)
		if (v.rr[i].owner_len != pq.qname_len ||
		    memcmp(v.rr[i].owner, pq.qname, pq.qname_len) != 0)
			abort();
	if (v.opt != (pq.verdict == DM_DNS_RCODE_NOERROR && pq.edns))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (table == NULL)
		setup();
	check(&cfg_open, data, size, false, sizeof(out));
	check(&cfg_zone, data, size, false, sizeof(out));
	check(&cfg_zone, data, size, true, sizeof(out));
	check(&cfg_zone, data, size, false, 300);
	return 0;
}
