/*
 * The CLI's receive path decrypts every message of message_send.json from
 * its published records (served by an in-memory resolver), through the real
 * state files (replay cache, prekeys.db) in a temporary config directory:
 * plaintext, sender (shown by contact name), ts, prekey consumed (local row
 * and published value), replay rejected on a second poll. Then the CLI's
 * send output, fed back through the core library's receive, decrypts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/state.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "tests/unit/test.h"
#include "tests/vectors/vecutil.h"

/* An in-memory DNS: names with their TXT values. */
struct store {
	size_t count;
	char *names[512];
	char *values[512];
};

static void store_add(struct store *s, const char *name, const char *value)
{
	if (s->count == 512)
		return;
	s->names[s->count] = cli_xstrdup(name);
	s->values[s->count] = cli_xstrdup(value);
	s->count++;
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->count; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	s->count = 0;
}

static bool store_has(const struct store *s, const char *name, const char *value)
{
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->names[i], name) && !strcmp(s->values[i], value))
			return true;
	return false;
}

static int lookup(void *ctx, const char *name, struct dm_txtset *out)
{
	struct store *s = ctx;
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->names[i], name) &&
		    dm_txtset_add(out, s->values[i], strlen(s->values[i])) < 0)
			return -1;
	return 0;
}

static int publish(void *ctx, const char *name, const char *value, uint32_t ttl)
{
	(void)ttl;
	store_add(ctx, name, value);
	return 0;
}

static int unpublish(void *ctx, const char *name, const char *value)
{
	struct store *s = ctx;
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->names[i], name) && !strcmp(s->values[i], value)) {
			free(s->names[i]);
			free(s->values[i]);
			s->names[i] = s->names[s->count - 1];
			s->values[i] = s->values[s->count - 1];
			s->count--;
			return 0;
		}
	return -1;
}

static const char *no_err(void *ctx)
{
	(void)ctx;
	return NULL;
}

static const char *write_err(void *ctx)
{
	(void)ctx;
	return "fake";
}

static bool never_seen(void *ctx, const uint8_t spk[32], const uint8_t msg_id[16], uint64_t now)
{
	(void)ctx;
	(void)spk;
	(void)msg_id;
	(void)now;
	return false;
}

static int no_prekey(void *ctx, uint32_t id, uint64_t now, uint8_t priv[32], uint64_t *exp)
{
	(void)ctx;
	(void)id;
	(void)now;
	(void)priv;
	(void)exp;
	return -1;
}

static int commit_ok(void *ctx, const struct dm_recv_commit *c)
{
	(void)ctx;
	(void)c;
	return 0;
}

static void setup_ctx(struct cli_ctx *ctx, const char *dir, const json_t *me, const json_t *peer,
		      const char *zone, uint64_t now)
{
	uint8_t x[32];
	char spk[65];

	memset(ctx, 0, sizeof(*ctx));
	ctx->home = cli_xstrdup(dir);
	ctx->config_path = cli_xasprintf("%s/config.yaml", dir);
	ctx->tokens_dir = cli_xasprintf("%s/tokens", dir);
	cli_config_defaults(&ctx->cfg);
	ctx->cfg_loaded = true;
	cli_config_set(&ctx->cfg.username, vec_str(me, "username"));
	cli_config_set(&ctx->cfg.domain, zone);
	CHECK(vec_hex_fixed(me, "x25519_private_hex", x, 32));
	CHECK_EQ(dm_identity_from_x25519(x, &ctx->id), 0);
	ctx->have_id = true;
	dm_hex_encode(ctx->id.ed_pk, 32, spk);
	cli_config_set(&ctx->cfg.verify_pubkey, spk);
	cli_config_contact_put(&ctx->cfg, vec_str(peer, "username"),
			       vec_str(peer, "x25519_public_hex"),
			       vec_str(peer, "ed25519_public_hex"), "", NULL);
	ctx->now = now;
}

static void run_case(const json_t *c, size_t idx)
{
	const json_t *sender = json_object_get(c, "sender"),
		     *recip = json_object_get(c, "recipient");
	const json_t *recv = json_object_get(c, "receive"), *pk = json_object_get(c, "prekey");
	const json_t *recs = json_object_get(c, "published_records"), *r;
	const char *zone = vec_str(c, "zone");
	char dir[] = "/tmp/dnsmesh-cli-vec.XXXXXX";
	struct store st = {0};
	struct cli_ctx ctx;
	struct cli_recv_result res;
	struct cli_io io = {.lookup = lookup,
			    .lookup_ctx = &st,
			    .publish = publish,
			    .unpublish = unpublish,
			    .write_err = write_err,
			    .ctx = &st,
			    .read_err = no_err};
	size_t i, want_len, pk_len = 0;
	uint8_t *want, *pk_priv = NULL;
	uint64_t now = (uint64_t)vec_int(c, "receive_now", 0);
	const json_t *env = json_object_get(recv, "envelope_decoded");

	CHECK(mkdtemp(dir) != NULL);
	json_array_foreach(recs, i, r) store_add(&st, vec_str(r, "name"), vec_str(r, "value"));
	setup_ctx(&ctx, dir, recip, sender, zone, now);
	if (json_is_object(pk)) {
		const json_t *rec = json_object_get(pk, "prekey_record");
		uint8_t pub[32];
		char *path = cli_xasprintf("%s/%s", dir, CLI_PREKEYS_FILE);
		sqlite3 *db;
		store_add(&st, vec_str(rec, "name"), vec_str(rec, "value"));
		pk_priv = vec_hex(pk, "prekey_private_hex", &pk_len);
		CHECK(vec_hex_fixed(pk, "prekey_public_hex", pub, 32));
		CHECK_EQ(cli_prekeys_open(path, &db), 0);
		CHECK_EQ(cli_prekeys_put(db, (uint32_t)vec_int(pk, "prekey_id", 0), pk_priv, pub,
					 (uint64_t)vec_int(pk, "prekey_exp", 0), now,
					 vec_str(rec, "value")),
			 0);
		sqlite3_close(db);
		free(path);
	}

	CHECK_EQ(cli_recv_core(&ctx, &io, &res), 0);
	CHECK_EQ(res.count, 1);
	want = json_is_object(env) ? vec_hex(env, "body_hex", &want_len)
				   : vec_hex(recv, "plaintext_hex", &want_len);
	if (res.count == 1) {
		uint8_t spk[32], mid[16];
		CHECK(res.msgs[0].body_len == want_len &&
		      !memcmp(res.msgs[0].body, want, want_len));
		CHECK(vec_hex_fixed(recv, "sender_signing_pk_hex", spk, 32));
		CHECK_MEM(res.msgs[0].sender_spk, spk, 32);
		CHECK(vec_hex_fixed(recv, "msg_id_hex", mid, 16));
		CHECK_MEM(res.msgs[0].msg_id, mid, 16);
		CHECK_EQ(res.msgs[0].ts, vec_int(recv, "timestamp", -1));
		CHECK(res.msgs[0].sender_label && !strcmp(res.msgs[0].sender_label, "alice"));
	}
	if (res.count != 1)
		fprintf(stderr, "case %zu (%s): %zu delivered\n", idx, vec_str(c, "description"),
			res.count);
	cli_recv_result_free(&res);
	if (json_is_object(pk)) {
		const json_t *rec = json_object_get(pk, "prekey_record");
		char *path = cli_xasprintf("%s/%s", dir, CLI_PREKEYS_FILE);
		sqlite3 *db;
		CHECK(!store_has(&st, vec_str(rec, "name"), vec_str(rec, "value")));
		CHECK_EQ(cli_prekeys_open(path, &db), 0);
		CHECK(!cli_prekeys_exists(db, (uint32_t)vec_int(pk, "prekey_id", 0)));
		sqlite3_close(db);
		free(path);
	}
	/* Second poll: the replay cache (on disk) holds it back. */
	CHECK_EQ(cli_recv_core(&ctx, &io, &res), 0);
	CHECK_EQ(res.count, (size_t)vec_int(recv, "second_poll_delivered_count", -1));
	cli_recv_result_free(&res);

	/* Our send, back through the core receive. */
	{
		struct store out = {0};
		struct cli_ctx actx;
		char adir[] = "/tmp/dnsmesh-cli-vec.XXXXXX";
		struct cli_io aio = io;
		struct dm_inbox *inbox = NULL;
		const char *zones[1] = {zone};
		struct dm_recv_params p;
		CHECK(mkdtemp(adir) != NULL);
		setup_ctx(&actx, adir, sender, recip, zone, now);
		aio.lookup_ctx = &out;
		aio.ctx = &out;
		CHECK_EQ(cli_send_core(&actx, &aio, "bob", want, want_len), 0);
		memset(&p, 0, sizeof(p));
		p.self = &ctx.id;
		p.zones = zones;
		p.zone_count = 1;
		p.now = now;
		p.lookup = lookup;
		p.lookup_ctx = &out;
		p.state = (struct dm_recv_state){
		    .seen = never_seen, .prekey = no_prekey, .commit = commit_ok};
		CHECK_EQ(dm_message_receive(&p, &inbox), 0);
		CHECK(inbox && inbox->count == 1 && inbox->msgs[0].plaintext_len == want_len &&
		      !memcmp(inbox->msgs[0].plaintext, want, want_len));
		dm_inbox_free(inbox);
		store_free(&out);
		cli_ctx_free(&actx);
		char *cmd = cli_xasprintf("rm -rf '%s'", adir);
		CHECK_EQ(system(cmd), 0);
		free(cmd);
	}
	free(want);
	free(pk_priv);
	store_free(&st);
	cli_ctx_free(&ctx);
	char *cmd = cli_xasprintf("rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	json_t *root = vec_load("message_send.json");
	const json_t *cases = json_object_get(root, "cases"), *c;
	size_t i;

	CHECK_EQ(json_array_size(cases), 12);
	json_array_foreach(cases, i, c) run_case(c, i);
	json_decref(root);
	return TEST_DONE("test_cli_vectors");
}
