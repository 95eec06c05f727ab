#include "common/net/response.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

/* A chunk-size line or trailer line longer than this is not HTTP. */
#define LINE_MAX_LEN 1024

/* ---- the header block --------------------------------------------------------- */

static size_t find_blank_line(const char *p, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (p[i] == '\r' && !memcmp(p + i, "\r\n\r\n", 4))
			return i + 4;
	return 0;
}

/*
 * The next value of header `name` in the block, starting the line scan at
 * *pos (0 for the first call); NULL when there is no further one.
 */
static const char *header_next(const char *h, size_t hlen, const char *name, size_t *pos,
			       size_t *ret_len)
{
	size_t nl = strlen(name);
	while (*pos < hlen) {
		const char *line = h + *pos;
		const char *eol = memchr(line, '\n', hlen - *pos);
		size_t ll = eol != NULL ? (size_t)(eol - line) : hlen - *pos;
		*pos += ll + 1;
		if (ll > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1, *e = line + ll;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*ret_len = (size_t)(e - v);
			return v;
		}
	}
	return NULL;
}

/* Digits only, no sign or space; DM_ETOOBIG over `max`. */
static int parse_length(const char *v, size_t vl, size_t max, size_t *ret)
{
	size_t n = 0;
	if (vl == 0)
		return DM_EPROTO;
	for (size_t i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9')
			return DM_EPROTO;
		size_t d = (size_t)(v[i] - '0');
		if (n > max / 10 || d > max - n * 10)
			return DM_ETOOBIG;
		n = n * 10 + d;
	}
	*ret = n;
	return 0;
}

/* True if the last coding of a Transfer-Encoding list is "chunked". */
static bool last_coding_chunked(const char *v, size_t vl)
{
	size_t start = vl;
	while (start > 0 && v[start - 1] != ',')
		start--;
	while (start < vl && (v[start] == ' ' || v[start] == '\t'))
		start++;
	return vl - start == 7 && !strncasecmp(v + start, "chunked", 7);
}

/* Status line and framing headers of the block p[0, hlen). */
static int read_headers(struct dm_http_frame *f, const char *p, size_t hlen, size_t body_max)
{
	size_t pos = 0, vl, n;
	const char *v;
	int status = 0;

	/* "HTTP/1.x NNN" then a reason phrase or the line end */
	if (hlen < 14 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
		return DM_EPROTO;
	for (int i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return DM_EPROTO;
		status = status * 10 + (p[i] - '0');
	}
	if (p[12] != ' ' && p[12] != '\r')
		return DM_EPROTO;
	/* An interim (1xx) response is never asked for: no Expect header is sent. */
	if (status < 200 || status > 599)
		return DM_EPROTO;
	f->status = status;
	f->header_len = hlen;
	if (status == 204 || status == 304) {
		f->mode = DM_HTTP_FRAME_EMPTY;
		return 0;
	}
	/* Transfer-Encoding overrides Content-Length (RFC 9112 §6.3). */
	if ((v = header_next(p, hlen, "Transfer-Encoding", &pos, &vl)) != NULL) {
		f->mode = last_coding_chunked(v, vl) ? DM_HTTP_FRAME_CHUNKED : DM_HTTP_FRAME_CLOSE;
		f->chunk_off = hlen;
		f->body_len = 0;
		return 0;
	}
	pos = 0;
	if ((v = header_next(p, hlen, "Content-Length", &pos, &vl)) != NULL) {
		int r = parse_length(v, vl, body_max, &n);
		if (r < 0)
			return r;
		/* Differing duplicates would let two parsers see two bodies. */
		while ((v = header_next(p, hlen, "Content-Length", &pos, &vl)) != NULL) {
			size_t m;
			r = parse_length(v, vl, body_max, &m);
			if (r < 0)
				return r;
			if (m != n)
				return DM_EPROTO;
		}
		f->mode = DM_HTTP_FRAME_LENGTH;
		f->body_len = n;
		return 0;
	}
	f->mode = DM_HTTP_FRAME_CLOSE;
	return 0;
}

/* ---- chunked bodies ----------------------------------------------------------- */

/* Offset just past the '\n' ending the line at `off`, or 0 if none yet. */
static size_t line_end(const char *p, size_t len, size_t off)
{
	const char *eol = memchr(p + off, '\n', len - off);
	return eol != NULL ? (size_t)(eol - p) + 1 : 0;
}

/*
 * Walks the chunks from f->chunk_off, adding to f->body_len and copying the
 * data to `out` (NULL: only check). Same results as dm_http_frame_check.
 */
static int walk_chunks(struct dm_http_frame *f, const char *p, size_t len, bool eof,
		       size_t body_max, char *out)
{
	for (;;) {
		size_t off = f->chunk_off, next = line_end(p, len, off), size = 0, i = off;
		if (next == 0)
			return eof || len - off > LINE_MAX_LEN ? DM_EPROTO : 0;
		if (next - off > LINE_MAX_LEN)
			return DM_EPROTO;
		for (; i < next - 1; i++) {
			int d;
			char c = p[i];
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (c | 0x20) - 'a' + 10;
			else
				break;
			if (size > (body_max - f->body_len) / 16)
				return DM_ETOOBIG;
			size = size * 16 + (size_t)d;
		}
		if (i == off ||
		    (p[i] != ';' && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n'))
			return DM_EPROTO;
		if (size > body_max - f->body_len)
			return DM_ETOOBIG;
		if (size == 0) {
			/* The last chunk: trailers (ignored) up to an empty line. */
			for (size_t t = next;;) {
				size_t te = line_end(p, len, t);
				/* A peer closing right after the last chunk sent the whole body. */
				if (te == 0 && eof)
					return 1;
				if (te == 0)
					return len - next > DM_HTTP_HEADER_MAX ? DM_ETOOBIG : 0;
				if (te - t == 1 || (te - t == 2 && p[t] == '\r'))
					return 1;
				if (te - next > DM_HTTP_HEADER_MAX)
					return DM_ETOOBIG;
				t = te;
			}
		}
		/* The data, then CRLF (a bare LF is tolerated, as for every line). */
		if (len - next < size + 1)
			return eof ? DM_EPROTO : 0;
		size_t end = next + size;
		if (p[end] == '\r') {
			if (len - end < 2)
				return eof ? DM_EPROTO : 0;
			if (p[end + 1] != '\n')
				return DM_EPROTO;
			end += 2;
		} else if (p[end] == '\n') {
			end += 1;
		} else {
			return DM_EPROTO;
		}
		if (out != NULL)
			memcpy(out + f->body_len, p + next, size);
		f->body_len += size;
		f->chunk_off = end;
	}
}

/* ---- the response ------------------------------------------------------------- */

int dm_http_frame_check(struct dm_http_frame *f, const char *p, size_t len, bool eof,
			size_t body_max)
{
	if (f->mode == DM_HTTP_FRAME_HEADERS) {
		size_t scan = len < DM_HTTP_HEADER_MAX ? len : DM_HTTP_HEADER_MAX;
		size_t hlen = find_blank_line(p, scan);
		if (hlen == 0) {
			if (len >= DM_HTTP_HEADER_MAX)
				return DM_ETOOBIG;
			return eof ? DM_EPROTO : 0;
		}
		int r = read_headers(f, p, hlen, body_max);
		if (r < 0) {
			f->mode = DM_HTTP_FRAME_HEADERS;
			return r;
		}
	}
	size_t have = len - f->header_len;
	switch (f->mode) {
	case DM_HTTP_FRAME_EMPTY:
		return 1;
	case DM_HTTP_FRAME_LENGTH:
		if (have >= f->body_len)
			return 1;
		return eof ? DM_EPROTO : 0;
	case DM_HTTP_FRAME_CHUNKED:
		return walk_chunks(f, p, len, eof, body_max, NULL);
	case DM_HTTP_FRAME_CLOSE:
		if (have > body_max)
			return DM_ETOOBIG;
		return eof ? 1 : 0;
	default:
		return DM_EPROTO;
	}
}

static char *dup_n(const char *p, size_t n)
{
	char *q = malloc(n + 1);
	if (q != NULL) {
		memcpy(q, p, n);
		q[n] = '\0';
	}
	return q;
}

int dm_http_response_parse(const char *p, size_t len, size_t body_max, struct dm_http_resp *ret)
{
	struct dm_http_frame f = {0};
	struct dm_http_resp r = {0};
	size_t pos = 0, vl;
	const char *v;
	int rc = dm_http_frame_check(&f, p, len, true, body_max);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return DM_EPROTO;
	if ((v = header_next(p, f.header_len, "Content-Type", &pos, &vl)) != NULL &&
	    (r.content_type = dup_n(v, vl)) == NULL)
		return DM_ENOMEM;
	switch (f.mode) {
	case DM_HTTP_FRAME_LENGTH:
		r.body_len = f.body_len;
		r.body = dup_n(p + f.header_len, r.body_len);
		break;
	case DM_HTTP_FRAME_CLOSE:
		r.body_len = len - f.header_len;
		r.body = dup_n(p + f.header_len, r.body_len);
		break;
	case DM_HTTP_FRAME_CHUNKED:
		r.body_len = f.body_len;
		if ((r.body = malloc(r.body_len + 1)) != NULL) {
			f.chunk_off = f.header_len;
			f.body_len = 0;
			if (walk_chunks(&f, p, len, true, body_max, r.body) != 1 ||
			    f.body_len != r.body_len) {
				dm_http_resp_free(&r);
				return DM_EPROTO;
			}
			r.body[r.body_len] = '\0';
		}
		break;
	default:
		r.body = dup_n("", 0);
		break;
	}
	if (r.body == NULL) {
		dm_http_resp_free(&r);
		return DM_ENOMEM;
	}
	r.status = f.status;
	*ret = r;
	return 0;
}

void dm_http_resp_free(struct dm_http_resp *r)
{
	free(r->body);
	free(r->content_type);
	memset(r, 0, sizeof(*r));
}
