#include "common/dmp/envelope.h"

#include <stdbool.h>
#include <string.h>

#include "common/err.h"

#define LOCAL_MAX 64
#define LABEL_MAX 63
#define HOST_MAX  253

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Python's str.strip() whitespace, restricted to ASCII. */
static bool is_py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool local_ok(const char *s, size_t n)
{
	if (n == 0 || n > LOCAL_MAX || !is_lower_alnum(s[0]) || s[n - 1] == '.')
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!is_lower_alnum(c) && c != '_' && c != '-' && c != '.')
			return false;
		if (c == '.' && s[i - 1] == '.')
			return false;
	}
	return true;
}

static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

int dm_envelope_canon_addr(const char *addr, size_t len, char ret_addr[DM_ADDR_MAX + 1])
{
	char buf[DM_ADDR_MAX + 1];
	size_t b = 0, e = len, at = 0, ats = 0;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)addr[i] >= 0x80)
			return DM_EINVAL;
	while (b < e && is_py_space(addr[b]))
		b++;
	while (e > b && is_py_space(addr[e - 1]))
		e--;
	for (size_t i = b; i < e; i++) {
		if (addr[i] == '@') {
			at = i - b;
			ats++;
		}
	}
	if (ats != 1)
		return DM_EINVAL;
	size_t local_len = at, host_len = e - b - at - 1;
	const char *host = addr + b + at + 1;
	while (host_len > 0 && host[host_len - 1] == '.')
		host_len--;
	if (local_len == 0 || host_len == 0 || host_len > HOST_MAX || local_len > LOCAL_MAX)
		return DM_EINVAL;
	for (size_t i = 0; i < local_len; i++) {
		char c = addr[b + i];
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	buf[local_len] = '@';
	for (size_t i = 0; i < host_len; i++) {
		char c = host[i];
		buf[local_len + 1 + i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	size_t total = local_len + 1 + host_len;
	buf[total] = '\0';
	if (!local_ok(buf, local_len))
		return DM_EINVAL;
	const char *h = buf + local_len + 1;
	for (size_t i = 0, start = 0; i <= host_len; i++) {
		if (i == host_len || h[i] == '.') {
			if (!label_ok(h + start, i - start))
				return DM_EINVAL;
			start = i + 1;
		}
	}
	memcpy(ret_addr, buf, total + 1);
	return 0;
}

int dm_envelope_encode(const uint8_t *body, size_t len, const char *sender_addr, uint8_t *out,
		       size_t outcap, size_t *ret_len)
{
	char addr[DM_ADDR_MAX + 1];
	size_t hdr = 0;

	if (sender_addr != NULL &&
	    dm_envelope_canon_addr(sender_addr, strlen(sender_addr), addr) == 0) {
		/* {"from":"<addr>"}: the canonical alphabet needs no JSON escaping. */
		hdr = strlen("{\"from\":\"\"}") + strlen(addr);
		if (hdr > DM_ENVELOPE_HEADER_MAX)
			hdr = 0;
	}
	size_t pre = hdr ? DM_ENVELOPE_PREFIX_LEN + hdr + 1 : 0;
	if (len > outcap || outcap - len < pre)
		return DM_ETOOBIG;
	if (hdr) {
		size_t o = 0;
		memcpy(out + o, DM_ENVELOPE_PREFIX, DM_ENVELOPE_PREFIX_LEN);
		o += DM_ENVELOPE_PREFIX_LEN;
		memcpy(out + o, "{\"from\":\"", 9);
		o += 9;
		memcpy(out + o, addr, strlen(addr));
		o += strlen(addr);
		memcpy(out + o, "\"}\n", 3);
	}
	if (len)
		memmove(out + pre, body, len);
	*ret_len = pre + len;
	return 0;
}

/*
 * A validator for the JSON that Python's json.loads() accepts (strict mode:
 * no control characters inside strings; NaN, Infinity and -Infinity allowed),
 * so the v1 fallback triggers on exactly the same headers. It only records
 * where the last top-level "from" string lies; nothing is allocated.
 */
struct jscan {
	const char *s;
	size_t n, i;
	int depth;
	bool from_is_str;
	size_t from_b, from_e; /* raw string contents, escapes undecoded */
};

#define JSCAN_DEPTH_MAX 512

static void jws(struct jscan *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' ||
			       j->s[j->i] == '\r'))
		j->i++;
}

static bool jlit(struct jscan *j, const char *lit)
{
	size_t l = strlen(lit);
	if (j->n - j->i < l || memcmp(j->s + j->i, lit, l) != 0)
		return false;
	j->i += l;
	return true;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* At '"': skips the string; sets [*b, *e) to its raw contents. */
static bool jstring(struct jscan *j, size_t *b, size_t *e)
{
	if (j->i >= j->n || j->s[j->i] != '"')
		return false;
	*b = ++j->i;
	while (j->i < j->n) {
		unsigned char c = (unsigned char)j->s[j->i];
		if (c == '"') {
			*e = j->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++j->i >= j->n)
				return false;
			c = (unsigned char)j->s[j->i];
			if (c == 'u') {
				if (j->n - j->i < 5)
					return false;
				for (size_t k = 1; k <= 4; k++)
					if (!is_hex(j->s[j->i + k]))
						return false;
				j->i += 4;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return false;
			}
		}
		j->i++;
	}
	return false;
}

static bool jnumber(struct jscan *j)
{
	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (j->i >= j->n)
		return false;
	if (j->s[j->i] == '0') {
		j->i++;
	} else if (j->s[j->i] >= '1' && j->s[j->i] <= '9') {
		while (j->i < j->n && is_digit(j->s[j->i]))
			j->i++;
	} else {
		return false;
	}
	/* A '.' or 'e' without digits is left unconsumed, as Python does. */
	if (j->i + 1 < j->n && j->s[j->i] == '.' && is_digit(j->s[j->i + 1])) {
		j->i += 2;
		while (j->i < j->n && is_digit(j->s[j->i]))
			j->i++;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		size_t k = j->i + 1;
		if (k < j->n && (j->s[k] == '+' || j->s[k] == '-'))
			k++;
		if (k < j->n && is_digit(j->s[k])) {
			while (k < j->n && is_digit(j->s[k]))
				k++;
			j->i = k;
		}
	}
	return true;
}

/* ASCII-decodes a string's raw contents; false on a non-ASCII code point. */
static bool junescape(const char *s, size_t b, size_t e, char *out, size_t cap, size_t *ret_len)
{
	size_t o = 0;
	for (size_t i = b; i < e; i++) {
		char c = s[i];
		if (c == '\\') {
			c = s[++i];
			switch (c) {
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned v = 0;
				for (size_t k = 1; k <= 4; k++) {
					char h = s[i + k];
					v = v * 16 + (unsigned)(is_digit(h)
								    ? h - '0'
								    : (h | 0x20) - 'a' + 10);
				}
				i += 4;
				if (v >= 0x80)
					return false;
				c = (char)v;
				break;
			}
			default:
				break; /* '"', '\\', '/' stand for themselves */
			}
		}
		if (o >= cap)
			return false;
		out[o++] = c;
	}
	*ret_len = o;
	return true;
}

static bool jvalue(struct jscan *j);

static bool jobject(struct jscan *j)
{
	bool top = j->depth == 1;
	j->i++; /* '{' */
	jws(j);
	if (j->i < j->n && j->s[j->i] == '}') {
		j->i++;
		return true;
	}
	for (;;) {
		size_t kb, ke, vb = 0, ve = 0;
		if (!jstring(j, &kb, &ke))
			return false;
		jws(j);
		if (j->i >= j->n || j->s[j->i] != ':')
			return false;
		j->i++;
		jws(j);
		bool is_str = j->i < j->n && j->s[j->i] == '"';
		if (is_str) {
			if (!jstring(j, &vb, &ve))
				return false;
		} else if (!jvalue(j)) {
			return false;
		}
		char key[4];
		size_t klen;
		if (top && junescape(j->s, kb, ke, key, sizeof(key), &klen) && klen == 4 &&
		    memcmp(key, "from", 4) == 0) {
			/* dict semantics: the last duplicate key wins. */
			j->from_is_str = is_str;
			j->from_b = vb;
			j->from_e = ve;
		}
		jws(j);
		if (j->i < j->n && j->s[j->i] == '}') {
			j->i++;
			return true;
		}
		if (j->i >= j->n || j->s[j->i] != ',')
			return false;
		j->i++;
		jws(j);
	}
}

static bool jarray(struct jscan *j)
{
	j->i++; /* '[' */
	jws(j);
	if (j->i < j->n && j->s[j->i] == ']') {
		j->i++;
		return true;
	}
	for (;;) {
		if (!jvalue(j))
			return false;
		jws(j);
		if (j->i < j->n && j->s[j->i] == ']') {
			j->i++;
			return true;
		}
		if (j->i >= j->n || j->s[j->i] != ',')
			return false;
		j->i++;
		jws(j);
	}
}

static bool jvalue(struct jscan *j)
{
	size_t b, e;
	bool ok;

	if (j->i >= j->n || j->depth >= JSCAN_DEPTH_MAX)
		return false;
	switch (j->s[j->i]) {
	case '{':
		j->depth++;
		ok = jobject(j);
		j->depth--;
		return ok;
	case '[':
		j->depth++;
		ok = jarray(j);
		j->depth--;
		return ok;
	case '"':
		return jstring(j, &b, &e);
	case 'n':
		return jlit(j, "null");
	case 't':
		return jlit(j, "true");
	case 'f':
		return jlit(j, "false");
	case 'N':
		return jlit(j, "NaN");
	case 'I':
		return jlit(j, "Infinity");
	case '-':
		if (jlit(j, "-Infinity"))
			return true;
		return jnumber(j);
	default:
		return jnumber(j);
	}
}

void dm_envelope_decode(const uint8_t *pt, size_t len, struct dm_envelope_view *ret)
{
	struct dm_envelope_view v = {.v2 = false, .body = pt, .body_len = len, .has_from = false};
	struct jscan j = {0};
	const uint8_t *rest, *nl;
	size_t rest_len, scan;

	if (len < DM_ENVELOPE_PREFIX_LEN || memcmp(pt, DM_ENVELOPE_PREFIX, DM_ENVELOPE_PREFIX_LEN))
		goto done;
	rest = pt + DM_ENVELOPE_PREFIX_LEN;
	rest_len = len - DM_ENVELOPE_PREFIX_LEN;
	scan = rest_len < DM_ENVELOPE_HEADER_MAX + 1 ? rest_len : DM_ENVELOPE_HEADER_MAX + 1;
	nl = memchr(rest, '\n', scan);
	if (nl == NULL)
		goto done;
	j.s = (const char *)rest;
	j.n = (size_t)(nl - rest);
	for (size_t i = 0; i < j.n; i++) /* the header is decoded as ASCII */
		if (rest[i] >= 0x80)
			goto done;
	jws(&j);
	if (j.i >= j.n || j.s[j.i] != '{')
		goto done;
	if (!jvalue(&j))
		goto done;
	jws(&j);
	if (j.i != j.n)
		goto done;
	v.v2 = true;
	v.body = nl + 1;
	v.body_len = len - (size_t)(nl + 1 - pt);
	if (j.from_is_str) {
		char raw[DM_ENVELOPE_HEADER_MAX];
		size_t raw_len;
		if (junescape(j.s, j.from_b, j.from_e, raw, sizeof(raw), &raw_len) &&
		    dm_envelope_canon_addr(raw, raw_len, v.from) == 0)
			v.has_from = true;
	}
done:
	*ret = v;
}
