/*
 * DNS message parsing for the dns-frontend (node.md §12.2): one query in,
 * a verdict out. Pure and allocation-free: the query is copied into a
 * caller-owned struct, so the packet buffer can be reused at once.
 *
 * The parser separates "no reply at all" (too short to hold a header, or a
 * response: QR=1) from "reply with an error code" (FORMERR, NOTIMP,
 * BADVERS), which the answer builder turns into a response.
 */
#ifndef DM_DNS_PACKET_H
#define DM_DNS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns/dname.h"

#define DM_DNS_HEADER_LEN 12
#define DM_DNS_UDP_MIN	  512	/* RFC 1035 limit without EDNS, and the EDNS floor */
#define DM_DNS_MSG_MAX	  65535 /* TCP / DoH message limit */
#define DM_DNS_OPT_LEN	  11	/* an OPT RR with no options */

#define DM_DNS_TYPE_A	 1
#define DM_DNS_TYPE_NS	 2
#define DM_DNS_TYPE_SOA	 6
#define DM_DNS_TYPE_TXT	 16
#define DM_DNS_TYPE_AAAA 28
#define DM_DNS_TYPE_OPT	 41
#define DM_DNS_TYPE_IXFR 251
#define DM_DNS_TYPE_AXFR 252
#define DM_DNS_TYPE_ANY	 255
#define DM_DNS_CLASS_IN	 1
#define DM_DNS_CLASS_ANY 255

#define DM_DNS_OPCODE_QUERY 0

#define DM_DNS_RCODE_NOERROR  0
#define DM_DNS_RCODE_FORMERR  1
#define DM_DNS_RCODE_SERVFAIL 2
#define DM_DNS_RCODE_NXDOMAIN 3
#define DM_DNS_RCODE_NOTIMP   4
#define DM_DNS_RCODE_REFUSED  5
#define DM_DNS_RCODE_BADVERS  16 /* extended: upper 8 bits go in the OPT TTL */

/* Header flag bits, byte 2 and byte 3 of the header. */
#define DM_DNS_F2_QR 0x80
#define DM_DNS_F2_AA 0x04
#define DM_DNS_F2_TC 0x02
#define DM_DNS_F2_RD 0x01
#define DM_DNS_F3_CD 0x10

#define DM_DNS_EDNS_DO 0x8000 /* in the low 16 bits of the OPT TTL */

struct dm_dns_query {
	uint16_t id;
	uint8_t opcode;
	uint8_t flags2; /* header byte 2 as received (opcode, RD, ...) */
	uint8_t flags3; /* header byte 3 as received (CD, ...) */
	/*
	 * DM_DNS_RCODE_NOERROR when the message is well formed, else
	 * FORMERR (or NOTIMP when the opcode is not QUERY: an unknown opcode
	 * may lay out its sections differently, so it is not a format error).
	 */
	uint8_t verdict;
	bool has_question;	     /* qname/qtype/qclass are valid */
	uint8_t qname[DM_DNAME_MAX]; /* uncompressed, case exactly as sent */
	size_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	bool edns; /* exactly one well-formed OPT in the additional section */
	uint8_t edns_version;
	bool edns_do;
	uint16_t edns_udp; /* advertised payload size, as sent */
};

/*
 * Parses the query `pkt`. Returns DM_EINVAL when no reply may be sent
 * (shorter than a header, or QR=1), else 0 with `*ret_q` filled in and
 * `ret_q->verdict` saying whether it is answerable. Checks: QDCOUNT = 1,
 * names (dm_dname_unpack rules), every RR of every section framed within
 * the packet, no trailing bytes, OPT only in the additional section, owned
 * by the root, at most once, with well-framed options.
 */
int dm_dns_query_parse(const uint8_t *pkt, size_t len, struct dm_dns_query *ret_q)
    __attribute__((warn_unused_result));

/* One resource record as found in a message; rdata points into the message. */
struct dm_dns_rr {
	uint8_t owner[DM_DNAME_MAX];
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_off;
};

/*
 * Reads the RR at `*off` in `msg` and moves `*off` past it. DM_EINVAL if its
 * owner name is malformed or it runs past `len`. Used by the query parser and
 * by anything that checks a response (tests, the fuzz oracle, clients).
 */
int dm_dns_rr_read(const uint8_t *msg, size_t len, size_t *off, struct dm_dns_rr *ret_rr)
    __attribute__((warn_unused_result));

/* Big-endian u16 at `p`; the caller has bounded it. */
static inline uint16_t dm_dns_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif
