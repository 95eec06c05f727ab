/*
 * Local state kept beside config.yaml, in the reference's formats (cli.md §2):
 * replay_cache.json, prekeys.db (one-time prekey private halves) and
 * intros.db (first-contact quarantine and sender denylist). Private files are
 * created 0600.
 */
#ifndef DM_CLI_STATE_H
#define DM_CLI_STATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_REPLAY_FILE	     "replay_cache.json"
#define CLI_PREKEYS_FILE     "prekeys.db"
#define CLI_INTROS_FILE	     "intros.db"
#define CLI_REPLAY_MAX_BYTES (16 * 1024 * 1024)

/* ---- replay cache: JSON array of [sender_spk_hex, msg_id_hex, expiry] ----- */

struct cli_replay_row {
	uint8_t spk[32];
	uint8_t msg_id[16];
	uint64_t exp;
};

struct cli_replay {
	char *path;
	size_t count;
	struct cli_replay_row *rows;
};

/*
 * Loads `path` (a missing file is an empty cache), dropping rows with
 * now > expiry and rows that are not well-formed. DM_EINVAL if the file is
 * not a JSON array. Free with cli_replay_free().
 */
int cli_replay_load(const char *path, uint64_t now, struct cli_replay *ret)
    __attribute__((warn_unused_result));
bool cli_replay_seen(const struct cli_replay *rc, const uint8_t spk[32], const uint8_t msg_id[16],
		     uint64_t now);
/* Adds a row and rewrites the file atomically (0600). 0 or negative. */
int cli_replay_add(struct cli_replay *rc, const uint8_t spk[32], const uint8_t msg_id[16],
		   uint64_t exp, uint64_t now) __attribute__((warn_unused_result));
void cli_replay_free(struct cli_replay *rc);

/* ---- prekeys.db ---------------------------------------------------------- */

/* Opens (creating, 0600) the prekey store. Close with sqlite3_close(). */
int cli_prekeys_open(const char *path, sqlite3 **ret) __attribute__((warn_unused_result));
int cli_prekeys_put(sqlite3 *db, uint32_t id, const uint8_t priv[32], const uint8_t pub[32],
		    uint64_t exp, uint64_t created, const char *wire)
    __attribute__((warn_unused_result));
/* The private half of `id` if it exists and exp > now; DM_ENOTFOUND otherwise. */
int cli_prekeys_get(sqlite3 *db, uint32_t id, uint64_t now, uint8_t ret_priv[32], uint64_t *ret_exp)
    __attribute__((warn_unused_result));
/* True if a row with this id exists (live or not). */
bool cli_prekeys_exists(sqlite3 *db, uint32_t id);
int cli_prekeys_delete(sqlite3 *db, uint32_t id);
/* Rows with exp > now. */
long cli_prekeys_live(sqlite3 *db, uint64_t now);

/* ---- intros.db ----------------------------------------------------------- */

struct cli_intro {
	long long id;
	uint8_t spk[32];
	uint8_t msg_id[16];
	uint8_t *plaintext;
	size_t plaintext_len;
	char *domain;
	char *label;
	uint64_t received_at;
	uint64_t msg_exp;
};

int cli_intros_open(const char *path, sqlite3 **ret) __attribute__((warn_unused_result));
/* Queues one intro; 1 if added, 0 if duplicate or the sender is blocked. */
int cli_intros_add(sqlite3 *db, const struct cli_intro *in) __attribute__((warn_unused_result));
bool cli_intros_blocked(sqlite3 *db, const uint8_t spk[32]);
/* All intros, newest first. Caller frees with cli_intros_free(). */
int cli_intros_list(sqlite3 *db, struct cli_intro **ret, size_t *ret_count)
    __attribute__((warn_unused_result));
/* One intro by id; DM_ENOTFOUND. Caller frees with cli_intros_free(ret, 1). */
int cli_intros_get(sqlite3 *db, long long id, struct cli_intro **ret)
    __attribute__((warn_unused_result));
int cli_intros_remove(sqlite3 *db, long long id);
int cli_intros_block(sqlite3 *db, const uint8_t spk[32], const char *note, uint64_t now);
void cli_intros_free(struct cli_intro *v, size_t count);

#endif
