/*
 * dnsmesh-heartbeat (node.md §10.5): the only process that holds the
 * operator's Ed25519 key. Every DMP_HEARTBEAT_INTERVAL_SECONDS it signs a
 * fresh heartbeat for DMP_HEARTBEAT_SELF_ENDPOINT, records it in the store's
 * seen table (as this node's own), and POSTs it to the seeds and to nodes
 * learned by gossip (at most DMP_HEARTBEAT_MAX_PEERS per tick); the `seen`
 * wires peers answer with go to the store, which verifies each one.
 *
 * The HTTP exchanges are blocking (the shared client, common/net/http.h, with
 * BearSSL for https) and run on libuv's thread pool, so the event loop keeps
 * pinging the watchdog while a peer times out. Time is read through
 * `hb->now` so tests can drive it.
 */
#ifndef DM_HEARTBEAT_HB_H
#define DM_HEARTBEAT_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/dmp/heartbeat.h"
#include "common/dmp/sig.h"
#include "common/node/config.h"
#include "common/node/ipc.h"
#include "services/heartbeat/peers.h"

#define HB_POST_TIMEOUT_MS 10000
#define HB_GOSSIP_INGEST   20 /* seen wires taken from one answer (node.md §10.5) */
#define HB_STORE_MS	   5000

/* ---- worker.c ---- */

struct hb_cooldown {
	char url[HB_URL_MAX];
	bool skip_next;
};

struct hb_job;

struct hb {
	uv_loop_t *loop;
	const struct dm_config *cfg;
	uint64_t (*now)(void); /* wall clock, s */
	uint8_t *sk;	       /* sodium_malloc'd, DM_ED25519_SK_BYTES */
	uint8_t pk[DM_ED25519_PK_BYTES];
	struct dm_ipc_client store;
	uv_timer_t tick;
	struct hb_job *job; /* the POSTs in flight on the thread pool, or NULL */
	struct hb_cooldown *cooldown;
	size_t ncooldown;
	uint64_t ticks, posts_ok, posts_failed, gossip_in;
	bool stopping;
};

/* Starts the store client and the tick (first tick at once). */
int hb_start(struct hb *hb, const char *store_path);
/* Stops the tick and the client; a job in flight finishes and is dropped. */
void hb_stop(struct hb *hb);

#endif
