/*
 * Shared framing of the signed DMP TXT records (wire.md §4): the
 * `v=dmp1;t=<type>;` prefixes, the whole-value size caps, the base64 body and
 * the trailing 64-byte Ed25519 signature.
 *
 * A record value is `prefix || b64(body || sig)`. Parsers call
 * dm_record_decode() (prefix, cap, base64) and then dm_record_split_sig();
 * signers call dm_record_sign_encode(). Every function works on caller
 * memory and never allocates. Values are (pointer, length) pairs and need not
 * be NUL-terminated; encoders always NUL-terminate their output.
 */
#ifndef DM_DMP_RECORD_H
#define DM_DMP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/sig.h"

/* Exact prefixes (wire.md §4). The message-path types carry `d=`. */
#define DM_PREFIX_CHUNK	     "v=dmp1;t=chunk;d="
#define DM_PREFIX_MANIFEST   "v=dmp1;t=manifest;d="
#define DM_PREFIX_IDENTITY   "v=dmp1;t=identity;d="
#define DM_PREFIX_PREKEY     "v=dmp1;t=prekey;d="
#define DM_PREFIX_CLUSTER    "v=dmp1;t=cluster;"
#define DM_PREFIX_BOOTSTRAP  "v=dmp1;t=bootstrap;"
#define DM_PREFIX_ROTATION   "v=dmp1;t=rotation;"
#define DM_PREFIX_REVOCATION "v=dmp1;t=revocation;"
#define DM_PREFIX_HEARTBEAT  "v=dmp1;t=heartbeat;"
#define DM_PREFIX_CLAIM	     "v=dmp1;t=claim;"

/* Whole-value caps (prefix + base64, bytes), enforced on sign and on parse. */
#define DM_RECORD_CAP_NONE   0	  /* message-path types: no cap of their own */
#define DM_RECORD_CAP_SIGNED 1200 /* cluster, bootstrap, rotation, revocation, heartbeat */
#define DM_RECORD_CAP_CLAIM  255

/* Which base64 decoder a record type uses (wire.md §4 table, §4.1). */
enum dm_record_b64 {
	DM_RECORD_B64_STRICT,
	DM_RECORD_B64_LENIENT,
};

/* Length of `prefix || b64(n bytes)`, without the NUL. */
size_t dm_record_encoded_len(const char *prefix, size_t n);

/*
 * If `value[0..len)` starts with `prefix`, set *ret_b64 / *ret_b64_len to the
 * rest (borrowed from `value`) and return 0; DM_EINVAL otherwise.
 */
int dm_record_strip_prefix(const char *value, size_t len, const char *prefix, const char **ret_b64,
			   size_t *ret_b64_len) __attribute__((warn_unused_result));

/*
 * Prefix check, then the cap (`cap` = 0 for none; a longer value is
 * DM_ETOOBIG), then base64 decode with `mode` into `out` (capacity `outcap`;
 * a larger result is DM_ETOOBIG). Returns 0 and the decoded length, or
 * DM_EINVAL / DM_ETOOBIG. `out` may be partly written on failure.
 */
int dm_record_decode(const char *value, size_t len, const char *prefix, size_t cap,
		     enum dm_record_b64 mode, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Split a decoded blob into body and trailing signature: requires
 * len >= min_body + DM_ED25519_SIG_BYTES. Sets *ret_body_len (the signature
 * is at blob + *ret_body_len). DM_EINVAL if too short.
 */
int dm_record_split_sig(const uint8_t *blob, size_t len, size_t min_body, size_t *ret_body_len)
    __attribute__((warn_unused_result));

/*
 * Writes `prefix || b64(body || sig)` and a NUL into `out` (capacity `outcap`,
 * which must hold the NUL too). DM_ETOOBIG if the value exceeds `cap`
 * (0 = no cap) or does not fit `out`. Sets *ret_len to the value length.
 */
int dm_record_encode(const char *prefix, const uint8_t *body, size_t body_len,
		     const uint8_t sig[DM_ED25519_SIG_BYTES], size_t cap, char *out, size_t outcap,
		     size_t *ret_len) __attribute__((warn_unused_result));

/* Signs `body` with `sk` and encodes as dm_record_encode() does. */
int dm_record_sign_encode(const char *prefix, const uint8_t *body, size_t body_len,
			  const uint8_t sk[DM_ED25519_SK_BYTES], size_t cap, char *out,
			  size_t outcap, size_t *ret_len) __attribute__((warn_unused_result));

/*
 * True if `p[0..len)` is well-formed UTF-8 as Python's strict decoder sees
 * it: no overlong forms, no surrogates (U+D800..DFFF), nothing above
 * U+10FFFF, no truncated sequence. NUL bytes are valid (U+0000).
 */
bool dm_record_utf8_valid(const uint8_t *p, size_t len);

/*
 * Python's str.strip() (Unicode whitespace, as str.isspace()) applied to the
 * valid UTF-8 span `s[*off .. *off + *len)`: narrows *off / *len in place.
 */
void dm_record_py_strip(const char *s, size_t *off, size_t *len);

/* True if `sk` (libsodium layout: seed || pk) carries public key `pk`. */
bool dm_record_sk_matches(const uint8_t sk[DM_ED25519_SK_BYTES],
			  const uint8_t pk[DM_ED25519_PK_BYTES]);

#endif
