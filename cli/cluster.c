#include "cli/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/net_dns.h"
#include "cli/tokens.h"
#include "cli/util.h"
#include "common/err.h"

#define CLUSTER_PREFIX "v=dmp1;t=cluster;"

bool cli_cluster_enabled(const struct cli_config *cfg)
{
	return cfg->cluster_enabled && !cli_empty(cfg->cluster_base_domain) &&
	       !cli_empty(cfg->cluster_operator_spk);
}

int cli_cluster_verify(const struct cli_config *cfg, const char *wire, uint64_t now,
		       struct dm_cluster *ret)
{
	uint8_t spk[DM_ED25519_PK_BYTES];
	if (cli_empty(cfg->cluster_operator_spk) || cli_empty(cfg->cluster_base_domain) ||
	    !cli_hex32(cfg->cluster_operator_spk, spk))
		return DM_EINVAL;
	return dm_cluster_parse(wire, strlen(wire), spk, now, cfg->cluster_base_domain,
				strlen(cfg->cluster_base_domain), ret);
}

int cli_cluster_fetch(const struct cli_config *cfg, dm_lookup_fn lookup, void *lookup_ctx,
		      uint64_t now, struct dm_cluster *ret, char **ret_wire, char *err)
{
	struct dm_txtset set = {0};
	struct dm_cluster best, m;
	const char *best_wire = NULL;
	char *name = cli_xasprintf("cluster.%s", cfg->cluster_base_domain);
	int r = lookup(lookup_ctx, name, &set), last = DM_ENOTFOUND;
	if (r < 0) {
		snprintf(err, CLI_ERR_MAX, "cannot read %.200s: no resolver answered", name);
		free(name);
		cli_txtset_clear(&set);
		return DM_EUNAVAIL;
	}
	for (size_t i = 0; i < set.count; i++) {
		if (strncmp(set.values[i], CLUSTER_PREFIX, strlen(CLUSTER_PREFIX)) != 0)
			continue;
		int v = cli_cluster_verify(cfg, set.values[i], now, &m);
		if (v != 0) {
			last = v;
			continue;
		}
		if (best_wire == NULL || m.seq > best.seq) {
			best = m;
			best_wire = set.values[i];
		}
	}
	if (best_wire == NULL) {
		snprintf(err, CLI_ERR_MAX,
			 "no cluster manifest at %.200s verifies under the pinned "
			 "operator key%s%s",
			 name, last == DM_ENOTFOUND ? "" : ": ",
			 last == DM_ENOTFOUND ? "" : dm_strerror(last));
		free(name);
		cli_txtset_clear(&set);
		return last == DM_ENOTFOUND ? DM_ENOTFOUND : DM_ESIG;
	}
	*ret = best;
	*ret_wire = cli_xstrdup(best_wire);
	free(name);
	cli_txtset_clear(&set);
	return 0;
}

/* ---- the transport over the manifest's nodes ---- */

/* "host", "host:port", "[v6]:port" into host and port (default 53). */
static bool split_hostport(const char *s, char *host, size_t cap, long *port)
{
	const char *colon;
	*port = 53;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || (size_t)(rb - s - 1) >= cap)
			return false;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL; /* a bare IPv6 literal */
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		if (n == 0 || n >= cap)
			return false;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (colon != NULL) {
		char *end;
		*port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || *port < 1 || *port > 65535)
			return false;
	}
	return true;
}

static void node_open(struct cli_ctx *ctx, const struct dm_cluster_node *mn,
		      struct cli_cluster_node *cn)
{
	const struct cli_config *cfg = &ctx->cfg;
	char err[CLI_ERR_MAX];
	cn->w.endpoint = cli_endpoint_normalise(mn->http);
	if (!cli_empty(cfg->cluster_node_token))
		cn->w.token = cli_xstrdup(cfg->cluster_node_token);
	else if (!cli_empty(cfg->http_token))
		cn->w.token = cli_xstrdup(cfg->http_token);
	else
		cn->w.token =
		    cli_token_for_endpoint(ctx->tokens_dir, cn->w.endpoint, cli_ctx_now(ctx));
	char *mine = cli_endpoint_normalise(cfg->endpoint);
	/* A certificate pin belongs to the configured node only. */
	if (mine != NULL && !cli_empty(cfg->tls_pin_sha256) && !strcmp(mine, cn->w.endpoint))
		cn->w.pin_sha256 = cli_xstrdup(cfg->tls_pin_sha256);
	free(mine);

	struct cli_config nc = *cfg;
	char host[256];
	long port = 53;
	nc.resolver_count = 0;
	nc.dns_resolvers = NULL;
	nc.doh_url = NULL;
	nc.tls_pin_sha256 = cn->w.pin_sha256;
	nc.endpoint = cn->w.endpoint;
	if (mn->dns_len > 0 && split_hostport(mn->dns, host, sizeof(host), &port)) {
		nc.dns_host = host;
		nc.dns_port = port;
	} else if (strncmp(cn->w.endpoint, "https://", 8) == 0) {
		char *doh = cli_xasprintf("%s/dns-query", cn->w.endpoint);
		nc.doh_url = doh;
		cn->has_reader = cli_reader_init(&cn->r, &nc, err) == 0;
		free(doh);
		return;
	} else {
		return; /* nothing to read this node through */
	}
	cn->has_reader = cli_reader_init(&cn->r, &nc, err) == 0;
	if (!cn->has_reader)
		cli_reader_free(&cn->r);
}

static void save_cache(struct cli_ctx *ctx, const char *wire)
{
	char *path = cli_ctx_path(ctx, CLI_CLUSTER_WIRE_FILE);
	if (cli_write_atomic(path, wire, strlen(wire), 0600) < 0)
		cli_warn("cannot cache the cluster manifest in %s", path);
	free(path);
}

static bool load_cache(struct cli_ctx *ctx, uint64_t now, struct dm_cluster *ret)
{
	char *path = cli_ctx_path(ctx, CLI_CLUSTER_WIRE_FILE), *text = NULL;
	size_t len;
	bool ok = false;
	if (cli_read_file(path, DM_CLUSTER_WIRE_MAX + 64, &text, &len) == 0) {
		cli_strip(text);
		ok = cli_cluster_verify(&ctx->cfg, text, now, ret) == 0;
	}
	free(text);
	free(path);
	return ok;
}

static void open_nodes(struct cli_ctx *ctx, struct cli_cluster *c)
{
	c->n = c->m.node_count;
	for (size_t i = 0; i < c->n; i++)
		node_open(ctx, &c->m.nodes[i], &c->node[i]);
}

int cli_cluster_open(struct cli_ctx *ctx, struct cli_cluster **ret)
{
	struct cli_reader r;
	char err[CLI_ERR_MAX];
	struct dm_cluster fresh, cached;
	char *wire = NULL;
	uint64_t now = cli_ctx_now(ctx);
	int rc = cli_reader_init(&r, &ctx->cfg, err);
	if (rc == 0)
		rc = cli_cluster_fetch(&ctx->cfg, cli_reader_lookup, &r, now, &fresh, &wire, err);
	cli_reader_free(&r);
	bool have_cache = load_cache(ctx, now, &cached);
	struct cli_cluster *c = cli_xcalloc(1, sizeof(*c));
	if (rc == 0) {
		c->m = fresh;
		if (!have_cache || fresh.seq > cached.seq)
			save_cache(ctx, wire);
		else if (cached.seq > fresh.seq)
			c->m = cached; /* never step back to an older node list */
	} else if (have_cache) {
		c->m = cached;
	} else {
		free(wire);
		free(c);
		return cli_fail(CLI_EXIT_NET, "cluster mode: %s", err);
	}
	free(wire);
	open_nodes(ctx, c);
	*ret = c;
	return 0;
}

struct cli_cluster *cli_cluster_open_manifest(struct cli_ctx *ctx, const struct dm_cluster *m)
{
	struct cli_cluster *c = cli_xcalloc(1, sizeof(*c));
	c->m = *m;
	open_nodes(ctx, c);
	return c;
}

void cli_cluster_close(struct cli_cluster *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		cli_writer_free(&c->node[i].w);
		if (c->node[i].has_reader)
			cli_reader_free(&c->node[i].r);
	}
	free(c);
}

static int fan_out(struct cli_cluster *c, bool del, const char *name, const char *value,
		   uint32_t ttl)
{
	size_t ok = 0;
	const char *why = NULL;
	for (size_t i = 0; i < c->n; i++) {
		struct cli_cluster_node *n = &c->node[i];
		int r = del ? cli_writer_delete(&n->w, name, value)
			    : cli_writer_publish(&n->w, name, value, ttl);
		if (r == 0) {
			n->wok++;
			ok++;
		} else {
			n->wfail++;
			if (why == NULL)
				why = n->w.err;
		}
	}
	if (ok * 2 > c->n)
		return 0;
	snprintf(c->err, sizeof(c->err),
		 "%s %.150s: %zu of %zu cluster nodes accepted, a majority "
		 "is needed (%.250s)",
		 del ? "delete at" : "publish to", name, ok, c->n, why ? why : "no nodes");
	return DM_EUNAVAIL;
}

int cli_cluster_publish(struct cli_cluster *c, const char *name, const char *value, uint32_t ttl)
{
	return fan_out(c, false, name, value, ttl);
}

int cli_cluster_delete(struct cli_cluster *c, const char *name, const char *value)
{
	return fan_out(c, true, name, value, 0);
}

int cli_cluster_lookup(void *ctx, const char *name, struct dm_txtset *out)
{
	struct cli_cluster *c = ctx;
	size_t answered = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct cli_cluster_node *n = &c->node[i];
		struct dm_txtset one = {0};
		if (!n->has_reader)
			continue;
		if (cli_reader_lookup(&n->r, name, &one) != 0) {
			n->rfail++;
			snprintf(c->err, sizeof(c->err), "%s", n->r.err);
			cli_txtset_clear(&one);
			continue;
		}
		n->rok++;
		answered++;
		for (size_t k = 0; k < one.count; k++) {
			bool dup = false;
			for (size_t j = 0; j < out->count && !dup; j++)
				dup = out->lens[j] == one.lens[k] &&
				      memcmp(out->values[j], one.values[k], one.lens[k]) == 0;
			if (!dup && dm_txtset_add(out, one.values[k], one.lens[k]) < 0)
				break;
		}
		cli_txtset_clear(&one);
	}
	if (answered > 0)
		return 0;
	c->read_failures++;
	return DM_EUNAVAIL;
}
