/*
 * The DNS client the CLI reads records with (cli.md §5): TXT queries over
 * UDP, retried over TCP when the answer is truncated, and the response
 * parser shared with DoH. Every transport failure comes back as a negative
 * code plus a one-line reason naming the resolver.
 */
#ifndef DM_CLI_NET_DNS_H
#define DM_CLI_NET_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/dmp/message.h"

#define CLI_NS_LABEL_MAX  128
#define CLI_ERR_MAX	  512
#define CLI_DNS_QUERY_MAX 512

/* One resolver: an IP literal and a port. */
struct cli_ns {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char label[CLI_NS_LABEL_MAX]; /* canonical "ip", "ip:port" or "[v6]:port" */
};

/*
 * Parses `ip`, `ip:port`, `v6` or `[v6]:port` (IP literals only: a pool
 * that resolved hostnames would depend on the resolver it replaces).
 * `default_port` applies when none is given; the label omits it then.
 * DM_EINVAL on anything else.
 */
int cli_ns_parse(const char *entry, uint16_t default_port, struct cli_ns *ret)
    __attribute__((warn_unused_result));

/* Builds a TXT/IN query for the text name `name` with RD set and EDNS(0) 4096. */
int cli_dns_build_query(const char *name, uint16_t id, uint8_t *out, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses a response to the query `query` (as built above): the id, the
 * question and QR must match, TXT answers for the name (or the CNAME chain
 * from it) are appended to `out` with their strings joined. Sets *ret_rcode
 * and *ret_tc. DM_EINVAL for a malformed or mismatched message (nothing
 * appended to `out` then is guaranteed only for the header checks).
 */
int cli_dns_parse_response(const uint8_t *pkt, size_t len, const uint8_t *query, size_t query_len,
			   struct dm_txtset *out, uint8_t *ret_rcode, bool *ret_tc)
    __attribute__((warn_unused_result));

/*
 * Asks `ns` for the TXT records at `name` within `timeout_ms` (UDP, then TCP
 * on truncation). 0 when the resolver answered (values in `out`, rcode in
 * *ret_rcode); negative with `err` (capacity CLI_ERR_MAX) set when it did
 * not.
 */
int cli_dns_query(const struct cli_ns *ns, const char *name, int timeout_ms, struct dm_txtset *out,
		  uint8_t *ret_rcode, char *err) __attribute__((warn_unused_result));

/* Empties a txtset filled by the functions above (frees its values). */
void cli_txtset_clear(struct dm_txtset *set);

#endif
