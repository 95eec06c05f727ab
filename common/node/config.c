#include "common/node/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
