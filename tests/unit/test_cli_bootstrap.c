/* Bootstrap discovery's two hops (cli/bootstrap.c) over an in-memory zone:
 * the newest verifying record wins, forged/tampered/misbound/expired ones
 * are refused with their reasons, and the cluster ladder skips entries
 * without a verifying, usable manifest. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bootstrap.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define NOW 1700000000ull

struct zone {
	size_t n;
	const char *name[16];
	char value[16][DM_RECORD_CAP_SIGNED + 1];
	bool down;
};

static void zone_put(struct zone *z, const char *name, const char *value)
{
	z->name[z->n] = name;
	snprintf(z->value[z->n], sizeof(z->value[0]), "%s", value);
	z->n++;
}

static int zone_lookup(void *ctx, const char *name, struct dm_txtset *out)
{
	struct zone *z = ctx;
	if (z->down)
		return DM_EUNAVAIL;
	for (size_t i = 0; i < z->n; i++)
		if (!strcmp(z->name[i], name) &&
		    dm_txtset_add(out, z->value[i], strlen(z->value[i])) < 0)
			return DM_ENOMEM;
	return 0;
}

struct key {
	uint8_t pk[32], sk[64];
};

static void keygen(struct key *k)
{
	crypto_sign_keypair(k->pk, k->sk);
}

static void bs_sign(const struct key *k, const char *domain, uint64_t seq, uint64_t exp,
		    const struct dm_bootstrap_entry *e, size_t ne,
		    char out[DM_RECORD_CAP_SIGNED + 1])
{
	struct dm_bootstrap b;
	size_t len;
	memset(&b, 0, sizeof(b));
	b.seq = seq;
	b.exp = exp;
	memcpy(b.signer_spk, k->pk, 32);
	b.domain_len = (uint8_t)strlen(domain);
	memcpy(b.domain, domain, b.domain_len + 1);
	b.entry_count = (uint8_t)ne;
	memcpy(b.entries, e, ne * sizeof(*e));
	CHECK_EQ(dm_bootstrap_sign(&b, k->sk, out, DM_RECORD_CAP_SIGNED + 1, &len), 0);
}

static struct dm_bootstrap_entry entry(uint16_t prio, const char *base, const struct key *op)
{
	struct dm_bootstrap_entry e;
	memset(&e, 0, sizeof(e));
	e.priority = prio;
	e.base_len = (uint8_t)strlen(base);
	memcpy(e.base, base, e.base_len + 1);
	memcpy(e.operator_spk, op->pk, 32);
	return e;
}

static void cl_sign(const struct key *k, const char *name, const char *dns, const char *http,
		    char out[DM_RECORD_CAP_SIGNED + 1])
{
	struct dm_cluster c;
	size_t len;
	memset(&c, 0, sizeof(c));
	c.seq = 1;
	c.exp = NOW + 3600;
	memcpy(c.operator_spk, k->pk, 32);
	c.name_len = (uint8_t)strlen(name);
	memcpy(c.name, name, c.name_len + 1);
	c.node_count = 1;
	c.nodes[0].id_len = 2;
	memcpy(c.nodes[0].id, "n1", 3);
	c.nodes[0].http_len = (uint16_t)strlen(http);
	memcpy(c.nodes[0].http, http, c.nodes[0].http_len + 1);
	c.nodes[0].dns_len = (uint16_t)strlen(dns);
	memcpy(c.nodes[0].dns, dns, c.nodes[0].dns_len + 1);
	CHECK_EQ(dm_cluster_sign(&c, k->sk, out, DM_RECORD_CAP_SIGNED + 1, &len), 0);
}

static void test_domain_ok(void)
{
	CHECK(cli_bootstrap_domain_ok("example.com"));
	CHECK(cli_bootstrap_domain_ok("example.com."));
	CHECK(cli_bootstrap_domain_ok("a-b.C9.example"));
	CHECK(!cli_bootstrap_domain_ok(""));
	CHECK(!cli_bootstrap_domain_ok("."));
	CHECK(!cli_bootstrap_domain_ok("example.com.."));
	CHECK(!cli_bootstrap_domain_ok(".example.com"));
	CHECK(!cli_bootstrap_domain_ok("bad_label.com"));
	CHECK(!cli_bootstrap_domain_ok("-a.com"));
	CHECK(!cli_bootstrap_domain_ok("caf\xc3\xa9.com"));
	char long_dom[80];
	memset(long_dom, 'a', 60);
	memcpy(long_dom + 60, ".com", 5); /* 64 bytes: fits */
	CHECK(cli_bootstrap_domain_ok(long_dom));
	memcpy(long_dom + 60, ".comx", 6); /* 65 */
	CHECK(!cli_bootstrap_domain_ok(long_dom));
}

static void test_fetch(void)
{
	struct key zone_key, evil, op;
	struct zone z = {0};
	struct dm_bootstrap b;
	char w[DM_RECORD_CAP_SIGNED + 1], err[CLI_ERR_MAX];
	keygen(&zone_key);
	keygen(&evil);
	keygen(&op);
	struct dm_bootstrap_entry e[2] = {entry(20, "b.test", &op), entry(10, "a.test", &op)};

	/* Nothing published; resolver down; bad domain. */
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 DM_ENOTFOUND);
	CHECK(strstr(err, "no bootstrap record at _dmp.example.test") != NULL);
	z.down = true;
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 DM_EUNAVAIL);
	z.down = false;
	CHECK_EQ(cli_bootstrap_fetch("bad_x.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 DM_EINVAL);

	/* Only refusable records: each reason named. */
	bs_sign(&evil, "example.test", 50, NOW + 60, e, 2, w);
	zone_put(&z, "_dmp.example.test", w);
	bs_sign(&zone_key, "other.test", 50, NOW + 60, e, 2, w);
	zone_put(&z, "_dmp.example.test", w);
	bs_sign(&zone_key, "example.test", 60, NOW - 1, e, 2, w);
	zone_put(&z, "_dmp.example.test", w);
	zone_put(&z, "_dmp.example.test", "v=dmp1;t=bootstrap;!!!");
	zone_put(&z, "_dmp.example.test", "v=spf1 -all");
	memset(&b, 0xAA, sizeof(b));
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 DM_ESIG);
	CHECK(strstr(err, "bad signature") != NULL);
	CHECK(strstr(err, "names another domain or signer") != NULL);
	CHECK(strstr(err, "expired") != NULL);
	CHECK(strstr(err, "malformed") != NULL);
	CHECK_EQ(b.seq, 0xAAAAAAAAAAAAAAAAull); /* untouched on failure */

	/* Two genuine records and a tampered copy of a newer one: seq 7 wins. */
	bs_sign(&zone_key, "example.test", 5, NOW + 60, e, 2, w);
	zone_put(&z, "_dmp.example.test", w);
	bs_sign(&zone_key, "Example.Test.", 7, NOW + 60, e, 2, w);
	zone_put(&z, "_dmp.example.test", w);
	bs_sign(&zone_key, "example.test", 9, NOW + 60, e, 2, w);
	w[strlen(w) - 3] = w[strlen(w) - 3] == 'A' ? 'B' : 'A';
	zone_put(&z, "_dmp.example.test", w);
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 0);
	CHECK_EQ(b.seq, 7);
	CHECK_EQ(b.entry_count, 2);
	CHECK_EQ(b.entries[0].priority, 10);
	CHECK_STR(b.entries[0].base, "a.test");
	CHECK_STR(b.entries[1].base, "b.test");
	/* The binding ignores case and one trailing dot (the record says Example.Test.). */
	CHECK_EQ(cli_bootstrap_fetch("example.test.", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 0);
	CHECK_EQ(b.seq, 7);
}

static void test_pick(void)
{
	struct key zone_key, op_dead, op_host, op_ok, op_wrong;
	struct zone z = {0};
	struct dm_bootstrap b;
	struct dm_cluster m;
	char w[DM_RECORD_CAP_SIGNED + 1], err[CLI_ERR_MAX], *wire = NULL;
	size_t idx = 99;
	keygen(&zone_key);
	keygen(&op_dead);
	keygen(&op_host);
	keygen(&op_ok);
	keygen(&op_wrong);
	struct dm_bootstrap_entry e[4] = {
	    entry(10, "dead.test", &op_dead),	 /* no manifest at all */
	    entry(20, "host.test", &op_host),	 /* DNS endpoint is a hostname */
	    entry(30, "forged.test", &op_wrong), /* manifest signed by another key */
	    entry(40, "ok.test", &op_ok),
	};
	bs_sign(&zone_key, "example.test", 1, NOW + 60, e, 4, w);
	zone_put(&z, "_dmp.example.test", w);
	cl_sign(&op_host, "host.test", "ns.host.test:53", "http://10.0.0.1:8053", w);
	zone_put(&z, "cluster.host.test", w);
	cl_sign(&op_ok, "forged.test", "10.0.0.3:53", "http://10.0.0.3", w);
	zone_put(&z, "cluster.forged.test", w);
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z, NOW, &b, err),
		 0);

	CHECK_EQ(cli_bootstrap_pick(&b, zone_lookup, &z, NOW, &idx, &m, &wire, err), DM_ENOTFOUND);
	CHECK(strstr(err, "tried 4 in priority order") != NULL);
	CHECK_EQ(idx, 99);
	CHECK(wire == NULL);

	cl_sign(&op_ok, "ok.test", "10.0.0.4:5353", "http://10.0.0.4", w);
	zone_put(&z, "cluster.ok.test", w);
	CHECK_EQ(cli_bootstrap_pick(&b, zone_lookup, &z, NOW, &idx, &m, &wire, err), 0);
	CHECK_EQ(idx, 3);
	CHECK_STR(m.name, "ok.test");
	CHECK(wire != NULL && strcmp(wire, w) == 0);
	free(wire);
	wire = NULL;

	/* An https node without a DNS endpoint is readable over DoH. */
	cl_sign(&op_dead, "dead.test", "", "node.dead.test", w);
	zone_put(&z, "cluster.dead.test", w);
	CHECK_EQ(cli_bootstrap_pick(&b, zone_lookup, &z, NOW, &idx, &m, &wire, err), 0);
	CHECK_EQ(idx, 0);
	free(wire);
	wire = NULL;

	/* A plain-http node without a DNS endpoint is not. */
	struct zone z2 = {0};
	struct dm_bootstrap_entry one = entry(1, "plain.test", &op_ok);
	bs_sign(&zone_key, "example.test", 1, NOW + 60, &one, 1, w);
	zone_put(&z2, "_dmp.example.test", w);
	cl_sign(&op_ok, "plain.test", "", "http://10.0.0.5", w);
	zone_put(&z2, "cluster.plain.test", w);
	CHECK_EQ(cli_bootstrap_fetch("example.test", zone_key.pk, zone_lookup, &z2, NOW, &b, err),
		 0);
	CHECK_EQ(cli_bootstrap_pick(&b, zone_lookup, &z2, NOW, &idx, &m, &wire, err), DM_ENOTFOUND);
	CHECK(strstr(err, "no node this client can read from") != NULL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_domain_ok();
	test_fetch();
	test_pick();
	return TEST_DONE("test_cli_bootstrap");
}
