/*
 * The three DNS-name checks on arbitrary bytes (with the implications that
 * must hold between them), and every owner-name builder with the input as its
 * zone / subject: success must match the input rules, the length must be
 * right, an exact-size buffer must suffice and a short one must be refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/names.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Per-input parameters the wrappers read (the fuzzer is single-threaded). */
static uint8_t g_id[32], g_msg[16];
static unsigned g_slot;
static uint32_t g_chunk;
static char g_mk12[13];

enum zone_rule { VERBATIM, RSTRIP, STRICT };

struct builder {
	int (*fn)(char *, size_t, const char *, size_t);
	enum zone_rule rule;
	bool slot_limited;
};

static int b_slot(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_slot(o, c, g_id, g_slot, z, l);
}
static int b_claim(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_claim(o, c, g_id, g_slot, z, l);
}
static int b_chunk(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_chunk(o, c, g_chunk, g_mk12, z, l);
}
static int b_id_hashed(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_identity_hashed(o, c, z, l > 8 ? 8 : l, z, l);
}
static int b_prekeys(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_prekeys(o, c, z, l, z, l);
}
static int b_rot_hashed(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_rotation_user_hashed(o, c, "u", 1, z, l);
}
static int b_legacy_mb(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_legacy_mailbox(o, c, g_id, g_slot, z, l);
}
static int b_legacy_chunk(char *o, size_t c, const char *z, size_t l)
{
	return dm_name_legacy_chunk(o, c, "0005", 4, g_msg, z, l);
}

static const struct builder builders[] = {
    {b_slot, VERBATIM, true},
    {b_claim, VERBATIM, true},
    {b_chunk, VERBATIM, false},
    {b_legacy_mb, VERBATIM, false},
    {b_legacy_chunk, VERBATIM, false},
    {b_id_hashed, RSTRIP, false},
    {b_prekeys, RSTRIP, false},
    {b_rot_hashed, RSTRIP, false},
    {dm_name_identity_zone, RSTRIP, false},
    {dm_name_rotation_user_zone, RSTRIP, false},
    {dm_name_cluster, STRICT, false},
    {dm_name_rotation_cluster, STRICT, false},
    {dm_name_bootstrap, STRICT, false},
    {dm_name_rotation_bootstrap, STRICT, false},
};

static void check_validators(const char *s, size_t n)
{
	bool legacy = dm_dns_name_legacy_ok(s, n);
	bool strict = dm_dns_name_strict_ok(s, n, 0);
	bool strict64 = dm_dns_name_strict_ok(s, n, 64);
	bool storable = dm_dns_name_storable(s, n);
	bool ascii = true, trailing_dot = n > 0 && s[n - 1] == '.';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			ascii = false;

	if (strict64 && !strict)
		abort();
	if (strict && n <= 253 && !storable)
		abort();
	if (strict && !trailing_dot && n <= 253 && !legacy)
		abort();
	/* On ASCII the legacy check is §3.1 plus "no trailing dot, <= 253". */
	if (legacy && ascii && !strict)
		abort();
	if (legacy && trailing_dot)
		abort();
}

static bool zone_usable(const char *z, size_t l, enum zone_rule rule)
{
	if (rule == STRICT)
		return dm_dns_name_strict_ok(z, l, 0);
	if (rule == RSTRIP)
		while (l > 0 && z[l - 1] == '.')
			l--;
	return l > 0 && memchr(z, '\0', l) == NULL;
}

static void check_builder(const struct builder *b, const char *z, size_t l)
{
	/* cap 0 never succeeds and never writes. */
	if (b->fn(NULL, 0, z, l) >= 0)
		abort();
	size_t cap = l + 128;
	char *big = malloc(cap);
	if (big == NULL)
		abort();
	int n = b->fn(big, cap, z, l);
	bool want = zone_usable(z, l, b->rule) && (!b->slot_limited || g_slot <= 9);
	if ((n >= 0) != want || (n < 0 && n != DM_EINVAL))
		abort();
	if (n >= 0) {
		if (strlen(big) != (size_t)n)
			abort();
		if (b->rule == VERBATIM && ((size_t)n < l || memcmp(big + n - l, z, l) != 0))
			abort();
		if (b->rule == RSTRIP && big[n - 1] == '.')
			abort();
		if (b->rule == STRICT && !dm_dns_name_storable(big, (size_t)n) && n <= 253)
			abort();
		char *exact = malloc((size_t)n + 1);
		if (exact == NULL)
			abort();
		if (b->fn(exact, (size_t)n + 1, z, l) != n ||
		    memcmp(exact, big, (size_t)n + 1) != 0)
			abort();
		if (b->fn(exact, (size_t)n, z, l) != DM_ETOOBIG)
			abort();
		free(exact);
	}
	free(big);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	check_validators(s, size);

	memset(g_id, size > 0 ? data[0] : 0, sizeof(g_id));
	memset(g_msg, size > 1 ? data[1] : 0, sizeof(g_msg));
	g_slot = size > 0 ? data[0] % 12 : 0; /* 10 and 11 must be refused */
	g_chunk = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
				  (uint32_t)data[2] << 8 | data[3]
			    : (uint32_t)size;
	dm_chunk_msg_key12(g_msg, g_id, g_id, g_mk12);

	for (size_t i = 0; i < sizeof(builders) / sizeof(builders[0]); i++)
		check_builder(&builders[i], s, size);
	return 0;
}
