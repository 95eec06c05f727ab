/*
 * Publishing through the node's HTTP API (cli.md §5, node.md §5.4-5.5):
 * POST /v1/records/<name> {"value","ttl"} → 201, DELETE with {"value"} → 204,
 * bearer from `http_token` or the saved per-node token. After a node fails to
 * answer once, later writes fail at once with the same reason.
 */
#ifndef DM_CLI_NET_WRITE_H
#define DM_CLI_NET_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/ctx.h"
#include "cli/net_dns.h"

struct cli_writer {
	char *endpoint; /* normalised: scheme added, trailing '/' removed */
	char *token;	/* or NULL */
	char *pin_sha256;
	bool down;
	int last_status;       /* 0: no response */
	char err[CLI_ERR_MAX]; /* one line naming the record and the reason */
};

/* The normalised endpoint (https:// added to a bare host); caller frees. NULL if empty. */
char *cli_endpoint_normalise(const char *endpoint);

/* Sets up writes to the configured endpoint; exit code 1 (printed) if there is none. */
int cli_writer_init(struct cli_writer *w, struct cli_ctx *ctx);
/* 0 on HTTP 201; negative with w->err set otherwise. */
int cli_writer_publish(struct cli_writer *w, const char *name, const char *value, uint32_t ttl);
/* 0 on HTTP 204; negative with w->err set otherwise. */
int cli_writer_delete(struct cli_writer *w, const char *name, const char *value);
void cli_writer_free(struct cli_writer *w);

#endif
