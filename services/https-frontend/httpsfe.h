/*
 * dnsmesh-https, the https-frontend: the node's HTTP API (token-authenticated
 * writes, registration, claims, status) and DNS over HTTPS, on one libuv
 * loop. TLS is BearSSL's sans-I/O engine driven from the read and write
 * callbacks (tls.c); HTTP framing is http-parser (http.c); the endpoints
 * are api*.c; the store is reached over IPC (backend.c), which also keeps
 * the in-memory DNS table for DoH current from the store's change feed.
 *
 * Connections are keep-alive and may pipeline: up to HTTPSFE_PIPELINE
 * requests of one connection are in flight at once (so their writes share
 * a group commit in the store) and answered in order.
 */
#ifndef HTTPSFE_HTTPSFE_H
#define HTTPSFE_HTTPSFE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/dns/table.h"
#include "common/node/mirror.h"
#include "common/dns/zone.h"
#include "common/node/config.h"
#include "common/node/ipc.h"
#include "services/https-frontend/api.h"
#include "services/https-frontend/http.h"

#define HTTPSFE_PIPELINE       32	    /* requests in flight per connection */
#define HTTPSFE_INBUF_MAX      (64 * 1024)  /* unparsed bytes buffered per connection */
#define HTTPSFE_OUTQ_MAX       (256 * 1024) /* unsent bytes before we stop answering */
#define HTTPSFE_SWEEP_MS       250
#define HTTPSFE_STORE_MS       5000 /* store request timeout: then 503 */
#define HTTPSFE_SUBSCRIBE_MS   120000
#define HTTPSFE_READY_GRACE_MS 3000

struct tls_creds;
struct hconn;

struct httpsfe {
	uv_loop_t *loop;
	const struct dm_config *cfg;
	struct api api;
	struct tls_creds *creds; /* NULL: plain HTTP (loopback only) */
	uv_tcp_t listener;
	bool listening;
	uv_timer_t sweep;
	uv_check_t flusher;		       /* writes the answers that became ready */
	struct hconn *flush_list;	       /* connections with answers to write */
	struct hconn *conns_head, *conns_tail; /* accept order */
	unsigned nconns;
	uint64_t accepted, refused, timed_out;
	/* the store: requests, and the change feed for DoH */
	struct dm_ipc_client store;
	bool store_up;
	struct dm_dns_config dns;
	struct dm_mirror mirror; /* what DoH answers from (mirror.table; NULL until loaded) */
	void (*on_store_up)(struct httpsfe *fe);
};

/* Wall-clock and monotonic milliseconds. */
uint64_t httpsfe_wall_ms(void);
uint64_t httpsfe_mono_ms(void);

/* Serves on the listening TCP socket `fd` (takes ownership). */
int httpsfe_server_open(struct httpsfe *fe, int fd);
/* Stops accepting and closes every connection (in-flight answers are dropped). */
void httpsfe_server_close(struct httpsfe *fe);

/* One backend request in flight: who asked, and where the answer goes. */
struct httpsfe_pending {
	struct httpsfe *fe;
	struct api_call *call;
	api_result_fn cb;
};

/* Answers `c` at once with status `err`. */
void httpsfe_fail_now(struct api_call *c, api_result_fn cb, int err);
/* Sends `env` to the store; `reply` gets a malloc'd struct httpsfe_pending as
 * its arg and frees it. Failures are answered through `cb` right away. */
void httpsfe_request(struct httpsfe *fe, struct api_call *c, api_result_fn cb, Dm__Envelope *env,
		     dm_ipc_reply_fn reply);
/* The reply's status: transport error, Error body, or 0 for a body of `want`. */
int httpsfe_reply_status(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want);

/* The store backend for the API, and the feed (backend.c). */
void httpsfe_backend(struct httpsfe *fe, struct api_backend *ret_be);
/* Adds the discovery operations (SeenPut, SeenList) to `be` (backend_discovery.c). */
void httpsfe_backend_discovery(struct httpsfe *fe, struct api_backend *be);
/* Adds the anti-entropy operations (SyncDigest, SyncPull, SyncSummary) (backend_sync.c). */
void httpsfe_backend_sync(struct httpsfe *fe, struct api_backend *be);
int httpsfe_store_start(struct httpsfe *fe, const char *path);
void httpsfe_store_stop(struct httpsfe *fe);

#endif
