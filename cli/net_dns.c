#include "cli/net_dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/dmp/txt.h"
#include "common/dns/dname.h"
#include "common/dns/packet.h"
#include "common/err.h"

int cli_ns_parse(const char *entry, uint16_t default_port, struct cli_ns *ret)
{
	char host[64];
	const char *port_s = NULL;
	struct cli_ns ns;
	size_t len = strlen(entry);
	long port = default_port;

	memset(&ns, 0, sizeof(ns));
	if (len == 0 || len >= sizeof(host) + 8)
		return DM_EINVAL;
	if (entry[0] == '[') {
		const char *close = strchr(entry, ']');
		if (close == NULL || (size_t)(close - entry - 1) >= sizeof(host))
			return DM_EINVAL;
		memcpy(host, entry + 1, (size_t)(close - entry - 1));
		host[close - entry - 1] = '\0';
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0')
			return DM_EINVAL;
	} else {
		const char *colon = strchr(entry, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			if ((size_t)(colon - entry) >= sizeof(host))
				return DM_EINVAL;
			memcpy(host, entry, (size_t)(colon - entry));
			host[colon - entry] = '\0';
			port_s = colon + 1;
		} else {
			if (len >= sizeof(host))
				return DM_EINVAL;
			memcpy(host, entry, len + 1);
		}
	}
	if (port_s != NULL) {
		char *end;
		if (*port_s == '\0' || *port_s == '+' || *port_s == '-')
			return DM_EINVAL;
		port = strtol(port_s, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return DM_EINVAL;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ns.addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ns.addr;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		if (entry[0] == '[')
			return DM_EINVAL;
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		ns.addr_len = sizeof(*v4);
		if (port != 53)
			snprintf(ns.label, sizeof(ns.label), "%s:%ld", host, port);
		else
			snprintf(ns.label, sizeof(ns.label), "%s", host);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		char canon[INET6_ADDRSTRLEN];
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		ns.addr_len = sizeof(*v6);
		inet_ntop(AF_INET6, &v6->sin6_addr, canon, sizeof(canon));
		if (port != 53)
			snprintf(ns.label, sizeof(ns.label), "[%s]:%ld", canon, port);
		else
			snprintf(ns.label, sizeof(ns.label), "%s", canon);
	} else {
		return DM_EINVAL;
	}
	*ret = ns;
	return 0;
}

int cli_dns_build_query(const char *name, uint16_t id, uint8_t *out, size_t cap, size_t *ret_len)
{
	uint8_t wire[DM_DNAME_MAX];
	size_t wlen, n;
	size_t nlen = strlen(name);

	if (nlen == 0 || dm_dname_from_text(name, nlen, wire, &wlen) < 0)
		return DM_EINVAL;
	n = DM_DNS_HEADER_LEN + wlen + 4 + DM_DNS_OPT_LEN;
	if (n > cap)
		return DM_ETOOBIG;
	memset(out, 0, DM_DNS_HEADER_LEN);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = DM_DNS_F2_RD;
	out[5] = 1;  /* QDCOUNT */
	out[11] = 1; /* ARCOUNT: OPT */
	/* dm_dname_from_text lower-cases; the node matches names exactly, so
	 * write the labels as given. */
	{
		size_t o = DM_DNS_HEADER_LEN, i = 0;
		while (i < nlen) {
			size_t j = i;
			while (j < nlen && name[j] != '.')
				j++;
			out[o++] = (uint8_t)(j - i);
			memcpy(out + o, name + i, j - i);
			o += j - i;
			i = j + 1;
		}
		out[o++] = 0;
		if (o != DM_DNS_HEADER_LEN + wlen)
			return DM_EINVAL;
	}
	uint8_t *q = out + DM_DNS_HEADER_LEN + wlen;
	q[0] = 0;
	q[1] = DM_DNS_TYPE_TXT;
	q[2] = 0;
	q[3] = DM_DNS_CLASS_IN;
	q += 4;
	/* OPT: root owner, type 41, 4096-byte payload, no flags, no options. */
	q[0] = 0;
	q[1] = 0;
	q[2] = DM_DNS_TYPE_OPT;
	q[3] = 0x10;
	q[4] = 0x00;
	memset(q + 5, 0, 6);
	*ret_len = n;
	return 0;
}

static bool name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t la[DM_DNAME_MAX], lb[DM_DNAME_MAX];
	if (alen != blen || alen > DM_DNAME_MAX)
		return false;
	dm_dname_lower(a, alen, la);
	dm_dname_lower(b, blen, lb);
	return memcmp(la, lb, alen) == 0;
}

int cli_dns_parse_response(const uint8_t *pkt, size_t len, const uint8_t *query, size_t query_len,
			   struct dm_txtset *out, uint8_t *ret_rcode, bool *ret_tc)
{
	uint8_t qname[DM_DNAME_MAX], rname[DM_DNAME_MAX], target[DM_DNAME_MAX];
	size_t qlen, rlen, tlen, off = DM_DNS_HEADER_LEN, qoff = DM_DNS_HEADER_LEN;
	uint16_t ancount;
	uint8_t *buf = NULL;

	if (len < DM_DNS_HEADER_LEN || query_len < DM_DNS_HEADER_LEN)
		return DM_EINVAL;
	if (pkt[0] != query[0] || pkt[1] != query[1] || !(pkt[2] & DM_DNS_F2_QR))
		return DM_EINVAL;
	*ret_tc = (pkt[2] & DM_DNS_F2_TC) != 0;
	*ret_rcode = pkt[3] & 0x0f;
	if (dm_dns_u16(pkt + 4) != 1) {
		/* Some servers drop the question on errors; nothing to read then. */
		if (dm_dns_u16(pkt + 4) == 0 && dm_dns_u16(pkt + 6) == 0)
			return 0;
		return DM_EINVAL;
	}
	if (dm_dname_unpack(query, query_len, &qoff, qname, &qlen) < 0 ||
	    dm_dname_unpack(pkt, len, &off, rname, &rlen) < 0 || off + 4 > len ||
	    !name_eq(qname, qlen, rname, rlen) || dm_dns_u16(pkt + off) != DM_DNS_TYPE_TXT ||
	    dm_dns_u16(pkt + off + 2) != DM_DNS_CLASS_IN)
		return DM_EINVAL;
	off += 4;
	if (*ret_tc)
		return 0;
	memcpy(target, qname, qlen);
	tlen = qlen;
	ancount = dm_dns_u16(pkt + 6);
	for (unsigned i = 0; i < ancount; i++) {
		struct dm_dns_rr rr;
		if (dm_dns_rr_read(pkt, len, &off, &rr) < 0) {
			free(buf);
			return DM_EINVAL;
		}
		if (rr.rclass != DM_DNS_CLASS_IN || !name_eq(rr.owner, rr.owner_len, target, tlen))
			continue;
		if (rr.type == 5 /* CNAME */) {
			size_t coff = rr.rdata_off;
			if (dm_dname_unpack(pkt, len, &coff, target, &tlen) < 0) {
				free(buf);
				return DM_EINVAL;
			}
			continue;
		}
		if (rr.type != DM_DNS_TYPE_TXT)
			continue;
		if (buf == NULL)
			buf = cli_xmalloc(DM_DNS_MSG_MAX);
		long n = dm_txt_rdata_decode(pkt + rr.rdata_off, rr.rdlen, buf, DM_DNS_MSG_MAX);
		if (n < 0)
			continue;
		if (dm_txtset_add(out, (const char *)buf, (size_t)n) < 0)
			break;
	}
	free(buf);
	return 0;
}

void cli_txtset_clear(struct dm_txtset *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->values[i]);
	free(set->values);
	free(set->lens);
	memset(set, 0, sizeof(*set));
}

static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		uint64_t now = cli_mono_ms();
		struct pollfd p = {.fd = fd, .events = ev};
		int r;
		if (now >= deadline)
			return DM_ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r == 0)
			return DM_ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int errmsg(char *err, const struct cli_ns *ns, const char *what, int r)
{
	snprintf(err, CLI_ERR_MAX, "resolver %s: %s%s", ns->label, what,
		 r == DM_ETIMEDOUT ? "timed out" : strerror(r < 0 && r > -4096 ? -r : EIO));
	return r;
}

static int query_udp(const struct cli_ns *ns, const uint8_t *q, size_t qlen, uint64_t deadline,
		     uint8_t *resp, size_t cap, size_t *ret_len, char *err)
{
	int fd = socket(ns->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int r = 0;

	if (fd < 0)
		return errmsg(err, ns, "", -errno);
	/* connect() so an ICMP "port unreachable" fails at once (ECONNREFUSED). */
	if (connect(fd, (const struct sockaddr *)&ns->addr, ns->addr_len) < 0 ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen) {
		r = -errno;
		close(fd);
		return errmsg(err, ns, "", r);
	}
	for (;;) {
		ssize_t n;
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			break;
		n = recv(fd, resp, cap, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		/* Ignore stray datagrams that are not our answer. */
		if (n >= DM_DNS_HEADER_LEN && resp[0] == q[0] && resp[1] == q[1]) {
			*ret_len = (size_t)n;
			break;
		}
	}
	close(fd);
	return r < 0 ? errmsg(err, ns, "", r) : 0;
}

static int io_all(int fd, uint8_t *p, size_t len, bool wr, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n;
		int r = wait_fd(fd, wr ? POLLOUT : POLLIN, deadline);
		if (r < 0)
			return r;
		n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int query_tcp(const struct cli_ns *ns, const uint8_t *q, size_t qlen, uint64_t deadline,
		     uint8_t *resp, size_t *ret_len, char *err)
{
	int fd = socket(ns->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	uint8_t hdr[2] = {(uint8_t)(qlen >> 8), (uint8_t)qlen};
	uint8_t lenb[2];
	int r;

	if (fd < 0)
		return errmsg(err, ns, "tcp: ", -errno);
	if (connect(fd, (const struct sockaddr *)&ns->addr, ns->addr_len) < 0 &&
	    errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return errmsg(err, ns, "tcp: ", r);
	}
	r = wait_fd(fd, POLLOUT, deadline);
	if (r == 0) {
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		r = -e;
	}
	if (r == 0)
		r = io_all(fd, hdr, 2, true, deadline);
	if (r == 0)
		r = io_all(fd, (uint8_t *)q, qlen, true, deadline);
	if (r == 0)
		r = io_all(fd, lenb, 2, false, deadline);
	if (r == 0) {
		size_t n = (size_t)dm_dns_u16(lenb);
		r = io_all(fd, resp, n, false, deadline);
		*ret_len = n;
	}
	close(fd);
	return r < 0 ? errmsg(err, ns, "tcp: ", r) : 0;
}

int cli_dns_query(const struct cli_ns *ns, const char *name, int timeout_ms, struct dm_txtset *out,
		  uint8_t *ret_rcode, char *err)
{
	uint8_t q[CLI_DNS_QUERY_MAX];
	uint8_t *resp = cli_xmalloc(DM_DNS_MSG_MAX);
	uint64_t deadline = cli_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1);
	uint16_t id;
	size_t qlen, rlen = 0;
	bool tc = false;
	int r;

	randombytes_buf(&id, sizeof(id));
	r = cli_dns_build_query(name, id, q, sizeof(q), &qlen);
	if (r < 0) {
		free(resp);
		snprintf(err, CLI_ERR_MAX, "cannot query '%.100s': not a DNS name", name);
		return r;
	}
	r = query_udp(ns, q, qlen, deadline, resp, DM_DNS_MSG_MAX, &rlen, err);
	if (r == 0) {
		r = cli_dns_parse_response(resp, rlen, q, qlen, out, ret_rcode, &tc);
		if (r < 0)
			snprintf(err, CLI_ERR_MAX, "resolver %s: malformed response", ns->label);
	}
	if (r == 0 && tc) {
		cli_txtset_clear(out);
		r = query_tcp(ns, q, qlen, deadline, resp, &rlen, err);
		if (r == 0) {
			r = cli_dns_parse_response(resp, rlen, q, qlen, out, ret_rcode, &tc);
			if (r < 0)
				snprintf(err, CLI_ERR_MAX, "resolver %s: malformed TCP response",
					 ns->label);
		}
	}
	free(resp);
	if (r < 0)
		cli_txtset_clear(out);
	return r;
}
