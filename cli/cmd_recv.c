/* `dnsmesh recv [--watch]` (cli.md §6, wire.md §11). */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/net_dns.h"
#include "cli/state.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/codec/unicode.h"
#include "common/dmp/claim.h"
#include "common/dmp/names.h"
#include "common/err.h"

#define MAX_ZONES 256

static const char usage[] =
    "usage: dnsmesh recv [--watch] [--interval SECONDS]\n"
    "\n"
    "Fetches and decrypts new messages. Messages from senders you have not pinned\n"
    "wait in the intro queue (`dnsmesh intro list`).\n"
    "  --watch          keep polling until interrupted (Ctrl-C)\n"
    "  --interval N     seconds between polls with --watch (default 30)\n";

struct rx_state {
	struct cli_ctx *ctx;
	const struct cli_io *io;
	struct cli_replay replay;
	sqlite3 *prekeys;
};

static bool st_seen(void *c, const uint8_t spk[32], const uint8_t msg_id[16], uint64_t now)
{
	struct rx_state *s = c;
	return cli_replay_seen(&s->replay, spk, msg_id, now);
}

static int st_prekey(void *c, uint32_t id, uint64_t now, uint8_t ret_priv[32], uint64_t *ret_exp)
{
	struct rx_state *s = c;
	if (s->prekeys == NULL)
		return DM_ENOTFOUND;
	return cli_prekeys_get(s->prekeys, id, now, ret_priv, ret_exp);
}

static int st_commit(void *c, const struct dm_recv_commit *cm)
{
	struct rx_state *s = c;
	uint64_t now = cli_ctx_now(s->ctx);
	int r = cli_replay_add(&s->replay, cm->sender_spk, cm->msg_id, cm->replay_expiry, now);
	if (r < 0)
		return r; /* withheld: a later poll retries */
	if (cm->prekey_id != 0) {
		if (s->prekeys != NULL)
			(void)cli_prekeys_delete(s->prekeys, cm->prekey_id);
		/* Best effort: a stale value only costs the next sender a failed pick. */
		if (cm->prekey_name && cm->prekey_value && s->io->unpublish)
			(void)s->io->unpublish(s->io->ctx, cm->prekey_name, cm->prekey_value);
	}
	return 0;
}

static void add_zone(const char **zones, size_t *n, const char *z)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(zones[i], z))
			return;
	if (*n < MAX_ZONES)
		zones[(*n)++] = z;
}

/* Zones named by verified claims for us at the provider zone (cli.md §7). */
static size_t claimed_zones(struct cli_ctx *ctx, const struct cli_io *io, sqlite3 *intros,
			    char (*out)[DM_CLAIM_DOMAIN_MAX + 1], size_t max)
{
	const char *pz = ctx->cfg.claim_provider_zone;
	size_t n = 0;
	if (cli_empty(pz))
		return 0;
	for (unsigned slot = 0; slot <= DM_NAME_MAX_SLOT; slot++) {
		char name[320];
		struct dm_txtset set = {0};
		if (dm_name_claim(name, sizeof(name), ctx->id.user_id, slot, pz, strlen(pz)) < 0)
			break;
		if (io->lookup(io->lookup_ctx, name, &set) < 0) {
			cli_txtset_clear(&set);
			break;
		}
		for (size_t v = 0; v < set.count && n < max; v++) {
			struct dm_claim cl;
			bool dup = false;
			if (dm_claim_parse(set.values[v], set.lens[v], cli_ctx_now(ctx), &cl) < 0)
				continue;
			if (intros != NULL && cli_intros_blocked(intros, cl.sender_spk))
				continue;
			for (size_t i = 0; i < n; i++)
				dup = dup || !strcmp(out[i], cl.domain);
			if (!dup)
				memcpy(out[n++], cl.domain, cl.domain_len + 1);
		}
		cli_txtset_clear(&set);
	}
	return n;
}

static const struct cli_contact *contact_by_spk(const struct cli_config *c, const uint8_t spk[32])
{
	char hex[65];
	dm_hex_encode(spk, 32, hex);
	for (size_t i = 0; i < c->contact_count; i++)
		if (!strcasecmp(c->contacts[i].spk, hex))
			return &c->contacts[i];
	return NULL;
}

int cli_recv_core(struct cli_ctx *ctx, const struct cli_io *io, struct cli_recv_result *ret)
{
	struct rx_state s = {.ctx = ctx, .io = io};
	const char *zones[MAX_ZONES];
	char(*claimed)[DM_CLAIM_DOMAIN_MAX + 1] = NULL;
	uint8_t(*pinned)[32] = NULL;
	size_t nz = 0, np = 0, nclaimed;
	struct dm_recv_params p;
	struct dm_inbox *inbox = NULL;
	sqlite3 *intros = NULL;
	char *path;
	uint64_t now = cli_ctx_now(ctx);
	int rc, r;

	memset(ret, 0, sizeof(*ret));
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	if (cli_mkdir_p(ctx->home, 0700) < 0)
		return cli_fail(CLI_EXIT_USER, "cannot create %s", ctx->home);
	path = cli_ctx_path(ctx, CLI_REPLAY_FILE);
	r = cli_replay_load(path, now, &s.replay);
	free(path);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "%s/%s is not a replay cache (JSON array)",
				ctx->home, CLI_REPLAY_FILE);
	path = cli_ctx_path(ctx, CLI_PREKEYS_FILE);
	if (cli_prekeys_open(path, &s.prekeys) < 0)
		s.prekeys = NULL;
	free(path);
	path = cli_ctx_path(ctx, CLI_INTROS_FILE);
	if (cli_intros_open(path, &intros) < 0)
		intros = NULL;
	free(path);

	/* Pinned senders, and the zones to poll: contacts', claimed, our own. */
	pinned = cli_xcalloc(ctx->cfg.contact_count + 1, 32);
	for (size_t i = 0; i < ctx->cfg.contact_count; i++) {
		const struct cli_contact *k = &ctx->cfg.contacts[i];
		if (cli_hex32(k->spk, pinned[np]))
			np++;
		add_zone(zones, &nz,
			 cli_empty(k->domain) ? cli_config_effective_domain(&ctx->cfg) : k->domain);
	}
	claimed = cli_xcalloc(64, sizeof(*claimed));
	nclaimed = claimed_zones(ctx, io, intros, claimed, 64);
	for (size_t i = 0; i < nclaimed; i++)
		add_zone(zones, &nz, claimed[i]);
	add_zone(zones, &nz, cli_config_effective_domain(&ctx->cfg));

	memset(&p, 0, sizeof(p));
	p.self = &ctx->id;
	p.username = ctx->cfg.username;
	p.domain = cli_config_effective_domain(&ctx->cfg);
	p.zones = zones;
	p.zone_count = nz;
	/* Every valid signer is decrypted; unpinned ones are then queued as
	 * intros instead of silently dropped (0.4.4 dropped them on this path). */
	p.pinned_spks = NULL;
	p.pinned_count = 0;
	p.now = now;
	p.lookup = io->lookup;
	p.lookup_ctx = io->lookup_ctx;
	p.state = (struct dm_recv_state){
	    .ctx = &s, .seen = st_seen, .prekey = st_prekey, .commit = st_commit};
	r = dm_message_receive(&p, &inbox);
	if (r < 0) {
		rc = cli_fail(CLI_EXIT_USER, "receive failed: %s", dm_strerror(r));
		goto out;
	}
	ret->msgs = cli_xcalloc(inbox->count, sizeof(*ret->msgs));
	for (size_t i = 0; i < inbox->count; i++) {
		struct dm_inbox_msg *m = &inbox->msgs[i];
		const struct cli_contact *k = contact_by_spk(&ctx->cfg, m->sender_spk);
		bool is_pinned = false;
		for (size_t j = 0; j < np; j++)
			is_pinned = is_pinned || !memcmp(pinned[j], m->sender_spk, 32);
		if (intros != NULL && cli_intros_blocked(intros, m->sender_spk))
			continue;
		if (np > 0 && !is_pinned) {
			struct cli_intro in = {.plaintext = m->plaintext,
					       .plaintext_len = m->plaintext_len,
					       .domain = (char *)zones[m->zone_index],
					       .label =
						   (char *)(m->env.has_from ? m->env.from : ""),
					       .received_at = now,
					       .msg_exp = (uint64_t)m->ts + DM_MESSAGE_DEFAULT_TTL};
			memcpy(in.spk, m->sender_spk, 32);
			memcpy(in.msg_id, m->msg_id, 16);
			if (intros != NULL && cli_intros_add(intros, &in) > 0)
				ret->intros++;
			continue;
		}
		struct cli_recv_msg *o = &ret->msgs[ret->count++];
		memcpy(o->sender_spk, m->sender_spk, 32);
		memcpy(o->msg_id, m->msg_id, 16);
		o->ts = m->ts;
		o->sender_label = k ? cli_xstrdup(k->label) : NULL;
		const uint8_t *b = m->env.v2 ? m->env.body : m->plaintext;
		size_t bl = m->env.v2 ? m->env.body_len : m->plaintext_len;
		o->body = cli_xmalloc(bl + 1);
		memcpy(o->body, b, bl);
		o->body[bl] = 0;
		o->body_len = bl;
	}
out:
	dm_inbox_free(inbox);
	free(claimed);
	free(pinned);
	cli_replay_free(&s.replay);
	if (s.prekeys)
		sqlite3_close(s.prekeys);
	if (intros)
		sqlite3_close(intros);
	return rc;
}

void cli_recv_result_free(struct cli_recv_result *r)
{
	for (size_t i = 0; i < r->count; i++) {
		sodium_memzero(r->msgs[i].body, r->msgs[i].body_len);
		free(r->msgs[i].body);
		free(r->msgs[i].sender_label);
	}
	free(r->msgs);
	memset(r, 0, sizeof(*r));
}

static bool printable_utf8(const uint8_t *s, size_t len)
{
	size_t pos = 0;
	uint32_t cp;
	while (pos < len)
		if (!dm_utf8_next(s, len, &pos, &cp) || cp == 0)
			return false;
	return true;
}

static void print_result(const struct cli_recv_result *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct cli_recv_msg *m = &r->msgs[i];
		char hex[65];
		dm_hex_encode(m->sender_spk, 32, hex);
		if (m->sender_label)
			printf("from %s (%.16s...)\n", m->sender_label, hex);
		else
			printf("from %.16s...\n", hex);
		printf("  ts=%lld\n", (long long)m->ts);
		if (printable_utf8(m->body, m->body_len))
			printf("  %.*s\n\n", (int)m->body_len, (const char *)m->body);
		else
			printf("  (binary, %zu bytes)\n\n", m->body_len);
	}
	if (r->intros)
		printf(
		    "(%zu new intro(s) from un-pinned senders — review with dnsmesh intro list)\n",
		    r->intros);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_recv(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--watch"), CLI_OPT("--interval")};
	const char *pos[1];
	size_t npos;
	long interval;
	bool watch;
	int rc = cli_args(argc, argv, o, 2, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_opt_long(o, 2, "--interval", 30, 1, 86400, &interval))
		return CLI_EXIT_USAGE;
	watch = cli_opt_set(o, 2, "--watch");
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	if (watch) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	do {
		struct cli_net *net;
		struct cli_io io;
		struct cli_recv_result res;
		const char *why;

		/* Reading works without a node endpoint; prekey cleanup does not. */
		rc = cli_net_open(ctx, !cli_empty(ctx->cfg.endpoint), &net, &io);
		if (rc != 0)
			return rc;
		cli_progress("checking for messages...");
		rc = cli_recv_core(ctx, &io, &res);
		cli_progress_done();
		why = io.read_err(io.ctx);
		if (rc == 0) {
			print_result(&res);
			if (res.count == 0 && res.intros == 0 && why == NULL && !watch)
				printf("(no new messages)\n");
			if (why != NULL && res.count == 0)
				rc = cli_fail(CLI_EXIT_NET, "could not read the mailbox: %s", why);
			else if (why != NULL)
				cli_warn("some reads failed: %s", why);
		}
		fflush(stdout);
		cli_recv_result_free(&res);
		cli_net_close(net);
		if (!watch)
			break;
		for (long t = 0; t < interval * 10 && !stop; t++) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		if (rc == CLI_EXIT_NET)
			rc = 0; /* keep watching through a node outage */
	} while (!stop);
	return rc;
}
