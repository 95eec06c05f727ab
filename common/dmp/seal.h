/*
 * Message encryption (wire.md §6) and the two framings around it:
 * EncryptedMessage (§5.3: eph_pub || nonce || ciphertext||tag) and the
 * DMPMessage "outer message" (§5.4: u16 header_len || header JSON || payload
 * || 32 zero bytes).
 *
 * Key agreement is X25519 against an ephemeral key, the AEAD key is
 * HKDF-SHA256(shared, salt "DMP-v1", info "DMP-Message-Encryption"), the AEAD
 * ChaCha20-Poly1305 IETF. The *_det variants take the ephemeral private key
 * and nonce so vectors can pin every byte; real senders use the random ones.
 * All intermediate secrets are wiped before returning.
 */
#ifndef DM_DMP_SEAL_H
#define DM_DMP_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/header.h"

#define DM_X25519_KEY_BYTES 32
#define DM_SEAL_KEY_BYTES   32
#define DM_SEAL_NONCE_BYTES 12
#define DM_SEAL_TAG_BYTES   16
/* EncryptedMessage = eph_pub(32) || nonce(12) || ct || tag(16). */
#define DM_SEAL_HDR_BYTES (DM_X25519_KEY_BYTES + DM_SEAL_NONCE_BYTES)
#define DM_SEAL_OVERHEAD  (DM_SEAL_HDR_BYTES + DM_SEAL_TAG_BYTES)
/* The outer message's trailing, always-zero "signature" placeholder. */
#define DM_OUTER_TRAILER_BYTES 32

/*
 * X25519(priv, pub) into ret_shared. DM_ECRYPTO when the result is all zero
 * (low-order peer key), as both libsodium and the reference's OpenSSL refuse.
 */
int dm_seal_ecdh(uint8_t ret_shared[DM_X25519_KEY_BYTES], const uint8_t priv[DM_X25519_KEY_BYTES],
		 const uint8_t pub[DM_X25519_KEY_BYTES]) __attribute__((warn_unused_result));

/* RFC 5869 HKDF-SHA256 (extract + expand); `outlen` <= 255 * 32. */
void dm_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, const uint8_t *info, size_t info_len);

/* The message AEAD key derived from an X25519 shared secret. */
void dm_seal_kdf(uint8_t ret_key[DM_SEAL_KEY_BYTES], const uint8_t shared[DM_X25519_KEY_BYTES]);

/*
 * Encrypts `pt` to `recipient_pub` with the given ephemeral private key and
 * nonce, writing the EncryptedMessage (len + DM_SEAL_OVERHEAD bytes) to `out`
 * (capacity `outcap`). Sets *ret_len. DM_ECRYPTO on a low-order recipient key,
 * DM_ETOOBIG if `out` is too small.
 */
int dm_seal_encrypt_det(const uint8_t eph_priv[DM_X25519_KEY_BYTES],
			const uint8_t nonce[DM_SEAL_NONCE_BYTES],
			const uint8_t recipient_pub[DM_X25519_KEY_BYTES], const uint8_t *pt,
			size_t len, const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
			size_t *ret_len) __attribute__((warn_unused_result));

/* As dm_seal_encrypt_det() with a fresh random ephemeral key and nonce. */
int dm_seal_encrypt(const uint8_t recipient_pub[DM_X25519_KEY_BYTES], const uint8_t *pt, size_t len,
		    const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
		    size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Decrypts EncryptedMessage `enc` with the recipient's X25519 private key
 * (raw, unclamped is fine) into `out` (capacity `outcap`, enc_len -
 * DM_SEAL_OVERHEAD suffices). DM_EINVAL if shorter than the 44-byte header,
 * DM_ECRYPTO on a low-order ephemeral key or an AEAD failure (`out` is wiped).
 */
int dm_seal_decrypt(const uint8_t priv[DM_X25519_KEY_BYTES], const uint8_t *enc, size_t enc_len,
		    const uint8_t *aad, size_t aad_len, uint8_t *out, size_t outcap,
		    size_t *ret_len) __attribute__((warn_unused_result));

/* Size of the outer message carrying a header of `header_len` and a payload. */
static inline size_t dm_seal_outer_len(size_t header_len, size_t payload_len)
{
	return 2 + header_len + payload_len + DM_OUTER_TRAILER_BYTES;
}

/*
 * Writes the outer message for `h` (canonical JSON) and `payload` into `out`
 * (capacity `outcap`); sets *ret_len. DM_ETOOBIG if it does not fit.
 */
int dm_seal_outer_build(const struct dm_header *h, const uint8_t *payload, size_t payload_len,
			uint8_t *out, size_t outcap, size_t *ret_len);

/*
 * Parses an outer message: at least 34 bytes and 2 + header_len + 32; the
 * header JSON must parse (dm_header_parse). The payload is borrowed from
 * `msg`; the trailing 32 bytes are ignored. DM_EINVAL otherwise.
 */
int dm_seal_outer_parse(const uint8_t *msg, size_t len, struct dm_header *ret_header,
			const uint8_t **ret_payload, size_t *ret_payload_len)
    __attribute__((warn_unused_result));

#endif
