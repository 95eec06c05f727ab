/*
 * IPC between the node's processes: framed protobuf-c Envelopes over Unix
 * stream sockets, on libuv.
 *
 * Frame = u32 big-endian length || Envelope. The length is checked against
 * DM_FRAME_MAX before anything is allocated. A frame that is oversized, does
 * not unpack, carries the wrong version, or has a body its sender's role may
 * not send (per the receiver's rule table) closes that one connection and is
 * logged; the receiving process never exits because of what a peer sent.
 *
 * Sessions open with Hello in both directions. The server identifies the
 * client by SO_PEERCRED and asks its authorize callback whether the claimed
 * role fits the peer's uid. Clients reconnect with back-off, and requests
 * pending on a connection that drops or times out fail with DM_EUNAVAIL /
 * DM_ETIMEDOUT, so callers answer SERVFAIL/503 instead of hanging.
 */
#ifndef DM_NODE_IPC_H
#define DM_NODE_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "proto/envelope.pb-c.h"

#define DM_IPC_VERSION	  1
#define DM_FRAME_MAX	  (256 * 1024)
#define DM_IPC_MAX_QUEUED (64u << 20) /* bytes queued to a slow reader before we drop it */

struct dm_ipc_conn;

typedef void (*dm_ipc_handler_fn)(struct dm_ipc_conn *conn, const Dm__Envelope *msg);

/* One permitted (sender role, body) pair; tables end with a zero entry. */
struct dm_ipc_rule {
	Dm__Role role;
	Dm__Envelope__BodyCase body;
	dm_ipc_handler_fn fn;
};

/* Reply callback: `reply` is NULL when `err` (DM_ETIMEDOUT, DM_EUNAVAIL) is set.
 * Borrows `reply`: valid only until the callback returns. */
typedef void (*dm_ipc_reply_fn)(struct dm_ipc_conn *conn, const Dm__Envelope *reply, int err,
				void *arg);
typedef void (*dm_ipc_conn_fn)(struct dm_ipc_conn *conn, void *ctx);
/* Returns true if a peer with `uid` may act as `role`. */
typedef bool (*dm_ipc_authorize_fn)(void *ctx, Dm__Role role, uid_t uid);

struct dm_ipc_pending;
struct dm_ipc_endpoint;

struct dm_ipc_conn {
	uv_pipe_t pipe;
	uv_timer_t timer;	  /* request deadlines */
	uv_connect_t connect_req; /* clients only */
	struct dm_ipc_endpoint *ep;
	Dm__Role peer_role; /* DM__ROLE__ROLE_UNKNOWN until Hello */
	uid_t peer_uid;
	pid_t peer_pid;
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint64_t next_seq;
	struct dm_ipc_pending *pending;	      /* oldest first */
	struct dm_ipc_pending **pending_tail; /* where the next one is appended */
	unsigned open_handles;
	bool closing;
	void *data; /* the service's per-connection state */
	struct dm_ipc_conn *next;
};

/* What servers and clients share: who we are, what peers may send us. */
struct dm_ipc_endpoint {
	uv_loop_t *loop;
	Dm__Role self_role;
	const struct dm_ipc_rule *rules;
	dm_ipc_conn_fn on_up;	/* Hello exchanged */
	dm_ipc_conn_fn on_down; /* connection closing (pending requests already failed) */
	void *ctx;
	bool is_server;
};

struct dm_ipc_server {
	struct dm_ipc_endpoint ep; /* first: conn->ep points here */
	uv_pipe_t listener;
	dm_ipc_authorize_fn authorize;
	struct dm_ipc_conn *conns;
	bool listening;
};

struct dm_ipc_client {
	struct dm_ipc_endpoint ep; /* first: conn->ep points here */
	char path[108];
	struct dm_ipc_conn *conn; /* NULL while disconnected */
	bool up;
	bool stopping;
	uv_timer_t retry;
	unsigned backoff_ms;
};

/* Binds `path` (a stale socket file is replaced; mode 0660) and listens. */
int dm_ipc_server_listen(struct dm_ipc_server *s, const char *path);
/* Listens on an inherited, already-bound socket (socket activation). */
int dm_ipc_server_open(struct dm_ipc_server *s, int fd);
/* Closes the listener and every connection. */
void dm_ipc_server_close(struct dm_ipc_server *s);

/* Connects to `path`, retrying with back-off (50 ms .. 2 s) until stopped. */
int dm_ipc_client_start(struct dm_ipc_client *c, const char *path);
void dm_ipc_client_stop(struct dm_ipc_client *c);
/* The live connection once Hello is done, else NULL. */
struct dm_ipc_conn *dm_ipc_client_conn(struct dm_ipc_client *c);

/* Sends a notification (no reply expected). Borrows `msg`; sets version/seq. */
int dm_ipc_send(struct dm_ipc_conn *conn, Dm__Envelope *msg);
/* Sends a request; `cb` runs exactly once, with the reply or an error. */
int dm_ipc_request(struct dm_ipc_conn *conn, Dm__Envelope *msg, unsigned timeout_ms,
		   dm_ipc_reply_fn cb, void *arg);
/* Sends `reply` as the answer to the request numbered `req_seq`. */
int dm_ipc_reply(struct dm_ipc_conn *conn, uint64_t req_seq, Dm__Envelope *reply);
/* Answers request `req_seq` with an Error body (`code` is a DM_E* value). */
int dm_ipc_reply_error(struct dm_ipc_conn *conn, uint64_t req_seq, int code, const char *detail);
/* Starts closing `conn` (idempotent); fails its pending requests now. */
void dm_ipc_conn_close(struct dm_ipc_conn *conn);

/* Name of a role for log lines. */
const char *dm_ipc_role_name(Dm__Role role);

#endif
