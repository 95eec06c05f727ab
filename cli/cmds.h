/*
 * The commands of cli.md §6. Each takes the words after its name and
 * returns the process exit code, having printed any error as one line.
 * Network access goes through struct cli_io so tests can run a command's
 * core against in-memory records.
 */
#ifndef DM_CLI_CMDS_H
#define DM_CLI_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/ctx.h"
#include "common/dmp/heartbeat.h"
#include "common/dmp/message.h"

struct cli_io {
	dm_lookup_fn lookup;
	void *lookup_ctx;
	/* 0 on success; negative with a reason available from write_err(). */
	int (*publish)(void *ctx, const char *name, const char *value, uint32_t ttl);
	int (*unpublish)(void *ctx, const char *name, const char *value);
	const char *(*write_err)(void *ctx);
	void *ctx; /* for publish, unpublish, write_err and read_err */
	/* A one-line reason when reads failed, or NULL when every read was answered. */
	const char *(*read_err)(void *ctx);
};

/* The real transports for `ctx` (reader always; writer when `writes`). */
struct cli_net;
int cli_net_open(struct cli_ctx *ctx, bool writes, struct cli_net **ret_net, struct cli_io *ret_io);
void cli_net_close(struct cli_net *net);

int cmd_init(struct cli_ctx *ctx, int argc, char **argv);
int cmd_identity(struct cli_ctx *ctx, int argc, char **argv);
int cmd_contacts(struct cli_ctx *ctx, int argc, char **argv);
int cmd_send(struct cli_ctx *ctx, int argc, char **argv);
int cmd_recv(struct cli_ctx *ctx, int argc, char **argv);
int cmd_intro(struct cli_ctx *ctx, int argc, char **argv);
int cmd_register(struct cli_ctx *ctx, int argc, char **argv);
int cmd_token(struct cli_ctx *ctx, int argc, char **argv);
int cmd_resolvers(struct cli_ctx *ctx, int argc, char **argv);
int cmd_cluster(struct cli_ctx *ctx, int argc, char **argv);
int cmd_bootstrap(struct cli_ctx *ctx, int argc, char **argv);
int cmd_peers(struct cli_ctx *ctx, int argc, char **argv);

/* ---- cores shared with the tests ------------------------------------------ */

/*
 * Sends `text` to contact `label` (cli.md §6 send): picks a prekey when the
 * contact is pinned, builds the records and publishes them in order.
 * Returns an exit code; progress on stderr when a terminal.
 */
int cli_send_core(struct cli_ctx *ctx, const struct cli_io *io, const char *label,
		  const uint8_t *text, size_t len);

struct cli_recv_msg {
	uint8_t sender_spk[32];
	uint8_t msg_id[16];
	int64_t ts;
	char *sender_label; /* contact label, or NULL */
	uint8_t *body;	    /* what to show (DMPv2 envelope removed) */
	size_t body_len;
};

struct cli_recv_result {
	size_t count;
	struct cli_recv_msg *msgs;
	size_t intros; /* new intros queued from unpinned senders */
};

/*
 * One receive pass (cli.md §6 recv, wire.md §11): polls the contacts' zones,
 * the claimed zones and the own zone, delivers pinned (or, with no pinned
 * contact, any) senders, queues the rest as intros. Returns an exit code.
 */
int cli_recv_core(struct cli_ctx *ctx, const struct cli_io *io, struct cli_recv_result *ret);
void cli_recv_result_free(struct cli_recv_result *r);

/*
 * A heartbeat as a reader of /v1/nodes/seen sees it (cmd_peers.c):
 * signature and shape verified, not expired at `now`, ts not in the future
 * beyond the skew window. An older ts is fine (nodes re-announce only every
 * interval), unlike on submit. 0 or DM_EINVAL / DM_ESIG / DM_EEXPIRED.
 */
int cli_heartbeat_verify(const char *wire, uint64_t now, struct dm_heartbeat *ret)
    __attribute__((warn_unused_result));

#endif
