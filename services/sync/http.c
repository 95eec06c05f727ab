#include "services/sync/http.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"

#define CA_BUNDLE_MAX (8u << 20)

/* ---- URLs ---- */

int sync_url_parse(const char *url, struct sync_url *ret)
{
	struct sync_url u = {0};
	const char *p;
	if (strncasecmp(url, "https://", 8) == 0) {
		u.tls = true;
		u.port = 443;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		u.port = 80;
		p = url + 7;
	} else {
		return DM_EINVAL;
	}
	size_t hlen;
	const char *after;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (close == NULL)
			return DM_EINVAL;
		hlen = (size_t)(close - p - 1);
		p++;
		after = close + 1;
	} else {
		hlen = strcspn(p, ":/?#");
		after = p + hlen;
	}
	if (hlen == 0 || hlen >= sizeof(u.host))
		return DM_EINVAL;
	memcpy(u.host, p, hlen);
	u.host[hlen] = '\0';
	if (*after == ':') {
		char *end;
		unsigned long port = strtoul(after + 1, &end, 10);
		if (end == after + 1 || port == 0 || port > 65535)
			return DM_EINVAL;
		u.port = (uint16_t)port;
		after = end;
	}
	if (*after != '\0' && *after != '/')
		return DM_EINVAL;
	size_t plen = strlen(after);
	while (plen > 0 && after[plen - 1] == '/')
		plen--;
	if (plen >= sizeof(u.path))
		return DM_EINVAL;
	memcpy(u.path, after, plen);
	u.path[plen] = '\0';
	for (const char *c = u.host; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '@')
			return DM_EINVAL;
	*ret = u;
	return 0;
}

bool sync_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* ---- trust anchors (loaded once, read-only afterwards) ---- */

struct bytes {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

static void bytes_append(void *ctx, const void *buf, size_t len)
{
	struct bytes *b = ctx;
	if (b->failed)
		return;
	if (b->len + len > b->cap) {
		size_t ncap = (b->len + len) * 2 + 64;
		unsigned char *q = realloc(b->p, ncap);
		if (q == NULL) {
			b->failed = true;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
}

static br_x509_trust_anchor *anchors;
static size_t anchor_count;

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
	unsigned char *q = malloc(n ? n : 1);
	if (q != NULL)
		memcpy(q, p, n);
	return q;
}

static void add_anchor(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct bytes dn = {0};
	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	br_x509_trust_anchor ta;
	memset(&ta, 0, sizeof(ta));
	if (pk == NULL || dn.len == 0 || dn.failed)
		goto skip;
	ta.dn.data = dn.p;
	ta.dn.len = dn.len;
	ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta.pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta.pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta.pkey.key.rsa.elen = pk->key.rsa.elen;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta.pkey.key.ec.curve = pk->key.ec.curve;
		ta.pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	} else {
		goto skip;
	}
	br_x509_trust_anchor *more = realloc(anchors, (anchor_count + 1) * sizeof(*anchors));
	if (more == NULL)
		goto skip;
	anchors = more;
	anchors[anchor_count++] = ta;
	return;
skip:
	free(dn.p);
}

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = malloc(CA_BUNDLE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CA_BUNDLE_MAX, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	*ret_len = n;
	return buf;
}

size_t sync_tls_init(const char *ca_file)
{
	if (anchor_count > 0)
		return anchor_count;
	size_t len;
	char *text = read_file(ca_file && ca_file[0] ? ca_file : SYNC_CA_BUNDLE, &len);
	if (text == NULL)
		return 0;
	br_pem_decoder_context pc;
	struct bytes der = {0};
	bool in_cert = false;
	br_pem_decoder_init(&pc);
	/* The decoder needs a final newline to close the last object. */
	for (int pass = 0; pass < 2; pass++) {
		const unsigned char *q = pass ? (const unsigned char *)"\n" : (unsigned char *)text;
		size_t left = pass ? 1 : len;
		while (left > 0) {
			size_t n = br_pem_decoder_push(&pc, q, left);
			q += n;
			left -= n;
			int ev = br_pem_decoder_event(&pc);
			if (ev == BR_PEM_BEGIN_OBJ) {
				const char *name = br_pem_decoder_name(&pc);
				in_cert = !strcmp(name, "CERTIFICATE") ||
					  !strcmp(name, "X509 CERTIFICATE");
				der.len = 0;
				br_pem_decoder_setdest(&pc, in_cert ? bytes_append : NULL, &der);
			} else if (ev == BR_PEM_END_OBJ) {
				if (in_cert && der.len > 0 && !der.failed)
					add_anchor(der.p, der.len);
				in_cert = false;
			} else if (ev == BR_PEM_ERROR) {
				left = 0;
				pass = 2;
			}
		}
	}
	free(der.p);
	free(text);
	return anchor_count;
}

/* ---- one connection ---- */

struct conn {
	int fd;
	uint64_t deadline_ms;
	uint64_t out, in;
	bool tls;
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_sslio_context io;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int wait_io(struct conn *c, short ev)
{
	uint64_t now = mono_ms();
	if (now >= c->deadline_ms)
		return -1;
	struct pollfd p = {.fd = c->fd, .events = ev};
	int r = poll(&p, 1, (int)(c->deadline_ms - now));
	return r > 0 ? 0 : -1;
}

static int raw_read(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n >= 0) {
			c->in += (uint64_t)n;
			return n == 0 ? -1 : (int)n;
		}
		if ((errno != EAGAIN && errno != EINTR) || wait_io(c, POLLIN) < 0)
			return -1;
	}
}

static int raw_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			c->out += (uint64_t)n;
			return (int)n;
		}
		if ((errno != EAGAIN && errno != EINTR) || wait_io(c, POLLOUT) < 0)
			return -1;
	}
}

static int dial(const struct sync_url *u, struct conn *c, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	char port[8];
	snprintf(port, sizeof(port), "%u", u->port);
	int r = getaddrinfo(u->host, port, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "%s: %s", u->host, gai_strerror(r));
		return DM_EUNAVAIL;
	}
	c->fd = -1;
	for (ai = res; ai != NULL && c->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
			c->fd = fd;
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			if (wait_io(c, POLLOUT) < 0 ||
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
				close(fd);
				c->fd = -1;
			}
		} else {
			close(fd);
		}
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		snprintf(err, errlen, "%s port %u: cannot connect", u->host, u->port);
		return DM_EUNAVAIL;
	}
	return 0;
}

static int conn_write(struct conn *c, const void *p, size_t len)
{
	if (c->tls)
		return br_sslio_write_all(&c->io, p, len) == 0 && br_sslio_flush(&c->io) == 0 ? 0
											      : -1;
	const unsigned char *q = p;
	while (len > 0) {
		int n = raw_write(c, q, len);
		if (n < 0)
			return -1;
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Bytes read, 0 at the end of the stream, -1 on failure. */
static long conn_read(struct conn *c, void *p, size_t len)
{
	if (!c->tls) {
		int n = raw_read(c, p, len);
		return n < 0 ? 0 : n; /* a close ends the response; framing decides */
	}
	int n = br_sslio_read(&c->io, p, len);
	if (n > 0)
		return n;
	int e = br_ssl_engine_last_error(&c->cc.eng);
	return e == 0 || e == BR_ERR_IO ? 0 : -1;
}

/* ---- the response ---- */

struct rbuf {
	char *p;
	size_t len, cap;
};

static const char *find_header(const char *h, size_t hlen, const char *name, size_t *ret_len)
{
	size_t nlen = strlen(name);
	for (const char *line = h; line < h + hlen;) {
		const char *eol = memchr(line, '\n', (size_t)(h + hlen - line));
		if (eol == NULL)
			break;
		if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
		    line[nlen] == ':') {
			const char *v = line + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *e = eol;
			while (e > v && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			*ret_len = (size_t)(e - v);
			return v;
		}
		line = eol + 1;
	}
	return NULL;
}

/* Decodes a chunked body in place; its length, or -1 if malformed or incomplete. */
static long dechunk(char *p, size_t len)
{
	size_t in = 0, out = 0;
	for (;;) {
		char *end;
		if (in >= len)
			return -1;
		unsigned long n = strtoul(p + in, &end, 16);
		char *eol = memchr(p + in, '\n', len - in);
		if (eol == NULL || end == p + in)
			return -1;
		in = (size_t)(eol - p) + 1;
		if (n == 0)
			return (long)out;
		if (n > len - in || len - in - n < 2)
			return -1;
		memmove(p + out, p + in, n);
		out += n;
		in += n + 2;
	}
}

static int parse_response(struct rbuf *b, struct sync_http_resp *ret)
{
	char *hend = NULL;
	for (size_t i = 3; i < b->len && hend == NULL; i++)
		if (memcmp(b->p + i - 3, "\r\n\r\n", 4) == 0)
			hend = b->p + i + 1;
	if (hend == NULL || b->len < 12 || strncmp(b->p, "HTTP/1.", 7) != 0)
		return DM_EPROTO;
	int status = atoi(b->p + 9);
	if (status < 100 || status > 599)
		return DM_EPROTO;
	size_t hlen = (size_t)(hend - b->p), vlen;
	char *body = hend;
	size_t blen = b->len - hlen;
	const char *te = find_header(b->p, hlen, "Transfer-Encoding", &vlen);
	const char *cl = find_header(b->p, hlen, "Content-Length", &vlen);
	if (te != NULL && vlen >= 7 && strncasecmp(te, "chunked", 7) == 0) {
		long n = dechunk(body, blen);
		if (n < 0)
			return DM_EPROTO;
		blen = (size_t)n;
	} else if (cl != NULL) {
		unsigned long n = strtoul(cl, NULL, 10);
		if (n > blen)
			return DM_EPROTO; /* cut short */
		blen = n;
	}
	ret->body = malloc(blen + 1);
	if (ret->body == NULL)
		return DM_ENOMEM;
	memcpy(ret->body, body, blen);
	ret->body[blen] = '\0';
	ret->body_len = blen;
	ret->status = status;
	return 0;
}

int sync_http_request(const struct sync_url *u, const char *method, const char *target,
		      const char *token, const void *body, size_t body_len, int timeout_ms,
		      struct sync_http_resp *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	if (!u->tls && !sync_host_is_loopback(u->host)) {
		snprintf(err, errlen, "%s: plain http only to loopback peers; use https", u->host);
		return DM_EINVAL;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return DM_ENOMEM;
	c->fd = -1;
	c->deadline_ms = mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : SYNC_HTTP_TIMEOUT_MS);
	int r = dial(u, c, err, errlen);
	struct rbuf b = {0};
	if (r < 0)
		goto out;
	if (u->tls) {
		if (anchor_count == 0) {
			snprintf(err, errlen, "no trusted CA certificates loaded for https peers");
			r = DM_EUNAVAIL;
			goto out;
		}
		c->tls = true;
		br_ssl_client_init_full(&c->cc, &c->xc, anchors, anchor_count);
		br_ssl_engine_set_buffer(&c->cc.eng, c->iobuf, sizeof(c->iobuf), 1);
		struct in6_addr ip;
		bool literal =
		    inet_pton(AF_INET, u->host, &ip) == 1 || inet_pton(AF_INET6, u->host, &ip) == 1;
		if (!br_ssl_client_reset(&c->cc, literal ? NULL : u->host, 0)) {
			snprintf(err, errlen, "%s: TLS setup failed", u->host);
			r = DM_EUNAVAIL;
			goto out;
		}
		br_sslio_init(&c->io, &c->cc.eng, raw_read, c, raw_write, c);
	}
	char head[2048];
	int hn = snprintf(head, sizeof(head),
			  "%s %s%s HTTP/1.1\r\nHost: %s%s%s:%u\r\nAuthorization: Bearer %s\r\n"
			  "Accept: application/json\r\nConnection: close\r\n",
			  method, u->path, target, strchr(u->host, ':') ? "[" : "", u->host,
			  strchr(u->host, ':') ? "]" : "", u->port, token);
	if (hn > 0 && (size_t)hn < sizeof(head) && body != NULL)
		hn +=
		    snprintf(head + hn, sizeof(head) - (size_t)hn,
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
	if (hn <= 0 || (size_t)hn + 2 >= sizeof(head)) {
		snprintf(err, errlen, "request too long");
		r = DM_ETOOBIG;
		goto out;
	}
	memcpy(head + hn, "\r\n", 3);
	hn += 2;
	if (conn_write(c, head, (size_t)hn) < 0 || (body && conn_write(c, body, body_len) < 0)) {
		snprintf(err, errlen, "%s port %u: sending failed", u->host, u->port);
		r = DM_EUNAVAIL;
		goto out;
	}
	for (;;) {
		if (b.cap - b.len < 16384) {
			size_t ncap = b.cap ? b.cap * 2 : 65536;
			if (ncap > SYNC_HTTP_BODY_MAX + 65536) {
				snprintf(err, errlen, "response larger than %u bytes",
					 SYNC_HTTP_BODY_MAX);
				r = DM_ETOOBIG;
				goto out;
			}
			char *q = realloc(b.p, ncap);
			if (q == NULL) {
				r = DM_ENOMEM;
				goto out;
			}
			b.p = q;
			b.cap = ncap;
		}
		long n = conn_read(c, b.p + b.len, b.cap - b.len - 1);
		if (n < 0) {
			snprintf(err, errlen, "%s port %u: TLS error %d", u->host, u->port,
				 br_ssl_engine_last_error(&c->cc.eng));
			r = DM_EPROTO;
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	if (b.len == 0) {
		snprintf(err, errlen, "%s port %u: no response%s", u->host, u->port,
			 mono_ms() >= c->deadline_ms ? " (timed out)" : "");
		r = mono_ms() >= c->deadline_ms ? DM_ETIMEDOUT : DM_EUNAVAIL;
		goto out;
	}
	r = parse_response(&b, ret);
	if (r < 0)
		snprintf(err, errlen, "%s port %u: malformed or truncated response", u->host,
			 u->port);
out:
	ret->bytes_out = c->out;
	ret->bytes_in = c->in;
	if (c->fd >= 0)
		close(c->fd);
	free(b.p);
	free(c);
	return r;
}
