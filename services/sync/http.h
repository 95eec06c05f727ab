/*
 * The sync service's HTTP client: one blocking request per connection
 * (peers answer HTTP/1.0 and close; ours keep-alive but we ask them to
 * close), plain HTTP to loopback peers only, HTTPS through BearSSL with the
 * peer's certificate checked against DMP_SYNC_CA_FILE or the system CA
 * bundle. Runs on libuv's thread pool (worker.c), never on the event loop,
 * so a slow peer cannot stall the watchdog. Every byte sent and received is
 * counted, for the benchmark and the per-round log line.
 */
#ifndef DM_SYNC_HTTP_H
#define DM_SYNC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNC_HTTP_HOST_MAX   256
#define SYNC_HTTP_BODY_MAX   (32u << 20) /* a pull of 256 full RRsets fits */
#define SYNC_HTTP_TIMEOUT_MS 5000	 /* node.md §15 */
#define SYNC_CA_BUNDLE	     "/etc/ssl/certs/ca-certificates.crt"

struct sync_url {
	bool tls;
	char host[SYNC_HTTP_HOST_MAX]; /* without brackets */
	uint16_t port;
	char path[SYNC_HTTP_HOST_MAX]; /* the base path, without a trailing '/' */
};

/* Parses `http[s]://host[:port][/path]`. DM_EINVAL otherwise. */
int sync_url_parse(const char *url, struct sync_url *ret) __attribute__((warn_unused_result));
/* True if `host` is localhost or a loopback IP literal. */
bool sync_host_is_loopback(const char *host);

struct sync_http_resp {
	int status;
	char *body; /* NUL-terminated; owned */
	size_t body_len;
	uint64_t bytes_out, bytes_in; /* on the wire, TLS records included */
};

/*
 * Loads the trust anchors once (call before any request, from one thread).
 * Returns the number loaded.
 */
size_t sync_tls_init(const char *ca_file);

/*
 * One request to `u` with `target` ("/v1/...?...") and the bearer token.
 * 0 when a response arrived (any status), else a negative code with a
 * reason in `err`. *ret is always written: the byte counters, and on
 * success the status and the body (caller frees; NULL on failure).
 */
int sync_http_request(const struct sync_url *u, const char *method, const char *target,
		      const char *token, const void *body, size_t body_len, int timeout_ms,
		      struct sync_http_resp *ret, char *err, size_t errlen);

#endif
