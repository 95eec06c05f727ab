#include "common/dmp/cluster.h"

#include <sodium.h>
#include <string.h>

#include "common/buf.h"
#include "common/codec/unicode.h"
#include "common/dmp/names.h"
#include "common/dmp/subject.h"
#include "common/err.h"

/* magic + seq + exp + operator_spk + name_len */
#define FIXED_HEAD (DM_CLUSTER_MAGIC_LEN + 8 + 8 + DM_ED25519_PK_BYTES + 1)

static bool utf8_ok(const char *s, size_t len)
{
	size_t pos = 0;
	uint32_t cp;

	while (pos < len)
		if (!dm_utf8_next((const uint8_t *)s, len, &pos, &cp))
			return false;
	return true;
}

static bool ascii_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

static bool node_ok(const struct dm_cluster_node *n)
{
	if (n->id_len == 0 || n->id_len > DM_CLUSTER_NODE_ID_MAX || !ascii_ok(n->id, n->id_len))
		return false;
	if (n->http_len == 0 || n->http_len > DM_CLUSTER_HTTP_MAX || !utf8_ok(n->http, n->http_len))
		return false;
	return n->dns_len <= DM_CLUSTER_DNS_MAX && utf8_ok(n->dns, n->dns_len);
}

/* Node ids are the dedupe / log key of fan-out writers: a repeat is a publisher bug. */
static bool ids_unique(const struct dm_cluster_node *nodes, size_t count)
{
	for (size_t i = 1; i < count; i++)
		for (size_t j = 0; j < i; j++)
			if (nodes[i].id_len == nodes[j].id_len &&
			    memcmp(nodes[i].id, nodes[j].id, nodes[i].id_len) == 0)
				return false;
	return true;
}

/* `name` is the dot-less name; `dot` appends the one trailing dot the wire may keep. */
static int encode_body(const struct dm_cluster *c, const char *name, size_t name_len, bool dot,
		       uint8_t *out, size_t outcap, size_t *ret_len)
{
	struct dm_wbuf w;

	if (name_len == 0 || name_len > DM_CLUSTER_NAME_MAX || name[name_len - 1] == '.' ||
	    !dm_dns_name_strict_ok(name, name_len, DM_CLUSTER_NAME_MAX))
		return DM_EINVAL;
	if (c->node_count > DM_CLUSTER_NODES_MAX)
		return DM_ETOOBIG;
	for (size_t i = 0; i < c->node_count; i++)
		if (!node_ok(&c->nodes[i]))
			return DM_EINVAL;
	if (!ids_unique(c->nodes, c->node_count))
		return DM_EINVAL;

	dm_wbuf_init(&w, out, outcap);
	dm_wbuf_bytes(&w, DM_CLUSTER_MAGIC, DM_CLUSTER_MAGIC_LEN);
	dm_wbuf_u64(&w, c->seq);
	dm_wbuf_u64(&w, c->exp);
	dm_wbuf_bytes(&w, c->operator_spk, DM_ED25519_PK_BYTES);
	dm_wbuf_u8(&w, (uint8_t)(name_len + dot));
	dm_wbuf_bytes(&w, name, name_len);
	if (dot)
		dm_wbuf_u8(&w, '.');
	dm_wbuf_u8(&w, c->node_count);
	for (size_t i = 0; i < c->node_count; i++) {
		const struct dm_cluster_node *n = &c->nodes[i];
		dm_wbuf_u8(&w, n->id_len);
		dm_wbuf_bytes(&w, n->id, n->id_len);
		dm_wbuf_u16(&w, n->http_len);
		dm_wbuf_bytes(&w, n->http, n->http_len);
		dm_wbuf_u16(&w, n->dns_len);
		dm_wbuf_bytes(&w, n->dns, n->dns_len);
	}
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	*ret_len = w.len;
	return 0;
}

int dm_cluster_body_encode(const struct dm_cluster *c, uint8_t *out, size_t outcap, size_t *ret_len)
{
	return encode_body(c, c->name, c->name_len, c->name_dot, out, outcap, ret_len);
}

int dm_cluster_sign(const struct dm_cluster *c, const uint8_t sk[DM_ED25519_SK_BYTES], char *out,
		    size_t outcap, size_t *ret_len)
{
	/* Any body over the wire cap is refused, so this bounds what is worth encoding. */
	uint8_t body[DM_CLUSTER_WIRE_MAX];
	size_t name_len = c->name_len, body_len;
	int r;

	if (name_len > DM_CLUSTER_NAME_MAX + 1 ||
	    !dm_dns_name_strict_ok(c->name, name_len, DM_CLUSTER_NAME_MAX))
		return DM_EINVAL;
	if (c->name[name_len - 1] == '.')
		name_len--;
	if (c->node_count == 0)
		return DM_EINVAL;
	if (!dm_record_sk_matches(sk, c->operator_spk))
		return DM_EMISMATCH;
	r = encode_body(c, c->name, name_len, false, body, sizeof(body), &body_len);
	if (r < 0)
		return r;
	return dm_record_sign_encode(DM_PREFIX_CLUSTER, body, body_len, sk, DM_CLUSTER_WIRE_MAX,
				     out, outcap, ret_len);
}

static bool decode_node(struct dm_rbuf *r, struct dm_cluster_node *n)
{
	n->id_len = dm_rbuf_u8(r);
	if (n->id_len == 0 || n->id_len > DM_CLUSTER_NODE_ID_MAX ||
	    !dm_rbuf_copy(r, n->id, n->id_len))
		return false;
	n->id[n->id_len] = '\0';
	n->http_len = dm_rbuf_u16(r);
	if (n->http_len == 0 || n->http_len > DM_CLUSTER_HTTP_MAX ||
	    !dm_rbuf_copy(r, n->http, n->http_len))
		return false;
	n->http[n->http_len] = '\0';
	n->dns_len = dm_rbuf_u16(r);
	if (n->dns_len > DM_CLUSTER_DNS_MAX || !dm_rbuf_copy(r, n->dns, n->dns_len))
		return false;
	n->dns[n->dns_len] = '\0';
	return !r->err && node_ok(n);
}

/* Decodes into `c`, which the caller discards on failure. */
static int decode_body(const uint8_t *body, size_t len, struct dm_cluster *c)
{
	struct dm_rbuf r;
	const uint8_t *magic, *name;
	size_t name_len;

	if (len < FIXED_HEAD)
		return DM_EINVAL;
	dm_rbuf_init(&r, body, len);
	magic = dm_rbuf_bytes(&r, DM_CLUSTER_MAGIC_LEN);
	if (magic == NULL || memcmp(magic, DM_CLUSTER_MAGIC, DM_CLUSTER_MAGIC_LEN) != 0)
		return DM_EINVAL;
	c->seq = dm_rbuf_u64(&r);
	c->exp = dm_rbuf_u64(&r);
	if (!dm_rbuf_copy(&r, c->operator_spk, DM_ED25519_PK_BYTES))
		return DM_EINVAL;
	name_len = dm_rbuf_u8(&r);
	name = dm_rbuf_bytes(&r, name_len);
	/* §3.1 bounds the length (<= 64, or 65 with the trailing dot) and rejects "..". */
	if (name == NULL ||
	    !dm_dns_name_strict_ok((const char *)name, name_len, DM_CLUSTER_NAME_MAX))
		return DM_EINVAL;
	c->name_dot = name[name_len - 1] == '.';
	c->name_len = (uint8_t)(name_len - c->name_dot);
	memcpy(c->name, name, c->name_len);
	c->name[c->name_len] = '\0';
	c->node_count = dm_rbuf_u8(&r);
	if (r.err || c->node_count > DM_CLUSTER_NODES_MAX)
		return DM_EINVAL;
	for (size_t i = 0; i < c->node_count; i++)
		if (!decode_node(&r, &c->nodes[i]))
			return DM_EINVAL;
	if (!dm_rbuf_done(&r) || !ids_unique(c->nodes, c->node_count))
		return DM_EINVAL;
	return 0;
}

int dm_cluster_body_decode(const uint8_t *body, size_t len, struct dm_cluster *ret)
{
	struct dm_cluster c;
	int r;

	memset(&c, 0, sizeof(c));
	r = decode_body(body, len, &c);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

int dm_cluster_parse(const char *wire, size_t len, const uint8_t operator_spk[DM_ED25519_PK_BYTES],
		     uint64_t now, const char *expected_name, size_t expected_len,
		     struct dm_cluster *ret)
{
	uint8_t blob[DM_CLUSTER_WIRE_MAX];
	struct dm_cluster c;
	size_t blob_len, body_len;
	int r;

	r = dm_record_decode(wire, len, DM_PREFIX_CLUSTER, DM_CLUSTER_WIRE_MAX,
			     DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len);
	if (r < 0)
		return r == DM_ETOOBIG ? r : DM_EINVAL;
	r = dm_record_split_sig(blob, blob_len, DM_CLUSTER_MAGIC_LEN, &body_len);
	if (r < 0)
		return r;
	/* The pinned key is the trust anchor: nothing in the body is read before this. */
	r = dm_ed25519_verify(blob + body_len, blob, body_len, operator_spk);
	if (r < 0)
		return r;
	memset(&c, 0, sizeof(c));
	r = decode_body(blob, body_len, &c);
	if (r < 0)
		return r;
	if (sodium_memcmp(c.operator_spk, operator_spk, DM_ED25519_PK_BYTES) != 0)
		return DM_EMISMATCH;
	if (c.exp < now)
		return DM_EEXPIRED;
	if (expected_name != NULL &&
	    !dm_dns_name_equal(c.name, c.name_len, expected_name, expected_len))
		return DM_EMISMATCH;
	*ret = c;
	return 0;
}
