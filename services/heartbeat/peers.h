/*
 * The heartbeat service's pure parts, free of libuv and IPC so unit tests
 * link them alone: loading the operator key, and the peer lists of one tick
 * (node.md §10.5).
 */
#ifndef DM_HEARTBEAT_PEERS_H
#define DM_HEARTBEAT_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/sig.h"

#define HB_URL_MAX	300
#define HB_PEERS_MAX	1000 /* DMP_HEARTBEAT_MAX_PEERS upper bound */
#define HB_KEY_FILE_MAX 256
#define HB_CRED_NAME	"operator.key"

/* ---- key.c ---- */

/*
 * Reads the operator seed from `path`: 32 raw bytes, or 64 hex digits with
 * surrounding whitespace. The file must be a regular file with no group or
 * other permission bits. Fills `sk` (64-byte libsodium secret key) and `pk`.
 * DM_EINVAL with a one-line reason in `err` otherwise.
 */
int hb_key_load(const char *path, uint8_t sk[DM_ED25519_SK_BYTES], uint8_t pk[DM_ED25519_PK_BYTES],
		char *err, size_t errlen) __attribute__((warn_unused_result));
/* The key path: DMP_HEARTBEAT_OPERATOR_KEY_PATH, else $CREDENTIALS_DIRECTORY/operator.key.
 * DM_ENOTFOUND when neither is set. */
int hb_key_path(const char *configured, char *out, size_t cap) __attribute__((warn_unused_result));

/* ---- peers.c ---- */

/*
 * node.md §10.5 canonical form of a peer base URL: scheme and host
 * lower-cased, the scheme's default port removed, path/query/fragment and
 * any trailing '/' dropped. DM_EINVAL for anything but http(s)://host[:port].
 */
int hb_url_canon(const char *in, size_t len, char out[HB_URL_MAX])
    __attribute__((warn_unused_result));

struct hb_peer_list {
	size_t n;
	char url[HB_PEERS_MAX][HB_URL_MAX];
};

/*
 * Builds one tick's peer list: `seeds` (comma list), then `learned` (seen
 * endpoints, newest first), canonicalised, de-duplicated, `self` removed,
 * truncated to `max`. Bad entries are skipped.
 */
void hb_peer_list(const char *seeds, const char *const *learned, size_t nlearned, const char *self,
		  size_t max, struct hb_peer_list *ret);

/*
 * DMP_HEARTBEAT_RESOLVE ("host=address,..."): for a plain-http `url` whose
 * host is listed, writes the URL with the address in place of the host to
 * `out` and returns 1; 0 (out = url) otherwise. Lets nodes on private or
 * loopback addresses, which cannot advertise those addresses in a
 * heartbeat, reach each other by name (tests, split-horizon set-ups).
 */
int hb_resolve(const char *map, const char *url, char out[HB_URL_MAX]);

#endif
