/* `dnsmesh init <username>` (cli.md §6): writes a fresh config.yaml. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/net_dns.h"
#include "cli/net_write.h"
#include "cli/util.h"
#include "common/codec/hex.h"

static const char usage[] =
    "usage: dnsmesh init <username|user@host> [options]\n"
    "\n"
    "  --domain ZONE            mesh zone for mailboxes and identity (default mesh.local)\n"
    "  --endpoint URL           home node HTTP API, e.g. https://node.example.com\n"
    "  --http-token TOKEN       bearer token for writes (else the one `register` saves)\n"
    "  --dns-host IP            a single resolver to read from (used as given)\n"
    "  --dns-port PORT          its port (default 5353)\n"
    "  --dns-resolvers LIST     comma-separated resolver pool: ip, ip:port, [v6]:port\n"
    "  --no-default-resolvers   do not fill the default pool (1.1.1.1, 8.8.8.8)\n"
    "  --identity-domain ZONE   publish your identity at dmp.<ZONE>\n"
    "  --doh-url URL            read over DNS-over-HTTPS from URL\n"
    "  --tls-pin SHA256         accept the node certificate with this SHA-256 fingerprint\n"
    "  --force                  overwrite an existing config (new identity!)\n";

static int set_resolvers(struct cli_config *c, const char *list)
{
	char *copy = cli_xstrdup(list), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct cli_ns ns;
		cli_strip(tok);
		if (*tok == '\0')
			continue;
		if (cli_ns_parse(tok, 53, &ns) < 0) {
			free(copy);
			return cli_fail(
			    CLI_EXIT_USER,
			    "--dns-resolvers: '%.100s' is not an IP address (ip, ip:port "
			    "or [v6]:port; host names are not accepted)",
			    tok);
		}
		c->dns_resolvers =
		    cli_xrealloc(c->dns_resolvers, (c->resolver_count + 1) * sizeof(char *));
		c->dns_resolvers[c->resolver_count++] = cli_xstrdup(ns.label);
	}
	free(copy);
	return 0;
}

int cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {
	    CLI_OPT("--domain"),
	    CLI_OPT("--endpoint"),
	    CLI_OPT("--http-token"),
	    CLI_OPT("--dns-host"),
	    CLI_OPT("--dns-port"),
	    CLI_OPT("--dns-resolvers"),
	    CLI_FLAG("--no-default-resolvers"),
	    CLI_OPT("--identity-domain"),
	    CLI_OPT("--doh-url"),
	    CLI_OPT("--tls-pin"),
	    CLI_FLAG("--force"),
	};
	size_t no = sizeof(o) / sizeof(o[0]), npos;
	const char *pos[1];
	struct cli_config c;
	struct stat st;
	uint8_t salt[32];
	char salt_hex[65], *user, *at;
	long port;
	int rc = cli_args(argc, argv, o, no, pos, 1, 1, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (stat(ctx->config_path, &st) == 0 && !cli_opt_set(o, no, "--force"))
		return cli_fail(CLI_EXIT_USER,
				"config already exists at %s (use --force to overwrite it; that "
				"creates a new identity)",
				ctx->config_path);
	if (!cli_opt_long(o, no, "--dns-port", 5353, 1, 65535, &port))
		return CLI_EXIT_USAGE;

	cli_config_defaults(&c);
	user = cli_xstrdup(pos[0]);
	at = strchr(user, '@');
	const char *domain = cli_opt_str(o, no, "--domain", CLI_DEFAULT_DOMAIN);
	if (at != NULL) {
		*at = '\0';
		/* An explicit non-default --domain wins over the address's host. */
		if (!cli_opt_set(o, no, "--domain") || !strcmp(domain, CLI_DEFAULT_DOMAIN))
			domain = at + 1;
	}
	if (*user == '\0' || strlen(user) > 64 || *domain == '\0') {
		free(user);
		cli_config_free(&c);
		return cli_fail(CLI_EXIT_USER, "username must be 1..64 bytes (user or user@host)");
	}
	cli_config_set(&c.username, user);
	cli_config_set(&c.domain, domain);
	free(user);
	char *ep = cli_endpoint_normalise(cli_opt_str(o, no, "--endpoint", ""));
	cli_config_set(&c.endpoint, ep ? ep : "");
	free(ep);
	cli_config_set(&c.http_token, cli_opt_str(o, no, "--http-token", NULL));
	cli_config_set(&c.dns_host, cli_opt_str(o, no, "--dns-host", NULL));
	c.dns_port = port;
	cli_config_set(&c.identity_domain, cli_opt_str(o, no, "--identity-domain", ""));
	cli_config_set(&c.doh_url, cli_opt_str(o, no, "--doh-url", NULL));
	cli_config_set(&c.tls_pin_sha256, cli_opt_str(o, no, "--tls-pin", NULL));
	if (cli_opt_set(o, no, "--dns-resolvers")) {
		rc = set_resolvers(&c, cli_opt_str(o, no, "--dns-resolvers", ""));
		if (rc != 0) {
			cli_config_free(&c);
			return rc;
		}
	} else if (!cli_opt_set(o, no, "--no-default-resolvers") &&
		   !cli_opt_set(o, no, "--dns-host")) {
		/* 0.4.4 filled the public pool even with --dns-host, silently
		 * ignoring the resolver the user named. An explicit one wins here. */
		rc = set_resolvers(&c, "1.1.1.1,8.8.8.8");
	}
	if (cli_opt_set(o, no, "--dns-host")) {
		struct cli_ns ns;
		if (cli_ns_parse(c.dns_host, (uint16_t)port, &ns) < 0)
			cli_warn(
			    "--dns-host %s is not an IP address; it will be resolved on each run",
			    c.dns_host);
	}
	randombytes_buf(salt, sizeof(salt));
	dm_hex_encode(salt, sizeof(salt), salt_hex);
	cli_config_set(&c.kdf_salt, salt_hex);

	if (ctx->cfg_loaded)
		cli_config_free(&ctx->cfg);
	ctx->cfg = c;
	ctx->cfg_loaded = true;
	rc = cli_ctx_save(ctx);
	if (rc != 0)
		return rc;
	printf("wrote %s\n", ctx->config_path);
	printf("set DMP_PASSPHRASE (or passphrase_file in the config) before other commands\n");
	printf("keep this file: its kdf_salt is part of your identity\n");
	return 0;
}
