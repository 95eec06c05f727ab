/*
 * UDP: the hot path. The socket is polled for readability and drained with
 * recvmmsg/sendmmsg in batches, so a busy server makes two system calls per
 * DNSFE_UDP_BATCH queries instead of two per query, and nothing is
 * allocated after start-up: every buffer lives in one struct.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dns/answer.h"
#include "common/dns/packet.h"
#include "common/err.h"
#include "common/node/log.h"
#include "services/dns-frontend/dnsfe.h"

/* Room for IP_PKTINFO and IPV6_PKTINFO, in case the kernel sends both. */
#define CTL_LEN (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)))

struct dnsfe_udp_batch {
	struct mmsghdr rx[DNSFE_UDP_BATCH], tx[DNSFE_UDP_BATCH];
	struct iovec riov[DNSFE_UDP_BATCH], tiov[DNSFE_UDP_BATCH];
	struct sockaddr_storage src[DNSFE_UDP_BATCH];
	union {
		struct cmsghdr align;
		uint8_t b[CTL_LEN];
	} rctl[DNSFE_UDP_BATCH], tctl[DNSFE_UDP_BATCH];
	uint8_t query[DNSFE_UDP_BATCH][DNSFE_UDP_QUERY_MAX];
	uint8_t reply[DNSFE_UDP_BATCH][4096]; /* DMP_DNS_UDP_MAX is at most 4096 */
};

/* Re-arms the receive headers (the kernel overwrites lengths). */
static void rx_prepare(struct dnsfe_udp *u)
{
	struct dnsfe_udp_batch *b = u->b;
	for (int i = 0; i < DNSFE_UDP_BATCH; i++) {
		struct msghdr *h = &b->rx[i].msg_hdr;
		b->riov[i].iov_base = b->query[i];
		b->riov[i].iov_len = sizeof(b->query[i]);
		h->msg_name = &b->src[i];
		h->msg_namelen = sizeof(b->src[i]);
		h->msg_iov = &b->riov[i];
		h->msg_iovlen = 1;
		h->msg_control = u->pktinfo ? b->rctl[i].b : NULL;
		h->msg_controllen = u->pktinfo ? sizeof(b->rctl[i].b) : 0;
		h->msg_flags = 0;
	}
}

/*
 * Copies the query's destination address into the reply's control data, so
 * a server bound to a wildcard answers from the address it was asked on.
 */
static size_t reply_source(const struct msghdr *in, uint8_t *ctl)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		struct cmsghdr *o = (struct cmsghdr *)ctl;
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

/* Answers the `n` received datagrams into tx; returns how many replies. */
static unsigned answer_batch(struct dnsfe *fe, unsigned n)
{
	struct dnsfe_udp *u = &fe->udp;
	struct dnsfe_udp_batch *b = u->b;
	uint64_t now = dm_mirror_now();
	uint64_t ms = dnsfe_mono_ms();
	size_t cap = fe->cfg->dns_udp_max;
	unsigned out = 0;

	if (cap > sizeof(b->reply[0]))
		cap = sizeof(b->reply[0]);
	u->queries += n;
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *in = &b->rx[i].msg_hdr;
		if (in->msg_flags & MSG_TRUNC) {
			u->dropped++;
			continue;
		}
		/* Before parsing, as the reference does: floods cost no work. */
		if (u->rrl != NULL && !dm_dns_rrl_allow(u->rrl, in->msg_name, ms)) {
			u->limited++;
			continue;
		}
		size_t len;
		if (dm_dns_respond(&fe->dns, fe->feed.mirror.table, now, b->query[i],
				   b->rx[i].msg_len, false, b->reply[out], cap, &len) != 0) {
			u->dropped++;
			continue;
		}
		struct msghdr *h = &b->tx[out].msg_hdr;
		b->tiov[out].iov_base = b->reply[out];
		b->tiov[out].iov_len = len;
		h->msg_name = in->msg_name;
		h->msg_namelen = in->msg_namelen;
		h->msg_iov = &b->tiov[out];
		h->msg_iovlen = 1;
		h->msg_control = NULL;
		h->msg_controllen = 0;
		h->msg_flags = 0;
		if (u->pktinfo) {
			size_t cl = reply_source(in, b->tctl[out].b);
			if (cl > 0) {
				h->msg_control = b->tctl[out].b;
				h->msg_controllen = cl;
			}
		}
		out++;
	}
	return out;
}

static void send_batch(struct dnsfe_udp *u, unsigned n)
{
	unsigned done = 0;
	while (done < n) {
		int r = sendmmsg(u->fd, u->b->tx + done, n - done, 0);
		if (r > 0) {
			done += (unsigned)r;
			u->answers += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			/* Send buffer full: UDP may lose these, as the network may. */
			u->dropped += n - done;
			return;
		}
		/* This one destination failed (unreachable, bad address): skip it. */
		u->dropped++;
		done++;
	}
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct dnsfe *fe = p->data;
	struct dnsfe_udp *u = &fe->udp;

	if (status < 0 || !(events & UV_READABLE))
		return;
	for (int round = 0; round < DNSFE_UDP_ROUNDS; round++) {
		rx_prepare(u);
		int n = recvmmsg(u->fd, u->b->rx, DNSFE_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("udp: recvmmsg: %s", strerror(errno));
			return;
		}
		if (n == 0)
			return;
		unsigned out = answer_batch(fe, (unsigned)n);
		if (out > 0)
			send_batch(u, out);
		if (n < DNSFE_UDP_BATCH)
			return; /* drained */
	}
}

static bool is_wildcard(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	return false;
}

static void enable_pktinfo(struct dnsfe_udp *u)
{
	int one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (!is_wildcard(u->fd) || getsockname(u->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	/* On a dual-stack socket IPV6_PKTINFO also covers IPv4 (as ::ffff:a.b.c.d). */
	if (ss.ss_family == AF_INET6)
		u->pktinfo =
		    setsockopt(u->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0;
	else
		u->pktinfo = setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0;
}

int dnsfe_udp_open(struct dnsfe *fe, int fd)
{
	struct dnsfe_udp *u = &fe->udp;
	memset(u, 0, sizeof(*u));
	u->fd = fd;
	u->b = calloc(1, sizeof(*u->b));
	if (u->b == NULL) {
		close(fd);
		return DM_ENOMEM;
	}
	if (fe->cfg->dns_rate > 0 && fe->cfg->dns_burst > 0) {
		u->rrl =
		    dm_dns_rrl_new(DM_DNS_RRL_DEFAULT_KEYS, fe->cfg->dns_rate, fe->cfg->dns_burst);
		if (u->rrl == NULL) {
			free(u->b);
			close(fd);
			return DM_ENOMEM;
		}
	}
	/* Bursts queue in the kernel while we answer the previous batch (past
	 * net.core.rmem_max only with CAP_NET_ADMIN, hence the fallback). */
	int rcv = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	enable_pktinfo(u);
	int r = uv_poll_init(fe->loop, &u->poll, fd);
	if (r == 0) {
		u->poll.data = fe;
		r = uv_poll_start(&u->poll, UV_READABLE, on_readable);
		if (r < 0)
			uv_close((uv_handle_t *)&u->poll, NULL);
	}
	if (r < 0) {
		dm_dns_rrl_free(u->rrl);
		free(u->b);
		close(fd);
		return r;
	}
	u->open = true;
	return 0;
}

static void poll_closed(uv_handle_t *h)
{
	struct dnsfe *fe = h->data;
	struct dnsfe_udp *u = &fe->udp;
	close(u->fd);
	u->fd = -1;
	dm_dns_rrl_free(u->rrl);
	u->rrl = NULL;
	free(u->b);
	u->b = NULL;
}

void dnsfe_udp_close(struct dnsfe *fe)
{
	struct dnsfe_udp *u = &fe->udp;
	if (!u->open)
		return;
	u->open = false;
	log_info("udp: %llu queries, %llu answers, %llu rate-limited, %llu dropped",
		 (unsigned long long)u->queries, (unsigned long long)u->answers,
		 (unsigned long long)u->limited, (unsigned long long)u->dropped);
	uv_close((uv_handle_t *)&u->poll, poll_closed);
}
