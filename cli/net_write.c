#include "cli/net_write.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tokens.h"
#include "cli/util.h"
#include "common/err.h"
#include "common/net/http.h"

char *cli_endpoint_normalise(const char *endpoint)
{
	size_t n;
	char *e;
	if (cli_empty(endpoint))
		return NULL;
	e = strstr(endpoint, "://") ? cli_xstrdup(endpoint) : cli_xasprintf("https://%s", endpoint);
	n = strlen(e);
	while (n > 0 && e[n - 1] == '/')
		e[--n] = '\0';
	return e;
}

int cli_writer_init(struct cli_writer *w, struct cli_ctx *ctx)
{
	memset(w, 0, sizeof(*w));
	w->endpoint = cli_endpoint_normalise(ctx->cfg.endpoint);
	if (w->endpoint == NULL)
		return cli_fail(CLI_EXIT_USER, "no node endpoint configured (set `endpoint` in "
					       "config.yaml or run `dnsmesh init --endpoint URL`)");
	if (!cli_empty(ctx->cfg.http_token))
		w->token = cli_xstrdup(ctx->cfg.http_token);
	else
		w->token = cli_token_for_endpoint(ctx->tokens_dir, w->endpoint, cli_ctx_now(ctx));
	if (!cli_empty(ctx->cfg.tls_pin_sha256))
		w->pin_sha256 = cli_xstrdup(ctx->cfg.tls_pin_sha256);
	return 0;
}

void cli_writer_free(struct cli_writer *w)
{
	free(w->endpoint);
	free(w->token);
	free(w->pin_sha256);
	memset(w, 0, sizeof(*w));
}

static int call(struct cli_writer *w, const char *method, const char *name, json_t *body, int want,
		const char *what)
{
	struct dm_http_opts o = {
	    .timeout_ms = DM_HTTP_TIMEOUT_MS, .bearer = w->token, .pin_sha256 = w->pin_sha256};
	struct dm_http_resp resp;
	char err[CLI_ERR_MAX], *url, *text;
	int r;

	if (w->down)
		return DM_EUNAVAIL; /* w->err still names the failure */
	text = json_dumps(body, JSON_COMPACT);
	url = cli_xasprintf("%s/v1/records/%s", w->endpoint, name);
	r = dm_http_request(method, url, text, strlen(text), &o, &resp, err);
	free(url);
	free(text);
	if (r < 0) {
		w->down = true;
		w->last_status = 0;
		snprintf(w->err, sizeof(w->err), "%s %.120s failed: node %.100s: %.250s", what,
			 name, w->endpoint, err);
		return DM_EUNAVAIL;
	}
	w->last_status = resp.status;
	if (resp.status == want) {
		dm_http_resp_free(&resp);
		return 0;
	}
	char e[DM_HTTP_ERR_MAX];
	dm_http_error_text(&resp, e);
	/* An over-long message is cut; its start names what failed. */
	if (snprintf(
		w->err, sizeof(w->err), "%s %.200s failed: HTTP %d%s%.200s%s", what, name,
		resp.status, cli_empty(e) ? "" : " — ", e,
		resp.status == 403   ? " (per-user token may not own this record namespace; if you "
				       "are the operator, set http_token to the operator token)"
		: resp.status == 401 ? " (no valid token: run `dnsmesh register --node HOST` or "
				       "set http_token)"
				     : "") >= (int)sizeof(w->err))
		w->err[sizeof(w->err) - 1] = '\0';
	dm_http_resp_free(&resp);
	return DM_EUNAVAIL;
}

int cli_writer_publish(struct cli_writer *w, const char *name, const char *value, uint32_t ttl)
{
	json_t *b = json_pack("{s:s,s:I}", "value", value, "ttl", (json_int_t)ttl);
	int r = call(w, "POST", name, b, 201, "publish to");
	json_decref(b);
	return r;
}

int cli_writer_delete(struct cli_writer *w, const char *name, const char *value)
{
	json_t *b = json_pack("{s:s}", "value", value);
	int r = call(w, "DELETE", name, b, 204, "delete at");
	json_decref(b);
	return r;
}
