/*
 * DMPHeader (wire.md §5.1, §5.2): the JSON header carried in every outer
 * message and, re-serialized canonically, the source of the AEAD's AAD.
 *
 * Senders must encrypt with exactly the canonical bytes; receivers parse any
 * key order and rebuild the canonical form, so the parser is tolerant of
 * layout but strict about types (integers are JSON integers, hex fields have
 * their exact lengths, `type` is one of the five known names).
 */
#ifndef DM_DMP_HEADER_H
#define DM_DMP_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define DM_HEADER_MSG_ID_BYTES	16
#define DM_HEADER_USER_ID_BYTES 32
/* Longest canonical JSON: 255 fixed characters plus five 20-digit integers. */
#define DM_HEADER_JSON_MAX 384
/* AAD = canonical JSON || u32 prekey_id. */
#define DM_HEADER_AAD_MAX (DM_HEADER_JSON_MAX + 4)

enum dm_msg_type {
	DM_MSG_DATA,
	DM_MSG_ACK,
	DM_MSG_DISCOVERY,
	DM_MSG_IDENTITY,
	DM_MSG_MAILBOX,
};

struct dm_header {
	int64_t version;
	enum dm_msg_type type;
	uint8_t msg_id[DM_HEADER_MSG_ID_BYTES];
	uint8_t sender[DM_HEADER_USER_ID_BYTES];    /* sender user_id */
	uint8_t recipient[DM_HEADER_USER_ID_BYTES]; /* recipient user_id */
	int64_t total;
	int64_t chunk;
	int64_t ts;
	int64_t ttl;
};

/* The wire name of `type` ("DATA", ...), or NULL for an unknown value. */
const char *dm_header_type_name(enum dm_msg_type type);

/*
 * Writes the canonical JSON of `h` into `out` (capacity `outcap`, at least
 * DM_HEADER_JSON_MAX suffices) with no NUL; sets *ret_len. DM_EINVAL for an
 * unknown type, DM_ETOOBIG if `out` is too small.
 */
int dm_header_canonical(const struct dm_header *h, char *out, size_t outcap, size_t *ret_len);

/*
 * Parses header JSON `json[0..len)` (any key order, extra keys ignored, last
 * duplicate wins). DM_EINVAL if it is not UTF-8 JSON, a field is missing, of
 * the wrong type, or a hex field is not exactly its length.
 */
int dm_header_parse(const uint8_t *json, size_t len, struct dm_header *ret_header)
    __attribute__((warn_unused_result));

/*
 * Builds the AAD of §5.2: canonical JSON of `h` with total = 0 and chunk = 0,
 * followed by u32(prekey_id). Sets *ret_len.
 */
int dm_header_aad(const struct dm_header *h, uint32_t prekey_id, uint8_t out[DM_HEADER_AAD_MAX],
		  size_t *ret_len);

#endif
