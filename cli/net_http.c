#include "cli/net_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/err.h"

/* ---- URLs ------------------------------------------------------------------ */

int cli_url_parse(const char *url, struct cli_url *ret)
{
	struct cli_url u;
	const char *p = url, *hend, *pstart;

	memset(&u, 0, sizeof(u));
	if (!strncasecmp(p, "https://", 8)) {
		strcpy(u.scheme, "https");
		p += 8;
	} else if (!strncasecmp(p, "http://", 7)) {
		strcpy(u.scheme, "http");
		p += 7;
	} else if (strstr(p, "://") != NULL) {
		return DM_EINVAL;
	} else {
		strcpy(u.scheme, "https");
	}
	u.port = !strcmp(u.scheme, "https") ? 443 : 80;
	pstart = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(pstart - p)) != NULL)
		return DM_EINVAL; /* no userinfo */
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(pstart - p));
		if (hend == NULL || (size_t)(hend - p - 1) >= sizeof(u.host))
			return DM_EINVAL;
		memcpy(u.host, p + 1, (size_t)(hend - p - 1));
		hend++;
	} else {
		hend = memchr(p, ':', (size_t)(pstart - p));
		if (hend == NULL)
			hend = pstart;
		if ((size_t)(hend - p) >= sizeof(u.host))
			return DM_EINVAL;
		memcpy(u.host, p, (size_t)(hend - p));
	}
	if (u.host[0] == '\0')
		return DM_EINVAL;
	for (const char *c = u.host; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == '\\')
			return DM_EINVAL;
	if (hend < pstart) {
		char *end;
		long port;
		if (*hend != ':' || hend + 1 == pstart)
			return DM_EINVAL;
		port = strtol(hend + 1, &end, 10);
		if (end != pstart || port < 1 || port > 65535)
			return DM_EINVAL;
		u.port = (uint16_t)port;
		u.port_explicit = true;
	}
	if (*pstart == '#')
		pstart = "";
	if (*pstart == '\0')
		u.path = cli_xstrdup("/");
	else if (*pstart == '?')
		u.path = cli_xasprintf("/%s", pstart);
	else
		u.path = cli_xstrndup(pstart, strcspn(pstart, "#"));
	for (const char *c = u.path; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c == 0x7f) {
			free(u.path);
			return DM_EINVAL;
		}
	*ret = u;
	return 0;
}

void cli_url_free(struct cli_url *u)
{
	free(u->path);
	u->path = NULL;
}

bool cli_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* ---- sockets with a deadline ------------------------------------------------ */

struct conn {
	int fd;
	uint64_t deadline;
};

static int wait_io(struct conn *c, short ev)
{
	for (;;) {
		uint64_t now = cli_mono_ms();
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

static int sock_read(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		ssize_t n;
		if (wait_io(c, POLLIN) < 0)
			return -1;
		n = recv(c->fd, buf, len, 0);
		if (n > 0)
			return (int)n;
		if (n == 0)
			return -1;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		ssize_t n;
		if (wait_io(c, POLLOUT) < 0)
			return -1;
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

static const char *reason(int r)
{
	if (r == DM_ETIMEDOUT)
		return "timed out";
	if (r < 0 && r > -4096)
		return strerror(-r);
	return dm_strerror(r);
}

static int dial(const struct cli_url *u, struct conn *c, char *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int r = DM_EUNAVAIL, g;

	snprintf(port, sizeof(port), "%u", u->port);
	g = getaddrinfo(u->host, port, &hints, &res);
	if (g != 0) {
		snprintf(err, CLI_ERR_MAX, "cannot resolve %.200s: %s", u->host, gai_strerror(g));
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
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
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
			snprintf(err, CLI_ERR_MAX, "cannot connect to %.200s:%u: %s",
				 (const char *)u->host, u->port, reason(r));
		else
			snprintf(err, CLI_ERR_MAX, "cannot connect to %.200s: %s", u->host,
				 reason(r));
	}
	return r;
}

/* ---- response framing --------------------------------------------------------- */

struct rbuf {
	char *p;
	size_t len, cap;
};

/* Length of the header block (through CRLFCRLF) or 0 when incomplete. */
static size_t header_end(const struct rbuf *b)
{
	for (size_t i = 0; i + 3 < b->len; i++)
		if (!memcmp(b->p + i, "\r\n\r\n", 4))
			return i + 4;
	return 0;
}

static const char *find_header(const char *hdrs, size_t hlen, const char *name, size_t *ret_len)
{
	size_t nl = strlen(name);
	const char *p = hdrs, *end = hdrs + hlen;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(eol - v);
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			*ret_len = vl;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Decodes a chunked body in place; -1 if incomplete or malformed. */
static long dechunk(char *p, size_t len)
{
	size_t in = 0, out = 0;
	for (;;) {
		char *end;
		const char *eol = memchr(p + in, '\n', len - in);
		unsigned long n;
		if (eol == NULL)
			return -1;
		n = strtoul(p + in, &end, 16);
		if (end == p + in || n > CLI_HTTP_BODY_MAX)
			return -1;
		in = (size_t)(eol - p) + 1;
		if (n == 0)
			return (long)out;
		if (in + n + 2 > len)
			return -1;
		memmove(p + out, p + in, n);
		out += n;
		in += n + 2;
	}
}

/*
 * 1 when `b` holds a complete response (by Content-Length or chunked end),
 * 0 when more may come, -1 when malformed.
 */
static int complete(const struct rbuf *b, bool eof)
{
	size_t he = header_end(b), vl;
	const char *v;
	if (he == 0)
		return eof ? -1 : 0;
	if ((v = find_header(b->p, he, "Content-Length", &vl)) != NULL) {
		unsigned long n = strtoul(v, NULL, 10);
		if (n > CLI_HTTP_BODY_MAX)
			return -1;
		if (b->len - he >= n)
			return 1;
		return eof ? -1 : 0;
	}
	if ((v = find_header(b->p, he, "Transfer-Encoding", &vl)) != NULL && vl >= 7 &&
	    !strncasecmp(v + vl - 7, "chunked", 7)) {
		char *copy = cli_xmalloc(b->len - he + 1);
		memcpy(copy, b->p + he, b->len - he);
		long n = dechunk(copy, b->len - he);
		free(copy);
		if (n >= 0)
			return 1;
		return eof ? -1 : 0;
	}
	return eof ? 1 : 0;
}

static int parse_response(struct rbuf *b, struct cli_http_resp *ret)
{
	size_t he = header_end(b), vl;
	const char *v;
	struct cli_http_resp r = {0};
	size_t body_len = b->len - he;

	if (he == 0 || b->len < 12 || strncmp(b->p, "HTTP/1.", 7) != 0 || b->p[8] != ' ')
		return DM_EPROTO;
	r.status = atoi(b->p + 9);
	if (r.status < 100 || r.status > 999)
		return DM_EPROTO;
	if ((v = find_header(b->p, he, "Content-Type", &vl)) != NULL)
		r.content_type = cli_xstrndup(v, vl);
	if ((v = find_header(b->p, he, "Content-Length", &vl)) != NULL) {
		unsigned long n = strtoul(v, NULL, 10);
		if (n < body_len)
			body_len = n;
	} else if ((v = find_header(b->p, he, "Transfer-Encoding", &vl)) != NULL && vl >= 7 &&
		   !strncasecmp(v + vl - 7, "chunked", 7)) {
		long n = dechunk(b->p + he, body_len);
		if (n < 0) {
			free(r.content_type);
			return DM_EPROTO;
		}
		body_len = (size_t)n;
	}
	r.body = cli_xstrndup(b->p + he, body_len);
	r.body_len = body_len;
	*ret = r;
	return 0;
}

/* ---- the request ---------------------------------------------------------------- */

static char *build_request(const char *method, const struct cli_url *u, size_t body_len,
			   bool has_body, const struct cli_http_opts *o)
{
	bool v6 = strchr(u->host, ':') != NULL;
	char hostport[CLI_HTTP_HOST_MAX + 16];
	char *auth = NULL, *ctype = NULL, *accept = NULL, *req;

	if (u->port_explicit)
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]:%u" : "%s:%u",
			 (const char *)u->host, u->port);
	else
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]" : "%s", u->host);
	if (o->bearer != NULL)
		auth = cli_xasprintf("Authorization: Bearer %s\r\n", o->bearer);
	if (has_body)
		ctype = cli_xasprintf("Content-Type: %s\r\n",
				      o->content_type ? o->content_type : "application/json");
	if (o->accept != NULL)
		accept = cli_xasprintf("Accept: %s\r\n", o->accept);
	req = cli_xasprintf("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dnsmesh/%s\r\n"
			    "Connection: close\r\n%s%s%sContent-Length: %zu\r\n\r\n",
			    method, u->path, hostport, DM_VERSION, auth ? auth : "",
			    ctype ? ctype : "", accept ? accept : "", body_len);
	free(auth);
	free(ctype);
	free(accept);
	return req;
}

int cli_http_request(const char *method, const char *url, const void *body, size_t body_len,
		     const struct cli_http_opts *o, struct cli_http_resp *ret, char *err)
{
	struct cli_url u;
	struct conn c = {.fd = -1};
	struct cli_tls *tls = NULL;
	struct rbuf b = {0};
	char *req;
	int r;
	bool https;

	if (cli_url_parse(url, &u) < 0) {
		snprintf(err, CLI_ERR_MAX, "invalid URL '%.120s'", url);
		return DM_EINVAL;
	}
	https = !strcmp(u.scheme, "https");
	c.deadline =
	    cli_mono_ms() + (uint64_t)(o->timeout_ms > 0 ? o->timeout_ms : CLI_HTTP_TIMEOUT_MS);
	r = dial(&u, &c, err);
	if (r < 0) {
		cli_url_free(&u);
		return r;
	}
	if (https) {
		r = cli_tls_new(u.host, o->pin_sha256, o->ca_file, sock_read, sock_write, &c, &tls,
				err);
		if (r < 0)
			goto out;
	}
	req = build_request(method, &u, body_len, body != NULL, o);
	if (https) {
		r = cli_tls_write_all(tls, req, strlen(req));
		if (r == 0 && body_len > 0)
			r = cli_tls_write_all(tls, body, body_len);
	} else {
		r = sock_write(&c, (const unsigned char *)req, strlen(req)) == (int)strlen(req)
			? 0
			: -1;
		for (size_t off = 0; r == 0 && off < body_len;) {
			int n = sock_write(&c, (const unsigned char *)body + off, body_len - off);
			if (n < 0)
				r = -1;
			else
				off += (size_t)n;
		}
	}
	free(req);
	if (r < 0) {
		if (tls != NULL)
			snprintf(err, CLI_ERR_MAX, "https://%.200s:%u: %s", (const char *)u.host,
				 u.port, cli_tls_error(tls));
		else
			snprintf(err, CLI_ERR_MAX, "%.200s:%u: sending the request failed", u.host,
				 u.port);
		r = DM_EUNAVAIL;
		goto out;
	}
	for (;;) {
		long n;
		int done;
		if (b.cap - b.len < 4096) {
			b.cap = b.cap ? b.cap * 2 : 8192;
			b.p = cli_xrealloc(b.p, b.cap + 1);
		}
		if (https)
			n = cli_tls_read(tls, b.p + b.len, b.cap - b.len);
		else {
			n = sock_read(&c, (unsigned char *)b.p + b.len, b.cap - b.len);
			if (n < 0 && cli_mono_ms() < c.deadline)
				n = 0; /* EOF */
		}
		if (n < 0) {
			if (tls != NULL && cli_mono_ms() < c.deadline)
				snprintf(err, CLI_ERR_MAX, "https://%.200s:%u: %s",
					 (const char *)u.host, u.port, cli_tls_error(tls));
			else
				snprintf(err, CLI_ERR_MAX, "%.200s:%u: no response (timed out)",
					 (const char *)u.host, u.port);
			r = DM_EUNAVAIL;
			goto out;
		}
		b.len += (size_t)n;
		if (b.len > CLI_HTTP_BODY_MAX + 65536) {
			snprintf(err, CLI_ERR_MAX, "%.200s:%u: response too large",
				 (const char *)u.host, u.port);
			r = DM_ETOOBIG;
			goto out;
		}
		done = complete(&b, n == 0);
		if (done < 0) {
			if (b.len == 0 && tls != NULL)
				snprintf(err, CLI_ERR_MAX, "https://%.200s:%u: %s",
					 (const char *)u.host, u.port, cli_tls_error(tls));
			else
				snprintf(err, CLI_ERR_MAX, "%.200s:%u: %s", (const char *)u.host,
					 u.port,
					 b.len == 0 ? "connection closed without a response"
						    : "malformed HTTP response");
			r = DM_EPROTO;
			goto out;
		}
		if (done > 0)
			break;
	}
	r = parse_response(&b, ret);
	if (r < 0)
		snprintf(err, CLI_ERR_MAX, "%.200s:%u: malformed HTTP response",
			 (const char *)u.host, u.port);
out:
	free(b.p);
	cli_tls_free(tls);
	if (c.fd >= 0)
		close(c.fd);
	cli_url_free(&u);
	return r;
}

void cli_http_resp_free(struct cli_http_resp *r)
{
	free(r->body);
	free(r->content_type);
	memset(r, 0, sizeof(*r));
}

char *cli_http_error_text(const struct cli_http_resp *r)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	char *out;
	if (e != NULL) {
		out = cli_xstrdup(e);
	} else {
		size_t n = r->body_len > 200 ? 200 : r->body_len;
		out = cli_xstrndup(r->body, n);
		for (char *p = out; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		cli_strip(out);
	}
	json_decref(j);
	return out;
}
