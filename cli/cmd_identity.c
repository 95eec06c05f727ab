/* `dnsmesh identity show|publish|refresh-prekeys|fetch|rotate` (cli.md §6). */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli/args.h"
#include "cli/bootstrap.h"
#include "cli/cmds.h"
#include "cli/net_dns.h"
#include "cli/state.h"
#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/dmp/identity_record.h"
#include "common/dmp/names.h"
#include "common/dmp/prekey.h"
#include "common/dmp/revocation.h"
#include "common/dmp/rotation.h"
#include "common/err.h"

#define NAME_MAX_LEN 320
#define IDENTITY_TTL 86400
#define MAX_FETCHED  64

static const char usage[] =
    "usage: dnsmesh identity <show|publish|refresh-prekeys|fetch|rotate> [options]\n"
    "\n"
    "  show [--json]                       your keys and user id (offline)\n"
    "  publish [--ttl 86400]               publish your signed identity record\n"
    "  refresh-prekeys [--count 25] [--ttl 86400]\n"
    "                                      publish one-time prekeys (forward secrecy)\n"
    "  fetch <user|user@host> [--domain D] [--add] [--accept-fingerprint HEX16] [--json]\n"
    "        [--via-bootstrap]\n"
    "                                      look someone up (and add them as a contact);\n"
    "                                      --via-bootstrap reads through the cluster the\n"
    "                                      pinned _dmp.<host> record points at\n"
    "  rotate --experimental [--new-passphrase-file F] [--ttl 86400]\n"
    "         [--exp-seconds 31536000] [--yes] [--reason routine|compromise|lost_key]\n"
    "                                      move your identity to a new passphrase\n";

/* The name our identity record lives at (zone-anchored or hashed). */
static int own_identity_name(const struct cli_config *c, char *out, size_t cap)
{
	const char *d = cli_config_effective_domain(c);
	if (!cli_empty(c->identity_domain))
		return dm_name_identity_zone(out, cap, c->identity_domain,
					     strlen(c->identity_domain));
	return dm_name_identity_hashed(out, cap, c->username, strlen(c->username), d, strlen(d));
}

static int show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--json")};
	const char *pos[1];
	size_t npos;
	char x[65], e[65], uid[65];
	int rc = cli_args(argc, argv, o, 1, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	dm_hex_encode(ctx->id.x_pub, 32, x);
	dm_hex_encode(ctx->id.ed_pk, 32, e);
	dm_hex_encode(ctx->id.user_id, 32, uid);
	if (cli_opt_set(o, 1, "--json")) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "username", ctx->cfg.username,
				      "domain", cli_config_effective_domain(&ctx->cfg),
				      "public_key", x, "signing_public_key", e, "user_id", uid);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(j);
		return 0;
	}
	printf("username: %s\n", ctx->cfg.username);
	printf("domain: %s\n", cli_config_effective_domain(&ctx->cfg));
	printf("public_key: %s\n", x);
	printf("signing_public_key: %s\n", e);
	printf("user_id: %s\n", uid);
	return 0;
}

static int sign_identity(const struct dm_identity *id, const char *username, uint64_t now,
			 char out[DM_IDENTITY_VALUE_MAX])
{
	struct dm_identity_record rec;
	size_t len;
	int r =
	    dm_identity_record_init(&rec, username, strlen(username), id->x_pub, id->ed_pk, now);
	if (r == 0)
		r = dm_identity_record_sign(&rec, id->ed_sk, out, DM_IDENTITY_VALUE_MAX, &len);
	return r;
}

static int publish(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--ttl")};
	const char *pos[1];
	size_t npos;
	long ttl;
	char name[NAME_MAX_LEN], value[DM_IDENTITY_VALUE_MAX];
	struct cli_net *net;
	struct cli_io io;
	int rc = cli_args(argc, argv, o, 1, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_opt_long(o, 1, "--ttl", IDENTITY_TTL, 1, 86400, &ttl))
		return CLI_EXIT_USAGE;
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	if (own_identity_name(&ctx->cfg, name, sizeof(name)) < 0)
		return cli_fail(CLI_EXIT_USER, "cannot build the identity name from domain '%s'",
				cli_config_effective_domain(&ctx->cfg));
	if (sign_identity(&ctx->id, ctx->cfg.username, cli_ctx_now(ctx), value) < 0)
		return cli_fail(CLI_EXIT_USER,
				"username '%s' cannot be published (1..64 bytes of "
				"UTF-8)",
				ctx->cfg.username);
	rc = cli_net_open(ctx, true, &net, &io);
	if (rc != 0)
		return rc;
	if (io.publish(io.ctx, name, value, (uint32_t)ttl) < 0) {
		rc = cli_fail(CLI_EXIT_NET, "%s", io.write_err(io.ctx));
	} else {
		printf("published identity to %s\n", name);
		if (!cli_empty(ctx->cfg.identity_domain))
			printf("others can resolve you with: dnsmesh identity fetch %s@%s\n",
			       ctx->cfg.username, ctx->cfg.identity_domain);
		else
			printf(
			    "others can resolve you with: dnsmesh identity fetch %s --domain %s\n",
			    ctx->cfg.username, cli_config_effective_domain(&ctx->cfg));
	}
	cli_net_close(net);
	return rc;
}

static int refresh_prekeys(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--count"), CLI_OPT("--ttl")};
	const char *pos[1], *d;
	size_t npos;
	long count, ttl, published = 0;
	char name[NAME_MAX_LEN], *path, last_err[CLI_ERR_MAX] = "";
	struct cli_net *net;
	struct cli_io io;
	sqlite3 *db;
	uint64_t now = cli_ctx_now(ctx);
	int rc = cli_args(argc, argv, o, 2, pos, 0, 0, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_opt_long(o, 2, "--count", 25, 1, 64, &count) ||
	    !cli_opt_long(o, 2, "--ttl", 86400, 1, 86400, &ttl))
		return CLI_EXIT_USAGE;
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	d = cli_config_effective_domain(&ctx->cfg);
	if (dm_name_prekeys(name, sizeof(name), ctx->cfg.username, strlen(ctx->cfg.username), d,
			    strlen(d)) < 0)
		return cli_fail(CLI_EXIT_USER, "cannot build the prekey name from domain '%s'", d);
	path = cli_ctx_path(ctx, CLI_PREKEYS_FILE);
	rc = cli_mkdir_p(ctx->home, 0700);
	if (rc == 0)
		rc = cli_prekeys_open(path, &db);
	if (rc < 0) {
		rc = cli_fail(CLI_EXIT_USER, "cannot open %s", path);
		free(path);
		return rc;
	}
	free(path);
	rc = cli_net_open(ctx, true, &net, &io);
	if (rc != 0) {
		sqlite3_close(db);
		return rc;
	}
	for (long i = 0; i < count; i++) {
		struct dm_prekey pk = {.exp = now + (uint64_t)ttl};
		uint8_t priv[32];
		char value[DM_PREKEY_VALUE_LEN + 1];

		do
			randombytes_buf(&pk.prekey_id, sizeof(pk.prekey_id));
		while (pk.prekey_id == 0 || cli_prekeys_exists(db, pk.prekey_id));
		randombytes_buf(priv, sizeof(priv));
		crypto_scalarmult_base(pk.x25519_pub, priv);
		cli_progress("publishing prekey %ld/%ld", i + 1, count);
		if (dm_prekey_sign(&pk, ctx->id.ed_sk, value) < 0 ||
		    cli_prekeys_put(db, pk.prekey_id, priv, pk.x25519_pub, pk.exp, now, value) <
			0) {
			sodium_memzero(priv, sizeof(priv));
			snprintf(last_err, sizeof(last_err), "cannot store prekey locally");
			break;
		}
		sodium_memzero(priv, sizeof(priv));
		if (io.publish(io.ctx, name, value, (uint32_t)ttl) == 0) {
			published++;
			continue;
		}
		/* A private half nobody can encrypt to is only a liability. */
		(void)cli_prekeys_delete(db, pk.prekey_id);
		snprintf(last_err, sizeof(last_err), "%s", io.write_err(io.ctx));
		if (published == 0)
			break; /* the node is refusing; do not hammer it */
	}
	cli_progress_done();
	printf("published %ld/%ld prekeys to %s\n", published, count, name);
	printf("local live prekey count: %ld\n", cli_prekeys_live(db, now));
	sqlite3_close(db);
	cli_net_close(net);
	if (published == 0)
		return cli_fail(CLI_EXIT_NET, "%s", last_err);
	if (published < count)
		cli_warn("some prekeys were not published: %s", last_err);
	return 0;
}

/* ---- fetch ------------------------------------------------------------------- */

struct fetched {
	struct dm_identity_record rec;
	bool drop;
};

static void fingerprint(const struct dm_identity_record *r, char out[17])
{
	uint8_t h[32], buf[64];
	memcpy(buf, r->x25519_pub, 32);
	memcpy(buf + 32, r->ed25519_spk, 32);
	crypto_hash_sha256(h, buf, sizeof(buf));
	dm_hex_encode(h, 8, out);
}

/* Drops revoked keys, then (if still ambiguous) keys rotated away from. */
static void apply_rotations(const struct cli_io *io, const char *rot_name, struct fetched *f,
			    size_t n, uint64_t now)
{
	struct dm_txtset set = {0};
	size_t alive = 0;

	if (io->lookup(io->lookup_ctx, rot_name, &set) < 0 || set.count == 0) {
		cli_txtset_clear(&set);
		return;
	}
	for (size_t v = 0; v < set.count; v++) {
		struct dm_revocation rev;
		if (dm_revocation_parse(set.values[v], set.lens[v], now, NULL, NULL, 0,
					DM_REVOCATION_NO_MAX_AGE, &rev) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (!memcmp(f[i].rec.ed25519_spk, rev.revoked_spk, 32))
				f[i].drop = true;
	}
	for (size_t i = 0; i < n; i++)
		alive += !f[i].drop;
	if (alive > 1) {
		bool old[MAX_FETCHED] = {false};
		size_t left = alive;
		for (size_t v = 0; v < set.count; v++) {
			struct dm_rotation rot;
			if (dm_rotation_parse(set.values[v], set.lens[v], now, NULL, NULL, 0,
					      &rot) < 0)
				continue;
			for (size_t i = 0; i < n; i++)
				if (!f[i].drop && !old[i] &&
				    !memcmp(f[i].rec.ed25519_spk, rot.old_spk, 32)) {
					old[i] = true;
					left--;
				}
		}
		if (left == 1)
			for (size_t i = 0; i < n; i++)
				f[i].drop = f[i].drop || old[i];
	}
	cli_txtset_clear(&set);
}

/* Collects the verifying identity records at `name`. */
static size_t collect(const struct cli_io *io, const char *name, const char *address,
		      struct fetched *f, size_t have)
{
	struct dm_txtset set = {0};
	if (io->lookup(io->lookup_ctx, name, &set) < 0) {
		cli_txtset_clear(&set);
		return have;
	}
	for (size_t v = 0; v < set.count && have < MAX_FETCHED; v++) {
		struct dm_identity_record rec;
		if (dm_identity_record_parse(set.values[v], set.lens[v], &rec) < 0)
			continue;
		if (address && dm_identity_record_check_address(&rec, address, strlen(address)) < 0)
			continue;
		f[have].rec = rec;
		f[have].drop = false;
		have++;
	}
	cli_txtset_clear(&set);
	return have;
}

static int add_contact(struct cli_ctx *ctx, const struct dm_identity_record *rec, const char *user,
		       const char *host, const char *domain_opt)
{
	char pub[65], spk[65];
	const char *label = rec->username;
	struct cli_contact *k;

	if (host != NULL && strcmp(rec->username, user) != 0)
		return cli_fail(CLI_EXIT_NET,
				"record at %s names user '%s', not '%s'; not adding it", host,
				rec->username, user);
	dm_hex_encode(rec->x25519_pub, 32, pub);
	dm_hex_encode(rec->ed25519_spk, 32, spk);
	/* An intro-trust placeholder (same signing key, no encryption key yet) is
	 * completed in place, whatever its label. */
	for (size_t i = 0; i < ctx->cfg.contact_count; i++) {
		k = &ctx->cfg.contacts[i];
		if (cli_empty(k->pub) && !strcasecmp(k->spk, spk)) {
			cli_config_set(&k->pub, pub);
			if (cli_empty(k->domain))
				cli_config_set(&k->domain, host		? host
							   : domain_opt ? domain_opt
									: "");
			if (strcmp(k->label, rec->username) != 0)
				cli_config_set(&k->remote_username, rec->username);
			printf("added contact %s (pinned signing key)\n", k->label);
			return cli_ctx_save(ctx);
		}
	}
	if (cli_config_contact(&ctx->cfg, label) != NULL) {
		printf("contact %s already exists; not overwriting it (remove it first with "
		       "`dnsmesh contacts remove %s`)\n",
		       label, label);
		return 0;
	}
	cli_config_contact_put(&ctx->cfg, label, pub, spk,
			       host	    ? host
			       : domain_opt ? domain_opt
					    : "",
			       NULL);
	printf("added contact %s (pinned signing key)\n", label);
	return cli_ctx_save(ctx);
}

static int fetch(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_OPT("--domain"), CLI_FLAG("--add"),
			      CLI_OPT("--accept-fingerprint"), CLI_FLAG("--json"),
			      CLI_FLAG("--via-bootstrap")};
	size_t no = sizeof(o) / sizeof(o[0]), npos, n = 0, alive = 0;
	const char *pos[1], *domain_opt, *accept;
	char *user, *host = NULL, *at, names[2][NAME_MAX_LEN], used_name[NAME_MAX_LEN] = "";
	struct fetched *f;
	struct cli_net *net = NULL;
	struct cli_cluster *via = NULL;
	struct cli_io io;
	const struct fetched *pick = NULL;
	uint64_t now;
	int rc = cli_args(argc, argv, o, no, pos, 1, 1, &npos, usage);

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	rc = cli_ctx_load(ctx);
	if (rc != 0)
		return rc;
	now = cli_ctx_now(ctx);
	domain_opt = cli_opt_str(o, no, "--domain", NULL);
	accept = cli_opt_str(o, no, "--accept-fingerprint", NULL);
	user = cli_xstrdup(pos[0]);
	at = strchr(user, '@');
	if (at != NULL) {
		*at = '\0';
		host = at + 1;
	}
	if (*user == '\0' || (host && *host == '\0')) {
		free(user);
		return cli_fail(CLI_EXIT_USER, "expected user or user@host, not '%s'", pos[0]);
	}
	if (host == NULL && cli_opt_set(o, no, "--via-bootstrap")) {
		free(user);
		return cli_fail(CLI_EXIT_USER,
				"--via-bootstrap needs an address in user@host form, not '%s'",
				pos[0]);
	}
	const char *zone = host		? host
			   : domain_opt ? domain_opt
					: cli_config_effective_domain(&ctx->cfg);
	if ((host && dm_name_identity_zone(names[0], NAME_MAX_LEN, host, strlen(host)) < 0) ||
	    dm_name_identity_hashed(names[1], NAME_MAX_LEN, user, strlen(user), zone,
				    strlen(zone)) < 0) {
		free(user);
		return cli_fail(CLI_EXIT_USER, "cannot build a DNS name for '%s'", pos[0]);
	}
	/* Via bootstrap, the host's cluster is trusted to serve its zone: every
	 * read (identity and rotation names alike) goes to that cluster's nodes. */
	if (cli_opt_set(o, no, "--via-bootstrap"))
		rc = cli_bootstrap_open(ctx, host, &via, &io);
	else
		rc = cli_net_open(ctx, false, &net, &io);
	if (rc != 0) {
		free(user);
		return rc;
	}
	f = cli_xcalloc(MAX_FETCHED, sizeof(*f));
	for (int i = host ? 0 : 1; i < 2 && n == 0; i++) {
		n = collect(&io, names[i], i == 0 ? pos[0] : NULL, f, 0);
		if (n > 0) {
			char rot[NAME_MAX_LEN + 8];
			snprintf(used_name, sizeof(used_name), "%s", names[i]);
			snprintf(rot, sizeof(rot), "rotate.%s", names[i]);
			apply_rotations(&io, rot, f, n, now);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!f[i].drop) {
			alive++;
			pick = &f[i];
		}
	if (alive == 0) {
		const char *why = io.read_err(io.ctx);
		if (why)
			rc = cli_fail(CLI_EXIT_NET, "identity lookup for %s failed: %s", pos[0],
				      why);
		else
			rc = cli_fail(CLI_EXIT_NET, "no identity found for %s (looked at %s%s%s)",
				      pos[0], host ? names[0] : names[1], host ? " and " : "",
				      host ? names[1] : "");
		goto out;
	}
	if (alive > 1 || accept != NULL) {
		pick = NULL;
		for (size_t i = 0; i < n; i++) {
			char fp[17];
			fingerprint(&f[i].rec, fp);
			if (!f[i].drop && accept && !strcasecmp(fp, accept))
				pick = &f[i];
		}
		if (pick == NULL) {
			cli_progress_done();
			fprintf(stderr, "ambiguous: %zu valid identity records at %s\n", alive,
				used_name);
			for (size_t i = 0; i < n; i++) {
				char fp[17], x[65], e[65];
				if (f[i].drop)
					continue;
				fingerprint(&f[i].rec, fp);
				dm_hex_encode(f[i].rec.x25519_pub, 32, x);
				dm_hex_encode(f[i].rec.ed25519_spk, 32, e);
				fprintf(stderr,
					"  fingerprint=%s  x25519=%.16s...  ed25519=%.16s...  "
					"ts=%llu\n",
					fp, x, e, (unsigned long long)f[i].rec.ts);
			}
			rc = cli_fail(CLI_EXIT_NET,
				      "pick one with --accept-fingerprint <fingerprint>");
			goto out;
		}
	}
	{
		char x[65], e[65], *addr;
		dm_hex_encode(pick->rec.x25519_pub, 32, x);
		dm_hex_encode(pick->rec.ed25519_spk, 32, e);
		addr = cli_xasprintf("%s@%s", pick->rec.username, zone);
		if (cli_opt_set(o, no, "--json")) {
			json_t *j =
			    json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "username", pick->rec.username,
				      "address", addr, "public_key", x, "signing_public_key", e,
				      "ts", (json_int_t)pick->rec.ts, "dns_name", used_name);
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			printf("%s\n", s);
			free(s);
			json_decref(j);
		} else {
			printf("address:            %s\n", addr);
			printf("username:           %s\n", pick->rec.username);
			printf("public_key:         %s\n", x);
			printf("signing_public_key: %s\n", e);
			printf("published at:       %llu\n", (unsigned long long)pick->rec.ts);
		}
		free(addr);
	}
	if (cli_opt_set(o, no, "--add"))
		rc = add_contact(ctx, &pick->rec, user, host, domain_opt);
out:
	free(f);
	free(user);
	cli_net_close(net);
	cli_cluster_close(via);
	return rc;
}

/* ---- rotate ------------------------------------------------------------------ */

static int rotate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt o[] = {CLI_FLAG("--experimental"), CLI_OPT("--new-passphrase-file"),
			      CLI_OPT("--ttl"),		  CLI_OPT("--exp-seconds"),
			      CLI_FLAG("--yes"),	  CLI_OPT("--reason")};
	size_t no = sizeof(o) / sizeof(o[0]), npos;
	const char *pos[1], *reason_s, *file;
	long ttl, exp_s;
	int reason, rc = cli_args(argc, argv, o, no, pos, 0, 0, &npos, usage);
	struct dm_identity newid;
	struct cli_config tmp;
	char *pass = NULL, why[256], subject[DM_SUBJECT_MAX + 1], rot_name[NAME_MAX_LEN + 8];
	char id_name[NAME_MAX_LEN], old_hex[65], new_hex[65];
	uint8_t salt[256];
	long salt_len = 0;
	size_t pass_cap = 0; /* bytes to wipe: the file's whole text, not just the stripped part */

	if (rc != 0)
		return rc == CLI_ARGS_HELP ? 0 : rc;
	if (!cli_opt_set(o, no, "--experimental"))
		return cli_fail(CLI_EXIT_USER, "identity rotate is experimental: pass "
					       "--experimental to confirm you want it");
	if (!cli_opt_long(o, no, "--ttl", 86400, 1, 86400, &ttl) ||
	    !cli_opt_long(o, no, "--exp-seconds", 31536000, 1, 5L * 366 * 86400, &exp_s))
		return CLI_EXIT_USAGE;
	reason_s = cli_opt_str(o, no, "--reason", "routine");
	reason = !strcmp(reason_s, "routine")	   ? DM_REVOKE_ROUTINE
		 : !strcmp(reason_s, "compromise") ? DM_REVOKE_COMPROMISE
		 : !strcmp(reason_s, "lost_key")   ? DM_REVOKE_LOST_KEY
						   : 0;
	if (reason == 0)
		return cli_fail(CLI_EXIT_USAGE, "--reason must be routine, compromise or lost_key");
	rc = cli_ctx_identity(ctx, true);
	if (rc != 0)
		return rc;
	file = cli_opt_str(o, no, "--new-passphrase-file", NULL);
	cli_config_defaults(&tmp);
	cli_config_set(&tmp.username, ctx->cfg.username);
	cli_config_set(&tmp.passphrase_file, file);
	if (file != NULL) {
		char *text;
		size_t len;
		if (cli_read_file(file, 4096, &text, &len) < 0) {
			cli_config_free(&tmp);
			return cli_fail(CLI_EXIT_USER, "cannot read %s", file);
		}
		pass = cli_strip(text);
		pass_cap = len;
	} else if (cli_passphrase(&tmp, "DMP_NEW_PASSPHRASE", &pass, why) < 0) {
		cli_config_free(&tmp);
		return cli_fail(CLI_EXIT_USER, "no new passphrase: use --new-passphrase-file or "
					       "DMP_NEW_PASSPHRASE");
	}
	cli_config_free(&tmp);
	if (pass_cap == 0)
		pass_cap = strlen(pass);
	if (*pass == '\0') {
		sodium_memzero(pass, pass_cap);
		free(pass);
		return cli_fail(CLI_EXIT_USER, "the new passphrase is empty");
	}
	if (!cli_empty(ctx->cfg.kdf_salt))
		salt_len =
		    dm_hex_decode(ctx->cfg.kdf_salt, strlen(ctx->cfg.kdf_salt), salt, sizeof(salt));
	rc = dm_identity_derive(pass, strlen(pass), salt_len > 0 ? salt : NULL,
				salt_len > 0 ? (size_t)salt_len : 0, &newid);
	if (rc < 0) {
		sodium_memzero(pass, pass_cap);
		free(pass);
		return cli_fail(CLI_EXIT_USER, "key derivation failed");
	}
	if (!memcmp(newid.ed_pk, ctx->id.ed_pk, 32)) {
		sodium_memzero(pass, pass_cap);
		free(pass);
		dm_identity_wipe(&newid);
		return cli_fail(CLI_EXIT_USER, "the new passphrase derives the same key");
	}
	const char *dom = !cli_empty(ctx->cfg.identity_domain)
			      ? ctx->cfg.identity_domain
			      : cli_config_effective_domain(&ctx->cfg);
	snprintf(subject, sizeof(subject), "%s@%s", ctx->cfg.username, dom);
	if (!cli_empty(ctx->cfg.identity_domain))
		rc = dm_name_rotation_user_zone(rot_name, sizeof(rot_name), dom, strlen(dom));
	else
		rc = dm_name_rotation_user_hashed(rot_name, sizeof(rot_name), ctx->cfg.username,
						  strlen(ctx->cfg.username), dom, strlen(dom));
	if (rc >= 0)
		rc = own_identity_name(&ctx->cfg, id_name, sizeof(id_name));
	dm_hex_encode(ctx->id.ed_pk, 32, old_hex);
	dm_hex_encode(newid.ed_pk, 32, new_hex);
	printf("old signing key: %s\nnew signing key: %s\n", old_hex, new_hex);
	if (rc < 0 ||
	    (!cli_opt_set(o, no, "--yes") && !cli_confirm("Publish RotationRecord? [y/N] "))) {
		sodium_memzero(pass, pass_cap);
		free(pass);
		dm_identity_wipe(&newid);
		return cli_fail(CLI_EXIT_USER,
				rc < 0 ? "cannot build the rotation name" : "aborted");
	}
	{
		struct timeval tv;
		struct dm_rotation rot = {.subject_type = DM_SUBJECT_USER};
		char rot_val[DM_ROTATION_WIRE_MAX + 1], rev_val[DM_REVOCATION_WIRE_MAX + 1];
		char id_val[DM_IDENTITY_VALUE_MAX];
		uint64_t now = cli_ctx_now(ctx);
		size_t len;
		struct cli_net *net;
		struct cli_io io;

		gettimeofday(&tv, NULL);
		rot.subject_len = (uint8_t)strlen(subject);
		memcpy(rot.subject, subject, strlen(subject) + 1);
		memcpy(rot.old_spk, ctx->id.ed_pk, 32);
		memcpy(rot.new_spk, newid.ed_pk, 32);
		rot.seq = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
		rot.ts = now;
		rot.exp = now + (uint64_t)exp_s;
		rc = dm_rotation_sign(&rot, ctx->id.ed_sk, newid.ed_sk, rot_val, sizeof(rot_val),
				      &len);
		if (rc == 0 && reason != DM_REVOKE_ROUTINE) {
			struct dm_revocation rev = {.subject_type = DM_SUBJECT_USER,
						    .subject_len = rot.subject_len,
						    .reason = (uint8_t)reason,
						    .ts = now};
			memcpy(rev.subject, subject, strlen(subject) + 1);
			memcpy(rev.revoked_spk, ctx->id.ed_pk, 32);
			rc =
			    dm_revocation_sign(&rev, ctx->id.ed_sk, rev_val, sizeof(rev_val), &len);
		}
		if (rc == 0)
			rc = sign_identity(&newid, ctx->cfg.username, now, id_val);
		if (rc < 0) {
			rc = cli_fail(CLI_EXIT_USER, "cannot sign the rotation for %s: %s", subject,
				      dm_strerror(rc));
			goto done;
		}
		rc = cli_net_open(ctx, true, &net, &io);
		if (rc != 0)
			goto done;
		if (io.publish(io.ctx, rot_name, rot_val, (uint32_t)ttl) < 0 ||
		    (reason != DM_REVOKE_ROUTINE &&
		     io.publish(io.ctx, rot_name, rev_val, (uint32_t)ttl) < 0) ||
		    io.publish(io.ctx, id_name, id_val, (uint32_t)ttl) < 0) {
			rc = cli_fail(CLI_EXIT_NET, "%s", io.write_err(io.ctx));
			cli_net_close(net);
			goto done;
		}
		cli_net_close(net);
		printf("published rotation to %s and the new identity to %s\n", rot_name, id_name);
		if (cli_opt_set(o, no, "--yes") && file != NULL) {
			/* Absolute, so the next command finds it from any directory. */
			char *abs = realpath(file, NULL);
			cli_config_set(&ctx->cfg.passphrase_file, abs ? abs : file);
			free(abs);
			cli_config_set(&ctx->cfg.verify_pubkey, new_hex);
			rc = cli_ctx_save(ctx);
			const char *env = getenv("DMP_PASSPHRASE");
			if (rc == 0 && !cli_empty(env) && strcmp(env, pass) != 0)
				rc = cli_fail(
				    CLI_EXIT_ROTATE,
				    "rotation published, but DMP_PASSPHRASE still holds "
				    "the old passphrase: unset it or set it to the new one");
		}
		printf("Next steps:\n"
		       "  - use the new passphrase from now on%s\n"
		       "  - run `dnsmesh identity refresh-prekeys` to publish prekeys for the new "
		       "key\n"
		       "  - tell your contacts to run `dnsmesh identity fetch` again\n",
		       file ? "" : " (update passphrase_file / DMP_PASSPHRASE)");
	}
done:
	sodium_memzero(pass, pass_cap);
	free(pass);
	dm_identity_wipe(&newid);
	return rc;
}

int cmd_identity(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "show"))
		return show(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "publish"))
		return publish(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "refresh-prekeys"))
		return refresh_prekeys(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "fetch"))
		return fetch(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "rotate"))
		return rotate(ctx, argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_fail(CLI_EXIT_USAGE, "unknown identity command '%.60s'", argv[0]);
}
