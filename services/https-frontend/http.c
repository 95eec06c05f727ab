#include "services/https-frontend/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	H_OTHER,
	H_CONTENT_LENGTH,
	H_TRANSFER_ENCODING,
	H_AUTHORIZATION,
	H_CONTENT_TYPE,
	H_HOST,
	H_EXPECT
};

static struct http_reader *reader_of(http_parser *p)
{
	return p->data;
}

static int fail(struct http_reader *r, int status, const char *msg)
{
	if (r->error_status == 0) {
		r->error_status = status;
		r->error_msg = msg;
	}
	return -1;
}

/* Counts head bytes; past the cap the request is refused. */
static int head_add(struct http_reader *r, size_t n)
{
	r->head_bytes += n;
	if (r->head_bytes > HTTP_HEADER_MAX)
		return fail(r, 431, "request header fields too large");
	return 0;
}

static int on_message_begin(http_parser *p)
{
	struct http_reader *r = reader_of(p);
	free(r->cur);
	/* Not calloc: zeroing the 25 KiB buffers per request costs more than parsing. */
	r->cur = malloc(sizeof(*r->cur));
	if (r->cur == NULL)
		return fail(r, 503, "out of memory");
	struct http_request *q = r->cur;
	q->method = 0;
	q->major = q->minor = 0;
	q->keep_alive = false;
	q->target[0] = '\0';
	q->target_len = 0;
	q->authorization[0] = '\0';
	q->authorization_len = 0;
	q->has_authorization = false;
	q->content_type[0] = '\0';
	q->host[0] = '\0';
	q->body[0] = '\0';
	q->body_len = 0;
	r->head_bytes = 0;
	r->headers_done = false;
	r->field_len = 0;
	r->in_value = false;
	r->which = H_OTHER;
	r->n_content_length = r->n_authorization = r->n_transfer_encoding = r->n_host = 0;
	r->expect[0] = '\0';
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);
	struct http_request *q = r->cur;
	if (head_add(r, len) < 0)
		return -1;
	if (q->target_len + len > HTTP_HEADER_MAX)
		return fail(r, 414, "request target too long");
	memcpy(q->target + q->target_len, at, len);
	q->target_len += len;
	q->target[q->target_len] = '\0';
	return 0;
}

static int classify(const char *f, size_t len)
{
	static const struct {
		const char *name;
		int id;
	} known[] = {
	    {"content-length", H_CONTENT_LENGTH},
	    {"transfer-encoding", H_TRANSFER_ENCODING},
	    {"authorization", H_AUTHORIZATION},
	    {"content-type", H_CONTENT_TYPE},
	    {"host", H_HOST},
	    {"expect", H_EXPECT},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == len && strncasecmp(known[i].name, f, len) == 0)
			return known[i].id;
	return H_OTHER;
}

/* A header's name is complete: count it, refuse smuggling shapes early. */
static int field_done(struct http_reader *r)
{
	r->which = r->field_len <= sizeof(r->field) ? classify(r->field, r->field_len) : H_OTHER;
	r->value_len = 0;
	switch (r->which) {
	case H_CONTENT_LENGTH:
		if (++r->n_content_length > 1)
			return fail(r, 400, "duplicate Content-Length");
		break;
	case H_TRANSFER_ENCODING:
		r->n_transfer_encoding++;
		break;
	case H_AUTHORIZATION:
		if (++r->n_authorization > 1)
			return fail(r, 400, "duplicate Authorization");
		r->cur->has_authorization = true;
		break;
	case H_HOST:
		if (++r->n_host > 1)
			return fail(r, 400, "duplicate Host");
		break;
	}
	if (r->n_content_length > 0 && r->n_transfer_encoding > 0)
		return fail(r, 400, "Content-Length with Transfer-Encoding");
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);
	if (head_add(r, len + 4) < 0)
		return -1;
	if (r->in_value) {
		r->in_value = false;
		r->field_len = 0;
	}
	size_t room = sizeof(r->field) - (r->field_len < sizeof(r->field) ? r->field_len : 0);
	if (r->field_len < sizeof(r->field))
		memcpy(r->field + r->field_len, at, len < room ? len : room);
	r->field_len += len;
	return 0;
}

/* Appends to a bounded NUL-terminated header copy; over-long is an error. */
static int append_value(struct http_reader *r, char *dst, size_t cap, size_t *dlen, const char *at,
			size_t len, const char *what)
{
	if (*dlen + len > cap)
		return fail(r, 431, what);
	memcpy(dst + *dlen, at, len);
	*dlen += len;
	dst[*dlen] = '\0';
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);
	struct http_request *q = r->cur;
	if (head_add(r, len) < 0)
		return -1;
	if (!r->in_value) {
		r->in_value = true;
		if (field_done(r) < 0)
			return -1;
	}
	switch (r->which) {
	case H_CONTENT_LENGTH:
		/* http-parser checks the digits; a sign or space would be refused there */
		for (size_t i = 0; i < len; i++)
			if (at[i] < '0' || at[i] > '9')
				return fail(r, 400, "invalid Content-Length");
		break;
	case H_AUTHORIZATION:
		return append_value(r, q->authorization, HTTP_AUTH_MAX, &q->authorization_len, at,
				    len, "Authorization header too long");
	case H_CONTENT_TYPE: {
		size_t n = strlen(q->content_type);
		return append_value(r, q->content_type, HTTP_CTYPE_MAX, &n, at, len,
				    "Content-Type header too long");
	}
	case H_HOST: {
		size_t n = strlen(q->host);
		return append_value(r, q->host, HTTP_HOST_MAX, &n, at, len, "Host header too long");
	}
	case H_EXPECT: {
		size_t n = strlen(r->expect);
		if (n + len < sizeof(r->expect)) {
			memcpy(r->expect + n, at, len);
			r->expect[n + len] = '\0';
		}
		break;
	}
	}
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct http_reader *r = reader_of(p);
	struct http_request *q = r->cur;
	/* A header with an empty value never reached on_header_value. */
	if (!r->in_value && r->field_len > 0 && field_done(r) < 0)
		return -1;
	r->headers_done = true;
	q->method = p->method;
	q->major = p->http_major;
	q->minor = p->http_minor;
	if (q->major != 1)
		return fail(r, 505, "HTTP version not supported");
	if (q->minor == 1 && r->n_host == 0)
		return fail(r, 400, "missing Host header");
	if (r->n_content_length > 0 && p->content_length > HTTP_BODY_MAX)
		return fail(r, 413, "request body too large");
	if (r->expect[0] != '\0') {
		if (strcasecmp(r->expect, "100-continue") != 0)
			return fail(r, 417, "unsupported Expect");
		r->expect_continue =
		    q->minor == 1 && p->content_length > 0 && p->content_length != UINT64_MAX;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);
	struct http_request *q = r->cur;
	if (q->body_len + len > HTTP_BODY_MAX)
		return fail(r, 413, "request body too large");
	memcpy(q->body + q->body_len, at, len);
	q->body_len += len;
	q->body[q->body_len] = '\0';
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_reader *r = reader_of(p);
	r->cur->keep_alive = http_should_keep_alive(p) != 0;
	/* One request at a time: the caller answers it before parsing on. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void http_reader_init(struct http_reader *r)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

void http_reader_done(struct http_reader *r)
{
	free(r->cur);
	r->cur = NULL;
}

/* Maps a parser error to the status we answer with. */
static void parser_error(struct http_reader *r)
{
	enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
	switch (e) {
	case HPE_INVALID_METHOD:
		fail(r, 501, "method not implemented");
		break;
	case HPE_INVALID_CONTENT_LENGTH:
		fail(r, 400, "invalid Content-Length");
		break;
	case HPE_UNEXPECTED_CONTENT_LENGTH:
		/* http-parser stops at the offending header, before we count it */
		fail(r, 400,
		     r->n_transfer_encoding ? "Content-Length with Transfer-Encoding"
					    : "duplicate Content-Length");
		break;
	case HPE_INVALID_TRANSFER_ENCODING:
		fail(r, 501, "unsupported Transfer-Encoding");
		break;
	case HPE_HEADER_OVERFLOW:
		fail(r, 431, "request header fields too large");
		break;
	case HPE_INVALID_VERSION:
		fail(r, 505, "HTTP version not supported");
		break;
	default:
		fail(r, 400, "malformed request");
		break;
	}
}

enum http_event http_reader_feed(struct http_reader *r, const uint8_t *data, size_t len,
				 size_t *ret_used)
{
	*ret_used = 0;
	if (r->error_status != 0)
		return HTTP_EV_ERROR;
	if (HTTP_PARSER_ERRNO(&r->parser) == HPE_PAUSED)
		http_parser_pause(&r->parser, 0);
	if (len == 0)
		return HTTP_EV_MORE;
	r->started = true;
	size_t n = http_parser_execute(&r->parser, &settings, (const char *)data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
	*ret_used = n > len ? len : n;
	if (e == HPE_PAUSED) {
		/* message complete */
		if (r->parser.upgrade)
			r->upgrade = true;
		r->started = false;
		return HTTP_EV_REQUEST;
	}
	if (e != HPE_OK || r->error_status != 0) {
		if (e == HPE_INVALID_METHOD && r->error_status == 0) {
			/* a method we do not know is 501; bytes that are no method at all, 400 */
			size_t i = 0;
			while (i < len && data[i] >= 'A' && data[i] <= 'Z')
				i++;
			if (i == 0 || i == len || data[i] != ' ')
				fail(r, 400, "malformed request");
		}
		if (r->error_status == 0)
			parser_error(r);
		return HTTP_EV_ERROR;
	}
	if (r->parser.upgrade) {
		/* CONNECT or Upgrade: not ours to speak */
		fail(r, 501, "upgrade not supported");
		return HTTP_EV_ERROR;
	}
	return HTTP_EV_MORE;
}

struct http_request *http_reader_take(struct http_reader *r)
{
	struct http_request *q = r->cur;
	r->cur = NULL;
	r->expect_continue = false;
	return q;
}

/* ---- responses ---- */

void http_buf_append(struct http_buf *b, const void *data, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 512;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void http_buf_printf(struct http_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = true;
		return;
	}
	http_buf_append(b, tmp, (size_t)n);
}

void http_buf_free(struct http_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const char *http_reason(int status)
{
	switch (status) {
#define XX(num, name, string)                                                                      \
	case num:                                                                                  \
		return #string;
		HTTP_STATUS_MAP(XX)
#undef XX
	default:
		return "Unknown";
	}
}

void http_write_response(struct http_buf *out, unsigned short minor, bool keep_alive, int status,
			 const char *ctype, const char *extra, const void *body, size_t body_len,
			 bool head_only)
{
	/* Reason phrases with spaces come out of HTTP_STATUS_MAP as identifiers. */
	char reason[64];
	snprintf(reason, sizeof(reason), "%s", http_reason(status));
	for (char *c = reason; *c; c++)
		if (*c == '_')
			*c = ' ';
	http_buf_printf(out, "HTTP/1.%u %d %s\r\nServer: dnsmesh\r\n", minor ? 1u : 0u, status,
			reason);
	if (ctype != NULL)
		http_buf_printf(out, "Content-Type: %s\r\n", ctype);
	http_buf_printf(out, "Content-Length: %zu\r\n", body_len);
	if (!keep_alive)
		http_buf_append(out, "Connection: close\r\n", 19);
	else if (minor == 0)
		http_buf_append(out, "Connection: keep-alive\r\n", 24);
	if (extra != NULL)
		http_buf_append(out, extra, strlen(extra));
	http_buf_append(out, "\r\n", 2);
	if (!head_only && body_len > 0)
		http_buf_append(out, body, body_len);
}
