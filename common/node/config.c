#include "common/node/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "common/node/log.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *env(const char *name)
{
	const char *v = secure_getenv(name);
	return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* Unsigned integer in [lo, hi]; the whole string must be a number. */
static int get_u32(const char *name, uint32_t dflt, uint32_t lo, uint32_t hi, uint32_t *out,
		   char *err, size_t errlen)
{
	const char *v = env(name);
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < lo || n > hi) {
		set_err(err, errlen, "%s=%s: expected an integer from %u to %u", name, v, lo, hi);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int get_double(const char *name, double dflt, double *out, char *err, size_t errlen)
{
	const char *v = env(name);
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !isfinite(d) || d < 0) {
		set_err(err, errlen, "%s=%s: expected a non-negative number", name, v);
		return -1;
	}
	*out = d;
	return 0;
}

/* node.md §2: exactly 1/true/yes/on after trimming; `fold` lower-cases first. */
static bool get_truthy(const char *name, bool dflt, bool fold)
{
	const char *v = secure_getenv(name);
	if (v == NULL)
		return dflt;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	static const char *const yes[] = {"1", "true", "yes", "on"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strlen(yes[i]) == n &&
		    (fold ? strncasecmp(v, yes[i], n) : strncmp(v, yes[i], n)) == 0)
			return true;
	return false;
}

static int get_str(const char *name, const char *dflt, char *out, size_t cap, char *err,
		   size_t errlen)
{
	const char *v = env(name);
	if (v == NULL)
		v = dflt;
	if (strlen(v) >= cap) {
		set_err(err, errlen, "%s: longer than %zu bytes", name, cap - 1);
		return -1;
	}
	strcpy(out, v);
	return 0;
}

/* A DNS zone name: lower-cased, one trailing dot removed, labels 1..63. */
static int normalise_zone(const char *in, size_t len, char *out, const char *var, char *err,
			  size_t errlen)
{
	while (len > 0 && isspace((unsigned char)in[0]))
		in++, len--;
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len >= DM_ZONE_MAX - 1) {
		set_err(err, errlen, "%s: empty or over-long zone name", var);
		return -1;
	}
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0)
				goto bad;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				goto bad;
		} else {
			goto bad;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		goto bad;
	out[len] = '\0';
	return 0;
bad:
	set_err(err, errlen, "%s: %.*s is not a valid zone name", var, (int)len, in);
	return -1;
}

static int get_zones(struct dm_config *cfg, char *err, size_t errlen)
{
	const char *v = env("DMP_SERVED_ZONE");
	cfg->zone_count = 0;
	if (v == NULL)
		return 0;
	while (*v != '\0') {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		if (cfg->zone_count == DM_ZONES_MAX) {
			set_err(err, errlen, "DMP_SERVED_ZONE: more than %d zones", DM_ZONES_MAX);
			return -1;
		}
		if (normalise_zone(v, len, cfg->zones[cfg->zone_count], "DMP_SERVED_ZONE", err,
				   errlen) < 0)
			return -1;
		cfg->zone_count++;
		v += len + (comma ? 1 : 0);
	}
	return 0;
}

/* <dir>/<stem>_tokens<ext> of the record store path (node.md §2.1). */
static int default_token_db(const char *db_path, char *out, size_t cap)
{
	const char *slash = strrchr(db_path, '/');
	const char *base = slash ? slash + 1 : db_path;
	const char *dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	int n = snprintf(out, cap, "%.*s_tokens%s", (int)(dot - db_path), db_path, dot);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* <dir>/<stem>_heartbeats<ext> of the record store path (node.md §2.4). */
static int default_heartbeat_db(const char *db_path, char *out, size_t cap)
{
	const char *slash = strrchr(db_path, '/');
	const char *base = slash ? slash + 1 : db_path;
	const char *dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	int n = snprintf(out, cap, "%.*s_heartbeats%s", (int)(dot - db_path), db_path, dot);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* node.md §2.4: the heartbeat worker, the seen store and the discovery limiters. */
static int get_heartbeat(struct dm_config *cfg, char *err, size_t errlen)
{
	if (get_str("DMP_HEARTBEAT_OPERATOR_KEY_PATH", "", cfg->heartbeat_key_path,
		    sizeof(cfg->heartbeat_key_path), err, errlen) < 0 ||
	    get_str("DMP_HEARTBEAT_SEEDS", "", cfg->heartbeat_seeds, sizeof(cfg->heartbeat_seeds),
		    err, errlen) < 0 ||
	    get_str("DMP_HEARTBEAT_RESOLVE", "", cfg->heartbeat_resolve,
		    sizeof(cfg->heartbeat_resolve), err, errlen) < 0 ||
	    get_str("DMP_HEARTBEAT_VERSION", DM_VERSION, cfg->heartbeat_version,
		    sizeof(cfg->heartbeat_version), err, errlen) < 0 ||
	    get_u32("DMP_HEARTBEAT_INTERVAL_SECONDS", 300, 1, 86400, &cfg->heartbeat_interval, err,
		    errlen) < 0 ||
	    get_u32("DMP_HEARTBEAT_TTL_SECONDS", 86400, 1, 0x7fffffff, &cfg->heartbeat_ttl, err,
		    errlen) < 0 ||
	    get_u32("DMP_HEARTBEAT_MAX_PEERS", 25, 0, 1000, &cfg->heartbeat_max_peers, err,
		    errlen) < 0 ||
	    get_u32("DMP_HEARTBEAT_SEEN_MAX_ROWS", 10000, 1, 10000000,
		    &cfg->heartbeat_seen_max_rows, err, errlen) < 0 ||
	    get_u32("DMP_HEARTBEAT_RETENTION_HOURS", 72, 0, 876000, &cfg->heartbeat_retention_hours,
		    err, errlen) < 0 ||
	    get_double("DMP_HEARTBEAT_SUBMIT_RATE_PER_SEC", 1.0, &cfg->hb_submit_rate, err,
		       errlen) < 0 ||
	    get_double("DMP_HEARTBEAT_SUBMIT_RATE_BURST", 30.0, &cfg->hb_submit_burst, err,
		       errlen) < 0 ||
	    get_double("DMP_HEARTBEAT_SEEN_RATE_PER_SEC", 5.0, &cfg->hb_seen_rate, err, errlen) <
		0 ||
	    get_double("DMP_HEARTBEAT_SEEN_RATE_BURST", 60.0, &cfg->hb_seen_burst, err, errlen) < 0)
		return -1;
	if (env("DMP_HEARTBEAT_DB_PATH") != NULL)
		return get_str("DMP_HEARTBEAT_DB_PATH", "", cfg->heartbeat_db_path,
			       sizeof(cfg->heartbeat_db_path), err, errlen);
	if (default_heartbeat_db(cfg->db_path, cfg->heartbeat_db_path,
				 sizeof(cfg->heartbeat_db_path)) < 0) {
		set_err(err, errlen, "DMP_DB_PATH: too long to derive DMP_HEARTBEAT_DB_PATH");
		return -1;
	}
	return 0;
}

/* The https-frontend's variables and the token store path (which the store uses). */
static int get_http(struct dm_config *cfg, char *err, size_t errlen)
{
	if (get_str("DMP_TLS_CERT", "", cfg->tls_cert, sizeof(cfg->tls_cert), err, errlen) < 0 ||
	    get_str("DMP_TLS_KEY", "", cfg->tls_key, sizeof(cfg->tls_key), err, errlen) < 0 ||
	    get_double("DMP_HTTP_RATE", 10.0, &cfg->http_rate, err, errlen) < 0 ||
	    get_double("DMP_HTTP_BURST", 100.0, &cfg->http_burst, err, errlen) < 0 ||
	    get_u32("DMP_HTTP_MAX_CONCURRENCY", 512, 1, 65536, &cfg->http_max_conns, err, errlen) <
		0 ||
	    get_u32("DMP_HTTP_MAX_CONNS_PER_IP", 64, 0, 65536, &cfg->http_max_conns_per_ip, err,
		    errlen) < 0 ||
	    get_u32("DMP_HTTP_HEADER_TIMEOUT_MS", 10000, 100, 600000, &cfg->http_header_ms, err,
		    errlen) < 0 ||
	    get_u32("DMP_HTTP_BODY_TIMEOUT_MS", 20000, 100, 600000, &cfg->http_body_ms, err,
		    errlen) < 0 ||
	    get_u32("DMP_HTTP_IDLE_TIMEOUT_MS", 30000, 100, 3600000, &cfg->http_idle_ms, err,
		    errlen) < 0)
		return -1;
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
		set_err(err, errlen, "DMP_TLS_CERT and DMP_TLS_KEY: set both or neither");
		return -1;
	}
	/* DMP_OPERATOR_TOKEN wins over the legacy DMP_HTTP_TOKEN. */
	const char *tok = env("DMP_OPERATOR_TOKEN");
	if (get_str(tok ? "DMP_OPERATOR_TOKEN" : "DMP_HTTP_TOKEN", "", cfg->operator_token,
		    sizeof(cfg->operator_token), err, errlen) < 0 ||
	    get_str("DMP_AUTH_MODE", "", cfg->auth_mode, sizeof(cfg->auth_mode), err, errlen) < 0)
		return -1;
	cfg->token_db_explicit = env("DMP_TOKEN_DB_PATH") != NULL;
	if (cfg->token_db_explicit) {
		if (get_str("DMP_TOKEN_DB_PATH", "", cfg->token_db_path, sizeof(cfg->token_db_path),
			    err, errlen) < 0)
			return -1;
	} else if (default_token_db(cfg->db_path, cfg->token_db_path, sizeof(cfg->token_db_path)) <
		   0) {
		set_err(err, errlen, "DMP_DB_PATH: too long to derive DMP_TOKEN_DB_PATH");
		return -1;
	}
	/* DMP_REGISTRATION_ENABLED is not lower-cased (node.md §2). */
	cfg->registration_enabled = get_truthy("DMP_REGISTRATION_ENABLED", false, false);
	if (get_str("DMP_NODE_HOSTNAME", "", cfg->node_hostname, sizeof(cfg->node_hostname), err,
		    errlen) < 0 ||
	    get_str("DMP_REGISTRATION_ALLOWLIST", "", cfg->registration_allowlist,
		    sizeof(cfg->registration_allowlist), err, errlen) < 0 ||
	    get_u32("DMP_REGISTRATION_TOKEN_TTL_SECONDS", 7776000, 0, 0x7fffffff,
		    &cfg->registration_token_ttl, err, errlen) < 0 ||
	    get_double("DMP_REGISTRATION_ISSUED_RATE_PER_SEC", 10.0, &cfg->issued_rate, err,
		       errlen) < 0 ||
	    get_double("DMP_REGISTRATION_ISSUED_RATE_BURST", 50.0, &cfg->issued_burst, err,
		       errlen) < 0 ||
	    get_double("DMP_REGISTRATION_ENDPOINT_RATE_PER_SEC", 5.0 / 3600.0,
		       &cfg->registration_rate, err, errlen) < 0 ||
	    get_double("DMP_REGISTRATION_ENDPOINT_RATE_BURST", 5.0, &cfg->registration_burst, err,
		       errlen) < 0)
		return -1;
	if (cfg->issued_burst > 4294967295.0) {
		set_err(err, errlen, "DMP_REGISTRATION_ISSUED_RATE_BURST: too large");
		return -1;
	}
	/* DMP_CLAIM_PROVIDER: on unless 0/false/no/off, case-insensitively. */
	const char *cp = secure_getenv("DMP_CLAIM_PROVIDER");
	cfg->claim_provider = true;
	if (cp != NULL) {
		static const char *const off[] = {"0", "false", "no", "off"};
		char t[16];
		size_t n = 0;
		while (*cp != '\0' && isspace((unsigned char)*cp))
			cp++;
		while (cp[n] != '\0' && n < sizeof(t) - 1) {
			t[n] = (char)tolower((unsigned char)cp[n]);
			n++;
		}
		while (n > 0 && isspace((unsigned char)t[n - 1]))
			n--;
		t[n] = '\0';
		for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
			if (strcmp(t, off[i]) == 0)
				cfg->claim_provider = false;
	}
	/* The zone is used verbatim, as the reference does (node.md §11.2). */
	const char *zone = env("DMP_CLAIM_PROVIDER_ZONE");
	const char *zvar = "DMP_CLAIM_PROVIDER_ZONE";
	if (zone == NULL) {
		zone = env("DMP_CLUSTER_BASE_DOMAIN");
		zvar = "DMP_CLUSTER_BASE_DOMAIN";
	}
	if (zone == NULL) {
		zone = env("DMP_DOMAIN");
		zvar = "DMP_DOMAIN";
	}
	if (zone != NULL &&
	    get_str(zvar, "", cfg->claim_zone, sizeof(cfg->claim_zone), err, errlen) < 0)
		return -1;
	cfg->heartbeat_enabled = get_truthy("DMP_HEARTBEAT_ENABLED", false, false);
	if (get_str("DMP_HEARTBEAT_SELF_ENDPOINT", "", cfg->heartbeat_endpoint,
		    sizeof(cfg->heartbeat_endpoint), err, errlen) < 0)
		return -1;
	cfg->sync_token_set = env("DMP_SYNC_PEER_TOKEN") != NULL;
	return 0;
}

int dm_config_from_env(struct dm_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	uint32_t port;
	const char *sync = env("DMP_DB_SYNC");
	if (sync == NULL || strcmp(sync, "full") == 0) {
		cfg->db_sync_full = true;
	} else if (strcmp(sync, "normal") == 0) {
		cfg->db_sync_full = false;
	} else {
		set_err(err, errlen, "DMP_DB_SYNC=%s: expected full or normal", sync);
		return -1;
	}
	if (get_str("DMP_DB_PATH", "./var/dmp.db", cfg->db_path, sizeof(cfg->db_path), err,
		    errlen) < 0 ||
	    get_str("DMP_RUN_DIR", "./var/run", cfg->run_dir, sizeof(cfg->run_dir), err, errlen) <
		0 ||
	    get_u32("DMP_CLEANUP_INTERVAL", 60, 1, 86400, &cfg->cleanup_interval, err, errlen) <
		0 ||
	    get_str("DMP_DNS_HOST", "127.0.0.1", cfg->dns_host, sizeof(cfg->dns_host), err,
		    errlen) < 0 ||
	    get_u32("DMP_DNS_PORT", 5353, 0, 65535, &port, err, errlen) < 0)
		return -1;
	cfg->dns_port = (uint16_t)port;
	if (get_u32("DMP_DNS_TTL", 60, 0, 604800, &cfg->dns_ttl, err, errlen) < 0 ||
	    get_double("DMP_DNS_RATE", 50.0, &cfg->dns_rate, err, errlen) < 0 ||
	    get_double("DMP_DNS_BURST", 200.0, &cfg->dns_burst, err, errlen) < 0 ||
	    get_u32("DMP_DNS_UDP_MAX", 1232, 512, 4096, &cfg->dns_udp_max, err, errlen) < 0 ||
	    get_zones(cfg, err, errlen) < 0 ||
	    get_str("DMP_DNS_APEX_NS", "", cfg->apex_ns, sizeof(cfg->apex_ns), err, errlen) < 0 ||
	    get_str("DMP_DNS_APEX_SOA_RNAME", "", cfg->soa_rname, sizeof(cfg->soa_rname), err,
		    errlen) < 0 ||
	    get_str("DMP_DNS_APEX_A", "", cfg->apex_a, sizeof(cfg->apex_a), err, errlen) < 0 ||
	    get_str("DMP_DNS_APEX_AAAA", "", cfg->apex_aaaa, sizeof(cfg->apex_aaaa), err, errlen) <
		0 ||
	    get_str("DMP_HTTP_HOST", "127.0.0.1", cfg->http_host, sizeof(cfg->http_host), err,
		    errlen) < 0 ||
	    get_u32("DMP_HTTP_PORT", 8053, 0, 65535, &port, err, errlen) < 0)
		return -1;
	cfg->http_port = (uint16_t)port;
	if (get_u32("DMP_MAX_TTL", 86400, 1, 0x7fffffff, &cfg->max_ttl, err, errlen) < 0 ||
	    get_u32("DMP_MAX_VALUE_BYTES", 2048, 1, 65535, &cfg->max_value_bytes, err, errlen) <
		0 ||
	    get_u32("DMP_MAX_VALUES_PER_NAME", 64, 0, 100000, &cfg->max_values_per_name, err,
		    errlen) < 0 ||
	    get_str("DMP_DOMAIN", "", cfg->domain, sizeof(cfg->domain), err, errlen) < 0)
		return -1;
	if (get_http(cfg, err, errlen) < 0 || get_heartbeat(cfg, err, errlen) < 0)
		return -1;
	const char *level = env("DMP_LOG_LEVEL");
	cfg->log_level = log_level_parse(level);
	if (cfg->log_level < 0) {
		set_err(err, errlen, "DMP_LOG_LEVEL=%s: expected DEBUG, INFO, WARNING or ERROR",
			level);
		return -1;
	}
	char probe[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (dm_config_socket_path(cfg, "store.sock", probe, sizeof(probe)) < 0) {
		set_err(err, errlen, "DMP_RUN_DIR=%s: too long for a Unix socket path",
			cfg->run_dir);
		return -1;
	}
	return 0;
}

int dm_config_socket_path(const struct dm_config *cfg, const char *name, char *out, size_t cap)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
	int n = snprintf(out, cap, "%s/%s", cfg->run_dir, name);
	if (n < 0 || (size_t)n >= cap || (size_t)n >= max)
		return -1;
	return 0;
}

int dm_config_load_env_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	unsigned lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			set_err(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -1;
			break;
		}
		while (len > 0 && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		char *eq = strchr(p, '=');
		if (eq == NULL || eq == p) {
			set_err(err, errlen, "%s:%u: expected KEY=VALUE", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = p, *val = eq + 1;
		for (char *k = key; *k; k++) {
			if (!(isalnum((unsigned char)*k) || *k == '_')) {
				set_err(err, errlen, "%s:%u: bad variable name", path, lineno);
				rc = -1;
				goto out;
			}
		}
		size_t vlen = strlen(val);
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		if (setenv(key, val, 0) != 0) {
			set_err(err, errlen, "%s:%u: %s", path, lineno, strerror(errno));
			rc = -1;
			break;
		}
	}
out:
	fclose(f);
	return rc;
}
