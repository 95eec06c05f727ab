/*
 * dnsmesh-node-admin subcommands kept out of main.c.
 */
#ifndef DM_ADMIN_ADMIN_H
#define DM_ADMIN_ADMIN_H

#include "common/node/config.h"

/*
 * `token issue|list|revoke|rotate ...` and `audit tail ...` (node.md §8):
 * argv[0] is "token" or "audit". Talks to the store, which owns the token
 * file. Returns the process exit status.
 */
int admin_token_main(int argc, char **argv, const struct dm_config *cfg);

/* `cluster keygen|sign ...` (cluster.c): argv[0] is "cluster". Local only. */
int admin_cluster_main(int argc, char **argv);

/* `bootstrap keygen|sign ...` (cluster.c): argv[0] is "bootstrap". Local only. */
int admin_bootstrap_main(int argc, char **argv);

#endif
