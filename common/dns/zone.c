#include "common/dns/zone.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

void dm_dns_config_init(struct dm_dns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ttl = DM_DNS_DEFAULT_TTL;
	cfg->edns_udp = DM_DNS_DEFAULT_EDNS;
}

static int wname_set(struct dm_dns_wname *w, const char *text)
{
	size_t len;
	int r = dm_dname_from_text(text, strlen(text), w->b, &len);
	if (r == 0)
		w->len = (uint8_t)len;
	return r;
}

int dm_dns_config_add_zone(struct dm_dns_config *cfg, const char *apex, const char *rname,
			   struct dm_dns_zone **ret_zone)
{
	struct dm_dns_zone z;
	char host[DM_DNAME_MAX + 16];

	memset(&z, 0, sizeof(z));
	if (wname_set(&z.apex, apex) != 0)
		return DM_EINVAL;
	if (rname == NULL) {
		/* "hostmaster." + apex stays a valid name only if it fits. */
		if ((size_t)snprintf(host, sizeof(host), "hostmaster.%s", apex) >= sizeof(host))
			return DM_EINVAL;
		rname = host;
	}
	if (wname_set(&z.rname, rname) != 0)
		return DM_EINVAL;
	if (cfg->nzones == DM_DNS_ZONES_MAX)
		return DM_ETOOBIG;
	for (size_t i = 0; i < cfg->nzones; i++)
		if (cfg->zones[i].apex.len == z.apex.len &&
		    memcmp(cfg->zones[i].apex.b, z.apex.b, z.apex.len) == 0)
			return DM_ETOOBIG;
	z.refresh = DM_DNS_SOA_REFRESH;
	z.retry = DM_DNS_SOA_RETRY;
	z.expire = DM_DNS_SOA_EXPIRE;
	z.minimum = cfg->ttl;
	cfg->zones[cfg->nzones] = z;
	*ret_zone = &cfg->zones[cfg->nzones++];
	return 0;
}

int dm_dns_zone_add_ns(struct dm_dns_zone *zone, const char *host)
{
	struct dm_dns_wname w;
	if (zone->nns == DM_DNS_ZONE_NS_MAX)
		return DM_ETOOBIG;
	if (wname_set(&w, host) != 0)
		return DM_EINVAL;
	zone->ns[zone->nns++] = w;
	return 0;
}

int dm_dns_zone_add_addr(struct dm_dns_zone *zone, const uint8_t *addr, size_t len)
{
	if (len == 4) {
		if (zone->na == DM_DNS_ZONE_ADDR_MAX)
			return DM_ETOOBIG;
		memcpy(zone->a[zone->na++], addr, 4);
		return 0;
	}
	if (len == 16) {
		if (zone->naaaa == DM_DNS_ZONE_ADDR_MAX)
			return DM_ETOOBIG;
		memcpy(zone->aaaa[zone->naaaa++], addr, 16);
		return 0;
	}
	return DM_EINVAL;
}

const struct dm_dns_zone *dm_dns_config_find_zone(const struct dm_dns_config *cfg,
						  const uint8_t *name, size_t len,
						  size_t *ret_apex_off)
{
	const struct dm_dns_zone *best = NULL;
	long best_off = 0;

	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct dm_dns_zone *z = &cfg->zones[i];
		long at = dm_dname_suffix_at(name, len, z->apex.b, z->apex.len);
		/* The longest apex starts earliest in `name`. */
		if (at >= 0 && (best == NULL || at < best_off)) {
			best = z;
			best_off = at;
		}
	}
	if (best != NULL)
		*ret_apex_off = (size_t)best_off;
	return best;
}
