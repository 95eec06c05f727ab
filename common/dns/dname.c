#include "common/dns/dname.h"

#include <string.h>

#include "common/err.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

int dm_dname_unpack(const uint8_t *msg, size_t len, size_t *off, uint8_t out[DM_DNAME_MAX],
		    size_t *ret_len)
{
	uint8_t tmp[DM_DNAME_MAX];
	size_t pos = *off, run_start = *off, end = 0, n = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return DM_EINVAL;
		uint8_t c = msg[pos];
		if ((c & 0xC0) == 0xC0) {
			if (len - pos < 2)
				return DM_EINVAL;
			size_t target = (size_t)(c & 0x3F) << 8 | msg[pos + 1];
			if (!jumped) {
				end = pos + 2;
				jumped = true;
			}
			/*
			 * Strictly before the run it ends: the run starts
			 * decrease at every hop, so no chain can loop.
			 */
			if (target < DM_DNAME_MIN_PTR || target >= run_start)
				return DM_EINVAL;
			pos = run_start = target;
			continue;
		}
		if (c & 0xC0) /* 0x40 / 0x80: extended label types (RFC 6891 §5) */
			return DM_EINVAL;
		if (c == 0) {
			tmp[n++] = 0; /* n < DM_DNAME_MAX: kept room below */
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (len - pos - 1 < c)
			return DM_EINVAL;
		/* Leave one byte for the root label. */
		if ((size_t)c + 1 > DM_DNAME_MAX - 1 - n)
			return DM_EINVAL;
		memcpy(tmp + n, msg + pos, (size_t)c + 1);
		n += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
	memcpy(out, tmp, n);
	*ret_len = n;
	*off = end;
	return 0;
}

int dm_dname_from_text(const char *text, size_t len, uint8_t out[DM_DNAME_MAX], size_t *ret_len)
{
	uint8_t tmp[DM_DNAME_MAX];
	size_t n = 0, start = 0;

	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len == 0)
		return DM_EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '.')
			continue;
		size_t lab = i - start;
		if (lab == 0 || lab > DM_DNAME_LABEL || lab + 1 > DM_DNAME_MAX - 1 - n)
			return DM_EINVAL;
		tmp[n++] = (uint8_t)lab;
		for (size_t j = 0; j < lab; j++)
			tmp[n++] = lower((uint8_t)text[start + j]);
		start = i + 1;
	}
	tmp[n++] = 0;
	memcpy(out, tmp, n);
	*ret_len = n;
	return 0;
}

void dm_dname_lower(const uint8_t *name, size_t len, uint8_t *out)
{
	size_t i = 0;
	while (i < len) {
		uint8_t lab = name[i];
		out[i++] = lab;
		for (uint8_t j = 0; j < lab && i < len; j++, i++)
			out[i] = lower(name[i]);
	}
}

static bool eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

long dm_dname_suffix_at(const uint8_t *name, size_t name_len, const uint8_t *zone, size_t zone_len)
{
	size_t i = 0;
	if (zone_len > name_len)
		return -1;
	while (i < name_len) {
		if (name_len - i == zone_len)
			return eq_nocase(name + i, zone, zone_len) ? (long)i : -1;
		if (name[i] == 0)
			break;
		i += (size_t)name[i] + 1;
	}
	return -1;
}

unsigned dm_dname_labels(const uint8_t *name, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len && name[i] != 0; i += (size_t)name[i] + 1)
		n++;
	return n;
}
