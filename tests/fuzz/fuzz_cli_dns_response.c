/*
 * The CLI's DNS response parser (cli/net_dns.c), as fed by a resolver or a
 * DoH server: any bytes in reply to a fixed query must be accepted or
 * refused without reading out of bounds, and every value it returns must be
 * within the txtset limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/net_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t q[CLI_DNS_QUERY_MAX], *pkt;
	size_t qlen;
	struct dm_txtset out = {0};
	uint8_t rcode;
	bool tc;

	if (cli_dns_build_query("slot-3.mb-0123456789ab.mesh.example.com", 0, q, sizeof(q), &qlen))
		abort();
	/* An exact-size copy so ASan sees any overread. */
	pkt = malloc(size ? size : 1);
	if (pkt == NULL)
		abort();
	memcpy(pkt, data, size);
	if (size >= 2) {
		/* Keep the id matching often enough to reach the answer section. */
		pkt[0] = 0;
		pkt[1] = 0;
	}
	if (cli_dns_parse_response(pkt, size, q, qlen, &out, &rcode, &tc) == 0) {
		for (size_t i = 0; i < out.count; i++)
			if (out.lens[i] > DM_TXTSET_MAX_VALUE_LEN ||
			    out.values[i][out.lens[i]] != 0)
				abort();
	}
	cli_txtset_clear(&out);
	free(pkt);
	return 0;
}
