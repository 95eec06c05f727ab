/* `dnsmesh token list|forget` (cli.md §6). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/tokens.h"
#include "cli/util.h"

static const char usage[] = "usage: dnsmesh token <list [--json] | forget <node>>\n";

static void iso(int64_t t, char out[32])
{
	time_t e = (time_t)t;
	if (t < 0) {
		strcpy(out, "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&e));
}

static int list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--json")};
	const char *pos[1];
	size_t npos, n;
	struct cli_token *v;
	int rc = cli_args(argc, argv, o, 1, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (cli_token_list(ctx->tokens_dir, &v, &n) < 0)
		return cli_fail(CLI_EXIT_USER, "cannot read %s", ctx->tokens_dir);
	if (cli_opt_set(o, 1, "--json")) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++) {
			char prefix[64];
			snprintf(prefix, sizeof(prefix), "%.16s…", v[i].token);
			json_array_append_new(
			    a, json_pack("{s:s,s:s,s:o,s:s,s:I}", "node", v[i].key, "subject",
					 v[i].subject, "expires_at",
					 v[i].expires_at < 0 ? json_null()
							     : json_integer(v[i].expires_at),
					 "token_prefix", prefix, "token_len",
					 (json_int_t)strlen(v[i].token)));
		}
		char *s = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(a);
	} else if (n == 0) {
		printf("(no saved tokens)\n");
	} else {
		printf("%-32s %-40s %s\n", "NODE", "SUBJECT", "EXPIRES");
		for (size_t i = 0; i < n; i++) {
			char e[32];
			iso(v[i].expires_at, e);
			printf("%-32s %-40s %s\n", v[i].key, v[i].subject, e);
		}
	}
	cli_token_list_free(v, n);
	return 0;
}

static int forget(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	int rc = cli_args(argc, argv, NULL, 0, pos, 1, 1, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_token_forget(ctx->tokens_dir, pos[0]);
	if (rc == -ENOENT)
		return cli_fail(CLI_EXIT_USER, "no saved token for %s", pos[0]);
	if (rc < 0)
		return cli_fail(CLI_EXIT_USER, "cannot forget the token for %s", pos[0]);
	printf("forgot token for %s\n", pos[0]);
	return 0;
}

int cmd_token(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "list"))
		return list(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "forget"))
		return forget(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown token command '%.60s'", argv[0]);
}
