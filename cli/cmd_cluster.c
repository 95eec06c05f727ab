/*
 * `dnsmesh cluster pin|fetch|status|enable|disable` (cli.md §6): the cluster
 * anchors (operator key, base domain), the verified manifest, and cluster
 * mode (cli/cluster.h) on or off.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cluster.h"
#include "cli/cmds.h"
#include "cli/util.h"
#include "common/err.h"
#include "common/net/http.h"

static const char usage[] =
    "usage: dnsmesh cluster <pin <operator_spk_hex> <base_domain> | fetch [--save] | status |\n"
    "                        enable | disable>\n";

static bool domain_ok(const char *d)
{
	size_t label = 0, n = strlen(d);
	if (n == 0 || n > DM_CLUSTER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum(c) || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && d[n - 1] != '-';
}

static int pin(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[2];
	size_t npos;
	uint8_t spk[32];
	int rc = cli_args(argc, argv, NULL, 0, pos, 2, 2, &npos, usage);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_hex32(pos[0], spk))
		return cli_fail(CLI_EXIT_USER, "operator key must be 64 hex digits");
	char *dom = cli_xstrdup(pos[1]);
	size_t n = strlen(dom);
	if (n > 0 && dom[n - 1] == '.')
		dom[--n] = '\0';
	for (char *p = dom; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!domain_ok(dom)) {
		free(dom);
		return cli_fail(CLI_EXIT_USER, "'%.100s' is not a valid cluster base domain",
				pos[1]);
	}
	if ((rc = cli_ctx_load(ctx)) != 0) {
		free(dom);
		return rc;
	}
	char hex[65];
	for (size_t i = 0; i < 64; i++)
		hex[i] = (char)tolower((unsigned char)pos[0][i]);
	hex[64] = '\0';
	cli_config_set(&ctx->cfg.cluster_operator_spk, hex);
	cli_config_set(&ctx->cfg.cluster_base_domain, dom);
	ctx->cfg.cluster_enabled = false;
	rc = cli_ctx_save(ctx);
	if (rc == 0) {
		printf("pinned cluster %s (operator %s)\n", dom, hex);
		printf("next: dnsmesh cluster fetch, then dnsmesh cluster enable\n");
	}
	free(dom);
	return rc;
}

/* Loads the config and fetches the manifest; exit code (printed) on failure. */
static int fetch_manifest(struct cli_ctx *ctx, struct dm_cluster *m, char **wire)
{
	int rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	if (cli_empty(ctx->cfg.cluster_base_domain) || cli_empty(ctx->cfg.cluster_operator_spk))
		return cli_fail(CLI_EXIT_USER, "no cluster pinned: run `dnsmesh cluster pin "
					       "<operator_spk_hex> <base_domain>` first");
	struct cli_reader r;
	char err[CLI_ERR_MAX];
	rc = cli_reader_init(&r, &ctx->cfg, err);
	if (rc == 0)
		rc = cli_cluster_fetch(&ctx->cfg, cli_reader_lookup, &r, cli_ctx_now(ctx), m, wire,
				       err);
	cli_reader_free(&r);
	if (rc != 0)
		return cli_fail(rc == DM_EINVAL ? CLI_EXIT_USER : CLI_EXIT_NET, "%s", err);
	return 0;
}

static void print_manifest(const struct dm_cluster *m)
{
	printf("cluster: %s\n", m->name);
	printf("seq:     %llu\n", (unsigned long long)m->seq);
	printf("exp:     %llu\n", (unsigned long long)m->exp);
	printf("nodes:   %u\n", m->node_count);
	for (size_t i = 0; i < m->node_count; i++)
		printf("  %-16s %s%s%s\n", m->nodes[i].id, m->nodes[i].http,
		       m->nodes[i].dns_len ? "  dns=" : "", m->nodes[i].dns);
}

static int save_wire(struct cli_ctx *ctx, const char *wire)
{
	char *path = cli_ctx_path(ctx, CLI_CLUSTER_WIRE_FILE);
	int r = cli_write_atomic(path, wire, strlen(wire), 0600);
	if (r < 0)
		cli_warn("cannot write %s", path);
	free(path);
	return r;
}

static int fetch(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--save")};
	const char *pos[1];
	size_t npos;
	struct dm_cluster m;
	char *wire = NULL;
	int rc = cli_args(argc, argv, o, 1, pos, 0, 0, &npos, usage);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if ((rc = fetch_manifest(ctx, &m, &wire)) != 0)
		return rc;
	print_manifest(&m);
	if (cli_opt_set(o, 1, "--save") && save_wire(ctx, wire) < 0)
		rc = CLI_EXIT_USER;
	free(wire);
	return rc;
}

static int enable(struct cli_ctx *ctx, bool on)
{
	struct dm_cluster m;
	char *wire = NULL;
	int rc;
	if (on) {
		if ((rc = fetch_manifest(ctx, &m, &wire)) != 0)
			return rc;
		(void)save_wire(ctx, wire);
		free(wire);
	} else if ((rc = cli_ctx_load(ctx)) != 0) {
		return rc;
	}
	ctx->cfg.cluster_enabled = on;
	if ((rc = cli_ctx_save(ctx)) != 0)
		return rc;
	if (on)
		printf("cluster mode enabled: %s, %u nodes (seq %llu)\n", m.name, m.node_count,
		       (unsigned long long)m.seq);
	else
		printf("cluster mode disabled\n");
	return 0;
}

static int status(struct cli_ctx *ctx)
{
	int rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	const struct cli_config *cfg = &ctx->cfg;
	printf("cluster:  %s\n",
	       cli_empty(cfg->cluster_base_domain) ? "(none pinned)" : cfg->cluster_base_domain);
	printf("operator: %s\n",
	       cli_empty(cfg->cluster_operator_spk) ? "-" : cfg->cluster_operator_spk);
	printf("mode:     %s\n", cli_cluster_enabled(cfg) ? "enabled" : "disabled");
	if (!cli_cluster_enabled(cfg))
		return 0;
	struct cli_cluster *c;
	if ((rc = cli_cluster_open(ctx, &c)) != 0)
		return rc;
	printf("manifest: seq %llu, exp %llu, %zu nodes\n", (unsigned long long)c->m.seq,
	       (unsigned long long)c->m.exp, c->n);
	char *name = cli_xasprintf("cluster.%s", cfg->cluster_base_domain);
	printf("%-16s %-40s %-6s %-6s\n", "NODE", "HTTP", "WRITE", "READ");
	for (size_t i = 0; i < c->n; i++) {
		struct cli_cluster_node *n = &c->node[i];
		struct dm_http_opts o = {.timeout_ms = 3000, .pin_sha256 = n->w.pin_sha256};
		struct dm_http_resp resp;
		char err[CLI_ERR_MAX], *url = cli_xasprintf("%s/health", n->w.endpoint);
		if (dm_http_request("GET", url, NULL, 0, &o, &resp, err) == 0) {
			if (resp.status == 200)
				n->wok++;
			else
				n->wfail++;
			dm_http_resp_free(&resp);
		} else {
			n->wfail++;
		}
		free(url);
		struct dm_txtset set = {0};
		if (n->has_reader) {
			if (cli_reader_lookup(&n->r, name, &set) == 0 && set.count > 0)
				n->rok++;
			else
				n->rfail++;
		}
		cli_txtset_clear(&set);
		printf("%-16s %-40s %-6s %-6s\n", c->m.nodes[i].id, n->w.endpoint,
		       n->wfail ? "down" : "ok",
		       !n->has_reader ? "-"
		       : n->rfail     ? "down"
				      : "ok");
	}
	free(name);
	cli_cluster_close(c);
	return 0;
}

int cmd_cluster(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "pin"))
		return pin(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "fetch"))
		return fetch(ctx, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (argc > 1) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[0], "status"))
		return status(ctx);
	if (!strcmp(argv[0], "enable"))
		return enable(ctx, true);
	if (!strcmp(argv[0], "disable"))
		return enable(ctx, false);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown cluster command '%.60s'", argv[0]);
}
