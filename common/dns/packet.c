#include "common/dns/packet.h"

#include "common/buf.h"
#include "common/err.h"

int dm_dns_rr_read(const uint8_t *msg, size_t len, size_t *off, struct dm_dns_rr *ret_rr)
{
	struct dm_dns_rr rr;
	struct dm_rbuf r;
	size_t pos = *off;

	if (dm_dname_unpack(msg, len, &pos, rr.owner, &rr.owner_len) != 0)
		return DM_EINVAL;
	dm_rbuf_init(&r, msg + pos, len - pos);
	rr.type = dm_rbuf_u16(&r);
	rr.rclass = dm_rbuf_u16(&r);
	rr.ttl = dm_rbuf_u32(&r);
	rr.rdlen = dm_rbuf_u16(&r);
	rr.rdata_off = pos + r.off;
	(void)dm_rbuf_bytes(&r, rr.rdlen);
	if (r.err)
		return DM_EINVAL;
	*ret_rr = rr;
	*off = pos + r.off;
	return 0;
}

/* EDNS options are {code, length, data}; they must tile the RDATA exactly. */
static bool opt_options_ok(const uint8_t *rdata, size_t len)
{
	struct dm_rbuf r;
	dm_rbuf_init(&r, rdata, len);
	while (dm_rbuf_left(&r) > 0) {
		(void)dm_rbuf_u16(&r);
		uint16_t olen = dm_rbuf_u16(&r);
		(void)dm_rbuf_bytes(&r, olen);
	}
	return dm_rbuf_done(&r);
}

/* Walks the answer, authority and additional sections; false if malformed. */
static bool sections_ok(const uint8_t *pkt, size_t len, size_t off, unsigned an_ns, unsigned ar,
			struct dm_dns_query *q)
{
	struct dm_dns_rr rr;

	for (unsigned i = 0; i < an_ns; i++) {
		if (dm_dns_rr_read(pkt, len, &off, &rr) != 0 || rr.type == DM_DNS_TYPE_OPT)
			return false;
	}
	for (unsigned i = 0; i < ar; i++) {
		if (dm_dns_rr_read(pkt, len, &off, &rr) != 0)
			return false;
		if (rr.type != DM_DNS_TYPE_OPT)
			continue;
		/* RFC 6891 §6.1.1: one OPT, owned by the root. */
		if (q->edns || rr.owner_len != 1 || !opt_options_ok(pkt + rr.rdata_off, rr.rdlen))
			return false;
		q->edns = true;
		q->edns_udp = rr.rclass;
		q->edns_version = (uint8_t)(rr.ttl >> 16);
		q->edns_do = (rr.ttl & DM_DNS_EDNS_DO) != 0;
	}
	return off == len; /* trailing bytes are a format error too */
}

int dm_dns_query_parse(const uint8_t *pkt, size_t len, struct dm_dns_query *ret_q)
{
	struct dm_rbuf r;

	/* Never answer a response: that is how reflection loops start. */
	if (len < DM_DNS_HEADER_LEN || (pkt[2] & DM_DNS_F2_QR))
		return DM_EINVAL;
	/* From here on the parse succeeds, so `ret_q` is filled in place. */
	struct dm_dns_query *q = ret_q;
	q->has_question = false;
	q->edns = false;
	q->edns_version = 0;
	q->edns_do = false;
	q->edns_udp = 0;
	q->qname_len = 0;
	q->qtype = q->qclass = 0;
	dm_rbuf_init(&r, pkt, len);
	q->id = dm_rbuf_u16(&r);
	q->flags2 = dm_rbuf_u8(&r);
	q->flags3 = dm_rbuf_u8(&r);
	uint16_t qd = dm_rbuf_u16(&r), an = dm_rbuf_u16(&r);
	uint16_t ns = dm_rbuf_u16(&r), ar = dm_rbuf_u16(&r);
	q->opcode = (q->flags2 >> 3) & 0x0F;
	q->verdict = q->opcode == DM_DNS_OPCODE_QUERY ? DM_DNS_RCODE_FORMERR : DM_DNS_RCODE_NOTIMP;

	if (qd != 1)
		goto done;
	size_t off = DM_DNS_HEADER_LEN;
	if (dm_dname_unpack(pkt, len, &off, q->qname, &q->qname_len) != 0 || len - off < 4)
		goto done;
	q->qtype = dm_dns_u16(pkt + off);
	q->qclass = dm_dns_u16(pkt + off + 2);
	q->has_question = true;
	off += 4;
	if (sections_ok(pkt, len, off, (unsigned)an + ns, ar, q))
		q->verdict = DM_DNS_RCODE_NOERROR;
done:
	/* An OPT seen in a malformed message is not trusted. */
	if (q->verdict != DM_DNS_RCODE_NOERROR)
		q->edns = false;
	return 0;
}
