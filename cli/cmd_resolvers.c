/* `dnsmesh resolvers discover|list` (cli.md §5-§6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/net_dns.h"
#include "cli/util.h"

static const char usage[] = "usage: dnsmesh resolvers <discover [--save] [--timeout 2.0] | list>\n";

/* Google, Cloudflare, Quad9, OpenDNS: two each, as the reference probes. */
static const char *const well_known[] = {"8.8.8.8",	   "8.8.4.4",	    "1.1.1.1",
					 "1.0.0.1",	   "9.9.9.9",	    "149.112.112.112",
					 "208.67.222.222", "208.67.220.220"};

static int discover(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--save"), CLI_OPT("--timeout")};
	const char *pos[1], *ok[8];
	size_t npos, nok = 0;
	double timeout;
	char *end;
	int rc = cli_args(argc, argv, o, 2, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	timeout = strtod(cli_opt_str(o, 2, "--timeout", "2.0"), &end);
	if (*end != '\0' || timeout <= 0 || timeout > 60)
		return cli_fail(CLI_EXIT_USAGE, "--timeout must be seconds between 0 and 60");
	if (cli_opt_set(o, 2, "--save")) {
		rc = cli_ctx_load(ctx);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < 8; i++) {
		struct cli_ns ns;
		struct dm_txtset set = {0};
		uint8_t rcode;
		char err[CLI_ERR_MAX];
		if (cli_ns_parse(well_known[i], 53, &ns) < 0)
			continue;
		cli_progress("probing %s...", well_known[i]);
		if (cli_dns_query(&ns, "google.com", (int)(timeout * 1000), &set, &rcode, err) ==
			0 &&
		    rcode == 0) {
			ok[nok++] = well_known[i];
			cli_progress_done();
			printf("%s\n", well_known[i]);
		} else {
			cli_progress_done();
			fprintf(stderr, "dnsmesh: %s\n", err);
		}
		cli_txtset_clear(&set);
	}
	if (nok == 0)
		return cli_fail(CLI_EXIT_NET, "no public resolver answered");
	if (cli_opt_set(o, 2, "--save")) {
		for (size_t i = 0; i < ctx->cfg.resolver_count; i++)
			free(ctx->cfg.dns_resolvers[i]);
		ctx->cfg.dns_resolvers = cli_xrealloc(ctx->cfg.dns_resolvers, nok * sizeof(char *));
		for (size_t i = 0; i < nok; i++)
			ctx->cfg.dns_resolvers[i] = cli_xstrdup(ok[i]);
		ctx->cfg.resolver_count = nok;
		rc = cli_ctx_save(ctx);
		if (rc == 0)
			printf("saved %zu resolver(s) to %s\n", nok, ctx->config_path);
	}
	return rc;
}

static int list(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	int rc = cli_args(argc, argv, NULL, 0, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	if (ctx->cfg.resolver_count == 0) {
		if (!cli_empty(ctx->cfg.dns_host))
			printf("(no resolver pool; reading from dns_host %s:%ld)\n",
			       ctx->cfg.dns_host, ctx->cfg.dns_port);
		else
			printf("(no resolver pool; using the system resolver — set one with "
			       "`dnsmesh resolvers discover --save`)\n");
		return 0;
	}
	for (size_t i = 0; i < ctx->cfg.resolver_count; i++)
		printf("%s\n", ctx->cfg.dns_resolvers[i]);
	if (!cli_empty(ctx->cfg.doh_url))
		printf("(reads go over DoH: %s)\n", ctx->cfg.doh_url);
	return 0;
}

int cmd_resolvers(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "discover"))
		return discover(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return list(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown resolvers command '%.60s'", argv[0]);
}
