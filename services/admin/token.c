/*
 * dnsmesh-node-admin token issue | list | revoke, as the reference's admin
 * CLI (node.md §8) but through the store, which alone opens the token file:
 * the token is minted here, printed once, and only its SHA-256 digest is
 * sent. Exit status: 0 done, 1 nothing matched / store failure, 2 usage or
 * ambiguous target, 64 bad usage.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "common/codec/hex.h"
#include "common/dmp/registration.h"
#include "common/dmp/token.h"
#include "common/err.h"
#include "common/node/ipc.h"
#include "services/admin/admin.h"

#define TOKEN_TIMEOUT_MS 10000

struct tok {
	struct dm_ipc_client client;
	int status;
	bool started;
	const char *cmd;
	bool json;
	/* issue */
	char token[DM_TOKEN_LEN + 1];
	char hash[DM_TOKEN_DIGEST_HEX + 1];
	char subject[DM_REGISTRATION_SUBJECT_MAX + 1];
	char hash12[13];
	bool has_hash12;
	double rate;
	uint32_t burst;
	bool has_expires;
	int64_t expires_at;
	const char *note;
	char issuer[128];
	/* list */
	const char *list_subject;
	bool include_revoked;
	/* revoke */
	const char *target;
};

static struct tok T;

static void token_usage(void)
{
	fprintf(stderr,
		"usage: dnsmesh-node-admin token issue SUBJECT [--expires DUR] [--rate F] "
		"[--burst N] [--note TEXT] [--with-prekey-scope X25519_HEX] [--json]\n"
		"       dnsmesh-node-admin token list [--subject S] [--include-revoked] [--json]\n"
		"       dnsmesh-node-admin token revoke SUBJECT|HASH_PREFIX\n");
	exit(64);
}

static void finish(int status)
{
	T.status = status;
	dm_ipc_client_stop(&T.client);
}

/* ^[0-9]+[smhdw]?$ after trimming ASCII whitespace (node.md §8). */
static int parse_duration(const char *s, int64_t *ret)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	if (n == 0 || s[0] < '0' || s[0] > '9')
		return -1;
	int64_t mult = 1;
	switch (s[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mult = 60, n--;
		break;
	case 'h':
		mult = 3600, n--;
		break;
	case 'd':
		mult = 86400, n--;
		break;
	case 'w':
		mult = 604800, n--;
		break;
	}
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > INT64_MAX / 10 / mult)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v * mult;
	return 0;
}

static int reply_err(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
{
	if (err != 0)
		return err;
	if (rep->body_case == DM__ENVELOPE__BODY_ERROR)
		return rep->error->code;
	return rep->body_case == want ? 0 : DM_EPROTO;
}

static void on_issued(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_ISSUE_RESULT);
	if (err == 0)
		err = rep->token_issue_result->status;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token issue failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	if (T.json) {
		json_t *o = json_pack(
		    "{s:s,s:s,s:o,s:o,s:f,s:I}", "token", T.token, "subject", T.subject,
		    "subject_hash12", T.has_hash12 ? json_string(T.hash12) : json_null(),
		    "expires_at", T.has_expires ? json_integer(T.expires_at) : json_null(),
		    "rate_per_sec", T.rate, "rate_burst", (json_int_t)T.burst);
		char *s = json_dumps(o, JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("Token for %s (shown once; store it now):\n\n  %s\n\n", T.subject, T.token);
		if (T.has_expires)
			printf("expires_at: %" PRId64 "\n", T.expires_at);
		else
			printf("expires_at: never\n");
		printf("rate: %g/s, burst %u\n", T.rate, T.burst);
	}
	sodium_memzero(T.token, sizeof(T.token));
	finish(0);
}

static json_t *opt_int(bool has, int64_t v)
{
	return has ? json_integer(v) : json_null();
}

static void on_listed(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_LIST_REPLY);
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token list failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	const Dm__TokenListReply *l = rep->token_list_reply;
	if (T.json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__TokenRow *r = l->rows[i];
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:i,s:o,s:f,s:I,s:I,s:o,s:o,s:s,s:s,s:b}",
					   "token_hash", r->token_hash, "subject", r->subject,
					   "subject_type", (int)r->subject_type, "subject_hash12",
					   r->subject_hash12 ? json_string(r->subject_hash12)
							     : json_null(),
					   "rate_per_sec", r->rate_per_sec, "rate_burst",
					   (json_int_t)r->rate_burst, "issued_at",
					   (json_int_t)r->issued_at, "expires_at",
					   opt_int(r->has_expires_at, r->expires_at), "revoked_at",
					   opt_int(r->has_revoked_at, r->revoked_at), "issuer",
					   r->issuer, "note", r->note, "live", r->live));
		}
		char *s = json_dumps(arr, JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		printf("%-16s  %-32s  %-4s  %-10s  %-10s  %s\n", "HASH", "SUBJECT", "LIVE",
		       "ISSUED", "EXPIRES", "ISSUER");
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__TokenRow *r = l->rows[i];
			char exp[24] = "never";
			if (r->has_expires_at)
				snprintf(exp, sizeof(exp), "%" PRId64, r->expires_at);
			printf("%.16s  %-32s  %-4s  %-10" PRId64 "  %-10s  %s\n", r->token_hash,
			       r->subject, r->live ? "yes" : "no", r->issued_at, exp, r->issuer);
		}
	}
	finish(0);
}

static void on_revoked(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_REVOKE_RESULT);
	if (err == 0)
		err = rep->token_revoke_result->status;
	if (err == DM_ENOTFOUND) {
		fprintf(stderr, "dnsmesh-node-admin: no live token matches %s\n", T.target);
		finish(1);
		return;
	}
	if (err == DM_EMISMATCH) {
		fprintf(stderr,
			"dnsmesh-node-admin: %s matches more than one token; give more of the "
			"hash\n",
			T.target);
		finish(2);
		return;
	}
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token revoke failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	printf("revoked %u token(s)\n", rep->token_revoke_result->revoked);
	finish(0);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	(void)ctx;
	if (T.started)
		return;
	T.started = true;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	int r;
	if (strcmp(T.cmd, "issue") == 0) {
		Dm__TokenIssue ti = DM__TOKEN_ISSUE__INIT;
		ti.token_hash = T.hash;
		ti.subject = T.subject;
		ti.subject_hash12 = T.has_hash12 ? T.hash12 : NULL;
		ti.rate_per_sec = T.rate;
		ti.rate_burst = T.burst;
		ti.has_expires_at = T.has_expires;
		ti.expires_at = T.expires_at;
		ti.issuer = T.issuer;
		ti.note = (char *)(T.note ? T.note : "");
		env.body_case = DM__ENVELOPE__BODY_TOKEN_ISSUE;
		env.token_issue = &ti;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_issued, NULL);
	} else if (strcmp(T.cmd, "list") == 0) {
		Dm__TokenList tl = DM__TOKEN_LIST__INIT;
		tl.subject = (char *)T.list_subject;
		tl.has_include_revoked = true;
		tl.include_revoked = T.include_revoked;
		env.body_case = DM__ENVELOPE__BODY_TOKEN_LIST;
		env.token_list = &tl;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_listed, NULL);
	} else {
		Dm__TokenRevoke tr = DM__TOKEN_REVOKE__INIT;
		tr.target = (char *)T.target;
		env.body_case = DM__ENVELOPE__BODY_TOKEN_REVOKE;
		env.token_revoke = &tr;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_revoked, NULL);
	}
	if (r < 0) {
		fprintf(stderr, "dnsmesh-node-admin: token %s: %s\n", T.cmd, dm_strerror(r));
		finish(1);
	}
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	(void)conn;
	(void)ctx;
	if (T.started && !T.client.stopping) {
		fprintf(stderr, "dnsmesh-node-admin: lost the connection to the store\n");
		finish(1);
	}
}

static void give_up(uv_timer_t *t)
{
	if (!T.started) {
		fprintf(stderr, "dnsmesh-node-admin: store not reachable at %s\n", T.client.path);
		finish(1);
	}
	uv_close((uv_handle_t *)t, NULL);
}

static const struct dm_ipc_rule token_rules[] = {{0, 0, NULL}};

/* Parses the options after the subcommand; exits on misuse. */
static void parse(int argc, char **argv, const struct dm_config *cfg)
{
	const char *db = NULL;
	const char *pos = NULL;
	T.rate = 10.0;
	T.burst = 50;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "--json") == 0) {
			T.json = true;
		} else if (strcmp(a, "--include-revoked") == 0) {
			T.include_revoked = true;
		} else if (strcmp(a, "--db") == 0 && more) {
			db = argv[++i];
		} else if (strcmp(a, "--subject") == 0 && more) {
			T.list_subject = argv[++i];
		} else if (strcmp(a, "--note") == 0 && more) {
			T.note = argv[++i];
		} else if (strcmp(a, "--rate") == 0 && more) {
			char *end;
			T.rate = strtod(argv[++i], &end);
			if (*end != '\0' || T.rate < 0)
				token_usage();
		} else if (strcmp(a, "--burst") == 0 && more) {
			char *end;
			unsigned long b = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || b > UINT32_MAX)
				token_usage();
			T.burst = (uint32_t)b;
		} else if (strcmp(a, "--expires") == 0 && more) {
			int64_t d;
			if (parse_duration(argv[++i], &d) < 0) {
				fprintf(stderr,
					"dnsmesh-node-admin: --expires: expected N[smhdw]\n");
				exit(2);
			}
			T.has_expires = true;
			T.expires_at = (int64_t)time(NULL) + d;
		} else if (strcmp(a, "--with-prekey-scope") == 0 && more) {
			uint8_t pk[32], h[32];
			const char *hex = argv[++i];
			if (strlen(hex) != 64 || dm_hex_decode(hex, 64, pk, sizeof(pk)) != 32) {
				fprintf(stderr,
					"dnsmesh-node-admin: --with-prekey-scope: expected 64 "
					"hex digits (an X25519 public key)\n");
				exit(2);
			}
			char hx[65];
			crypto_hash_sha256(h, pk, sizeof(pk));
			dm_hex_encode(h, sizeof(h), hx);
			memcpy(T.hash12, hx, 12);
			T.hash12[12] = '\0';
			T.has_hash12 = true;
		} else if (a[0] == '-' || pos != NULL) {
			token_usage();
		} else {
			pos = a;
		}
	}
	if (db != NULL && strcmp(db, cfg->token_db_path) != 0) {
		fprintf(stderr,
			"dnsmesh-node-admin: the token store is opened by dnsmesh-store at %s "
			"(DMP_TOKEN_DB_PATH); --db cannot point elsewhere\n",
			cfg->token_db_path);
		exit(2);
	}
	if (strcmp(T.cmd, "issue") == 0) {
		size_t len;
		if (pos == NULL)
			token_usage();
		if (dm_registration_canonical_subject(pos, strlen(pos), T.subject,
						      sizeof(T.subject), &len) < 0) {
			fprintf(stderr,
				"dnsmesh-node-admin: subject must look like user@example.com\n");
			exit(2);
		}
		dm_token_new(T.token);
		dm_token_digest(T.token, strlen(T.token), T.hash);
		const char *user = getenv("USER");
		snprintf(T.issuer, sizeof(T.issuer), "admin:%s", user ? user : "unknown");
	} else if (strcmp(T.cmd, "list") == 0) {
		if (pos != NULL)
			token_usage();
	} else if (strcmp(T.cmd, "revoke") == 0) {
		if (pos == NULL)
			token_usage();
		T.target = pos;
	} else {
		token_usage();
	}
}

int admin_token_main(int argc, char **argv, const struct dm_config *cfg)
{
	if (argc < 2)
		token_usage();
	if (sodium_init() < 0)
		return 1;
	T.cmd = argv[1];
	parse(argc - 1, argv + 1, cfg);
	char path[DM_PATH_MAX];
	if (dm_config_socket_path(cfg, "store.sock", path, sizeof(path)) < 0)
		return DM_EX_CONFIG;
	uv_loop_t *loop = uv_default_loop();
	T.client.ep.loop = loop;
	T.client.ep.self_role = DM__ROLE__ROLE_ADMIN;
	T.client.ep.rules = token_rules;
	T.client.ep.on_up = on_up;
	T.client.ep.on_down = on_down;
	if (dm_ipc_client_start(&T.client, path) < 0)
		return 1;
	uv_timer_t deadline;
	uv_timer_init(loop, &deadline);
	uv_timer_start(&deadline, give_up, 5000, 0);
	uv_unref((uv_handle_t *)&deadline);
	uv_run(loop, UV_RUN_DEFAULT);
	if (!uv_is_closing((uv_handle_t *)&deadline))
		uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(loop);
	sodium_memzero(T.token, sizeof(T.token));
	return T.status;
}
