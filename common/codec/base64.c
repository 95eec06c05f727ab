#include "common/codec/base64.h"

#include <stdbool.h>

#include "common/err.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 64 for everything else. */
static uint8_t b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return 64;
}

void dm_b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* Accumulates 6-bit groups into bytes the way binascii.a2b_base64 does. */
struct b64_state {
	uint8_t *out;
	size_t cap;
	size_t len;
	unsigned quad_pos;
	uint32_t leftchar;
	bool overflow;
};

static void b64_push(struct b64_state *s, uint8_t v)
{
	uint8_t byte;
	switch (s->quad_pos) {
	case 0:
		s->leftchar = v;
		s->quad_pos = 1;
		return;
	case 1:
		byte = (uint8_t)(s->leftchar << 2 | v >> 4);
		s->leftchar = v & 0x0f;
		s->quad_pos = 2;
		break;
	case 2:
		byte = (uint8_t)(s->leftchar << 4 | v >> 2);
		s->leftchar = v & 0x03;
		s->quad_pos = 3;
		break;
	default:
		byte = (uint8_t)(s->leftchar << 6 | v);
		s->leftchar = 0;
		s->quad_pos = 0;
		break;
	}
	if (s->len >= s->cap) {
		s->overflow = true;
		return;
	}
	s->out[s->len++] = byte;
}

int dm_b64_decode_strict(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *ret_len)
{
	/* Shape first: [alphabet]* then at most two '=' that complete a quad. */
	size_t data = inlen;
	while (data > 0 && in[data - 1] == '=' && inlen - data < 2)
		data--;
	size_t pads = inlen - data;
	if (inlen % 4 != 0)
		return DM_EINVAL;
	if ((data % 4 == 1) || (data % 4 == 2 && pads != 2) || (data % 4 == 3 && pads != 1) ||
	    (data % 4 == 0 && pads != 0))
		return DM_EINVAL;

	struct b64_state s = {.out = out, .cap = outcap};
	for (size_t i = 0; i < data; i++) {
		uint8_t v = b64_value((unsigned char)in[i]);
		if (v == 64)
			return DM_EINVAL;
		b64_push(&s, v);
	}
	if (s.overflow)
		return DM_ETOOBIG;
	*ret_len = s.len;
	return 0;
}

int dm_b64_decode_lenient(const char *in, size_t inlen, uint8_t *out, size_t outcap,
			  size_t *ret_len)
{
	struct b64_state s = {.out = out, .cap = outcap};
	unsigned pads = 0;
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '=') {
			/* A pad completing the current quad ends decoding; a
			 * premature one is ignored, as in binascii. */
			if (s.quad_pos >= 2 && s.quad_pos + ++pads >= 4)
				goto done;
			continue;
		}
		uint8_t v = b64_value(c);
		if (v == 64)
			continue;
		pads = 0;
		b64_push(&s, v);
	}
	if (s.quad_pos != 0)
		return DM_EINVAL; /* "Incorrect padding" / 4n+1 data characters */
done:
	if (s.overflow)
		return DM_ETOOBIG;
	*ret_len = s.len;
	return 0;
}
