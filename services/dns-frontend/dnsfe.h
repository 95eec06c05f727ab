/*
 * dnsmesh-dns, the dns-frontend: answers TXT queries over UDP and TCP from
 * an in-memory copy of the store (node.md §12.2), kept current by the
 * store's change feed, so a query never waits on IPC.
 *
 * One thread, one libuv loop. The table is replaced only between loop
 * callbacks, so every query sees either the old or the new data set whole.
 */
#ifndef DNSFE_DNSFE_H
#define DNSFE_DNSFE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "common/dns/rrl.h"
#include "common/dns/table.h"
#include "common/dns/zone.h"
#include "common/node/config.h"
#include "common/node/ipc.h"
#include "common/node/mirror.h"

#define DNSFE_UDP_BATCH	     64	  /* datagrams per recvmmsg/sendmmsg */
#define DNSFE_UDP_ROUNDS     8	  /* batches per wake-up before yielding to the loop */
#define DNSFE_UDP_QUERY_MAX  4096 /* bigger datagrams are no queries: dropped */
#define DNSFE_TCP_CONNS_MAX  256
#define DNSFE_TCP_IDLE_MS    10000	  /* nothing received or sent for this long: close */
#define DNSFE_TCP_READ_MS    5000	  /* a started message must be complete by then */
#define DNSFE_TCP_QUEUED_MAX (256 * 1024) /* stop reading while this much is unsent */
#define DNSFE_READY_GRACE_MS 3000	  /* store unreachable at start: report ready anyway */

struct dnsfe;
struct dnsfe_udp_batch;
struct dnsfe_tcp_conn;

/* The store connection; its change feed keeps `mirror` current. */
struct dnsfe_feed {
	struct dm_ipc_client client;
	struct dm_mirror mirror;
};

struct dnsfe_udp {
	uv_poll_t poll;
	int fd;
	bool open;
	bool pktinfo; /* wildcard bind: reply from the address the query came to */
	struct dm_dns_rrl *rrl;
	struct dnsfe_udp_batch *b;
	uint64_t queries, answers, limited, dropped;
};

struct dnsfe_tcp {
	uv_tcp_t listener;
	bool open;
	uv_timer_t sweep;			/* idle and read deadlines, once a second */
	struct dnsfe_tcp_conn *oldest, *newest; /* by last activity */
	unsigned nconns;
	struct dm_dns_rrl *rrl;
	uint8_t *scratch; /* 2 + DM_DNS_MSG_MAX: the engine writes answers here */
	uint64_t queries, answers, limited, evicted;
};

struct dnsfe {
	uv_loop_t *loop;
	const struct dm_config *cfg;
	struct dm_dns_config dns;
	bool ready;
	/* Queries are answered from feed.mirror.table: NULL until the first
	 * snapshot (SERVFAIL), then swapped whole on every reload. */
	struct dnsfe_feed feed;
	struct dnsfe_udp udp;
	struct dnsfe_tcp tcp;
};

/* Monotonic milliseconds for the rate limiters. */
uint64_t dnsfe_mono_ms(void);

/* Connects to the store's socket and follows its change feed (reconnecting). */
int dnsfe_feed_start(struct dnsfe *fe, const char *store_path);
void dnsfe_feed_stop(struct dnsfe *fe);

/* Serves UDP on `fd` (non-blocking, bound); takes ownership of `fd`. */
int dnsfe_udp_open(struct dnsfe *fe, int fd);
void dnsfe_udp_close(struct dnsfe *fe);

/* Serves TCP on the listening or bindable socket `fd`; takes ownership of `fd`. */
int dnsfe_tcp_open(struct dnsfe *fe, int fd);
void dnsfe_tcp_close(struct dnsfe *fe);

#endif
