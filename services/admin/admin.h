/*
 * dnsmesh-node-admin subcommands kept out of main.c.
 */
#ifndef DM_ADMIN_ADMIN_H
#define DM_ADMIN_ADMIN_H

#include "common/node/config.h"

/*
 * `token issue|list|revoke ...` (node.md §8): argv[0] is "token". Talks to
 * the store, which owns the token file. Returns the process exit status.
 */
int admin_token_main(int argc, char **argv, const struct dm_config *cfg);

#endif
