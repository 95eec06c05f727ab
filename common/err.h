/*
 * Error codes. Functions that can fail return 0 (or a non-negative count) on
 * success and a negative code on failure: -errno for system errors, DM_E*
 * (all below -1000, as Knot DNS does) for our own.
 */
#ifndef DM_COMMON_ERR_H
#define DM_COMMON_ERR_H

enum {
	DM_EINVAL = -1001,   /* malformed input: wrong length, bad field, bad encoding */
	DM_ESIG = -1002,     /* signature does not verify (or low-order key) */
	DM_EEXPIRED = -1003, /* past its expiry, or too far in the future */
	DM_ETOOBIG = -1004,  /* over a size cap */
	DM_ECRYPTO = -1005,  /* a cryptographic primitive failed (AEAD, X25519, KDF) */
	DM_ENOTFOUND = -1006,
	DM_EREPLAY = -1007,   /* already delivered */
	DM_EMISMATCH = -1008, /* well-formed but not what the caller expected */
	DM_ENOMEM = -1009,
	DM_EUNSUPPORTED = -1010,
	DM_EPROTO = -1011, /* peer violated the IPC / wire protocol */
	DM_ETIMEDOUT = -1012,
	DM_EUNAVAIL = -1013, /* a service or peer is not reachable */
};

/* A short static description of `err` (DM_E* or -errno). Never NULL. */
const char *dm_strerror(int err);

#endif
