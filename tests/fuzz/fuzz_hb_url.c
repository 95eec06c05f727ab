/*
 * The heartbeat worker's peer-URL handling (services/heartbeat/peers.c):
 * canonicalisation of seeds and learned endpoints, the peer list and the
 * DMP_HEARTBEAT_RESOLVE rewrite, on arbitrary bytes. Input: the bytes up to
 * the first NUL are a comma list of URLs; the rest is a resolve map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/heartbeat/peers.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hb_peer_list list;
	char *buf = malloc(size + 2);
	char out[HB_URL_MAX];
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	const char *seeds = buf, *map = buf + strlen(buf) + 1;
	if (map > buf + size)
		map = "";
	if (hb_url_canon(buf, size, out) == 0 && strlen(out) >= HB_URL_MAX)
		abort();
	const char *learned[2] = {map, seeds};
	hb_peer_list(seeds, learned, 2, map, 50, &list);
	for (size_t i = 0; i < list.n; i++) {
		if (hb_url_canon(list.url[i], strlen(list.url[i]), out) != 0 ||
		    strcmp(out, list.url[i]) != 0)
			abort(); /* canonical forms are fixed points */
		(void)hb_resolve(map, list.url[i], out);
	}
	free(buf);
	return 0;
}
