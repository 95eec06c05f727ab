#include "common/buf.h"

#include <string.h>

void dm_rbuf_init(struct dm_rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

const uint8_t *dm_rbuf_bytes(struct dm_rbuf *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	const uint8_t *q = r->p + r->off;
	r->off += n;
	return q;
}

bool dm_rbuf_copy(struct dm_rbuf *r, void *out, size_t n)
{
	const uint8_t *q = dm_rbuf_bytes(r, n);
	if (q == NULL)
		return false;
	if (n)
		memcpy(out, q, n);
	return true;
}

static uint64_t rbuf_be(struct dm_rbuf *r, size_t n)
{
	const uint8_t *q = dm_rbuf_bytes(r, n);
	uint64_t v = 0;
	if (q == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | q[i];
	return v;
}

uint8_t dm_rbuf_u8(struct dm_rbuf *r)
{
	return (uint8_t)rbuf_be(r, 1);
}

uint16_t dm_rbuf_u16(struct dm_rbuf *r)
{
	return (uint16_t)rbuf_be(r, 2);
}

uint32_t dm_rbuf_u32(struct dm_rbuf *r)
{
	return (uint32_t)rbuf_be(r, 4);
}

uint64_t dm_rbuf_u64(struct dm_rbuf *r)
{
	return rbuf_be(r, 8);
}

size_t dm_rbuf_left(const struct dm_rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

bool dm_rbuf_done(const struct dm_rbuf *r)
{
	return !r->err && r->off == r->len;
}

void dm_wbuf_init(struct dm_wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = false;
}

void dm_wbuf_bytes(struct dm_wbuf *w, const void *p, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void wbuf_be(struct dm_wbuf *w, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	dm_wbuf_bytes(w, tmp, n);
}

void dm_wbuf_u8(struct dm_wbuf *w, uint8_t v)
{
	wbuf_be(w, v, 1);
}

void dm_wbuf_u16(struct dm_wbuf *w, uint16_t v)
{
	wbuf_be(w, v, 2);
}

void dm_wbuf_u32(struct dm_wbuf *w, uint32_t v)
{
	wbuf_be(w, v, 4);
}

void dm_wbuf_u64(struct dm_wbuf *w, uint64_t v)
{
	wbuf_be(w, v, 8);
}

bool dm_wbuf_ok(const struct dm_wbuf *w)
{
	return !w->err;
}
