/*
 * What the DNS engine serves besides the record table: the configured zones
 * (apex SOA / NS / A / AAAA, node.md §12.2 "optional apex") and the knobs
 * every answer depends on (DNS TTL, advertised EDNS payload size).
 *
 * Everything is kept in wire form, compiled once at configuration time, so
 * answering never parses text. A config is plain data: build it with
 * dm_dns_config_init() and the add functions, then share it read-only.
 */
#ifndef DM_DNS_ZONE_H
#define DM_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns/dname.h"

#define DM_DNS_ZONES_MAX     4
#define DM_DNS_ZONE_NS_MAX   4
#define DM_DNS_ZONE_ADDR_MAX 4
#define DM_DNS_DEFAULT_TTL   60	  /* DMP_DNS_TTL */
#define DM_DNS_DEFAULT_EDNS  1232 /* DNS flag day 2020 */
#define DM_DNS_SOA_REFRESH   3600
#define DM_DNS_SOA_RETRY     600
#define DM_DNS_SOA_EXPIRE    604800

struct dm_dns_wname {
	uint8_t b[DM_DNAME_MAX];
	uint8_t len;
};

struct dm_dns_zone {
	struct dm_dns_wname apex;		    /* lower case */
	struct dm_dns_wname rname;		    /* SOA RNAME (mailbox as a name) */
	struct dm_dns_wname ns[DM_DNS_ZONE_NS_MAX]; /* ns[0] is the SOA MNAME */
	size_t nns;
	uint8_t a[DM_DNS_ZONE_ADDR_MAX][4];
	size_t na;
	uint8_t aaaa[DM_DNS_ZONE_ADDR_MAX][16];
	size_t naaaa;
	uint32_t serial; /* 0: use the current time, as 0.7.5 does */
	uint32_t refresh, retry, expire;
	uint32_t minimum; /* negative-caching TTL (RFC 2308) */
};

struct dm_dns_config {
	struct dm_dns_zone zones[DM_DNS_ZONES_MAX];
	size_t nzones;	   /* 0: answer every name in the table, as 0.4.4 does */
	uint32_t ttl;	   /* upper bound of every answer TTL */
	uint16_t edns_udp; /* advertised, and our cap on the UDP payload */
};

/* Defaults: no zone, TTL 60, EDNS payload 1232. */
void dm_dns_config_init(struct dm_dns_config *cfg);

/*
 * Adds the zone `apex` (text, e.g. "mesh.example.com") with SOA RNAME
 * `rname` (text; NULL gives "hostmaster.<apex>") and SOA timers 3600 / 600 /
 * 604800, minimum = the config TTL at call time. Returns a pointer to the
 * new zone inside `cfg` for the add functions below, via `ret_zone`.
 * DM_EINVAL for a bad name, DM_ETOOBIG when full or a duplicate apex.
 */
int dm_dns_config_add_zone(struct dm_dns_config *cfg, const char *apex, const char *rname,
			   struct dm_dns_zone **ret_zone) __attribute__((warn_unused_result));

/* Appends an NS host name (the first one becomes the SOA MNAME). */
int dm_dns_zone_add_ns(struct dm_dns_zone *zone, const char *host)
    __attribute__((warn_unused_result));

/* Appends an apex A (`len` 4) or AAAA (`len` 16) address. */
int dm_dns_zone_add_addr(struct dm_dns_zone *zone, const uint8_t *addr, size_t len)
    __attribute__((warn_unused_result));

/*
 * The zone with the longest apex that `name` (wire, any case) is at or
 * below, or NULL. On a match `*ret_apex_off` is where the apex starts in
 * `name` (the answer compresses against it).
 */
const struct dm_dns_zone *dm_dns_config_find_zone(const struct dm_dns_config *cfg,
						  const uint8_t *name, size_t len,
						  size_t *ret_apex_off);

#endif
