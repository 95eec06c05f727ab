/*
 * Bootstrap discovery (cli.md §6 `bootstrap`, wire.md §12.6): the two-hop
 * trust chain from an address's domain to the cluster serving it. The zone
 * operator signs `_dmp.<user_domain>` (pinned signer key); each entry names
 * a cluster base domain and that cluster operator's key, under which the
 * manifest at `cluster.<base>` must verify in turn. The two keys are
 * independent: neither operator alone can point a domain at a cluster and
 * forge what that cluster serves.
 */
#ifndef DM_CLI_BOOTSTRAP_H
#define DM_CLI_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cluster.h"
#include "cli/cmds.h"
#include "common/dmp/bootstrap.h"

#define CLI_BOOTSTRAP_PREFIX "v=dmp1;t=bootstrap;"

/*
 * True if `domain` can be a bootstrap user domain or cluster base domain:
 * §3.1 and at most 64 bytes once one trailing dot is removed.
 */
bool cli_bootstrap_domain_ok(const char *domain);

/*
 * Looks up `_dmp.<user_domain>` through `lookup` and keeps the record with
 * the highest seq that verifies under `signer_spk`, is not expired at `now`
 * and binds `user_domain`. 0 with *ret; DM_EUNAVAIL (no resolver answered),
 * DM_ENOTFOUND (no bootstrap record there) or DM_ESIG (none verifies) with a
 * one-line reason in `err` (capacity CLI_ERR_MAX).
 */
int cli_bootstrap_fetch(const char *user_domain, const uint8_t signer_spk[DM_ED25519_PK_BYTES],
			dm_lookup_fn lookup, void *lookup_ctx, uint64_t now,
			struct dm_bootstrap *ret, char *err) __attribute__((warn_unused_result));

/*
 * The second hop: walks `b`'s entries in priority order and picks the first
 * whose manifest at `cluster.<base>` verifies under the entry's operator key
 * and whose nodes this client can use (every DNS endpoint an IP literal with
 * an optional port, and at least one node readable over DNS or DoH).
 * 0 with the entry index, the manifest and a copy of its wire (caller
 * frees); DM_ENOTFOUND with a one-line reason in `err` when none qualifies.
 */
int cli_bootstrap_pick(const struct dm_bootstrap *b, dm_lookup_fn lookup, void *lookup_ctx,
		       uint64_t now, size_t *ret_entry, struct dm_cluster *ret_manifest,
		       char **ret_wire, char *err) __attribute__((warn_unused_result));

/*
 * `identity fetch user@<host> --via-bootstrap`: `host` must be the pinned
 * bootstrap domain; resolves both hops through the configured resolvers and
 * returns a read-only transport over the chosen cluster's nodes (nothing is
 * written to the config or the manifest cache). Exit code 0, else 1 or 2
 * with the reason printed. Caller closes *ret_cluster with
 * cli_cluster_close(); *ret_io borrows it.
 */
int cli_bootstrap_open(struct cli_ctx *ctx, const char *host, struct cli_cluster **ret_cluster,
		       struct cli_io *ret_io);

#endif
