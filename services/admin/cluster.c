/*
 * `dnsmesh-node-admin cluster keygen|sign` (node.md §9.8): the operator's
 * signed cluster manifest, for DMP_CLUSTER_FILE and clients to pin; and
 * `bootstrap keygen|sign` (wire.md §12.6): a zone operator's signed record
 * for `_dmp.<user_domain>`, pointing the domain at clusters. Pure local work
 * with the core library; the store is not involved (publish the output with
 * `put`).
 *
 *   cluster keygen                    prints "<seed hex> <operator spk hex>"
 *   cluster sign --key SEED|FILE --name NAME --seq N --exp UNIX_S
 *                --node ID=HTTP_URL[=DNS] ...
 *                                     prints the manifest wire (TXT value)
 *   bootstrap keygen                  prints "<seed hex> <signer spk hex>"
 *   bootstrap sign --key SEED|FILE --domain USER_DOMAIN --seq N --exp UNIX_S
 *                  --entry PRIORITY=BASE_DOMAIN=OPERATOR_SPK_HEX ...
 *                                     prints the bootstrap record (TXT value)
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/bootstrap.h"
#include "common/dmp/cluster.h"
#include "common/err.h"
#include "services/admin/admin.h"

static int usage(void)
{
	fprintf(stderr, "usage: dnsmesh-node-admin cluster keygen\n"
			"       dnsmesh-node-admin cluster sign --key SEED_HEX|FILE --name NAME "
			"--seq N --exp UNIX_SECONDS --node ID=HTTP_URL[=DNS] ...\n");
	return 64;
}

/* 64 hex digits, or a file holding them (or 32 raw bytes). */
static int load_seed(const char *arg, uint8_t seed[32])
{
	char buf[80];
	size_t n = strlen(arg);
	if (n == 64 && dm_hex_decode(arg, 64, seed, 32) == 32)
		return 0;
	FILE *f = fopen(arg, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == 32) {
		memcpy(seed, buf, 32);
		sodium_memzero(buf, sizeof(buf));
		return 0;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	int r = n == 64 && dm_hex_decode(buf, 64, seed, 32) == 32 ? 0 : -1;
	sodium_memzero(buf, sizeof(buf));
	return r;
}

static int add_node(struct dm_cluster *c, char *spec)
{
	char *eq = strchr(spec, '=');
	if (eq == NULL || c->node_count == DM_CLUSTER_NODES_MAX)
		return -1;
	*eq = '\0';
	char *http = eq + 1, *dns = strchr(http, '=');
	if (dns != NULL)
		*dns++ = '\0';
	struct dm_cluster_node *nd = &c->nodes[c->node_count];
	size_t il = strlen(spec), hl = strlen(http), dl = dns ? strlen(dns) : 0;
	if (il == 0 || il > DM_CLUSTER_NODE_ID_MAX || hl == 0 || hl > DM_CLUSTER_HTTP_MAX ||
	    dl > DM_CLUSTER_DNS_MAX)
		return -1;
	nd->id_len = (uint8_t)il;
	memcpy(nd->id, spec, il + 1);
	nd->http_len = (uint16_t)hl;
	memcpy(nd->http, http, hl + 1);
	nd->dns_len = (uint16_t)dl;
	if (dns)
		memcpy(nd->dns, dns, dl + 1);
	c->node_count++;
	return 0;
}

static int sign(int argc, char **argv)
{
	static struct dm_cluster c;
	uint8_t seed[32], pk[32], sk[64];
	bool have_key = false, have_name = false;
	memset(&c, 0, sizeof(c));
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		const char *opt = argv[i], *val = argv[++i];
		char *end;
		if (strcmp(opt, "--key") == 0) {
			if (load_seed(val, seed) < 0) {
				fprintf(stderr, "dnsmesh-node-admin: --key: expected 64 hex digits "
						"or a file holding them\n");
				return 64;
			}
			have_key = true;
		} else if (strcmp(opt, "--name") == 0) {
			size_t n = strlen(val);
			if (n == 0 || n > DM_CLUSTER_NAME_MAX)
				return usage();
			memcpy(c.name, val, n + 1);
			c.name_len = (uint8_t)n;
			have_name = true;
		} else if (strcmp(opt, "--seq") == 0 || strcmp(opt, "--exp") == 0) {
			errno = 0;
			unsigned long long v = strtoull(val, &end, 10);
			if (errno || *end || end == val)
				return usage();
			if (opt[2] == 's')
				c.seq = v;
			else
				c.exp = v;
		} else if (strcmp(opt, "--node") == 0) {
			char spec[512];
			snprintf(spec, sizeof(spec), "%s", val);
			if (add_node(&c, spec) < 0) {
				fprintf(stderr,
					"dnsmesh-node-admin: --node %s: expected "
					"ID=HTTP_URL[=DNS]\n",
					val);
				return 64;
			}
		} else {
			return usage();
		}
	}
	if (!have_key || !have_name || c.exp == 0 || c.node_count == 0)
		return usage();
	crypto_sign_seed_keypair(pk, sk, seed);
	memcpy(c.operator_spk, pk, sizeof(pk));
	char out[DM_CLUSTER_WIRE_MAX + 1];
	size_t len;
	int r = dm_cluster_sign(&c, sk, out, sizeof(out), &len);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	if (r < 0) {
		fprintf(stderr, "dnsmesh-node-admin: cannot sign the manifest: %s\n",
			dm_strerror(r));
		return 1;
	}
	printf("%s\n", out);
	return 0;
}

static int keygen(void)
{
	uint8_t seed[32], pk[32], sk[64];
	char sh[65], ph[65];
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	dm_hex_encode(seed, sizeof(seed), sh);
	dm_hex_encode(pk, sizeof(pk), ph);
	printf("%s %s\n", sh, ph);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sh, sizeof(sh));
	return 0;
}

int admin_cluster_main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0 && argc == 2)
		return keygen();
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return sign(argc, argv);
	return usage();
}

/* ---- bootstrap records ---------------------------------------------------------- */

static int bs_usage(void)
{
	fprintf(stderr, "usage: dnsmesh-node-admin bootstrap keygen\n"
			"       dnsmesh-node-admin bootstrap sign --key SEED_HEX|FILE --domain "
			"USER_DOMAIN --seq N --exp UNIX_SECONDS --entry "
			"PRIORITY=BASE_DOMAIN=OPERATOR_SPK_HEX ...\n");
	return 64;
}

/* PRIORITY=BASE_DOMAIN=OPERATOR_SPK_HEX; the signer checks the domain itself. */
static int add_entry(struct dm_bootstrap *b, char *spec)
{
	char *base = strchr(spec, '='), *spk, *end;
	if (base == NULL || b->entry_count == DM_BOOTSTRAP_ENTRIES_MAX)
		return -1;
	*base++ = '\0';
	spk = strrchr(base, '=');
	if (spk == NULL)
		return -1;
	*spk++ = '\0';
	struct dm_bootstrap_entry *e = &b->entries[b->entry_count];
	errno = 0;
	unsigned long prio = strtoul(spec, &end, 10);
	size_t bl = strlen(base);
	if (errno || end == spec || *end || prio > UINT16_MAX || bl == 0 ||
	    bl > DM_BOOTSTRAP_DOMAIN_MAX || strlen(spk) != 64 ||
	    dm_hex_decode(spk, 64, e->operator_spk, sizeof(e->operator_spk)) != 32)
		return -1;
	e->priority = (uint16_t)prio;
	memcpy(e->base, base, bl + 1);
	e->base_len = (uint8_t)bl;
	b->entry_count++;
	return 0;
}

static int bs_sign(int argc, char **argv)
{
	static struct dm_bootstrap b;
	uint8_t seed[32], pk[32], sk[64];
	bool have_key = false, have_domain = false;
	memset(&b, 0, sizeof(b));
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return bs_usage();
		const char *opt = argv[i], *val = argv[++i];
		char *end;
		if (strcmp(opt, "--key") == 0) {
			if (load_seed(val, seed) < 0) {
				fprintf(stderr, "dnsmesh-node-admin: --key: expected 64 hex digits "
						"or a file holding them\n");
				return 64;
			}
			have_key = true;
		} else if (strcmp(opt, "--domain") == 0) {
			size_t n = strlen(val);
			if (n == 0 || n > DM_BOOTSTRAP_DOMAIN_MAX)
				return bs_usage();
			memcpy(b.domain, val, n + 1);
			b.domain_len = (uint8_t)n;
			have_domain = true;
		} else if (strcmp(opt, "--seq") == 0 || strcmp(opt, "--exp") == 0) {
			errno = 0;
			unsigned long long v = strtoull(val, &end, 10);
			if (errno || *end || end == val)
				return bs_usage();
			if (opt[2] == 's')
				b.seq = v;
			else
				b.exp = v;
		} else if (strcmp(opt, "--entry") == 0) {
			char spec[256];
			snprintf(spec, sizeof(spec), "%s", val);
			if (add_entry(&b, spec) < 0) {
				fprintf(stderr,
					"dnsmesh-node-admin: --entry %s: expected "
					"PRIORITY=BASE_DOMAIN=OPERATOR_SPK_HEX\n",
					val);
				return 64;
			}
		} else {
			return bs_usage();
		}
	}
	if (!have_key || !have_domain || b.exp == 0 || b.entry_count == 0)
		return bs_usage();
	crypto_sign_seed_keypair(pk, sk, seed);
	memcpy(b.signer_spk, pk, sizeof(pk));
	char out[DM_BOOTSTRAP_WIRE_MAX + 1];
	size_t len;
	int r = dm_bootstrap_sign(&b, sk, out, sizeof(out), &len);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	if (r < 0) {
		fprintf(stderr, "dnsmesh-node-admin: cannot sign the bootstrap record: %s\n",
			dm_strerror(r));
		return 1;
	}
	printf("%s\n", out);
	return 0;
}

int admin_bootstrap_main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 2 && strcmp(argv[1], "keygen") == 0)
		return keygen();
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return bs_sign(argc, argv);
	return bs_usage();
}
