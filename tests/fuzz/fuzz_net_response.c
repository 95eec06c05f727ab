/*
 * The HTTP client's response framing and parser (common/net/response.c) on
 * arbitrary bytes from a server. Input: byte 0 picks the body cap, byte 1
 * the read size the framing is fed in, the rest is the response. Checks:
 * no crash or overread; a parsed body is within the cap and NUL-terminated;
 * framing fed piece by piece agrees with a parse of the whole buffer (a
 * response it calls complete parses to the same body, one it refuses does
 * not parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/net/http.h"
#include "common/net/response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_resp(const struct dm_http_resp *r, size_t cap)
{
	if (r->body == NULL || r->body_len > cap || r->body[r->body_len] != '\0' ||
	    r->status < 200 || r->status > 599)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_http_frame f = {0};
	struct dm_http_resp whole, part;
	size_t cap, step, n, k;
	int rw, rf = 0;
	char *p;

	if (size < 2)
		return 0;
	cap = (data[0] & 0x80) ? DM_HTTP_BODY_MAX : ((size_t)data[0] + 1) * 8;
	step = 1 + data[1] % 32;
	n = size - 2;
	/* An exact-size copy so ASan sees any overread. */
	p = malloc(n ? n : 1);
	if (p == NULL)
		abort();
	memcpy(p, data + 2, n);

	rw = dm_http_response_parse(p, n, cap, &whole);
	if (rw == 0)
		check_resp(&whole, cap);

	/* As the client reads: the same growing buffer, never at the end of the stream. */
	for (k = 0; k <= n; k += step) {
		rf = dm_http_frame_check(&f, p, k, false, cap);
		if (rf != 0)
			break;
	}
	if (rf == 1) {
		if (dm_http_response_parse(p, k, cap, &part) != 0 || rw != 0 ||
		    part.status != whole.status || part.body_len != whole.body_len ||
		    memcmp(part.body, whole.body, part.body_len) != 0)
			abort();
		dm_http_resp_free(&part);
	} else if (rf < 0 && rw == 0) {
		abort();
	}
	if (rw == 0)
		dm_http_resp_free(&whole);
	free(p);
	return 0;
}
