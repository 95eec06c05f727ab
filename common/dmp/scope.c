#include "common/dmp/scope.h"

#include <sodium.h>
#include <string.h>

#include "common/codec/hex.h"

#define LABELS_MAX 128

struct labels {
	const char *p[LABELS_MAX];
	size_t len[LABELS_MAX];
	size_t n;
};

/* LABEL = [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])? */
static bool is_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* FQDN2 = LABEL(.LABEL)+ from label `from` to the end. */
static bool is_fqdn2(const struct labels *l, size_t from)
{
	if (l->n < from + 2)
		return false;
	for (size_t i = from; i < l->n; i++)
		if (!is_label(l->p[i], l->len[i]))
			return false;
	return true;
}

static bool is_hex(const char *s, size_t len, size_t want)
{
	if (len != want)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool is_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool label_is(const struct labels *l, size_t i, const char *lit)
{
	return l->len[i] == strlen(lit) && memcmp(l->p[i], lit, l->len[i]) == 0;
}

/* `prefix` + digits, e.g. "slot-3". */
static bool prefixed_digits(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);
	return len > pl && memcmp(s, prefix, pl) == 0 && is_digits(s + pl, len - pl);
}

/* Joins labels [from, n) into `out` (capacity 254). */
static void join(const struct labels *l, size_t from, char out[254])
{
	size_t o = 0;
	for (size_t i = from; i < l->n; i++) {
		if (i > from)
			out[o++] = '.';
		memcpy(out + o, l->p[i], l->len[i]);
		o += l->len[i];
	}
	out[o] = '\0';
}

static void copy(char *out, const char *s, size_t len)
{
	memcpy(out, s, len);
	out[len] = '\0';
}

void dm_scope_classify(const char *name, size_t len, struct dm_scope *ret)
{
	char low[DM_SCOPE_NAME_MAX + 1];
	struct labels l;
	memset(ret, 0, sizeof(*ret));
	while (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DM_SCOPE_NAME_MAX)
		return;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return;
		low[i] = c;
	}
	low[len] = '\0';
	if (memchr(low, '.', len) == NULL)
		return;
	l.n = 0;
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (i < len && low[i] != '.')
			continue;
		if (i == start || l.n == LABELS_MAX)
			return; /* empty label (or absurdly many) */
		l.p[l.n] = low + start;
		l.len[l.n] = i - start;
		l.n++;
		start = i + 1;
	}
	ret->cls = DM_SCOPE_OPERATOR;
	/* 1: dmp.<user>.<domain> */
	if (label_is(&l, 0, "dmp") && l.n >= 4 && is_label(l.p[1], l.len[1]) && is_fqdn2(&l, 2)) {
		ret->cls = DM_SCOPE_OWNER;
		ret->rule = DM_SCOPE_RULE_USER;
		copy(ret->user, l.p[1], l.len[1]);
		join(&l, 2, ret->domain);
		return;
	}
	/* 2: id-<h16>.<domain> */
	if (l.len[0] == 19 && memcmp(l.p[0], "id-", 3) == 0 && is_hex(l.p[0] + 3, 16, 16) &&
	    is_fqdn2(&l, 1)) {
		ret->cls = DM_SCOPE_OWNER;
		ret->rule = DM_SCOPE_RULE_ID16;
		copy(ret->hex, l.p[0] + 3, 16);
		join(&l, 1, ret->domain);
		return;
	}
	/* 3: prekeys.id-<h12>.<domain> */
	if (label_is(&l, 0, "prekeys") && l.n >= 4 && l.len[1] == 15 &&
	    memcmp(l.p[1], "id-", 3) == 0 && is_hex(l.p[1] + 3, 12, 12) && is_fqdn2(&l, 2)) {
		ret->cls = DM_SCOPE_OWNER;
		ret->rule = DM_SCOPE_RULE_PREKEYS12;
		copy(ret->hex, l.p[1] + 3, 12);
		join(&l, 2, ret->domain);
		return;
	}
	/*
	 * 3b (ours, not the reference's): rotate.id-<h16>.<domain>, the rotation
	 * record of a hashed identity, belongs to whoever owns id-<h16>.<domain>
	 * (rule 2). The reference leaves it operator-only, so a self-service user
	 * could never publish `dnsmesh identity rotate`; the record is signed by
	 * both the old and the new key anyway.
	 */
	if (label_is(&l, 0, "rotate") && l.n >= 4 && l.len[1] == 19 &&
	    memcmp(l.p[1], "id-", 3) == 0 && is_hex(l.p[1] + 3, 16, 16) && is_fqdn2(&l, 2)) {
		ret->cls = DM_SCOPE_OWNER;
		ret->rule = DM_SCOPE_RULE_ID16;
		copy(ret->hex, l.p[1] + 3, 16);
		join(&l, 2, ret->domain);
		return;
	}
	if (label_is(&l, 0, "rotate") && l.n >= 5 && label_is(&l, 1, "dmp") && is_fqdn2(&l, 3)) {
		/* 4: rotate.dmp.id-<h12>.<fqdn2> is operator-only */
		if (l.len[2] == 15 && memcmp(l.p[2], "id-", 3) == 0 && is_hex(l.p[2] + 3, 12, 12))
			return;
		/* 5: rotate.dmp.<user>.<domain> */
		if (is_label(l.p[2], l.len[2])) {
			ret->cls = DM_SCOPE_OWNER;
			ret->rule = DM_SCOPE_RULE_USER;
			copy(ret->user, l.p[2], l.len[2]);
			join(&l, 3, ret->domain);
			return;
		}
	}
	/* 6: pk-<n>.<h12>.<fqdn2> */
	if (l.n >= 4 && prefixed_digits(l.p[0], l.len[0], "pk-") && is_hex(l.p[1], l.len[1], 12) &&
	    is_fqdn2(&l, 2)) {
		ret->cls = DM_SCOPE_OWNER;
		ret->rule = DM_SCOPE_RULE_PK12;
		copy(ret->hex, l.p[1], 12);
		return;
	}
	/* 7: slot-<n>.mb-<h12>.<fqdn2> */
	if (l.n >= 4 && prefixed_digits(l.p[0], l.len[0], "slot-") && l.len[1] == 15 &&
	    memcmp(l.p[1], "mb-", 3) == 0 && is_hex(l.p[1] + 3, 12, 12) && is_fqdn2(&l, 2)) {
		ret->cls = DM_SCOPE_SHARED;
		return;
	}
	/* 8: chunk-<n>-<h12>.<fqdn2> */
	if (l.n >= 3 && l.len[0] > 6 + 1 + 12 && memcmp(l.p[0], "chunk-", 6) == 0 &&
	    l.p[0][l.len[0] - 13] == '-' && is_digits(l.p[0] + 6, l.len[0] - 6 - 13) &&
	    is_hex(l.p[0] + l.len[0] - 12, 12, 12) && is_fqdn2(&l, 1)) {
		ret->cls = DM_SCOPE_SHARED;
		return;
	}
}

/* sha256hex(s)[:n] == hex */
static bool hash_prefix_eq(const char *s, size_t len, const char *hex, size_t n)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hx[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256(h, (const uint8_t *)s, len);
	dm_hex_encode(h, sizeof(h), hx);
	return strlen(hex) == n && memcmp(hx, hex, n) == 0;
}

bool dm_scope_owner_ok(const struct dm_scope *s, const char *subject, const char *subject_hash12)
{
	if (s->cls != DM_SCOPE_OWNER || subject == NULL)
		return false;
	const char *at = strrchr(subject, '@');
	if (s->rule == DM_SCOPE_RULE_PK12)
		return subject_hash12 != NULL && strlen(subject_hash12) == 12 &&
		       memcmp(subject_hash12, s->hex, 12) == 0;
	if (at == NULL || at == subject)
		return false;
	size_t local_len = (size_t)(at - subject);
	const char *dom = at + 1;
	switch (s->rule) {
	case DM_SCOPE_RULE_USER:
		return strlen(s->user) == local_len && memcmp(s->user, subject, local_len) == 0 &&
		       strcmp(s->domain, dom) == 0;
	case DM_SCOPE_RULE_ID16:
		return strcmp(s->domain, dom) == 0 &&
		       hash_prefix_eq(subject, local_len, s->hex, 16);
	case DM_SCOPE_RULE_PREKEYS12:
		return strcmp(s->domain, dom) == 0 &&
		       hash_prefix_eq(subject, local_len, s->hex, 12);
	default:
		return false;
	}
}
