/* Chunk wrapping (wire.md §8) and the DMPDNSRecord TXT syntax (§4.2). */
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/dmp/chunk.h"
#include "common/err.h"

void dm_chunk_wrap(const uint8_t block[DM_ERASURE_BLOCK], uint8_t ret_wire[DM_CHUNK_WIRE_LEN])
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, block, DM_ERASURE_BLOCK);
	memcpy(ret_wire, digest, DM_CHUNK_CHECKSUM);
	memcpy(ret_wire + DM_CHUNK_CHECKSUM, block, DM_ERASURE_BLOCK);
	/* 128 bytes is always within the single-codeword range. */
	(void)dm_rs_encode(block, DM_ERASURE_BLOCK,
			   ret_wire + DM_CHUNK_CHECKSUM + DM_ERASURE_BLOCK);
}

void dm_chunk_txt(const uint8_t block[DM_ERASURE_BLOCK], char ret_txt[DM_CHUNK_TXT_LEN + 1])
{
	uint8_t wire[DM_CHUNK_WIRE_LEN];

	dm_chunk_wrap(block, wire);
	memcpy(ret_txt, DM_CHUNK_TXT_PREFIX, sizeof(DM_CHUNK_TXT_PREFIX) - 1);
	dm_b64_encode(wire, sizeof(wire), ret_txt + sizeof(DM_CHUNK_TXT_PREFIX) - 1);
}

size_t dm_chunk_unwrapped_max(size_t len)
{
	return len <= DM_CHUNK_CHECKSUM ? 0 : dm_rs_decoded_len(len - DM_CHUNK_CHECKSUM);
}

int dm_chunk_unwrap(const uint8_t *wire, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	size_t dlen;

	if (len <= DM_CHUNK_CHECKSUM)
		return DM_EINVAL;
	int rc =
	    dm_rs_decode(wire + DM_CHUNK_CHECKSUM, len - DM_CHUNK_CHECKSUM, out, outcap, &dlen);
	if (rc < 0)
		return rc;
	crypto_hash_sha256(digest, out, dlen);
	if (memcmp(digest, wire, DM_CHUNK_CHECKSUM) != 0)
		return DM_EINVAL;
	*ret_len = dlen;
	return 0;
}

int dm_chunk_open(const uint8_t *wire, size_t len, uint8_t ret_block[DM_ERASURE_BLOCK])
{
	uint8_t block[DM_ERASURE_BLOCK];
	size_t dlen;
	int rc;

	size_t max = dm_chunk_unwrapped_max(len);
	if (max == DM_ERASURE_BLOCK) {
		rc = dm_chunk_unwrap(wire, len, block, sizeof(block), &dlen);
		if (rc < 0)
			return rc;
		memcpy(ret_block, block, DM_ERASURE_BLOCK);
		return 0;
	}
	/*
	 * Any other length can only give a wrong-sized block, but whether the
	 * reference accepts it still decides between "share missing" (EINVAL)
	 * and "message undecodable" (EMISMATCH), so run the full check. The
	 * allocation is bounded by the input the caller actually holds.
	 */
	uint8_t *tmp = malloc(max ? max : 1);
	if (tmp == NULL)
		return DM_ENOMEM;
	rc = dm_chunk_unwrap(wire, len, tmp, max, &dlen);
	free(tmp);
	return rc < 0 ? rc : DM_EMISMATCH;
}

/* ---- DMPDNSRecord ---------------------------------------------------- */

/*
 * Length of the UTF-8 encoded Python whitespace character (str.isspace())
 * starting at p[0..n), or 0.
 */
static size_t space_at(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if ((p[0] >= 0x09 && p[0] <= 0x0d) || (p[0] >= 0x1c && p[0] <= 0x20))
		return 1;
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) /* U+1680 */
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3;				  /* U+2000-200A, U+2028, U+2029, U+202F */
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) /* U+205F */
		return 3;
	if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

/* Python str.strip() on the UTF-8 span [*b, *e). */
static void py_strip(const char **b, const char **e)
{
	const unsigned char *s = (const unsigned char *)*b, *t = (const unsigned char *)*e;
	size_t w;

	while (s < t && (w = space_at(s, (size_t)(t - s))) > 0)
		s += w;
	while (s < t) {
		/* Whitespace is 1 to 3 bytes long; try each possible start. */
		size_t found = 0;
		for (size_t k = 1; k <= 3 && k <= (size_t)(t - s); k++)
			if (space_at(t - k, k) == k) {
				found = k;
				break;
			}
		if (found == 0)
			break;
		t -= found;
	}
	*b = (const char *)s;
	*e = (const char *)t;
}

struct span {
	const char *p;
	size_t len;
	bool set;
};

static bool span_is(const char *b, const char *e, const char *key)
{
	size_t n = strlen(key);
	return (size_t)(e - b) == n && memcmp(b, key, n) == 0;
}

static bool all_ascii(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

/*
 * int(value.replace("dmp", "")) for ASCII input: optional whitespace and
 * sign, decimal digits with single '_' between digits. Fails beyond int64.
 */
static int parse_version(const char *p, size_t n, long long *ret)
{
	char *buf = malloc(n + 1);
	size_t m = 0;
	if (buf == NULL)
		return DM_ENOMEM;
	for (size_t i = 0; i < n;) {
		if (n - i >= 3 && memcmp(p + i, "dmp", 3) == 0) {
			i += 3;
			continue;
		}
		buf[m++] = p[i++];
	}

	int rc = DM_EINVAL;
	const char *b = buf, *e = buf + m;
	py_strip(&b, &e);
	bool neg = false;
	if (b < e && (*b == '+' || *b == '-')) {
		neg = *b == '-';
		b++;
	}
	if (b == e || !(*b >= '0' && *b <= '9'))
		goto out;
	/* Accumulate as a negative number so INT64_MIN is representable. */
	long long v = 0;
	bool prev_digit = false;
	for (; b < e; b++) {
		if (*b == '_') {
			if (!prev_digit || b + 1 == e)
				goto out;
			prev_digit = false;
			continue;
		}
		if (*b < '0' || *b > '9')
			goto out;
		int d = *b - '0';
		if (v < (LLONG_MIN + d) / 10)
			goto out;
		v = v * 10 - d;
		prev_digit = true;
	}
	if (!neg) {
		if (v == LLONG_MIN)
			goto out;
		v = -v;
	}
	*ret = v;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Python's b64decode(str): any non-ASCII character is an error. */
static uint8_t *b64_lenient_alloc(const char *p, size_t n, size_t *ret_len)
{
	if (!all_ascii(p, n))
		return NULL;
	size_t cap = dm_b64_decoded_max(n);
	uint8_t *out = malloc(cap ? cap : 1);
	if (out == NULL)
		return NULL;
	if (dm_b64_decode_lenient(p, n, out, cap, ret_len) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

int dm_dns_record_parse(const char *txt, size_t len, struct dm_dns_record *ret)
{
	struct span v = {"dmp1", 4, true}, t = {"chunk", 5, true}, d = {"", 0, true};
	struct span m = {NULL, 0, false};
	struct dm_dns_record rec = {0};
	const char *end = txt + len;
	int rc;

	for (const char *part = txt; part <= end;) {
		const char *semi = memchr(part, ';', (size_t)(end - part));
		const char *pend = semi ? semi : end;
		const char *eq = memchr(part, '=', (size_t)(pend - part));
		if (eq != NULL) {
			const char *kb = part, *ke = eq, *vb = eq + 1, *ve = pend;
			py_strip(&kb, &ke);
			py_strip(&vb, &ve);
			struct span val = {vb, (size_t)(ve - vb), true};
			if (span_is(kb, ke, "v"))
				v = val;
			else if (span_is(kb, ke, "t"))
				t = val;
			else if (span_is(kb, ke, "d"))
				d = val;
			else if (span_is(kb, ke, "m"))
				m = val;
		}
		if (semi == NULL)
			break;
		part = semi + 1;
	}

	rc = parse_version(v.p, v.len, &rec.version);
	if (rc < 0)
		return rc;

	rc = DM_ENOMEM;
	rec.type = malloc(t.len + 1);
	if (rec.type == NULL)
		goto fail;
	memcpy(rec.type, t.p, t.len);
	rec.type[t.len] = '\0';
	rec.type_len = t.len;

	rec.data = b64_lenient_alloc(d.p, d.len, &rec.data_len);
	if (rec.data == NULL) {
		/* Decode failure means empty data, as in the reference. */
		rec.data = malloc(1);
		if (rec.data == NULL)
			goto fail;
		rec.data_len = 0;
	}

	if (m.set) {
		size_t mlen;
		uint8_t *mj = b64_lenient_alloc(m.p, m.len, &mlen);
		if (mj != NULL) {
			/* jansson insists on valid UTF-8, as .decode("utf-8") does. */
			rec.metadata = json_loadb((const char *)mj, mlen,
						  JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
			free(mj);
		}
	}
	*ret = rec;
	return 0;
fail:
	dm_dns_record_done(&rec);
	return rc;
}

void dm_dns_record_done(struct dm_dns_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->type);
	free(rec->data);
	json_decref(rec->metadata);
	memset(rec, 0, sizeof(*rec));
}

int dm_dns_record_format(long long version, const char *type, const uint8_t *data, size_t len,
			 const char *meta_json, char **ret_txt, size_t *ret_len)
{
	char head[64];
	size_t mlen = meta_json ? strlen(meta_json) : 0;
	size_t tlen = strlen(type);

	int hn = snprintf(head, sizeof(head), "v=dmp%lld;t=", version);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		return DM_EINVAL;
	size_t dlen = dm_b64_encoded_len(len);
	size_t total = (size_t)hn + tlen + 3 + dlen + (mlen ? 3 + dm_b64_encoded_len(mlen) : 0);
	char *out = malloc(total + 1);
	if (out == NULL)
		return DM_ENOMEM;

	char *p = out;
	memcpy(p, head, (size_t)hn);
	p += hn;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, ";d=", 3);
	p += 3;
	dm_b64_encode(data, len, p);
	p += dlen;
	if (mlen) {
		memcpy(p, ";m=", 3);
		p += 3;
		dm_b64_encode((const uint8_t *)meta_json, mlen, p);
		p += dm_b64_encoded_len(mlen);
	}
	*p = '\0';
	*ret_txt = out;
	if (ret_len != NULL)
		*ret_len = total;
	return 0;
}
