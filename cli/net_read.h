/*
 * How the CLI reads records (cli.md §5): the resolver pool (the configured
 * `dns_resolvers`, else `dns_host:dns_port`, else the system resolvers), and
 * DoH (RFC 8484) when `doh_url` is configured or when plain DNS turns out to
 * be unreachable and the node's endpoint is https. Once every resolver has
 * failed, later lookups fail at once instead of waiting out each timeout.
 */
#ifndef DM_CLI_NET_READ_H
#define DM_CLI_NET_READ_H

#include <stdbool.h>

#include "cli/config.h"
#include "cli/net_pool.h"

struct cli_reader {
	struct cli_pool pool;
	char *doh_url;	  /* NULL: no DoH */
	bool doh_only;	  /* configured: every read goes over DoH */
	char *pin_sha256; /* for a DoH server with a self-signed certificate */
	bool dns_dead;
	bool doh_dead;
	unsigned lookups;
	unsigned failures; /* lookups no transport answered */
	char err[CLI_ERR_MAX];
};

/* Builds the reader for `cfg`; DM_EINVAL with `err` on a bad resolver entry. */
int cli_reader_init(struct cli_reader *r, const struct cli_config *cfg, char *err)
    __attribute__((warn_unused_result));
/* A dm_lookup_fn over the reader: 0 with values (maybe none), or DM_EUNAVAIL. */
int cli_reader_lookup(void *ctx, const char *name, struct dm_txtset *out);
void cli_reader_free(struct cli_reader *r);

/*
 * One DoH exchange (GET, or POST when `post`) for TXT at `name`. As
 * cli_dns_query(): 0 with values and rcode, negative with `err`.
 */
int cli_doh_query(const char *url, const char *pin_sha256, bool post, const char *name,
		  int timeout_ms, struct dm_txtset *out, uint8_t *ret_rcode, char *err)
    __attribute__((warn_unused_result));

#endif
