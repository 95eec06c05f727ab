/*
 * HTTP/1.x response framing and parsing, apart from any socket so unit tests
 * and the fuzzer reach it: where the header block ends, how the body is
 * delimited (Content-Length, chunked, none, or the end of the stream),
 * whether a buffer holds the whole response yet, and the decoded result.
 * Every length is checked against the caller's cap before it is trusted.
 */
#ifndef DM_NET_RESPONSE_H
#define DM_NET_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/net/http.h"

enum dm_http_framing {
	DM_HTTP_FRAME_HEADERS, /* header block not complete yet */
	DM_HTTP_FRAME_LENGTH,  /* Content-Length */
	DM_HTTP_FRAME_CHUNKED, /* Transfer-Encoding: chunked */
	DM_HTTP_FRAME_EMPTY,   /* 1xx, 204, 304: no body */
	DM_HTTP_FRAME_CLOSE,   /* the body runs to the end of the stream */
};

/* How far a growing response buffer has been checked; start from {0}. */
struct dm_http_frame {
	enum dm_http_framing mode;
	size_t header_len; /* through the blank line, once known */
	size_t body_len;   /* declared (LENGTH) or decoded so far (CHUNKED) */
	size_t chunk_off;  /* CHUNKED: offset of the next chunk-size line */
	int status;
};

/*
 * Checks the first `len` bytes of a response read so far (the same buffer,
 * only ever growing, on each call); `eof` when the stream has ended. 1 when
 * it holds the whole response, 0 when more is needed, DM_EPROTO when
 * malformed or cut short, DM_ETOOBIG when the body or header block exceeds
 * its cap (`body_max`, DM_HTTP_HEADER_MAX).
 */
int dm_http_frame_check(struct dm_http_frame *f, const char *p, size_t len, bool eof,
			size_t body_max) __attribute__((warn_unused_result));

/*
 * Parses a whole response (the stream has ended, or the framing says it is
 * complete): status, Content-Type and the decoded body. DM_EPROTO,
 * DM_ETOOBIG or DM_ENOMEM otherwise.
 * Ownership: fills *ret only on success; free with dm_http_resp_free().
 */
int dm_http_response_parse(const char *p, size_t len, size_t body_max, struct dm_http_resp *ret)
    __attribute__((warn_unused_result));

#endif
