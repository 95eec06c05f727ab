/* `dnsmesh contacts add|list|remove` (cli.md §6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/util.h"

static const char usage[] =
    "usage: dnsmesh contacts <add|list|remove> ...\n"
    "\n"
    "  add <name> <x25519_hex> [--signing-key <ed25519_hex>] [--domain ZONE]\n"
    "  list\n"
    "  remove <name>\n"
    "\n"
    "Prefer `dnsmesh identity fetch <user> --add`: it pins both keys from a signed record.\n";

static int cmp_label(const void *a, const void *b)
{
	return strcmp((*(const struct cli_contact *const *)a)->label,
		      (*(const struct cli_contact *const *)b)->label);
}

static int add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--signing-key"), CLI_OPT("--domain")};
	const char *pos[2], *spk;
	size_t npos;
	uint8_t tmp[32];
	int rc = cli_args(argc, argv, o, 2, pos, 2, 2, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_hex32(pos[1], tmp))
		return cli_fail(CLI_EXIT_USER, "public key must be 64 hex characters (32 bytes)");
	spk = cli_opt_str(o, 2, "--signing-key", "");
	if (*spk && !cli_hex32(spk, tmp))
		return cli_fail(CLI_EXIT_USER,
				"--signing-key must be 64 hex characters (32 bytes)");
	rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	char *pub_l = cli_xstrdup(pos[1]), *spk_l = cli_xstrdup(spk);
	for (char *p = pub_l; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	for (char *p = spk_l; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	cli_config_contact_put(&ctx->cfg, pos[0], pub_l, spk_l, cli_opt_str(o, 2, "--domain", ""),
			       NULL);
	free(pub_l);
	free(spk_l);
	rc = cli_ctx_save(ctx);
	if (rc != 0)
		return rc;
	printf("added contact %s%s\n", pos[0], *spk ? " (pinned signing key)" : "");
	if (!*spk)
		cli_warn("no --signing-key: messages are accepted from anyone (TOFU) until some "
			 "contact has a pinned signing key");
	return 0;
}

static int list(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos, width = 0;
	struct cli_contact **v;
	int rc = cli_args(argc, argv, NULL, 0, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	if (ctx->cfg.contact_count == 0) {
		printf("(no contacts yet — add one with `dnsmesh identity fetch <user> --add`)\n");
		return 0;
	}
	v = cli_xcalloc(ctx->cfg.contact_count, sizeof(*v));
	for (size_t i = 0; i < ctx->cfg.contact_count; i++) {
		v[i] = &ctx->cfg.contacts[i];
		if (strlen(v[i]->label) > width)
			width = strlen(v[i]->label);
	}
	qsort(v, ctx->cfg.contact_count, sizeof(*v), cmp_label);
	for (size_t i = 0; i < ctx->cfg.contact_count; i++)
		printf("%-*s  %s  (%s)\n", (int)width, v[i]->label,
		       cli_empty(v[i]->pub) ? "(no encryption key yet)" : v[i]->pub,
		       cli_empty(v[i]->spk) ? "UNPINNED" : "pinned");
	free(v);
	return 0;
}

static int remove_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	int rc = cli_args(argc, argv, NULL, 0, pos, 1, 1, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	if (!cli_config_contact_remove(&ctx->cfg, pos[0]))
		return cli_fail(CLI_EXIT_USER, "unknown contact '%s'", pos[0]);
	rc = cli_ctx_save(ctx);
	if (rc == 0)
		printf("removed contact %s\n", pos[0]);
	return rc;
}

int cmd_contacts(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "add"))
		return add(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return list(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "remove") || !strcmp(argv[0], "rm"))
		return remove_cmd(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown contacts command '%.60s'", argv[0]);
}
