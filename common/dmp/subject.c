#include "common/dmp/subject.h"

#include <string.h>

#include "common/codec/unicode.h"
#include "common/dmp/names.h"

/* Python's str.isspace(): the code points str.strip() removes by default. */
static bool py_isspace(uint32_t cp)
{
	if ((cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20))
		return true;
	if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a))
		return true;
	return cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/*
 * Python's str.strip() on UTF-8 `s[*off .. *off + *len)`; false if the span
 * is not valid UTF-8. Narrows the span in place.
 */
static bool py_strip(const char *s, size_t *off, size_t *len)
{
	const uint8_t *p = (const uint8_t *)s + *off;
	size_t pos = 0, first = *len, end = 0;
	while (pos < *len) {
		size_t start = pos;
		uint32_t cp;
		if (!dm_utf8_next(p, *len, &pos, &cp))
			return false;
		if (py_isspace(cp))
			continue;
		if (first == *len)
			first = start;
		end = pos;
	}
	if (first == *len) {
		*len = 0;
		return true;
	}
	*off += first;
	*len = end - first;
	return true;
}

static size_t drop_one_dot(const char *s, size_t len)
{
	return len > 0 && s[len - 1] == '.' ? len - 1 : len;
}

static bool ascii_ci_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

bool dm_dns_name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	return ascii_ci_equal(a, drop_one_dot(a, alen), b, drop_one_dot(b, blen));
}

/* The trimmed user and host spans of "user@host"; false without an '@' or on bad UTF-8. */
static bool split_user(const char *s, size_t len, size_t *uoff, size_t *ulen, size_t *hoff,
		       size_t *hlen)
{
	const char *at = len ? memchr(s, '@', len) : NULL;
	if (at == NULL)
		return false;
	*uoff = 0;
	*ulen = (size_t)(at - s);
	*hoff = *ulen + 1;
	*hlen = len - *hoff;
	return py_strip(s, uoff, ulen) && py_strip(s, hoff, hlen);
}

bool dm_subject_ok(unsigned type, const char *s, size_t len)
{
	size_t uoff, ulen, hoff, hlen, pos = 0;
	uint32_t cp;

	if (len == 0 || len > DM_SUBJECT_MAX)
		return false;
	switch (type) {
	case DM_SUBJECT_USER:
		while (pos < len)
			if (!dm_utf8_next((const uint8_t *)s, len, &pos, &cp))
				return false;
		if (!split_user(s, len, &uoff, &ulen, &hoff, &hlen))
			return false;
		/* The host is a DNS name of any length (only the u8 field bounds it). */
		return ulen > 0 && hlen > 0 && dm_dns_name_strict_ok(s + hoff, hlen, 0);
	case DM_SUBJECT_CLUSTER:
	case DM_SUBJECT_BOOTSTRAP:
		return dm_dns_name_strict_ok(s, len, DM_SUBJECT_DNS_MAX);
	default:
		return false;
	}
}

bool dm_subject_equal(unsigned type, const char *subject, size_t subject_len, const char *expected,
		      size_t expected_len)
{
	size_t su, sul, sh, shl, eu, eul, eh, ehl;

	if (type != DM_SUBJECT_USER)
		return dm_dns_name_equal(subject, subject_len, expected, expected_len);
	/* The reference leaves a subject without '@' as is; a valid record subject has one. */
	if (!split_user(subject, subject_len, &su, &sul, &sh, &shl) ||
	    !split_user(expected, expected_len, &eu, &eul, &eh, &ehl))
		return false;
	if (sul != eul || memcmp(subject + su, expected + eu, sul) != 0)
		return false;
	return dm_dns_name_equal(subject + sh, shl, expected + eh, ehl);
}
