/*
 * The DNS answer engine: one query packet in, one response packet out
 * (node.md §12.2). No I/O, no allocation, no global state, so the UDP and
 * TCP listeners of the dns-frontend and the DoH endpoint all call the same
 * function, and it can be fuzzed directly. Rate limiting (rrl.h) is applied
 * by the caller before this, as the reference does.
 *
 * Behaviour, in the order it is decided:
 *   - shorter than a header, or QR=1: drop (nothing is sent);
 *   - malformed (QDCOUNT != 1, bad names, RRs past the end, trailing bytes,
 *     OPT outside the additional section, two OPTs): FORMERR, or NOTIMP
 *     when the opcode is not QUERY; no OPT in the reply;
 *   - EDNS version != 0: BADVERS; opcode != QUERY: NOTIMP;
 *   - QCLASS other than IN or ANY, QTYPE AXFR/IXFR, or a name outside every
 *     configured zone: REFUSED (with no zone configured every name is ours);
 *   - table missing or marked unavailable: SERVFAIL;
 *   - a name exists when it is a zone apex, has live values, or has names
 *     below it (empty non-terminal); otherwise NXDOMAIN for every QTYPE;
 *   - TXT (and ANY) get the live values, one RR each, in store order, with
 *     TTL = min(remaining lifetime, config TTL); the apex also answers SOA,
 *     NS, A and AAAA from the config (ANY there gives TXT if any, else SOA);
 *     anything else at an existing name is NODATA;
 *   - NXDOMAIN / NODATA carry the zone SOA in AUTHORITY, with TTL
 *     min(config TTL, SOA minimum);
 *   - AA is set on every answer from our data; RA never; RD and CD copied;
 *     the question is echoed byte for byte (0x20 case kept) and every owner
 *     name is a pointer into it;
 *   - an EDNS query gets an OPT (version 0, our payload size, DO copied);
 *   - size limit: 512 without EDNS, max(512, min(client, config)) with it,
 *     65535 over TCP, and never more than `outcap`. A UDP answer that does
 *     not fit becomes header + question (+ OPT) with TC=1 and no records,
 *     so clients retry over TCP (node.md §12.2); over TCP it is SERVFAIL.
 */
#ifndef DM_DNS_ANSWER_H
#define DM_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns/table.h"
#include "common/dns/zone.h"

/*
 * Answers the query `query` (`qlen` bytes) at unix time `now` (seconds)
 * from `table` under `cfg`. `tcp` is true for TCP and DoH (65535-byte
 * limit, never truncated). Returns 0 with the response in `out` and its
 * length in `*ret_len` (send exactly that); or a negative DM_E* meaning
 * "send nothing": DM_EINVAL for a packet that must not be answered,
 * DM_ETOOBIG if `outcap` cannot hold even a header-and-question reply (up to
 * 282 bytes; give it 65535 for TCP, cfg->edns_udp for UDP). The rcode is
 * in the low 4 bits of out[3] (plus the OPT's extended rcode) for metrics.
 */
int dm_dns_respond(const struct dm_dns_config *cfg, const struct dm_dns_table *table, uint64_t now,
		   const uint8_t *query, size_t qlen, bool tcp, uint8_t *out, size_t outcap,
		   size_t *ret_len) __attribute__((warn_unused_result));

#endif
