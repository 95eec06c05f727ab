#include "common/dmp/header.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/codec/hex.h"
#include "common/err.h"

static const char *const type_names[] = {
    [DM_MSG_DATA] = "DATA",	    [DM_MSG_ACK] = "ACK",	  [DM_MSG_DISCOVERY] = "DISCOVERY",
    [DM_MSG_IDENTITY] = "IDENTITY", [DM_MSG_MAILBOX] = "MAILBOX",
};

const char *dm_header_type_name(enum dm_msg_type type)
{
	if ((unsigned)type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

int dm_header_canonical(const struct dm_header *h, char *out, size_t outcap, size_t *ret_len)
{
	const char *type = dm_header_type_name(h->type);
	char msg_id[2 * DM_HEADER_MSG_ID_BYTES + 1];
	char sender[2 * DM_HEADER_USER_ID_BYTES + 1];
	char recipient[2 * DM_HEADER_USER_ID_BYTES + 1];
	char tmp[DM_HEADER_JSON_MAX + 1];

	if (type == NULL)
		return DM_EINVAL;
	dm_hex_encode(h->msg_id, sizeof(h->msg_id), msg_id);
	dm_hex_encode(h->sender, sizeof(h->sender), sender);
	dm_hex_encode(h->recipient, sizeof(h->recipient), recipient);
	/* Python's json.dumps(separators=(',', ':')) in insertion order. */
	int n =
	    snprintf(tmp, sizeof(tmp),
		     "{\"v\":%lld,\"type\":\"%s\",\"msg_id\":\"%s\",\"sender\":\"%s\","
		     "\"recipient\":\"%s\",\"total\":%lld,\"chunk\":%lld,\"ts\":%lld,"
		     "\"ttl\":%lld}",
		     (long long)h->version, type, msg_id, sender, recipient, (long long)h->total,
		     (long long)h->chunk, (long long)h->ts, (long long)h->ttl);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n > outcap)
		return DM_ETOOBIG;
	memcpy(out, tmp, (size_t)n);
	*ret_len = (size_t)n;
	return 0;
}

static int get_int(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return DM_EINVAL;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v) || json_string_length(v) != 2 * n)
		return DM_EINVAL;
	if (dm_hex_decode(json_string_value(v), 2 * n, out, n) != (long)n)
		return DM_EINVAL;
	return 0;
}

static int get_type(const json_t *obj, enum dm_msg_type *out)
{
	const json_t *v = json_object_get(obj, "type");
	if (!json_is_string(v))
		return DM_EINVAL;
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (json_string_length(v) == strlen(type_names[i]) &&
		    memcmp(json_string_value(v), type_names[i], strlen(type_names[i])) == 0) {
			*out = (enum dm_msg_type)i;
			return 0;
		}
	}
	return DM_EINVAL;
}

int dm_header_parse(const uint8_t *json, size_t len, struct dm_header *ret_header)
{
	struct dm_header h;
	json_error_t jerr;
	int r = DM_EINVAL;

	/* JSON_ALLOW_NUL: Python accepts "\u0000" in keys we ignore. */
	json_t *root = json_loadb((const char *)json, len, JSON_ALLOW_NUL, &jerr);
	if (root == NULL)
		return DM_EINVAL;
	if (!json_is_object(root))
		goto out;
	memset(&h, 0, sizeof(h));
	if (get_int(root, "v", &h.version) < 0 || get_type(root, &h.type) < 0 ||
	    get_hex(root, "msg_id", h.msg_id, sizeof(h.msg_id)) < 0 ||
	    get_hex(root, "sender", h.sender, sizeof(h.sender)) < 0 ||
	    get_hex(root, "recipient", h.recipient, sizeof(h.recipient)) < 0 ||
	    get_int(root, "total", &h.total) < 0 || get_int(root, "chunk", &h.chunk) < 0 ||
	    get_int(root, "ts", &h.ts) < 0 || get_int(root, "ttl", &h.ttl) < 0)
		goto out;
	*ret_header = h;
	r = 0;
out:
	json_decref(root);
	return r;
}

int dm_header_aad(const struct dm_header *h, uint32_t prekey_id, uint8_t out[DM_HEADER_AAD_MAX],
		  size_t *ret_len)
{
	struct dm_header a = *h;
	size_t n;

	a.total = 0;
	a.chunk = 0;
	int r = dm_header_canonical(&a, (char *)out, DM_HEADER_JSON_MAX, &n);
	if (r < 0)
		return r;
	dm_store_be32(out + n, prekey_id);
	*ret_len = n + 4;
	return 0;
}
