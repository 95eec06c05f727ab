/*
 * `dnsmeshd -n`: the configuration after defaults, the -c file and the
 * environment were merged and validated, in the KEY=VALUE syntax -c reads,
 * so its output can be fed back as a config file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/node/log.h"

extern char **environ;

/* The settings sup_printconf() prints from struct dm_config. */
static const char *const known[] = {
    "DMP_DB_PATH",
    "DMP_DB_SYNC",
    "DMP_CLEANUP_INTERVAL",
    "DMP_RUN_DIR",
    "DMP_DNS_HOST",
    "DMP_DNS_PORT",
    "DMP_DNS_TTL",
    "DMP_DNS_RATE",
    "DMP_DNS_BURST",
    "DMP_DNS_UDP_MAX",
    "DMP_SERVED_ZONE",
    "DMP_DNS_APEX_NS",
    "DMP_DNS_APEX_SOA_RNAME",
    "DMP_HTTP_HOST",
    "DMP_HTTP_PORT",
    "DMP_MAX_TTL",
    "DMP_MAX_VALUE_BYTES",
    "DMP_MAX_VALUES_PER_NAME",
    "DMP_DOMAIN",
    "DMP_LOG_LEVEL",
    "DMP_WATCHDOG_SEC",
};

static bool is_known(const char *entry)
{
	size_t n = strcspn(entry, "=");
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == n && strncmp(entry, known[i], n) == 0)
			return true;
	return false;
}
#include "services/supervisor/supervisor.h"

static void put_str(FILE *out, const char *key, const char *v)
{
	/* The loader trims blanks and drops '#' lines: quote what it would change. */
	bool quote = v[0] == '\0' || strpbrk(v, " \t#;\"'") != NULL;
	if (quote && strchr(v, '"') == NULL)
		fprintf(out, "%s=\"%s\"\n", key, v);
	else if (quote)
		fprintf(out, "%s='%s'\n", key, v);
	else
		fprintf(out, "%s=%s\n", key, v);
}

static const char *level_name(int level)
{
	switch (level) {
	case DM_LOG_DEBUG:
		return "DEBUG";
	case DM_LOG_WARNING:
		return "WARNING";
	case DM_LOG_ERR:
		return "ERROR";
	default:
		return "INFO";
	}
}

void sup_printconf(const struct supervisor *sup, const struct dm_config *c, unsigned watchdog_sec,
		   FILE *out)
{
	char zones[DM_ZONES_MAX * DM_ZONE_MAX] = "";
	for (unsigned i = 0; i < c->zone_count; i++) {
		if (i > 0)
			strcat(zones, ",");
		strcat(zones, c->zones[i]);
	}
	fprintf(out, "# dnsmeshd %s: normalised configuration\n", DM_VERSION);
	put_str(out, "DMP_DB_PATH", c->db_path);
	put_str(out, "DMP_DB_SYNC", c->db_sync_full ? "full" : "normal");
	fprintf(out, "DMP_CLEANUP_INTERVAL=%u\n", c->cleanup_interval);
	put_str(out, "DMP_RUN_DIR", c->run_dir);
	put_str(out, "DMP_DNS_HOST", c->dns_host);
	fprintf(out, "DMP_DNS_PORT=%u\n", (unsigned)c->dns_port);
	fprintf(out, "DMP_DNS_TTL=%u\n", c->dns_ttl);
	fprintf(out, "DMP_DNS_RATE=%g\n", c->dns_rate);
	fprintf(out, "DMP_DNS_BURST=%g\n", c->dns_burst);
	fprintf(out, "DMP_DNS_UDP_MAX=%u\n", c->dns_udp_max);
	put_str(out, "DMP_SERVED_ZONE", zones);
	put_str(out, "DMP_DNS_APEX_NS", c->apex_ns);
	put_str(out, "DMP_DNS_APEX_SOA_RNAME", c->soa_rname);
	put_str(out, "DMP_HTTP_HOST", c->http_host);
	fprintf(out, "DMP_HTTP_PORT=%u\n", (unsigned)c->http_port);
	fprintf(out, "DMP_MAX_TTL=%u\n", c->max_ttl);
	fprintf(out, "DMP_MAX_VALUE_BYTES=%u\n", c->max_value_bytes);
	fprintf(out, "DMP_MAX_VALUES_PER_NAME=%u\n", c->max_values_per_name);
	put_str(out, "DMP_DOMAIN", c->domain);
	put_str(out, "DMP_LOG_LEVEL", level_name(c->log_level));
	fprintf(out, "DMP_WATCHDOG_SEC=%u\n", watchdog_sec);
	/* Settings only a service reads (it validates them when it starts). */
	for (char **e = environ; *e != NULL; e++) {
		if (strncmp(*e, "DMP_", 4) != 0 || is_known(*e))
			continue;
		char key[128];
		size_t n = strcspn(*e, "=");
		if (n >= sizeof(key) || (*e)[n] != '=')
			continue;
		memcpy(key, *e, n);
		key[n] = '\0';
		if (strstr(key, "TOKEN") != NULL || strstr(key, "SECRET") != NULL)
			fprintf(out, "# %s is set (not shown)\n", key);
		else
			put_str(out, key, *e + n + 1);
	}
	sup_services_describe(sup, c, out);
}
