/*
 * Peer lists for the heartbeat worker: canonical URLs (node.md §10.5) and
 * the host=address overrides of DMP_HEARTBEAT_RESOLVE. Pure functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "services/heartbeat/peers.h"

int hb_url_canon(const char *in, size_t len, char out[HB_URL_MAX])
{
	while (len > 0 && isspace((unsigned char)*in))
		in++, len--;
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	const char *scheme;
	size_t skip;
	if (len >= 8 && strncasecmp(in, "https://", 8) == 0)
		scheme = "https", skip = 8;
	else if (len >= 7 && strncasecmp(in, "http://", 7) == 0)
		scheme = "http", skip = 7;
	else
		return DM_EINVAL;
	const char *p = in + skip, *end = in + len;
	size_t auth = 0;
	while (p + auth < end && strchr("/?#", p[auth]) == NULL)
		auth++;
	if (auth == 0 || memchr(p, '@', auth) != NULL)
		return DM_EINVAL;
	/* host[:port], host possibly a bracketed IPv6 literal */
	size_t hlen = auth;
	const char *port = NULL;
	size_t plen = 0;
	if (p[0] == '[') {
		const char *rb = memchr(p, ']', auth);
		if (rb == NULL)
			return DM_EINVAL;
		hlen = (size_t)(rb - p) + 1;
	} else {
		const char *colon = memchr(p, ':', auth);
		if (colon != NULL)
			hlen = (size_t)(colon - p);
	}
	if (hlen < auth) {
		if (p[hlen] != ':')
			return DM_EINVAL;
		port = p + hlen + 1;
		plen = auth - hlen - 1;
		if (plen == 0 || plen > 5)
			return DM_EINVAL;
		for (size_t i = 0; i < plen; i++)
			if (!isdigit((unsigned char)port[i]))
				return DM_EINVAL;
		long v = strtol(port, NULL, 10);
		if (v < 1 || v > 65535)
			return DM_EINVAL;
		if ((strcmp(scheme, "https") == 0 && v == 443) ||
		    (strcmp(scheme, "http") == 0 && v == 80))
			port = NULL;
	}
	if (hlen == 0)
		return DM_EINVAL;
	char host[HB_URL_MAX];
	if (hlen >= sizeof(host))
		return DM_EINVAL;
	for (size_t i = 0; i < hlen; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '\\')
			return DM_EINVAL;
		host[i] = (char)tolower(ch);
	}
	host[hlen] = '\0';
	int n = port ? snprintf(out, HB_URL_MAX, "%s://%s:%.*s", scheme, host, (int)plen, port)
		     : snprintf(out, HB_URL_MAX, "%s://%s", scheme, host);
	return n < 0 || n >= HB_URL_MAX ? DM_EINVAL : 0;
}

static void add(struct hb_peer_list *l, const char *url, size_t len, const char *self_canon,
		size_t max)
{
	char c[HB_URL_MAX];
	if (l->n >= max || l->n >= HB_PEERS_MAX || hb_url_canon(url, len, c) != 0)
		return;
	if (self_canon[0] != '\0' && strcmp(c, self_canon) == 0)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->url[i], c) == 0)
			return;
	memcpy(l->url[l->n++], c, sizeof(c));
}

void hb_peer_list(const char *seeds, const char *const *learned, size_t nlearned, const char *self,
		  size_t max, struct hb_peer_list *ret)
{
	char self_canon[HB_URL_MAX] = "";
	ret->n = 0;
	if (self != NULL && hb_url_canon(self, strlen(self), self_canon) != 0)
		self_canon[0] = '\0';
	for (const char *s = seeds ? seeds : ""; *s != '\0';) {
		size_t len = strcspn(s, ",");
		add(ret, s, len, self_canon, max);
		s += len + (s[len] == ',');
	}
	for (size_t i = 0; i < nlearned; i++)
		if (learned[i] != NULL)
			add(ret, learned[i], strlen(learned[i]), self_canon, max);
}

int hb_resolve(const char *map, const char *url, char out[HB_URL_MAX])
{
	snprintf(out, HB_URL_MAX, "%s", url);
	if (map == NULL || strncmp(url, "http://", 7) != 0)
		return 0;
	const char *host = url + 7;
	size_t hlen = strcspn(host, ":/?#");
	for (const char *m = map; *m != '\0';) {
		size_t len = strcspn(m, ",");
		const char *eq = memchr(m, '=', len);
		if (eq != NULL && (size_t)(eq - m) == hlen && strncasecmp(m, host, hlen) == 0) {
			int alen = (int)(len - (size_t)(eq - m) - 1);
			int n =
			    snprintf(out, HB_URL_MAX, "http://%.*s%s", alen, eq + 1, host + hlen);
			if (n > 0 && n < HB_URL_MAX)
				return 1;
			snprintf(out, HB_URL_MAX, "%s", url);
			return 0;
		}
		m += len + (m[len] == ',');
	}
	return 0;
}
