/* dnsmesh: the end-user CLI (cli.md). Dispatches `dnsmesh <command> ...`. */
#include <stdio.h>
#include <string.h>

#include "cli/cmds.h"
#include "cli/util.h"

static const char usage[] =
    "usage: dnsmesh <command> [<args>]\n"
    "\n"
    "commands:\n"
    "  init <username>            create the config (~/.dmp or $DMP_CONFIG_HOME)\n"
    "  identity show|publish|refresh-prekeys|fetch|rotate\n"
    "  contacts add|list|remove   manage who you talk to\n"
    "  send <contact> [message]   send a message (stdin when no message given)\n"
    "  recv [--watch]             fetch new messages\n"
    "  intro list|accept|trust|block\n"
    "                             review messages from senders you have not pinned\n"
    "  register --node HOST       get a write token from a node\n"
    "  token list|forget          saved node tokens\n"
    "  resolvers discover|list    DNS resolvers used for reads\n"
    "  cluster pin|fetch|status|enable|disable\n"
    "                             write to a majority of a cluster's nodes, read from all\n"
    "  bootstrap pin|fetch|discover\n"
    "                             find the cluster serving a domain (_dmp.<domain>)\n"
    "  peers <endpoint>           nodes a node has heard heartbeats from\n"
    "  version                    print the version\n"
    "\n"
    "Run `dnsmesh <command> --help` for a command's options.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli_ctx *, int, char **);
	} cmds[] = {
	    {"init", cmd_init},		{"identity", cmd_identity},   {"contacts", cmd_contacts},
	    {"send", cmd_send},		{"recv", cmd_recv},	      {"intro", cmd_intro},
	    {"register", cmd_register}, {"token", cmd_token},	      {"resolvers", cmd_resolvers},
	    {"cluster", cmd_cluster},	{"bootstrap", cmd_bootstrap}, {"peers", cmd_peers},
	};
	struct cli_ctx ctx;
	int rc;

	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("dnsmesh %s\n", DM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		cli_ctx_init(&ctx);
		rc = cmds[i].fn(&ctx, argc - 2, argv + 2);
		cli_ctx_free(&ctx);
		cli_progress_done();
		return rc;
	}
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown command '%.60s'", argv[1]);
}
