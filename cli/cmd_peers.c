/*
 * `dnsmesh peers <endpoint> [--json] [--timeout 5]` (cli.md §6): the
 * heartbeats a node has seen (GET /v1/nodes/seen), each verified here, shown
 * with version and age. Needs no config.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/util.h"
#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/dmp/heartbeat.h"
#include "common/err.h"
#include "common/net/http.h"

static const char usage[] = "usage: dnsmesh peers <endpoint> [--json] [--timeout 5]\n";

#define HB_PREFIX "v=dmp1;t=heartbeat;"

/* The time checks of dm_heartbeat_parse() run at the wire's own ts (read from
 * the blob), then expiry and future skew are checked at `now`. */
int cli_heartbeat_verify(const char *wire, uint64_t now, struct dm_heartbeat *ret)
{
	size_t len = strlen(wire), plen = strlen(HB_PREFIX), blen;
	uint8_t blob[DM_RECORD_CAP_SIGNED];
	if (len <= plen || len > DM_RECORD_CAP_SIGNED || memcmp(wire, HB_PREFIX, plen) != 0 ||
	    dm_b64_decode_strict(wire + plen, len - plen, blob, sizeof(blob), &blen) != 0 ||
	    blen < DM_ED25519_SIG_BYTES + 16)
		return DM_EINVAL;
	uint64_t ts = 0;
	for (size_t i = 0; i < 8; i++)
		ts = ts << 8 | blob[blen - DM_ED25519_SIG_BYTES - 16 + i];
	struct dm_heartbeat hb;
	int r = dm_heartbeat_parse(wire, len, ts, &hb);
	if (r != 0)
		return r;
	if (hb.exp <= now || hb.ts > now + DM_HEARTBEAT_TS_SKEW)
		return DM_EEXPIRED;
	*ret = hb;
	return 0;
}

static void age_text(char *out, size_t cap, uint64_t now, uint64_t ts)
{
	uint64_t s = now > ts ? now - ts : 0;
	if (s < 60)
		snprintf(out, cap, "%llus ago", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, cap, "%llum ago", (unsigned long long)(s / 60));
	else if (s < 86400)
		snprintf(out, cap, "%lluh ago", (unsigned long long)(s / 3600));
	else
		snprintf(out, cap, "%llud ago", (unsigned long long)(s / 86400));
}

int cmd_peers(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--json"), CLI_OPT("--timeout")};
	const char *pos[1];
	size_t npos;
	long timeout;
	int rc = cli_args(argc, argv, o, 2, pos, 1, 1, &npos, usage);
	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_opt_long(o, 2, "--timeout", 5, 1, 600, &timeout))
		return CLI_EXIT_USAGE;
	bool as_json = cli_opt_set(o, 2, "--json");

	char *base = cli_xstrdup(pos[0]);
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		base[--bl] = '\0';
	char *url =
	    cli_xasprintf("%s%s/v1/nodes/seen", strstr(base, "://") ? "" : "https://", base);
	free(base);
	struct dm_http_opts ho = {.timeout_ms = (int)timeout * 1000, .accept = "application/json"};
	struct dm_http_resp resp;
	char err[DM_HTTP_ERR_MAX];
	rc = dm_http_request("GET", url, NULL, 0, &ho, &resp, err);
	free(url);
	if (rc < 0)
		return cli_fail(CLI_EXIT_NET, "%s", err);
	if (resp.status == 404) {
		dm_http_resp_free(&resp);
		return cli_fail(CLI_EXIT_USER, "heartbeat layer not enabled on %s", pos[0]);
	}
	json_t *j = resp.status == 200 ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
	if (!json_is_object(j)) {
		int st = resp.status;
		json_decref(j);
		dm_http_resp_free(&resp);
		return cli_fail(CLI_EXIT_NET, "GET /v1/nodes/seen: HTTP %d", st);
	}
	dm_http_resp_free(&resp);

	uint64_t now = cli_ctx_now(ctx);
	json_t *self = json_object_get(j, "self");
	const char *self_ep = json_string_value(json_object_get(self, "endpoint"));
	const char *self_spk = json_string_value(json_object_get(self, "operator_spk_hex"));
	json_t *seen = json_object_get(j, "seen");
	json_t *out = json_array();
	size_t i, bad = 0;
	json_t *row;
	json_array_foreach(seen, i, row)
	{
		const char *w = json_string_value(json_object_get(row, "wire"));
		struct dm_heartbeat hb;
		if (w == NULL || cli_heartbeat_verify(w, now, &hb) != 0) {
			bad++;
			continue;
		}
		char spk[2 * DM_ED25519_PK_BYTES + 1];
		dm_hex_encode(hb.operator_spk, sizeof(hb.operator_spk), spk);
		json_array_append_new(
		    out, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:b}", "endpoint", hb.endpoint,
				   "operator_spk_hex", spk, "version", hb.version, "ts",
				   (json_int_t)hb.ts, "exp", (json_int_t)hb.exp, "age_seconds",
				   (json_int_t)(now > hb.ts ? now - hb.ts : 0), "claim_provider",
				   (hb.capabilities & DM_HEARTBEAT_CAP_CLAIM_PROVIDER) != 0));
	}
	if (as_json) {
		json_t *doc =
		    json_pack("{s:{s:s,s:s},s:O,s:I}", "self", "endpoint", self_ep ? self_ep : "",
			      "operator_spk_hex", self_spk ? self_spk : "", "peers", out,
			      "unverified", (json_int_t)bad);
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(doc);
	} else {
		printf("node:     %s\n", self_ep && *self_ep ? self_ep : "(no self endpoint)");
		printf("operator: %s\n", self_spk && *self_spk ? self_spk : "(unknown)");
		if (json_array_size(out) == 0)
			printf("(no peers seen)\n");
		json_array_foreach(out, i, row)
		{
			char age[32];
			age_text(age, sizeof(age), now,
				 (uint64_t)json_integer_value(json_object_get(row, "ts")));
			printf("%-48s %.16s...  %-12s %s\n",
			       json_string_value(json_object_get(row, "endpoint")),
			       json_string_value(json_object_get(row, "operator_spk_hex")),
			       json_string_value(json_object_get(row, "version"))[0]
				   ? json_string_value(json_object_get(row, "version"))
				   : "-",
			       age);
		}
		if (bad > 0)
			fprintf(stderr,
				"dnsmesh: warning: %zu entries did not verify and are not shown\n",
				bad);
	}
	json_decref(out);
	json_decref(j);
	return 0;
}
