/*
 * Self-service registration on multi-tenant nodes (wire.md §12.9,
 * node.md §7): the client proves ownership of an Ed25519 key by signing
 *   challenge[32] || canonical_subject || node || 0x01
 * (no separators, no lengths) for a challenge the node handed out.
 *
 * Subjects are canonicalised the node's way before signing and verifying,
 * so client and node agree on the bytes.
 */
#ifndef DM_DMP_REGISTRATION_H
#define DM_DMP_REGISTRATION_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/sig.h"

#define DM_REGISTRATION_CHALLENGE_BYTES 32
/* Our caps (the reference has none; its HTTP body is capped at 16 KiB). */
#define DM_REGISTRATION_SUBJECT_MAX 1024
#define DM_REGISTRATION_NODE_MAX    255
#define DM_REGISTRATION_PAYLOAD_MAX                                                                \
	(DM_REGISTRATION_CHALLENGE_BYTES + DM_REGISTRATION_SUBJECT_MAX +                           \
	 DM_REGISTRATION_NODE_MAX + 1)

/*
 * Canonical subject: trim (Python str.strip() whitespace), lower-case,
 * ASCII only, `local@fqdn` shape
 * (^[a-z0-9][a-z0-9._+-]*@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$).
 * Writes it plus a NUL into `out` (capacity `outcap`) and sets *ret_len.
 * DM_EINVAL if `raw` is empty, not UTF-8, non-ASCII after trimming or the
 * wrong shape; DM_ETOOBIG over DM_REGISTRATION_SUBJECT_MAX or `outcap`.
 */
int dm_registration_canonical_subject(const char *raw, size_t len, char *out, size_t outcap,
				      size_t *ret_len) __attribute__((warn_unused_result));

/*
 * The exact signed bytes for `subject` (canonicalised here) and `node`
 * (UTF-8, 1..255 bytes), written to `out` (capacity `outcap`;
 * DM_REGISTRATION_PAYLOAD_MAX suffices). Errors as above.
 */
int dm_registration_payload(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			    const char *subject, size_t subject_len, const char *node,
			    size_t node_len, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Signs the payload for (challenge, subject, node) with `sk` into `ret_sig`. */
int dm_registration_sign(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			 const char *subject, size_t subject_len, const char *node, size_t node_len,
			 const uint8_t sk[DM_ED25519_SK_BYTES],
			 uint8_t ret_sig[DM_ED25519_SIG_BYTES]) __attribute__((warn_unused_result));

/*
 * Verifies `sig` by `spk` over the payload. DM_EINVAL (subject or node
 * invalid), DM_ESIG (bad signature or low-order `spk`).
 */
int dm_registration_verify(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			   const char *subject, size_t subject_len, const char *node,
			   size_t node_len, const uint8_t spk[DM_ED25519_PK_BYTES],
			   const uint8_t sig[DM_ED25519_SIG_BYTES])
    __attribute__((warn_unused_result));

#endif
