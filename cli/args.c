#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/util.h"

static int usage_error(const char *usage, const char *msg, const char *what)
{
	fprintf(stderr, "%s", usage);
	fprintf(stderr, "dnsmesh: error: %s%s\n", msg, what ? what : "");
	return CLI_EXIT_USAGE;
}

int cli_args(int argc, char **argv, struct cli_opt *opts, size_t nopts, const char **pos,
	     size_t min_pos, size_t max_pos, size_t *ret_npos, const char *usage)
{
	size_t npos = 0;
	bool only_pos = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			fputs(usage, stdout);
			return CLI_ARGS_HELP;
		}
		if (!only_pos && a[0] == '-' && a[1] != '\0') {
			const char *eq = strchr(a, '=');
			size_t nl = eq ? (size_t)(eq - a) : strlen(a);
			struct cli_opt *o = NULL;
			for (size_t k = 0; k < nopts; k++)
				if (strlen(opts[k].name) == nl && !strncmp(opts[k].name, a, nl))
					o = &opts[k];
			if (o == NULL)
				return usage_error(usage, "unrecognized argument: ", a);
			if (!o->takes_value) {
				if (eq)
					return usage_error(usage,
							   "option takes no value: ", o->name);
				o->set = true;
				continue;
			}
			if (eq) {
				o->value = eq + 1;
			} else {
				if (i + 1 >= argc)
					return usage_error(usage, "expected a value after ",
							   o->name);
				o->value = argv[++i];
			}
			o->set = true;
			continue;
		}
		if (npos == max_pos)
			return usage_error(usage, "unrecognized argument: ", a);
		pos[npos++] = a;
	}
	if (npos < min_pos)
		return usage_error(usage, "missing required arguments", NULL);
	*ret_npos = npos;
	return 0;
}

static const struct cli_opt *find(const struct cli_opt *opts, size_t nopts, const char *name)
{
	for (size_t k = 0; k < nopts; k++)
		if (!strcmp(opts[k].name, name))
			return &opts[k];
	return NULL;
}

const char *cli_opt_str(const struct cli_opt *opts, size_t nopts, const char *name,
			const char *dflt)
{
	const struct cli_opt *o = find(opts, nopts, name);
	return o && o->set && o->value ? o->value : dflt;
}

bool cli_opt_set(const struct cli_opt *opts, size_t nopts, const char *name)
{
	const struct cli_opt *o = find(opts, nopts, name);
	return o && o->set;
}

bool cli_opt_long(const struct cli_opt *opts, size_t nopts, const char *name, long dflt, long min,
		  long max, long *ret)
{
	const char *v = cli_opt_str(opts, nopts, name, NULL);
	char *end;
	long n;
	if (v == NULL) {
		*ret = dflt;
		return true;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		cli_fail(CLI_EXIT_USAGE, "%s must be an integer from %ld to %ld, not '%.40s'", name,
			 min, max, v);
		return false;
	}
	*ret = n;
	return true;
}
