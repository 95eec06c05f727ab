/*
 * Heartbeat endpoint shape check (wire.md §12.3), reproducing what the
 * reference's urlsplit + ipaddress checks accept. Python's "non-public"
 * address sets changed between releases (3.11 vs 3.12.4+/3.13); we reject
 * the union of both, so an endpoint either release refuses is refused here.
 */
#include "common/dmp/heartbeat.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "common/err.h"

struct span {
	const char *p;
	size_t len;
};

static const char *find_any(struct span s, const char *set)
{
	for (size_t i = 0; i < s.len; i++)
		if (strchr(set, s.p[i]) != NULL)
			return s.p + i;
	return NULL;
}

static bool span_eq_ci(struct span s, const char *lit)
{
	return strlen(lit) == s.len && strncasecmp(s.p, lit, s.len) == 0;
}

/* Python's IPv4Address(): exactly four decimal octets, no leading zeros. */
static bool parse_ipv4(struct span s, uint32_t *ret)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		size_t start = i;
		unsigned v = 0;

		while (i < s.len && isdigit((unsigned char)s.p[i])) {
			v = v * 10 + (unsigned)(s.p[i] - '0');
			i++;
			if (i - start > 3)
				return false;
		}
		if (i == start || v > 255 || (i - start > 1 && s.p[start] == '0'))
			return false;
		a = a << 8 | v;
		if (octet < 3) {
			if (i >= s.len || s.p[i] != '.')
				return false;
			i++;
		}
	}
	if (i != s.len)
		return false;
	*ret = a;
	return true;
}

/* Python's IPv6Address(), incl. an optional non-empty "%scope". */
static bool parse_ipv6(struct span s, uint8_t ret[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *pct = memchr(s.p, '%', s.len);
	size_t addr_len = pct ? (size_t)(pct - s.p) : s.len;

	if (pct != NULL) {
		size_t scope_len = s.len - addr_len - 1;

		if (scope_len == 0 || memchr(pct + 1, '%', scope_len) != NULL)
			return false;
	}
	if (addr_len == 0 || addr_len >= sizeof(buf))
		return false;
	memcpy(buf, s.p, addr_len);
	buf[addr_len] = '\0';
	return inet_pton(AF_INET6, buf, ret) == 1;
}

static bool ipv4_non_public(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top == 0 || top == 10 || top == 127 || (a & 0xffff0000u) == 0xa9fe0000u ||
	       (a & 0xfff00000u) == 0xac100000u ||
	       ((a & 0xffffff00u) == 0xc0000000u && a != 0xc0000009u && a != 0xc000000au) ||
	       (a & 0xfffffffeu) == 0xc00000aau || (a & 0xffffff00u) == 0xc0000200u ||
	       (a & 0xffff0000u) == 0xc0a80000u || (a & 0xfffe0000u) == 0xc6120000u ||
	       (a & 0xffffff00u) == 0xc6336400u || (a & 0xffffff00u) == 0xcb007100u ||
	       a >= 0xe0000000u; /* multicast 224/4, reserved 240/4, broadcast */
}

static bool ipv6_non_public(const uint8_t a[16])
{
	/* Python's reserved list covers everything outside 2000::/3 except
	 * fc00::/7 (private), fe80::/10 (link-local), ff00::/8 (multicast)
	 * and fec0::/10, which no predicate flags. */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return false;
	if ((a[0] & 0xe0) != 0x20)
		return true;
	if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xfe) == 0x00)
		return true; /* 2001::/23 */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return true; /* 2001:db8::/32 */
	if (a[0] == 0x20 && a[1] == 0x02)
		return true;			      /* 2002::/16 */
	return a[0] == 0x3f && (a[1] & 0xf0) == 0xf0; /* 3fff::/20 */
}

/* urlsplit()'s _check_bracketed_host(). */
static bool bracketed_ok(struct span h)
{
	uint8_t a6[16];
	uint32_t a4;
	size_t i = 1;

	if (h.len > 0 && h.p[0] == 'v') {
		/* IPvFuture: v<hex>+ "." <one or more> */
		while (i < h.len && isxdigit((unsigned char)h.p[i]))
			i++;
		return i > 1 && i < h.len && h.p[i] == '.' && i + 1 < h.len;
	}
	return !parse_ipv4(h, &a4) && parse_ipv6(h, a6);
}

int dm_heartbeat_endpoint_check(const char *ep, size_t len)
{
	struct span rest, netloc, host;
	const char *colon, *end, *hash, *q, *br;
	uint8_t a6[16];
	uint32_t a4;
	size_t i;

	if (len < 1 || len > DM_HEARTBEAT_ENDPOINT_MAX)
		return DM_EINVAL;
	for (i = 0; i < len; i++)
		if ((uint8_t)ep[i] < 0x21 || (uint8_t)ep[i] > 0x7e)
			return DM_EINVAL;

	/* Scheme: a letter, then [A-Za-z0-9+.-]*, then ':' (urlsplit). */
	colon = memchr(ep, ':', len);
	if (colon == NULL || colon == ep || !isalpha((unsigned char)ep[0]))
		return DM_EINVAL;
	for (const char *c = ep; c < colon; c++)
		if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
			return DM_EINVAL;
	if (!span_eq_ci((struct span){ep, (size_t)(colon - ep)}, "http") &&
	    !span_eq_ci((struct span){ep, (size_t)(colon - ep)}, "https"))
		return DM_EINVAL;
	rest = (struct span){colon + 1, len - (size_t)(colon - ep) - 1};

	/* Without "//" there is no netloc, hence no host. */
	if (rest.len < 2 || rest.p[0] != '/' || rest.p[1] != '/')
		return DM_EINVAL;
	rest.p += 2;
	rest.len -= 2;
	end = find_any(rest, "/?#");
	netloc = (struct span){rest.p, end ? (size_t)(end - rest.p) : rest.len};
	rest.p += netloc.len;
	rest.len -= netloc.len;

	/* Fragment first, then query, as urlsplit does: only empty ones pass
	 * (`https://h?` and `https://h#` are accepted by the reference). */
	hash = memchr(rest.p, '#', rest.len);
	if (hash != NULL) {
		if ((size_t)(hash - rest.p) + 1 != rest.len)
			return DM_EINVAL;
		rest.len = (size_t)(hash - rest.p);
	}
	q = memchr(rest.p, '?', rest.len);
	if (q != NULL) {
		if ((size_t)(q - rest.p) + 1 != rest.len)
			return DM_EINVAL;
		rest.len = (size_t)(q - rest.p);
	}
	if (rest.len != 0)
		return DM_EINVAL; /* a path */

	if (memchr(netloc.p, '@', netloc.len) != NULL)
		return DM_EINVAL; /* userinfo, even an empty one */
	br = memchr(netloc.p, '[', netloc.len);
	if ((br != NULL) != (memchr(netloc.p, ']', netloc.len) != NULL))
		return DM_EINVAL; /* "Invalid IPv6 URL" */
	if (br != NULL) {
		struct span after = {br + 1, netloc.len - (size_t)(br + 1 - netloc.p)};
		const char *close = memchr(after.p, ']', after.len);

		/* As partition('[') then partition(']'): up to ']' or the end. */
		host = (struct span){after.p, close ? (size_t)(close - after.p) : after.len};
		if (!bracketed_ok(host))
			return DM_EINVAL;
	} else {
		const char *pc = memchr(netloc.p, ':', netloc.len);

		host = (struct span){netloc.p, pc ? (size_t)(pc - netloc.p) : netloc.len};
	}
	if (host.len == 0)
		return DM_EINVAL;
	if (span_eq_ci(host, "localhost") || span_eq_ci(host, "localhost.localdomain") ||
	    span_eq_ci(host, "ip6-localhost"))
		return DM_EINVAL;
	if (parse_ipv4(host, &a4))
		return ipv4_non_public(a4) ? DM_EINVAL : 0;
	if (parse_ipv6(host, a6))
		return ipv6_non_public(a6) ? DM_EINVAL : 0;
	return 0; /* a host name: resolution is the crawler's business */
}
