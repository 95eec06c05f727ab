/*
 * Anti-entropy configuration (node.md §2.2, §9.4, §9.9): the DMP_SYNC_* and
 * cluster variables, and the cluster file. Read by the sync service (which
 * runs the worker) and the https-frontend (which serves the sync routes and needs
 * the peer token, the pinned operator key and the cluster name). Kept out of
 * struct dm_config so the token, a secret, lives only in those two
 * processes.
 */
#ifndef DM_NODE_SYNCCONF_H
#define DM_NODE_SYNCCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/cluster.h"
#include "common/node/config.h"

#define DM_SYNC_PEERS_MAX	     64
#define DM_SYNC_URL_MAX		     256
#define DM_SYNC_TOKEN_MAX	     256
#define DM_SYNC_DEFAULT_CLUSTER_FILE "/var/lib/dmp/cluster.json"

struct dm_sync_config {
	char token[DM_SYNC_TOKEN_MAX];			/* DMP_SYNC_PEER_TOKEN; "" = sync off */
	char peers[DM_SYNC_PEERS_MAX][DM_SYNC_URL_MAX]; /* DMP_SYNC_PEERS, normalised */
	unsigned npeers;
	double interval_s;		/* DMP_SYNC_INTERVAL, else _SECONDS; default 10 */
	char cluster_file[DM_PATH_MAX]; /* DMP_CLUSTER_FILE, else DMP_CLUSTER_MANIFEST_PATH */
	char node_id[DM_CLUSTER_NODE_ID_MAX + 1]; /* DMP_NODE_ID */
	char self_endpoint[DM_SYNC_URL_MAX];	  /* DMP_SYNC_SELF_ENDPOINT */
	bool has_spk;				  /* DMP_SYNC_OPERATOR_SPK */
	uint8_t spk[DM_ED25519_PK_BYTES];
	char base_domain[DM_CLUSTER_NAME_MAX + 1]; /* DMP_CLUSTER_BASE_DOMAIN, lower-case, no dot */
	char ca_file[DM_PATH_MAX];		   /* DMP_SYNC_CA_FILE: anchors for https peers */
};

/*
 * Reads the variables. DMP_SYNC_PEERS entries are trimmed, a trailing '/'
 * removed, empty and duplicate entries skipped, and entries equal to
 * DMP_SYNC_SELF_ENDPOINT (case-insensitively) dropped. Returns 0, or -1 with
 * one line naming the bad variable in `err`.
 */
int dm_sync_config_from_env(struct dm_sync_config *sc, char *err, size_t errlen);

/* Wipes the token. */
void dm_sync_config_clear(struct dm_sync_config *sc);

/* True if `a` and `b` name the same endpoint (case-insensitive, one trailing '/' ignored). */
bool dm_sync_url_same(const char *a, const char *b);

/* What a cluster file holds (§9.4): a manifest wire (raw or {"wire": ...}),
 * or a plain {"nodes": [{"node_id", "http_endpoint"}, ...]} list. */
struct dm_cluster_file {
	bool has_wire;
	char wire[DM_CLUSTER_WIRE_MAX + 1];
	size_t wire_len;
	struct dm_cluster manifest; /* has_wire: the body, parsed structurally */
	unsigned nnodes;
	char node_ids[DM_CLUSTER_NODES_MAX][DM_CLUSTER_NODE_ID_MAX + 1];
	char node_urls[DM_CLUSTER_NODES_MAX][DM_SYNC_URL_MAX];
};

/*
 * Loads `path`. DM_ENOTFOUND if it does not exist; DM_EINVAL (with a reason
 * in `err`) if it has none of the three shapes. The signature of a wire is
 * not checked here (peer discovery does not, §9.4): dm_cluster_parse() it
 * under the pinned key where that matters.
 */
int dm_cluster_file_load(const char *path, struct dm_cluster_file *ret, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The cluster name gossip and /v1/sync/cluster-manifest use (§9.9): the
 * configured base domain, else the name in the cluster file's manifest (which
 * must verify when a key is pinned). Writes "" when there is none.
 */
void dm_sync_base_domain(const struct dm_sync_config *sc, const struct dm_cluster_file *cf,
			 uint64_t now_s, char out[DM_CLUSTER_NAME_MAX + 1]);

#endif
