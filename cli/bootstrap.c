#include "cli/bootstrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/net_dns.h"
#include "cli/net_read.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/dmp/names.h"
#include "common/dmp/subject.h"
#include "common/err.h"

/* `_dmp.` + a 64-byte domain + one dot + NUL, with room to spare. */
#define BOOTSTRAP_NAME_MAX 96

bool cli_bootstrap_domain_ok(const char *domain)
{
	return domain != NULL &&
	       dm_dns_name_strict_ok(domain, strlen(domain), DM_BOOTSTRAP_DOMAIN_MAX);
}

/* Why records were refused, in words a zone operator can act on. */
static const struct {
	int err;
	const char *text;
} refusals[] = {
    {DM_ESIG, "bad signature"}, {DM_EMISMATCH, "names another domain or signer"},
    {DM_EEXPIRED, "expired"},	{DM_ETOOBIG, "too large"},
    {DM_EINVAL, "malformed"},
};

static unsigned refusal_bit(int err)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].err == err)
			return 1u << i;
	return 1u << 4; /* malformed */
}

static void refusal_text(unsigned bits, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (bits & (1u << i)) {
			int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", refusals[i].text);
			if (w < 0 || (size_t)w >= cap - n)
				return;
			n += (size_t)w;
		}
}

int cli_bootstrap_fetch(const char *user_domain, const uint8_t signer_spk[DM_ED25519_PK_BYTES],
			dm_lookup_fn lookup, void *lookup_ctx, uint64_t now,
			struct dm_bootstrap *ret, char *err)
{
	char name[BOOTSTRAP_NAME_MAX];
	struct dm_txtset set = {0};
	struct dm_bootstrap best, b;
	bool have = false, seen = false;
	unsigned why = 0;

	if (!cli_bootstrap_domain_ok(user_domain) ||
	    dm_name_bootstrap(name, sizeof(name), user_domain, strlen(user_domain)) < 0) {
		snprintf(err, CLI_ERR_MAX, "'%.100s' is not a valid bootstrap user domain",
			 user_domain);
		return DM_EINVAL;
	}
	if (lookup(lookup_ctx, name, &set) < 0) {
		snprintf(err, CLI_ERR_MAX, "cannot read %s: no resolver answered", name);
		cli_txtset_clear(&set);
		return DM_EUNAVAIL;
	}
	for (size_t i = 0; i < set.count; i++) {
		if (strncmp(set.values[i], CLI_BOOTSTRAP_PREFIX, strlen(CLI_BOOTSTRAP_PREFIX)) != 0)
			continue;
		int v = dm_bootstrap_parse(set.values[i], set.lens[i], signer_spk, now, user_domain,
					   strlen(user_domain), &b);
		seen = true;
		if (v != 0) {
			why |= refusal_bit(v);
			continue;
		}
		/* Mid-rollout an old and a new record coexist: the newest wins. */
		if (!have || b.seq > best.seq) {
			best = b;
			have = true;
		}
	}
	cli_txtset_clear(&set);
	if (!have) {
		char reasons[128];
		if (!seen) {
			snprintf(err, CLI_ERR_MAX, "no bootstrap record at %s", name);
			return DM_ENOTFOUND;
		}
		refusal_text(why, reasons, sizeof(reasons));
		snprintf(err, CLI_ERR_MAX,
			 "no bootstrap record at %s verifies under the pinned signer key (%s)",
			 name, reasons);
		return DM_ESIG;
	}
	*ret = best;
	return 0;
}

/*
 * What cli_cluster_open_manifest() needs to build a node: DNS endpoints it
 * can query (IP literals, as the resolver pool), and some node to read from.
 */
static bool manifest_usable(const struct dm_cluster *m)
{
	bool readable = false;
	for (size_t i = 0; i < m->node_count; i++) {
		const struct dm_cluster_node *n = &m->nodes[i];
		struct cli_ns ns;
		if (n->dns_len > 0) {
			if (cli_ns_parse(n->dns, 53, &ns) != 0)
				return false;
			readable = true;
			continue;
		}
		char *ep = cli_endpoint_normalise(n->http);
		readable = readable || (ep != NULL && strncmp(ep, "https://", 8) == 0);
		free(ep);
	}
	return readable;
}

int cli_bootstrap_pick(const struct dm_bootstrap *b, dm_lookup_fn lookup, void *lookup_ctx,
		       uint64_t now, size_t *ret_entry, struct dm_cluster *ret_manifest,
		       char **ret_wire, char *err)
{
	char why[CLI_ERR_MAX] = "";

	for (size_t i = 0; i < b->entry_count; i++) {
		const struct dm_bootstrap_entry *e = &b->entries[i];
		char spk[2 * DM_ED25519_PK_BYTES + 1], *wire = NULL;
		struct dm_cluster m;
		/* cli_cluster_fetch() reads only the two anchors. */
		struct cli_config anchors = {
		    .cluster_base_domain = (char *)e->base,
		    .cluster_operator_spk = spk,
		};
		dm_hex_encode(e->operator_spk, DM_ED25519_PK_BYTES, spk);
		if (cli_cluster_fetch(&anchors, lookup, lookup_ctx, now, &m, &wire, why) != 0)
			continue;
		if (!manifest_usable(&m)) {
			snprintf(why, sizeof(why),
				 "cluster %.100s has no node this client can read from", e->base);
			free(wire);
			continue;
		}
		*ret_entry = i;
		*ret_manifest = m;
		*ret_wire = wire;
		return 0;
	}
	snprintf(err, CLI_ERR_MAX,
		 "no usable cluster manifest in the bootstrap record for %.100s (tried %u in "
		 "priority order; last: %.300s)",
		 b->domain, b->entry_count, why);
	return DM_ENOTFOUND;
}

static const char *via_read_err(void *ctx)
{
	struct cli_cluster *c = ctx;
	return c->read_failures ? c->err : NULL;
}

int cli_bootstrap_open(struct cli_ctx *ctx, const char *host, struct cli_cluster **ret_cluster,
		       struct cli_io *ret_io)
{
	const struct cli_config *cfg = &ctx->cfg;
	uint8_t signer[DM_ED25519_PK_BYTES];
	struct cli_reader r;
	struct dm_bootstrap b;
	struct dm_cluster m;
	char err[CLI_ERR_MAX], *wire = NULL;
	size_t entry;
	uint64_t now = cli_ctx_now(ctx);
	int rc;

	if (!cli_bootstrap_domain_ok(host))
		return cli_fail(CLI_EXIT_USER, "--via-bootstrap: invalid host in address: '%.100s'",
				host);
	if (cli_empty(cfg->bootstrap_user_domain) || cli_empty(cfg->bootstrap_signer_spk) ||
	    !dm_dns_name_equal(host, strlen(host), cfg->bootstrap_user_domain,
			       strlen(cfg->bootstrap_user_domain)))
		return cli_fail(CLI_EXIT_USER,
				"--via-bootstrap: no bootstrap signer pinned for %s; run "
				"`dnsmesh bootstrap pin %s <signer_spk_hex>` first",
				host, host);
	if (!cli_hex32(cfg->bootstrap_signer_spk, signer))
		return cli_fail(CLI_EXIT_USER,
				"config.yaml: bootstrap_signer_spk must be 64 hex digits");
	/* The first hop goes through the configured resolvers, cluster mode or not. */
	rc = cli_reader_init(&r, cfg, err);
	if (rc != 0) {
		cli_reader_free(&r);
		return cli_fail(CLI_EXIT_USER, "%s", err);
	}
	rc = cli_bootstrap_fetch(host, signer, cli_reader_lookup, &r, now, &b, err);
	if (rc == 0)
		rc = cli_bootstrap_pick(&b, cli_reader_lookup, &r, now, &entry, &m, &wire, err);
	cli_reader_free(&r);
	free(wire);
	if (rc != 0)
		return cli_fail(CLI_EXIT_NET, "--via-bootstrap: %s", err);
	*ret_cluster = cli_cluster_open_manifest(ctx, &m);
	*ret_io = (struct cli_io){
	    .lookup = cli_cluster_lookup,
	    .lookup_ctx = *ret_cluster,
	    .ctx = *ret_cluster,
	    .read_err = via_read_err,
	};
	return 0;
}
