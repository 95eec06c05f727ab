#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/net/http.h"

static char *path_dup(const char *p, size_t n, bool add_slash)
{
	char *q = malloc(n + 2);
	if (q == NULL)
		return NULL;
	if (add_slash)
		q[0] = '/';
	memcpy(q + add_slash, p, n);
	q[n + add_slash] = '\0';
	return q;
}

int dm_http_url_parse(const char *url, struct dm_http_url *ret)
{
	struct dm_http_url u;
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
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == '\\' || *c == '[' || *c == ']')
			return DM_EINVAL;
	if (hend < pstart) {
		long port = 0;
		const char *c = hend + 1;
		if (*hend != ':' || c == pstart || pstart - c > 5)
			return DM_EINVAL;
		for (; c < pstart; c++) {
			if (*c < '0' || *c > '9')
				return DM_EINVAL;
			port = port * 10 + (*c - '0');
		}
		if (port < 1 || port > 65535)
			return DM_EINVAL;
		u.port = (uint16_t)port;
		u.port_explicit = true;
	}
	if (*pstart == '#' || *pstart == '\0')
		u.path = path_dup("/", 1, false);
	else
		u.path = path_dup(pstart, strcspn(pstart, "#"), *pstart == '?');
	if (u.path == NULL)
		return DM_ENOMEM;
	for (const char *c = u.path; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c == 0x7f) {
			free(u.path);
			return DM_EINVAL;
		}
	*ret = u;
	return 0;
}

void dm_http_url_free(struct dm_http_url *u)
{
	free(u->path);
	u->path = NULL;
}

bool dm_http_host_is_loopback(const char *host)
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
