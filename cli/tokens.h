/*
 * Per-node bearer tokens saved by `register` (cli.md §2): one JSON file per
 * node under the tokens directory (dir 0700, file 0600, atomic write),
 * `{version, node, subject, token, expires_at, registered_spk, saved_at}`.
 * The file is `<host>.json` as in the reference, or `<host>_<port>.json` when
 * the node was given with an explicit port, so two nodes on one host keep
 * separate tokens.
 */
#ifndef DM_CLI_TOKENS_H
#define DM_CLI_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_TOKEN_KEY_MAX   300
#define CLI_TOKEN_STALE_SEC 300 /* a token this far past expiry is ignored */

struct cli_token {
	char *key; /* file stem: host or host_port */
	char *node;
	char *subject;
	char *token;
	int64_t expires_at; /* -1: never */
	char *registered_spk;
	uint64_t saved_at;
};

/*
 * The file stem for `host` (lower-cased; must match [a-z0-9][a-z0-9.-]*[a-z0-9])
 * and `port` (0: none). DM_EINVAL for anything else.
 */
int cli_token_key(const char *host, unsigned port, char out[CLI_TOKEN_KEY_MAX])
    __attribute__((warn_unused_result));
int cli_token_save(const char *dir, const struct cli_token *t) __attribute__((warn_unused_result));
/* Loads `<dir>/<key>.json`; -ENOENT, DM_EINVAL. Free with cli_token_free(). */
int cli_token_load(const char *dir, const char *key, struct cli_token *ret)
    __attribute__((warn_unused_result));
/*
 * The saved bearer for a node endpoint URL: host_port first when the URL has
 * an explicit port, then host; NULL when none is usable at `now`. Caller frees.
 */
char *cli_token_for_endpoint(const char *dir, const char *endpoint, uint64_t now);
/* Every token file, sorted by key. Free with cli_token_list_free(). */
int cli_token_list(const char *dir, struct cli_token **ret, size_t *ret_count)
    __attribute__((warn_unused_result));
void cli_token_list_free(struct cli_token *v, size_t n);
/* Deletes the token for `node` (host, host:port or URL); -ENOENT if none. */
int cli_token_forget(const char *dir, const char *node) __attribute__((warn_unused_result));
void cli_token_free(struct cli_token *t);

#endif
