/* Binds the real reader and writer to struct cli_io for the commands. */
#include <stdlib.h>

#include "cli/cluster.h"
#include "cli/cmds.h"
#include "cli/net_read.h"
#include "cli/net_write.h"
#include "cli/util.h"

struct cli_net {
	struct cli_reader reader;
	struct cli_writer writer;
	bool have_writer;
	struct cli_cluster *cluster; /* cluster mode: every read and write goes here */
};

static int net_publish(void *ctx, const char *name, const char *value, uint32_t ttl)
{
	struct cli_net *n = ctx;
	return cli_writer_publish(&n->writer, name, value, ttl);
}

static int net_unpublish(void *ctx, const char *name, const char *value)
{
	struct cli_net *n = ctx;
	return cli_writer_delete(&n->writer, name, value);
}

static const char *net_write_err(void *ctx)
{
	struct cli_net *n = ctx;
	return n->writer.err;
}

static int cluster_publish(void *ctx, const char *name, const char *value, uint32_t ttl)
{
	struct cli_net *n = ctx;
	return cli_cluster_publish(n->cluster, name, value, ttl);
}

static int cluster_unpublish(void *ctx, const char *name, const char *value)
{
	struct cli_net *n = ctx;
	return cli_cluster_delete(n->cluster, name, value);
}

static const char *cluster_err(void *ctx)
{
	struct cli_net *n = ctx;
	return n->cluster->err;
}

static const char *cluster_read_err(void *ctx)
{
	struct cli_net *n = ctx;
	return n->cluster->read_failures ? n->cluster->err : NULL;
}

/* Cluster mode (cli.md §6 cluster): majority writes, union reads over the manifest's nodes. */
static int open_cluster(struct cli_ctx *ctx, bool writes, struct cli_net *n, struct cli_io *io)
{
	int rc = cli_cluster_open(ctx, &n->cluster);
	if (rc != 0)
		return rc;
	*io = (struct cli_io){
	    .lookup = cli_cluster_lookup,
	    .lookup_ctx = n->cluster,
	    .publish = writes ? cluster_publish : NULL,
	    .unpublish = writes ? cluster_unpublish : NULL,
	    .write_err = cluster_err,
	    .ctx = n,
	    .read_err = cluster_read_err,
	};
	return 0;
}

static const char *net_read_err(void *ctx)
{
	struct cli_net *n = ctx;
	return n->reader.failures ? n->reader.err : NULL;
}

int cli_net_open(struct cli_ctx *ctx, bool writes, struct cli_net **ret_net, struct cli_io *ret_io)
{
	struct cli_net *n = cli_xcalloc(1, sizeof(*n));
	char err[CLI_ERR_MAX];
	int rc;

	if (cli_cluster_enabled(&ctx->cfg)) {
		rc = open_cluster(ctx, writes, n, ret_io);
		if (rc != 0) {
			free(n);
			return rc;
		}
		*ret_net = n;
		return 0;
	}

	if (cli_reader_init(&n->reader, &ctx->cfg, err) < 0) {
		cli_reader_free(&n->reader);
		free(n);
		return cli_fail(CLI_EXIT_USER, "%s", err);
	}
	if (writes) {
		rc = cli_writer_init(&n->writer, ctx);
		if (rc != 0) {
			cli_writer_free(&n->writer);
			cli_reader_free(&n->reader);
			free(n);
			return rc;
		}
		n->have_writer = true;
	}
	*ret_io = (struct cli_io){
	    .lookup = cli_reader_lookup,
	    .lookup_ctx = &n->reader,
	    .publish = writes ? net_publish : NULL,
	    .unpublish = writes ? net_unpublish : NULL,
	    .write_err = net_write_err,
	    .ctx = n,
	    .read_err = net_read_err,
	};
	*ret_net = n;
	return 0;
}

void cli_net_close(struct cli_net *net)
{
	if (net == NULL)
		return;
	if (net->cluster != NULL) {
		cli_cluster_close(net->cluster);
		free(net);
		return;
	}
	if (net->have_writer)
		cli_writer_free(&net->writer);
	cli_reader_free(&net->reader);
	free(net);
}
