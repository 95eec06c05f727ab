/*
 * Bootstrap records (`v=dmp1;t=bootstrap;`, wire.md §12.6): published at
 * `_dmp.<user_domain>` by the zone operator of a user domain, they point
 * `user@domain` at one or more clusters (base domain + operator key), like
 * an MX record. The signer key is pinned out of band and is the only trust
 * anchor.
 *
 * Entries are ordered by ascending priority, ties in insertion order: the
 * signer sorts before serialising and the parser sorts again, so entries[0]
 * is always the preferred cluster.
 */
#ifndef DM_DMP_BOOTSTRAP_H
#define DM_DMP_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_BOOTSTRAP_MAGIC	 "DMPBS01"
#define DM_BOOTSTRAP_MAGIC_LEN	 7
#define DM_BOOTSTRAP_DOMAIN_MAX	 64 /* user and base domains, after one trailing dot */
#define DM_BOOTSTRAP_ENTRIES_MAX 16
#define DM_BOOTSTRAP_WIRE_MAX	 DM_RECORD_CAP_SIGNED

struct dm_bootstrap_entry {
	uint16_t priority;			/* lower is preferred */
	uint8_t base_len;			/* without the trailing dot */
	char base[DM_BOOTSTRAP_DOMAIN_MAX + 1]; /* cluster base domain, NUL-terminated */
	bool base_dot; /* the wire kept one trailing dot (see dm_bootstrap.domain_dot) */
	uint8_t operator_spk[DM_ED25519_PK_BYTES]; /* pin for cluster.<base> */
};

struct dm_bootstrap {
	uint64_t seq; /* higher wins */
	uint64_t exp; /* Unix seconds; expired once exp < now */
	uint8_t signer_spk[DM_ED25519_PK_BYTES];
	uint8_t domain_len;			  /* without the trailing dot */
	char domain[DM_BOOTSTRAP_DOMAIN_MAX + 1]; /* user domain, NUL-terminated */
	/*
	 * The wire kept one trailing dot. dm_bootstrap_body_encode() reproduces
	 * it; dm_bootstrap_sign() never emits it, as the reference.
	 */
	bool domain_dot;
	uint8_t entry_count; /* 1..16 */
	struct dm_bootstrap_entry entries[DM_BOOTSTRAP_ENTRIES_MAX];
};

/*
 * Sorts the entries by priority (stable), signs with the zone operator key
 * `sk` and writes the TXT value plus a NUL to `out` (capacity `outcap`;
 * DM_BOOTSTRAP_WIRE_MAX + 1 always suffices). Domains may end in one '.',
 * which is dropped; the `*_dot` flags are ignored. `b` is not modified.
 * Refuses (DM_EINVAL) a domain failing §3.1 or over 64 bytes, no entries, a
 * repeated (priority, case-folded base domain) pair; DM_ETOOBIG for more than
 * 16 entries or a value over 1200 bytes (or `outcap`); DM_EMISMATCH if `sk`
 * does not hold `b->signer_spk`.
 */
int dm_bootstrap_sign(const struct dm_bootstrap *b, const uint8_t sk[DM_ED25519_SK_BYTES],
		      char *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses and verifies a TXT value like dm_cluster_parse(): prefix (DM_EINVAL),
 * cap (DM_ETOOBIG), strict base64 (DM_EINVAL), signature under the pinned
 * `signer_spk` (DM_ESIG), body (DM_EINVAL), embedded key (DM_EMISMATCH),
 * `exp < now` (DM_EEXPIRED), optional `expected_domain` (case-insensitive,
 * one trailing dot ignored; DM_EMISMATCH). Entries come back sorted.
 */
int dm_bootstrap_parse(const char *wire, size_t len, const uint8_t signer_spk[DM_ED25519_PK_BYTES],
		       uint64_t now, const char *expected_domain, size_t expected_len,
		       struct dm_bootstrap *ret) __attribute__((warn_unused_result));

/* Structural decode of a body, entries in wire order; DM_EINVAL on any violation. */
int dm_bootstrap_body_decode(const uint8_t *body, size_t len, struct dm_bootstrap *ret)
    __attribute__((warn_unused_result));

/*
 * Encodes `b` exactly as decoded (wire order, `*_dot` flags honoured) into
 * `out` (capacity `outcap`). DM_EINVAL on an invalid field, DM_ETOOBIG if
 * `out` is too small.
 */
int dm_bootstrap_body_encode(const struct dm_bootstrap *b, uint8_t *out, size_t outcap,
			     size_t *ret_len) __attribute__((warn_unused_result));

#endif
