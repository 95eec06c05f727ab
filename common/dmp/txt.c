#include "common/dmp/txt.h"

#include <limits.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

size_t dm_txt_rdata_len(size_t len)
{
	if (len == 0)
		return 1;
	return len + (len + DM_TXT_STRING_MAX - 1) / DM_TXT_STRING_MAX;
}

long dm_txt_rdata_encode(const uint8_t *value, size_t len, uint8_t *out, size_t cap)
{
	if (len > (size_t)LONG_MAX / 2 || dm_txt_rdata_len(len) > cap)
		return DM_ETOOBIG;
	if (len == 0) {
		out[0] = 0; /* a TXT RR holds at least one (here empty) string */
		return 1;
	}
	struct dm_wbuf w;
	dm_wbuf_init(&w, out, cap);
	for (size_t off = 0; off < len; off += DM_TXT_STRING_MAX) {
		size_t n = len - off < DM_TXT_STRING_MAX ? len - off : DM_TXT_STRING_MAX;
		dm_wbuf_u8(&w, (uint8_t)n);
		dm_wbuf_bytes(&w, value + off, n);
	}
	if (!dm_wbuf_ok(&w))
		return DM_ETOOBIG;
	return (long)w.len;
}

long dm_txt_rdata_decode(const uint8_t *rdata, size_t len, uint8_t *out, size_t cap)
{
	if (len == 0 || len > (size_t)LONG_MAX)
		return DM_EINVAL;
	struct dm_rbuf r;
	dm_rbuf_init(&r, rdata, len);
	size_t o = 0;
	bool too_big = false;
	while (dm_rbuf_left(&r) > 0) {
		size_t n = dm_rbuf_u8(&r);
		const uint8_t *p = dm_rbuf_bytes(&r, n);
		if (p == NULL)
			return DM_EINVAL;
		/* Keep scanning after an overflow so a malformed RDATA still reports EINVAL. */
		if (n > cap - o)
			too_big = true;
		if (!too_big && n > 0) {
			memcpy(out + o, p, n);
			o += n;
		}
	}
	if (too_big)
		return DM_ETOOBIG;
	return (long)o;
}
