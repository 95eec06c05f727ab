/*
 * DNS over HTTPS (RFC 8484): GET with ?dns=<base64url> and POST with an
 * application/dns-message body, answered by the same engine and data as
 * the dns-frontend (dm_dns_respond over the table the store's change feed
 * keeps current). Freshness: max-age = the smallest TTL in the answer
 * (RFC 8484 §5.1).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/codec/base64.h"
#include "common/dns/answer.h"
#include "common/dns/packet.h"
#include "common/err.h"
#include "services/https-frontend/api_internal.h"

enum { DOH_NOERROR, DOH_NXDOMAIN, DOH_FORMERR, DOH_SERVFAIL, DOH_LIMITED, DOH_MALFORMED };

int api_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	char buf[((DM_DNS_MSG_MAX + 2) / 3) * 4 + 4];
	if (len == 0 || len > sizeof(buf) - 4 || len % 4 == 1)
		return DM_EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = in[i];
		if (ch == '+' || ch == '/' || ch == '=')
			return DM_EINVAL; /* not the URL alphabet, or padded */
		buf[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
	}
	size_t n = len;
	while (n % 4 != 0)
		buf[n++] = '=';
	return dm_b64_decode_strict(buf, n, out, cap, ret_len);
}

uint32_t api_dns_min_ttl(const uint8_t *msg, size_t len)
{
	if (len < DM_DNS_HEADER_LEN)
		return 0;
	size_t qd = dm_dns_u16(msg + 4), an = dm_dns_u16(msg + 6), ns = dm_dns_u16(msg + 8);
	size_t off = DM_DNS_HEADER_LEN;
	for (size_t i = 0; i < qd; i++) {
		/* skip the question: a name, then type and class */
		struct dm_dns_rr rr;
		size_t o = off;
		/* dm_dns_rr_read needs ttl/rdlen; a question has neither, so walk the name */
		while (o < len && msg[o] != 0) {
			if ((msg[o] & 0xc0) == 0xc0) {
				o++;
				break;
			}
			o += (size_t)msg[o] + 1;
		}
		o += 1 + 4;
		if (o > len)
			return 0;
		off = o;
		(void)rr;
	}
	bool any = false;
	uint32_t min = 0;
	for (size_t i = 0; i < an + ns; i++) {
		struct dm_dns_rr rr;
		if (dm_dns_rr_read(msg, len, &off, &rr) != 0)
			break;
		if (rr.type == DM_DNS_TYPE_OPT)
			continue;
		if (!any || rr.ttl < min)
			min = rr.ttl;
		any = true;
	}
	return any ? min : 0;
}

static int outcome_of(uint8_t rcode)
{
	switch (rcode) {
	case DM_DNS_RCODE_NOERROR:
		return DOH_NOERROR;
	case DM_DNS_RCODE_NXDOMAIN:
		return DOH_NXDOMAIN;
	case DM_DNS_RCODE_FORMERR:
		return DOH_FORMERR;
	case DM_DNS_RCODE_SERVFAIL:
		return DOH_SERVFAIL;
	default:
		return -1;
	}
}

/* The media type without parameters, case-insensitively. */
static bool is_dns_message(const char *ctype)
{
	size_t n = strcspn(ctype, ";");
	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	return n == 23 && strncasecmp(ctype, "application/dns-message", 23) == 0;
}

/* The value of `key` in the query string of `target`, or NULL. */
static const char *query_param(const char *target, const char *key, size_t *ret_len)
{
	const char *q = strchr(target, '?');
	size_t klen = strlen(key);
	while (q != NULL) {
		q++;
		size_t n = strcspn(q, "&");
		if (n > klen && memcmp(q, key, klen) == 0 && q[klen] == '=') {
			*ret_len = n - klen - 1;
			return q + klen + 1;
		}
		q = q[n] == '&' ? q + n : NULL;
	}
	return NULL;
}

void api_doh(struct api_call *c)
{
	static uint8_t query[DM_DNS_MSG_MAX], out[DM_DNS_MSG_MAX];
	struct api *a = c->api;
	const struct http_request *q = c->req;
	size_t qlen = 0;
	if (!api_rate_ok(c, a->rl_doh)) {
		a->doh[DOH_LIMITED]++;
		api_reply_error(c, 429, "rate limit exceeded");
		return;
	}
	if (q->method == HTTP_POST) {
		if (!is_dns_message(q->content_type)) {
			api_reply_error(c, 415, "expected Content-Type: application/dns-message");
			return;
		}
		qlen = q->body_len;
		memcpy(query, q->body, qlen);
	} else {
		size_t plen;
		const char *p = query_param(q->target, "dns", &plen);
		if (p == NULL) {
			api_reply_error(c, 400, "missing dns parameter");
			return;
		}
		if (api_b64url_decode(p, plen, query, sizeof(query), &qlen) != 0) {
			a->doh[DOH_MALFORMED]++;
			api_reply_error(c, 400, "dns parameter is not base64url");
			return;
		}
	}
	size_t olen;
	const struct dm_dns_table *t = a->table ? *a->table : NULL;
	int r = dm_dns_respond(a->dns, t, api_now_s(a), query, qlen, true, out, sizeof(out), &olen);
	if (r != 0) {
		a->doh[DOH_MALFORMED]++;
		api_reply_error(c, 400, "not a DNS query");
		return;
	}
	int oc = outcome_of(out[3] & 0x0f);
	if (oc >= 0)
		a->doh[oc]++;
	snprintf(c->extra, sizeof(c->extra), "Cache-Control: max-age=%u\r\n",
		 api_dns_min_ttl(out, olen));
	api_reply_raw(c, 200, "application/dns-message", out, olen);
}
