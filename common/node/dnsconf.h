/*
 * The DNS engine's configuration (zones, apex SOA/NS/A/AAAA, TTL, EDNS size)
 * compiled from the node's DMP_* settings. Shared by the dns-frontend and the
 * https-frontend's DoH endpoint, so both answer with the same logic.
 */
#ifndef DM_NODE_DNSCONF_H
#define DM_NODE_DNSCONF_H

#include <stddef.h>

#include "common/dns/zone.h"
#include "common/node/config.h"

/* Fills `dns` from `cfg`; -1 with a one-line reason naming the variable. */
int dm_dnsconf_build(const struct dm_config *cfg, struct dm_dns_config *dns, char *err,
		     size_t errlen);

#endif
