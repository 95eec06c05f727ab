/* `dnsmesh send <contact> [message]` (cli.md §6, wire.md §10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/net_dns.h"
#include "cli/util.h"
#include "common/dmp/names.h"
#include "common/err.h"

#define STDIN_MAX (64 * 1024)

static const char usage[] =
    "usage: dnsmesh send <contact> [message]\n"
    "\n"
    "Sends an end-to-end encrypted message. Without a message argument the text is\n"
    "read from standard input (up to 64 KiB; one trailing newline is dropped).\n";

/* §10 step 2: a prekey of a pinned contact, or none (long-term key). */
static void pick_prekey(const struct cli_io *io, const struct cli_contact *k, const char *zone,
			const uint8_t spk[32], uint64_t now, struct dm_send_params *p)
{
	const char *user = k->remote_username ? k->remote_username : k->label;
	char name[320];
	struct dm_txtset set = {0};
	struct dm_prekey pk;

	if (dm_name_prekeys(name, sizeof(name), user, strlen(user), zone, strlen(zone)) < 0)
		return;
	if (io->lookup(io->lookup_ctx, name, &set) == 0 && set.count > 0 &&
	    dm_message_pick_prekey((const char *const *)set.values, set.lens, set.count, spk, now,
				   &pk) == 0) {
		p->prekey_id = pk.prekey_id;
		memcpy(p->prekey_pub, pk.x25519_pub, 32);
	}
	cli_txtset_clear(&set);
}

int cli_send_core(struct cli_ctx *ctx, const struct cli_io *io, const char *label,
		  const uint8_t *text, size_t len)
{
	struct cli_contact *k;
	struct dm_send_params p;
	struct dm_msg_records *recs = NULL;
	uint8_t spk[32];
	const char *zone, *rzone;
	uint64_t now = cli_ctx_now(ctx);
	int r, rc;

	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	k = cli_config_contact(&ctx->cfg, label);
	if (k == NULL)
		return cli_fail(CLI_EXIT_USER,
				"unknown contact '%s' (add it with `dnsmesh identity fetch %s "
				"--add`)",
				label, label);
	memset(&p, 0, sizeof(p));
	if (!cli_hex32(k->pub, p.recipient_x_pub))
		return cli_fail(
		    CLI_EXIT_USER,
		    "contact '%s' has no encryption key yet; run `dnsmesh identity fetch "
		    "<user@host> --add` to complete it",
		    label);
	zone = cli_config_effective_domain(&ctx->cfg);
	rzone = cli_empty(k->domain) ? zone : k->domain;
	if (cli_hex32(k->spk, spk))
		pick_prekey(io, k, rzone, spk, now, &p);
	p.sender = &ctx->id;
	p.zone = zone;
	p.text = text;
	p.text_len = len;
	p.ttl = DM_MESSAGE_DEFAULT_TTL;
	p.now = now;
	p.form = DM_MANIFEST_FORM_044;
	r = dm_message_send(&p, &recs);
	if (r == DM_ETOOBIG)
		return cli_fail(CLI_EXIT_USER, "message too long (%zu bytes)", len);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "cannot build the message: %s", dm_strerror(r));
	for (size_t i = 0; i < recs->count; i++) {
		struct dm_msg_record *rec = &recs->items[i];
		cli_progress("sending to %s: record %zu/%zu", label, i + 1, recs->count);
		if (io->publish(io->ctx, rec->name, rec->value, rec->ttl) < 0) {
			rc = cli_fail(CLI_EXIT_NET, "send failed: %s", io->write_err(io->ctx));
			break;
		}
	}
	cli_progress_done();
	dm_msg_records_free(recs);
	if (rc == 0)
		printf("sent → %s%s\n", label, p.prekey_id ? "" : " (no prekey: long-term key)");
	return rc;
}

int cmd_send(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *pos[2];
	size_t npos, len = 0;
	uint8_t *text;
	struct cli_net *net;
	struct cli_io io;
	int rc = cli_args(argc, argv, NULL, 0, pos, 1, 2, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (npos == 2) {
		text = (uint8_t *)cli_xstrdup(pos[1]);
		len = strlen(pos[1]);
	} else {
		text = cli_xmalloc(STDIN_MAX + 1);
		for (;;) {
			ssize_t n = read(STDIN_FILENO, text + len, STDIN_MAX + 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			if (len > STDIN_MAX) {
				free(text);
				return cli_fail(CLI_EXIT_USER, "message on stdin is over %d bytes",
						STDIN_MAX);
			}
		}
		if (len > 0 && text[len - 1] == '\n')
			len--;
		if (len > 0 && text[len - 1] == '\r')
			len--;
	}
	rc = cli_ctx_load(ctx);
	if (rc == 0)
		rc = cli_net_open(ctx, true, &net, &io);
	if (rc == 0) {
		rc = cli_send_core(ctx, &io, pos[0], text, len);
		cli_net_close(net);
	}
	free(text);
	return rc;
}
