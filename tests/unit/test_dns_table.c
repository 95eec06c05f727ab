/* The DNS record table: names, values, expiry, empty non-terminals, growth. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/txt.h"
#include "common/dns/dname.h"
#include "common/dns/table.h"
#include "common/err.h"
#include "tests/unit/test.h"

static const struct dm_dns_node *get(const struct dm_dns_table *t, const char *name)
{
	uint8_t w[DM_DNAME_MAX];
	size_t len;
	if (dm_dname_from_text(name, strlen(name), w, &len) != 0)
		return NULL;
	return dm_dns_table_get(t, w, len);
}

static size_t nvalues(const struct dm_dns_node *n)
{
	size_t c = 0;
	for (const struct dm_dns_value *v = n ? n->values : NULL; v; v = v->next)
		c++;
	return c;
}

static int put(struct dm_dns_table *t, const char *name, const char *value, uint64_t exp)
{
	return dm_dns_table_put(t, name, strlen(name), (const uint8_t *)value, strlen(value), exp);
}

/* True if the i-th value of `n` decodes to `s`. */
static bool value_is(const struct dm_dns_node *n, size_t i, const char *s)
{
	const struct dm_dns_value *v = n ? n->values : NULL;
	while (v && i--)
		v = v->next;
	if (v == NULL)
		return false;
	uint8_t out[4096];
	long len = dm_txt_rdata_decode(v->rdata, v->rdlen, out, sizeof(out));
	return len == (long)strlen(s) && memcmp(out, s, (size_t)len) == 0;
}

static void test_put_get(void)
{
	struct dm_dns_table *t = dm_dns_table_new();
	CHECK(t != NULL);
	CHECK(dm_dns_table_available(t));
	CHECK(get(t, "a.example") == NULL);

	CHECK_EQ(put(t, "Slot-1.MB-abc.Example.com", "v1", 100), 0);
	CHECK_EQ(put(t, "slot-1.mb-abc.example.com.", "v2", 200), 0);
	const struct dm_dns_node *n = get(t, "SLOT-1.mb-ABC.example.COM");
	CHECK(n != NULL);
	CHECK_EQ(nvalues(n), 2);
	CHECK(value_is(n, 0, "v1"));
	CHECK(value_is(n, 1, "v2"));
	CHECK_EQ(n->values->expires_at, 100);
	CHECK_EQ(dm_dns_table_values(t), 2);
	CHECK_EQ(dm_dns_table_names(t), 1);

	/* Re-publishing a value refreshes it and moves it last (created_at order). */
	CHECK_EQ(put(t, "slot-1.mb-abc.example.com", "v1", 300), 0);
	CHECK_EQ(nvalues(n), 2);
	CHECK(value_is(n, 0, "v2"));
	CHECK(value_is(n, 1, "v1"));
	CHECK_EQ(n->values->next->expires_at, 300);
	CHECK_EQ(dm_dns_table_values(t), 2);
	/* Refreshing the last one keeps the order. */
	CHECK_EQ(put(t, "slot-1.mb-abc.example.com", "v1", 400), 0);
	CHECK(value_is(n, 1, "v1"));
	CHECK_EQ(n->values->next->expires_at, 400);

	/* Empty value: one empty character-string. */
	CHECK_EQ(put(t, "e.example.com", "", 100), 0);
	n = get(t, "e.example.com");
	CHECK(n != NULL && n->values->rdlen == 1 && n->values->rdata[0] == 0);
	CHECK_EQ(put(t, "e.example.com", "", 150), 0);
	CHECK_EQ(nvalues(n), 1);

	/* Bad names. */
	CHECK_EQ(put(t, "", "x", 1), DM_EINVAL);
	CHECK_EQ(put(t, "a..b", "x", 1), DM_EINVAL);
	CHECK_EQ(put(t, ".", "x", 1), DM_EINVAL);
	dm_dns_table_free(t);
	dm_dns_table_free(NULL);
}

static void test_multistring(void)
{
	struct dm_dns_table *t = dm_dns_table_new();
	char v[600];
	memset(v, 'q', sizeof(v));
	v[510] = 0;
	CHECK_EQ(put(t, "big.example", v, 10), 0);
	const struct dm_dns_node *n = get(t, "big.example");
	CHECK(n != NULL);
	CHECK_EQ(n->values->rdlen, 512);
	CHECK_EQ(n->values->rdata[0], 255);
	CHECK_EQ(n->values->rdata[256], 255);
	CHECK(value_is(n, 0, v));
	v[255] = 0;
	CHECK_EQ(put(t, "big.example", v, 10), 0);
	CHECK_EQ(n->values->next->rdlen, 256);

	/* A value too big for any DNS message. */
	size_t huge = 70000;
	uint8_t *h = calloc(1, huge);
	CHECK_EQ(dm_dns_table_put(t, "h.example", 9, h, huge, 10), DM_ETOOBIG);
	CHECK(get(t, "h.example") == NULL);
	CHECK_EQ(dm_dns_table_put(t, "h.example", 9, h, 60000, 10), 0);
	free(h);
	dm_dns_table_free(t);
}

static void test_delete_and_ent(void)
{
	struct dm_dns_table *t = dm_dns_table_new();
	CHECK_EQ(put(t, "slot-1.mb-abc.zone.example", "a", 100), 0);
	CHECK_EQ(put(t, "slot-2.mb-abc.zone.example", "b", 100), 0);

	/* Ancestors exist as empty non-terminals, up to the top label. */
	const struct dm_dns_node *mb = get(t, "mb-abc.zone.example");
	CHECK(mb != NULL && mb->values == NULL && mb->children == 2);
	const struct dm_dns_node *z = get(t, "zone.example");
	CHECK(z != NULL && z->values == NULL && z->children == 1);
	const struct dm_dns_node *top = get(t, "example");
	CHECK(top != NULL && top->children == 1);
	CHECK_EQ(dm_dns_table_names(t), 2);

	/* A value on an empty non-terminal makes it a real name, children kept. */
	CHECK_EQ(put(t, "mb-abc.zone.example", "m", 100), 0);
	CHECK(mb->values != NULL && mb->children == 2);
	CHECK_EQ(dm_dns_table_del_name(t, "mb-abc.zone.example", 19), 0);
	CHECK(get(t, "mb-abc.zone.example") == mb);
	CHECK(mb->values == NULL);

	CHECK_EQ(
	    dm_dns_table_del_value(t, "slot-1.mb-abc.zone.example", 26, (const uint8_t *)"zz", 2),
	    DM_ENOTFOUND);
	CHECK_EQ(
	    dm_dns_table_del_value(t, "SLOT-1.mb-abc.zone.example", 26, (const uint8_t *)"a", 1),
	    0);
	CHECK(get(t, "slot-1.mb-abc.zone.example") == NULL);
	CHECK_EQ(get(t, "mb-abc.zone.example")->children, 1);
	CHECK_EQ(dm_dns_table_del_name(t, "slot-1.mb-abc.zone.example", 26), DM_ENOTFOUND);
	CHECK_EQ(dm_dns_table_del_name(t, "mb-abc.zone.example", 19), DM_ENOTFOUND);
	CHECK_EQ(dm_dns_table_del_name(t, "slot-2.mb-abc.zone.example", 26), 0);
	/* The last leaf gone: every ancestor is pruned. */
	CHECK(get(t, "mb-abc.zone.example") == NULL);
	CHECK(get(t, "zone.example") == NULL);
	CHECK(get(t, "example") == NULL);
	CHECK_EQ(dm_dns_table_values(t), 0);
	CHECK_EQ(dm_dns_table_names(t), 0);
	CHECK_EQ(dm_dns_table_del_name(t, "x", 1), DM_ENOTFOUND);
	CHECK_EQ(dm_dns_table_del_value(t, "..", 2, (const uint8_t *)"a", 1), DM_EINVAL);
	dm_dns_table_free(t);
}

static void test_expire(void)
{
	struct dm_dns_table *t = dm_dns_table_new();
	CHECK_EQ(put(t, "a.mb.z", "old", 100), 0);
	CHECK_EQ(put(t, "a.mb.z", "new", 200), 0);
	CHECK_EQ(put(t, "b.mb.z", "old", 100), 0);
	CHECK_EQ(put(t, "mb.z", "old", 100), 0);
	CHECK_EQ(put(t, "c.z", "x", 300), 0);

	CHECK_EQ(dm_dns_table_expire(t, 99), 0);
	/* expires_at <= now is gone (live while now < expires_at). */
	CHECK_EQ(dm_dns_table_expire(t, 100), 3);
	CHECK_EQ(dm_dns_table_values(t), 2);
	CHECK_EQ(dm_dns_table_names(t), 2);
	CHECK(get(t, "b.mb.z") == NULL);
	const struct dm_dns_node *mb = get(t, "mb.z");
	CHECK(mb != NULL && mb->values == NULL && mb->children == 1);
	CHECK_EQ(nvalues(get(t, "a.mb.z")), 1);
	CHECK_EQ(dm_dns_table_expire(t, 250), 1);
	CHECK(get(t, "mb.z") == NULL);
	CHECK(get(t, "z") != NULL);
	CHECK_EQ(dm_dns_table_expire(t, 1000), 1);
	CHECK(get(t, "z") == NULL);
	CHECK_EQ(dm_dns_table_bytes(t), dm_dns_table_bytes(t)); /* callable when empty */

	CHECK_EQ(put(t, "c.z", "x", 300), 0);
	dm_dns_table_clear(t);
	CHECK(get(t, "c.z") == NULL);
	CHECK_EQ(dm_dns_table_values(t), 0);
	CHECK_EQ(put(t, "c.z", "x", 300), 0);
	CHECK(get(t, "c.z") != NULL);
	dm_dns_table_set_available(t, false);
	CHECK(!dm_dns_table_available(t));
	dm_dns_table_free(t);
}

/* Random operations against a tiny model: growth, probing and deletion stay consistent. */
static void test_random_model(void)
{
	enum { NAMES = 3000, VALS = 3 };
	static uint8_t model[NAMES][VALS];
	struct dm_dns_table *t = dm_dns_table_new();
	uint32_t seed = 12345;
	char name[64], val[16];
	size_t bad = 0;

	memset(model, 0, sizeof(model));
	for (int step = 0; step < 60000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		unsigned ni = r % NAMES, vi = (r / NAMES) % VALS, op = (r / NAMES / VALS) % 4;
		snprintf(name, sizeof(name), "slot-%u.mb-%u.zone", ni % 10, ni / 10);
		snprintf(val, sizeof(val), "v%u", vi);
		if (op <= 1) {
			if (put(t, name, val, 1000) != 0)
				bad++;
			model[ni][vi] = 1;
		} else if (op == 2) {
			int rc = dm_dns_table_del_value(t, name, strlen(name), (const uint8_t *)val,
							strlen(val));
			if (rc != (model[ni][vi] ? 0 : DM_ENOTFOUND))
				bad++;
			model[ni][vi] = 0;
		} else if (r % 7 == 0) {
			int had = model[ni][0] | model[ni][1] | model[ni][2];
			if (dm_dns_table_del_name(t, name, strlen(name)) !=
			    (had ? 0 : DM_ENOTFOUND))
				bad++;
			memset(model[ni], 0, VALS);
		}
	}
	size_t total = 0, names = 0;
	for (unsigned ni = 0; ni < NAMES; ni++) {
		snprintf(name, sizeof(name), "slot-%u.mb-%u.zone", ni % 10, ni / 10);
		size_t c = (size_t)model[ni][0] + model[ni][1] + model[ni][2];
		total += c;
		names += c > 0;
		if (nvalues(get(t, name)) != c)
			bad++;
		snprintf(name, sizeof(name), "mb-%u.zone", ni / 10);
		const struct dm_dns_node *mb = get(t, name);
		size_t kids = 0;
		for (unsigned s = 0; s < 10; s++)
			kids += (model[(ni / 10) * 10 + s][0] | model[(ni / 10) * 10 + s][1] |
				 model[(ni / 10) * 10 + s][2]) != 0;
		if ((mb ? mb->children : 0) != kids)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(dm_dns_table_values(t), total);
	CHECK_EQ(dm_dns_table_names(t), names);
	dm_dns_table_free(t);
}

/*
 * Bytes per value for 10,000 typical DMP values: chunk records (241 chars),
 * each under its own name, so every value also pays for a node and a slot.
 */
static void test_memory(void)
{
	struct dm_dns_table *t = dm_dns_table_new();
	char name[64], val[242];
	memset(val, 'A', 241);
	val[241] = 0;
	size_t base = dm_dns_table_bytes(t);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "chunk-%04d-%012x.mesh.example.com", i % 40, i / 40);
		memcpy(val, name, 10);
		CHECK_EQ(put(t, name, val, 1000), 0);
	}
	size_t per = (dm_dns_table_bytes(t) - base) / 10000;
	printf("table: 10000 chunk values (241 bytes, one per name): %zu bytes/value\n", per);
	CHECK(per < 241 + 128);
	dm_dns_table_free(t);
}

int main(void)
{
	test_put_get();
	test_multistring();
	test_delete_and_ent();
	test_expire();
	test_random_model();
	test_memory();
	return TEST_DONE("test_dns_table");
}
