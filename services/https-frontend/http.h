/*
 * HTTP/1.x request framing for the https-frontend, on nodejs http-parser
 * (docs/DEPENDENCIES.md says why), plus the response writer.
 *
 * The reader turns a byte stream into one request at a time and refuses
 * what a request smuggler or a slow attacker would send, before anything
 * reaches a handler: Content-Length together with Transfer-Encoding, a
 * duplicate or non-numeric Content-Length, a duplicate Authorization,
 * headers over HTTP_HEADER_MAX bytes, bodies over HTTP_BODY_MAX, NUL or
 * other control bytes anywhere in the head. Each refusal carries the status
 * and JSON error text to answer with; the connection is closed after it.
 * Pure: no I/O, no clock.
 */
#ifndef HTTPSFE_HTTP_H
#define HTTPSFE_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEADER_MAX (8 * 1024)  /* request line + header fields */
#define HTTP_BODY_MAX	(16 * 1024) /* the reference's MAX_BODY_BYTES */
#define HTTP_AUTH_MAX	512
#define HTTP_CTYPE_MAX	128
#define HTTP_HOST_MAX	256

/* One complete request. The body is NUL-terminated for convenience. */
struct http_request {
	unsigned method; /* enum http_method */
	unsigned short major, minor;
	bool keep_alive;
	char target[HTTP_HEADER_MAX + 1]; /* raw request target */
	size_t target_len;
	char authorization[HTTP_AUTH_MAX + 1];
	size_t authorization_len;
	bool has_authorization;
	char content_type[HTTP_CTYPE_MAX + 1];
	char host[HTTP_HOST_MAX + 1];
	uint8_t body[HTTP_BODY_MAX + 1];
	size_t body_len;
};

enum http_event {
	HTTP_EV_MORE = 0,    /* everything consumed; feed more bytes */
	HTTP_EV_REQUEST = 1, /* a request is complete: take it with http_reader_take() */
	HTTP_EV_ERROR = 2,   /* refuse with reader->error_status / error_msg, then close */
};

struct http_reader {
	http_parser parser;
	struct http_request *cur; /* being filled; NULL between requests */
	size_t head_bytes;
	bool started; /* a byte of the current request arrived */
	bool headers_done;
	bool expect_continue; /* answer "100 Continue" now (set once per request) */
	bool upgrade;	      /* the peer asked for Upgrade/CONNECT: close after the answer */
	int error_status;     /* 4xx/5xx with HTTP_ERROR */
	const char *error_msg;
	/* header being assembled */
	char field[32];
	size_t field_len;
	bool in_value;
	int which; /* header the current value belongs to */
	size_t value_len;
	unsigned n_content_length, n_authorization, n_transfer_encoding, n_host;
	char expect[32];
};

/* Resets `r` for a new connection. */
void http_reader_init(struct http_reader *r);
/* Frees a half-read request. */
void http_reader_done(struct http_reader *r);

/*
 * Parses up to `len` bytes, stopping right after one complete request.
 * Sets *ret_used to the bytes consumed and returns the event. Bytes after a
 * complete request are left for the next call.
 */
enum http_event http_reader_feed(struct http_reader *r, const uint8_t *data, size_t len,
				 size_t *ret_used);

/* Hands over the completed request; caller frees it with free(). */
struct http_request *http_reader_take(struct http_reader *r);

/* A growable output buffer. */
struct http_buf {
	char *p;
	size_t len, cap;
	bool failed; /* an allocation failed; contents are unusable */
};

void http_buf_append(struct http_buf *b, const void *data, size_t len);
void http_buf_printf(struct http_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void http_buf_free(struct http_buf *b);

/* The standard reason phrase of `status` ("Unknown" if none). */
const char *http_reason(int status);

/*
 * Appends a whole response: status line in the request's HTTP version
 * (1.0 or 1.1), Content-Type (omitted if NULL), Content-Length, Connection,
 * `extra` header lines (each ending in CRLF; may be NULL), then the body
 * unless `head_only` (HEAD).
 */
void http_write_response(struct http_buf *out, unsigned short minor, bool keep_alive, int status,
			 const char *ctype, const char *extra, const void *body, size_t body_len,
			 bool head_only);

#endif
