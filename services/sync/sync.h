/*
 * dnsmesh-sync: the anti-entropy worker of node.md §9.5 (docs/SYNC.md).
 * Every DMP_SYNC_INTERVAL it runs one round against the next peer
 * (round-robin): the O(1) summary check first, and only when the two nodes
 * differ the digest walk from the peer's watermark, the diff, the pull,
 * re-verification of every pulled record, the store write, tombstones, and
 * cluster-manifest gossip. HTTP runs on libuv's thread pool (the shared
 * client, common/net/http.h); the store is reached over IPC as ROLE_SYNC.
 */
#ifndef DM_SYNC_SYNC_H
#define DM_SYNC_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/dmp/sync.h"
#include "common/node/config.h"
#include "common/node/ipc.h"
#include "common/node/syncconf.h"
#include "common/net/http.h"

#define SYNC_PEERS_MAX	     (DM_SYNC_PEERS_MAX + DM_CLUSTER_NODES_MAX)
#define SYNC_PAGE_LIMIT	     1000 /* digest entries asked per page (§9.5) */
#define SYNC_PAGES_PER_ROUND 64	  /* then the round ends; the next one resumes */
#define SYNC_COMPARE_CHUNK   500  /* entries per SyncCompare (stays far below DM_FRAME_MAX) */
#define SYNC_STORE_MS	     10000
#define SYNC_ID_MAX	     64
#define SYNC_URL_PATH_MAX    256
#define SYNC_HTTP_BODY_MAX   (32u << 20) /* a pull of 256 full RRsets fits */
#define SYNC_HTTP_TIMEOUT_MS 5000	 /* node.md §15 */

/* A peer's base URL, as the synthetic id (§9.4) and the requests need it. */
struct sync_url {
	bool tls;
	char host[DM_HTTP_HOST_MAX]; /* without brackets */
	uint16_t port;
	char path[SYNC_URL_PATH_MAX]; /* the base path, without a trailing '/' */
};

enum sync_summary_support { SUMMARY_UNKNOWN, SUMMARY_YES, SUMMARY_NO };

struct sync_peer {
	char id[SYNC_ID_MAX];
	char url[DM_SYNC_URL_MAX];
	bool synthetic_id; /* derived from the URL (DMP_SYNC_PEERS), not a manifest's node_id */
	bool url_ok;
	struct sync_url u;
	struct dm_sync_cursor wm; /* in memory only (§9.5) */
	enum sync_summary_support summary;
	/* totals, for logs and the benchmark */
	uint64_t rounds, in_sync, requests, bytes, errors;
};

struct sync_round;

struct syncsvc {
	uv_loop_t *loop;
	const struct dm_config *cfg;
	struct dm_sync_config sc;
	struct dm_ipc_client store;
	bool store_up, published;
	uv_timer_t tick;
	uint64_t (*now_ms)(void); /* wall clock, injectable */
	struct sync_peer peers[SYNC_PEERS_MAX];
	unsigned npeers, next;
	/* cluster manifests (§9.5 step 7, §9.9) */
	char base[DM_CLUSTER_NAME_MAX + 1]; /* "" = no gossip */
	uint64_t installed_seq;		    /* highest seq whose node list we use */
	uint64_t stored_seq;		    /* highest verifying seq in our store */
	bool baseline;			    /* stored_seq was read once */
	struct sync_round *round;	    /* the round in progress, or NULL */
	bool stopping;
};

/*
 * Parses a peer's `http[s]://host[:port][/path]` (the scheme is required;
 * no query or fragment). DM_EINVAL otherwise.
 */
int sync_url_parse(const char *url, struct sync_url *ret) __attribute__((warn_unused_result));
/* Loads the peers (DMP_SYNC_PEERS, else the cluster file); 0 or -1 with `err`. */
int sync_peers_init(struct syncsvc *s, char *err, size_t errlen);
/* Replaces the peer list with a manifest's nodes, keeping watermarks (§9.5 step 7). */
void sync_peers_install(struct syncsvc *s, const struct dm_cluster *c);
/* `<host[:9]>-<sha256hex("host:port" + path)[:6]>` (§9.4). */
void sync_peer_synthetic_id(const char *url, char out[SYNC_ID_MAX]);

/* Starts the tick timer (first round one interval from now). */
void sync_worker_start(struct syncsvc *s);
/* Stops the timer; a round in flight ends at its next step. */
void sync_worker_stop(struct syncsvc *s);
/* The store connection came up: publish the mounted manifest once (§9.9). */
void sync_worker_store_up(struct syncsvc *s);

#endif
