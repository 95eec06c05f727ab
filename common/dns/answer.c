#include "common/dns/answer.h"

#include <string.h>

#include "common/buf.h"
#include "common/dns/packet.h"
#include "common/err.h"

#define TTL_MAX	  0x7fffffffu /* RFC 2181 §8 */
#define PTR	  0xc000u     /* compression pointer tag */
#define QNAME_OFF DM_DNS_HEADER_LEN

/* A response under construction; records go through a sticky-error writer. */
struct reply {
	const struct dm_dns_query *q;
	uint8_t *out;
	size_t limit;	 /* whole message, OPT included */
	uint16_t advert; /* our EDNS payload size */
	bool opt;
	bool question;
	struct dm_wbuf w;
	uint16_t an, ns;
};

static void reply_begin(struct reply *r, bool question)
{
	static const uint8_t zero[DM_DNS_HEADER_LEN];

	r->question = question;
	r->an = r->ns = 0;
	/* The OPT's room is held back so records can never crowd it out. */
	dm_wbuf_init(&r->w, r->out, r->limit - (r->opt ? DM_DNS_OPT_LEN : 0));
	dm_wbuf_bytes(&r->w, zero, sizeof(zero));
	if (question) {
		dm_wbuf_bytes(&r->w, r->q->qname, r->q->qname_len);
		dm_wbuf_u16(&r->w, r->q->qtype);
		dm_wbuf_u16(&r->w, r->q->qclass);
	}
}

/* Closes the message: OPT, then the header. Returns its length, 0 if it did not fit. */
static size_t reply_end(struct reply *r, unsigned rcode, bool aa, bool tc)
{
	const struct dm_dns_query *q = r->q;

	if (!dm_wbuf_ok(&r->w))
		return 0;
	size_t len = r->w.len;
	if (r->opt) {
		struct dm_wbuf o;
		dm_wbuf_init(&o, r->out + len, r->limit - len);
		dm_wbuf_u8(&o, 0); /* root owner */
		dm_wbuf_u16(&o, DM_DNS_TYPE_OPT);
		dm_wbuf_u16(&o, r->advert);
		/* Extended rcode high bits, version 0, DO copied (RFC 3225 §3). */
		dm_wbuf_u32(&o, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? DM_DNS_EDNS_DO : 0));
		dm_wbuf_u16(&o, 0);
		if (!dm_wbuf_ok(&o))
			return 0;
		len += o.len;
	}
	uint8_t *h = r->out;
	h[0] = (uint8_t)(q->id >> 8);
	h[1] = (uint8_t)q->id;
	h[2] = (uint8_t)(DM_DNS_F2_QR | (q->opcode << 3) | (aa ? DM_DNS_F2_AA : 0) |
			 (tc ? DM_DNS_F2_TC : 0) | (q->flags2 & DM_DNS_F2_RD));
	h[3] = (uint8_t)((q->flags3 & DM_DNS_F3_CD) | (rcode & 0x0f));
	h[4] = 0;
	h[5] = r->question ? 1 : 0;
	h[6] = (uint8_t)(r->an >> 8);
	h[7] = (uint8_t)r->an;
	h[8] = (uint8_t)(r->ns >> 8);
	h[9] = (uint8_t)r->ns;
	h[10] = 0;
	h[11] = r->opt ? 1 : 0;
	return len;
}

/*
 * Writes the wire name `n`, replacing its longest suffix that also ends the
 * question name by a pointer to it (the only name we compress against).
 */
static void put_name(struct reply *r, const uint8_t *n, size_t len)
{
	const struct dm_dns_query *q = r->q;
	for (size_t i = 0; i < len && n[i] != 0; i += (size_t)n[i] + 1) {
		long at = dm_dname_suffix_at(q->qname, q->qname_len, n + i, len - i);
		if (at >= 0) {
			dm_wbuf_bytes(&r->w, n, i);
			dm_wbuf_u16(&r->w, (uint16_t)(PTR | (QNAME_OFF + (size_t)at)));
			return;
		}
	}
	dm_wbuf_bytes(&r->w, n, len);
}

/* RR header with owner = the question name at `qname_off`; returns the RDLENGTH offset. */
static size_t put_rr_head(struct reply *r, size_t qname_off, uint16_t type, uint32_t ttl)
{
	dm_wbuf_u16(&r->w, (uint16_t)(PTR | (QNAME_OFF + qname_off)));
	dm_wbuf_u16(&r->w, type);
	dm_wbuf_u16(&r->w, DM_DNS_CLASS_IN);
	dm_wbuf_u32(&r->w, ttl > TTL_MAX ? TTL_MAX : ttl);
	size_t at = r->w.len;
	dm_wbuf_u16(&r->w, 0);
	return at;
}

/* Fills in the RDLENGTH of the RR whose header put_rr_head() wrote. */
static void put_rr_end(struct reply *r, size_t rdlen_at)
{
	if (!dm_wbuf_ok(&r->w))
		return;
	size_t rdlen = r->w.len - rdlen_at - 2;
	r->out[rdlen_at] = (uint8_t)(rdlen >> 8);
	r->out[rdlen_at + 1] = (uint8_t)rdlen;
}

static void put_soa(struct reply *r, const struct dm_dns_zone *z, size_t apex_off, uint32_t ttl,
		    uint64_t now)
{
	size_t at = put_rr_head(r, apex_off, DM_DNS_TYPE_SOA, ttl);
	const struct dm_dns_wname *mname = z->nns ? &z->ns[0] : &z->apex;
	put_name(r, mname->b, mname->len);
	put_name(r, z->rname.b, z->rname.len);
	dm_wbuf_u32(&r->w, z->serial ? z->serial : (uint32_t)now);
	dm_wbuf_u32(&r->w, z->refresh);
	dm_wbuf_u32(&r->w, z->retry);
	dm_wbuf_u32(&r->w, z->expire);
	dm_wbuf_u32(&r->w, z->minimum);
	put_rr_end(r, at);
}

/* The apex's own RRsets (SOA, NS, A, AAAA) for `qtype`; returns how many RRs. */
static unsigned put_apex(struct reply *r, const struct dm_dns_zone *z, uint16_t qtype, uint32_t ttl,
			 uint64_t now)
{
	unsigned n = 0;
	switch (qtype) {
	case DM_DNS_TYPE_SOA:
	case DM_DNS_TYPE_ANY:
		put_soa(r, z, 0, ttl, now);
		n = 1;
		break;
	case DM_DNS_TYPE_NS:
		for (size_t i = 0; i < z->nns; i++, n++) {
			size_t at = put_rr_head(r, 0, DM_DNS_TYPE_NS, ttl);
			put_name(r, z->ns[i].b, z->ns[i].len);
			put_rr_end(r, at);
		}
		break;
	case DM_DNS_TYPE_A:
		for (size_t i = 0; i < z->na; i++, n++) {
			size_t at = put_rr_head(r, 0, DM_DNS_TYPE_A, ttl);
			dm_wbuf_bytes(&r->w, z->a[i], 4);
			put_rr_end(r, at);
		}
		break;
	case DM_DNS_TYPE_AAAA:
		for (size_t i = 0; i < z->naaaa; i++, n++) {
			size_t at = put_rr_head(r, 0, DM_DNS_TYPE_AAAA, ttl);
			dm_wbuf_bytes(&r->w, z->aaaa[i], 16);
			put_rr_end(r, at);
		}
		break;
	default:
		break;
	}
	return n;
}

/* One TXT RR per live value; returns how many. */
static unsigned put_txt(struct reply *r, const struct dm_dns_value *v, uint32_t max_ttl,
			uint64_t now)
{
	unsigned n = 0;
	for (; v != NULL; v = v->next) {
		if (v->expires_at <= now)
			continue;
		uint64_t left = v->expires_at - now;
		size_t at =
		    put_rr_head(r, 0, DM_DNS_TYPE_TXT, left < max_ttl ? (uint32_t)left : max_ttl);
		dm_wbuf_bytes(&r->w, v->rdata, v->rdlen);
		put_rr_end(r, at);
		n++;
	}
	return n;
}

static bool any_live(const struct dm_dns_node *node, uint64_t now)
{
	for (const struct dm_dns_value *v = node ? node->values : NULL; v != NULL; v = v->next)
		if (v->expires_at > now)
			return true;
	return false;
}

/* A reply with no records: errors, REFUSED, SERVFAIL, TC. */
static int reply_empty(struct reply *r, bool question, unsigned rcode, bool aa, bool tc,
		       size_t *ret_len)
{
	reply_begin(r, question);
	size_t len = reply_end(r, rcode, aa, tc);
	if (len == 0)
		return DM_ETOOBIG;
	*ret_len = len;
	return 0;
}

/* The answer proper, for a well-formed QUERY for a name we serve. */
static int answer(struct reply *r, const struct dm_dns_config *cfg,
		  const struct dm_dns_table *table, const struct dm_dns_zone *zone, size_t apex_off,
		  uint64_t now, bool tcp, size_t *ret_len)
{
	const struct dm_dns_query *q = r->q;
	uint8_t lname[DM_DNAME_MAX];

	dm_dname_lower(q->qname, q->qname_len, lname);
	const struct dm_dns_node *node = dm_dns_table_get(table, lname, q->qname_len);
	bool apex = zone != NULL && apex_off == 0;
	bool live = any_live(node, now);
	/* The root is above every stored name; only reachable with no zone configured. */
	bool root = q->qname_len == 1 && dm_dns_table_names(table) > 0;
	bool exists = apex || root || live || (node != NULL && node->children > 0);
	unsigned rcode = exists ? DM_DNS_RCODE_NOERROR : DM_DNS_RCODE_NXDOMAIN;

	reply_begin(r, true);
	if (exists) {
		if (live && (q->qtype == DM_DNS_TYPE_TXT || q->qtype == DM_DNS_TYPE_ANY))
			r->an = (uint16_t)put_txt(r, node->values, cfg->ttl, now);
		else if (apex)
			r->an = (uint16_t)put_apex(r, zone, q->qtype, cfg->ttl, now);
	}
	if (r->an == 0 && zone != NULL) {
		/* RFC 2308 §3: negative TTL is the lesser of SOA TTL and minimum. */
		uint32_t neg = cfg->ttl < zone->minimum ? cfg->ttl : zone->minimum;
		put_soa(r, zone, apex_off, neg, now);
		r->ns = 1;
	}
	size_t len = reply_end(r, rcode, true, false);
	if (len != 0) {
		*ret_len = len;
		return 0;
	}
	if (tcp)
		return reply_empty(r, true, DM_DNS_RCODE_SERVFAIL, false, false, ret_len);
	return reply_empty(r, true, rcode, true, true, ret_len);
}

int dm_dns_respond(const struct dm_dns_config *cfg, const struct dm_dns_table *table, uint64_t now,
		   const uint8_t *query, size_t qlen, bool tcp, uint8_t *out, size_t outcap,
		   size_t *ret_len)
{
	struct dm_dns_query q;
	struct reply r;

	if (dm_dns_query_parse(query, qlen, &q) != 0)
		return DM_EINVAL;

	size_t limit = DM_DNS_MSG_MAX;
	if (!tcp) {
		limit = DM_DNS_UDP_MIN;
		/* RFC 6891 §6.2.5: sizes under 512 mean 512. */
		if (q.edns && q.edns_udp > limit)
			limit = q.edns_udp < cfg->edns_udp ? q.edns_udp : cfg->edns_udp;
		if (limit < DM_DNS_UDP_MIN)
			limit = DM_DNS_UDP_MIN;
	}
	if (limit > outcap)
		limit = outcap;
	r.q = &q;
	r.out = out;
	r.limit = limit;
	r.advert = cfg->edns_udp < DM_DNS_UDP_MIN ? DM_DNS_UDP_MIN : cfg->edns_udp;
	r.opt = q.edns;
	if (limit < DM_DNS_HEADER_LEN + (r.opt ? DM_DNS_OPT_LEN : 0))
		return DM_ETOOBIG;

	if (q.verdict != DM_DNS_RCODE_NOERROR)
		return reply_empty(&r, q.has_question && q.verdict == DM_DNS_RCODE_FORMERR,
				   q.verdict, false, false, ret_len);
	if (q.edns && q.edns_version != 0)
		return reply_empty(&r, true, DM_DNS_RCODE_BADVERS, false, false, ret_len);
	if (q.opcode != DM_DNS_OPCODE_QUERY)
		return reply_empty(&r, true, DM_DNS_RCODE_NOTIMP, false, false, ret_len);
	if ((q.qclass != DM_DNS_CLASS_IN && q.qclass != DM_DNS_CLASS_ANY) ||
	    q.qtype == DM_DNS_TYPE_AXFR || q.qtype == DM_DNS_TYPE_IXFR)
		return reply_empty(&r, true, DM_DNS_RCODE_REFUSED, false, false, ret_len);

	const struct dm_dns_zone *zone = NULL;
	size_t apex_off = 0;
	if (cfg->nzones > 0) {
		zone = dm_dns_config_find_zone(cfg, q.qname, q.qname_len, &apex_off);
		if (zone == NULL)
			return reply_empty(&r, true, DM_DNS_RCODE_REFUSED, false, false, ret_len);
	}
	if (table == NULL || !dm_dns_table_available(table))
		return reply_empty(&r, true, DM_DNS_RCODE_SERVFAIL, false, false, ret_len);
	return answer(&r, cfg, table, zone, apex_off, now, tcp, ret_len);
}
