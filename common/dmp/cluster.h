/*
 * Cluster manifests (`v=dmp1;t=cluster;`, wire.md §12.5, node.md §9.8): the
 * operator-signed list of nodes serving one cluster, published at
 * `cluster.<name>`. Clients pin the operator key out of band; the signature
 * under that pinned key is the only trust anchor, so the body is not looked
 * at before it verifies.
 *
 * Strings are stored with explicit lengths and a NUL after them for
 * convenience; endpoints are UTF-8 and may themselves contain NUL bytes.
 */
#ifndef DM_DMP_CLUSTER_H
#define DM_DMP_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_CLUSTER_MAGIC       "DMPCL01"
#define DM_CLUSTER_MAGIC_LEN   7
#define DM_CLUSTER_NAME_MAX    64 /* after one trailing dot is removed */
#define DM_CLUSTER_NODES_MAX   32
#define DM_CLUSTER_NODE_ID_MAX 16
#define DM_CLUSTER_HTTP_MAX    128
#define DM_CLUSTER_DNS_MAX     64
#define DM_CLUSTER_WIRE_MAX    DM_RECORD_CAP_SIGNED

struct dm_cluster_node {
	uint8_t id_len; /* 1..16, ASCII */
	char id[DM_CLUSTER_NODE_ID_MAX + 1];
	uint16_t http_len; /* 1..128, UTF-8 */
	char http[DM_CLUSTER_HTTP_MAX + 1];
	uint16_t dns_len; /* 0..64, UTF-8; 0 = no DNS endpoint */
	char dns[DM_CLUSTER_DNS_MAX + 1];
};

struct dm_cluster {
	uint64_t seq; /* higher wins */
	uint64_t exp; /* Unix seconds; expired once exp < now */
	uint8_t operator_spk[DM_ED25519_PK_BYTES];
	uint8_t name_len; /* without the trailing dot */
	char name[DM_CLUSTER_NAME_MAX + 1];
	/*
	 * The wire kept one trailing dot after the name. dm_cluster_body_encode()
	 * reproduces it; dm_cluster_sign() never emits it, as the reference.
	 */
	bool name_dot;
	uint8_t node_count; /* parser: 0..32; signer: 1..32 */
	struct dm_cluster_node nodes[DM_CLUSTER_NODES_MAX];
};

/*
 * Signs `c` with the operator key `sk` and writes the TXT value plus a NUL to
 * `out` (capacity `outcap`; DM_CLUSTER_WIRE_MAX + 1 always suffices). The
 * name may end in one '.', which is dropped; `name_dot` is ignored. Refuses
 * (DM_EINVAL) a name failing §3.1 or over 64 bytes, a node id that is empty,
 * non-ASCII, too long or repeated, an empty or over-long HTTP endpoint, an
 * over-long DNS endpoint, invalid UTF-8, no nodes; DM_ETOOBIG for more than
 * 32 nodes or a value over 1200 bytes (or over `outcap`); DM_EMISMATCH if `sk`
 * does not hold `c->operator_spk`.
 */
int dm_cluster_sign(const struct dm_cluster *c, const uint8_t sk[DM_ED25519_SK_BYTES], char *out,
		    size_t outcap, size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Parses and verifies a TXT value in the order of wire.md §12.5: prefix
 * (DM_EINVAL), 1200-byte cap (DM_ETOOBIG), strict base64 and length
 * (DM_EINVAL), signature under the caller-pinned `operator_spk` (DM_ESIG),
 * body (DM_EINVAL), embedded key equal to the pinned one (DM_EMISMATCH),
 * `exp < now` (DM_EEXPIRED), then, if `expected_name` is not NULL, the name
 * compared case-insensitively, one trailing dot ignored (DM_EMISMATCH).
 */
int dm_cluster_parse(const char *wire, size_t len, const uint8_t operator_spk[DM_ED25519_PK_BYTES],
		     uint64_t now, const char *expected_name, size_t expected_len,
		     struct dm_cluster *ret) __attribute__((warn_unused_result));

/*
 * Structural decode of a body (no signature, no expiry): what node.md §9.4
 * peer discovery uses, and the step dm_cluster_parse() runs after verifying.
 * Accepts 0 nodes as the reference parser does. DM_EINVAL on any violation,
 * including trailing bytes.
 */
int dm_cluster_body_decode(const uint8_t *body, size_t len, struct dm_cluster *ret)
    __attribute__((warn_unused_result));

/*
 * Encodes the body of `c` exactly as decoded (honouring `name_dot`) into
 * `out` (capacity `outcap`). Validates as dm_cluster_body_decode() would.
 * DM_EINVAL on an invalid field, DM_ETOOBIG if `out` is too small.
 */
int dm_cluster_body_encode(const struct dm_cluster *c, uint8_t *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
