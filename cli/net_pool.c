#include "cli/net_pool.h"

#include <stdio.h>
#include <string.h>

#include "cli/util.h"
#include "common/err.h"

static int real_query(void *ctx, const struct cli_ns *ns, const char *name, int timeout_ms,
		      struct dm_txtset *out, uint8_t *ret_rcode, char *err)
{
	(void)ctx;
	return cli_dns_query(ns, name, timeout_ms, out, ret_rcode, err);
}

void cli_pool_init(struct cli_pool *p, int timeout_ms, int lifetime_ms)
{
	memset(p, 0, sizeof(*p));
	p->timeout_ms = timeout_ms;
	p->lifetime_ms = lifetime_ms;
	p->query = real_query;
}

int cli_pool_add(struct cli_pool *p, const char *entry, uint16_t default_port)
{
	struct cli_ns ns;
	int r;
	if (p->count == CLI_POOL_MAX_HOSTS)
		return DM_ETOOBIG;
	r = cli_ns_parse(entry, default_port, &ns);
	if (r < 0)
		return r;
	p->hosts[p->count].ns = ns;
	p->hosts[p->count].failed_at_ms = 0;
	p->count++;
	return 0;
}

static bool demoted(const struct cli_pool_host *h, uint64_t now_ms)
{
	return h->failed_at_ms != 0 && now_ms < h->failed_at_ms + CLI_POOL_DEMOTE_MS;
}

size_t cli_pool_order(const struct cli_pool *p, uint64_t now_ms, size_t ret[CLI_POOL_MAX_HOSTS])
{
	size_t n = 0, first_demoted;

	for (size_t i = 0; i < p->count; i++)
		if (!demoted(&p->hosts[i], now_ms))
			ret[n++] = i;
	first_demoted = n;
	for (size_t i = 0; i < p->count; i++)
		if (demoted(&p->hosts[i], now_ms))
			ret[n++] = i;
	/* Demoted hosts: oldest failure first (insertion sort; n <= 16). */
	for (size_t i = first_demoted + 1; i < n; i++) {
		size_t v = ret[i], j = i;
		while (j > first_demoted &&
		       p->hosts[ret[j - 1]].failed_at_ms > p->hosts[v].failed_at_ms) {
			ret[j] = ret[j - 1];
			j--;
		}
		ret[j] = v;
	}
	return n;
}

int cli_pool_lookup(struct cli_pool *p, const char *name, uint64_t now_ms, struct dm_txtset *out)
{
	size_t order[CLI_POOL_MAX_HOSTS], n = cli_pool_order(p, now_ms, order);
	size_t said_empty[CLI_POOL_MAX_HOSTS], n_empty = 0;
	uint64_t start = cli_mono_ms();
	bool answered = false;

	p->last_err[0] = '\0';
	if (n == 0) {
		snprintf(p->last_err, sizeof(p->last_err), "no DNS resolver configured");
		return DM_EUNAVAIL;
	}
	for (size_t k = 0; k < n; k++) {
		struct cli_pool_host *h = &p->hosts[order[k]];
		uint64_t spent = cli_mono_ms() - start;
		int left = p->lifetime_ms - (int)spent;
		int budget = p->timeout_ms < left ? p->timeout_ms : left;
		uint8_t rcode = 0;
		char err[CLI_ERR_MAX];
		int r;

		if (budget <= 0) {
			if (p->last_err[0] == '\0')
				snprintf(p->last_err, sizeof(p->last_err),
					 "DNS lookup of %.100s timed out", name);
			break;
		}
		r = p->query(p->query_ctx, &h->ns, name, budget, out, &rcode, err);
		if (r < 0 || (rcode != 0 && rcode != 3 /* NXDOMAIN */)) {
			if (r >= 0)
				snprintf(err, sizeof(err), "resolver %s: answered rcode %u",
					 h->ns.label, rcode);
			memcpy(p->last_err, err, sizeof(err));
			cli_txtset_clear(out);
			h->failed_at_ms = now_ms ? now_ms : 1;
			continue;
		}
		answered = true;
		if (out->count > 0) {
			/* Hosts that said "nothing" before a later one answered lied. */
			for (size_t i = 0; i < n_empty; i++)
				p->hosts[said_empty[i]].failed_at_ms = now_ms ? now_ms : 1;
			h->failed_at_ms = 0;
			return 0;
		}
		said_empty[n_empty++] = order[k];
	}
	return answered ? 0 : DM_EUNAVAIL;
}
