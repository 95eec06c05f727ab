/* `dnsmesh register --node HOST` (cli.md §6, wire.md §12.9, node.md §7). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/tokens.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/dmp/registration.h"
#include "common/err.h"
#include "common/net/http.h"

static const char usage[] =
    "usage: dnsmesh register --node HOST[:PORT] [--subject user@domain] [--scheme https|http]\n"
    "\n"
    "Proves ownership of your signing key to a node and saves the write token it\n"
    "issues under the config directory (one per node and port).\n";

static int show_error(int code, const char *what, const char *node, struct dm_http_resp *r)
{
	char e[DM_HTTP_ERR_MAX];
	dm_http_error_text(r, e);
	return cli_fail(code, "%s at %s failed: HTTP %d%s%s", what, node, r->status,
			e[0] == '\0' ? "" : " — ", e);
}

int cmd_register(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--node"), CLI_OPT("--subject"), CLI_OPT("--scheme")};
	const char *pos[1], *node_arg, *scheme, *node_name;
	size_t npos, slen;
	char base[400], subject[DM_REGISTRATION_SUBJECT_MAX + 1], err[DM_HTTP_ERR_MAX], *url;
	char spk_hex[65], sig_hex[129], key[CLI_TOKEN_KEY_MAX];
	uint8_t challenge[32], sig[64];
	struct dm_http_resp resp;
	struct dm_http_opts ho = {.timeout_ms = DM_HTTP_TIMEOUT_MS};
	struct dm_http_url u;
	json_t *j = NULL;
	int rc = cli_args(argc, argv, o, 3, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	node_arg = cli_opt_str(o, 3, "--node", NULL);
	if (node_arg == NULL) {
		fputs(usage, stderr);
		return cli_fail(CLI_EXIT_USAGE, "--node is required");
	}
	/* A scheme in HOST is honoured unless --scheme says otherwise. */
	scheme = cli_opt_str(o, 3, "--scheme", NULL);
	if (scheme == NULL)
		scheme = !strncmp(node_arg, "http://", 7) ? "http" : "https";
	if (strcmp(scheme, "https") && strcmp(scheme, "http"))
		return cli_fail(CLI_EXIT_USAGE, "--scheme must be https or http");
	if (strstr(node_arg, "://"))
		node_arg = strstr(node_arg, "://") + 3;
	snprintf(base, sizeof(base), "%s://%.300s", scheme, node_arg);
	while (strlen(base) > 8 && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	rc = dm_http_url_parse(base, &u);
	if (rc < 0 || strcmp(u.path, "/") != 0) {
		if (rc == 0)
			dm_http_url_free(&u);
		return cli_fail(CLI_EXIT_USER, "--node must be HOST or HOST:PORT, not '%s'",
				node_arg);
	}
	if (cli_token_key(u.host, u.port_explicit ? u.port : 0, key) < 0) {
		dm_http_url_free(&u);
		return cli_fail(CLI_EXIT_USER, "--node: '%s' is not a usable host name", u.host);
	}
	dm_http_url_free(&u);

	rc = cli_ctx_identity(ctx, false);
	if (rc != 0)
		return rc;
	if (!cli_empty(ctx->cfg.tls_pin_sha256))
		ho.pin_sha256 = ctx->cfg.tls_pin_sha256;
	{
		const char *s = cli_opt_str(o, 3, "--subject", NULL);
		char *def = cli_xasprintf("%s@%s", ctx->cfg.username,
					  cli_config_effective_domain(&ctx->cfg));
		if (s == NULL)
			s = def;
		rc = dm_registration_canonical_subject(s, strlen(s), subject, sizeof(subject),
						       &slen);
		if (rc < 0) {
			rc = cli_fail(CLI_EXIT_USER,
				      "subject '%s' is not user@domain (lower-case ASCII)", s);
			free(def);
			return rc;
		}
		free(def);
	}

	cli_progress("asking %s for a challenge...", base);
	url = cli_xasprintf("%s/v1/registration/challenge", base);
	rc = dm_http_request("GET", url, NULL, 0, &ho, &resp, err);
	free(url);
	if (rc < 0)
		return cli_fail(CLI_EXIT_NET, "registration at %s failed: %s", base, err);
	if (resp.status != 200) {
		int code = resp.status == 404 ? CLI_EXIT_USER : CLI_EXIT_NET;
		if (resp.status == 404) {
			dm_http_resp_free(&resp);
			return cli_fail(code, "registration is not enabled on %s (HTTP 404)", base);
		}
		rc = show_error(code, "challenge", base, &resp);
		dm_http_resp_free(&resp);
		return rc;
	}
	j = json_loadb(resp.body, resp.body_len, 0, NULL);
	dm_http_resp_free(&resp);
	const char *ch = json_string_value(json_object_get(j, "challenge"));
	node_name = json_string_value(json_object_get(j, "node"));
	if (ch == NULL || node_name == NULL || !cli_is_hex(ch, 64) ||
	    dm_hex_decode(ch, 64, challenge, 32) != 32) {
		json_decref(j);
		return cli_fail(CLI_EXIT_NET, "%s sent a malformed challenge", base);
	}
	rc = dm_registration_sign(challenge, subject, slen, node_name, strlen(node_name),
				  ctx->id.ed_sk, sig);
	if (rc < 0) {
		json_decref(j);
		return cli_fail(CLI_EXIT_NET,
				"cannot sign the challenge of %s (node name '%.100s')", base,
				node_name);
	}
	dm_hex_encode(ctx->id.ed_pk, 32, spk_hex);
	dm_hex_encode(sig, 64, sig_hex);
	json_t *body = json_pack("{s:s,s:s,s:s,s:s}", "subject", subject, "ed25519_spk", spk_hex,
				 "challenge", ch, "signature", sig_hex);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(j);
	cli_progress("confirming with %s...", base);
	url = cli_xasprintf("%s/v1/registration/confirm", base);
	rc = dm_http_request("POST", url, text, strlen(text), &ho, &resp, err);
	free(url);
	free(text);
	cli_progress_done();
	if (rc < 0)
		return cli_fail(CLI_EXIT_NET, "registration at %s failed: %s", base, err);
	if (resp.status != 200) {
		const char *why = resp.status == 401   ? "signature rejected"
				  : resp.status == 403 ? "subject not allowed on this node"
				  : resp.status == 409 ? "subject is registered to another key"
						       : "confirm";
		rc = show_error(resp.status == 401 || resp.status == 403 || resp.status == 409
				    ? CLI_EXIT_USER
				    : CLI_EXIT_NET,
				why, base, &resp);
		dm_http_resp_free(&resp);
		return rc;
	}
	j = json_loadb(resp.body, resp.body_len, 0, NULL);
	dm_http_resp_free(&resp);
	{
		const char *tok = json_string_value(json_object_get(j, "token"));
		json_t *exp = json_object_get(j, "expires_at");
		struct cli_token t = {.key = key,
				      .node = (char *)node_arg,
				      .subject = subject,
				      .token = (char *)tok,
				      .expires_at =
					  json_is_integer(exp) ? json_integer_value(exp) : -1,
				      .registered_spk = spk_hex,
				      .saved_at = cli_ctx_now(ctx)};
		if (tok == NULL) {
			json_decref(j);
			return cli_fail(CLI_EXIT_NET, "%s answered without a token", base);
		}
		rc = cli_token_save(ctx->tokens_dir, &t);
		if (rc < 0) {
			json_decref(j);
			return cli_fail(CLI_EXIT_USER, "cannot save the token under %s: %s",
					ctx->tokens_dir, dm_strerror(rc));
		}
		printf("registered %s at %s\n", subject, node_arg);
		printf("token saved to %s/%s.json", ctx->tokens_dir, key);
		if (t.expires_at >= 0) {
			time_t e = (time_t)t.expires_at;
			char buf[32];
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&e));
			printf(" (expires %s)", buf);
		}
		printf("\n");
	}
	json_decref(j);
	return 0;
}
