/*
 * The TLS layer under dm_http_request(): a BearSSL client on a byte stream
 * the caller drives (read/write callbacks with their own deadline), the
 * server's certificate checked against the process's trust anchors (loaded
 * once, then read-only, so threads share them) or a pinned SHA-256 of the
 * leaf certificate. Internal to dm_net.
 */
#ifndef DM_NET_TLS_H
#define DM_NET_TLS_H

#include <stddef.h>

#include "common/net/http.h"

struct dm_tls;
/* Byte-stream I/O the TLS layer runs on; return bytes moved or -1. */
typedef int (*dm_tls_rd_fn)(void *ctx, unsigned char *buf, size_t len);
typedef int (*dm_tls_wr_fn)(void *ctx, const unsigned char *buf, size_t len);

/*
 * Starts a TLS client on the stream for `host` (SNI unless an IP literal):
 * certificate checked against the anchors of `ca_file` (then `host` must be
 * a name: no certificate names an IP we could check) or, with `pin_sha256`,
 * by fingerprint. DM_EINVAL on a bad pin or an unpinned IP host, DM_EUNAVAIL
 * if no trust anchors load, DM_ENOMEM; `err` says which.
 * Ownership: *ret is freed with dm_tls_free().
 */
int dm_tls_new(const char *host, const char *pin_sha256, const char *ca_file, dm_tls_rd_fn rd,
	       dm_tls_wr_fn wr, void *io_ctx, struct dm_tls **ret, char err[DM_HTTP_ERR_MAX])
    __attribute__((warn_unused_result));
/* Writes everything and flushes; the handshake runs on first use. -1 on failure. */
int dm_tls_write_all(struct dm_tls *t, const void *p, size_t len);
/* Reads up to `len` bytes; 0 at a clean or unclean end, -1 on failure. */
long dm_tls_read(struct dm_tls *t, void *p, size_t len);
/* A reason for the last failure ("certificate not trusted", ...). */
const char *dm_tls_error(const struct dm_tls *t);
void dm_tls_free(struct dm_tls *t);

#endif
