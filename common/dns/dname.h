/*
 * DNS names in wire form (RFC 1035 §3.1): reading them out of a message with
 * compression pointers, building them from the store's text names, and the
 * case-insensitive comparisons the answer engine needs.
 *
 * A "wire name" here is always uncompressed: length-prefixed labels ending
 * with the zero-length root label, at most DM_DNAME_MAX bytes in all.
 * Case folding is ASCII only, as DNS defines it (RFC 4343).
 */
#ifndef DM_DNS_DNAME_H
#define DM_DNS_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_DNAME_MAX	 255 /* wire bytes, root label included (RFC 1035 §2.3.4) */
#define DM_DNAME_LABEL	 63  /* bytes in one label */
#define DM_DNAME_MIN_PTR 12  /* pointers into the 12-byte header are never valid */

/*
 * Reads the name at `*off` in `msg`, following compression pointers, into
 * `out` as an uncompressed wire name with its case unchanged. Every pointer
 * must point strictly before the run of labels it ends and not into the
 * header, so loops and forward pointers are rejected; so are extended label
 * types, labels past the end and names over DM_DNAME_MAX. On success `*off`
 * is moved past the name as it sits in the message. DM_EINVAL otherwise.
 */
int dm_dname_unpack(const uint8_t *msg, size_t len, size_t *off, uint8_t out[DM_DNAME_MAX],
		    size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Converts a store name ("slot-3.mb-abc.Example.com", one optional trailing
 * dot) to a lower-case wire name. Label bytes are taken literally (no
 * backslash escapes: store names are raw strings). Empty labels, labels over
 * 63 bytes, the root name and names over DM_DNAME_MAX give DM_EINVAL.
 */
int dm_dname_from_text(const char *text, size_t len, uint8_t out[DM_DNAME_MAX], size_t *ret_len)
    __attribute__((warn_unused_result));

/* Copies the well-formed wire name `name` (`len` bytes) into `out`, lower-cased. */
void dm_dname_lower(const uint8_t *name, size_t len, uint8_t *out);

/*
 * If `name` equals `zone` or lies below it (label-aligned, case-insensitive),
 * returns the offset in `name` where `zone` starts; otherwise -1. Both are
 * well-formed wire names.
 */
long dm_dname_suffix_at(const uint8_t *name, size_t name_len, const uint8_t *zone, size_t zone_len);

/* Number of labels before the root label ("a.b." is 2, the root is 0). */
unsigned dm_dname_labels(const uint8_t *name, size_t len);

#endif
