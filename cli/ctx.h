/*
 * What one CLI run works with: where the config directory is (cli.md §0:
 * DMP_CONFIG_HOME, tokens under <config-home>/tokens unless DMP_TOKENS_HOME),
 * the loaded config, and the identity derived from the passphrase (§1) with
 * its typo tripwire.
 */
#ifndef DM_CLI_CTX_H
#define DM_CLI_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/config.h"
#include "common/dmp/identity.h"

struct cli_ctx {
	char *home;	   /* the config directory */
	char *config_path; /* <home>/config.yaml */
	char *tokens_dir;
	struct cli_config cfg;
	bool cfg_loaded;
	struct dm_identity id;
	bool have_id;
	uint64_t now; /* 0: the wall clock; tests pin it */
};

/* Resolves the directories from the environment. */
void cli_ctx_init(struct cli_ctx *ctx);
/* Frees everything and wipes the identity. */
void cli_ctx_free(struct cli_ctx *ctx);
/* "now" for this run. */
uint64_t cli_ctx_now(const struct cli_ctx *ctx);
/* <home>/<file>; caller frees. */
char *cli_ctx_path(const struct cli_ctx *ctx, const char *file);

/* Loads config.yaml; on failure prints one line and returns exit code 1. */
int cli_ctx_load(struct cli_ctx *ctx);
/* Saves config.yaml; on failure prints one line and returns exit code 1. */
int cli_ctx_save(struct cli_ctx *ctx);

/*
 * Derives the identity (passphrase: DMP_PASSPHRASE, then passphrase_file,
 * then a no-echo prompt on the terminal). With `tripwire`, checks and
 * initialises verify_pubkey (§1). Returns 0 or an exit code (message printed).
 */
int cli_ctx_identity(struct cli_ctx *ctx, bool tripwire);

/*
 * The passphrase for `cfg` from the sources of §1, or DM_ENOTFOUND with a
 * reason in `why` (capacity 256). Caller wipes and frees *ret.
 */
int cli_passphrase(const struct cli_config *cfg, const char *env_name, char **ret, char *why);

/* Reads a line from the terminal without echo; NULL when there is no terminal. */
char *cli_prompt_secret(const char *prompt);
/* Asks a y/N question on the terminal; false without one. */
bool cli_confirm(const char *prompt);

#endif
