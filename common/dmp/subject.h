/*
 * Subjects of rotation and revocation records (wire.md §12.7, §12.8) and the
 * name comparisons the signed-record parsers bind to: which strings a subject
 * type admits, and when two subjects or DNS names denote the same thing.
 *
 * Comparisons follow the reference: DNS names lose one trailing dot and are
 * compared case-insensitively. Only ASCII letters are folded; the names that
 * pass validation are ASCII, so this differs from Python's casefold() only for
 * a caller-supplied expectation spelled with exotic letters (e.g. U+212A
 * KELVIN SIGN), which never matches here.
 */
#ifndef DM_DMP_SUBJECT_H
#define DM_DMP_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dm_subject_type {
	DM_SUBJECT_USER = 1,	  /* user identity: "user@host" */
	DM_SUBJECT_CLUSTER = 2,	  /* cluster operator: the cluster name */
	DM_SUBJECT_BOOTSTRAP = 3, /* bootstrap signer: the user domain */
};

#define DM_SUBJECT_MAX	   255 /* u8 length on the wire */
#define DM_SUBJECT_DNS_MAX 64  /* cluster / bootstrap subjects, after one trailing dot */

/*
 * True if `s[0..len)` is a valid subject of `type`. User subjects: valid
 * UTF-8, 1..255 bytes, "user@host" split at the first '@', both halves
 * non-empty after Python str.strip() whitespace trimming, host §3.1-valid
 * after that trim. Cluster and bootstrap subjects: §3.1-valid, <= 64 bytes
 * after one trailing dot. Unknown types are false.
 */
bool dm_subject_ok(unsigned type, const char *s, size_t len);

/*
 * True if `expected` names the same subject as the record's `subject` under
 * the reference's normalisation: user subjects compare the trimmed user part
 * exactly and the trimmed host without one trailing dot case-insensitively;
 * DNS subjects compare without one trailing dot, case-insensitively.
 */
bool dm_subject_equal(unsigned type, const char *subject, size_t subject_len, const char *expected,
		      size_t expected_len);

/* True if the DNS names `a` and `b` are equal, each without one trailing dot, ignoring ASCII case.
 */
bool dm_dns_name_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
