/*
 * Cluster client mode (cli.md §6 `cluster`): the verified cluster manifest
 * at `cluster.<base>` (node.md §9.8) and a transport over its nodes. Writes
 * fan out to every node and succeed on a majority; reads ask every node's
 * DNS endpoint and return the union of what they answered.
 *
 * The last verified manifest is kept in <config-home>/cluster_manifest.wire
 * and used (re-verified, never past its expiry) when no resolver can serve a
 * fresh one, e.g. because the node the configured resolver points at is the
 * one that is down.
 */
#ifndef DM_CLI_CLUSTER_H
#define DM_CLI_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/ctx.h"
#include "cli/net_read.h"
#include "cli/net_write.h"
#include "common/dmp/cluster.h"

#define CLI_CLUSTER_WIRE_FILE "cluster_manifest.wire"

/* True if cluster mode is on: both anchors pinned and cluster_enabled. */
bool cli_cluster_enabled(const struct cli_config *cfg);

/*
 * Looks up `cluster.<base>` through `lookup` and keeps the verifying wire
 * with the highest seq (pinned key, expected name, not expired at `now`).
 * 0 with *ret and a copy of the wire in *ret_wire (caller frees); negative
 * with a one-line reason in `err` (capacity CLI_ERR_MAX).
 */
int cli_cluster_fetch(const struct cli_config *cfg, dm_lookup_fn lookup, void *lookup_ctx,
		      uint64_t now, struct dm_cluster *ret, char **ret_wire, char *err)
    __attribute__((warn_unused_result));

/* Verifies `wire` as cli_cluster_fetch() does. */
int cli_cluster_verify(const struct cli_config *cfg, const char *wire, uint64_t now,
		       struct dm_cluster *ret) __attribute__((warn_unused_result));

struct cli_cluster_node {
	struct cli_writer w;
	struct cli_reader r;
	bool has_reader;
	unsigned wok, wfail, rok, rfail;
};

struct cli_cluster {
	struct dm_cluster m;
	size_t n;
	struct cli_cluster_node node[DM_CLUSTER_NODES_MAX];
	unsigned read_failures; /* lookups no node answered */
	char err[CLI_ERR_MAX];
};

/*
 * The manifest (fresh, else the cached one; the cache is updated when a
 * newer one verifies) and one writer and reader per node. Exit code 0, or
 * 2 with the reason printed.
 */
int cli_cluster_open(struct cli_ctx *ctx, struct cli_cluster **ret);
/*
 * One writer and reader per node of `m`, a manifest the caller has already
 * verified (e.g. one found through a bootstrap record); the config's
 * anchors and the manifest cache are not used. Caller closes the result.
 */
struct cli_cluster *cli_cluster_open_manifest(struct cli_ctx *ctx, const struct dm_cluster *m);
void cli_cluster_close(struct cli_cluster *c);

/* Majority writes: 0 when more than half the nodes returned 201 / 204. */
int cli_cluster_publish(struct cli_cluster *c, const char *name, const char *value, uint32_t ttl);
int cli_cluster_delete(struct cli_cluster *c, const char *name, const char *value);
/* dm_lookup_fn: the union of every node's answer; DM_EUNAVAIL when none answered. */
int cli_cluster_lookup(void *ctx, const char *name, struct dm_txtset *out);

#endif
