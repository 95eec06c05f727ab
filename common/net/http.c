#include "common/net/http.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/net/response.h"
#include "common/net/tls.h"

/* Chunk framing can double a body on the wire; more than that is abuse. */
#define RAW_SLACK(body_max) (DM_HTTP_HEADER_MAX + 2 * (body_max))
/* Keeps RAW_SLACK from overflowing whatever a caller asks for. */
#define BODY_MAX_LIMIT ((size_t)1 << 30)

/* ---- sockets with a deadline ------------------------------------------------ */

struct conn {
	int fd;
	uint64_t deadline;
	struct dm_http_traffic io;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int wait_io(struct conn *c, short ev)
{
	for (;;) {
		uint64_t now = mono_ms();
		struct pollfd p = {.fd = c->fd, .events = ev};
		int r;
		if (now >= c->deadline)
			return DM_ETIMEDOUT;
		r = poll(&p, 1, (int)(c->deadline - now));
		if (r > 0)
			return 0;
		if (r == 0)
			return DM_ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * Bytes read, 0 at the end of the stream, -1 when the deadline passed. A
 * reset counts as the end: the framing decides whether the response was whole.
 */
static long plain_read(struct conn *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n;
		if (wait_io(c, POLLIN) < 0)
			return -1;
		n = recv(c->fd, buf, len, 0);
		if (n > 0) {
			c->io.in += (uint64_t)n;
			return (long)n;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return 0;
	}
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		ssize_t n;
		if (wait_io(c, POLLOUT) < 0)
			return -1;
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			c->io.out += (uint64_t)n;
			return (int)n;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/* BearSSL's read callback: -1 for the end of the stream as for an error. */
static int tls_sock_read(void *ctx, unsigned char *buf, size_t len)
{
	long n = plain_read(ctx, buf, len > INT_MAX ? INT_MAX : len);
	return n > 0 ? (int)n : -1;
}

static int plain_write_all(struct conn *c, const void *p, size_t len)
{
	const unsigned char *q = p;
	while (len > 0) {
		int n = sock_write(c, q, len);
		if (n < 0)
			return -1;
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *reason(int r)
{
	if (r == DM_ETIMEDOUT)
		return "timed out";
	if (r < 0 && r > -4096)
		return strerror(-r);
	return dm_strerror(r);
}

static int dial(const struct dm_http_url *u, struct conn *c, char err[DM_HTTP_ERR_MAX])
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int r = DM_EUNAVAIL, g;

	snprintf(port, sizeof(port), "%u", u->port);
	g = getaddrinfo(u->host, port, &hints, &res);
	if (g != 0) {
		snprintf(err, DM_HTTP_ERR_MAX, "cannot resolve %.200s: %s", u->host,
			 gai_strerror(g));
		return DM_EUNAVAIL;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			r = 0;
			break;
		}
		r = errno == EINPROGRESS ? wait_io(c, POLLOUT) : -errno;
		if (r == 0) {
			int e = 0;
			socklen_t el = sizeof(e);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
			r = -e;
		}
		if (r == 0)
			break;
		close(fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (r < 0) {
		if (u->port_explicit || strchr(u->host, ':'))
			snprintf(err, DM_HTTP_ERR_MAX, "cannot connect to %.200s:%u: %s",
				 (const char *)u->host, u->port, reason(r));
		else
			snprintf(err, DM_HTTP_ERR_MAX, "cannot connect to %.200s: %s", u->host,
				 reason(r));
	}
	return r;
}

/* ---- the request ---------------------------------------------------------------- */

static char *fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_alloc(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* No control characters: a CR or LF would end the header and start another. */
static bool header_safe(const char *v)
{
	for (; v != NULL && *v; v++)
		if ((unsigned char)*v < ' ' || (unsigned char)*v == 0x7f)
			return false;
	return true;
}

static bool method_ok(const char *m)
{
	size_t n = 0;
	for (; m[n]; n++)
		if (m[n] < 'A' || m[n] > 'Z')
			return false;
	return n > 0 && n <= 16;
}

static char *build_request(const char *method, const struct dm_http_url *u, size_t body_len,
			   bool has_body, const struct dm_http_opts *o)
{
	bool v6 = strchr(u->host, ':') != NULL;
	const char *ctype = o->content_type ? o->content_type : "application/json";
	char hostport[DM_HTTP_HOST_MAX + 16];

	if (u->port_explicit)
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]:%u" : "%s:%u",
			 (const char *)u->host, u->port);
	else
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]" : "%s", u->host);
	return fmt_alloc(
	    "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dnsmesh/%s\r\n"
	    "Connection: close\r\n%s%s%s%s%s%s%s%s%sContent-Length: %zu\r\n\r\n",
	    method, u->path, hostport, DM_VERSION, o->bearer ? "Authorization: Bearer " : "",
	    o->bearer ? o->bearer : "", o->bearer ? "\r\n" : "", has_body ? "Content-Type: " : "",
	    has_body ? ctype : "", has_body ? "\r\n" : "", o->accept ? "Accept: " : "",
	    o->accept ? o->accept : "", o->accept ? "\r\n" : "", has_body ? body_len : 0);
}

static int send_request(struct conn *c, struct dm_tls *tls, const char *req, const void *body,
			size_t body_len)
{
	if (tls != NULL) {
		if (dm_tls_write_all(tls, req, strlen(req)) < 0)
			return -1;
		return body_len > 0 ? dm_tls_write_all(tls, body, body_len) : 0;
	}
	if (plain_write_all(c, req, strlen(req)) < 0)
		return -1;
	return plain_write_all(c, body, body_len);
}

/* ---- the response ---------------------------------------------------------------- */

struct rbuf {
	char *p;
	size_t len, cap;
};

/*
 * Reads until the framing says the response is whole (or broken); then
 * parses it. `where` is "host:port" for the messages.
 */
static int read_response(struct conn *c, struct dm_tls *tls, size_t body_max, const char *where,
			 struct dm_http_resp *ret, char err[DM_HTTP_ERR_MAX])
{
	struct dm_http_frame f = {0};
	struct rbuf b = {0};
	size_t raw_max = RAW_SLACK(body_max);
	int r;

	for (;;) {
		long n;
		if (b.cap - b.len < 4096 && b.cap < raw_max) {
			size_t ncap = b.cap ? b.cap * 2 : 8192;
			char *q;
			if (ncap > raw_max)
				ncap = raw_max;
			if ((q = realloc(b.p, ncap + 1)) == NULL) {
				snprintf(err, DM_HTTP_ERR_MAX, "%s: out of memory", where);
				r = DM_ENOMEM;
				goto out;
			}
			b.p = q;
			b.cap = ncap;
		}
		if (b.len == b.cap) {
			r = DM_ETOOBIG;
			break;
		}
		n = tls != NULL ? dm_tls_read(tls, b.p + b.len, b.cap - b.len)
				: plain_read(c, b.p + b.len, b.cap - b.len);
		if (n < 0) {
			if (tls != NULL && mono_ms() < c->deadline)
				snprintf(err, DM_HTTP_ERR_MAX, "https://%s: %s", where,
					 dm_tls_error(tls));
			else
				snprintf(err, DM_HTTP_ERR_MAX, "%s: no response (timed out)",
					 where);
			r = DM_EUNAVAIL;
			goto out;
		}
		b.len += (size_t)n;
		r = dm_http_frame_check(&f, b.p, b.len, n == 0, body_max);
		if (r != 0)
			break;
	}
	if (r == DM_ETOOBIG) {
		snprintf(err, DM_HTTP_ERR_MAX, "%s: response too large (over %zu bytes)", where,
			 body_max);
		goto out;
	}
	if (r < 0) {
		if (b.len == 0 && tls != NULL)
			snprintf(err, DM_HTTP_ERR_MAX, "https://%s: %s", where, dm_tls_error(tls));
		else
			snprintf(err, DM_HTTP_ERR_MAX, "%s: %s", where,
				 b.len == 0 ? "connection closed without a response"
					    : "malformed HTTP response");
		r = DM_EPROTO;
		goto out;
	}
	r = dm_http_response_parse(b.p, b.len, body_max, ret);
	if (r < 0)
		snprintf(err, DM_HTTP_ERR_MAX, "%s: %s", where,
			 r == DM_ENOMEM ? "out of memory" : "malformed HTTP response");
out:
	free(b.p);
	return r;
}

int dm_http_request(const char *method, const char *url, const void *body, size_t body_len,
		    const struct dm_http_opts *o, struct dm_http_resp *ret,
		    char err[DM_HTTP_ERR_MAX])
{
	struct dm_http_url u;
	struct conn c = {.fd = -1};
	struct dm_tls *tls = NULL;
	char where[DM_HTTP_HOST_MAX + 16];
	char *req = NULL;
	size_t body_max = o->body_max > 0 ? o->body_max : DM_HTTP_BODY_MAX;
	int r;

	if (body_max > BODY_MAX_LIMIT)
		body_max = BODY_MAX_LIMIT;
	r = dm_http_url_parse(url, &u);
	if (r < 0) {
		snprintf(err, DM_HTTP_ERR_MAX, "invalid URL '%.120s'", url);
		return r;
	}
	if (!method_ok(method) || !header_safe(o->bearer) || !header_safe(o->accept) ||
	    !header_safe(o->content_type)) {
		snprintf(err, DM_HTTP_ERR_MAX, "%.200s: invalid request header", u.host);
		dm_http_url_free(&u);
		return DM_EINVAL;
	}
	snprintf(where, sizeof(where), "%s:%u", u.host, u.port);
	c.deadline = mono_ms() + (uint64_t)(o->timeout_ms > 0 ? o->timeout_ms : DM_HTTP_TIMEOUT_MS);
	r = dial(&u, &c, err);
	if (r < 0)
		goto out;
	if (!strcmp(u.scheme, "https")) {
		r = dm_tls_new(u.host, o->pin_sha256, o->ca_file, tls_sock_read, sock_write, &c,
			       &tls, err);
		if (r < 0)
			goto out;
	}
	req = build_request(method, &u, body_len, body != NULL, o);
	if (req == NULL) {
		snprintf(err, DM_HTTP_ERR_MAX, "%s: out of memory", where);
		r = DM_ENOMEM;
		goto out;
	}
	if (send_request(&c, tls, req, body, body != NULL ? body_len : 0) < 0) {
		if (tls != NULL)
			snprintf(err, DM_HTTP_ERR_MAX, "https://%s: %s", where, dm_tls_error(tls));
		else
			snprintf(err, DM_HTTP_ERR_MAX, "%s: sending the request failed", where);
		r = DM_EUNAVAIL;
		goto out;
	}
	r = read_response(&c, tls, body_max, where, ret, err);
out:
	if (o->traffic != NULL) {
		o->traffic->out += c.io.out;
		o->traffic->in += c.io.in;
	}
	free(req);
	dm_tls_free(tls);
	if (c.fd >= 0)
		close(c.fd);
	dm_http_url_free(&u);
	return r;
}
