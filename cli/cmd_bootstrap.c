/*
 * `dnsmesh bootstrap pin|fetch|discover` (cli.md §6): the zone operator's
 * anchor for `_dmp.<user_domain>`, the verified bootstrap record, and the
 * two-hop discovery of the cluster serving an address (cli/bootstrap.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/bootstrap.h"
#include "cli/cmds.h"
#include "cli/net_read.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/dmp/subject.h"
#include "common/err.h"

static const char usage[] =
    "usage: dnsmesh bootstrap <pin <user_domain> <signer_spk_hex> |\n"
    "                          fetch [--user-domain D] [--signer-spk H] |\n"
    "                          discover <user@host> [--signer-spk H] [--auto-pin]>\n";

/* One trailing dot removed (the §3.1 form); caller frees. */
static char *domain_canon(const char *d)
{
	char *s = cli_xstrdup(d);
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

static void hex_lower(const char *in, char out[65])
{
	for (size_t i = 0; i < 64; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[64] = '\0';
}

static bool same_domain(const char *a, const char *b)
{
	return dm_dns_name_equal(a, strlen(a), b, strlen(b));
}

static int pin(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[2];
	size_t npos;
	uint8_t spk[DM_ED25519_PK_BYTES];
	char hex[65];
	int rc = cli_args(argc, argv, NULL, 0, pos, 2, 2, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if ((rc = cli_ctx_load(ctx)) != 0)
		return rc;
	if (!cli_bootstrap_domain_ok(pos[0]))
		return cli_fail(CLI_EXIT_USER, "'%.100s' is not a valid bootstrap user domain",
				pos[0]);
	if (!cli_hex32(pos[1], spk))
		return cli_fail(CLI_EXIT_USER, "signer key must be 64 hex digits");
	/* Pinning does not fetch: a DNS outage must not stop anyone pinning. */
	char *dom = domain_canon(pos[0]);
	hex_lower(pos[1], hex);
	cli_config_set(&ctx->cfg.bootstrap_user_domain, dom);
	cli_config_set(&ctx->cfg.bootstrap_signer_spk, hex);
	rc = cli_ctx_save(ctx);
	if (rc == 0) {
		printf("pinned bootstrap signer for %s (%s)\n", dom, hex);
		printf("next: dnsmesh bootstrap fetch, then dnsmesh bootstrap discover <user>@%s\n",
		       dom);
	}
	free(dom);
	return rc;
}

/*
 * The anchors for `fetch`: options win over the pinned ones, but a domain
 * other than the pinned one needs its own signer key too, never the pinned
 * key of a different zone. Exit code (printed) on failure.
 */
static int fetch_anchors(const struct cli_config *cfg, const char *opt_dom, const char *opt_spk,
			 const char **ret_dom, uint8_t ret_spk[DM_ED25519_PK_BYTES])
{
	const char *dom = opt_dom ? opt_dom : cfg->bootstrap_user_domain;
	const char *spk = opt_spk ? opt_spk : cfg->bootstrap_signer_spk;

	if (cli_empty(dom) || cli_empty(spk))
		return cli_fail(CLI_EXIT_USER, "no bootstrap anchor: pass --user-domain and "
					       "--signer-spk, or run `dnsmesh bootstrap pin "
					       "<user_domain> <signer_spk_hex>` first");
	if (opt_dom && !opt_spk && !cli_empty(cfg->bootstrap_user_domain) &&
	    !same_domain(opt_dom, cfg->bootstrap_user_domain))
		return cli_fail(CLI_EXIT_USER,
				"--user-domain differs from the pinned bootstrap domain %s; pass "
				"--signer-spk too",
				cfg->bootstrap_user_domain);
	if (!cli_hex32(spk, ret_spk))
		return cli_fail(CLI_EXIT_USER, "%s must be 64 hex digits",
				opt_spk ? "--signer-spk" : "config.yaml: bootstrap_signer_spk");
	if (!cli_bootstrap_domain_ok(dom))
		return cli_fail(CLI_EXIT_USER, "'%.100s' is not a valid bootstrap user domain",
				dom);
	*ret_dom = dom;
	return 0;
}

/* The bootstrap record for `dom`, through the configured resolvers. */
static int read_record(struct cli_ctx *ctx, struct cli_reader *r, const char *dom,
		       const uint8_t spk[DM_ED25519_PK_BYTES], struct dm_bootstrap *ret)
{
	char err[CLI_ERR_MAX];
	int rc = cli_bootstrap_fetch(dom, spk, cli_reader_lookup, r, cli_ctx_now(ctx), ret, err);
	if (rc == 0)
		return 0;
	if (rc == DM_EUNAVAIL && r->err[0] != '\0')
		return cli_fail(CLI_EXIT_NET, "%s (%s)", err, r->err);
	return cli_fail(rc == DM_EINVAL ? CLI_EXIT_USER : CLI_EXIT_NET, "%s", err);
}

static int open_reader(struct cli_ctx *ctx, struct cli_reader *r)
{
	char err[CLI_ERR_MAX];
	if (cli_reader_init(r, &ctx->cfg, err) == 0)
		return 0;
	cli_reader_free(r);
	return cli_fail(CLI_EXIT_USER, "%s", err);
}

static int fetch(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--user-domain"), CLI_OPT("--signer-spk")};
	size_t no = sizeof(o) / sizeof(o[0]), npos;
	const char *pos[1], *dom = NULL;
	uint8_t spk[DM_ED25519_PK_BYTES];
	struct cli_reader r;
	struct dm_bootstrap b;
	int rc = cli_args(argc, argv, o, no, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if ((rc = cli_ctx_load(ctx)) != 0)
		return rc;
	rc = fetch_anchors(&ctx->cfg, cli_opt_str(o, no, "--user-domain", NULL),
			   cli_opt_str(o, no, "--signer-spk", NULL), &dom, spk);
	if (rc != 0 || (rc = open_reader(ctx, &r)) != 0)
		return rc;
	rc = read_record(ctx, &r, dom, spk, &b);
	cli_reader_free(&r);
	if (rc != 0)
		return rc;
	printf("user_domain: %s\n", b.domain);
	printf("seq:         %llu\n", (unsigned long long)b.seq);
	printf("expires:     %llu\n", (unsigned long long)b.exp);
	printf("entries (sorted by priority):\n");
	for (size_t i = 0; i < b.entry_count; i++) {
		char h[65];
		dm_hex_encode(b.entries[i].operator_spk, DM_ED25519_PK_BYTES, h);
		printf("  priority=%u  cluster=%s  operator_spk=%.16s...\n", b.entries[i].priority,
		       b.entries[i].base, h);
	}
	return 0;
}

static void print_suggestion(const char *address, const struct dm_bootstrap *b,
			     const struct dm_bootstrap_entry *e, const struct dm_cluster *m)
{
	char h[65];
	dm_hex_encode(e->operator_spk, DM_ED25519_PK_BYTES, h);
	printf("address:     %s\n", address);
	printf("user_domain: %s  (seq=%llu, exp=%llu)\n", b->domain, (unsigned long long)b->seq,
	       (unsigned long long)b->exp);
	if (m != NULL)
		printf("cluster:     %s  (seq=%llu, nodes=%u, verified under the entry's operator "
		       "key)\n",
		       m->name, (unsigned long long)m->seq, m->node_count);
	printf("shown entry: priority=%u\n", e->priority);
	printf("  cluster_base_domain: %s\n", e->base);
	printf("  operator_spk:        %s\n", h);
	printf("\nto pin this cluster manually, run:\n");
	printf("  dnsmesh cluster pin %s %s\n", h, e->base);
	printf("  dnsmesh cluster fetch  # verify the manifest\n");
	printf("  dnsmesh cluster enable # turn cluster mode on\n");
	printf("\nor re-run with --auto-pin to do all of the above at once.\n");
}

/*
 * Writes both anchor sets and turns cluster mode on. Tokens are dropped:
 * they were issued by the previous operator, and the writers would send
 * them to the newly discovered cluster's nodes.
 */
static int auto_pin(struct cli_ctx *ctx, const char *address, const char *host,
		    const char *signer_hex, const struct dm_bootstrap *b,
		    const struct dm_bootstrap_entry *e, const struct dm_cluster *m,
		    const char *wire)
{
	struct cli_config *cfg = &ctx->cfg;
	char op[65], sh[65], *dom = domain_canon(host), *path;
	int rc;

	dm_hex_encode(e->operator_spk, DM_ED25519_PK_BYTES, op);
	hex_lower(signer_hex, sh);
	cli_config_set(&cfg->bootstrap_user_domain, dom);
	cli_config_set(&cfg->bootstrap_signer_spk, sh);
	cli_config_set(&cfg->cluster_base_domain, e->base);
	cli_config_set(&cfg->cluster_operator_spk, op);
	cli_config_set(&cfg->cluster_node_token, "");
	cli_config_set(&cfg->http_token, NULL);
	cfg->cluster_enabled = true;
	free(dom);
	if ((rc = cli_ctx_save(ctx)) != 0)
		return rc;
	/* A manifest cached for the previous cluster no longer verifies; replace it. */
	path = cli_ctx_path(ctx, CLI_CLUSTER_WIRE_FILE);
	if (cli_write_atomic(path, wire, strlen(wire), 0600) < 0)
		cli_warn("cannot cache the cluster manifest in %s", path);
	free(path);
	printf("address:     %s\n", address);
	printf("user_domain: %s  (seq=%llu)\n", b->domain, (unsigned long long)b->seq);
	printf("cluster:     %s  (seq=%llu, nodes=%u)\n", m->name, (unsigned long long)m->seq,
	       m->node_count);
	printf("\nwrote config:\n");
	printf("  bootstrap_user_domain = %s\n", cfg->bootstrap_user_domain);
	printf("  bootstrap_signer_spk  = %s\n", cfg->bootstrap_signer_spk);
	printf("  cluster_base_domain   = %s\n", cfg->cluster_base_domain);
	printf("  cluster_operator_spk  = %s\n", cfg->cluster_operator_spk);
	printf("  cluster_enabled       = true\n");
	return 0;
}

static int discover(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--signer-spk"), CLI_FLAG("--auto-pin")};
	size_t no = sizeof(o) / sizeof(o[0]), npos, entry = 0;
	const char *pos[1], *signer_hex, *host, *at;
	uint8_t spk[DM_ED25519_PK_BYTES];
	struct cli_reader r;
	struct dm_bootstrap b;
	struct dm_cluster m;
	char err[CLI_ERR_MAX], *wire = NULL;
	bool auto_pin_set;
	int rc = cli_args(argc, argv, o, no, pos, 1, 1, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if ((rc = cli_ctx_load(ctx)) != 0)
		return rc;
	const struct cli_config *cfg = &ctx->cfg;
	auto_pin_set = cli_opt_set(o, no, "--auto-pin");
	at = strrchr(pos[0], '@');
	if (at == NULL || at == pos[0] || at[1] == '\0' || memchr(pos[0], '@', at - pos[0]))
		return cli_fail(CLI_EXIT_USER,
				"could not parse address '%.100s'; expected user@host", pos[0]);
	host = at + 1;
	if (!cli_bootstrap_domain_ok(host))
		return cli_fail(CLI_EXIT_USER, "invalid host in address: '%.100s'", host);
	signer_hex = cli_opt_str(o, no, "--signer-spk", NULL);
	if (signer_hex == NULL) {
		if (cli_empty(cfg->bootstrap_user_domain) || cli_empty(cfg->bootstrap_signer_spk) ||
		    !same_domain(host, cfg->bootstrap_user_domain))
			return cli_fail(CLI_EXIT_USER,
					"no bootstrap signer pinned for %s; run `dnsmesh bootstrap "
					"pin %s <signer_spk_hex>` first, or pass --signer-spk",
					host, host);
		signer_hex = cfg->bootstrap_signer_spk;
	}
	if (!cli_hex32(signer_hex, spk))
		return cli_fail(CLI_EXIT_USER, "signer key must be 64 hex digits");
	/* Rehoming onto someone else's cluster would silently move our own
	 * mailbox there: --auto-pin is for the domain we pinned as ours. */
	if (auto_pin_set && (cli_empty(cfg->bootstrap_user_domain) ||
			     !same_domain(host, cfg->bootstrap_user_domain)))
		return cli_fail(CLI_EXIT_USER,
				"--auto-pin refuses to rehome this config onto %s: it is not the "
				"pinned bootstrap domain (%s); pin your own domain first with "
				"`dnsmesh bootstrap pin %s <signer_spk_hex>`",
				host,
				cli_empty(cfg->bootstrap_user_domain) ? "none"
								      : cfg->bootstrap_user_domain,
				host);
	if ((rc = open_reader(ctx, &r)) != 0)
		return rc;
	rc = read_record(ctx, &r, host, spk, &b);
	if (rc != 0) {
		cli_reader_free(&r);
		return rc;
	}
	int picked =
	    cli_bootstrap_pick(&b, cli_reader_lookup, &r, cli_ctx_now(ctx), &entry, &m, &wire, err);
	cli_reader_free(&r);
	if (auto_pin_set) {
		if (picked != 0)
			return cli_fail(CLI_EXIT_NET, "%s; no config written", err);
		rc = auto_pin(ctx, pos[0], host, signer_hex, &b, &b.entries[entry], &m, wire);
		free(wire);
		return rc;
	}
	if (picked != 0)
		cli_warn("%s; showing the preferred entry for visibility only: pinning it would "
			 "break cluster commands",
			 err);
	print_suggestion(pos[0], &b, &b.entries[entry], picked == 0 ? &m : NULL);
	free(wire);
	return 0;
}

int cmd_bootstrap(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "pin"))
		return pin(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "fetch"))
		return fetch(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "discover"))
		return discover(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown bootstrap command '%.60s'", argv[0]);
}
