/*
 * Bounded, checked big-endian readers and writers over caller memory.
 *
 * Errors are sticky: a read past the end or a write past the capacity sets
 * `err`, returns zero / NULL, and every later call is a no-op. Check once at
 * the end with dm_rbuf_done() (all consumed, no error) or dm_wbuf_ok().
 * Record parsers use these so that no length taken from the wire is ever
 * trusted before it is checked against what is actually there.
 */
#ifndef DM_COMMON_BUF_H
#define DM_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dm_rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

struct dm_wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

/* Borrows `p` for the lifetime of the reader. */
void dm_rbuf_init(struct dm_rbuf *r, const void *p, size_t len);
uint8_t dm_rbuf_u8(struct dm_rbuf *r);
uint16_t dm_rbuf_u16(struct dm_rbuf *r);
uint32_t dm_rbuf_u32(struct dm_rbuf *r);
uint64_t dm_rbuf_u64(struct dm_rbuf *r);
/* Returns a pointer to the next `n` bytes (inside the input) or NULL. */
const uint8_t *dm_rbuf_bytes(struct dm_rbuf *r, size_t n);
/* Copies the next `n` bytes into `out`; false (and `out` untouched) if short. */
bool dm_rbuf_copy(struct dm_rbuf *r, void *out, size_t n);
size_t dm_rbuf_left(const struct dm_rbuf *r);
/* True when no read failed and every byte was consumed. */
bool dm_rbuf_done(const struct dm_rbuf *r);

/* Borrows `p` (capacity `cap`) for the lifetime of the writer. */
void dm_wbuf_init(struct dm_wbuf *w, void *p, size_t cap);
void dm_wbuf_u8(struct dm_wbuf *w, uint8_t v);
void dm_wbuf_u16(struct dm_wbuf *w, uint16_t v);
void dm_wbuf_u32(struct dm_wbuf *w, uint32_t v);
void dm_wbuf_u64(struct dm_wbuf *w, uint64_t v);
void dm_wbuf_bytes(struct dm_wbuf *w, const void *p, size_t n);
bool dm_wbuf_ok(const struct dm_wbuf *w);

/* Plain big-endian load/store on memory the caller has already bounded. */
static inline uint32_t dm_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dm_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
