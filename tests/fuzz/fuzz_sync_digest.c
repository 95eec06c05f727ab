/*
 * What an untrusted sync peer sends (node.md §9, common/dmp/sync.h): each
 * input is parsed as a digest response, a pull response, a cursor and a
 * record to re-verify. Every accepted digest entry must satisfy the §9.5
 * step 3 rules, and its cursor must format and parse back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/sync.h"

#define NOW_MS 1767225600000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct dm_sync_entry *e = NULL;
	size_t n = 0, dropped = 0;
	bool more = false;
	if (dm_sync_digest_parse(s, size, NOW_MS, &e, &n, &dropped, &more) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct dm_sync_cursor c, back;
			char text[DM_SYNC_CURSOR_MAX + 1];
			if (!dm_sync_name_ok(e[i].name, strlen(e[i].name)) ||
			    !dm_sync_hash_ok(e[i].hash, strlen(e[i].hash)) || e[i].ts_ms < 0 ||
			    e[i].ts_ms > (int64_t)NOW_MS + DM_SYNC_SKEW_MS)
				abort();
			dm_sync_cursor_of(&e[i], &c);
			if (dm_sync_cursor_format(&c, text, sizeof(text)) != 0 ||
			    dm_sync_cursor_parse(text, strlen(text), &back) != 0 ||
			    dm_sync_cursor_cmp(&c, &back) != 0)
				abort();
		}
		free(e);
	}
	struct dm_sync_value *v = NULL;
	if (dm_sync_pull_parse(s, size, &v, &n, &dropped) == 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i].ttl == 0 || strlen(v[i].value) != v[i].value_len)
				abort();
		dm_sync_values_free(v, n);
	}
	struct dm_sync_cursor c;
	static const uint8_t spk[32] = {1};
	int r = dm_sync_cursor_parse(s, size, &c);
	r |= dm_sync_verify_record(s, size, size % 2 ? spk : NULL, NOW_MS / 1000);
	return r & 0;
}
