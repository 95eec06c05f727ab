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

#define DM_EX_CONFIG 78
#define DM_PATH_MAX  1024
#define DM_ZONES_MAX 8
#define DM_ZONE_MAX  254

struct dm_config {
	/* store */
	char db_path[DM_PATH_MAX]; /* DMP_DB_PATH */
	bool db_sync_full;	   /* DMP_DB_SYNC=full|normal (default full) */
	uint32_t cleanup_interval; /* DMP_CLEANUP_INTERVAL, s */
	/* where the services meet: <run_dir>/store.sock */
	char run_dir[DM_PATH_MAX]; /* DMP_RUN_DIR */
	/* DNS */
	char dns_host[64];		       /* DMP_DNS_HOST */
	uint16_t dns_port;		       /* DMP_DNS_PORT */
	uint32_t dns_ttl;		       /* DMP_DNS_TTL */
	double dns_rate, dns_burst;	       /* DMP_DNS_RATE, DMP_DNS_BURST (0 disables) */
	uint32_t dns_udp_max;		       /* DMP_DNS_UDP_MAX: 512..4096, default 1232 */
	char zones[DM_ZONES_MAX][DM_ZONE_MAX]; /* DMP_SERVED_ZONE (comma list); none = any name */
	unsigned zone_count;
	char apex_ns[DM_ZONE_MAX];   /* DMP_DNS_APEX_NS */
	char soa_rname[DM_ZONE_MAX]; /* DMP_DNS_APEX_SOA_RNAME */
	char apex_a[256];	     /* DMP_DNS_APEX_A: comma list of IPv4 addresses */
	char apex_aaaa[512];	     /* DMP_DNS_APEX_AAAA: comma list of IPv6 addresses */
	/* HTTP */
	char http_host[64];	      /* DMP_HTTP_HOST */
	uint16_t http_port;	      /* DMP_HTTP_PORT */
	uint32_t max_ttl;	      /* DMP_MAX_TTL */
	uint32_t max_value_bytes;     /* DMP_MAX_VALUE_BYTES */
	uint32_t max_values_per_name; /* DMP_MAX_VALUES_PER_NAME (0 disables) */
	/* HTTP (https-frontend) */
	char tls_cert[DM_PATH_MAX];	/* DMP_TLS_CERT: PEM chain, leaf first ("" = plain HTTP) */
	char tls_key[DM_PATH_MAX];	/* DMP_TLS_KEY: PEM private key (RSA or EC) */
	double http_rate, http_burst;	/* DMP_HTTP_RATE, DMP_HTTP_BURST (0 disables) */
	uint32_t http_max_conns;	/* DMP_HTTP_MAX_CONCURRENCY: open connections */
	uint32_t http_max_conns_per_ip; /* DMP_HTTP_MAX_CONNS_PER_IP (0 = no per-IP cap) */
	uint32_t http_header_ms;	/* DMP_HTTP_HEADER_TIMEOUT_MS: headers complete by then */
	uint32_t http_body_ms;		/* DMP_HTTP_BODY_TIMEOUT_MS: whole request by then */
	uint32_t http_idle_ms;		/* DMP_HTTP_IDLE_TIMEOUT_MS: keep-alive between requests */
	/* write authorization (node.md §6); tokens are secrets: never logged */
	char operator_token[256];	 /* DMP_OPERATOR_TOKEN, else DMP_HTTP_TOKEN */
	char auth_mode[32];		 /* DMP_AUTH_MODE; "" = derived */
	char token_db_path[DM_PATH_MAX]; /* DMP_TOKEN_DB_PATH, default <stem>_tokens<ext> */
	bool token_db_explicit;		 /* DMP_TOKEN_DB_PATH was set */
	/* self-service registration (node.md §7) */
	bool registration_enabled;	   /* DMP_REGISTRATION_ENABLED */
	char node_hostname[256];	   /* DMP_NODE_HOSTNAME */
	char registration_allowlist[1024]; /* DMP_REGISTRATION_ALLOWLIST (comma list) */
	uint32_t registration_token_ttl;   /* DMP_REGISTRATION_TOKEN_TTL_SECONDS (0 = never) */
	double issued_rate, issued_burst;  /* DMP_REGISTRATION_ISSUED_RATE_PER_SEC / _BURST */
	double registration_rate, registration_burst; /* DMP_REGISTRATION_ENDPOINT_RATE_* */
	/* claims and discovery (node.md §2.4, §5.9, §11) */
	bool claim_provider;	      /* DMP_CLAIM_PROVIDER (default on) */
	char claim_zone[DM_ZONE_MAX]; /* DMP_CLAIM_PROVIDER_ZONE → DMP_CLUSTER_BASE_DOMAIN →
					 DMP_DOMAIN */
	bool heartbeat_enabled;	      /* DMP_HEARTBEAT_ENABLED */
	char heartbeat_endpoint[256]; /* DMP_HEARTBEAT_SELF_ENDPOINT */
	bool sync_token_set;	      /* DMP_SYNC_PEER_TOKEN is set (value not kept here) */
	/* heartbeats and discovery (node.md §2.4, §10); the key itself is read
	 * by dnsmesh-heartbeat only */
	char heartbeat_key_path[DM_PATH_MAX]; /* DMP_HEARTBEAT_OPERATOR_KEY_PATH */
	char heartbeat_db_path[DM_PATH_MAX];  /* DMP_HEARTBEAT_DB_PATH, default
						 <stem>_heartbeats<ext> */
	char heartbeat_seeds[2048];	      /* DMP_HEARTBEAT_SEEDS (comma list of base URLs) */
	char heartbeat_resolve[1024];	      /* DMP_HEARTBEAT_RESOLVE: host=address pairs (ours) */
	char heartbeat_version[33];	      /* DMP_HEARTBEAT_VERSION */
	uint32_t heartbeat_interval;	      /* DMP_HEARTBEAT_INTERVAL_SECONDS */
	uint32_t heartbeat_ttl;		      /* DMP_HEARTBEAT_TTL_SECONDS */
	uint32_t heartbeat_max_peers;	      /* DMP_HEARTBEAT_MAX_PEERS */
	uint32_t heartbeat_seen_max_rows;     /* DMP_HEARTBEAT_SEEN_MAX_ROWS */
	uint32_t heartbeat_retention_hours;   /* DMP_HEARTBEAT_RETENTION_HOURS (0 = exp only) */
	double hb_submit_rate, hb_submit_burst; /* DMP_HEARTBEAT_SUBMIT_RATE_PER_SEC / _BURST */
	double hb_seen_rate, hb_seen_burst;	/* DMP_HEARTBEAT_SEEN_RATE_PER_SEC / _BURST */
	/* misc */
	char domain[DM_ZONE_MAX]; /* DMP_DOMAIN (claim-zone fallback only) */
	int log_level;		  /* DMP_LOG_LEVEL */
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
