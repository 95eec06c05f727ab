/*
 * Connections: accept, read (through TLS when configured), frame requests,
 * hand them to the API, write the answers in order, and cut off clients
 * that are too slow, too many, or too greedy.
 *
 * Deadlines are measured from accept for the first request and from its
 * first byte for later ones on a keep-alive connection: the head must be
 * complete within DMP_HTTP_HEADER_TIMEOUT_MS and the whole request within
 * DMP_HTTP_BODY_TIMEOUT_MS, however slowly the bytes drip in. A full
 * server sheds its oldest connection that has no request in flight, so
 * idle or dripping clients cannot lock others out.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/node/log.h"
#include "services/https-frontend/httpsfe.h"
#include "services/https-frontend/tls.h"

struct hreq {
	struct api_call call; /* first: the API hands us back &call */
	struct hconn *conn;   /* NULL once the connection is gone */
	struct http_request *req;
	struct hreq *next;
	bool ready;
};

struct hconn {
	uv_tcp_t tcp;
	struct httpsfe *fe;
	struct hconn *prev, *next;
	char peer[64];
	uint64_t accepted_ms, started_ms, last_ms;
	unsigned served; /* requests answered */
	bool in_request; /* bytes of an unanswered request have arrived */
	struct http_reader reader;
	uint8_t *in; /* plaintext not yet parsed */
	size_t in_len, in_cap;
	struct hreq *head, *tail; /* in flight, in arrival order */
	unsigned inflight;
	size_t queued; /* bytes handed to uv_write, not yet written */
	bool reading, closing, close_after, stop_parsing, processing;
	bool eof; /* the client finished sending (half-close) */
	bool flush_queued;
	struct hconn *flush_next;
	struct tls_conn *tls;
};

struct wreq {
	uv_write_t w;
	struct hconn *conn;
	size_t len;
	char data[];
};

uint64_t httpsfe_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t httpsfe_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void conn_close(struct hconn *c);
static void conn_process(struct hconn *c);
static void conn_flush(struct hconn *c);
static void conn_maybe_finish(struct hconn *c);

/* ---- lists ---- */

static void conn_link(struct httpsfe *fe, struct hconn *c)
{
	c->prev = fe->conns_tail;
	c->next = NULL;
	if (fe->conns_tail)
		fe->conns_tail->next = c;
	else
		fe->conns_head = c;
	fe->conns_tail = c;
	fe->nconns++;
}

static void conn_unlink(struct httpsfe *fe, struct hconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		fe->conns_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		fe->conns_tail = c->prev;
	c->prev = c->next = NULL;
	fe->nconns--;
}

/* ---- writing ---- */

static void on_written(uv_write_t *w, int status)
{
	struct wreq *wr = (struct wreq *)w;
	struct hconn *c = wr->conn;
	c->queued -= wr->len;
	free(wr);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	/* Backpressure eased: parse what is buffered. */
	conn_process(c);
}

static void net_write(void *arg, const uint8_t *data, size_t len)
{
	struct hconn *c = arg;
	if (c->closing || len == 0)
		return;
	struct wreq *wr = malloc(sizeof(*wr) + len);
	if (wr == NULL) {
		conn_close(c);
		return;
	}
	wr->conn = c;
	wr->len = len;
	memcpy(wr->data, data, len);
	uv_buf_t b = uv_buf_init(wr->data, (unsigned)len);
	if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
		free(wr);
		conn_close(c);
		return;
	}
	c->queued += len;
}

static void app_in(void *arg, const uint8_t *data, size_t len)
{
	struct hconn *c = arg;
	if (c->in_len + len > c->in_cap) {
		size_t ncap = c->in_cap ? c->in_cap : 4096;
		while (ncap < c->in_len + len)
			ncap *= 2;
		uint8_t *n = realloc(c->in, ncap);
		if (n == NULL) {
			c->stop_parsing = true;
			c->close_after = true;
			return;
		}
		c->in = n;
		c->in_cap = ncap;
	}
	memcpy(c->in + c->in_len, data, len);
	c->in_len += len;
}

static void tls_pump(struct hconn *c, const uint8_t *in, size_t len)
{
	int r = tls_conn_pump(c->tls, in, len, app_in, net_write, c);
	if (r < 0 && !c->closing) {
		log_debug("tls session with %s failed, closing", c->peer);
		conn_close(c);
	} else if (r > 0 && !c->closing && c->head == NULL) {
		conn_close(c);
	}
}

/* Sends `data` to the client, through TLS if any. */
static void conn_send(struct hconn *c, const void *data, size_t len)
{
	if (c->tls == NULL) {
		net_write(c, data, len);
		return;
	}
	if (tls_conn_write(c->tls, data, len) < 0) {
		conn_close(c);
		return;
	}
	tls_pump(c, NULL, 0);
}

/* ---- requests ---- */

static void hreq_free(struct hreq *r)
{
	api_call_clear(&r->call);
	free(r->req);
	free(r);
}

/*
 * Answers are written once per loop iteration (the check phase, after all
 * I/O callbacks): the store answers a whole group commit at once, and its
 * answers for one connection then leave in one write.
 */
static void on_answered(struct api_call *call)
{
	struct hreq *r = (struct hreq *)call;
	r->ready = true;
	struct hconn *c = r->conn;
	if (c == NULL) {
		/* The client left while the store was busy with this one. */
		hreq_free(r);
		return;
	}
	if (!c->flush_queued) {
		c->flush_queued = true;
		c->flush_next = c->fe->flush_list;
		c->fe->flush_list = c;
	}
}

static void flush_cb(uv_check_t *h)
{
	struct httpsfe *fe = h->data;
	while (fe->flush_list != NULL) {
		struct hconn *c = fe->flush_list;
		fe->flush_list = c->flush_next;
		c->flush_queued = false;
		if (!c->closing)
			conn_flush(c);
	}
}

static struct hreq *hreq_new(struct hconn *c, struct http_request *req)
{
	struct hreq *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->conn = c;
	r->req = req;
	r->call.api = &c->fe->api;
	r->call.req = req;
	r->call.tls = c->tls != NULL;
	r->call.done = on_answered;
	r->call.owner = r;
	memcpy(r->call.peer, c->peer, sizeof(r->call.peer));
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->inflight++;
	return r;
}

/* Writes every answer that is ready, in request order, in one write. */
static void conn_flush(struct hconn *c)
{
	struct http_buf out = {0};
	while (!c->closing && c->head != NULL && c->head->ready) {
		struct hreq *r = c->head;
		c->head = r->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->inflight--;
		struct api_call *call = &r->call;
		const struct http_request *q = r->req;
		bool keep = !call->close && !c->close_after && q != NULL && q->keep_alive;
		if (!keep)
			c->close_after = true;
		http_write_response(&out, q ? q->minor : 1, keep, call->status, call->ctype,
				    call->extra[0] ? call->extra : NULL, call->body.p,
				    call->body.len, call->head);
		c->served++;
		hreq_free(r);
	}
	if (out.len > 0 && !c->closing) {
		c->last_ms = httpsfe_mono_ms();
		if (out.failed)
			conn_close(c);
		else
			conn_send(c, out.p, out.len);
	}
	http_buf_free(&out);
	if (!c->closing)
		conn_process(c);
}

/* Closes a connection that has said its last word once it is all written. */
static void conn_maybe_finish(struct hconn *c)
{
	if (!c->closing && c->close_after && c->head == NULL && c->queued == 0 &&
	    (c->stop_parsing || c->in_len == 0))
		conn_close(c);
}

static void refuse(struct hconn *c, int status, const char *msg)
{
	struct hreq *r = hreq_new(c, NULL);
	c->stop_parsing = true;
	c->close_after = true;
	if (r == NULL) {
		conn_close(c);
		return;
	}
	api_refuse(&r->call, status, msg);
}

static void read_start(struct hconn *c);

/* Frames and dispatches buffered requests while the pipeline has room. */
static void conn_process(struct hconn *c)
{
	/* An answer ready at once flushes from inside api_handle(); the loop
	 * below carries on from there, so it must not run twice at a time. */
	if (c->processing || c->closing)
		return;
	c->processing = true;
	size_t off = 0;
	while (!c->closing && !c->stop_parsing && off < c->in_len &&
	       c->inflight < HTTPSFE_PIPELINE && c->queued < HTTPSFE_OUTQ_MAX) {
		if (!c->in_request) {
			c->in_request = true;
			if (c->served > 0)
				c->started_ms = httpsfe_mono_ms();
		}
		size_t used;
		enum http_event ev =
		    http_reader_feed(&c->reader, c->in + off, c->in_len - off, &used);
		off += used;
		if (c->reader.expect_continue) {
			c->reader.expect_continue = false;
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
			conn_send(c, cont, sizeof(cont) - 1);
			if (c->closing)
				return;
		}
		if (ev == HTTP_EV_REQUEST) {
			struct http_request *req = http_reader_take(&c->reader);
			c->in_request = false;
			struct hreq *r = req ? hreq_new(c, req) : NULL;
			if (r == NULL) {
				free(req);
				refuse(c, 503, "out of memory");
				break;
			}
			if (c->reader.upgrade || !req->keep_alive)
				c->stop_parsing = true;
			api_handle(&r->call);
			if (c->closing)
				return;
		} else if (ev == HTTP_EV_ERROR) {
			refuse(c, c->reader.error_status, c->reader.error_msg);
			break;
		} else {
			break;
		}
	}
	c->processing = false;
	if (c->closing)
		return;
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (c->stop_parsing)
		c->in_len = 0;
	/* Read on only while there is room to act on what arrives. */
	if (c->in_len < HTTPSFE_INBUF_MAX && !c->close_after && !c->eof)
		read_start(c);
	else if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	conn_maybe_finish(c);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[64 * 1024];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(slab, sizeof(slab));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct hconn *c = s->data;
	if (n == UV_EOF && c->tls == NULL) {
		/* Answer what was sent before the half-close, then close. */
		c->eof = c->close_after = true;
		uv_read_stop(s);
		c->reading = false;
		conn_process(c);
		return;
	}
	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0)
		return;
	c->last_ms = httpsfe_mono_ms();
	if (c->tls != NULL) {
		tls_pump(c, (const uint8_t *)buf->base, (size_t)n);
		if (c->closing)
			return;
	} else {
		app_in(c, (const uint8_t *)buf->base, (size_t)n);
	}
	conn_process(c);
}

static void read_start(struct hconn *c)
{
	if (c->reading || c->closing)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
		c->reading = true;
}

/* ---- lifecycle ---- */

static void on_closed(uv_handle_t *h)
{
	struct hconn *c = h->data;
	tls_conn_free(c->tls);
	http_reader_done(&c->reader);
	free(c->in);
	free(c);
}

static void conn_close(struct hconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	conn_unlink(c->fe, c);
	/* Answers still being computed are dropped when they arrive. */
	for (struct hreq *r = c->head, *next; r != NULL; r = next) {
		next = r->next;
		if (r->ready)
			hreq_free(r);
		else
			r->conn = NULL;
	}
	c->head = c->tail = NULL;
	if (c->tls != NULL && tls_conn_established(c->tls)) {
		/* best effort close_notify; ignore failures */
		c->closing = false;
		tls_conn_close(c->tls);
		(void)tls_conn_pump(c->tls, NULL, 0, app_in, net_write, c);
		c->closing = true;
	}
	uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void peer_name(uv_tcp_t *t, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	snprintf(out, cap, "unknown");
	if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, out, cap);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		/* an IPv4-mapped peer counts as its IPv4 address */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, (socklen_t)cap);
		else
			uv_ip6_name(s6, out, cap);
	}
}

/* Makes room for one more connection: sheds the oldest one with nothing in flight. */
static bool make_room(struct httpsfe *fe)
{
	for (struct hconn *c = fe->conns_head; c != NULL; c = c->next) {
		if (c->inflight == 0) {
			conn_close(c);
			return true;
		}
	}
	return false;
}

static unsigned conns_from(struct httpsfe *fe, const char *peer)
{
	unsigned n = 0;
	for (struct hconn *c = fe->conns_head; c != NULL; c = c->next)
		if (strcmp(c->peer, peer) == 0)
			n++;
	return n;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct httpsfe *fe = server->data;
	if (status < 0)
		return;
	struct hconn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	uv_tcp_init(fe->loop, &c->tcp);
	c->tcp.data = c;
	c->fe = fe;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	http_reader_init(&c->reader);
	peer_name(&c->tcp, c->peer, sizeof(c->peer));
	fe->accepted++;
	unsigned per_ip = fe->cfg->http_max_conns_per_ip;
	if ((per_ip > 0 && conns_from(fe, c->peer) >= per_ip) ||
	    (fe->nconns >= fe->cfg->http_max_conns && !make_room(fe))) {
		fe->refused++;
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	(void)uv_tcp_nodelay(&c->tcp, 1);
	c->accepted_ms = c->started_ms = c->last_ms = httpsfe_mono_ms();
	if (fe->creds != NULL && (c->tls = tls_conn_new(fe->creds)) == NULL) {
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	conn_link(fe, c);
	read_start(c);
}

static void timeout(struct hconn *c, const char *what)
{
	c->fe->timed_out++;
	log_debug("%s: %s timeout, closing", c->peer, what);
	if (c->inflight == 0 && (c->tls == NULL || tls_conn_established(c->tls))) {
		/* answered in this iteration's flush, then closed once written */
		refuse(c, 408, "request timeout");
		if (c->reading) {
			uv_read_stop((uv_stream_t *)&c->tcp);
			c->reading = false;
		}
	} else {
		conn_close(c);
	}
}

static void sweep_cb(uv_timer_t *t)
{
	struct httpsfe *fe = t->data;
	const struct dm_config *cfg = fe->cfg;
	uint64_t now = httpsfe_mono_ms();
	for (struct hconn *c = fe->conns_head, *next; c != NULL; c = next) {
		next = c->next;
		if (c->closing || c->inflight > 0)
			continue;
		if (c->close_after) {
			/* said its last word; a client that will not read it is dropped */
			if (now - c->last_ms > cfg->http_header_ms)
				conn_close(c);
			continue;
		}
		bool first = c->served == 0;
		if (first || c->in_request) {
			uint64_t age = now - c->started_ms;
			if (!c->reader.headers_done || !c->in_request) {
				if (age > cfg->http_header_ms)
					timeout(c, "header");
			} else if (age > cfg->http_body_ms) {
				timeout(c, "body");
			}
		} else if (now - c->last_ms > cfg->http_idle_ms) {
			conn_close(c);
		}
	}
}

int httpsfe_server_open(struct httpsfe *fe, int fd)
{
	uv_tcp_init(fe->loop, &fe->listener);
	fe->listener.data = fe;
	int r = uv_tcp_open(&fe->listener, fd);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&fe->listener, 1024, on_connection);
	if (r < 0) {
		uv_close((uv_handle_t *)&fe->listener, NULL);
		return r;
	}
	fe->listening = true;
	uv_check_init(fe->loop, &fe->flusher);
	fe->flusher.data = fe;
	uv_check_start(&fe->flusher, flush_cb);
	uv_timer_init(fe->loop, &fe->sweep);
	fe->sweep.data = fe;
	uv_timer_start(&fe->sweep, sweep_cb, HTTPSFE_SWEEP_MS, HTTPSFE_SWEEP_MS);
	return 0;
}

void httpsfe_server_close(struct httpsfe *fe)
{
	if (!fe->listening)
		return;
	fe->listening = false;
	uv_close((uv_handle_t *)&fe->listener, NULL);
	uv_close((uv_handle_t *)&fe->sweep, NULL);
	uv_close((uv_handle_t *)&fe->flusher, NULL);
	fe->flush_list = NULL;
	while (fe->conns_head != NULL)
		conn_close(fe->conns_head);
}
