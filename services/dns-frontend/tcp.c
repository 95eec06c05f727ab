/*
 * DNS over TCP (RFC 7766): 2-byte length framing, any number of queries per
 * connection answered in order, deadlines so idle or slow clients cannot
 * hold connections, and a cap on connections that evicts the oldest idle
 * one first. Here answers may be as large as 65535 bytes and are never
 * truncated.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dns/answer.h"
#include "common/dns/packet.h"
#include "common/err.h"
#include "common/node/log.h"
#include "services/dns-frontend/dnsfe.h"

#define RBUF_MIN 512

struct dnsfe_tcp_conn {
	uv_tcp_t h; /* first: the handle's address is the connection's */
	struct dnsfe *fe;
	struct dnsfe_tcp_conn *older, *newer;
	uint8_t *buf;
	size_t len, cap;
	uint64_t msg_start; /* loop ms when the unfinished message began; 0: none */
	uint64_t last;	    /* loop ms of the last read or completed write */
	unsigned writes;    /* answers handed to libuv, not yet written */
	bool paused;	    /* reading stopped: the client is not reading its answers */
	bool eof;	    /* client finished sending; close once answered */
	bool closing;
	struct sockaddr_storage peer;
};

struct write_req {
	uv_write_t req;
	struct dnsfe_tcp_conn *c;
	uint8_t data[];
};

static void unlink_conn(struct dnsfe_tcp *t, struct dnsfe_tcp_conn *c)
{
	if (c->older != NULL)
		c->older->newer = c->newer;
	else
		t->oldest = c->newer;
	if (c->newer != NULL)
		c->newer->older = c->older;
	else
		t->newest = c->older;
	c->older = c->newer = NULL;
}

static void append_conn(struct dnsfe_tcp *t, struct dnsfe_tcp_conn *c)
{
	c->older = t->newest;
	c->newer = NULL;
	if (t->newest != NULL)
		t->newest->newer = c;
	else
		t->oldest = c;
	t->newest = c;
}

static void touch(struct dnsfe_tcp_conn *c)
{
	struct dnsfe_tcp *t = &c->fe->tcp;
	c->last = uv_now(c->fe->loop);
	if (t->newest != c) {
		unlink_conn(t, c);
		append_conn(t, c);
	}
}

static void conn_freed(uv_handle_t *h)
{
	struct dnsfe_tcp_conn *c = (struct dnsfe_tcp_conn *)h;
	free(c->buf);
	free(c);
}

/* Starts closing `c`; answers not yet written are cancelled. */
static void conn_close(struct dnsfe_tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	unlink_conn(&c->fe->tcp, c);
	c->fe->tcp.nconns--;
	uv_close((uv_handle_t *)&c->h, conn_freed);
}

static bool conn_idle(const struct dnsfe_tcp_conn *c)
{
	return c->len == 0 && c->writes == 0;
}

static void write_done(uv_write_t *req, int status);

static void answer(struct dnsfe_tcp_conn *c, const uint8_t *q, size_t qlen)
{
	struct dnsfe *fe = c->fe;
	struct dnsfe_tcp *t = &fe->tcp;
	size_t len;

	t->queries++;
	if (t->rrl != NULL &&
	    !dm_dns_rrl_allow(t->rrl, (const struct sockaddr *)&c->peer, dnsfe_mono_ms())) {
		/* Dropping one query would stall the in-order answers behind it. */
		t->limited++;
		conn_close(c);
		return;
	}
	if (dm_dns_respond(&fe->dns, fe->feed.mirror.table, dm_mirror_now(), q, qlen, true,
			   t->scratch, DM_DNS_MSG_MAX, &len) != 0)
		return; /* the engine says: no reply to this one */
	struct write_req *w = malloc(sizeof(*w) + 2 + len);
	if (w == NULL) {
		conn_close(c);
		return;
	}
	w->c = c;
	w->data[0] = (uint8_t)(len >> 8);
	w->data[1] = (uint8_t)len;
	memcpy(w->data + 2, t->scratch, len);
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)(2 + len));
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &buf, 1, write_done) < 0) {
		free(w);
		conn_close(c);
		return;
	}
	c->writes++;
	t->answers++;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Answers every complete message in the buffer, unless the client stops reading. */
static void process(struct dnsfe_tcp_conn *c)
{
	uint64_t now = uv_now(c->fe->loop);
	size_t off = 0;
	bool paused = false;

	while (!c->closing && c->len - off >= 2) {
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) > DNSFE_TCP_QUEUED_MAX) {
			paused = true;
			break;
		}
		size_t mlen = dm_dns_u16(c->buf + off);
		if (mlen == 0) {
			conn_close(c); /* node.md §12.2: length 0 is rejected */
			return;
		}
		if (c->len - off - 2 < mlen)
			break;
		answer(c, c->buf + off + 2, mlen);
		off += 2 + mlen;
	}
	if (c->closing)
		return;
	if (off > 0) {
		memmove(c->buf, c->buf + off, c->len - off);
		c->len -= off;
	}
	if (c->len == 0 || paused)
		c->msg_start = 0;
	else if (off > 0 || c->msg_start == 0)
		c->msg_start = now;
	/* A buffer grown for one big query is not kept for an idle client. */
	if (c->len == 0 && c->cap > RBUF_MIN) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
	if (paused && !c->paused) {
		(void)uv_read_stop((uv_stream_t *)&c->h);
		c->paused = true;
	} else if (!paused && c->paused && !c->eof) {
		c->paused = false;
		if (uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb) < 0)
			conn_close(c);
	}
}

static void write_done(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct dnsfe_tcp_conn *c = w->c;
	free(w);
	c->writes--;
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	touch(c);
	if (c->eof && c->writes == 0) {
		conn_close(c);
		return;
	}
	if (c->paused &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->h) <= DNSFE_TCP_QUEUED_MAX / 2)
		process(c);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dnsfe_tcp_conn *c = (struct dnsfe_tcp_conn *)h;
	(void)suggested;
	/* Grow to the message being read, never beyond 2 + 65535 bytes. */
	size_t want = c->len >= 2 ? 2 + (size_t)dm_dns_u16(c->buf) : RBUF_MIN;
	if (want < RBUF_MIN)
		want = RBUF_MIN;
	if (c->cap < want) {
		uint8_t *n = realloc(c->buf, want);
		if (n == NULL) {
			*buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
			return;
		}
		c->buf = n;
		c->cap = want;
	}
	*buf = uv_buf_init((char *)c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct dnsfe_tcp_conn *c = (struct dnsfe_tcp_conn *)s;
	(void)buf;
	if (nread == UV_EOF) {
		c->eof = true;
		(void)uv_read_stop(s);
		if (c->writes == 0)
			conn_close(c);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	c->len += (size_t)nread;
	touch(c);
	process(c);
}

/* Closes the longest-idle connection with nothing in flight; false if none. */
static bool evict_idle(struct dnsfe_tcp *t)
{
	for (struct dnsfe_tcp_conn *c = t->oldest; c != NULL; c = c->newer) {
		if (conn_idle(c)) {
			conn_close(c);
			t->evicted++;
			return true;
		}
	}
	return false;
}

static void on_connection(uv_stream_t *l, int status)
{
	struct dnsfe *fe = l->data;
	struct dnsfe_tcp *t = &fe->tcp;
	if (status < 0) {
		log_debug("tcp: accept: %s", uv_strerror(status));
		return;
	}
	struct dnsfe_tcp_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->fe = fe;
	uv_tcp_init(fe->loop, &c->h);
	if (uv_accept(l, (uv_stream_t *)&c->h) < 0) {
		uv_close((uv_handle_t *)&c->h, conn_freed);
		return;
	}
	if (t->nconns >= DNSFE_TCP_CONNS_MAX && !evict_idle(t)) {
		t->evicted++;
		uv_close((uv_handle_t *)&c->h, conn_freed); /* all busy: refuse the newcomer */
		return;
	}
	int namelen = sizeof(c->peer);
	if (uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer, &namelen) < 0)
		c->peer.ss_family = AF_UNSPEC;
	(void)uv_tcp_nodelay(&c->h, 1);
	t->nconns++;
	append_conn(t, c);
	c->last = uv_now(fe->loop);
	if (uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb) < 0)
		conn_close(c);
}

static void sweep_cb(uv_timer_t *timer)
{
	struct dnsfe *fe = timer->data;
	uint64_t now = uv_now(fe->loop);
	struct dnsfe_tcp_conn *c = fe->tcp.oldest;
	while (c != NULL) {
		struct dnsfe_tcp_conn *next = c->newer;
		if ((c->msg_start != 0 && now - c->msg_start >= DNSFE_TCP_READ_MS) ||
		    now - c->last >= DNSFE_TCP_IDLE_MS)
			conn_close(c);
		c = next;
	}
}

int dnsfe_tcp_open(struct dnsfe *fe, int fd)
{
	struct dnsfe_tcp *t = &fe->tcp;
	memset(t, 0, sizeof(*t));
	t->scratch = malloc(DM_DNS_MSG_MAX);
	if (t->scratch == NULL) {
		close(fd);
		return DM_ENOMEM;
	}
	if (fe->cfg->dns_rate > 0 && fe->cfg->dns_burst > 0) {
		t->rrl =
		    dm_dns_rrl_new(DM_DNS_RRL_DEFAULT_KEYS, fe->cfg->dns_rate, fe->cfg->dns_burst);
		if (t->rrl == NULL) {
			free(t->scratch);
			close(fd);
			return DM_ENOMEM;
		}
	}
	uv_tcp_init(fe->loop, &t->listener);
	t->listener.data = fe;
	int r = uv_tcp_open(&t->listener, fd);
	if (r < 0)
		close(fd); /* not adopted by the handle */
	if (r == 0)
		r = uv_listen((uv_stream_t *)&t->listener, 128, on_connection);
	if (r < 0) {
		uv_close((uv_handle_t *)&t->listener, NULL);
		dm_dns_rrl_free(t->rrl);
		free(t->scratch);
		return r;
	}
	uv_timer_init(fe->loop, &t->sweep);
	t->sweep.data = fe;
	uv_timer_start(&t->sweep, sweep_cb, 1000, 1000);
	t->open = true;
	return 0;
}

void dnsfe_tcp_close(struct dnsfe *fe)
{
	struct dnsfe_tcp *t = &fe->tcp;
	if (!t->open)
		return;
	t->open = false;
	log_info("tcp: %llu queries, %llu answers, %llu rate-limited, %llu refused or evicted",
		 (unsigned long long)t->queries, (unsigned long long)t->answers,
		 (unsigned long long)t->limited, (unsigned long long)t->evicted);
	while (t->oldest != NULL)
		conn_close(t->oldest);
	uv_close((uv_handle_t *)&t->listener, NULL);
	uv_close((uv_handle_t *)&t->sweep, NULL);
	dm_dns_rrl_free(t->rrl);
	t->rrl = NULL;
	free(t->scratch);
	t->scratch = NULL;
}
