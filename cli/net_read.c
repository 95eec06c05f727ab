#include "cli/net_read.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/util.h"
#include "common/codec/base64.h"
#include "common/err.h"
#include "common/net/http.h"

/* DoH failures come back in the caller's CLI_ERR_MAX buffer. */
_Static_assert(CLI_ERR_MAX == DM_HTTP_ERR_MAX, "one error buffer size");

#define SINGLE_TIMEOUT_MS  3000
#define SINGLE_LIFETIME_MS 6000
#define POOL_TIMEOUT_MS	   5000
#define POOL_LIFETIME_MS   10000
#define DOH_TIMEOUT_MS	   10000

static void add_system_resolvers(struct cli_pool *p)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) == 1)
			if (cli_pool_add(p, addr, 53) < 0)
				continue;
	}
	fclose(f);
}

/* dns_host may be a name in old configs; pin it to an address once. */
static int add_host(struct cli_pool *p, const char *host, long port, char *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM};
	struct addrinfo *res = NULL;
	char entry[300], ip[INET6_ADDRSTRLEN];

	if (port < 1 || port > 65535) {
		snprintf(err, CLI_ERR_MAX, "config.yaml: dns_port %ld is not a port", port);
		return DM_EINVAL;
	}
	if (cli_pool_add(p, host, (uint16_t)port) == 0)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
		snprintf(err, CLI_ERR_MAX, "cannot resolve dns_host '%.200s'", host);
		return DM_EINVAL;
	}
	if (res->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, ip,
			  sizeof(ip));
	freeaddrinfo(res);
	snprintf(entry, sizeof(entry), strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
	if (cli_pool_add(p, entry, 53) < 0) {
		snprintf(err, CLI_ERR_MAX, "bad dns_host '%.200s'", host);
		return DM_EINVAL;
	}
	return 0;
}

int cli_reader_init(struct cli_reader *r, const struct cli_config *cfg, char *err)
{
	memset(r, 0, sizeof(*r));
	if (cfg->resolver_count > 0) {
		cli_pool_init(&r->pool, POOL_TIMEOUT_MS, POOL_LIFETIME_MS);
		for (size_t i = 0; i < cfg->resolver_count; i++) {
			int e = cli_pool_add(&r->pool, cfg->dns_resolvers[i], 53);
			if (e < 0) {
				snprintf(err, CLI_ERR_MAX,
					 "config.yaml: dns_resolvers entry '%.100s' is not an IP "
					 "address with an optional port",
					 cfg->dns_resolvers[i]);
				return DM_EINVAL;
			}
		}
	} else {
		cli_pool_init(&r->pool, SINGLE_TIMEOUT_MS, SINGLE_LIFETIME_MS);
		if (!cli_empty(cfg->dns_host)) {
			int e = add_host(&r->pool, cfg->dns_host, cfg->dns_port, err);
			if (e < 0)
				return e;
		} else {
			add_system_resolvers(&r->pool);
		}
	}
	if (!cli_empty(cfg->tls_pin_sha256))
		r->pin_sha256 = cli_xstrdup(cfg->tls_pin_sha256);
	if (!cli_empty(cfg->doh_url)) {
		r->doh_url = cli_xstrdup(cfg->doh_url);
		r->doh_only = true;
	} else if (!strncmp(cfg->endpoint, "https://", 8)) {
		size_t n = strlen(cfg->endpoint);
		while (n > 0 && cfg->endpoint[n - 1] == '/')
			n--;
		r->doh_url = cli_xasprintf("%.*s/dns-query", (int)n, cfg->endpoint);
	}
	return 0;
}

void cli_reader_free(struct cli_reader *r)
{
	free(r->doh_url);
	free(r->pin_sha256);
	memset(r, 0, sizeof(*r));
}

int cli_doh_query(const char *url, const char *pin_sha256, bool post, const char *name,
		  int timeout_ms, struct dm_txtset *out, uint8_t *ret_rcode, char *err)
{
	uint8_t q[CLI_DNS_QUERY_MAX];
	char b64[2 * CLI_DNS_QUERY_MAX], *full;
	size_t qlen, n;
	struct dm_http_opts o = {.timeout_ms = timeout_ms,
				 .accept = "application/dns-message",
				 .content_type = "application/dns-message",
				 .pin_sha256 = pin_sha256};
	struct dm_http_resp resp;
	bool tc;
	int r;

	/* RFC 8484 §4.1: id 0 keeps GET responses cacheable. */
	if (cli_dns_build_query(name, 0, q, sizeof(q), &qlen) < 0) {
		snprintf(err, CLI_ERR_MAX, "cannot query '%.100s': not a DNS name", name);
		return DM_EINVAL;
	}
	if (post) {
		r = dm_http_request("POST", url, q, qlen, &o, &resp, err);
	} else {
		dm_b64_encode(q, qlen, b64);
		n = strlen(b64);
		while (n > 0 && b64[n - 1] == '=')
			b64[--n] = '\0';
		for (size_t i = 0; i < n; i++)
			b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
		full = cli_xasprintf("%s%cdns=%s", url, strchr(url, '?') ? '&' : '?', b64);
		r = dm_http_request("GET", full, NULL, 0, &o, &resp, err);
		free(full);
	}
	if (r < 0) {
		char tmp[CLI_ERR_MAX];
		snprintf(tmp, sizeof(tmp), "DoH %.150s: %s", url, err);
		memcpy(err, tmp, sizeof(tmp));
		return r;
	}
	if (resp.status != 200) {
		snprintf(err, CLI_ERR_MAX, "DoH %.200s: HTTP %d", url, resp.status);
		dm_http_resp_free(&resp);
		return DM_EUNAVAIL;
	}
	r = cli_dns_parse_response((const uint8_t *)resp.body, resp.body_len, q, qlen, out,
				   ret_rcode, &tc);
	dm_http_resp_free(&resp);
	if (r < 0) {
		cli_txtset_clear(out);
		snprintf(err, CLI_ERR_MAX, "DoH %.200s: malformed DNS response", url);
	}
	return r;
}

int cli_reader_lookup(void *ctx, const char *name, struct dm_txtset *out)
{
	struct cli_reader *r = ctx;
	uint8_t rcode = 0;
	char err[CLI_ERR_MAX];

	r->lookups++;
	if (!r->doh_only && !r->dns_dead) {
		if (cli_pool_lookup(&r->pool, name, cli_mono_ms(), out) == 0)
			return 0;
		r->dns_dead = true;
		snprintf(r->err, sizeof(r->err), "%s", r->pool.last_err);
	}
	if (r->doh_url != NULL && !r->doh_dead) {
		if (cli_doh_query(r->doh_url, r->pin_sha256, false, name, DOH_TIMEOUT_MS, out,
				  &rcode, err) == 0 &&
		    (rcode == 0 || rcode == 3))
			return 0;
		cli_txtset_clear(out);
		r->doh_dead = true;
		if (rcode != 0 && rcode != 3)
			snprintf(err, sizeof(err), "DoH %.200s: rcode %u", r->doh_url, rcode);
		if (r->dns_dead && !r->doh_only) {
			char both[CLI_ERR_MAX];
			snprintf(both, sizeof(both), "%.240s; %.240s", r->err, err);
			memcpy(r->err, both, sizeof(both));
		} else {
			memcpy(r->err, err, sizeof(err));
		}
	}
	r->failures++;
	return DM_EUNAVAIL;
}
