/*
 * Node configuration: the reference's DMP_* environment variables (node.md
 * §2), so an existing deployment's environment file works unchanged, plus
 * our own additions (DMP_RUN_DIR, DMP_DNS_UDP_MAX, DMP_SERVED_ZONE, ...).
 *
 * Every service reads the same environment through dm_config_from_env(): under
 * dnsmeshd it is inherited from the supervisor (which validated it first and
 * merged its config file), under systemd it comes from EnvironmentFile=. A bad
 * value is reported as one line naming the variable; callers exit 78
 * (EX_CONFIG).
 */
#ifndef DM_NODE_CONFIG_H
#define DM_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_EX_CONFIG   78
#define DM_PATH_MAX    1024
#define DM_ZONES_MAX   8
#define DM_ZONE_MAX    254

struct dm_config {
	/* store */
	char db_path[DM_PATH_MAX];       /* DMP_DB_PATH */
	bool db_sync_full;               /* DMP_DB_SYNC=full|normal (default full) */
	uint32_t cleanup_interval;       /* DMP_CLEANUP_INTERVAL, s */
	/* where the services meet: <run_dir>/store.sock */
	char run_dir[DM_PATH_MAX];       /* DMP_RUN_DIR */
	/* DNS */
	char dns_host[64];               /* DMP_DNS_HOST */
	uint16_t dns_port;               /* DMP_DNS_PORT */
	uint32_t dns_ttl;                /* DMP_DNS_TTL */
	double dns_rate, dns_burst;      /* DMP_DNS_RATE, DMP_DNS_BURST (0 disables) */
	uint32_t dns_udp_max;            /* DMP_DNS_UDP_MAX: 512..4096, default 1232 */
	char zones[DM_ZONES_MAX][DM_ZONE_MAX]; /* DMP_SERVED_ZONE (comma list); none = any name */
	unsigned zone_count;
	char apex_ns[DM_ZONE_MAX];       /* DMP_DNS_APEX_NS */
	char soa_rname[DM_ZONE_MAX];     /* DMP_DNS_APEX_SOA_RNAME */
	/* HTTP */
	char http_host[64];              /* DMP_HTTP_HOST */
	uint16_t http_port;              /* DMP_HTTP_PORT */
	uint32_t max_ttl;                /* DMP_MAX_TTL */
	uint32_t max_value_bytes;        /* DMP_MAX_VALUE_BYTES */
	uint32_t max_values_per_name;    /* DMP_MAX_VALUES_PER_NAME (0 disables) */
	/* misc */
	char domain[DM_ZONE_MAX];        /* DMP_DOMAIN (claim-zone fallback only) */
	int log_level;                   /* DMP_LOG_LEVEL */
};

/* Fills `cfg` from the environment (defaults where unset). Returns 0, or -1
 * with a one-line reason in `err` naming the offending variable. */
int dm_config_from_env(struct dm_config *cfg, char *err, size_t errlen);

/* Loads KEY=VALUE lines (systemd EnvironmentFile syntax: '#' comments, blank
 * lines, optional quotes) into the environment without overriding variables
 * that are already set. Returns 0, or -1 with a reason in `err`. */
int dm_config_load_env_file(const char *path, char *err, size_t errlen);

/* "<run_dir>/<name>" into `out`; -1 if it does not fit a sockaddr_un. */
int dm_config_socket_path(const struct dm_config *cfg, const char *name, char *out, size_t cap);

#endif
