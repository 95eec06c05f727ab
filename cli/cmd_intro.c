/* `dnsmesh intro list|accept|trust|block` (cli.md §6): the first-contact queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/state.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/err.h"

static const char usage[] =
    "usage: dnsmesh intro <list|accept|trust|block> ...\n"
    "\n"
    "  list                                 queued messages from un-pinned senders\n"
    "  accept <id>                          show the message and drop it from the queue\n"
    "  trust <id> [--label L] [--username U]\n"
    "                                       pin the sender's signing key as a contact\n"
    "  block <id> [--note N]                drop it and ignore this sender from now on\n";

static int open_db(struct cli_ctx *ctx, sqlite3 **db)
{
	char *path;
	int rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	if (cli_mkdir_p(ctx->home, 0700) < 0)
		return cli_fail(CLI_EXIT_USER, "cannot create %s", ctx->home);
	path = cli_ctx_path(ctx, CLI_INTROS_FILE);
	rc = cli_intros_open(path, db) < 0 ? cli_fail(CLI_EXIT_USER, "cannot open %s", path) : 0;
	free(path);
	return rc;
}

static int get_id(const char *s, long long *id)
{
	char *end;
	*id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *id <= 0)
		return cli_fail(CLI_EXIT_USER, "intro id must be a positive number, not '%.40s'",
				s);
	return 0;
}

static int load_one(struct cli_ctx *ctx, const char *ids, sqlite3 **db, struct cli_intro **in)
{
	long long id;
	int rc = get_id(ids, &id);
	if (rc == 0)
		rc = open_db(ctx, db);
	if (rc != 0)
		return rc;
	if (cli_intros_get(*db, id, in) < 0) {
		sqlite3_close(*db);
		return cli_fail(CLI_EXIT_USER, "no intro #%lld (see `dnsmesh intro list`)", id);
	}
	return 0;
}

static void print_text(const uint8_t *p, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++)
		putchar(p[i] == '\n' ? ' ' : (p[i] < 0x20 ? '?' : p[i]));
	if (len > max)
		fputs("...", stdout);
}

static int list(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos, n;
	struct cli_intro *v;
	sqlite3 *db;
	int rc = cli_args(argc, argv, NULL, 0, pos, 0, 0, &npos, usage);

	if (rc == 0)
		rc = open_db(ctx, &db);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_intros_list(db, &v, &n) < 0 ? cli_fail(CLI_EXIT_USER, "cannot read intros") : 0;
	sqlite3_close(db);
	if (rc != 0)
		return rc;
	if (n == 0)
		printf("(no pending intros)\n");
	for (size_t i = 0; i < n; i++) {
		char spk[65];
		dm_hex_encode(v[i].spk, 32, spk);
		printf("#%lld  %s  [%s]\n", v[i].id,
		       cli_empty(v[i].label) ? "(unknown)" : v[i].label,
		       v[i].msg_exp >= cli_ctx_now(ctx) ? "fresh" : "EXPIRED");
		printf("    sender_spk: %s\n", spk);
		printf("    from zone:  %s\n", v[i].domain);
		printf("    received:   %llu\n", (unsigned long long)v[i].received_at);
		printf("    message:    ");
		print_text(v[i].plaintext, v[i].plaintext_len, 120);
		printf("\n");
	}
	cli_intros_free(v, n);
	return 0;
}

static int accept(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	sqlite3 *db;
	struct cli_intro *in;
	char spk[65];
	int rc = cli_args(argc, argv, NULL, 0, pos, 1, 1, &npos, usage);

	if (rc == 0)
		rc = load_one(ctx, pos[0], &db, &in);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	dm_hex_encode(in->spk, 32, spk);
	printf("from %.16s...\n  %.*s\n", spk, (int)in->plaintext_len, (const char *)in->plaintext);
	(void)cli_intros_remove(db, in->id);
	cli_intros_free(in, 1);
	sqlite3_close(db);
	return 0;
}

static int trust(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--label"), CLI_OPT("--username")};
	const char *pos[1], *label, *user;
	size_t npos;
	sqlite3 *db;
	struct cli_intro *in;
	char spk[65], deflabel[32];
	struct cli_contact *k;
	int rc = cli_args(argc, argv, o, 2, pos, 1, 1, &npos, usage);

	if (rc == 0)
		rc = load_one(ctx, pos[0], &db, &in);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	dm_hex_encode(in->spk, 32, spk);
	snprintf(deflabel, sizeof(deflabel), "intro-%.12s", spk);
	user = cli_opt_str(o, 2, "--username", NULL);
	label = cli_opt_str(o, 2, "--label", user ? user : deflabel);
	k = cli_config_contact(&ctx->cfg, label);
	if (k != NULL && (strcasecmp(k->spk, spk) != 0 ||
			  (!cli_empty(k->domain) && strcmp(k->domain, in->domain) != 0))) {
		rc = cli_fail(CLI_EXIT_USER,
			      "contact '%s' already exists with a different key or zone; pick "
			      "another --label",
			      label);
	} else {
		cli_config_contact_put(&ctx->cfg, label, k ? k->pub : "", spk, in->domain,
				       user && strcmp(user, label) ? user : NULL);
		rc = cli_ctx_save(ctx);
		if (rc == 0) {
			(void)cli_intros_remove(db, in->id);
			printf("pinned %s as contact %s\n", spk, label);
			printf("  %.*s\n", (int)in->plaintext_len, (const char *)in->plaintext);
			printf("to reply, fetch their encryption key: dnsmesh identity fetch "
			       "<user>@<host> --add\n");
		}
	}
	cli_intros_free(in, 1);
	sqlite3_close(db);
	return rc;
}

static int block(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--note")};
	const char *pos[1];
	size_t npos;
	sqlite3 *db;
	struct cli_intro *in;
	char spk[65];
	int rc = cli_args(argc, argv, o, 1, pos, 1, 1, &npos, usage);

	if (rc == 0)
		rc = load_one(ctx, pos[0], &db, &in);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	dm_hex_encode(in->spk, 32, spk);
	if (cli_intros_block(db, in->spk, cli_opt_str(o, 1, "--note", ""), cli_ctx_now(ctx)) < 0)
		rc = cli_fail(CLI_EXIT_USER, "cannot update the denylist");
	else {
		(void)cli_intros_remove(db, in->id);
		printf("blocked %s\n", spk);
	}
	cli_intros_free(in, 1);
	sqlite3_close(db);
	return rc;
}

int cmd_intro(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "list"))
		return list(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "accept"))
		return accept(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "trust"))
		return trust(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "block"))
		return block(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown intro command '%.60s'", argv[0]);
}
