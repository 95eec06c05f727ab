#include "cli/ctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/codec/hex.h"
#include "common/err.h"

#define PASSPHRASE_MAX 4096

void cli_ctx_init(struct cli_ctx *ctx)
{
	const char *home = getenv("DMP_CONFIG_HOME");
	const char *tokens = getenv("DMP_TOKENS_HOME");

	memset(ctx, 0, sizeof(*ctx));
	if (!cli_empty(home)) {
		ctx->home = cli_xstrdup(home);
	} else {
		const char *h = getenv("HOME");
		ctx->home = cli_xasprintf("%s/.dmp", cli_empty(h) ? "." : h);
	}
	ctx->config_path = cli_ctx_path(ctx, CLI_CONFIG_FILE);
	/* 0.4.4 kept tokens under $HOME whatever the config home; two identities
	 * on one machine then shared them. Follow 0.5.3+: under the config home. */
	ctx->tokens_dir = !cli_empty(tokens) ? cli_xstrdup(tokens) : cli_ctx_path(ctx, "tokens");
}

void cli_ctx_free(struct cli_ctx *ctx)
{
	free(ctx->home);
	free(ctx->config_path);
	free(ctx->tokens_dir);
	if (ctx->cfg_loaded)
		cli_config_free(&ctx->cfg);
	dm_identity_wipe(&ctx->id);
	memset(ctx, 0, sizeof(*ctx));
}

uint64_t cli_ctx_now(const struct cli_ctx *ctx)
{
	return ctx->now ? ctx->now : cli_now();
}

char *cli_ctx_path(const struct cli_ctx *ctx, const char *file)
{
	return cli_xasprintf("%s/%s", ctx->home, file);
}

int cli_ctx_load(struct cli_ctx *ctx)
{
	char err[CLI_CONFIG_ERR_MAX];
	int r;

	if (ctx->cfg_loaded)
		return 0;
	r = cli_config_load(ctx->config_path, &ctx->cfg, err);
	if (r == -ENOENT)
		return cli_fail(CLI_EXIT_USER,
				"no config at %s — run `dnsmesh init <username>` first",
				ctx->config_path);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "%s", err);
	ctx->cfg_loaded = true;
	return 0;
}

int cli_ctx_save(struct cli_ctx *ctx)
{
	int r = cli_config_save(&ctx->cfg, ctx->config_path);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "cannot write %s: %s", ctx->config_path,
				dm_strerror(r));
	return 0;
}

char *cli_prompt_secret(const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+e");
	struct termios old, quiet;
	char buf[PASSPHRASE_MAX + 2];
	char *line = NULL;
	bool restore = false;

	if (tty == NULL)
		return NULL;
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (fgets(buf, sizeof(buf), tty) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		line = cli_xstrdup(buf);
	}
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	sodium_memzero(buf, sizeof(buf));
	fclose(tty);
	return line;
}

bool cli_confirm(const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+e");
	char buf[16];
	bool yes = false;

	if (tty == NULL)
		return false;
	fputs(prompt, tty);
	fflush(tty);
	if (fgets(buf, sizeof(buf), tty) != NULL)
		yes = buf[0] == 'y' || buf[0] == 'Y';
	fclose(tty);
	return yes;
}

/* `~` and `~/...` as Python's expanduser() sees them. */
static char *expand_user(const char *p)
{
	const char *home = getenv("HOME");
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && !cli_empty(home))
		return cli_xasprintf("%s%s", home, p + 1);
	return cli_xstrdup(p);
}

int cli_passphrase(const struct cli_config *cfg, const char *env_name, char **ret, char *why)
{
	const char *env = getenv(env_name);
	char *line;

	if (!cli_empty(env)) {
		*ret = cli_xstrdup(env);
		return 0;
	}
	if (!cli_empty(cfg->passphrase_file)) {
		char *path = expand_user(cfg->passphrase_file);
		struct stat st;
		if (stat(path, &st) == 0) {
			char *text;
			size_t len;
			int r;
			/* The file replaces typing a secret: keep it private like ssh keys. */
			if (st.st_mode & 077) {
				snprintf(why, 256,
					 "passphrase file %s is readable by others (chmod 400 %s)",
					 path, path);
				free(path);
				return DM_EINVAL;
			}
			r = cli_read_file(path, PASSPHRASE_MAX, &text, &len);
			if (r < 0) {
				snprintf(why, 256, "cannot read passphrase file %s: %s", path,
					 r == DM_ETOOBIG ? "too large" : strerror(-r));
				free(path);
				return r;
			}
			free(path);
			cli_strip(text);
			*ret = text;
			return 0;
		}
		free(path); /* a configured but missing file falls through (§1) */
	}
	{
		char prompt[160];
		snprintf(prompt, sizeof(prompt), "Passphrase for %.100s: ",
			 cli_empty(cfg->username) ? "identity" : cfg->username);
		line = cli_prompt_secret(prompt);
	}
	if (line == NULL) {
		snprintf(why, 256,
			 "no passphrase: set %s, set passphrase_file in the config, or run on a "
			 "terminal",
			 env_name);
		return DM_ENOTFOUND;
	}
	*ret = line;
	return 0;
}

int cli_ctx_identity(struct cli_ctx *ctx, bool tripwire)
{
	uint8_t salt[256];
	long salt_len = 0;
	char why[256], *pass = NULL, spk_hex[65];
	struct cli_config *c = &ctx->cfg;
	int r;

	if (ctx->have_id)
		return 0;
	r = cli_ctx_load(ctx);
	if (r != 0)
		return r;
	if (!cli_empty(c->kdf_salt)) {
		salt_len = dm_hex_decode(c->kdf_salt, strlen(c->kdf_salt), salt, sizeof(salt));
		if (salt_len < 8)
			return cli_fail(CLI_EXIT_USER,
					"config.yaml: kdf_salt must be hex of at least 8 bytes");
	}
	r = cli_passphrase(c, "DMP_PASSPHRASE", &pass, why);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "%s", why);
	r = dm_identity_derive(pass, strlen(pass), salt_len ? salt : NULL, (size_t)salt_len,
			       &ctx->id);
	sodium_memzero(pass, strlen(pass));
	free(pass);
	if (r < 0)
		return cli_fail(CLI_EXIT_USER, "key derivation failed: %s", dm_strerror(r));
	ctx->have_id = true;
	if (!tripwire)
		return 0;
	dm_hex_encode(ctx->id.ed_pk, 32, spk_hex);
	if (cli_empty(c->verify_pubkey)) {
		cli_config_set(&c->verify_pubkey, spk_hex);
		return cli_ctx_save(ctx);
	}
	if (strcasecmp(c->verify_pubkey, spk_hex) == 0)
		return 0;
	{
		const char *ov = getenv("DMP_PASSPHRASE_OVERRIDE_VERIFY");
		if (ov != NULL && !strcmp(ov, "1")) {
			cli_warn("passphrase derives a different identity than verify_pubkey "
				 "(override set; continuing)");
			return 0;
		}
	}
	dm_identity_wipe(&ctx->id);
	ctx->have_id = false;
	cli_progress_done();
	fprintf(stderr,
		"dnsmesh: passphrase does not match this identity (typo?)\n"
		"  expected signing key: %s\n"
		"  derived signing key:  %s\n"
		"  If you meant to start over: dnsmesh init --force <username>\n"
		"  To proceed once with this passphrase: DMP_PASSPHRASE_OVERRIDE_VERIFY=1\n",
		c->verify_pubkey, spk_hex);
	return CLI_EXIT_USER;
}
