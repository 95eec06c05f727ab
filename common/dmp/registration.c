/* Registration challenge signature (wire.md §12.9, node.md §7). */
#include "common/dmp/registration.h"

#include <string.h>

#include "common/dmp/record.h"
#include "common/err.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One domain label: [a-z0-9]([a-z0-9-]*[a-z0-9])? */
static bool label_ok(const char *s, size_t len)
{
	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* The node's subject regex, on lower-case ASCII. */
static bool shape_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t llen, i, start, labels = 0;

	if (at == NULL)
		return false;
	llen = (size_t)(at - s);
	if (llen == 0 || !is_lower_alnum(s[0]))
		return false;
	for (i = 1; i < llen; i++)
		if (!is_lower_alnum(s[i]) && strchr("._+-", s[i]) == NULL)
			return false;
	/* Domain: at least two labels (the regex's `(\.label)+`). */
	start = llen + 1;
	for (i = start; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!label_ok(s + start, i - start))
				return false;
			labels++;
			start = i + 1;
		}
	}
	return labels >= 2;
}

int dm_registration_canonical_subject(const char *raw, size_t len, char *out, size_t outcap,
				      size_t *ret_len)
{
	const uint8_t *s = (const uint8_t *)raw;
	size_t off = 0;

	if (len == 0 || !dm_record_utf8_valid(s, len))
		return DM_EINVAL;
	dm_record_py_strip(raw, &off, &len);
	/*
	 * The node applies NFKC before trimming. NFKC leaves ASCII alone, and
	 * a subject that is ASCII after trimming is ASCII before NFKC too, so
	 * rejecting non-ASCII here gives the node's answer for every subject
	 * except compatibility spellings (e.g. fullwidth letters) that NFKC
	 * would fold to ASCII; those we refuse rather than carry a Unicode
	 * table.
	 */
	for (size_t i = 0; i < len; i++)
		if (s[off + i] >= 0x80)
			return DM_EINVAL;
	if (len > DM_REGISTRATION_SUBJECT_MAX || len >= outcap)
		return DM_ETOOBIG;
	for (size_t i = 0; i < len; i++) {
		char c = (char)s[off + i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (!shape_ok(out, len))
		return DM_EINVAL;
	out[len] = '\0';
	*ret_len = len;
	return 0;
}

int dm_registration_payload(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			    const char *subject, size_t subject_len, const char *node,
			    size_t node_len, uint8_t *out, size_t outcap, size_t *ret_len)
{
	char canon[DM_REGISTRATION_SUBJECT_MAX + 1];
	size_t canon_len, total;
	int r;

	r = dm_registration_canonical_subject(subject, subject_len, canon, sizeof(canon),
					      &canon_len);
	if (r < 0)
		return r;
	if (node_len < 1 || !dm_record_utf8_valid((const uint8_t *)node, node_len))
		return DM_EINVAL;
	if (node_len > DM_REGISTRATION_NODE_MAX)
		return DM_ETOOBIG;
	total = DM_REGISTRATION_CHALLENGE_BYTES + canon_len + node_len + 1;
	if (total > outcap)
		return DM_ETOOBIG;
	memcpy(out, challenge, DM_REGISTRATION_CHALLENGE_BYTES);
	memcpy(out + DM_REGISTRATION_CHALLENGE_BYTES, canon, canon_len);
	memcpy(out + DM_REGISTRATION_CHALLENGE_BYTES + canon_len, node, node_len);
	out[total - 1] = 0x01;
	*ret_len = total;
	return 0;
}

int dm_registration_sign(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			 const char *subject, size_t subject_len, const char *node, size_t node_len,
			 const uint8_t sk[DM_ED25519_SK_BYTES],
			 uint8_t ret_sig[DM_ED25519_SIG_BYTES])
{
	uint8_t payload[DM_REGISTRATION_PAYLOAD_MAX];
	size_t len;
	int r;

	r = dm_registration_payload(challenge, subject, subject_len, node, node_len, payload,
				    sizeof(payload), &len);
	if (r < 0)
		return r;
	dm_ed25519_sign(ret_sig, payload, len, sk);
	return 0;
}

int dm_registration_verify(const uint8_t challenge[DM_REGISTRATION_CHALLENGE_BYTES],
			   const char *subject, size_t subject_len, const char *node,
			   size_t node_len, const uint8_t spk[DM_ED25519_PK_BYTES],
			   const uint8_t sig[DM_ED25519_SIG_BYTES])
{
	uint8_t payload[DM_REGISTRATION_PAYLOAD_MAX];
	size_t len;
	int r;

	r = dm_registration_payload(challenge, subject, subject_len, node, node_len, payload,
				    sizeof(payload), &len);
	if (r < 0)
		return r;
	return dm_ed25519_verify(sig, payload, len, spk);
}
