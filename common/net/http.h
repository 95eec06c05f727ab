/*
 * The one HTTP(S) client of the CLI, the sync service and the heartbeat
 * service: one blocking request per connection ("Connection: close"), a
 * deadline covering connect and the whole exchange so a node that is down
 * fails fast, a cap on the response, Content-Length and chunked bodies, and
 * TLS through BearSSL with the server's certificate checked against a CA
 * bundle or, for self-signed nodes, a pinned SHA-256 fingerprint of it.
 * Every failure comes back as a negative code and one line naming the
 * server. Thread-safe: the services call it from libuv's thread pool so a
 * slow peer never stalls their event loop.
 */
#ifndef DM_NET_HTTP_H
#define DM_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_HTTP_HOST_MAX   256
#define DM_HTTP_ERR_MAX	   512		 /* capacity of every `err` buffer */
#define DM_HTTP_HEADER_MAX (64 * 1024)	 /* response status line + headers */
#define DM_HTTP_BODY_MAX   (1024 * 1024) /* default cap on a decoded body */
#define DM_HTTP_TIMEOUT_MS 10000
#define DM_HTTP_CA_BUNDLE  "/etc/ssl/certs/ca-certificates.crt"

struct dm_http_url {
	char scheme[8];		     /* "http" or "https" */
	char host[DM_HTTP_HOST_MAX]; /* without brackets */
	uint16_t port;
	bool port_explicit;
	char *path; /* "/..." including any query; owned */
};

/*
 * Parses `http[s]://host[:port][/path]`; a bare `host[:port][/path]` gets
 * `https://` (as the reference does). DM_EINVAL otherwise, DM_ENOMEM.
 * Ownership: free with dm_http_url_free().
 */
int dm_http_url_parse(const char *url, struct dm_http_url *ret) __attribute__((warn_unused_result));
void dm_http_url_free(struct dm_http_url *u);
/* True if `host` is localhost or a loopback IP literal. */
bool dm_http_host_is_loopback(const char *host);

/* Bytes on the wire (TLS records included), for benchmarks and logs. */
struct dm_http_traffic {
	uint64_t out, in;
};

struct dm_http_opts {
	int timeout_ms;		  /* connect + whole exchange; 0: DM_HTTP_TIMEOUT_MS */
	size_t body_max;	  /* cap on the decoded body; 0: DM_HTTP_BODY_MAX */
	const char *bearer;	  /* Authorization: Bearer, or NULL */
	const char *content_type; /* for a body, default application/json */
	const char *accept;	  /* or NULL */
	const char *pin_sha256;	  /* hex SHA-256 of the server certificate, or NULL: CA bundle */
	const char *ca_file;	  /* NULL or "": DM_HTTP_CA_BUNDLE */
	struct dm_http_traffic *traffic; /* or NULL; added to even when the request fails */
};

struct dm_http_resp {
	int status;
	char *content_type; /* or NULL */
	char *body;	    /* NUL-terminated, never NULL after success */
	size_t body_len;
};

/*
 * Performs one request; `body` NULL sends none. 0 when a response arrived
 * (any status); negative with a one-line reason naming the server in `err`
 * when none did (DM_EINVAL bad URL or pin, DM_EUNAVAIL unreachable or TLS
 * failure, DM_EPROTO malformed, DM_ETOOBIG over the cap, DM_ENOMEM).
 * Ownership: fills *ret only on success; free with dm_http_resp_free().
 */
int dm_http_request(const char *method, const char *url, const void *body, size_t body_len,
		    const struct dm_http_opts *o, struct dm_http_resp *ret,
		    char err[DM_HTTP_ERR_MAX]) __attribute__((warn_unused_result));
void dm_http_resp_free(struct dm_http_resp *r);

/*
 * Loads the trust anchors of `ca_file` (NULL or "": DM_HTTP_CA_BUNDLE) if
 * none were loaded yet; the first call wins for the whole process. Requests
 * call it themselves; a service calls it at start-up to log an empty bundle
 * early. Returns the number of anchors loaded.
 */
size_t dm_http_tls_init(const char *ca_file);

/*
 * The "error" string of a JSON error body, else the body's first 200 bytes
 * on one line, cut to fit `out`; "" when there is neither.
 */
void dm_http_error_text(const struct dm_http_resp *r, char out[DM_HTTP_ERR_MAX]);

#endif
