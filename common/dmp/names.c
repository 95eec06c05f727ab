#include "common/dmp/names.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/codec/unicode.h"
#include "common/dmp/identity.h"
#include "common/err.h"

#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX  253

struct part {
	const char *p;
	size_t len;
};

/* Concatenates `parts` into `out`; checks the whole size before writing anything. */
static int name_join(char *out, size_t cap, const struct part *parts, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > (size_t)INT_MAX - total)
			return DM_ETOOBIG;
		total += parts[i].len;
	}
	if (cap == 0 || total > cap - 1)
		return DM_ETOOBIG;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(out + o, parts[i].p, parts[i].len);
		o += parts[i].len;
	}
	out[o] = '\0';
	return (int)total;
}

/* A zone we splice in: non-empty, and no NUL that would cut the C string short. */
static bool zone_ok(const char *zone, size_t len)
{
	return zone != NULL && len > 0 && memchr(zone, '\0', len) == NULL;
}

/* Python's str.rstrip('.'); the result must still be a usable zone. */
static bool rstrip_zone(const char *zone, size_t *len)
{
	if (zone == NULL)
		return false;
	while (*len > 0 && zone[*len - 1] == '.')
		(*len)--;
	return zone_ok(zone, *len);
}

/* §3.1 subject, then one trailing dot removed (names are never built with `..`). */
static bool strict_subject(const char *name, size_t *len)
{
	if (name == NULL || !dm_dns_name_strict_ok(name, *len, 0))
		return false;
	if (name[*len - 1] == '.')
		(*len)--;
	return true;
}

static void sha256_hex_prefix(const uint8_t *in, size_t len, char *ret, size_t digits)
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(digest, in, len);
	dm_hex_encode(digest, sizeof(digest), hex);
	memcpy(ret, hex, digits);
	ret[digits] = '\0';
}

/* `<kind>-<N>.mb-<hash12>.<zone>`: slots and claims share the mailbox label. */
static int mailbox_name(char *out, size_t cap, const char *kind,
			const uint8_t recipient_id[DM_NAME_ID_BYTES], unsigned slot,
			const char *zone, size_t zone_len)
{
	char head[32], h12[DM_HASH12_LEN + 1];

	if (recipient_id == NULL || slot > DM_NAME_MAX_SLOT || !zone_ok(zone, zone_len))
		return DM_EINVAL;
	dm_hash12(recipient_id, h12);
	int n = snprintf(head, sizeof(head), "%s-%u.mb-%s.", kind, slot, h12);
	const struct part parts[] = {{head, (size_t)n}, {zone, zone_len}};
	return name_join(out, cap, parts, 2);
}

int dm_name_slot(char *out, size_t cap, const uint8_t recipient_id[DM_NAME_ID_BYTES], unsigned slot,
		 const char *zone, size_t zone_len)
{
	return mailbox_name(out, cap, "slot", recipient_id, slot, zone, zone_len);
}

int dm_name_claim(char *out, size_t cap, const uint8_t recipient_id[DM_NAME_ID_BYTES],
		  unsigned slot, const char *provider_zone, size_t zone_len)
{
	return mailbox_name(out, cap, "claim", recipient_id, slot, provider_zone, zone_len);
}

void dm_chunk_msg_key12(const uint8_t msg_id[DM_NAME_MSG_ID_BYTES],
			const uint8_t recipient_id[DM_NAME_ID_BYTES],
			const uint8_t sender_spk[DM_NAME_ID_BYTES], char ret[DM_NAME_KEY12_LEN + 1])
{
	uint8_t in[DM_NAME_MSG_ID_BYTES + 2 * DM_NAME_ID_BYTES];

	memcpy(in, msg_id, DM_NAME_MSG_ID_BYTES);
	memcpy(in + DM_NAME_MSG_ID_BYTES, recipient_id, DM_NAME_ID_BYTES);
	memcpy(in + DM_NAME_MSG_ID_BYTES + DM_NAME_ID_BYTES, sender_spk, DM_NAME_ID_BYTES);
	sha256_hex_prefix(in, sizeof(in), ret, DM_NAME_KEY12_LEN);
}

static bool is_key12(const char *mk12)
{
	if (mk12 == NULL)
		return false;
	for (size_t i = 0; i < DM_NAME_KEY12_LEN; i++)
		if (!((mk12[i] >= '0' && mk12[i] <= '9') || (mk12[i] >= 'a' && mk12[i] <= 'f')))
			return false;
	return mk12[DM_NAME_KEY12_LEN] == '\0';
}

int dm_name_chunk(char *out, size_t cap, uint32_t chunk_number, const char *mk12, const char *zone,
		  size_t zone_len)
{
	char head[48];

	if (!is_key12(mk12) || !zone_ok(zone, zone_len))
		return DM_EINVAL;
	/* Python's f"{n:04d}": at least four digits, more when needed. */
	int n = snprintf(head, sizeof(head), "chunk-%04u-%s.", (unsigned)chunk_number, mk12);
	const struct part parts[] = {{head, (size_t)n}, {zone, zone_len}};
	return name_join(out, cap, parts, 2);
}

/* `<prefix>id-<hex(SHA256(username))[:digits]>.<rstrip(domain)>` */
static int hashed_user_name(char *out, size_t cap, const char *prefix, size_t digits,
			    const char *username, size_t username_len, const char *domain,
			    size_t domain_len)
{
	char uh[2 * crypto_hash_sha256_BYTES + 1];

	if ((username == NULL && username_len != 0) || !rstrip_zone(domain, &domain_len))
		return DM_EINVAL;
	sha256_hex_prefix((const uint8_t *)(username ? username : ""), username_len, uh, digits);
	const struct part parts[] = {
	    {prefix, strlen(prefix)}, {"id-", 3}, {uh, digits}, {".", 1}, {domain, domain_len}};
	return name_join(out, cap, parts, 5);
}

int dm_name_identity_hashed(char *out, size_t cap, const char *username, size_t username_len,
			    const char *domain, size_t domain_len)
{
	return hashed_user_name(out, cap, "", 16, username, username_len, domain, domain_len);
}

int dm_name_prekeys(char *out, size_t cap, const char *username, size_t username_len,
		    const char *domain, size_t domain_len)
{
	return hashed_user_name(out, cap, "prekeys.", 12, username, username_len, domain,
				domain_len);
}

int dm_name_rotation_user_hashed(char *out, size_t cap, const char *username, size_t username_len,
				 const char *domain, size_t domain_len)
{
	return hashed_user_name(out, cap, "rotate.", 16, username, username_len, domain,
				domain_len);
}

static int prefixed_rstrip(char *out, size_t cap, const char *prefix, const char *zone, size_t len)
{
	if (!rstrip_zone(zone, &len))
		return DM_EINVAL;
	const struct part parts[] = {{prefix, strlen(prefix)}, {zone, len}};
	return name_join(out, cap, parts, 2);
}

int dm_name_identity_zone(char *out, size_t cap, const char *identity_domain, size_t len)
{
	return prefixed_rstrip(out, cap, "dmp.", identity_domain, len);
}

int dm_name_rotation_user_zone(char *out, size_t cap, const char *identity_domain, size_t len)
{
	return prefixed_rstrip(out, cap, "rotate.dmp.", identity_domain, len);
}

static int prefixed_strict(char *out, size_t cap, const char *prefix, const char *subject,
			   size_t len)
{
	if (!strict_subject(subject, &len))
		return DM_EINVAL;
	const struct part parts[] = {{prefix, strlen(prefix)}, {subject, len}};
	return name_join(out, cap, parts, 2);
}

int dm_name_cluster(char *out, size_t cap, const char *cluster_name, size_t len)
{
	return prefixed_strict(out, cap, "cluster.", cluster_name, len);
}

int dm_name_rotation_cluster(char *out, size_t cap, const char *cluster_name, size_t len)
{
	return prefixed_strict(out, cap, "rotate.cluster.", cluster_name, len);
}

int dm_name_bootstrap(char *out, size_t cap, const char *user_domain, size_t len)
{
	return prefixed_strict(out, cap, "_dmp.", user_domain, len);
}

int dm_name_rotation_bootstrap(char *out, size_t cap, const char *user_domain, size_t len)
{
	return prefixed_strict(out, cap, "rotate._dmp.", user_domain, len);
}

int dm_name_legacy_mailbox(char *out, size_t cap, const uint8_t user_id[DM_NAME_ID_BYTES],
			   unsigned slot, const char *domain, size_t domain_len)
{
	char head[40], h12[DM_HASH12_LEN + 1];

	if (user_id == NULL || !zone_ok(domain, domain_len))
		return DM_EINVAL;
	dm_hash12(user_id, h12);
	int n = snprintf(head, sizeof(head), "mb-%s-%02u.", h12, slot);
	const struct part parts[] = {{head, (size_t)n}, {domain, domain_len}};
	return name_join(out, cap, parts, 2);
}

int dm_name_legacy_chunk(char *out, size_t cap, const char *chunk_id, size_t chunk_id_len,
			 const uint8_t msg_id[DM_NAME_MSG_ID_BYTES], const char *domain,
			 size_t domain_len)
{
	char mh[DM_NAME_KEY12_LEN + 1];

	if (msg_id == NULL || !zone_ok(chunk_id, chunk_id_len) || !zone_ok(domain, domain_len))
		return DM_EINVAL;
	sha256_hex_prefix(msg_id, DM_NAME_MSG_ID_BYTES, mh, DM_NAME_KEY12_LEN);
	/*
	 * The reference cuts `chunk-<id>-<hash>` to 63 characters (code points);
	 * an ASCII chunk_id makes that 63 bytes, and only ASCII ids are accepted
	 * here so the cut cannot split a UTF-8 sequence.
	 */
	for (size_t i = 0; i < chunk_id_len; i++)
		if ((unsigned char)chunk_id[i] >= 0x80)
			return DM_EINVAL;
	struct part parts[] = {{"chunk-", 6}, {chunk_id, chunk_id_len},
			       {"-", 1},      {mh, DM_NAME_KEY12_LEN},
			       {".", 1},      {domain, domain_len}};
	size_t label = 6 + chunk_id_len + 1 + DM_NAME_KEY12_LEN, cut = 0;
	if (label > DNS_LABEL_MAX)
		cut = label - DNS_LABEL_MAX;
	/* Trim from the end of the label: the hash first, then the '-', then the id. */
	for (size_t i = 3; cut > 0; i--) {
		size_t take = parts[i].len < cut ? parts[i].len : cut;
		parts[i].len -= take;
		cut -= take;
	}
	return name_join(out, cap, parts, 6);
}

/* RFC 1123 host label of §3.1: 1..63 of [A-Za-z0-9-], no '-' at either end. */
static bool strict_label_ok(const char *l, size_t len)
{
	if (len == 0 || len > DNS_LABEL_MAX || l[0] == '-' || l[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = l[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

bool dm_dns_name_strict_ok(const char *name, size_t len, size_t max_bytes)
{
	if (name == NULL || len == 0)
		return false;
	if (len >= 2 && name[len - 1] == '.' && name[len - 2] == '.')
		return false;
	if (name[len - 1] == '.')
		len--;
	if (len == 0 || (max_bytes != 0 && len > max_bytes))
		return false;
	/* Non-ASCII bytes fail the label alphabet, which covers "ASCII only". */
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (!strict_label_ok(name + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

bool dm_dns_name_legacy_ok(const char *name, size_t len)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t pos = 0, chars = 0, label_chars = 0;
	uint32_t cp, first = 0, last = 0;

	if (name == NULL || len == 0)
		return false;
	/*
	 * Lengths count code points, as Python's len() does; `café` is 4.
	 * Alphanumerics are Python's str.isalnum(), via the generated table in
	 * common/codec/unicode.c; bytes that are not UTF-8 could never have been
	 * a Python str, so they fail.
	 */
	for (;;) {
		bool end = pos == len;
		if (end || s[pos] == '.') {
			if (label_chars == 0 || label_chars > DNS_LABEL_MAX || first == '-' ||
			    last == '-')
				return false;
			if (end)
				break;
			pos++;
			chars++;
			label_chars = 0;
			continue;
		}
		if (!dm_utf8_next(s, len, &pos, &cp))
			return false;
		if (!(cp == '-' || dm_unicode_isalnum(cp)))
			return false;
		if (label_chars == 0)
			first = cp;
		last = cp;
		label_chars++;
		chars++;
	}
	return chars <= DNS_NAME_MAX;
}

bool dm_dns_name_storable(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return false;
	if (name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > DNS_LABEL_MAX)
				return false;
			label = 0;
			continue;
		}
		unsigned char c = (unsigned char)name[i];
		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
		label++;
	}
	return true;
}
