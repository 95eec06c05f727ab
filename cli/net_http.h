/*
 * The HTTP(S) client for node writes, registration and DoH: one request per
 * connection (the node answers HTTP/1.0 and closes), connect and I/O
 * deadlines so a node that is down fails fast, and TLS through BearSSL with
 * the server's certificate checked against the system CA bundle or, for
 * self-signed nodes, a pinned SHA-256 fingerprint of its certificate.
 */
#ifndef DM_CLI_NET_HTTP_H
#define DM_CLI_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/net_dns.h"

#define CLI_HTTP_BODY_MAX   (1024 * 1024)
#define CLI_HTTP_HOST_MAX   256
#define CLI_CA_BUNDLE	    "/etc/ssl/certs/ca-certificates.crt"
#define CLI_HTTP_TIMEOUT_MS 10000

struct cli_url {
	char scheme[8];		      /* "http" or "https" */
	char host[CLI_HTTP_HOST_MAX]; /* without brackets */
	uint16_t port;
	bool port_explicit;
	char *path; /* "/..." including any query */
};

/*
 * Parses `http[s]://host[:port][/path]`; a bare `host[:port][/path]` gets
 * `https://` (as the reference does). DM_EINVAL otherwise. Free with
 * cli_url_free().
 */
int cli_url_parse(const char *url, struct cli_url *ret) __attribute__((warn_unused_result));
void cli_url_free(struct cli_url *u);
/* True if `host` is localhost or a loopback IP literal. */
bool cli_host_is_loopback(const char *host);

struct cli_http_opts {
	int timeout_ms;		  /* connect + whole exchange; 0: CLI_HTTP_TIMEOUT_MS */
	const char *bearer;	  /* Authorization: Bearer, or NULL */
	const char *content_type; /* for a body, default application/json */
	const char *accept;	  /* or NULL */
	const char *pin_sha256;	  /* hex SHA-256 of the server certificate, or NULL: CA bundle */
	const char *ca_file;	  /* NULL: CLI_CA_BUNDLE */
};

struct cli_http_resp {
	int status;
	char *content_type; /* or NULL */
	char *body;	    /* NUL-terminated, never NULL after success */
	size_t body_len;
};

/*
 * Performs one request. 0 when a response arrived (any status); negative
 * with a one-line reason naming the server in `err` (capacity CLI_ERR_MAX)
 * when none did. Fills *ret (free with cli_http_resp_free()) only on success.
 */
int cli_http_request(const char *method, const char *url, const void *body, size_t body_len,
		     const struct cli_http_opts *o, struct cli_http_resp *ret, char *err)
    __attribute__((warn_unused_result));
void cli_http_resp_free(struct cli_http_resp *r);

/* The "error" string of a JSON error body, else the body's first 200 bytes. Caller frees. */
char *cli_http_error_text(const struct cli_http_resp *r);

/* ---- TLS (net_tls.c) ----------------------------------------------------- */

struct cli_tls;
/* Byte-stream I/O the TLS layer runs on; return bytes moved or -1. */
typedef int (*cli_tls_rd_fn)(void *ctx, unsigned char *buf, size_t len);
typedef int (*cli_tls_wr_fn)(void *ctx, const unsigned char *buf, size_t len);

/*
 * Starts a TLS client on the stream (read/write callbacks) for `host`:
 * certificate checked against the CA bundle (then `host` must be a name, not
 * an IP literal) or, with `pin_sha256`, by fingerprint. DM_EINVAL on a bad
 * pin or an unpinned IP host, DM_EUNAVAIL if no trust anchors load.
 */
int cli_tls_new(const char *host, const char *pin_sha256, const char *ca_file, cli_tls_rd_fn rd,
		cli_tls_wr_fn wr, void *io_ctx, struct cli_tls **ret, char *err)
    __attribute__((warn_unused_result));
/* Writes everything and flushes; the handshake runs on first use. -1 on failure. */
int cli_tls_write_all(struct cli_tls *t, const void *p, size_t len);
/* Reads up to `len` bytes; 0 at a clean or unclean end, -1 on failure. */
long cli_tls_read(struct cli_tls *t, void *p, size_t len);
/* A reason for the last failure ("certificate not trusted", ...). */
const char *cli_tls_error(const struct cli_tls *t);
void cli_tls_free(struct cli_tls *t);

#endif
