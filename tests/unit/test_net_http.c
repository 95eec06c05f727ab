/*
 * The shared HTTP(S) client (common/net/): URL parsing, response framing
 * and parsing (Content-Length, chunked, to the end of the stream), the caps,
 * error text, and whole plain-HTTP exchanges against a loopback server
 * thread (request bytes, traffic counters, timeout, refused connection).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "common/net/http.h"
#include "common/net/response.h"
#include "tests/unit/test.h"

/* ---- URLs ---- */

static void test_url(void)
{
	struct dm_http_url u;

	CHECK_EQ(dm_http_url_parse("https://node.example", &u), 0);
	CHECK_STR(u.scheme, "https");
	CHECK_STR(u.host, "node.example");
	CHECK_EQ(u.port, 443);
	CHECK(!u.port_explicit);
	CHECK_STR(u.path, "/");
	dm_http_url_free(&u);

	CHECK_EQ(dm_http_url_parse("HTTP://127.0.0.1:8053/v1/x?y=1#frag", &u), 0);
	CHECK_STR(u.scheme, "http");
	CHECK_STR(u.host, "127.0.0.1");
	CHECK_EQ(u.port, 8053);
	CHECK(u.port_explicit);
	CHECK_STR(u.path, "/v1/x?y=1");
	dm_http_url_free(&u);

	/* A bare host gets https:// (as the reference does). */
	CHECK_EQ(dm_http_url_parse("node.example:8443", &u), 0);
	CHECK_STR(u.scheme, "https");
	CHECK_EQ(u.port, 8443);
	dm_http_url_free(&u);

	CHECK_EQ(dm_http_url_parse("http://[::1]:80/p", &u), 0);
	CHECK_STR(u.host, "::1");
	CHECK_EQ(u.port, 80);
	CHECK(u.port_explicit);
	CHECK_STR(u.path, "/p");
	dm_http_url_free(&u);

	CHECK_EQ(dm_http_url_parse("https://h?x=1", &u), 0);
	CHECK_STR(u.path, "/?x=1");
	dm_http_url_free(&u);

	static const char *const bad[] = {
	    "ftp://x",	       "https://",
	    "https://u@h/",    "https://h:0",
	    "https://h:65536", "https://h:",
	    "https://h:8a",    "https://h:+80",
	    "https://[::1",    "https://[::1]x",
	    "https://h/a b",   "https://h/\x7f",
	    "https://:80",     "",
	    "https://h\\x/",   "https://h:123456",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = dm_http_url_parse(bad[i], &u);
		CHECK_EQ(r, DM_EINVAL);
		if (r == 0) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			dm_http_url_free(&u);
		}
	}
	/* The host buffer holds 255 characters and not one more. */
	char longu[8 + DM_HTTP_HOST_MAX + 2];
	memcpy(longu, "https://", 8);
	memset(longu + 8, 'a', DM_HTTP_HOST_MAX - 1);
	longu[8 + DM_HTTP_HOST_MAX - 1] = '\0';
	CHECK_EQ(dm_http_url_parse(longu, &u), 0);
	if (u.path != NULL)
		dm_http_url_free(&u);
	longu[8 + DM_HTTP_HOST_MAX - 1] = 'a';
	longu[8 + DM_HTTP_HOST_MAX] = '\0';
	CHECK_EQ(dm_http_url_parse(longu, &u), DM_EINVAL);

	CHECK(dm_http_host_is_loopback("localhost"));
	CHECK(dm_http_host_is_loopback("LocalHost"));
	CHECK(dm_http_host_is_loopback("127.1.2.3"));
	CHECK(dm_http_host_is_loopback("::1"));
	CHECK(!dm_http_host_is_loopback("10.0.0.1"));
	CHECK(!dm_http_host_is_loopback("::2"));
	CHECK(!dm_http_host_is_loopback("node.example"));
}

/* ---- responses ---- */

static int parse(const char *wire, size_t cap, struct dm_http_resp *r)
{
	return dm_http_response_parse(wire, strlen(wire), cap, r);
}

/* Feeds `wire` one byte more at a time: 0 until the last byte, then 1. */
static bool frames_at_end(const char *wire, size_t cap)
{
	struct dm_http_frame f = {0};
	size_t n = strlen(wire);
	for (size_t i = 0; i < n; i++) {
		int r = dm_http_frame_check(&f, wire, i, false, cap);
		if (r != 0) {
			fprintf(stderr, "  framing said %d after %zu of %zu bytes\n", r, i, n);
			return false;
		}
	}
	return dm_http_frame_check(&f, wire, n, false, cap) == 1;
}

static void test_response(void)
{
	struct dm_http_resp r;
	const char *cl = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "content-length:  5 \r\n\r\nhello";
	const char *chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";

	CHECK_EQ(parse(cl, 100, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.content_type, "application/json");
	CHECK_EQ(r.body_len, 5);
	CHECK_STR(r.body, "hello");
	dm_http_resp_free(&r);
	CHECK(frames_at_end(cl, 100));
	/* Bytes past Content-Length are not the body. */
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", 100, &r), 0);
	CHECK_STR(r.body, "he");
	dm_http_resp_free(&r);

	CHECK_EQ(parse(chunked, 100, &r), 0);
	CHECK_EQ(r.status, 201);
	CHECK(r.content_type == NULL);
	CHECK_EQ(r.body_len, 11);
	CHECK_STR(r.body, "hello world");
	dm_http_resp_free(&r);
	CHECK(frames_at_end(chunked, 100));
	/* Upper-case hex, a bare LF, and a peer closing right after the last chunk. */
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "A\r\n0123456789\n0\r\n",
		       100, &r),
		 0);
	CHECK_STR(r.body, "0123456789");
	dm_http_resp_free(&r);

	/* Transfer-Encoding wins over Content-Length (RFC 9112 §6.3). */
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: "
		       "gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		       100, &r),
		 0);
	CHECK_STR(r.body, "ok");
	dm_http_resp_free(&r);

	/* No framing: the body runs to the end of the stream (HTTP/1.0). */
	CHECK_EQ(parse("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n{\"error\": \"nope\"}", 100, &r),
		 0);
	CHECK_EQ(r.status, 404);
	CHECK_STR(r.body, "{\"error\": \"nope\"}");
	char text[DM_HTTP_ERR_MAX];
	dm_http_error_text(&r, text);
	CHECK_STR(text, "nope");
	dm_http_resp_free(&r);
	{
		struct dm_http_frame f = {0};
		const char *w = "HTTP/1.0 200 OK\r\n\r\nabc";
		CHECK_EQ(dm_http_frame_check(&f, w, strlen(w), false, 100), 0);
		CHECK_EQ(dm_http_frame_check(&f, w, strlen(w), true, 100), 1);
	}

	/* 204 has no body even without Content-Length. */
	CHECK(frames_at_end("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", 100));
	CHECK_EQ(parse("HTTP/1.1 204 No Content\r\n\r\n", 100, &r), 0);
	CHECK_EQ(r.body_len, 0);
	CHECK_STR(r.body, "");
	dm_http_resp_free(&r);

	static const char *const bad[] = {
	    "",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",		   /* no blank line */
	    "HTTP/2 200 OK\r\n\r\n",				   /* not HTTP/1.x */
	    "HTTP/1.1 20 OK\r\n\r\n",				   /* two digits */
	    "HTTP/1.1 2000 OK\r\n\r\n",				   /* four digits */
	    "HTTP/1.1 100 Continue\r\n\r\n",			   /* interim */
	    "HTTP/1.1 600 Odd\r\n\r\n",				   /* out of range */
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",	   /* cut short */
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",	   /* signed */
	    "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello", /* not decimal */
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], 100, &r);
		CHECK_EQ(rc, DM_EPROTO);
		if (rc == 0) {
			fprintf(stderr, "  accepted bad[%zu]\n", i);
			dm_http_resp_free(&r);
		}
	}
	/* A duplicate Content-Length that agrees is harmless. */
	CHECK_EQ(
	    parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 100, &r),
	    0);
	dm_http_resp_free(&r);
}

static void test_caps(void)
{
	struct dm_http_resp r;
	struct dm_http_frame f = {0};

	/* Exactly at the cap is fine, one byte over is not, in every framing. */
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 4, &r), 0);
	dm_http_resp_free(&r);
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde", 4, &r), DM_ETOOBIG);
	/* A declared length over the cap is refused before the body arrives. */
	const char *big = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n";
	CHECK_EQ(dm_http_frame_check(&f, big, strlen(big), false, 1000), DM_ETOOBIG);

	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
		       4, &r),
		 0);
	CHECK_STR(r.body, "abcd");
	dm_http_resp_free(&r);
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
		       4, &r),
		 DM_ETOOBIG);
	/* A huge chunk size is refused from its line alone. */
	memset(&f, 0, sizeof(f));
	const char *huge = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "ffffffffffffffffffffffff\r\n";
	CHECK_EQ(dm_http_frame_check(&f, huge, strlen(huge), false, 1 << 20), DM_ETOOBIG);

	CHECK_EQ(parse("HTTP/1.1 200 OK\r\n\r\nabcd", 4, &r), 0);
	dm_http_resp_free(&r);
	CHECK_EQ(parse("HTTP/1.1 200 OK\r\n\r\nabcde", 4, &r), DM_ETOOBIG);

	/* A header block that never ends is cut at DM_HTTP_HEADER_MAX. */
	char *hdr = malloc(DM_HTTP_HEADER_MAX + 1);
	CHECK(hdr != NULL);
	if (hdr != NULL) {
		memset(hdr, 'x', DM_HTTP_HEADER_MAX);
		memcpy(hdr, "HTTP/1.1 200 OK\r\nX: ", 20);
		memset(&f, 0, sizeof(f));
		CHECK_EQ(dm_http_frame_check(&f, hdr, DM_HTTP_HEADER_MAX - 1, false, 100), 0);
		CHECK_EQ(dm_http_frame_check(&f, hdr, DM_HTTP_HEADER_MAX, false, 100), DM_ETOOBIG);
		free(hdr);
	}
}

static void test_error_text(void)
{
	struct dm_http_resp r = {0};
	char out[DM_HTTP_ERR_MAX], body[400];

	r.body = "{\"error\": \"two\\nlines\"}";
	r.body_len = strlen(r.body);
	dm_http_error_text(&r, out);
	CHECK_STR(out, "two lines");
	r.body = "  <html>\r\n oops \n";
	r.body_len = strlen(r.body);
	dm_http_error_text(&r, out);
	CHECK_STR(out, "<html>   oops");
	memset(body, 'b', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	r.body = body;
	r.body_len = strlen(body);
	dm_http_error_text(&r, out);
	CHECK_EQ(strlen(out), 200);
	r.body = "";
	r.body_len = 0;
	dm_http_error_text(&r, out);
	CHECK_STR(out, "");
}

/* ---- whole exchanges with a loopback server ---- */

struct server {
	int lfd;
	uint16_t port;
	const char *reply; /* NULL: accept, read, and never answer */
	char req[4096];
	size_t req_len;
	pthread_t th;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = recv(fd, s->req + s->req_len, sizeof(s->req) - 1 - s->req_len, 0);
		if (n <= 0)
			break;
		s->req_len += (size_t)n;
		s->req[s->req_len] = '\0';
		char *he = strstr(s->req, "\r\n\r\n");
		char *cl = strstr(s->req, "Content-Length: ");
		if (he != NULL && cl != NULL &&
		    s->req_len >= (size_t)(he + 4 - s->req) + strtoul(cl + 16, NULL, 10))
			break;
	}
	if (s->reply != NULL) {
		if (send(fd, s->reply, strlen(s->reply), MSG_NOSIGNAL) < 0)
			perror("send");
	} else {
		char sink[256];
		while (recv(fd, sink, sizeof(sink), 0) > 0)
			;
	}
	close(fd);
	return NULL;
}

static int server_start(struct server *s, const char *reply)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	memset(s, 0, sizeof(*s));
	s->reply = reply;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->lfd, 1) < 0 || getsockname(s->lfd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, serve, s) == 0 ? 0 : -1;
}

static void server_stop(struct server *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void test_exchange(void)
{
	struct server s;
	struct dm_http_traffic io = {0};
	struct dm_http_opts o = {
	    .timeout_ms = 3000, .bearer = "tok", .accept = "application/json", .traffic = &io};
	struct dm_http_resp r;
	char url[128], err[DM_HTTP_ERR_MAX];

	CHECK_EQ(server_start(&s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "3\r\nabc\r\n0\r\n\r\n"),
		 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/x?y=1", s.port);
	CHECK_EQ(dm_http_request("POST", url, "{}", 2, &o, &r, err), 0);
	server_stop(&s);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "abc");
	dm_http_resp_free(&r);
	char want[512];
	snprintf(want, sizeof(want),
		 "POST /v1/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUser-Agent: dnsmesh/%s\r\n"
		 "Connection: close\r\nAuthorization: Bearer tok\r\nContent-Type: "
		 "application/json\r\nAccept: application/json\r\nContent-Length: 2\r\n\r\n{}",
		 s.port, DM_VERSION);
	CHECK_STR(s.req, want);
	CHECK_EQ(io.out, strlen(want));
	CHECK_EQ(io.in, strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "3\r\nabc\r\n0\r\n\r\n"));

	/* A server that never answers: the deadline ends the wait. */
	CHECK_EQ(server_start(&s, NULL), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
	o.timeout_ms = 300;
	CHECK_EQ(dm_http_request("GET", url, NULL, 0, &o, &r, err), DM_EUNAVAIL);
	CHECK(strstr(err, "timed out") != NULL);
	server_stop(&s);

	/* Nothing listening. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
	CHECK(dm_http_request("GET", url, NULL, 0, &o, &r, err) < 0);
	CHECK(strstr(err, "cannot connect to 127.0.0.1:") != NULL);

	/* A CR or LF in a header value never reaches the wire. */
	o.bearer = "tok\r\nX-Evil: 1";
	CHECK_EQ(dm_http_request("GET", url, NULL, 0, &o, &r, err), DM_EINVAL);
	o.bearer = NULL;
	CHECK_EQ(dm_http_request("GET /x", url, NULL, 0, &o, &r, err), DM_EINVAL);
	CHECK_EQ(dm_http_request("GET", "ftp://x/", NULL, 0, &o, &r, err), DM_EINVAL);
	CHECK(strstr(err, "invalid URL") != NULL);

	/* An over-cap body is refused with one line, not truncated. */
	CHECK_EQ(server_start(&s, "HTTP/1.1 200 OK\r\n\r\n0123456789"), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
	o.timeout_ms = 3000;
	o.body_max = 4;
	CHECK_EQ(dm_http_request("GET", url, NULL, 0, &o, &r, err), DM_ETOOBIG);
	CHECK(strstr(err, "response too large") != NULL);
	server_stop(&s);

	/* https to an IP literal needs a pin: no certificate names it checkably. */
	CHECK_EQ(server_start(&s, ""), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", s.port);
	CHECK_EQ(dm_http_request("GET", url, NULL, 0, &o, &r, err), DM_EINVAL);
	CHECK(strstr(err, "cannot be checked for an IP address") != NULL);
	o.pin_sha256 = "abcd";
	CHECK_EQ(dm_http_request("GET", url, NULL, 0, &o, &r, err), DM_EINVAL);
	CHECK(strstr(err, "64 hex digits") != NULL);
	server_stop(&s);
}

int main(void)
{
	test_url();
	test_response();
	test_caps();
	test_error_text();
	test_exchange();
	return TEST_DONE("test_net_http");
}
