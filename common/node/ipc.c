#include "common/node/ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/node/log.h"

struct dm_ipc_pending {
	uint64_t seq;
	uint64_t deadline_ms;
	dm_ipc_reply_fn cb;
	void *arg;
	struct dm_ipc_pending *next;
};

struct write_req {
	uv_write_t req;
	struct dm_ipc_conn *conn;
	uint8_t data[];
};

static void conn_read_start(struct dm_ipc_conn *conn);
static void client_schedule_retry(struct dm_ipc_client *c);

const char *dm_ipc_role_name(Dm__Role role)
{
	switch (role) {
	case DM__ROLE__ROLE_SUPERVISOR:
		return "supervisor";
	case DM__ROLE__ROLE_STORE:
		return "store";
	case DM__ROLE__ROLE_DNS_FRONTEND:
		return "dns-frontend";
	case DM__ROLE__ROLE_HTTPS_FRONTEND:
		return "https-frontend";
	case DM__ROLE__ROLE_SYNC:
		return "sync";
	case DM__ROLE__ROLE_HEARTBEAT:
		return "heartbeat";
	case DM__ROLE__ROLE_ADMIN:
		return "admin";
	default:
		return "unknown";
	}
}

static bool ep_is_server(const struct dm_ipc_endpoint *ep)
{
	return ep->is_server;
}

/* ---- connection lifetime ---- */

static struct dm_ipc_conn *conn_new(struct dm_ipc_endpoint *ep)
{
	struct dm_ipc_conn *conn = calloc(1, sizeof(*conn));
	if (conn == NULL)
		return NULL;
	conn->ep = ep;
	conn->next_seq = 1;
	conn->peer_role = DM__ROLE__ROLE_UNKNOWN;
	conn->pending_tail = &conn->pending;
	uv_pipe_init(ep->loop, &conn->pipe, 0);
	uv_timer_init(ep->loop, &conn->timer);
	conn->pipe.data = conn;
	conn->timer.data = conn;
	conn->open_handles = 2;
	return conn;
}

static void conn_handle_closed(uv_handle_t *h)
{
	struct dm_ipc_conn *conn = h->data;
	if (--conn->open_handles > 0)
		return;
	free(conn->rbuf);
	free(conn);
}

static void fail_pending(struct dm_ipc_conn *conn, int err)
{
	struct dm_ipc_pending *p = conn->pending;
	conn->pending = NULL;
	conn->pending_tail = &conn->pending;
	while (p != NULL) {
		struct dm_ipc_pending *next = p->next;
		p->cb(conn, NULL, err, p->arg);
		free(p);
		p = next;
	}
}

void dm_ipc_conn_close(struct dm_ipc_conn *conn)
{
	if (conn->closing)
		return;
	conn->closing = true;
	fail_pending(conn, DM_EUNAVAIL);
	struct dm_ipc_endpoint *ep = conn->ep;
	if (conn->peer_role != DM__ROLE__ROLE_UNKNOWN && ep->on_down != NULL)
		ep->on_down(conn, ep->ctx);
	if (ep_is_server(ep)) {
		struct dm_ipc_server *s = (struct dm_ipc_server *)ep;
		for (struct dm_ipc_conn **pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == conn) {
				*pp = conn->next;
				break;
			}
		}
	} else {
		struct dm_ipc_client *c = (struct dm_ipc_client *)ep;
		if (c->conn == conn) {
			c->conn = NULL;
			c->up = false;
			client_schedule_retry(c);
		}
	}
	uv_close((uv_handle_t *)&conn->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&conn->pipe, conn_handle_closed);
}

/* ---- sending ---- */

static void write_done(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	if (status < 0 && status != UV_ECANCELED && !w->conn->closing) {
		log_warnx("ipc: write to %s failed: %s", dm_ipc_role_name(w->conn->peer_role),
			  uv_strerror(status));
		dm_ipc_conn_close(w->conn);
	}
	free(w);
}

static int conn_write(struct dm_ipc_conn *conn, Dm__Envelope *msg)
{
	if (conn->closing)
		return DM_EUNAVAIL;
	msg->version = DM_IPC_VERSION;
	size_t len = dm__envelope__get_packed_size(msg);
	if (len > DM_FRAME_MAX)
		return DM_ETOOBIG;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&conn->pipe) > DM_IPC_MAX_QUEUED) {
		log_warnx("ipc: %s is not reading (over %u bytes queued), dropping it",
			  dm_ipc_role_name(conn->peer_role), DM_IPC_MAX_QUEUED);
		dm_ipc_conn_close(conn);
		return DM_EUNAVAIL;
	}
	struct write_req *w = malloc(sizeof(*w) + 4 + len);
	if (w == NULL)
		return DM_ENOMEM;
	w->conn = conn;
	dm_store_be32(w->data, (uint32_t)len);
	dm__envelope__pack(msg, w->data + 4);
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)(4 + len));
	int r = uv_write(&w->req, (uv_stream_t *)&conn->pipe, &buf, 1, write_done);
	if (r < 0) {
		free(w);
		dm_ipc_conn_close(conn);
		return DM_EUNAVAIL;
	}
	return 0;
}

int dm_ipc_send(struct dm_ipc_conn *conn, Dm__Envelope *msg)
{
	msg->seq = conn->next_seq++;
	msg->has_reply_to = false;
	return conn_write(conn, msg);
}

/* Removes the request at *pp from the pending list. */
static void pending_unlink(struct dm_ipc_conn *conn, struct dm_ipc_pending **pp)
{
	struct dm_ipc_pending *p = *pp;
	*pp = p->next;
	if (conn->pending_tail == &p->next)
		conn->pending_tail = pp;
}

static void timer_tick(uv_timer_t *t)
{
	struct dm_ipc_conn *conn = t->data;
	uint64_t now = uv_now(conn->ep->loop);
	struct dm_ipc_pending **pp = &conn->pending;
	while (*pp != NULL) {
		struct dm_ipc_pending *p = *pp;
		if (p->deadline_ms > now) {
			pp = &p->next;
			continue;
		}
		pending_unlink(conn, pp);
		p->cb(conn, NULL, DM_ETIMEDOUT, p->arg);
		free(p);
		if (conn->closing)
			return;
	}
	if (conn->pending == NULL)
		uv_timer_stop(&conn->timer);
}

int dm_ipc_request(struct dm_ipc_conn *conn, Dm__Envelope *msg, unsigned timeout_ms,
		   dm_ipc_reply_fn cb, void *arg)
{
	struct dm_ipc_pending *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return DM_ENOMEM;
	msg->seq = conn->next_seq++;
	msg->has_reply_to = false;
	int r = conn_write(conn, msg);
	if (r < 0) {
		free(p);
		return r;
	}
	p->seq = msg->seq;
	p->deadline_ms = uv_now(conn->ep->loop) + timeout_ms;
	p->cb = cb;
	p->arg = arg;
	/* Append: replies mostly come back in order, so lookups stop early. */
	*conn->pending_tail = p;
	conn->pending_tail = &p->next;
	if (!uv_is_active((uv_handle_t *)&conn->timer))
		uv_timer_start(&conn->timer, timer_tick, 100, 100);
	return 0;
}

int dm_ipc_reply(struct dm_ipc_conn *conn, uint64_t req_seq, Dm__Envelope *reply)
{
	reply->seq = conn->next_seq++;
	reply->has_reply_to = true;
	reply->reply_to = req_seq;
	return conn_write(conn, reply);
}

int dm_ipc_reply_error(struct dm_ipc_conn *conn, uint64_t req_seq, int code, const char *detail)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__Error err = DM__ERROR__INIT;
	err.code = code;
	err.detail = (char *)detail;
	env.body_case = DM__ENVELOPE__BODY_ERROR;
	env.error = &err;
	return dm_ipc_reply(conn, req_seq, &env);
}

static int send_hello(struct dm_ipc_conn *conn)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__Hello hello = DM__HELLO__INIT;
	hello.role = conn->ep->self_role;
	hello.version = DM_IPC_VERSION;
	hello.has_pid = true;
	hello.pid = (uint32_t)getpid();
	env.body_case = DM__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	return dm_ipc_send(conn, &env);
}

/* ---- receiving ---- */

static void protocol_error(struct dm_ipc_conn *conn, const char *what)
{
	log_warnx("ipc: %s from %s (pid %d): %s, closing the connection", "protocol violation",
		  dm_ipc_role_name(conn->peer_role), (int)conn->peer_pid, what);
	dm_ipc_conn_close(conn);
}

static void handle_hello(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	if (msg->body_case != DM__ENVELOPE__BODY_HELLO) {
		protocol_error(conn, "first frame is not Hello");
		return;
	}
	const Dm__Hello *h = msg->hello;
	if (h->version != DM_IPC_VERSION) {
		protocol_error(conn, "IPC version mismatch");
		return;
	}
	struct dm_ipc_endpoint *ep = conn->ep;
	if (ep_is_server(ep)) {
		struct dm_ipc_server *s = (struct dm_ipc_server *)ep;
		if (h->role == DM__ROLE__ROLE_UNKNOWN ||
		    (s->authorize != NULL && !s->authorize(ep->ctx, h->role, conn->peer_uid))) {
			log_warnx("ipc: uid %u may not act as %s, refusing",
				  (unsigned)conn->peer_uid, dm_ipc_role_name(h->role));
			dm_ipc_conn_close(conn);
			return;
		}
		conn->peer_role = h->role;
		if (send_hello(conn) < 0)
			return;
	} else {
		conn->peer_role = h->role;
		((struct dm_ipc_client *)ep)->up = true;
		((struct dm_ipc_client *)ep)->backoff_ms = 0;
	}
	if (ep->on_up != NULL)
		ep->on_up(conn, ep->ctx);
}

static void handle_reply(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	for (struct dm_ipc_pending **pp = &conn->pending; *pp != NULL; pp = &(*pp)->next) {
		struct dm_ipc_pending *p = *pp;
		if (p->seq != msg->reply_to)
			continue;
		pending_unlink(conn, pp);
		p->cb(conn, msg, 0, p->arg);
		free(p);
		return;
	}
	/* A reply that arrives after its request timed out: harmless. */
	log_debug("ipc: late reply to %llu from %s, ignoring", (unsigned long long)msg->reply_to,
		  dm_ipc_role_name(conn->peer_role));
}

static void dispatch(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	if (msg->version != DM_IPC_VERSION) {
		protocol_error(conn, "wrong envelope version");
		return;
	}
	if (conn->peer_role == DM__ROLE__ROLE_UNKNOWN) {
		handle_hello(conn, msg);
		return;
	}
	if (msg->has_reply_to) {
		handle_reply(conn, msg);
		return;
	}
	for (const struct dm_ipc_rule *r = conn->ep->rules; r != NULL && r->fn != NULL; r++) {
		if (r->role == conn->peer_role && r->body == msg->body_case) {
			r->fn(conn, msg);
			return;
		}
	}
	char what[64];
	snprintf(what, sizeof(what), "body %d not permitted", (int)msg->body_case);
	protocol_error(conn, what);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dm_ipc_conn *conn = h->data;
	(void)suggested;
	const size_t chunk = 64 * 1024;
	if (conn->rcap - conn->rlen < chunk) {
		size_t ncap = conn->rlen + chunk;
		uint8_t *n = realloc(conn->rbuf, ncap);
		if (n == NULL) {
			*buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
			return;
		}
		conn->rbuf = n;
		conn->rcap = ncap;
	}
	*buf = uv_buf_init((char *)conn->rbuf + conn->rlen, (unsigned)(conn->rcap - conn->rlen));
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct dm_ipc_conn *conn = stream->data;
	(void)buf;
	if (nread < 0) {
		if (nread != UV_EOF)
			log_warnx("ipc: read from %s: %s", dm_ipc_role_name(conn->peer_role),
				  uv_strerror((int)nread));
		dm_ipc_conn_close(conn);
		return;
	}
	conn->rlen += (size_t)nread;
	size_t off = 0;
	while (!conn->closing && conn->rlen - off >= 4) {
		uint32_t len = dm_load_be32(conn->rbuf + off);
		if (len == 0 || len > DM_FRAME_MAX) {
			protocol_error(conn, "frame length out of range");
			return;
		}
		if (conn->rlen - off - 4 < len)
			break;
		Dm__Envelope *msg = dm__envelope__unpack(NULL, len, conn->rbuf + off + 4);
		off += 4 + (size_t)len;
		if (msg == NULL) {
			protocol_error(conn, "frame does not unpack");
			return;
		}
		dispatch(conn, msg);
		dm__envelope__free_unpacked(msg, NULL);
	}
	if (conn->closing)
		return;
	memmove(conn->rbuf, conn->rbuf + off, conn->rlen - off);
	conn->rlen -= off;
	/* Shrink a buffer grown by one large frame once it is drained. */
	if (conn->rlen == 0 && conn->rcap > 256 * 1024) {
		free(conn->rbuf);
		conn->rbuf = NULL;
		conn->rcap = 0;
	}
}

static void conn_read_start(struct dm_ipc_conn *conn)
{
	int r = uv_read_start((uv_stream_t *)&conn->pipe, alloc_cb, read_cb);
	if (r < 0) {
		log_warnx("ipc: cannot read: %s", uv_strerror(r));
		dm_ipc_conn_close(conn);
	}
}

/* ---- server ---- */

static void on_connection(uv_stream_t *listener, int status)
{
	struct dm_ipc_server *s = listener->data;
	if (status < 0) {
		log_warnx("ipc: accept: %s", uv_strerror(status));
		return;
	}
	struct dm_ipc_conn *conn = conn_new(&s->ep);
	if (conn == NULL)
		return;
	if (uv_accept(listener, (uv_stream_t *)&conn->pipe) < 0) {
		conn->closing = true;
		uv_close((uv_handle_t *)&conn->timer, conn_handle_closed);
		uv_close((uv_handle_t *)&conn->pipe, conn_handle_closed);
		return;
	}
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (uv_fileno((uv_handle_t *)&conn->pipe, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		conn->peer_uid = cred.uid;
		conn->peer_pid = cred.pid;
	} else {
		conn->peer_uid = (uid_t)-1;
	}
	conn->next = s->conns;
	s->conns = conn;
	conn_read_start(conn);
}

static int server_init(struct dm_ipc_server *s)
{
	s->ep.is_server = true;
	s->conns = NULL;
	int r = uv_pipe_init(s->ep.loop, &s->listener, 0);
	if (r < 0)
		return r;
	s->listener.data = s;
	return 0;
}

int dm_ipc_server_listen(struct dm_ipc_server *s, const char *path)
{
	int r = server_init(s);
	if (r < 0)
		return r;
	/* A socket file left by a previous instance would make bind fail. */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	mode_t old = umask(0117);
	r = uv_pipe_bind(&s->listener, path);
	umask(old);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
	if (r < 0) {
		uv_close((uv_handle_t *)&s->listener, NULL);
		return r;
	}
	s->listening = true;
	return 0;
}

int dm_ipc_server_open(struct dm_ipc_server *s, int fd)
{
	int r = server_init(s);
	if (r == 0)
		r = uv_pipe_open(&s->listener, fd);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
	if (r < 0) {
		uv_close((uv_handle_t *)&s->listener, NULL);
		return r;
	}
	s->listening = true;
	return 0;
}

void dm_ipc_server_close(struct dm_ipc_server *s)
{
	while (s->conns != NULL)
		dm_ipc_conn_close(s->conns);
	if (s->listening) {
		uv_close((uv_handle_t *)&s->listener, NULL);
		s->listening = false;
	}
}

/* ---- client ---- */

static void on_connect(uv_connect_t *req, int status)
{
	struct dm_ipc_conn *conn = req->data;
	struct dm_ipc_client *c = (struct dm_ipc_client *)conn->ep;
	if (conn->closing)
		return; /* stopped or replaced meanwhile */
	if (status < 0) {
		log_debug("ipc: connect %s: %s", c->path, uv_strerror(status));
		dm_ipc_conn_close(conn); /* schedules the retry */
		return;
	}
	conn_read_start(conn);
	if (!conn->closing)
		(void)send_hello(conn);
}

static void client_connect(struct dm_ipc_client *c)
{
	struct dm_ipc_conn *conn = conn_new(&c->ep);
	if (conn == NULL) {
		client_schedule_retry(c);
		return;
	}
	c->conn = conn;
	conn->connect_req.data = conn;
	uv_pipe_connect(&conn->connect_req, &conn->pipe, c->path, on_connect);
}

static void retry_fire(uv_timer_t *t)
{
	struct dm_ipc_client *c = t->data;
	if (!c->stopping && c->conn == NULL)
		client_connect(c);
}

static void client_schedule_retry(struct dm_ipc_client *c)
{
	if (c->stopping)
		return;
	c->backoff_ms = c->backoff_ms == 0 ? 50 : c->backoff_ms * 2;
	if (c->backoff_ms > 2000)
		c->backoff_ms = 2000;
	uv_timer_start(&c->retry, retry_fire, c->backoff_ms, 0);
}

int dm_ipc_client_start(struct dm_ipc_client *c, const char *path)
{
	if (strlen(path) >= sizeof(c->path))
		return DM_ETOOBIG;
	strcpy(c->path, path);
	c->ep.is_server = false;
	c->conn = NULL;
	c->up = false;
	c->stopping = false;
	c->backoff_ms = 0;
	uv_timer_init(c->ep.loop, &c->retry);
	c->retry.data = c;
	client_connect(c);
	return 0;
}

void dm_ipc_client_stop(struct dm_ipc_client *c)
{
	c->stopping = true;
	if (c->conn != NULL)
		dm_ipc_conn_close(c->conn);
	uv_close((uv_handle_t *)&c->retry, NULL);
}

struct dm_ipc_conn *dm_ipc_client_conn(struct dm_ipc_client *c)
{
	return c->up ? c->conn : NULL;
}
