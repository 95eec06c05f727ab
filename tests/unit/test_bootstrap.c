/* Bootstrap records (wire.md §12.6): priority order, duplicates, refusals. */
#include <sodium.h>
#include <string.h>

#include "common/dmp/bootstrap.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define NOW 1767225600ULL

static uint8_t pk[32], sk[64], pk2[32], sk2[64];
static struct dm_bootstrap base, got;
static char wire[DM_BOOTSTRAP_WIRE_MAX + 1];
static size_t wire_len;

static void set_entry(struct dm_bootstrap_entry *e, uint16_t prio, const char *dom, uint8_t key)
{
	memset(e, 0, sizeof(*e));
	e->priority = prio;
	e->base_len = (uint8_t)strlen(dom);
	memcpy(e->base, dom, e->base_len); /* no NUL: a 65-byte name fills the field */
	memset(e->operator_spk, key, 32);
}

static void set_domain(const char *dom)
{
	memset(base.domain, 0, sizeof(base.domain));
	base.domain_len = (uint8_t)strlen(dom);
	memcpy(base.domain, dom, base.domain_len);
}

/* Four entries out of order, with a priority tie between 'b' and 'd'. */
static void reset(void)
{
	memset(&base, 0, sizeof(base));
	base.seq = 9;
	base.exp = NOW + 86400;
	memcpy(base.signer_spk, pk, 32);
	set_domain("example.com");
	base.entry_count = 4;
	set_entry(&base.entries[0], 30, "a.example.net", 'a');
	set_entry(&base.entries[1], 10, "b.example.net", 'b');
	set_entry(&base.entries[2], 20, "c.example.net", 'c');
	set_entry(&base.entries[3], 10, "d.example.net", 'd');
}

static int sign(const uint8_t *key)
{
	return dm_bootstrap_sign(&base, key, wire, sizeof(wire), &wire_len);
}

static int parse(const uint8_t *pin, uint64_t now, const char *expect)
{
	return dm_bootstrap_parse(wire, wire_len, pin, now, expect, expect ? strlen(expect) : 0,
				  &got);
}

static void sign_raw(const uint8_t *body, size_t len)
{
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_BOOTSTRAP, body, len, sk, DM_BOOTSTRAP_WIRE_MAX,
				       wire, sizeof(wire), &wire_len),
		 0);
}

static void test_order(void)
{
	static const char order[] = "bdca";

	reset();
	CHECK_EQ(sign(sk), 0);
	CHECK_EQ(base.entries[0].priority, 30); /* the caller's struct is untouched */
	CHECK_EQ(parse(pk, NOW, "EXAMPLE.com."), 0);
	CHECK_EQ(got.entry_count, 4);
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ(got.entries[i].operator_spk[0], order[i]);
	CHECK_STR(got.entries[0].base, "b.example.net");

	/* The signed body itself is in that order (not just the parse result). */
	uint8_t blob[DM_BOOTSTRAP_WIRE_MAX];
	size_t blob_len;
	static struct dm_bootstrap raw;
	CHECK_EQ(dm_record_decode(wire, wire_len, DM_PREFIX_BOOTSTRAP, DM_BOOTSTRAP_WIRE_MAX,
				  DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len),
		 0);
	CHECK_EQ(dm_bootstrap_body_decode(blob, blob_len - 64, &raw), 0);
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ(raw.entries[i].operator_spk[0], order[i]);

	/* A foreign, unsorted but validly signed body: wire order kept by the body
	 * decoder, priority order returned by the parser. */
	uint8_t body[DM_BOOTSTRAP_WIRE_MAX];
	size_t len;
	reset();
	CHECK_EQ(dm_bootstrap_body_encode(&base, body, sizeof(body), &len), 0);
	CHECK_EQ(dm_bootstrap_body_decode(body, len, &raw), 0);
	CHECK_EQ(raw.entries[0].priority, 30);
	sign_raw(body, len);
	CHECK_EQ(parse(pk, NOW, NULL), 0);
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ(got.entries[i].operator_spk[0], order[i]);
}

static void test_refusals(void)
{
	static const char *const bad[] = {
	    "",
	    "a..",
	    "-x.com",
	    "x_y.com",
	    "caf\xc3\xa9.com",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset();
		set_domain(bad[i]);
		CHECK_EQ(sign(sk), DM_EINVAL);
		reset();
		set_entry(&base.entries[2], 20, bad[i], 'c');
		CHECK_EQ(sign(sk), DM_EINVAL);
	}

	/* Same priority, same base up to case and one trailing dot. */
	reset();
	set_entry(&base.entries[3], 10, "B.Example.NET.", 'd');
	CHECK_EQ(sign(sk), DM_EINVAL);
	/* Same base at another priority is fine. */
	set_entry(&base.entries[3], 11, "B.Example.NET.", 'd');
	CHECK_EQ(sign(sk), 0);

	reset();
	base.entry_count = 0;
	CHECK_EQ(sign(sk), DM_EINVAL);
	base.entry_count = DM_BOOTSTRAP_ENTRIES_MAX + 1;
	CHECK_EQ(sign(sk), DM_ETOOBIG);

	/* 16 valid entries with 64-byte bases: over the 1200-byte value cap. */
	reset();
	base.entry_count = DM_BOOTSTRAP_ENTRIES_MAX;
	for (size_t i = 0; i < DM_BOOTSTRAP_ENTRIES_MAX; i++) {
		char dom[65];
		memset(dom, 'm', 64);
		dom[64] = '\0';
		dom[0] = (char)('a' + i);
		dom[20] = '.';
		set_entry(&base.entries[i], (uint16_t)i, dom, 'x');
	}
	CHECK_EQ(sign(sk), DM_ETOOBIG);

	reset();
	CHECK_EQ(sign(sk2), DM_EMISMATCH);
}

static void test_parse_failures(void)
{
	uint8_t body[DM_BOOTSTRAP_WIRE_MAX];
	size_t len;

	reset();
	CHECK_EQ(sign(sk), 0);
	CHECK_EQ(parse(pk2, NOW, NULL), DM_ESIG);
	CHECK_EQ(parse(pk, base.exp + 1, NULL), DM_EEXPIRED);
	CHECK_EQ(parse(pk, base.exp, NULL), 0);
	CHECK_EQ(parse(pk, NOW, "example.org"), DM_EMISMATCH);

	/* Embedded signer differs from the pinned key that signed it. */
	reset();
	memcpy(base.signer_spk, pk2, 32);
	CHECK_EQ(dm_bootstrap_body_encode(&base, body, sizeof(body), &len), 0);
	sign_raw(body, len);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EMISMATCH);

	/* Duplicate pair made by hand (the encoder refuses it): "d..." -> "b...". */
	reset();
	CHECK_EQ(dm_bootstrap_body_encode(&base, body, sizeof(body), &len), 0);
	for (size_t i = 0; i + 13 <= len; i++)
		if (memcmp(body + i, "d.example.net", 13) == 0)
			body[i] = 'B';
	sign_raw(body, len);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);

	/* Trailing dots kept on the wire parse and re-encode exactly. */
	reset();
	base.domain_dot = true;
	base.entries[1].base_dot = true;
	CHECK_EQ(dm_bootstrap_body_encode(&base, body, sizeof(body), &len), 0);
	sign_raw(body, len);
	CHECK_EQ(parse(pk, NOW, "example.com"), 0);
	static struct dm_bootstrap raw;
	uint8_t again[DM_BOOTSTRAP_WIRE_MAX];
	size_t again_len;
	CHECK_EQ(dm_bootstrap_body_decode(body, len, &raw), 0);
	CHECK(raw.domain_dot && raw.entries[1].base_dot && !raw.entries[0].base_dot);
	CHECK_EQ(dm_bootstrap_body_encode(&raw, again, sizeof(again), &again_len), 0);
	CHECK(again_len == len && memcmp(again, body, len) == 0);

	/* Zero entries and trailing bytes. */
	reset();
	base.entry_count = 1;
	CHECK_EQ(dm_bootstrap_body_encode(&base, body, sizeof(body), &len), 0);
	body[len] = 0;
	sign_raw(body, len + 1);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
	body[len - 2 - 1 - 13 - 32 - 1] = 0; /* entry_count */
	sign_raw(body, len - 2 - 1 - 13 - 32);
	CHECK_EQ(parse(pk, NOW, NULL), DM_EINVAL);
}

int main(void)
{
	static const uint8_t seed1[32] = {3}, seed2[32] = {4};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_seed_keypair(pk, sk, seed1);
	crypto_sign_seed_keypair(pk2, sk2, seed2);
	test_order();
	test_refusals();
	test_parse_failures();
	return TEST_DONE("test_bootstrap");
}
