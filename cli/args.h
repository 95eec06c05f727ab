/*
 * argparse-like option handling for one command: `--name value`,
 * `--name=value`, boolean `--flag`, positionals, `-h/--help`. Errors are one
 * line plus the usage, exit code 2 as argparse does.
 */
#ifndef DM_CLI_ARGS_H
#define DM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_ARGS_HELP (-1) /* --help was printed: exit 0 */

struct cli_opt {
	const char *name; /* "--domain" */
	bool takes_value;
	const char *value; /* set by the parser */
	bool set;
};

#define CLI_OPT(n)                                                                                 \
	{                                                                                          \
		(n), true, NULL, false                                                             \
	}
#define CLI_FLAG(n)                                                                                \
	{                                                                                          \
		(n), false, NULL, false                                                            \
	}

/*
 * Parses argv[0..argc) (the words after the command) against `opts`.
 * Positionals land in `pos` (at most `max_pos`; at least `min_pos`).
 * Returns 0, CLI_ARGS_HELP after printing `usage` to stdout, or exit code 2
 * after printing an error and the usage to stderr.
 */
int cli_args(int argc, char **argv, struct cli_opt *opts, size_t nopts, const char **pos,
	     size_t min_pos, size_t max_pos, size_t *ret_npos, const char *usage);

/* Value of option `name`, or `dflt` when it was not given. */
const char *cli_opt_str(const struct cli_opt *opts, size_t nopts, const char *name,
			const char *dflt);
bool cli_opt_set(const struct cli_opt *opts, size_t nopts, const char *name);
/* Parses an integer option within [min, max]; false (message printed) otherwise. */
bool cli_opt_long(const struct cli_opt *opts, size_t nopts, const char *name, long dflt, long min,
		  long max, long *ret);

#endif
