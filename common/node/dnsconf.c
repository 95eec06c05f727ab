#include "common/node/dnsconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

/* Splits the comma list `list` and hands each trimmed item to `fn`. */
static int each_item(const char *list, int (*fn)(struct dm_dns_zone *, const char *),
		     struct dm_dns_zone *z)
{
	char item[DM_ZONE_MAX + 1];
	while (*list != '\0') {
		size_t len = strcspn(list, ",");
		const char *p = list;
		size_t n = len;
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof(item))
			return DM_EINVAL;
		if (n > 0) {
			memcpy(item, p, n);
			item[n] = '\0';
			int r = fn(z, item);
			if (r < 0)
				return r;
		}
		list += len + (list[len] == ',' ? 1 : 0);
	}
	return 0;
}

static int add_ns(struct dm_dns_zone *z, const char *host)
{
	return dm_dns_zone_add_ns(z, host);
}

static int add_addr(struct dm_dns_zone *z, const char *text)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, text, a) == 1)
		return dm_dns_zone_add_addr(z, a, 4);
	if (inet_pton(AF_INET6, text, a) == 1)
		return dm_dns_zone_add_addr(z, a, 16);
	return DM_EINVAL;
}

int dm_dnsconf_build(const struct dm_config *cfg, struct dm_dns_config *dns, char *err,
		     size_t errlen)
{
	dm_dns_config_init(dns);
	dns->ttl = cfg->dns_ttl;
	dns->edns_udp = (uint16_t)cfg->dns_udp_max;
	if (cfg->zone_count > DM_DNS_ZONES_MAX) {
		snprintf(err, errlen, "DMP_SERVED_ZONE: at most %d zones", DM_DNS_ZONES_MAX);
		return -1;
	}
	/* A mailbox ("hostmaster@example.com") is accepted for the SOA RNAME. */
	char rname[DM_ZONE_MAX];
	snprintf(rname, sizeof(rname), "%s", cfg->soa_rname);
	char *at = strchr(rname, '@');
	if (at != NULL)
		*at = '.';
	size_t rlen = strlen(rname);
	if (rlen > 0 && rname[rlen - 1] == '.')
		rname[rlen - 1] = '\0';
	for (unsigned i = 0; i < cfg->zone_count; i++) {
		struct dm_dns_zone *z;
		if (dm_dns_config_add_zone(dns, cfg->zones[i], rname[0] ? rname : NULL, &z) < 0) {
			snprintf(err, errlen,
				 "DMP_SERVED_ZONE / DMP_DNS_APEX_SOA_RNAME: %.80s: bad name",
				 cfg->zones[i]);
			return -1;
		}
		if (each_item(cfg->apex_ns, add_ns, z) < 0) {
			snprintf(err, errlen, "DMP_DNS_APEX_NS=%.80s: expected up to %d host names",
				 cfg->apex_ns, DM_DNS_ZONE_NS_MAX);
			return -1;
		}
		if (each_item(cfg->apex_a, add_addr, z) < 0) {
			snprintf(err, errlen,
				 "DMP_DNS_APEX_A=%.80s: expected up to %d IPv4 addresses",
				 cfg->apex_a, DM_DNS_ZONE_ADDR_MAX);
			return -1;
		}
		if (each_item(cfg->apex_aaaa, add_addr, z) < 0) {
			snprintf(err, errlen,
				 "DMP_DNS_APEX_AAAA=%.80s: expected up to %d IPv6 addresses",
				 cfg->apex_aaaa, DM_DNS_ZONE_ADDR_MAX);
			return -1;
		}
	}
	return 0;
}
