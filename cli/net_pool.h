/*
 * The resolver pool of cli.md §5: hosts tried in configured order; a host
 * that fails, or is proven wrong (it said "no such name" and a later host
 * answered), is demoted for 60 s and then tried only after the healthy
 * ones, oldest failure first. The first non-empty answer wins. Health lives
 * only as long as the process. The transport is a callback, so the policy
 * is testable without sockets.
 */
#ifndef DM_CLI_NET_POOL_H
#define DM_CLI_NET_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/net_dns.h"

#define CLI_POOL_DEMOTE_MS 60000
#define CLI_POOL_MAX_HOSTS 16

/* One query to one host: as cli_dns_query(). */
typedef int (*cli_pool_query_fn)(void *ctx, const struct cli_ns *ns, const char *name,
				 int timeout_ms, struct dm_txtset *out, uint8_t *ret_rcode,
				 char *err);

struct cli_pool_host {
	struct cli_ns ns;
	uint64_t failed_at_ms; /* 0: healthy */
};

struct cli_pool {
	struct cli_pool_host hosts[CLI_POOL_MAX_HOSTS];
	size_t count;
	int timeout_ms;	 /* per host */
	int lifetime_ms; /* whole lookup */
	cli_pool_query_fn query;
	void *query_ctx;
	char last_err[CLI_ERR_MAX];
};

/* An empty pool using the real DNS transport. */
void cli_pool_init(struct cli_pool *p, int timeout_ms, int lifetime_ms);
/* Adds a resolver entry (cli_ns_parse() forms). DM_EINVAL, DM_ETOOBIG when full. */
int cli_pool_add(struct cli_pool *p, const char *entry, uint16_t default_port)
    __attribute__((warn_unused_result));
/* The order hosts would be tried in at `now_ms` (indices into hosts). */
size_t cli_pool_order(const struct cli_pool *p, uint64_t now_ms, size_t ret[CLI_POOL_MAX_HOSTS]);

/*
 * Looks up TXT at `name`: 0 with the first non-empty answer in `out` (or
 * none, when every host that answered said there is nothing); DM_EUNAVAIL
 * when no host answered at all, the reason in p->last_err.
 */
int cli_pool_lookup(struct cli_pool *p, const char *name, uint64_t now_ms, struct dm_txtset *out)
    __attribute__((warn_unused_result));

#endif
