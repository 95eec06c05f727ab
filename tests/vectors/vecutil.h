/*
 * Helpers for the vector checkers: load a JSON file from ../shared/vectors,
 * decode hex fields, and tally cases into the one summary line per file
 * ("vectors <file>: N passed, M failed") that run_all.sh checks against
 * MANIFEST.tsv.
 */
#ifndef DM_TESTS_VECUTIL_H
#define DM_TESTS_VECUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vec_tally {
	const char *file; /* path relative to the vectors directory */
	int passed;
	int failed;
};

/* Returns the parsed file (caller json_decref()s it); exits 2 if unreadable. */
json_t *vec_load(const char *relpath);

/* String field `key` of `obj`, or NULL when absent / not a string / null. */
const char *vec_str(const json_t *obj, const char *key);
/* Integer field (JSON integer); `dflt` when absent. */
long long vec_int(const json_t *obj, const char *key, long long dflt);
/* Boolean field; `dflt` when absent. */
bool vec_bool(const json_t *obj, const char *key, bool dflt);

/*
 * Decodes the hex string field `key` of `obj` into a new buffer (NUL-terminated
 * for convenience; the terminator is not counted). Caller frees. Returns NULL
 * when the field is absent or not valid hex.
 */
uint8_t *vec_hex(const json_t *obj, const char *key, size_t *ret_len);
/* Decodes hex field `key` into exactly `len` bytes of `out`; false otherwise. */
bool vec_hex_fixed(const json_t *obj, const char *key, uint8_t *out, size_t len);
/* Decodes a bare hex string. Caller frees. NULL on bad hex. */
uint8_t *vec_hex_str(const char *hex, size_t *ret_len);

/* Records one case; on failure prints "FAIL <file> case <id>: <why>" to stderr. */
void vec_case(struct vec_tally *t, bool ok, const char *case_id, const char *why_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints the summary line; returns 0 if nothing failed, 1 otherwise. */
int vec_report(const struct vec_tally *t);

/* Prints a hex dump of `len` bytes to stderr with a label (debug aid). */
void vec_dump(const char *label, const uint8_t *p, size_t len);

#endif
