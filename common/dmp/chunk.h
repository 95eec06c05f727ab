/*
 * Chunk records (wire.md §8) and the generic `DMPDNSRecord` TXT syntax they
 * use (§4.2).
 *
 * Every 128-byte erasure share s travels as
 *     chunk_wire = SHA256(s)[0:8] || s || RS_parity(s)        (168 bytes)
 *     TXT value  = "v=dmp1;t=chunk;d=" || b64(chunk_wire)      (241 chars)
 * Receiving follows §8.2: RS-correct first, then compare the checksum with
 * the corrected data. As in the reference, unwrap returns the decoded block
 * whatever its length; callers reject anything but 128 bytes (§15: such a
 * value makes the whole message undecodable, it is not skipped).
 */
#ifndef DM_DMP_CHUNK_H
#define DM_DMP_CHUNK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/erasure.h"
#include "common/dmp/rs.h"

#define DM_CHUNK_CHECKSUM   8
#define DM_CHUNK_WIRE_LEN   (DM_CHUNK_CHECKSUM + DM_ERASURE_BLOCK + DM_RS_NSYM) /* 168 */
#define DM_CHUNK_TXT_PREFIX "v=dmp1;t=chunk;d="
#define DM_CHUNK_TXT_LEN    241 /* 17 + b64(168) = 17 + 224 */

/* chunk_wire of one 128-byte share. */
void dm_chunk_wrap(const uint8_t block[DM_ERASURE_BLOCK], uint8_t ret_wire[DM_CHUNK_WIRE_LEN]);

/* The TXT value "v=dmp1;t=chunk;d=<b64(chunk_wire)>", NUL-terminated. */
void dm_chunk_txt(const uint8_t block[DM_ERASURE_BLOCK], char ret_txt[DM_CHUNK_TXT_LEN + 1]);

/* Largest block dm_chunk_unwrap() can return for a `len`-byte chunk_wire. */
size_t dm_chunk_unwrapped_max(size_t len);

/*
 * §8.2 on the decoded `d=` bytes: len <= 8 is refused; RS-decode the rest
 * (reedsolo piece semantics, see dm_rs_decode()); accept only if
 * SHA256(decoded)[0:8] equals the leading checksum. Writes the decoded block
 * (any length, possibly 0) to `out` (capacity `outcap`) and returns 0 and
 * *ret_len; DM_EINVAL if refused; DM_ETOOBIG if `out` is too small.
 */
int dm_chunk_unwrap(const uint8_t *wire, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * dm_chunk_unwrap() that also requires the block to be exactly 128 bytes
 * (DM_EMISMATCH for an accepted block of another length).
 */
int dm_chunk_open(const uint8_t *wire, size_t len, uint8_t ret_block[DM_ERASURE_BLOCK])
    __attribute__((warn_unused_result));

/*
 * A parsed `DMPDNSRecord` (§4.2). The parser owns every pointer: release with
 * dm_dns_record_done().
 */
struct dm_dns_record {
	long long version; /* int(v with every "dmp" removed); v defaults to "dmp1" */
	char *type;	   /* NUL-terminated value of t (default "chunk"); may hold NULs */
	size_t type_len;
	uint8_t *data; /* lenient-b64 of d; empty on decode failure or absence */
	size_t data_len;
	json_t *metadata; /* decoded m= JSON, or NULL if absent or undecodable */
};

/*
 * DMPDNSRecord.from_txt_record(): split `txt[0..len)` on ';', keep parts
 * containing '=' (split at the first '='; key and value trimmed of Python
 * whitespace, the last duplicate key wins). Fails (DM_EINVAL) only where the
 * reference raises: a version that is not an integer once "dmp" is removed
 * (or does not fit 64 bits). It does not check the "v=dmp" prefix or the type;
 * callers do (the client skips values not starting "v=dmp" and refuses a
 * first parseable value whose type is not "chunk"). DM_ENOMEM. On success the
 * caller releases *ret with dm_dns_record_done().
 */
int dm_dns_record_parse(const char *txt, size_t len, struct dm_dns_record *ret)
    __attribute__((warn_unused_result));

/* Frees what dm_dns_record_parse() allocated and zeroes `rec`. NULL-safe. */
void dm_dns_record_done(struct dm_dns_record *rec);

/*
 * DMPDNSRecord.to_txt_record(): "v=dmp<version>;t=<type>;d=<b64(data)>", then
 * ";m=<b64(meta_json)>" when meta_json is non-NULL and non-empty. meta_json is
 * the exact compact JSON text to carry (the reference emits
 * json.dumps(metadata, separators=(",", ":"))). Returns a new NUL-terminated
 * string in *ret_txt (length in *ret_len, may be NULL); DM_ENOMEM.
 * Caller frees *ret_txt with free().
 */
int dm_dns_record_format(long long version, const char *type, const uint8_t *data, size_t len,
			 const char *meta_json, char **ret_txt, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
