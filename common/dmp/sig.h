/*
 * Ed25519 signing and verification for every DMP record type.
 *
 * Verification always rejects the 14 low-order / non-canonical public key
 * encodings of wire.md §14 (0.4.4 did so only for claims, heartbeats and
 * registration; 0.7.5 and we do it everywhere). libsodium's verifier is
 * already strict; the explicit list keeps the rule visible and testable.
 */
#ifndef DM_DMP_SIG_H
#define DM_DMP_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_ED25519_PK_BYTES  32
#define DM_ED25519_SK_BYTES  64
#define DM_ED25519_SIG_BYTES 64

/* True if `pk` is one of the 14 encodings listed in wire.md §14. */
bool dm_ed25519_is_low_order(const uint8_t pk[DM_ED25519_PK_BYTES]);

/* Detached signature of `msg` with the libsodium secret key `sk`. */
void dm_ed25519_sign(uint8_t sig[DM_ED25519_SIG_BYTES], const uint8_t *msg, size_t len,
		     const uint8_t sk[DM_ED25519_SK_BYTES]);

/* 0 if `sig` is valid for `msg` under `pk`, DM_ESIG otherwise (incl. low-order pk). */
int dm_ed25519_verify(const uint8_t sig[DM_ED25519_SIG_BYTES], const uint8_t *msg, size_t len,
		      const uint8_t pk[DM_ED25519_PK_BYTES]) __attribute__((warn_unused_result));

#endif
